//! `[admission]`: inpatient admission after treatment, length of stay and
//! boarding. README: "[admission]"; `docs/model.md`: "Admission, beds,
//! boarding and transfers".

use super::{Context, Lever};
use crate::scenario::raw::PerSeverity;
use crate::scenario::validate::Checker;

raw_section! {
    /// `[admission]`
    pub struct RawAdmission {
        pub prob: Option<PerSeverity<f64>>,
        pub max_boarding_hours: Option<f64>,
        pub los_cv: Option<f64>,
    }
}

/// Inpatient admission after treatment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Admission {
    /// Probability of admission per severity.
    pub prob: [f64; 4],
    /// Longest wait for a bed before transfer to the partner \[hours\].
    pub max_boarding_hours: f64,
    /// Coefficient of variation of length of stay (lognormal).
    pub los_cv: f64,
}

impl Lever for Admission {
    type Raw = Option<RawAdmission>;

    fn check(c: &mut Checker, raw: &Option<RawAdmission>, _: &Context) -> Admission {
        let a = raw.clone().unwrap_or_default();
        Admission {
            prob: c.per_severity(
                "admission.prob",
                a.prob.as_ref(),
                [0.0, 0.05, 0.4, 0.8],
                Checker::probability,
            ),
            max_boarding_hours: c.non_negative("admission.max_boarding_hours", a.max_boarding_hours, 24.0),
            los_cv: c.cv("admission.los_cv", a.los_cv, 0.6),
        }
    }

    fn to_raw(&self) -> Option<RawAdmission> {
        Some(RawAdmission {
            prob: Some(PerSeverity::full(self.prob)),
            max_boarding_hours: Some(self.max_boarding_hours),
            los_cv: Some(self.los_cv),
        })
    }
}

pub(crate) mod run {
    //! Inpatient care (`docs/model.md`, "Admission, beds, boarding and
    //! transfers"): admission after treatment, beds, boarding, transfer to the
    //! partner, discharge and its bill.

    use rand::RngExt;

    use crate::engine::event::Event;
    use crate::engine::state::{Phase, QueueEntry};
    use crate::engine::{DAY, Sim};
    use crate::policy::Care;
    use crate::scenario::FacilityId;
    use crate::trace::Outcome;

    impl Sim<'_> {
        /// After an outpatient treatment: admitted with `admission.prob`
        /// (unless a deposit the patient cannot raise sends them home,
        /// `deposit`), otherwise the treatment is complete.
        pub(crate) fn after_treatment(&mut self, id: u32, f: FacilityId, t: f64) {
            let severity = self.episodes.get(id).severity;
            let u: f64 = self.rngs.admission.random();
            if u < self.scenario.admission.prob[severity as usize] {
                if !self.deposit_sends_home(id, f, t) {
                    self.request_bed(id, f, t);
                }
            } else {
                self.treatment_complete(id, f, t);
            }
        }

        /// A patient needs a bed at `f`: a free bed, else boarding (with a
        /// transfer to the partner after `max_boarding_hours`), else — without
        /// beds or without a wait allowed — straight to the partner. At a
        /// facility without partner the patient boards until a bed frees.
        pub(crate) fn request_bed(&mut self, id: u32, f: FacilityId, t: f64) {
            self.recorder.bed_request();
            let info = &self.world.facilities[f];
            let max_wait = self.scenario.admission.max_boarding_hours * 60.0;
            if self.facilities[f].beds_free > 0 {
                self.admit(id, f, t, t);
            } else if info.partner.is_some() && (info.beds == 0 || max_wait <= 0.0) {
                self.transfer(id, f, t, 0.0);
            } else {
                let token = self.new_token();
                if let Some(tr) = self.trace.as_deref_mut() {
                    tr.outcome(id, Outcome::Boarding);
                }
                let ep = self.episodes.get_mut(id);
                ep.phase = Phase::Boarding;
                ep.token = token;
                ep.bed_since = t;
                self.facilities[f].bed_queue.push_back(QueueEntry {
                    episode: id,
                    token,
                    arrival: t,
                });
                if info.partner.is_some() {
                    self.events
                        .push(t + max_wait, Event::BoardingTimeout { episode: id, token });
                }
            }
        }

