//! `[referral]`: triage and upward referral (`triage_factor`,
//! `priority_referrals`), follow-up visits and down-referral
//! (`followups`, `followup_interval_days`, `down_referral_prob`). One
//! table, one file. README: "[referral]" and "[referral]: follow-ups and
//! down-referral"; `docs/model.md`: "Triage and upward referral",
//! "Follow-ups and down-referral".

use super::{Context, Lever};
use crate::scenario::Severity;
use crate::scenario::limits::MAX_DAYS;
use crate::scenario::raw::PerSeverity;
use crate::scenario::validate::Checker;

raw_section! {
    /// `[referral]`
    pub struct RawReferral {
        pub triage_factor: Option<f64>,
        pub priority_referrals: Option<bool>,
        pub down_referral_prob: Option<f64>,
        pub followups: Option<PerSeverity<i64>>,
        pub followup_interval_days: Option<f64>,
    }
}

/// Triage and referral rules.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Referral {
    /// Triage consultation time and price as a share of a full visit.
    pub triage_factor: f64,
    /// Referred patients jump ahead of self-referred ones.
    pub priority_referrals: bool,
    /// Probability that follow-ups of an episode treated at county or
    /// regional tier are referred down to the grassroots.
    pub down_referral_prob: f64,
    /// Follow-up visits per severity (the mild entry is 0: see
    /// [`Referral::followups_after`]).
    pub followups: [u32; 4],
    /// Days between follow-up visits.
    pub followup_interval_days: f64,
}

/// Follow-up visits per severity (none unless given), at most 50 each.
/// Mild episodes get none (follow-ups are for moderate or more severe
/// illness), so `followups.mild` may only be 0.
fn followups(c: &mut Checker, raw: Option<&PerSeverity<i64>>) -> [u32; 4] {
    let mut followups = [0; 4];
    if let Some(f) = raw {
        for (i, v) in f.as_array().into_iter().enumerate() {
            let severity = Severity::ALL[i];
            let path = format!("referral.followups.{}", severity.name());
            match *v {
                Some(x) if severity == Severity::Mild && x != 0 => c.push(
                    path,
                    format!("{x}: mild episodes get no follow-ups (moderate, severe and critical ones do); expected 0"),
                ),
                _ => followups[i] = c.count(&path, *v, followups[i], 0, MAX_DAYS).min(50),
            }
        }
    }
    followups
}

impl Referral {
    /// Follow-up visits after treating an episode of `severity`: none for
    /// mild episodes, whatever `followups` holds.
    pub fn followups_after(&self, severity: Severity) -> u32 {
        if severity == Severity::Mild {
            0
        } else {
            self.followups[severity as usize]
        }
    }
}

impl Lever for Referral {
    type Raw = Option<RawReferral>;

    fn check(c: &mut Checker, raw: &Option<RawReferral>, _: &Context) -> Referral {
        let r = raw.clone().unwrap_or_default();
        let followups = followups(c, r.followups.as_ref());
        Referral {
            triage_factor: c.positive("referral.triage_factor", r.triage_factor, 0.5),
            priority_referrals: r.priority_referrals.unwrap_or(false),
            down_referral_prob: c.probability("referral.down_referral_prob", r.down_referral_prob, 0.0),
            followups,
            followup_interval_days: c.positive("referral.followup_interval_days", r.followup_interval_days, 14.0),
        }
    }

    fn to_raw(&self) -> Option<RawReferral> {
        Some(RawReferral {
            triage_factor: Some(self.triage_factor),
            priority_referrals: Some(self.priority_referrals),
            down_referral_prob: Some(self.down_referral_prob),
            followups: Some(PerSeverity::full(self.followups.map(i64::from))),
            followup_interval_days: Some(self.followup_interval_days),
        })
    }
}

pub(crate) mod run {
    //! Two-way referral after treatment (`docs/model.md`, "Follow-ups and
    //! down-referral"): follow-up visits, sent down to the grassroots with
    //! `down_referral_prob` when the episode was treated at county or regional
    //! tier.

    use rand::RngExt;

    use crate::engine::event::Event;
    use crate::engine::state::{Kind, Phase};
    use crate::engine::{DAY, Sim};
    use crate::scenario::{FacilityId, Severity, Tier};

    impl Sim<'_> {
        /// The episode's treatment is over (after discharge if admitted): it
        /// counts as completed, then its follow-ups, if any, begin.
        pub(crate) fn treatment_complete(&mut self, id: u32, f: FacilityId, t: f64) {
            self.record_episode_end(id, true);
            let severity = self.episodes.get(id).severity;
            let visits = self.scenario.referral.followups_after(severity);
            if visits == 0 {
                self.episodes.remove(id);
                return;
            }
            let treated_at = self.world.facilities[f].tier;
            let mut destination = f;
            let mut down = false;
            if treated_at >= Tier::County {
                let u: f64 = self.rngs.referral.random();
                if u < self.scenario.referral.down_referral_prob
                    && let Some(g) = self.grassroots_for(id)
                {
                    destination = g;
                    down = true;
                    let who = self.who(id);
                    self.recorder.referral_down(t, f.0, who);
                }
            }
            let ep = self.episodes.get_mut(id);
            ep.kind = Kind::FollowUp;
            ep.severity = Severity::Mild;
            ep.followups_left = visits.min(u32::from(u8::MAX)) as u8;
            ep.facility = destination;
            ep.down_pending = down;
            ep.referred = false;
            ep.self_referred = false;
            ep.phase = Phase::Resting;
            self.schedule_followup(id, t);
        }

