//! `[[rotation]]`: doctor rotation programs. Doctors of the source
//! facilities work stints at destination sites, lifting their quality
//! (and capability) during a stint and their base quality after it.
//! README: "[[rotation]]"; `docs/model.md`: "Doctor rotation".

use std::collections::{BTreeMap, HashMap};

use super::{Context, Lever, Named, of_tier};
use crate::scenario::limits::{MAX_DAYS, MAX_DOCTORS, MAX_ROTATIONS};
use crate::scenario::raw::count;
use crate::scenario::validate::Checker;
use crate::scenario::{AllianceId, Facility, FacilityId, Point};
use crate::spatial::Tree;

raw_section! {
    /// `[[rotation]]`: a doctor rotation program.
    pub struct RawRotation {
        pub from: Option<String>,
        pub to: Option<Vec<String>>,
        pub doctors_per_site: Option<i64>,
        pub days_on: Option<i64>,
        pub cycle_days: Option<i64>,
        pub start_day: Option<i64>,
        pub quality_boost: Option<f64>,
        pub training_gain: Option<f64>,
        pub quality_cap: Option<f64>,
        pub capability_boost: Option<bool>,
        pub allowance_per_day: Option<f64>,
        pub max_share_of_source: Option<f64>,
    }
}

/// Default most of a source's doctors that may be away at once: a county
/// hospital posts a few doctors to the townships, not its outpatient
/// department (docs/model.md, "Doctor rotation").
pub const DEFAULT_MAX_SHARE_OF_SOURCE: f64 = 0.3;

/// A doctor rotation program.
#[derive(Clone, Debug, PartialEq)]
pub struct Rotation {
    /// `from` as written.
    pub from_name: String,
    /// `to` as written.
    pub to_names: Vec<String>,
    /// (source, destination) pairs the program moves doctors between.
    pub pairs: Vec<(FacilityId, FacilityId)>,
    /// Doctors per destination site.
    pub doctors_per_site: u32,
    /// Length of a stint \[days\].
    pub days_on: u32,
    /// Days from one stint start to the next.
    pub cycle_days: u32,
    /// Day the first stint starts.
    pub start_day: u32,
    /// Quality added to the destination during a stint.
    pub quality_boost: f64,
    /// Quality added to the destination's base after each stint.
    pub training_gain: f64,
    /// Highest base quality training can reach; `None`: the source's quality.
    pub quality_cap: Option<f64>,
    /// The destination treats one severity level higher during a stint.
    pub capability_boost: bool,
    /// Allowance per rotating doctor-day \[CNY\].
    pub allowance_per_day: f64,
    /// Most of a source's doctors this program (with the others drawing on
    /// the same source) may have away at once, in (0, 1].
    pub max_share_of_source: f64,
}

impl Lever for Vec<Rotation> {
    type Raw = Vec<RawRotation>;

    fn check(c: &mut Checker, raw: &Vec<RawRotation>, ctx: &Context) -> Vec<Rotation> {
        if raw.len() > MAX_ROTATIONS {
            c.push("rotation", format!("{} programs: at most {MAX_ROTATIONS}", raw.len()));
            return Vec::new();
        }
        let programs: Vec<Rotation> = raw.iter().enumerate().map(|(i, r)| program(c, i, r, ctx)).collect();
        check_spare_doctors(c, &programs, ctx.facilities);
        programs
    }

    fn to_raw(&self) -> Vec<RawRotation> {
        self.iter().map(raw_program).collect()
    }
}

