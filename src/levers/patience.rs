//! `[patience]`: patients leaving unseen after an exponential patience,
//! and trying another facility with `retry_prob`. Off unless the section
//! is given. README: "[patience]"; `docs/model.md`: "Patience, reneging
//! and retry".

use super::{Context, Lever};
use crate::scenario::validate::Checker;

raw_section! {
    /// `[patience]`
    pub struct RawPatience {
        pub mean_minutes: Option<f64>,
        pub retry_prob: Option<f64>,
    }
}

/// Patients leaving without being seen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Patience {
    /// Mean patience \[minutes\] (exponential).
    pub mean_minutes: f64,
    /// Probability a patient who leaves tries another facility.
    pub retry_prob: f64,
}

impl Lever for Option<Patience> {
    type Raw = Option<RawPatience>;

    fn check(c: &mut Checker, raw: &Option<RawPatience>, _: &Context) -> Option<Patience> {
        raw.as_ref().map(|p| Patience {
            mean_minutes: c.positive("patience.mean_minutes", p.mean_minutes, 120.0),
            retry_prob: c.probability("patience.retry_prob", p.retry_prob, 0.5),
        })
    }

    fn to_raw(&self) -> Option<RawPatience> {
        self.map(|p| RawPatience {
            mean_minutes: Some(p.mean_minutes),
            retry_prob: Some(p.retry_prob),
        })
    }
}

pub(crate) mod run {
    //! Patience, reneging and retry (`docs/model.md`, "Patience, reneging and
    //! retry"): a patient who waits longer than an exponential patience
    //! leaves unseen and tries another facility of the choice set with
    //! `retry_prob`. No run state beyond the episode's token.

    use rand::RngExt;
    use rand_distr::{Distribution, Exp1};

    use crate::engine::Sim;
    use crate::engine::event::Event;
    use crate::engine::state::{Kind, Phase};
    use crate::trace::Outcome;

    impl Sim<'_> {
        /// Hook at each queue arrival (arrival `token` of episode `id`): with
        /// patience on, draws the patience (one patience draw) and schedules
        /// the timeout.
        pub(crate) fn start_patience(&mut self, id: u32, token: u32, t: f64) {
            if let Some(p) = self.scenario.patience {
                let e: f64 = Exp1.sample(&mut self.rngs.patience);
                let patience = e * p.mean_minutes;
                self.events.push(t + patience, Event::Timeout { episode: id, token });
            }
        }

        /// Patience runs out (unless the patient was called or left since):
        /// a missed follow-up is skipped; otherwise one patience uniform
        /// decides a retry, which is a fresh choice from the facility left.
        pub(crate) fn on_timeout(&mut self, id: u32, token: u32, t: f64) {
            let ep = *self.episodes.get(id);
            if ep.token != token || ep.phase != Phase::Waiting {
                return;
            }
            let f = ep.facility;
            let tier = self.world.facilities[f].tier as usize;
            let state = &mut self.facilities[f];
            state.queued -= 1;
            self.tier_queued[tier] -= 1;
            self.recorder.queue(t, f.0, state.queued, self.tier_queued[tier]);
            self.recorder.left(t, f.0);
            if let Some(tr) = self.trace.as_deref_mut() {
                tr.outcome(id, Outcome::LeftUnseen);
            }
            // The entry stays in the queue and is skipped when it reaches the head.
            self.episodes.get_mut(id).phase = Phase::Travelling;
            if ep.kind == Kind::FollowUp {
                // A missed follow-up is skipped; the next one stays planned.
                self.followup_done(id, t);
                return;
            }
            // Whoever tries elsewhere goes on their own: no longer referred.
            let home = self.resident(id).settlement;
            let options = &self.world.settlements[home as usize].options;
            let slot = options.iter().position(|o| o.facility == f);
            let left = self.episodes.get_mut(id);
            left.referred = false;
            left.self_referred = true;
            if let Some(slot) = slot {
                left.left_slots.insert(slot);
            }
            let retry_prob = self.scenario.patience.map_or(0.0, |p| p.retry_prob);
            let u: f64 = self.rngs.patience.random();
            let next = if u < retry_prob {
                self.choose(id, Some(f), t)
            } else {
                None
            };
            match next {
                Some((g, travel)) => self.travel_to(id, g, travel, t),
                None => self.end_episode(id, false),
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use crate::engine::Sim;
        use crate::engine::stepping::{arrive, quiet_world, run_until};
        use crate::scenario::Severity;
        use crate::world::World;

        /// A doctorless clinic, the only facility in reach; patients wait 10
        /// minutes on average and never try elsewhere.
        fn world() -> World {
            let rest = "[patience]\nmean_minutes = 10.0\nretry_prob = 0.0\n\
                    [[facility]]\nname = \"ch\"\ntier = \"county\"\nat_km = [0.0, 0.0]\ndoctors = 0\nhours = \"24h\"\n";
            quiet_world(2, 1, rest)
        }

        #[test]
        fn a_patient_nobody_calls_leaves_unseen_and_the_episode_ends() {
            let w = world();
            let mut sim = Sim::new(&w, 0);
            sim.start();
            arrive(&mut sim, 0.0, Severity::Mild);
            assert_eq!((sim.facilities[0].queued, sim.episodes.live()), (1, 1));
            run_until(&mut sim, 1440.0);
            assert_eq!((sim.facilities[0].queued, sim.episodes.live()), (0, 0));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    type P = Option<Patience>;

    #[test]
    fn defaults() {
        assert_eq!(check::<P>(&None).0, None);
        let p = accepted::<P>(&raw(""));
        assert_eq!(
            p,
            Some(Patience {
                mean_minutes: 120.0,
                retry_prob: 0.5
            })
        );
    }

    #[test]
    fn out_of_range_values_are_named_by_their_key() {
        refused::<P>(&raw("mean_minutes = 0"), "patience.mean_minutes");
        refused::<P>(&raw("retry_prob = 1.5"), "patience.retry_prob");
    }

    #[test]
    fn round_trip() {
        round_trips::<P>(&None);
        round_trips::<P>(&raw("mean_minutes = 45\nretry_prob = 0.1"));
    }
}
