//! `[emergency]`: 24 h emergency departments at hospitals, any-hour onsets
//! of severe and critical illness, and emergency-speed referrals (#12).
//! Per facility, `[[facility]] emergency` and `emergency_doctors` override
//! the tier rule. README: "[emergency]"; `docs/model.md`: "Emergency care".

use super::{Context, Lever};
use crate::scenario::limits::{MAX_DOCTORS, MAX_SPEED_KMH};
use crate::scenario::raw::{PerTier, SeverityName, TIER_NAMES, TierName, count};
use crate::scenario::validate::Checker;
use crate::scenario::{Facility, Severity, Tier};

raw_section! {
    /// `[emergency]`
    pub struct RawEmergency {
        pub tiers: Option<Vec<TierName>>,
        pub doctors: Option<i64>,
        pub doctors_by_tier: Option<PerTier<i64>>,
        pub from_severity: Option<SeverityName>,
        pub emergency_speed_kmh: Option<f64>,
    }
}

/// Emergency departments and who uses them.
#[derive(Clone, Debug, PartialEq)]
pub struct Emergency {
    /// Tiers whose facilities run an emergency department unless a
    /// `[[facility]]` says `emergency = false`.
    pub tiers: Vec<Tier>,
    /// Doctors on duty in an emergency department, around the clock, where
    /// neither its tier nor the facility says otherwise.
    pub doctors: u32,
    /// Doctors on duty per tier's emergency departments.
    pub doctors_by_tier: [u32; 4],
    /// The least severe illness that is an emergency: seen in an emergency
    /// department while the clinic is closed, with onsets at any hour, and
    /// referred up at `emergency_speed_kmh`.
    pub from_severity: Severity,
    /// Speed of an emergency referral up (an ambulance) \[km/h\].
    pub emergency_speed_kmh: f64,
    /// Emergency doctors per active facility, in facility order; 0 where
    /// the facility runs no emergency department.
    pub departments: Vec<u32>,
}

/// Default doctors on duty in an emergency department: illustrative (the
/// project's domain notes have no figure). The built-in county hospital's
/// department sees about 7 or 8 severe or critical patients an hour while
/// the clinic is closed, about 1.9 doctors' worth at 15-minute visits: two
/// doctors would be ~96% busy, three ~64%.
const DEFAULT_DOCTORS: u32 = 3;

/// Default emergency speed: illustrative, twice the built-in door-to-door
/// 30 km/h, for an ambulance on rural roads.
const DEFAULT_SPEED_KMH: f64 = 60.0;

impl Emergency {
    /// Whether illness of `severity` is an emergency.
    pub fn is_emergency(&self, severity: Severity) -> bool {
        severity >= self.from_severity
    }

    /// Emergency doctors of facility `f` as its tier and its own keys give
    /// them; 0 where it runs no emergency department.
    fn doctors_of(&self, f: &Facility) -> u32 {
        if f.emergency.unwrap_or(self.tiers.contains(&f.tier)) {
            f.emergency_doctors.unwrap_or(self.doctors_by_tier[f.tier as usize])
        } else {
            0
        }
    }
}

/// Doctors per tier: `doctors_by_tier` entries over `doctors`.
fn doctors_by_tier(c: &mut Checker, raw: Option<&PerTier<i64>>, doctors: u32) -> [u32; 4] {
    let mut out = [doctors; 4];
    for (i, v) in raw.map(PerTier::as_array).into_iter().flatten().enumerate() {
        let path = format!("emergency.doctors_by_tier.{}", TIER_NAMES[i]);
        out[i] = c.count(&path, *v, doctors, 1, MAX_DOCTORS);
    }
    out
}

/// Each facility's emergency doctors; `emergency_doctors` on a facility
/// without an emergency department would never run, so it is refused.
fn departments(c: &mut Checker, e: &Emergency, facilities: &[Facility]) -> Vec<u32> {
    facilities
        .iter()
        .map(|f| {
            let doctors = e.doctors_of(f);
            if let (0, Some(_), Some(i)) = (doctors, f.emergency_doctors, f.explicit_index) {
                c.push(
                    format!("facility \"{}\" (facility[{i}]).emergency_doctors", f.name),
                    format!(
                        "set, but this {} facility runs no emergency department: add `emergency = true` here or \"{}\" to emergency.tiers",
                        f.tier.name(),
                        f.tier.name()
                    ),
                );
            }
            doctors
        })
        .collect()
}

