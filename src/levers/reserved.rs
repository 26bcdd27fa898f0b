//! `[reserved_slots]`: expert slots reserved for family doctors' referrals
//! (Shanghai holds specialist appointment slots each month for patients a
//! family doctor refers). At each listed facility a share of the doctors
//! on the staff serves referred contracted patients first. README:
//! "[reserved_slots]"; `docs/model.md`: "Reserved expert slots".
//!
//! Simplification (#14 slice): the lead time is zero. A reserved doctor
//! with no eligible patient waiting takes the next other patient at once
//! (`release_hours` accepts only 0), so a reserved slot never idles while
//! others wait; a release lead time would need a wake-up event per doctor.

use super::{Context, Lever, Named};
use crate::scenario::FacilityId;
use crate::scenario::validate::Checker;

raw_section! {
    /// `[reserved_slots]`
    pub struct RawReservedSlots {
        pub facilities: Option<Vec<String>>,
        pub share: Option<f64>,
        pub release_hours: Option<f64>,
    }
}

/// Doctor capacity held for referred contracted patients.
#[derive(Clone, Debug, PartialEq)]
pub struct ReservedSlots {
    /// The facilities that reserve, in index order, without repeats.
    pub facilities: Vec<FacilityId>,
    /// The entries as written (for the resolved scenario).
    pub facility_names: Vec<String>,
    /// Share of a facility's doctors reserved (rounded, at least 1 when > 0).
    pub share: f64,
    /// Hours a reserved slot stays unused before it goes to others (only 0).
    pub release_hours: f64,
}

impl ReservedSlots {
    /// Doctors reserved out of `doctors` on the staff: `share` of them
    /// rounded, at least one when the share is above 0, never more than all.
    pub fn reserved_of(&self, doctors: u32) -> u32 {
        if self.share <= 0.0 || doctors == 0 {
            return 0;
        }
        ((self.share * f64::from(doctors)).round() as u32).clamp(1, doctors)
    }
}

/// The facilities `names` refer to (tiers expand to every facility of
/// the tier), in index order without repeats; unknown names go to `c`.
fn resolve(c: &mut Checker, names: &[String], ctx: &Context) -> Vec<FacilityId> {
    let mut ids = Vec::new();
    for (i, n) in names.iter().enumerate() {
        match ctx.names.lookup(n) {
            Some(Named::Tier(t)) => ids.extend(super::of_tier(ctx.facilities, t)),
            Some(Named::Active(id)) => ids.push(id),
            Some(Named::Inactive) => {}
            None => c.push(format!("reserved_slots.facilities[{i}]"), ctx.names.unknown(n)),
        }
    }
    ids.sort_unstable_by_key(|f| f.0);
    ids.dedup();
    ids
}

impl Lever for Option<ReservedSlots> {
    type Raw = Option<RawReservedSlots>;

    fn check(c: &mut Checker, raw: &Option<RawReservedSlots>, ctx: &Context) -> Option<ReservedSlots> {
        let raw = raw.as_ref()?;
        let facility_names = raw.facilities.clone().unwrap_or_else(|| vec!["county".to_string()]);
        let share = c.number(
            "reserved_slots.share",
            raw.share,
            0.2,
            |x| (0.0..=1.0).contains(&x),
            "a share of the doctors between 0 and 1",
        );
        let release_hours = c.number(
            "reserved_slots.release_hours",
            raw.release_hours,
            0.0,
            |x| x == 0.0,
            "0 (a reserved doctor takes others at once when no referred contracted patient waits; \
             a release lead time is not modelled yet)",
        );
        Some(ReservedSlots {
            facilities: resolve(c, &facility_names, ctx),
            facility_names,
            share,
            release_hours,
        })
    }

    fn to_raw(&self) -> Option<RawReservedSlots> {
        self.as_ref().map(|r| RawReservedSlots {
            facilities: Some(r.facility_names.clone()),
            share: Some(r.share),
            release_hours: Some(r.release_hours),
        })
    }
}

