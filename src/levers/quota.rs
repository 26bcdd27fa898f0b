//! `[[quota]]`: daily outpatient volume quotas at named facilities or at
//! every facility of a tier (Sichuan's volume monitoring of big hospitals,
//! issue #14). A self-referred patient who arrives when the facility's
//! count for the calendar day has reached its quota chooses again among
//! the rest of the choice set (`overflow = "rechoose"`) or is turned away
//! (`"turn_away"`). `admissions_per_day` is not yet implemented: `check`
//! refuses it. README: "[[quota]]"; `docs/model.md`: "Volume quotas".

use super::{Context, Lever, Named, of_tier};
use crate::scenario::limits::{MAX_QUOTA_PER_DAY, MAX_QUOTAS};
use crate::scenario::raw::TIER_NAMES;
use crate::scenario::validate::Checker;
use crate::scenario::{FacilityId, Tier};

raw_section! {
    /// `[[quota]]`: a daily volume quota.
    pub struct RawQuota {
        pub facility: Option<String>,
        pub tier: Option<String>,
        pub outpatient_per_day: Option<i64>,
        pub admissions_per_day: Option<i64>,
        pub overflow: Option<String>,
    }
}

/// What happens to a patient beyond the quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// Choose again among the rest of the choice set.
    Rechoose,
    /// The episode ends unmet.
    TurnAway,
}

impl Overflow {
    const NAMES: [&'static str; 2] = ["rechoose", "turn_away"];

    fn name(self) -> &'static str {
        match self {
            Overflow::Rechoose => Self::NAMES[0],
            Overflow::TurnAway => Self::NAMES[1],
        }
    }
}

/// One daily quota.
#[derive(Clone, Debug, PartialEq)]
pub struct Quota {
    /// `facility` as written, if given.
    pub facility_name: Option<String>,
    /// `tier`, if given.
    pub tier: Option<Tier>,
    /// The facilities it caps (empty when the named facility is left out by the layout).
    pub facilities: Vec<FacilityId>,
    /// Self-referred outpatient arrivals admitted per facility per calendar day.
    pub outpatient_per_day: u32,
    /// What happens to the patient beyond the quota.
    pub overflow: Overflow,
}

impl Lever for Vec<Quota> {
    type Raw = Vec<RawQuota>;

    fn check(c: &mut Checker, raw: &Vec<RawQuota>, ctx: &Context) -> Vec<Quota> {
        if raw.len() > MAX_QUOTAS {
            c.push("quota", format!("{} quotas: at most {MAX_QUOTAS}", raw.len()));
            return Vec::new();
        }
        raw.iter().enumerate().map(|(i, q)| quota(c, i, q, ctx)).collect()
    }

    fn to_raw(&self) -> Vec<RawQuota> {
        self.iter()
            .map(|q| RawQuota {
                facility: q.facility_name.clone(),
                tier: q.tier.map(|t| TIER_NAMES[t as usize].to_string()),
                outpatient_per_day: Some(i64::from(q.outpatient_per_day)),
                admissions_per_day: None,
                overflow: Some(q.overflow.name().to_string()),
            })
            .collect()
    }
}

/// One quota, `quota[i]`.
fn quota(c: &mut Checker, i: usize, q: &RawQuota, ctx: &Context) -> Quota {
    let path = format!("quota[{i}]");
    let (tier, facilities) = covered(c, &path, q, ctx);
    if q.outpatient_per_day.is_none() {
        c.push(
            format!("{path}.outpatient_per_day"),
            "missing: a whole number of self-referred outpatient arrivals per day, e.g. 400",
        );
    }
    if let Some(n) = q.admissions_per_day {
        c.push(
            format!("{path}.admissions_per_day"),
            format!("{n}: admission quotas are not yet implemented; leave the key out"),
        );
    }
    Quota {
        facility_name: q.facility.clone(),
        tier,
        facilities,
        outpatient_per_day: c.count(
            &format!("{path}.outpatient_per_day"),
            q.outpatient_per_day,
            0,
            0,
            MAX_QUOTA_PER_DAY,
        ),
        overflow: overflow(c, &path, q.overflow.as_deref()),
    }
}