/// One program, `rotation[i]`.
fn program(c: &mut Checker, i: usize, r: &RawRotation, ctx: &Context) -> Rotation {
    let path = format!("rotation[{i}]");
    let from_name = r.from.clone().unwrap_or_default();
    let to_names = r.to.clone().unwrap_or_default();
    let sources = sources(c, &path, &from_name, ctx);
    if to_names.is_empty() {
        c.push(
            format!("{path}.to"),
            "missing: a list of tiers or facility names, e.g. [\"township\"]",
        );
    }
    let pairs = pairs(c, &path, &sources, &to_names, ctx);
    let cycle_days = c.count(&format!("{path}.cycle_days"), r.cycle_days, 90, 1, MAX_DAYS);
    let days_on = c.count(&format!("{path}.days_on"), r.days_on, 30, 1, MAX_DAYS);
    if days_on > cycle_days {
        c.push(
            format!("{path}.days_on"),
            format!("{days_on}: a stint cannot be longer than cycle_days ({cycle_days})"),
        );
    }
    Rotation {
        from_name,
        to_names,
        pairs,
        doctors_per_site: c.count(
            &format!("{path}.doctors_per_site"),
            r.doctors_per_site,
            1,
            1,
            MAX_DOCTORS,
        ),
        days_on,
        cycle_days,
        start_day: c.count(&format!("{path}.start_day"), r.start_day, 0, 0, MAX_DAYS),
        quality_boost: c.finite(&format!("{path}.quality_boost"), r.quality_boost, 0.5),
        training_gain: c.non_negative(&format!("{path}.training_gain"), r.training_gain, 0.0),
        quality_cap: r
            .quality_cap
            .map(|q| c.finite(&format!("{path}.quality_cap"), Some(q), 0.0)),
        capability_boost: r.capability_boost.unwrap_or(false),
        allowance_per_day: c.non_negative(&format!("{path}.allowance_per_day"), r.allowance_per_day, 0.0),
        max_share_of_source: c.number(
            &format!("{path}.max_share_of_source"),
            r.max_share_of_source,
            DEFAULT_MAX_SHARE_OF_SOURCE,
            |x| x > 0.0 && x <= 1.0,
            "a share > 0 and <= 1",
        ),
    }
}

/// The facilities `from` names.
fn sources(c: &mut Checker, path: &str, from_name: &str, ctx: &Context) -> Vec<FacilityId> {
    match ctx.names.lookup(from_name) {
        _ if from_name.is_empty() => {
            c.push(
                format!("{path}.from"),
                "missing: a tier (e.g. \"county\") or a facility name",
            );
            vec![]
        }
        Some(Named::Tier(t)) => of_tier(ctx.facilities, t).collect(),
        Some(Named::Active(id)) => vec![id],
        Some(Named::Inactive) => vec![],
        None => {
            c.push(format!("{path}.from"), ctx.names.unknown(from_name));
            vec![]
        }
    }
}

/// (source, destination) pairs, sorted, each once. Tier names in `to`
/// mean that tier inside the source's alliance.
fn pairs(
    c: &mut Checker,
    path: &str,
    sources: &[FacilityId],
    to_names: &[String],
    ctx: &Context,
) -> Vec<(FacilityId, FacilityId)> {
    let facilities = ctx.facilities;
    let sources_by_alliance = SourceIndex::new(sources, facilities);
    let mut pairs = Vec::new();
    for (k, n) in to_names.iter().enumerate() {
        match ctx.names.lookup(n) {
            Some(Named::Tier(t)) => {
                for dest in of_tier(facilities, t) {
                    if let Some(src) = sources_by_alliance.nearest(&facilities[dest.0 as usize]) {
                        pairs.push((src, dest));
                    }
                }
            }
            Some(Named::Active(id)) => {
                let dest = &facilities[id.0 as usize];
                if let Some(src) = sources_by_alliance.nearest(dest).or(sources.first().copied()) {
                    pairs.push((src, id));
                }
            }
            Some(Named::Inactive) => {}
            None => c.push(format!("{path}.to[{k}]"), ctx.names.unknown(n)),
        }
    }
    pairs.retain(|(s, d)| s != d);
    pairs.sort();
    pairs.dedup();
    pairs
}

