//! Test helpers that drive a [`Sim`] event by event, so unit tests can
//! look at its state between events.

use super::Sim;
use crate::scenario::{FacilityId, Scenario, Severity};
use crate::world::World;

/// A world of `days` days around one settlement of `population` at the
/// origin, with no illness of its own: `rest` (TOML tables) adds the
/// facilities and whatever the test is about.
pub(crate) fn quiet_world(days: u32, population: u32, rest: &str) -> World {
    let text = format!(
        "name = \"test\"\ndays = {days}\nwarmup_days = 0\n[demand]\nepisodes_per_resident_year = 0.0\nseverity_mix = {{ mild = 1.0 }}\n\
         [[region]]\nname = \"r\"\n[[region.settlement]]\nat_km = [0.0, 0.0]\npopulation = {population}\n{rest}"
    );
    World::new(&Scenario::from_toml(&text, "test").expect("valid"))
}

/// A patient of `severity` arrives at facility 0 at `t`.
pub(crate) fn arrive(sim: &mut Sim, t: f64, severity: Severity) {
    let id = sim.episodes.insert(sim.new_episode(0, severity, t));
    sim.travel_to(id, FacilityId(0), 0.0, t);
}

/// Runs every pending event up to and including `until`.
pub(crate) fn run_until(sim: &mut Sim, until: f64) {
    while let Some((t, e)) = sim.events.pop() {
        if t > until {
            sim.events.push(t, e);
            return;
        }
        sim.handle(t, e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One doctor, 24h, 60-minute visits, no illness of its own; the queue
    /// discipline and referral priority are the test's.
    fn world(discipline: &str) -> World {
        let text = format!(
            r#"
name = "queue"
days = 3
warmup_days = 0
[demand]
episodes_per_resident_year = 0.0
[tiers.county]
service = {{ dist = "fixed", mean_minutes = 60 }}
discipline = "{discipline}"
{}{}"#,
            crate::testing::region(10),
            crate::testing::facility("ch", "county", 0.0, "doctors = 1\nhours = \"24h\"\n")
        );
        World::new(&Scenario::from_toml(&text, "test").expect("valid"))
    }

    /// Severities in the order their consultations start, after one mild
    /// patient takes the doctor and mild, severe, moderate queue behind.
    fn service_order(discipline: &str) -> Vec<Severity> {
        let w = world(discipline);
        let mut sim = Sim::new(&w, 0);
        sim.start();
        for (t, sev) in [
            (0.0, Severity::Mild),
            (1.0, Severity::Mild),
            (2.0, Severity::Severe),
            (3.0, Severity::Moderate),
        ] {
            arrive(&mut sim, t, sev);
        }
        // Each hour one queued patient (slots 1..=3) stops waiting.
        let waiting = |sim: &Sim, i: u32| sim.episodes.get(i).phase == super::super::state::Phase::Waiting;
        let mut order = Vec::new();
        for hour in 1..=3 {
            let before: Vec<u32> = (1..4).filter(|&i| waiting(&sim, i)).collect();
            run_until(&mut sim, f64::from(hour) * 60.0);
            let started: Vec<u32> = before.into_iter().filter(|&i| !waiting(&sim, i)).collect();
            assert_eq!(started.len(), 1, "one doctor calls one patient per hour");
            order.push(sim.episodes.get(started[0]).severity);
        }
        order
    }

    /// A settlement whose choice set is as large as validation allows: 16
    /// nearest of each tier plus 16 contracted village clinics farther off.
    /// The farthest regional center (the last slot) has no doctors.
    fn full_choice_set_world() -> World {
        let mut text = String::from(
            r#"
name = "full"
days = 3
warmup_days = 0
[demand]
episodes_per_resident_year = 0.0
[choice]
nearest_per_tier = 16
max_travel_minutes = 100000.0
[patience]
mean_minutes = 10.0
retry_prob = 1.0
[[region]]
name = "r"
[[region.settlement]]
at_km = [0.0, 0.0]
population = 1
"#,
        );
        let mut contracted = Vec::new();
        for (t, tier) in ["village", "township", "county", "regional"].iter().enumerate() {
            let n = if t == 0 { 32 } else { 16 };
            for k in 0..n {
                let name = format!("{tier}{k}");
                let doctors = if t == 3 && k == 15 { 0 } else { 1 };
                text.push_str(&format!(
                    "[[facility]]\nname = \"{name}\"\ntier = \"{tier}\"\nat_km = [{}.0, {t}.0]\nhours = \"24h\"\ndoctors = {doctors}\ncapability = \"critical\"\n",
                    k + 1
                ));
                if t == 0 && k >= 16 {
                    contracted.push(format!("\"{name}\""));
                }
            }
        }
        text.push_str(&format!(
            "[contract]\nshare = 1.0\nwith = [{}]\n",
            contracted.join(", ")
        ));
        World::new(&Scenario::from_toml(&text, "test").expect("valid"))
    }

    #[test]
    fn choice_set_at_maximum_marks_the_right_facility() {
        use crate::scenario::limits::MAX_CHOICE_SET;
        let w = full_choice_set_world();
        let options = &w.settlements[0].options;
        assert_eq!(options.len(), MAX_CHOICE_SET, "the choice set is at its maximum");
        let last = options[MAX_CHOICE_SET - 1].facility;
        assert_eq!(w.facilities[last].name, "regional15");
        let mut sim = Sim::new(&w, 0);
        sim.start();
        let id = sim.episodes.insert(sim.new_episode(0, Severity::Mild, 0.0));
        sim.travel_to(id, last, 0.0, 0.0);
        assert_eq!(sim.episodes.get(id).phase, super::super::state::Phase::Waiting);
        // Until the patient gives up on the doctorless center and goes elsewhere.
        while sim.episodes.get(id).facility == last {
            let (t, e) = sim.events.pop().expect("a timeout is pending");
            sim.handle(t, e);
        }
        let left = sim.episodes.get(id).left_slots;
        assert!(left.contains(MAX_CHOICE_SET - 1), "the center left is marked");
        for slot in 0..MAX_CHOICE_SET - 1 {
            assert!(!left.contains(slot), "slot {slot} was never left");
        }
    }

    #[test]
    fn fifo_serves_in_arrival_order_and_severity_most_severe_first() {
        use Severity::*;
        assert_eq!(service_order("fifo"), vec![Mild, Severe, Moderate]);
        assert_eq!(service_order("severity"), vec![Severe, Moderate, Mild]);
    }
}