/// The tier and the facilities `quota[i]` covers: exactly one of
/// `facility` (a facility of the scenario) and `tier`.
fn covered(c: &mut Checker, path: &str, q: &RawQuota, ctx: &Context) -> (Option<Tier>, Vec<FacilityId>) {
    match (&q.facility, &q.tier) {
        (Some(name), None) => match ctx.names.lookup(name) {
            Some(Named::Active(id)) => (None, vec![id]),
            Some(Named::Inactive) => (None, Vec::new()),
            Some(Named::Tier(_)) => {
                c.push(
                    format!("{path}.facility"),
                    format!("\"{name}\" is a tier: write `tier = \"{name}\"`"),
                );
                (None, Vec::new())
            }
            None => {
                c.push(format!("{path}.facility"), ctx.names.unknown(name));
                (None, Vec::new())
            }
        },
        (None, Some(name)) => match TIER_NAMES.iter().position(|t| t == name) {
            Some(k) => {
                let tier = Tier::ALL[k];
                (Some(tier), of_tier(ctx.facilities, tier).collect())
            }
            None => {
                c.push(
                    format!("{path}.tier"),
                    format!("\"{name}\": expected one of village, township, county, regional"),
                );
                (None, Vec::new())
            }
        },
        _ => {
            c.push(path, "expected exactly one of `facility` (a facility name) and `tier`");
            (None, Vec::new())
        }
    }
}

/// `quota[i].overflow`, "rechoose" by default.
fn overflow(c: &mut Checker, path: &str, v: Option<&str>) -> Overflow {
    match v {
        None | Some("rechoose") => Overflow::Rechoose,
        Some("turn_away") => Overflow::TurnAway,
        Some(other) => {
            c.push(
                format!("{path}.overflow"),
                format!("\"{other}\": expected \"rechoose\" or \"turn_away\""),
            );
            Overflow::Rechoose
        }
    }
}

pub(crate) mod run {
    //! Volume quotas in the run (`docs/model.md`, "Volume quotas"): each
    //! capped facility counts the self-referred outpatient arrivals of the
    //! calendar day; the arrival that would exceed the quota is refused at
    //! the door. Referred-up patients, follow-ups, down-referrals, transfers
    //! to a bed and emergencies (severity at or above `[emergency]
    //! from_severity`, day or night) are neither counted nor refused: the policy aims at patients who bypass
    //! the grassroots, not at the referral chain. Run state: `None` without
    //! `[[quota]]`, so a scenario without it runs as before.

    use super::Overflow;
    use crate::engine::state::Kind;
    use crate::engine::{DAY, Sim};
    use crate::scenario::{FacilityId, Scenario};
    use crate::world::World;

    /// One capped facility's limit and today's count.
    #[derive(Clone, Copy, Debug)]
    struct Cap {
        limit: u32,
        overflow: Overflow,
        /// The calendar day `count` is of (counts reset at midnight).
        day: u32,
        count: u32,
    }

    /// The capped facilities' daily counts.
    pub(crate) struct Quotas {
        caps: Vec<Option<Cap>>,
    }

    impl Quotas {
        /// The caps of `world`'s scenario; `None` without `[[quota]]`. A
        /// facility covered by several entries takes the smallest quota
        /// (and that entry's overflow; the first of equal ones).
        pub(crate) fn new(world: &World) -> Option<Quotas> {
            let scenario: &Scenario = &world.scenario;
            if scenario.quotas.is_empty() {
                return None;
            }
            let mut caps: Vec<Option<Cap>> = vec![None; world.facilities.len()];
            for q in &scenario.quotas {
                for f in &q.facilities {
                    let slot = &mut caps[f.0 as usize];
                    if slot.is_none_or(|c| q.outpatient_per_day < c.limit) {
                        *slot = Some(Cap {
                            limit: q.outpatient_per_day,
                            overflow: q.overflow,
                            day: 0,
                            count: 0,
                        });
                    }
                }
            }
            Some(Quotas { caps })
        }

