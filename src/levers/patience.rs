//! `[patience]`: patients leaving unseen after an exponential patience,
//! and trying another facility with `retry_prob`. Off unless the section
//! is given. README: "[patience]"; `docs/model.md`: "Patience, reneging
//! and retry".

use serde::{Deserialize, Serialize};

use super::{Context, Lever};
use crate::scenario::validate::Checker;

/// `[patience]`
#[allow(missing_docs)] // Keys are documented in README.md ("[patience]").
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPatience {
    pub mean_minutes: Option<f64>,
    pub retry_prob: Option<f64>,
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

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    type P = Option<Patience>;

    #[test]
    fn defaults() {
        assert_eq!(check::<P>(&None).0, None);
        let (p, problems) = check::<P>(&raw(""));
        assert!(problems.is_empty());
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
