//! Wait beliefs (`docs/model.md`, "Wait beliefs"): the wait a patient
//! expects at a facility when choosing, under `choice.beliefs`: none, the
//! live queue, yesterday's published mean wait, or word of mouth learnt
//! from the waits of a settlement's own patients. Its run state is the
//! published waits and the word-of-mouth beliefs.

use super::Sim;
use crate::scenario::{Beliefs, FacilityId, Severity};
use crate::world::{PerFacility, World};

/// One facility's published wait and today's waits behind the next one.
#[derive(Clone, Copy, Debug, Default)]
struct Published {
    /// Yesterday's mean wait \[minutes\].
    wait: f64,
    /// Sum of waits started today \[minutes\].
    day_sum: f64,
    /// Services started today.
    day_count: u32,
}

/// Wait beliefs' run state.
pub(super) struct WaitBeliefs {
    /// Published waits, per facility.
    published: PerFacility<Published>,
    /// Word-of-mouth wait beliefs, per settlement option slot \[minutes\].
    wom: Vec<f64>,
    /// Start of each settlement's slots in `wom`.
    wom_offset: Vec<u32>,
}

impl WaitBeliefs {
    /// Nothing published and no word of mouth yet in `world`.
    pub(super) fn new(world: &World) -> WaitBeliefs {
        let mut wom_offset = Vec::with_capacity(world.settlements.len());
        let mut slots = 0u32;
        for s in &world.settlements {
            wom_offset.push(slots);
            slots += s.options.len() as u32;
        }
        WaitBeliefs {
            published: world.facilities.iter().map(|_| Published::default()).collect(),
            wom: vec![0.0; slots as usize],
            wom_offset,
        }
    }

    /// The word-of-mouth belief of `settlement` about its option `slot`.
    #[inline]
    fn wom_slot(&self, settlement: u32, slot: usize) -> usize {
        self.wom_offset[settlement as usize] as usize + slot
    }
}

impl Sim<'_> {
    /// The wait a patient from `settlement` expects at facility `f`
    /// (option `slot` of the settlement) under the scenario's beliefs, if
    /// they would arrive there at `arrival` (now plus the travel minutes)
    /// \[minutes\]. Live beliefs add, to the queue seen now, the time from
    /// that arrival until the facility opens: a patient setting out at 7:00
    /// on an hour's trip to a clinic opening at 8:00 expects no wait for
    /// the opening, one setting out at 17:00 to a clinic closing at 17:30
    /// expects the night.
    /// An emergency patient who would be seen in the emergency department
    /// expects that department's queue instead (`emergency`).
    pub(crate) fn expected_wait(
        &self,
        f: FacilityId,
        severity: Severity,
        settlement: u32,
        slot: usize,
        arrival: f64,
    ) -> f64 {
        let state = &self.facilities[f];
        match self.scenario.choice.beliefs {
            Beliefs::None => 0.0,
            Beliefs::Live => {
                if let Some(wait) = self.emergency_live_wait(f, severity, arrival) {
                    return wait;
                }
                let info = &self.world.facilities[f];
                let doctors = f64::from(state.doctors.max(1));
                let queue_wait = f64::from(state.queued) / doctors * info.mean_service_minutes;
                queue_wait + info.hours.minutes_until_open(arrival)
            }
            Beliefs::Published => self.beliefs.published[f].wait,
            Beliefs::WordOfMouth { .. } => self.beliefs.wom[self.beliefs.wom_slot(settlement, slot)],
        }
    }

    /// Hook at service start: a patient of `resident` waited `wait`
    /// minutes at `f`; it counts towards today's published mean and, by
    /// word of mouth, moves their settlement's belief about `f`.
    pub(super) fn learn_wait(&mut self, f: FacilityId, resident: u32, wait: f64) {
        let published = &mut self.beliefs.published[f];
        published.day_sum += wait;
        published.day_count += 1;
        if let Beliefs::WordOfMouth { learning_rate } = self.scenario.choice.beliefs {
            let home = self.residents.all[resident as usize].settlement;
            let options = &self.world.settlements[home as usize].options;
            if let Some(slot) = options.iter().position(|o| o.facility == f) {
                let i = self.beliefs.wom_slot(home, slot);
                let b = &mut self.beliefs.wom[i];
                *b += learning_rate * (wait - *b);
            }
        }
    }

    /// Hook at day end: every facility publishes the day's mean wait.
    pub(super) fn publish_waits(&mut self) {
        for p in self.beliefs.published.iter_mut() {
            // A facility that started no service yesterday had nobody
            // waiting: it publishes 0 (keeping an old value would lock
            // patients out of it for good).
            p.wait = if p.day_count > 0 {
                p.day_sum / f64::from(p.day_count)
            } else {
                0.0
            };
            p.day_sum = 0.0;
            p.day_count = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::DAY;
    use crate::engine::stepping::quiet_world;
    use crate::scenario::Hours;

    /// The last choice weighed these expected waits \[minutes\] (its
    /// utilities are minus the waits).
    fn expect_waits(sim: &Sim, waits: [f64; 2]) {
        assert_eq!(sim.utilities.len(), 2);
        for (u, w) in sim.utilities.iter().zip(waits) {
            assert!(
                (u + w).abs() < 1e-9,
                "utilities {:?}, expected waits {waits:?}",
                sim.utilities
            );
        }
    }

    #[test]
    fn live_beliefs_count_opening_from_arrival() {
        // Only the expected wait counts, one utility unit per minute; a
        // village clinic next door and a township center a trip away, both
        // opening at 8:00.
        let rest = "[choice]\nbeliefs = \"live\"\nb_quality = 0.0\nb_cost = 0.0\nb_travel = 0.0\nb_wait = -60.0\n\
                    [[facility]]\nname = \"vc\"\ntier = \"village\"\nat_km = [0.0, 0.0]\nhours = \"08:00-17:00\"\n\
                    [[facility]]\nname = \"thc\"\ntier = \"township\"\nat_km = [10.0, 0.0]\nhours = \"08:00-17:00\"\n";
        let w = quiet_world(2, 1, rest);
        let travel = w.settlements[0].options[1].travel_minutes;
        assert!(travel > 0.0 && travel < 60.0, "travel {travel}");
        let mut sim = Sim::new(&w, 0);
        sim.start();
        // Choosing at 7:00: the clinic next door opens in an hour, the
        // township center an hour after setting out, less the trip.
        let id = sim.episodes.insert(sim.new_episode(0, Severity::Mild, 420.0));
        sim.choose(id, None, 420.0);
        expect_waits(&sim, [60.0, 480.0 - (420.0 + travel)]);
        // Choosing at 16:50: the township center closes before the patient
        // gets there, so they expect to wait from arrival until 8:00.
        let t = 16.0 * 60.0 + 50.0;
        sim.choose(id, None, t);
        expect_waits(&sim, [0.0, DAY - (t + travel) + 480.0]);
    }

    #[test]
    fn a_closed_facility_opens_at_its_next_opening() {
        let hours = Hours {
            open_minute: 480.0,
            close_minute: 1020.0,
        };
        assert_eq!(hours.minutes_until_open(0.0), 480.0);
        assert_eq!(hours.minutes_until_open(600.0), 0.0);
        assert_eq!(hours.minutes_until_open(1020.0), 900.0);
        assert_eq!(hours.minutes_until_open(DAY + 470.0), 10.0);
    }
}