        /// Counts an arrival at `f` on `day`; the overflow rule if it is
        /// beyond the quota (a refused arrival is not counted).
        fn admit(&mut self, f: FacilityId, day: u32) -> Option<Overflow> {
            let cap = self.caps[f.0 as usize].as_mut()?;
            if cap.day != day {
                cap.day = day;
                cap.count = 0;
            }
            if cap.count >= cap.limit {
                return Some(cap.overflow);
            }
            cap.count += 1;
            None
        }
    }

    impl Sim<'_> {
        /// Hook at arrival, before the recorder: whether the quota at the
        /// facility refuses episode `id`. A refused patient chooses again
        /// from here with the slot left out (one choice uniform, under
        /// "rechoose") or the episode ends unmet; either way the arrival is
        /// not recorded at the refusing facility.
        pub(crate) fn quota_refuses(&mut self, id: u32, t: f64) -> bool {
            let ep = *self.episodes.get(id);
            let f = ep.facility;
            if self.quotas.is_none()
                || ep.kind != Kind::Illness
                || !ep.self_referred
                || ep.referred
                || self.scenario.emergency.is_emergency(ep.severity)
            {
                return false;
            }
            let day = (t / DAY).floor() as u32;
            let Some(overflow) = self.quotas.as_mut().and_then(|q| q.admit(f, day)) else {
                return false;
            };
            let next = match overflow {
                Overflow::Rechoose => {
                    self.leave_slot(id, f);
                    self.choose(id, Some(f), t)
                }
                Overflow::TurnAway => None,
            };
            match next {
                Some((g, travel)) => {
                    self.recorder.quota_redirected(t, f.0);
                    self.travel_to(id, g, travel, t);
                }
                None => {
                    self.recorder.quota_turned_away(t, f.0);
                    self.end_episode(id, false);
                }
            }
            true
        }

