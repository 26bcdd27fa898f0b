//! `[admission]`: inpatient admission after treatment, length of stay and
//! boarding. README: "[admission]"; `docs/model.md`: "Admission, beds,
//! boarding and transfers".

use serde::{Deserialize, Serialize};

use super::{Context, Lever};
use crate::scenario::raw::PerSeverity;
use crate::scenario::validate::Checker;

/// `[admission]`
#[allow(missing_docs)] // Keys are documented in README.md ("[admission]").
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawAdmission {
    pub prob: Option<PerSeverity<f64>>,
    pub max_boarding_hours: Option<f64>,
    pub los_cv: Option<f64>,
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

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn defaults() {
        let (a, problems) = check::<Admission>(&None);
        assert!(problems.is_empty());
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