impl Lever for Emergency {
    type Raw = Option<RawEmergency>;

    fn check(c: &mut Checker, raw: &Option<RawEmergency>, ctx: &Context) -> Emergency {
        let r = raw.clone().unwrap_or_default();
        let mut tiers: Vec<Tier> = match r.tiers {
            Some(t) => t.into_iter().map(TierName::tier).collect(),
            None => vec![Tier::County, Tier::Regional],
        };
        tiers.sort();
        tiers.dedup();
        let doctors = c.count("emergency.doctors", r.doctors, DEFAULT_DOCTORS, 1, MAX_DOCTORS);
        let mut e = Emergency {
            tiers,
            doctors,
            doctors_by_tier: doctors_by_tier(c, r.doctors_by_tier.as_ref(), doctors),
            from_severity: r.from_severity.map_or(Severity::Severe, SeverityName::severity),
            emergency_speed_kmh: c.number(
                "emergency.emergency_speed_kmh",
                r.emergency_speed_kmh,
                DEFAULT_SPEED_KMH,
                |x| x > 0.0 && x <= MAX_SPEED_KMH,
                &format!("a number > 0 and <= {MAX_SPEED_KMH}"),
            ),
            departments: Vec::new(),
        };
        e.departments = departments(c, &e, ctx.facilities);
        e
    }

    fn to_raw(&self) -> Option<RawEmergency> {
        Some(RawEmergency {
            tiers: Some(self.tiers.iter().map(|&t| TierName::of(t)).collect()),
            doctors: count(self.doctors),
            doctors_by_tier: Some(PerTier::full(self.doctors_by_tier.map(i64::from))),
            from_severity: Some(SeverityName::of(self.from_severity)),
            emergency_speed_kmh: Some(self.emergency_speed_kmh),
        })
    }
}

pub(crate) mod run {
    //! Emergency care (`docs/model.md`, "Emergency care"): each emergency
    //! department is a queue of its own with its own doctors on duty
    //! around the clock, taking emergency patients (severity at least
    //! `from_severity`) who arrive while the outpatient clinic is closed,
    //! most severe first and first come first served within a severity.
    //! While the clinic is open everyone queues there. No patient leaves an
    //! emergency department unseen. Its run state is the departments.

    use std::collections::VecDeque;

    use crate::engine::Sim;
    use crate::engine::event::Event;
    use crate::engine::state::{Episode, Phase, QueueEntry, Resident};
    use crate::levers::contract::run as contract;
    use crate::scenario::{FacilityId, Severity, Travel};
    use crate::world::{ChoiceOption, PerFacility, World};

    /// One emergency department's run state.
    pub(crate) struct Department {
        /// Doctors on duty, around the clock.
        doctors: u32,
        /// Doctors with a patient.
        busy: u32,
        /// Waiting patients by severity, most severe first.
        queues: [VecDeque<QueueEntry>; 4],
    }

    /// Every facility's emergency department, if it runs one.
    pub(crate) struct Departments(PerFacility<Option<Department>>);

    impl Departments {
        /// Empty departments with the doctors the scenario gives them.
        pub(crate) fn new(world: &World) -> Departments {
            let doctors = &world.scenario.emergency.departments;
            Departments(
                world
                    .facilities
                    .ids()
                    .map(|f| {
                        let d = doctors.get(f.0 as usize).copied().unwrap_or(0);
                        (d > 0).then(|| Department {
                            doctors: d,
                            busy: 0,
                            queues: Default::default(),
                        })
                    })
                    .collect(),
            )
        }

        /// Whether `f` runs an emergency department.
        pub(crate) fn at(&self, f: FacilityId) -> bool {
            self.0[f].is_some()
        }

        fn get(&mut self, f: FacilityId) -> &mut Department {
            self.0[f]
                .as_mut()
                .expect("only facilities with an emergency department take emergency patients")
        }
    }

