//! Two-way referral after treatment (`docs/model.md`, "Follow-ups and
//! down-referral"): follow-up visits, sent down to the grassroots with
//! `down_referral_prob` when the episode was treated at county or regional
//! tier.

use rand::RngExt;

use super::event::Event;
use super::state::{Kind, Phase};
use super::{DAY, Sim};
use crate::scenario::{FacilityId, Severity, Tier};

impl Sim<'_> {
    /// The episode's treatment is over (after discharge if admitted): it
    /// counts as completed, then its follow-ups, if any, begin.
    pub(super) fn treatment_complete(&mut self, id: u32, f: FacilityId, t: f64) {
        self.record_episode_end(id, true);
        let severity = self.episodes.get(id).severity;
        let visits = self.scenario.referral.followups[severity as usize];
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
                self.recorder.referral_down(t, f.0);
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
    pub(super) fn on_followup(&mut self, id: u32, t: f64) {
        let f = self.episodes.get(id).facility;
        let home = self.world.settlements[self.resident(id).settlement as usize].at_km;
        let travel = self.scenario.travel.minutes(home, self.world.facilities[f].at_km);
        self.travel_to(id, f, travel, t);
    }

    /// A follow-up visit is over (or was missed): plan the next or finish.
    pub(super) fn followup_done(&mut self, id: u32, t: f64) {
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