/// Every source keeps at least one doctor even when all programs'
/// stints overlap.
fn check_spare_doctors(c: &mut Checker, programs: &[Rotation], facilities: &[Facility]) {
    // Summed in 64 bits: many sites times many doctors must not wrap.
    let mut leaving: BTreeMap<FacilityId, (u64, Vec<usize>)> = BTreeMap::new();
    for (i, p) in programs.iter().enumerate() {
        for (src, _) in &p.pairs {
            let e = leaving.entry(*src).or_default();
            e.0 += u64::from(p.doctors_per_site);
            if !e.1.contains(&i) {
                e.1.push(i);
            }
        }
    }
    for (src, (n, progs)) in leaving {
        let f = &facilities[src.0 as usize];
        let which: Vec<String> = progs.iter().map(|i| format!("rotation[{i}]")).collect();
        let path = format!("{}.doctors_per_site", which[0]);
        // The strictest bound of the programs sharing this source.
        let share = progs
            .iter()
            .map(|&i| programs[i].max_share_of_source)
            .fold(1.0, f64::min);
        // Whole doctors the bound lets go (the epsilon keeps 0.3 x 40 at 12).
        let allowed = (share * f64::from(f.doctors) + 1e-9).floor();
        if n >= u64::from(f.doctors) {
            c.push(
                path,
                format!(
                    "{} has {} doctors but {} would send {n} away at once: at least one must stay (fewer doctors per site or fewer sites)",
                    f.name,
                    f.doctors,
                    which.join(" + ")
                ),
            );
        } else if n as f64 > allowed {
            c.push(
                path,
                format!(
                    "{} has {} doctors but {} would send {n} away at once, more than max_share_of_source = {share} of them ({allowed} at most): fewer doctors per site or fewer sites, or raise max_share_of_source",
                    f.name,
                    f.doctors,
                    which.join(" + "),
                ),
            );
        }
    }
}

fn raw_program(r: &Rotation) -> RawRotation {
    RawRotation {
        from: Some(r.from_name.clone()),
        to: Some(r.to_names.clone()),
        doctors_per_site: count(r.doctors_per_site),
        days_on: count(r.days_on),
        cycle_days: count(r.cycle_days),
        start_day: count(r.start_day),
        quality_boost: Some(r.quality_boost),
        training_gain: Some(r.training_gain),
        quality_cap: r.quality_cap,
        capability_boost: Some(r.capability_boost),
        allowance_per_day: Some(r.allowance_per_day),
        max_share_of_source: Some(r.max_share_of_source),
    }
}

/// A rotation's source facilities, one tree per alliance.
struct SourceIndex(HashMap<AllianceId, Tree>);

impl SourceIndex {
    fn new(sources: &[FacilityId], facilities: &[Facility]) -> SourceIndex {
        let mut groups: HashMap<AllianceId, Vec<(Point, u32)>> = HashMap::new();
        for s in sources {
            let f = &facilities[s.0 as usize];
            groups.entry(f.alliance).or_default().push((f.at_km, s.0));
        }
        SourceIndex(groups.into_iter().map(|(a, v)| (a, Tree::new(v))).collect())
    }

    /// The source facility in the destination's alliance nearest to it
    /// (ties: the lowest index).
    fn nearest(&self, dest: &Facility) -> Option<FacilityId> {
        self.0
            .get(&dest.alliance)?
            .nearest(dest.at_km, |p| p.dist_km(dest.at_km))
            .map(|(_, i)| FacilityId(i))
    }
}

pub(crate) mod run {
    //! Doctor rotation programs (`docs/model.md`, "Doctor rotation"): stints
    //! that move doctors from a source to destination sites, with quality and
    //! capability boosts while they last and a training gain after each. Its
    //! run state is each site's base quality and the capability-raising
    //! stints under way (the doctors and quality now are the facility's).

    use crate::engine::event::Event;
    use crate::engine::{DAY, Sim};
    use crate::scenario::{FacilityId, Severity};
    use crate::world::{PerFacility, World};

    /// Rotation's run state of one facility.
    #[derive(Clone, Copy, Debug)]
    struct Site {
        /// Base quality (grows with training from stints) \[score\].
        base_quality: f64,
        /// Stints under way that raise capability.
        capability_boosts: u32,
    }