pub(crate) mod run {
    //! Reserved slots in the run (`docs/model.md`, "Reserved expert slots"):
    //! at a reserving facility eligible patients (referred up, resident
    //! contracted) wait in the facility's queues and also at a desk of
    //! their own; a free reserved doctor takes the desk's head first, else
    //! the next patient of the facility's queues; a free unreserved doctor
    //! takes the next patient of the facility's queues as before. O(1) per event: one queue and a busy count per
    //! reserving facility, one bit per episode (which doctor serves it).
    //! No random draw.

    use std::collections::VecDeque;

    use crate::engine::Sim;
    use crate::engine::state::{QueueEntry, Resident, Slab, pop_live};
    use crate::scenario::FacilityId;
    use crate::world::World;

    /// One reserving facility's desk.
    #[derive(Default)]
    pub(crate) struct Desk {
        /// Eligible patients waiting, FIFO (stale entries skipped).
        queue: VecDeque<QueueEntry>,
        /// Reserved doctors with a patient.
        busy: u32,
    }

    /// Per facility: its desk when it reserves slots.
    pub(crate) struct Desks(Vec<Option<Desk>>);

    impl Desks {
        /// The desks of `world`'s reserving facilities; `None` without `[reserved_slots]`.
        pub(crate) fn new(world: &World) -> Option<Desks> {
            let r = world.scenario.reserved_slots.as_ref()?;
            let n = world.facilities.ids().count();
            let mut desks: Vec<Option<Desk>> = (0..n).map(|_| None).collect();
            for f in &r.facilities {
                desks[f.0 as usize] = Some(Desk::default());
            }
            Some(Desks(desks))
        }
    }

    /// Whether a patient is eligible for a reserved slot: referred up by
    /// another facility and holding a family-doctor contract.
    pub(crate) fn eligible(referred: bool, r: Resident) -> bool {
        referred && r.contracted()
    }