        /// Marks `f` as left in episode `id`'s choice set.
        fn leave_slot(&mut self, id: u32, f: FacilityId) {
            let home = self.resident(id).settlement;
            let options = &self.world.settlements[home as usize].options;
            if let Some(slot) = options.iter().position(|o| o.facility == f) {
                self.episodes.get_mut(id).left_slots.insert(slot);
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use crate::engine::Sim;
        use crate::engine::stepping::{arrive, quiet_world, run_until};
        use crate::scenario::Severity;
        use crate::world::World;

        /// One always-open county hospital, the only facility in reach,
        /// with a quota of two patients a day.
        fn world(overflow: &str) -> World {
            let rest = format!(
                "[[quota]]\nfacility = \"ch\"\noutpatient_per_day = 2\noverflow = \"{overflow}\"\n\
                 [[facility]]\nname = \"ch\"\ntier = \"county\"\nat_km = [0.0, 0.0]\ndoctors = 0\nhours = \"24h\"\n"
            );
            quiet_world(2, 1, &rest)
        }

        #[test]
        fn the_arrival_beyond_the_quota_is_turned_away_and_the_count_resets_at_midnight() {
            let w = world("turn_away");
            let mut sim = Sim::new(&w, 0);
            sim.start();
            for _ in 0..3 {
                arrive(&mut sim, 0.0, Severity::Mild);
            }
            assert_eq!((sim.facilities[0].queued, sim.episodes.live()), (2, 2));
            run_until(&mut sim, 1440.0);
            arrive(&mut sim, 1440.0, Severity::Mild);
            assert_eq!((sim.facilities[0].queued, sim.episodes.live()), (3, 3));
        }

        /// An outpatient volume cap must not turn away an emergency: a
        /// severe patient arriving in clinic hours past the quota (the
        /// clinic is open, so no emergency department takes them) is
        /// neither refused nor counted.
        #[test]
        fn an_emergency_is_never_refused_by_the_quota() {
            let w = world("turn_away");
            let mut sim = Sim::new(&w, 0);
            sim.start();
            for _ in 0..2 {
                arrive(&mut sim, 0.0, Severity::Mild);
            }
            arrive(&mut sim, 0.0, Severity::Severe);
            assert_eq!((sim.facilities[0].queued, sim.episodes.live()), (3, 3));
            arrive(&mut sim, 0.0, Severity::Mild);
            assert_eq!((sim.facilities[0].queued, sim.episodes.live()), (3, 3));
        }

        #[test]
        fn with_nowhere_else_to_go_a_rechoosing_patient_is_turned_away() {
            let w = world("rechoose");
            let mut sim = Sim::new(&w, 0);
            sim.start();
            for _ in 0..3 {
                arrive(&mut sim, 0.0, Severity::Mild);
            }
            assert_eq!((sim.facilities[0].queued, sim.episodes.live()), (2, 2));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    type Q = Vec<Quota>;

    fn one(text: &str) -> Vec<RawQuota> {
        vec![toml::from_str(text).expect("a valid section")]
    }

    #[test]
    fn defaults() {
        assert_eq!(checked_default::<Q>(), Vec::new());
        let q = accepted::<Q>(&one("tier = \"county\"\noutpatient_per_day = 5"));
        assert_eq!(q[0].overflow, Overflow::Rechoose);
        assert_eq!((q[0].tier, q[0].outpatient_per_day), (Some(Tier::County), 5));
    }

    #[test]
    fn a_negative_quota_is_named_by_its_key() {
        let p = refused::<Q>(
            &one("tier = \"county\"\noutpatient_per_day = -1"),
            "quota[0].outpatient_per_day",
        );
        assert!(p.message.contains("between 0 and"), "{}", p.message);
    }

    #[test]
    fn bad_settings_are_named_by_their_key() {
        refused::<Q>(&one("tier = \"county\""), "quota[0].outpatient_per_day");
        refused::<Q>(&one("tier = \"city\"\noutpatient_per_day = 1"), "quota[0].tier");
        refused::<Q>(&one("facility = \"X\"\noutpatient_per_day = 1"), "quota[0].facility");
        refused::<Q>(&one("outpatient_per_day = 1"), "quota[0]");
        refused::<Q>(
            &one("facility = \"X\"\ntier = \"county\"\noutpatient_per_day = 1"),
            "quota[0]",
        );
        refused::<Q>(
            &one("tier = \"county\"\noutpatient_per_day = 1\noverflow = \"queue\""),
            "quota[0].overflow",
        );
        refused::<Q>(
            &one("tier = \"county\"\noutpatient_per_day = 1\nadmissions_per_day = 3"),
            "quota[0].admissions_per_day",
        );
    }

    #[test]
    fn a_named_facility_is_found_in_the_scenario() {
        let text = format!("{BASE}[[quota]]\nfacility = \"C\"\noutpatient_per_day = 3\noverflow = \"turn_away\"\n");
        let s = scenario(&text).expect("valid");
        assert_eq!(s.quotas[0].facilities.len(), 1);
        assert_eq!(s.quotas[0].overflow, Overflow::TurnAway);
    }

    #[test]
    fn the_resolved_scenario_keeps_the_quotas() {
        let text = format!(
            "{BASE}[[quota]]\nfacility = \"C\"\noutpatient_per_day = 3\n[[quota]]\ntier = \"township\"\noutpatient_per_day = 9\noverflow = \"turn_away\"\n"
        );
        let s = scenario(&text).expect("valid");
        let resolved = crate::scenario::resolved::to_toml(&s);
        assert!(resolved.contains("overflow = \"rechoose\""), "{resolved}");
        assert_eq!(scenario(&resolved).expect("valid").quotas, s.quotas);
    }

    #[test]
    fn round_trip() {
        round_trips::<Q>(&Vec::new());
        round_trips::<Q>(&one(
            "tier = \"township\"\noutpatient_per_day = 0\noverflow = \"turn_away\"",
        ));
    }
}