    /// Rotation's run state.
    pub(crate) struct Rotation {
        sites: PerFacility<Site>,
    }

    impl Rotation {
        /// No stint under way yet in `world`.
        pub(crate) fn new(world: &World) -> Rotation {
            Rotation {
                sites: world
                    .facilities
                    .iter()
                    .map(|f| Site {
                        base_quality: f.quality,
                        capability_boosts: 0,
                    })
                    .collect(),
            }
        }
    }

    impl Sim<'_> {
        /// Hook at service start: the highest severity `f` treats now (a stint
        /// under way can raise it by one level).
        #[inline]
        pub(crate) fn capability(&self, f: FacilityId) -> Severity {
            let base = self.world.facilities[f].capability;
            if self.rotation.sites[f].capability_boosts > 0 {
                Severity::from_index(base as usize + 1)
            } else {
                base
            }
        }

        pub(crate) fn on_stint_start(&mut self, program: u32, t: f64) {
            let r = &self.scenario.rotations[program as usize];
            let d = i64::from(r.doctors_per_site);
            for &(src, dst) in &r.pairs {
                self.change_doctors(src, -d, t);
                self.change_doctors(dst, d, t);
                self.facilities[dst].quality += r.quality_boost;
                self.rotation.sites[dst].capability_boosts += u32::from(r.capability_boost);
            }
            let (end, next) = (t + f64::from(r.days_on) * DAY, t + f64::from(r.cycle_days) * DAY);
            // A stint still running at the horizon simply runs on.
            if end <= self.horizon {
                self.events.push(end, Event::StintEnd { program });
            }
            if next < self.horizon {
                self.events.push(next, Event::StintStart { program });
            }
            for &(_, dst) in &r.pairs {
                self.try_start(dst, t);
            }
        }

        pub(crate) fn on_stint_end(&mut self, program: u32, t: f64) {
            let r = &self.scenario.rotations[program as usize];
            let d = i64::from(r.doctors_per_site);
            for &(src, dst) in &r.pairs {
                self.change_doctors(dst, -d, t);
                self.change_doctors(src, d, t);
                let cap = r.quality_cap.unwrap_or(self.world.facilities[src].quality);
                let site = &mut self.rotation.sites[dst];
                let gain = r.training_gain.min((cap - site.base_quality).max(0.0));
                site.base_quality += gain;
                site.capability_boosts -= u32::from(r.capability_boost);
                self.facilities[dst].quality += gain - r.quality_boost;
            }
            let doctor_days = f64::from(r.doctors_per_site) * f64::from(r.days_on) * r.pairs.len() as f64;
            self.recorder.allowance(t, doctor_days * r.allowance_per_day);
            for &(src, _) in &r.pairs {
                self.try_start(src, t);
            }
        }