    /// Which doctor takes the next patient.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub(crate) enum Doctor {
        Reserved,
        Unreserved,
    }

    impl Sim<'_> {
        fn desk_mut(&mut self, f: FacilityId) -> Option<&mut Desk> {
            self.reserved.as_mut()?.0[f.0 as usize].as_mut()
        }

        /// Hook at a queue arrival, before the entry joins the facility's
        /// own queues: at a reserving facility an eligible patient is also
        /// queued at the desk. Whichever copy is served first leaves the
        /// other stale (the patient is no longer waiting), so unreserved
        /// doctors keep the order they had without the lever. No draw.
        pub(crate) fn reserve_arrival(&mut self, f: FacilityId, entry: QueueEntry, referred: bool, r: Resident) {
            // A share of 0 reserves no doctor: nothing would ever empty the desk.
            let reserves = self.scenario.reserved_slots.as_ref().is_some_and(|s| s.share > 0.0);
            if reserves
                && eligible(referred, r)
                && let Some(desk) = self.desk_mut(f)
            {
                desk.queue.push_back(entry);
            }
        }

        /// The doctor a free slot at `f` belongs to: reserved while fewer
        /// reserved doctors than reserved slots are busy. `None` where `f`
        /// reserves nothing.
        fn free_doctor(&self, f: FacilityId) -> Option<Doctor> {
            let desks = self.reserved.as_ref()?;
            let desk = desks.0[f.0 as usize].as_ref()?;
            let r = self.scenario.reserved_slots.as_ref()?;
            let reserved = r.reserved_of(self.facilities[f].doctors);
            Some(if desk.busy < reserved {
                Doctor::Reserved
            } else {
                Doctor::Unreserved
            })
        }

        /// Hook choosing the next patient when a doctor at `f` is free: at
        /// a reserving facility a free reserved doctor takes the eligible
        /// head first and else the facility's own queues (release at once);
        /// an unreserved doctor takes the facility's own queues, which hold
        /// eligible patients too, as without the lever. Returns the entry
        /// and whether a reserved doctor takes it.
        pub(crate) fn next_patient_reserving(&mut self, f: FacilityId) -> Option<(QueueEntry, bool)> {
            let Some(doctor) = self.free_doctor(f) else {
                return self.next_patient(f).map(|e| (e, false));
            };
            let pick = match doctor {
                Doctor::Reserved => self.next_eligible(f).or_else(|| self.next_patient(f)),
                Doctor::Unreserved => self.next_patient(f),
            };
            let by_reserved = doctor == Doctor::Reserved;
            if pick.is_some()
                && by_reserved
                && let Some(desk) = self.desk_mut(f)
            {
                desk.busy += 1;
            }
            pick.map(|e| (e, by_reserved))
        }

        /// Pops the eligible head at `f`'s desk (closed: only patients who
        /// arrived before closing).
        fn next_eligible(&mut self, f: FacilityId) -> Option<QueueEntry> {
            let (open, last_close) = (self.facilities[f].open, self.facilities[f].last_close);
            let episodes: &Slab = &self.episodes;
            let desk = self.reserved.as_mut()?.0[f.0 as usize].as_mut()?;
            pop_live(&mut desk.queue, episodes, open, last_close)
        }

        /// Hook when a clinic doctor at `f` finishes episode `id`: frees
        /// the reserved slot it held.
        pub(crate) fn reserved_doctor_freed(&mut self, f: FacilityId, id: u32) {
            if !self.episodes.get(id).reserved_doctor {
                return;
            }
            self.episodes.get_mut(id).reserved_doctor = false;
            if let Some(desk) = self.desk_mut(f) {
                desk.busy -= 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::levers::testing::{self, BASE};

    fn section(text: &str) -> Option<RawReservedSlots> {
        testing::raw(text)
    }

    #[test]
    fn absent_section_reserves_nothing() {
        assert_eq!(testing::checked_default::<Option<ReservedSlots>>(), None);
    }

    #[test]
    fn share_above_one_is_refused_by_its_key() {
        let p =
            testing::refused::<Option<ReservedSlots>>(&section("facilities = []\nshare = 1.5"), "reserved_slots.share");
        assert!(p.message.contains("between 0 and 1"), "{}", p.message);
    }

    #[test]
    fn a_release_lead_time_is_refused_until_it_runs() {
        let p = testing::refused::<Option<ReservedSlots>>(
            &section("facilities = []\nrelease_hours = 24"),
            "reserved_slots.release_hours",
        );
        assert!(p.message.contains("not modelled"), "{}", p.message);
    }

    #[test]
    fn unknown_facility_gets_a_did_you_mean() {
        let text = format!("{BASE}\n[reserved_slots]\nfacilities = [\"D\", \"countyy\"]\nshare = 0.3\n");
        let problems = testing::scenario(&text).expect_err("unknown names");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].path, "reserved_slots.facilities[0]");
        assert!(problems[1].message.contains("county"), "{}", problems[1].message);
    }

    #[test]
    fn tier_names_expand_to_their_facilities() {
        let text = format!("{BASE}\n[reserved_slots]\nfacilities = [\"county\", \"C\"]\nshare = 0.3\n");
        let s = testing::scenario(&text).expect("valid");
        let r = s.reserved_slots.expect("section given");
        assert_eq!(r.facilities, vec![FacilityId(1)]);
    }

    #[test]
    fn reserved_doctors_round_with_at_least_one() {
        let r = testing::accepted::<Option<ReservedSlots>>(&section("facilities = []\nshare = 0.1")).expect("given");
        assert_eq!(
            [r.reserved_of(0), r.reserved_of(3), r.reserved_of(10), r.reserved_of(26)],
            [0, 1, 1, 3]
        );
        let none = ReservedSlots {
            share: 0.0,
            ..r.clone()
        };
        assert_eq!(none.reserved_of(10), 0);
        let all = ReservedSlots { share: 1.0, ..r };
        assert_eq!(all.reserved_of(7), 7);
    }

    #[test]
    fn round_trip() {
        testing::round_trips::<Option<ReservedSlots>>(&section("facilities = []\nshare = 0.25\nrelease_hours = 0"));
        testing::round_trips::<Option<ReservedSlots>>(&section(""));
    }
}