    impl Sim<'_> {
        /// Hook in live wait beliefs: the wait a patient of `severity`
        /// arriving at `f` at `arrival` expects in its emergency department
        /// (the queue there over its doctors, times the mean consultation),
        /// when that is where they would be seen: an emergency, at a
        /// facility with a department, whose clinic is closed then.
        /// `None` where the clinic's queue and hours apply.
        pub(crate) fn emergency_live_wait(&self, f: FacilityId, severity: Severity, arrival: f64) -> Option<f64> {
            let info = &self.world.facilities[f];
            if !self.scenario.emergency.is_emergency(severity) || info.hours.is_open_at(arrival) {
                return None;
            }
            let d = self.emergency.0[f].as_ref()?;
            let queued: usize = d.queues.iter().map(VecDeque::len).sum();
            Some(queued as f64 / f64::from(d.doctors.max(1)) * info.mean_service_minutes)
        }

        /// Whether a patient of `severity` arriving at `f` at `arrival` is
        /// seen without waiting for opening: a patient who is not an
        /// emergency counts as seen (they wait for opening as anyone does),
        /// an emergency when `f` has an emergency department or its clinic
        /// is open then.
        pub(crate) fn sees_on_arrival(&self, f: FacilityId, severity: Severity, arrival: f64) -> bool {
            !self.scenario.emergency.is_emergency(severity)
                || self.emergency.at(f)
                || self.world.facilities[f].hours.is_open_at(arrival)
        }

        /// Hook before the choice, for a patient setting out at `t` from
        /// `from` (a facility) or home: whether an emergency patient's
        /// choice set is cut to the facilities that would see them on
        /// arrival. So it is when at least one option still open to them
        /// (not left, offered) would; otherwise every option stays and they
        /// wait for an opening.
        pub(crate) fn choose_among_open_on_arrival(
            &self,
            options: &[ChoiceOption],
            ep: &Episode,
            r: Resident,
            from: Option<FacilityId>,
            t: f64,
        ) -> bool {
            self.scenario.emergency.is_emergency(ep.severity)
                && options.iter().enumerate().any(|(slot, o)| {
                    let travel = from.map_or(o.travel_minutes, |src| self.world.travel_minutes(src, o.facility));
                    !ep.left_slots.contains(slot)
                        && contract::offered(o, r)
                        && self.sees_on_arrival(o.facility, ep.severity, t + travel)
                })
        }

        /// Hook at arrival: whether a patient of `severity` arriving at `f`
        /// now goes to its emergency department (an emergency, the clinic
        /// closed, a department there).
        pub(crate) fn to_emergency_department(&self, f: FacilityId, severity: Severity) -> bool {
            !self.facilities[f].open && self.emergency.at(f) && self.scenario.emergency.is_emergency(severity)
        }

        /// Hook at arrival, instead of the outpatient queue: the patient
        /// queues in `f`'s emergency department.
        pub(crate) fn emergency_arrival(&mut self, f: FacilityId, entry: QueueEntry, t: f64) {
            let ep = self.episodes.get_mut(entry.episode);
            ep.phase = Phase::EmergencyWaiting;
            let class = 3 - ep.severity as usize;
            self.recorder.emergency_arrival(t, f.0);
            if let Some(tr) = self.trace.as_deref_mut() {
                tr.emergency(entry.episode);
            }
            self.emergency.get(f).queues[class].push_back(entry);
            self.try_start_emergency(f, t);
        }

        /// Starts consultations while the department has free doctors.
        pub(crate) fn try_start_emergency(&mut self, f: FacilityId, t: f64) {
            loop {
                let d = self.emergency.get(f);
                if d.busy >= d.doctors {
                    return;
                }
                let Some(entry) = d.queues.iter_mut().find_map(VecDeque::pop_front) else {
                    return;
                };
                d.busy += 1;
                self.start_emergency_service(f, entry, t);
            }
        }

        /// A consultation starts: the same draws as an outpatient one
        /// (`Sim::consultation`), no overtime (the doctors are on duty)
        /// and no wait beliefs (they are about the clinic).
        fn start_emergency_service(&mut self, f: FacilityId, entry: QueueEntry, t: f64) {
            let minutes = self.consultation(f, entry.episode, t);
            let ep = self.episodes.get_mut(entry.episode);
            ep.phase = Phase::EmergencyService;
            let wait = t - ep.arrival;
            self.recorder.emergency_service_start(f.0, entry.arrival, wait);
            if let Some(tr) = self.trace.as_deref_mut() {
                tr.service_start(entry.episode, t);
            }
            self.events.push(
                t + minutes,
                Event::ServiceEnd {
                    facility: f,
                    episode: entry.episode,
                },
            );
        }

