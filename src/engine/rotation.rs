//! Doctor rotation programs (`docs/model.md`, "Doctor rotation"): stints
//! that move doctors from a source to destination sites, with quality and
//! capability boosts while they last and a training gain after each. Its
//! run state is each site's base quality and the capability-raising
//! stints under way (the doctors and quality now are the facility's).

use super::event::Event;
use super::{DAY, Sim};
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
pub(super) struct Rotation {
    sites: PerFacility<Site>,
}

impl Rotation {
    /// No stint under way yet in `world`.
    pub(super) fn new(world: &World) -> Rotation {
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
    pub(super) fn capability(&self, f: FacilityId) -> Severity {
        let base = self.world.facilities[f].capability;
        if self.rotation.sites[f].capability_boosts > 0 {
            Severity::from_index(base as usize + 1)
        } else {
            base
        }
    }

    pub(super) fn on_stint_start(&mut self, program: u32, t: f64) {
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

    pub(super) fn on_stint_end(&mut self, program: u32, t: f64) {
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
    use super::super::Sim;
    use super::super::stepping::{arrive, run_until};
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
[[region]]
name = "r"
[[region.settlement]]
at_km = [0.0, 0.0]
population = 10
[[facility]]
name = "ch"
tier = "county"
at_km = [0.0, 0.0]
doctors = 2
hours = "24h"
capability = "critical"
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
start_day = 1
days_on = 1
cycle_days = 3
"#;
        World::new(&Scenario::from_toml(text, "test").expect("valid"))
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