        /// Adds (or removes) doctors at `f`. Removal never interrupts a
        /// consultation: with more doctors busy than on the staff, no new
        /// patient is called until enough have finished.
        fn change_doctors(&mut self, f: FacilityId, delta: i64, t: f64) {
            let tier = self.world.facilities[f].tier as usize;
            let state = &mut self.facilities[f];
            let doctors = i64::from(state.doctors) + delta;
            debug_assert!(doctors >= 0, "validation keeps every source with a doctor");
            let doctors = doctors.max(0) as u32;
            if state.open {
                self.tier_on_duty[tier] = self.tier_on_duty[tier] + doctors - state.doctors;
            }
            state.doctors = doctors;
            self.record_staffing(f, t);
        }
    }

    #[cfg(test)]
    mod tests {
        use crate::engine::Sim;
        use crate::engine::stepping::{arrive, run_until};
        use crate::scenario::{Scenario, Severity};
        use crate::world::World;

        /// A county hospital with 2 doctors lends 1 to a township center from
        /// day 1 for 1 day; no illness arises on its own.
        fn world() -> World {
            let text = r#"
name = "stint"
days = 5
warmup_days = 0
replications = 1
[demand]
episodes_per_resident_year = 0.0
[tiers.county]
service = { dist = "fixed", mean_minutes = 60 }
"#
            .to_string()
                + &crate::testing::region(10)
                + &crate::testing::facility("ch", "county", 0.0, "doctors = 2\nhours = \"24h\"\n")
                + r#"
[[facility]]
name = "thc"
tier = "township"
at_km = [0.0, 0.0]
doctors = 1
hours = "24h"
[[rotation]]
from = "ch"
to = ["thc"]
doctors_per_site = 1
max_share_of_source = 0.5
start_day = 1
days_on = 1
cycle_days = 3
"#;
            World::new(&Scenario::from_toml(&text, "test").expect("valid"))
        }

        #[test]
        fn a_busy_doctor_leaves_after_the_current_patient() {
            let w = world();
            let mut sim = Sim::new(&w, 0);
            sim.start();
            // Two 60-minute consultations under way when the stint starts at
            // minute 1440 (ending at 1460 and 1480); a third patient queues.
            for t in [1400.0, 1420.0, 1430.0] {
                arrive(&mut sim, t, Severity::Mild);
            }
            assert_eq!((sim.facilities[0].busy, sim.facilities[0].queued), (2, 1));
            run_until(&mut sim, 1440.0);
            // One doctor fewer on the staff, the township has one more, and
            // nobody was interrupted.
            assert_eq!((sim.facilities[0].doctors, sim.facilities[1].doctors), (1, 2));
            assert_eq!(sim.facilities[0].busy, 2);
            // The first to finish leaves: the queued patient is not called.
            run_until(&mut sim, 1460.0);
            assert_eq!((sim.facilities[0].busy, sim.facilities[0].queued), (1, 1));
            // The remaining doctor finishes and calls them.
            run_until(&mut sim, 1480.0);
            assert_eq!((sim.facilities[0].busy, sim.facilities[0].queued), (1, 0));
            // The stint ends after a day: the doctor is back, the township's extra one gone.
            run_until(&mut sim, 2.0 * 1440.0);
            assert_eq!((sim.facilities[0].doctors, sim.facilities[1].doctors), (2, 1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    fn one(text: &str) -> Vec<RawRotation> {
        raw(text).into_iter().collect()
    }

    #[test]
    fn defaults() {
        let s = scenario(&format!("{BASE}[[rotation]]\nfrom = \"county\"\nto = [\"township\"]\n")).unwrap();
        let r = &s.rotations[0];
        assert_eq!(r.pairs, [(FacilityId(1), FacilityId(0))]);
        assert_eq!(
            (r.doctors_per_site, r.days_on, r.cycle_days, r.start_day),
            (1, 30, 90, 0)
        );
        assert_eq!((r.quality_boost, r.training_gain, r.quality_cap), (0.5, 0.0, None));
        assert!(!r.capability_boost);
    }

    #[test]
    fn out_of_range_values_are_named_by_their_key() {
        refused::<Vec<Rotation>>(
            &one("from = \"county\"\nto = [\"township\"]\ncycle_days = 0"),
            "rotation[0].cycle_days",
        );
        refused::<Vec<Rotation>>(
            &one("from = \"county\"\nto = [\"township\"]\ndays_on = 100"),
            "rotation[0].days_on",
        );
        refused::<Vec<Rotation>>(&one("to = [\"township\"]"), "rotation[0].from");
    }

    #[test]
    fn sources_keep_a_doctor() {
        let text = format!("{BASE}[[rotation]]\nfrom = \"T\"\nto = [\"C\"]\ndoctors_per_site = 8\n");
        let problems = scenario(&text).unwrap_err();
        assert_eq!(only_path(&problems), "rotation[0].doctors_per_site");
    }

    #[test]
    fn round_trip() {
        round_trips::<Vec<Rotation>>(&Vec::new());
        round_trips::<Vec<Rotation>>(&one(
            "from = \"county\"\nto = [\"township\"]\ndays_on = 7\ncycle_days = 14\nquality_cap = 3\ncapability_boost = true",
        ));
    }
}