        /// Gives a bed at `f` to a patient who asked for one at `asked`.
        fn admit(&mut self, id: u32, f: FacilityId, asked: f64, t: f64) {
            let home = self.home_region(id);
            let info = &self.world.facilities[f];
            let state = &mut self.facilities[f];
            state.beds_free -= 1;
            let occupied = info.beds - state.beds_free;
            self.recorder.beds(t, f.0, occupied);
            let who = self.who(id);
            self.recorder.admission(t, f.0, t - asked, home, who);
            if let Some(tr) = self.trace.as_deref_mut() {
                tr.admitted(id, t);
            }
            let ep = self.episodes.get_mut(id);
            let los_days = info.los_days[ep.severity as usize].sample(&mut self.rngs.admission);
            ep.phase = Phase::Inpatient;
            ep.bed_since = t;
            self.events.push(
                t + los_days * DAY,
                Event::Discharge {
                    facility: f,
                    episode: id,
                },
            );
        }

        /// Moves a boarding patient on to the partner.
        fn transfer(&mut self, id: u32, f: FacilityId, t: f64, waited: f64) {
            let partner = self.world.facilities[f]
                .partner
                .expect("only facilities with a partner transfer");
            let who = self.who(id);
            self.recorder.transfer(t, f.0, waited, who);
            if let Some(tr) = self.trace.as_deref_mut() {
                tr.outcome(id, Outcome::Transferred);
            }
            let ep = self.episodes.get_mut(id);
            ep.to_bed = true;
            ep.self_referred = false;
            let travel = self.world.travel_minutes(f, partner);
            self.travel_to(id, partner, travel, t);
        }

        pub(crate) fn on_boarding_timeout(&mut self, id: u32, token: u32, t: f64) {
            let ep = *self.episodes.get(id);
            if ep.token != token || ep.phase != Phase::Boarding {
                return;
            }
            // The bed-queue entry goes stale and is skipped.
            self.transfer(id, ep.facility, t, t - ep.bed_since);
        }

        pub(crate) fn on_discharge(&mut self, f: FacilityId, id: u32, t: f64) {
            let info = &self.world.facilities[f];
            let state = &mut self.facilities[f];
            state.beds_free += 1;
            let occupied = info.beds - state.beds_free;
            self.recorder.beds(t, f.0, occupied);
            self.recorder.discharge();
            if let Some(tr) = self.trace.as_deref_mut() {
                tr.discharged(id, t);
            }
            let stay_days = (t - self.episodes.get(id).bed_since) / DAY;
            self.charge(id, f, Care::Inpatient, info.bed_day_price * stay_days, t);
            self.treatment_complete(id, f, t);
            self.admit_next_boarder(f, t);
        }

        /// The longest-waiting boarder at `f` takes a free bed.
        fn admit_next_boarder(&mut self, f: FacilityId, t: f64) {
            while self.facilities[f].beds_free > 0 {
                let Some(head) = self.facilities[f].bed_queue.pop_front() else {
                    return;
                };
                let ep = self.episodes.get(head.episode);
                if ep.token == head.token && ep.phase == Phase::Boarding {
                    self.admit(head.episode, f, head.arrival, t);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn defaults() {
        let a = checked_default::<Admission>();
        assert_eq!(a.prob, [0.0, 0.05, 0.4, 0.8]);
        assert_eq!((a.max_boarding_hours, a.los_cv), (24.0, 0.6));
    }

    #[test]
    fn out_of_range_values_are_named_by_their_key() {
        refused::<Admission>(&raw("prob.severe = 1.2"), "admission.prob.severe");
        refused::<Admission>(&raw("los_cv = 0"), "admission.los_cv");
    }

    #[test]
    fn round_trip() {
        round_trips::<Admission>(&None);
        round_trips::<Admission>(&raw("prob.mild = 0.1\nmax_boarding_hours = 3\nlos_cv = 0.9"));
    }
}