        /// Where follow-ups referred down go: the contracted grassroots
        /// facility of a contracted resident, else the nearest township center.
        fn grassroots_for(&self, id: u32) -> Option<FacilityId> {
            let r = self.resident(id);
            let home = &self.world.settlements[r.settlement as usize];
            let contracted = home.contract_grassroots.filter(|_| r.contracted());
            contracted.or(home.nearest_township)
        }

        /// Plans the next visit `followup_interval_days` after `t`, at the same
        /// time of day moved into the presentation window: patients set out
        /// for planned visits when they set out for any care.
        fn schedule_followup(&mut self, id: u32, t: f64) {
            let due = t + self.scenario.referral.followup_interval_days * DAY;
            let window = self.scenario.demand.presentation;
            let day = (due / DAY).floor();
            let time_of_day = (due - day * DAY).clamp(window.open_minute, window.close_minute);
            let at = (day * DAY + time_of_day).max(t);
            if at <= self.horizon {
                self.events.push(at, Event::FollowUp { episode: id });
            }
        }

        /// The patient sets out from home for the next follow-up visit.
        pub(crate) fn on_followup(&mut self, id: u32, t: f64) {
            let f = self.episodes.get(id).facility;
            let home = self.world.settlements[self.resident(id).settlement as usize].at_km;
            let travel = self.scenario.travel.minutes(home, self.world.facilities[f].at_km);
            self.travel_to(id, f, travel, t);
        }

        /// A follow-up visit is over (or was missed): plan the next or finish.
        pub(crate) fn followup_done(&mut self, id: u32, t: f64) {
            let ep = self.episodes.get_mut(id);
            ep.followups_left = ep.followups_left.saturating_sub(1);
            ep.phase = Phase::Resting;
            ep.down_pending = false;
            if ep.followups_left > 0 {
                self.schedule_followup(id, t);
            } else {
                self.episodes.remove(id);
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use crate::engine;
        use crate::metrics::Scope;
        use crate::scenario::{Scenario, Tier};
        use crate::testing::{facility, region};
        use crate::world::World;

        /// Follow-up visits in 60 days of 300 residents next to a township
        /// center treating everything, with episodes of `severity` only and
        /// one follow-up planned for every severity (set on the scenario, as
        /// a library caller could, past the check that refuses mild ones).
        fn followup_visits(severity: &str) -> f64 {
            let text = format!(
                "name = \"f\"\ndays = 60\nwarmup_days = 0\n[demand]\nepisodes_per_resident_year = 4.0\n\
                 severity_mix = {{ {severity} = 1.0 }}\n[referral]\nfollowup_interval_days = 3\n{}{}",
                region(300),
                facility("thc", "township", 0.0, "hours = \"24h\"\n")
            );
            let mut s = Scenario::from_toml(&text, "test").expect("valid");
            s.referral.followups = [1; 4];
            let run = engine::run(&World::new(&s), 0);
            run.get(Scope::Tier(Tier::Township), "followup_visits")
                .expect("reported")
        }

        #[test]
        fn mild_episodes_get_no_followups() {
            assert_eq!(followup_visits("mild"), 0.0);
            assert!(followup_visits("moderate") > 0.0, "moderate episodes get theirs");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn defaults() {
        let r = checked_default::<Referral>();
        assert_eq!(
            (r.triage_factor, r.down_referral_prob, r.followup_interval_days),
            (0.5, 0.0, 14.0)
        );
        assert_eq!(r.followups, [0; 4]);
        assert!(!r.priority_referrals);
    }

    #[test]
    fn out_of_range_values_are_named_by_their_key() {
        refused::<Referral>(&raw("followups.severe = -1"), "referral.followups.severe");
        refused::<Referral>(&raw("down_referral_prob = 3"), "referral.down_referral_prob");
        refused::<Referral>(&raw("triage_factor = 0"), "referral.triage_factor");
    }

    #[test]
    fn followups_are_capped_at_50() {
        assert_eq!(check::<Referral>(&raw("followups.moderate = 400")).0.followups[1], 50);
    }

    #[test]
    fn mild_followups_are_refused() {
        let p = refused::<Referral>(
            &raw("followups = { mild = 1, moderate = 2 }"),
            "referral.followups.mild",
        );
        assert!(p.message.contains("expected 0"), "{p:?}");
        assert_eq!(
            accepted::<Referral>(&raw("followups = { mild = 0, moderate = 2 }")).followups,
            [0, 2, 0, 0]
        );
    }

    #[test]
    fn round_trip() {
        round_trips::<Referral>(&None);
        round_trips::<Referral>(&raw(
            "triage_factor = 0.3\npriority_referrals = true\ndown_referral_prob = 0.7\nfollowups.severe = 2\nfollowup_interval_days = 7",
        ));
    }
}
