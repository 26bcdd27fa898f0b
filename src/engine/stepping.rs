//! Test helpers that drive a [`Sim`] event by event, so unit tests can
//! look at its state between events.

use super::Sim;
use crate::scenario::Severity;

/// A patient of `severity` arrives at facility 0 at `t`.
pub(super) fn arrive(sim: &mut Sim, t: f64, severity: Severity) {
    let id = sim.episodes.insert(sim.new_episode(0, severity, t));
    sim.travel_to(id, 0, 0.0, t);
}

/// Runs every pending event up to and including `until`.
pub(super) fn run_until(sim: &mut Sim, until: f64) {
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
    use crate::scenario::Scenario;
    use crate::world::World;

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
[[region]]
name = "r"
[[region.settlement]]
at_km = [0.0, 0.0]
population = 10
[[facility]]
name = "ch"
tier = "county"
at_km = [0.0, 0.0]
doctors = 1
hours = "24h"
capability = "critical"
"#
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

    #[test]
    fn fifo_serves_in_arrival_order_and_severity_most_severe_first() {
        use Severity::*;
        assert_eq!(service_order("fifo"), vec![Mild, Severe, Moderate]);
        assert_eq!(service_order("severity"), vec![Severe, Moderate, Mild]);
    }
}
