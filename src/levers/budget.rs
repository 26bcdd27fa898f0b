//! `[budget]`: the medical community's global budget per resident and
//! year, against which the fund's payments are set. Off unless the
//! section is given. README: "[budget]"; `docs/model.md`: "Global budgets".

use super::{Context, Lever};
use crate::scenario::validate::Checker;

raw_section! {
    /// `[budget]`: medical community global budget.
    pub struct RawBudget {
        pub per_capita_year: Option<f64>,
    }
}

/// Medical community global budget.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Budget {
    /// Budget per resident per year \[CNY\].
    pub per_capita_year: f64,
}

impl Lever for Option<Budget> {
    type Raw = Option<RawBudget>;

    fn check(c: &mut Checker, raw: &Option<RawBudget>, _: &Context) -> Option<Budget> {
        raw.as_ref().map(|b| Budget {
            per_capita_year: c.non_negative("budget.per_capita_year", b.per_capita_year, 0.0),
        })
    }

    fn to_raw(&self) -> Option<RawBudget> {
        self.map(|b| RawBudget {
            per_capita_year: Some(b.per_capita_year),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    type B = Option<Budget>;

    #[test]
    fn defaults() {
        assert_eq!(check::<B>(&None).0, None);
        let b = accepted::<B>(&Some(RawBudget::default()));
        assert_eq!(b, Some(Budget { per_capita_year: 0.0 }));
    }

    #[test]
    fn out_of_range_values_are_named_by_their_key() {
        let raw = Some(RawBudget {
            per_capita_year: Some(-5.0),
        });
        refused::<B>(&raw, "budget.per_capita_year");
    }

    #[test]
    fn round_trip() {
        round_trips::<B>(&None);
        round_trips::<B>(&Some(RawBudget {
            per_capita_year: Some(800.0),
        }));
    }
}