        /// Hook at service end of an emergency consultation: its doctor is free.
        pub(crate) fn emergency_doctor_freed(&mut self, f: FacilityId) {
            self.emergency.get(f).busy -= 1;
        }

        /// Travel minutes of a referral up from `from` to `to`: emergency
        /// patients go at `emergency_speed_kmh`, others as anyone travels.
        pub(crate) fn referral_travel_minutes(&self, from: FacilityId, to: FacilityId, severity: Severity) -> f64 {
            let e = &self.scenario.emergency;
            if !e.is_emergency(severity) {
                return self.world.travel_minutes(from, to);
            }
            let ambulance = Travel {
                speed_kmh: e.emergency_speed_kmh,
                ..self.scenario.travel
            };
            ambulance.minutes(self.world.facilities[from].at_km, self.world.facilities[to].at_km)
        }
    }

    #[cfg(test)]
    mod tests {
        use crate::engine::Sim;
        use crate::engine::state::Phase;
        use crate::engine::stepping::{arrive, quiet_world, run_until};
        use crate::scenario::{FacilityId, Severity};
        use crate::world::World;

        /// Nobody is admitted: an episode ends with its consultation.
        const NO_ADMISSION: &str = "[admission]\nprob = { mild = 0.0, moderate = 0.0, severe = 0.0, critical = 0.0 }\n";

        /// A county hospital open 08:00-18:00 with one clinic doctor and
        /// fixed 30-minute visits, its emergency department as `emergency` says.
        fn world(emergency: &str) -> World {
            let rest = format!(
                "[emergency]\n{emergency}\n{NO_ADMISSION}[tiers.county]\nservice = {{ dist = \"fixed\", mean_minutes = 30 }}\n\
                 [[facility]]\nname = \"ch\"\ntier = \"county\"\nat_km = [0.0, 0.0]\ndoctors = 1\nhours = \"08:00-18:00\"\n"
            );
            quiet_world(2, 1, &rest)
        }

        /// A township center (treats up to moderate, 10-minute visits, open
        /// to 17:30) and, 60 km east, a regional center open 08:00-17:30;
        /// 1.3 road km per km, so 78 minutes at 60 km/h and 156 at 30.
        fn referral_world() -> World {
            let rest = format!(
                "{NO_ADMISSION}[tiers.township]\nservice = {{ dist = \"fixed\", mean_minutes = 10 }}\n\
                 [[facility]]\nname = \"thc\"\ntier = \"township\"\nat_km = [0.0, 0.0]\nhours = \"08:00-17:30\"\n\
                 [[facility]]\nname = \"rmc\"\ntier = \"regional\"\nat_km = [60.0, 0.0]\nhours = \"08:00-17:30\"\n"
            );
            quiet_world(2, 1, &rest)
        }

        #[test]
        fn referred_severe_patients_travel_at_emergency_speed() {
            let w = referral_world();
            let sim = Sim::new(&w, 0);
            let (thc, rmc) = (FacilityId(0), FacilityId(1));
            assert!((sim.referral_travel_minutes(thc, rmc, Severity::Severe) - 78.0).abs() < 1e-9);
            assert!((sim.referral_travel_minutes(thc, rmc, Severity::Critical) - 78.0).abs() < 1e-9);
            assert!((sim.referral_travel_minutes(thc, rmc, Severity::Moderate) - 156.0).abs() < 1e-9);
        }

        /// The defect of #12: a critical patient triaged at a township
        /// center at 17:00 reached the regional center after it closed and
        /// waited there until 08:00 the next day.
        #[test]
        fn a_critical_patient_referred_at_five_pm_is_treated_that_evening() {
            let w = referral_world();
            let mut sim = Sim::new(&w, 0);
            sim.start();
            // Arrives 16:55; the 5-minute triage ends at 17:00 (1020).
            run_until(&mut sim, 1015.0);
            arrive(&mut sim, 1015.0, Severity::Critical);
            run_until(&mut sim, 1020.0);
            let ep = *sim.episodes.get(0);
            assert_eq!(
                (ep.facility, ep.phase),
                (FacilityId(1), Phase::Travelling),
                "referred at 17:00"
            );
            run_until(&mut sim, 1020.0 + 77.9);
            assert_eq!(sim.episodes.get(0).phase, Phase::Travelling, "78 minutes by ambulance");
            // 18:18, the clinic closed since 17:30: the emergency doctors see
            // the patient on arrival.
            run_until(&mut sim, 1020.0 + 78.0 + 1e-6);
            assert_eq!(sim.episodes.get(0).phase, Phase::EmergencyService);
            assert!(!sim.facilities[1].open);
        }

        #[test]
        fn severe_onset_at_night_is_seen_in_the_emergency_department() {
            let w = world("doctors = 1");
            let mut sim = Sim::new(&w, 0);
            sim.start();
            // 02:00 on day 0: the clinic opens at 08:00.
            arrive(&mut sim, 120.0, Severity::Severe);
            let ep = *sim.episodes.get(0);
            assert_eq!(
                ep.phase,
                Phase::EmergencyService,
                "seen at once by the emergency doctor"
            );
            run_until(&mut sim, 150.0);
            assert_eq!(sim.episodes.live(), 0, "treated by 02:30, long before opening");
        }

        /// Live beliefs: at night an emergency expects the department's
        /// queue (here two patients ahead of one doctor, 30 minutes each),
        /// not the hours until the clinic opens; anyone else expects those.
        #[test]
        fn live_beliefs_expect_the_emergency_department_queue_at_night() {
            let w = world("doctors = 1");
            let mut sim = Sim::new(&w, 0);
            sim.start();
            for _ in 0..3 {
                arrive(&mut sim, 120.0, Severity::Severe);
            }
            let ch = FacilityId(0);
            assert_eq!(sim.emergency_live_wait(ch, Severity::Severe, 130.0), Some(60.0));
            assert_eq!(sim.emergency_live_wait(ch, Severity::Moderate, 130.0), None);
            assert_eq!(
                sim.emergency_live_wait(ch, Severity::Severe, 600.0),
                None,
                "clinic open"
            );
            assert!((sim.expected_wait(ch, Severity::Severe, 0, 0, 130.0) - 60.0).abs() < 1e-9);
            assert!((sim.expected_wait(ch, Severity::Moderate, 0, 0, 130.0) - 350.0).abs() < 1e-9);
        }

        #[test]
        fn mild_patients_at_night_still_wait_for_the_clinic() {
            let w = world("doctors = 1");
            let mut sim = Sim::new(&w, 0);
            sim.start();
            arrive(&mut sim, 120.0, Severity::Mild);
            assert_eq!(sim.episodes.get(0).phase, Phase::Waiting);
            run_until(&mut sim, 479.0);
            assert_eq!(sim.episodes.get(0).phase, Phase::Waiting, "not before 08:00");
            run_until(&mut sim, 480.0);
            assert_eq!(sim.episodes.get(0).phase, Phase::InService);
        }

        #[test]
        fn while_the_clinic_is_open_emergencies_queue_at_the_clinic() {
            let w = world("doctors = 1");
            let mut sim = Sim::new(&w, 0);
            sim.start();
            run_until(&mut sim, 600.0);
            arrive(&mut sim, 600.0, Severity::Mild);
            arrive(&mut sim, 600.0, Severity::Critical);
            // The clinic's one doctor sees the mild patient; the critical
            // one waits in the clinic's queue, not in the department.
            assert_eq!(sim.episodes.get(1).phase, Phase::Waiting);
            run_until(&mut sim, 630.0);
            assert_eq!(sim.episodes.get(1).phase, Phase::InService);
        }

        #[test]
        fn the_department_serves_the_most_severe_first() {
            let w = world("doctors = 1\nfrom_severity = \"moderate\"");
            let mut sim = Sim::new(&w, 0);
            sim.start();
            for sev in [Severity::Moderate, Severity::Moderate, Severity::Critical] {
                arrive(&mut sim, 60.0, sev);
            }
            run_until(&mut sim, 90.0);
            assert_eq!(
                sim.episodes.get(2).phase,
                Phase::EmergencyService,
                "critical before moderate"
            );
            assert_eq!(sim.episodes.get(1).phase, Phase::EmergencyWaiting);
        }

        #[test]
        fn without_a_department_an_emergency_waits_for_opening() {
            let w = world("tiers = []");
            let mut sim = Sim::new(&w, 0);
            sim.start();
            arrive(&mut sim, 120.0, Severity::Critical);
            assert_eq!(sim.episodes.get(0).phase, Phase::Waiting);
            assert!(!sim.sees_on_arrival(FacilityId(0), Severity::Critical, 120.0));
            assert!(
                sim.sees_on_arrival(FacilityId(0), Severity::Critical, 600.0),
                "open at 10:00"
            );
            assert!(sim.sees_on_arrival(FacilityId(0), Severity::Mild, 120.0));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn defaults() {
        let e = checked_default::<Emergency>();
        assert_eq!(e.tiers, [Tier::County, Tier::Regional]);
        assert_eq!((e.doctors, e.doctors_by_tier), (3, [3; 4]));
        assert_eq!((e.from_severity, e.emergency_speed_kmh), (Severity::Severe, 60.0));
        assert!(e.is_emergency(Severity::Critical) && !e.is_emergency(Severity::Moderate));
    }

    #[test]
    fn out_of_range_values_are_named_by_their_key() {
        refused::<Emergency>(&raw("doctors = 0"), "emergency.doctors");
        refused::<Emergency>(
            &raw("doctors_by_tier = { regional = -1 }"),
            "emergency.doctors_by_tier.regional",
        );
        refused::<Emergency>(&raw("emergency_speed_kmh = 0"), "emergency.emergency_speed_kmh");
        let p = refused::<Emergency>(&raw("emergency_speed_kmh = 5000"), "emergency.emergency_speed_kmh");
        assert!(p.message.contains("<= 1000"), "{p:?}");
    }

    #[test]
    fn bad_names_and_keys_are_refused_by_key() {
        for (text, path, needle) in [
            ("[emergency]\ntiers = [\"hospital\"]\n", "emergency.tiers", "county"),
            (
                "[emergency]\nfrom_severity = \"grave\"\n",
                "emergency.from_severity",
                "severe",
            ),
            ("[emergency]\nspeed_kmh = 50\n", "emergency", "emergency_speed_kmh"),
        ] {
            let problems = scenario(&format!("{BASE}{text}")).unwrap_err();
            let p = &problems[0];
            assert!(p.path.starts_with(path), "{text}: {problems:?}");
            assert!(p.message.contains(needle), "{text}: {problems:?}");
        }
    }

    #[test]
    fn facilities_follow_their_tier_unless_they_say_otherwise() {
        let s = scenario(&format!("{BASE}[emergency]\ndoctors_by_tier = {{ county = 3 }}\n")).unwrap();
        assert_eq!(s.emergency.departments, [0, 3], "the township has none, the county 3");
        let own = BASE
            .replace(
                "capability = \"critical\"\n[[facility]]",
                "capability = \"critical\"\nemergency = true\nemergency_doctors = 4\n[[facility]]",
            )
            .replace("at_km = [1.0, 0.0]\n", "at_km = [1.0, 0.0]\nemergency = false\n");
        assert_eq!(scenario(&own).unwrap().emergency.departments, [4, 0]);
    }

    #[test]
    fn emergency_doctors_without_a_department_are_refused() {
        let text = BASE.replacen(
            "capability = \"critical\"\n",
            "capability = \"critical\"\nemergency_doctors = 2\n",
            1,
        );
        let problems = scenario(&text).unwrap_err();
        assert_eq!(only_path(&problems), "facility \"T\" (facility[0]).emergency_doctors");
        assert!(problems[0].message.contains("emergency = true"), "{problems:?}");
        let zero = BASE.replacen(
            "capability = \"critical\"\n",
            "capability = \"critical\"\nemergency = true\nemergency_doctors = 0\n",
            1,
        );
        assert_eq!(
            only_path(&scenario(&zero).unwrap_err()),
            "facility \"T\" (facility[0]).emergency_doctors"
        );
    }

    #[test]
    fn round_trip() {
        round_trips::<Emergency>(&None);
        round_trips::<Emergency>(&raw(
            "tiers = [\"regional\", \"township\"]\ndoctors = 3\ndoctors_by_tier = { regional = 5 }\nfrom_severity = \"critical\"\nemergency_speed_kmh = 45",
        ));
    }
}
