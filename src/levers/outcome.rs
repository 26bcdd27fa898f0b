//! `[outcome]`: an optional model of poor outcomes caused by the delay
//! from onset to capable care, for severe and critical illness. Off
//! unless the section is given. It changes no behaviour and draws no
//! random number: the recorder adds up each episode's probability of a
//! poor outcome (an expected count). README: "[outcome]";
//! `docs/model.md`: "Outcomes".

use super::{Context, Lever};
use crate::scenario::Severity;
use crate::scenario::validate::Checker;

raw_section! {
    /// `[outcome]`
    pub struct RawOutcome {
        pub hazard_per_hour: Option<RawHazard>,
    }
}

raw_section! {
    /// `[outcome] hazard_per_hour`: only severe and critical illness has one.
    pub struct RawHazard {
        pub severe: Option<f64>,
        pub critical: Option<f64>,
    }
}

/// The outcome model: a constant hazard of a poor outcome per hour of
/// delay to capable care.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OutcomeModel {
    /// Hazard per hour of delay, severe illness \[1/hour\].
    pub severe_per_hour: f64,
    /// Hazard per hour of delay, critical illness \[1/hour\].
    pub critical_per_hour: f64,
}

impl OutcomeModel {
    /// The hazard per hour for `severity`; `None` for mild and moderate
    /// illness, which the model leaves out.
    pub fn hazard_per_hour(&self, severity: Severity) -> Option<f64> {
        match severity {
            Severity::Severe => Some(self.severe_per_hour),
            Severity::Critical => Some(self.critical_per_hour),
            Severity::Mild | Severity::Moderate => None,
        }
    }
}

/// P(poor outcome) after `delay_minutes` to capable care under a constant
/// hazard: 1 - exp(-h t), t in hours. An episode that never reaches care
/// (unmet) has an unbounded delay, so its probability is 1.
pub fn poor_outcome_probability(hazard_per_hour: f64, delay_minutes: f64) -> f64 {
    -(-hazard_per_hour * delay_minutes.max(0.0) / 60.0).exp_m1()
}

impl Lever for Option<OutcomeModel> {
    type Raw = Option<RawOutcome>;

    fn check(c: &mut Checker, raw: &Option<RawOutcome>, _: &Context) -> Option<OutcomeModel> {
        let h = raw.as_ref()?.hazard_per_hour.clone().unwrap_or_default();
        Some(OutcomeModel {
            severe_per_hour: c.non_negative("outcome.hazard_per_hour.severe", h.severe, 0.0),
            critical_per_hour: c.non_negative("outcome.hazard_per_hour.critical", h.critical, 0.0),
        })
    }

    fn to_raw(&self) -> Option<RawOutcome> {
        self.map(|m| RawOutcome {
            hazard_per_hour: Some(RawHazard {
                severe: Some(m.severe_per_hour),
                critical: Some(m.critical_per_hour),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    type O = Option<OutcomeModel>;

    #[test]
    fn defaults() {
        assert_eq!(check::<O>(&None).0, None);
        let m = accepted::<O>(&raw("")).expect("a model");
        assert_eq!((m.severe_per_hour, m.critical_per_hour), (0.0, 0.0));
        assert_eq!(m.hazard_per_hour(Severity::Moderate), None);
    }

    #[test]
    fn out_of_range_values_are_named_by_their_key() {
        refused::<O>(
            &raw("hazard_per_hour.critical = -0.1"),
            "outcome.hazard_per_hour.critical",
        );
    }

    #[test]
    fn hazards_of_mild_and_moderate_illness_are_refused_by_name() {
        let text = "[outcome]\nhazard_per_hour = { mild = 0.1 }\n";
        let problems = scenario(&format!("{BASE}{text}")).expect_err("mild has no hazard");
        let p = &problems[0];
        assert!(p.path.contains("outcome.hazard_per_hour"), "{p:?}");
        assert!(p.message.contains("severe") && p.message.contains("critical"), "{p:?}");
    }

    #[test]
    fn round_trip() {
        round_trips::<O>(&None);
        round_trips::<O>(&raw("hazard_per_hour = { severe = 0.02, critical = 0.1 }"));
    }

    #[test]
    fn poor_outcome_probability_is_one_minus_exp_of_hazard_times_hours() {
        // 0.1 per hour for 3 hours: 1 - e^-0.3.
        let p = poor_outcome_probability(0.1, 180.0);
        assert!((p - 0.259_181_779_318_282).abs() < 1e-14, "{p}");
        assert_eq!(poor_outcome_probability(0.1, 0.0), 0.0);
        assert_eq!(poor_outcome_probability(0.0, 1e6), 0.0);
        // Small h t: h t - (h t)^2 / 2; exp_m1 keeps the precision that
        // 1 - exp(-x) loses (its error would be ~1e-16 here).
        assert!((poor_outcome_probability(1e-9, 60.0) - 1e-9).abs() < 1e-18);
        assert!(poor_outcome_probability(2.0, 600.0) > 0.999_999_99);
        assert!(poor_outcome_probability(0.1, 120.0) < poor_outcome_probability(0.1, 240.0));
    }
}
