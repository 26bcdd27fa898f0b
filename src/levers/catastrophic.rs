//! `[catastrophic]`: how catastrophic health expenditure is defined. On
//! by default (the section only chooses the definition). README:
//! "[catastrophic]"; `docs/model.md`: "Outcomes".
//!
//! # The two definitions
//! A resident's out-of-pocket spending `x` over a year (after the fund and
//! any serious-illness payer; the `_before_serious_illness` figure before
//! the second payer) is catastrophic when
//!
//! - `income_share` (SDG 3.8.2, the default): `x > threshold * income`,
//!   `threshold` 0.10 by default (0.25 is the indicator's other cut-off);
//! - `capacity_to_pay` (WHO): `x >= threshold * (income - subsistence)`,
//!   `threshold` 0.40 by default; a resident whose income does not exceed
//!   `subsistence` has no capacity to pay, and any spending is catastrophic.
//!
//! `income` is the resident's income group's
//! (`population.income_group[i].income`). No spending is never
//! catastrophic. How a year is measured when the measured window is not a
//! whole year is the recorder's (`crate::metrics`, "Groups").

use super::{Context, Lever};
use crate::scenario::validate::Checker;

raw_section! {
    /// `[catastrophic]`: the definition of catastrophic health expenditure.
    pub struct RawCatastrophic {
        pub definition: Option<String>,
        pub threshold: Option<f64>,
        pub subsistence: Option<f64>,
    }
}

/// Which definition of catastrophic health expenditure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Definition {
    /// SDG 3.8.2: above a share of income.
    IncomeShare,
    /// WHO: at least a share of capacity to pay (income net of subsistence).
    CapacityToPay,
}

impl Definition {
    /// Its name in a scenario file.
    pub fn name(self) -> &'static str {
        match self {
            Definition::IncomeShare => "income_share",
            Definition::CapacityToPay => "capacity_to_pay",
        }
    }

    /// The threshold used when none is given.
    fn default_threshold(self) -> f64 {
        match self {
            Definition::IncomeShare => 0.10,
            Definition::CapacityToPay => 0.40,
        }
    }
}

/// The checked `[catastrophic]` section.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Catastrophic {
    /// The definition.
    pub definition: Definition,
    /// The share of income (or of capacity to pay) in (0, 1].
    pub threshold: f64,
    /// Yearly subsistence spending per person, taken off income for the
    /// capacity to pay \[CNY\] (unused by `income_share`).
    pub subsistence: f64,
}

/// Default yearly subsistence spending per person: about 500 CNY a month,
/// illustrative (no national figure in `docs/data-sources.md`).
pub const SUBSISTENCE: f64 = 6_000.0;

impl Default for Catastrophic {
    fn default() -> Catastrophic {
        Catastrophic {
            definition: Definition::IncomeShare,
            threshold: Definition::IncomeShare.default_threshold(),
            subsistence: SUBSISTENCE,
        }
    }
}

impl Catastrophic {
    /// The yearly spending a resident with `income` must pass (or, under
    /// `capacity_to_pay`, reach) for it to be catastrophic, scaled by
    /// `years` (the share of a year measured) \[CNY\].
    pub fn line(&self, income: f64, years: f64) -> f64 {
        let base = match self.definition {
            Definition::IncomeShare => income,
            Definition::CapacityToPay => (income - self.subsistence).max(0.0),
        };
        self.threshold * base * years
    }

    /// Whether spending `oop` is catastrophic against `line` ([`Catastrophic::line`]).
    pub fn is_catastrophic(&self, oop: f64, line: f64) -> bool {
        oop > 0.0
            && match self.definition {
                Definition::IncomeShare => oop > line,
                Definition::CapacityToPay => oop >= line,
            }
    }
}

fn definition(c: &mut Checker, v: Option<&String>) -> Definition {
    match v.map(String::as_str) {
        None | Some("income_share") => Definition::IncomeShare,
        Some("capacity_to_pay") => Definition::CapacityToPay,
        Some(other) => {
            c.push(
                "catastrophic.definition",
                format!(
                    "`{other}`: expected \"income_share\" (SDG 3.8.2: above `threshold` of income) or \
                     \"capacity_to_pay\" (WHO: at least `threshold` of income net of `subsistence`)"
                ),
            );
            Definition::IncomeShare
        }
    }
}

impl Lever for Catastrophic {
    type Raw = Option<RawCatastrophic>;

    fn check(c: &mut Checker, raw: &Option<RawCatastrophic>, _: &Context) -> Catastrophic {
        let raw = raw.clone().unwrap_or_default();
        let definition = definition(c, raw.definition.as_ref());
        let threshold = c.number(
            "catastrophic.threshold",
            raw.threshold,
            definition.default_threshold(),
            |x| x > 0.0 && x <= 1.0,
            "a share > 0 and <= 1",
        );
        Catastrophic {
            definition,
            threshold,
            subsistence: c.non_negative("catastrophic.subsistence", raw.subsistence, SUBSISTENCE),
        }
    }

    fn to_raw(&self) -> Option<RawCatastrophic> {
        Some(RawCatastrophic {
            definition: Some(self.definition.name().to_string()),
            threshold: Some(self.threshold),
            subsistence: Some(self.subsistence),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn defaults() {
        assert_eq!(checked_default::<Catastrophic>(), Catastrophic::default());
        let c = accepted::<Catastrophic>(&raw("definition = \"capacity_to_pay\""));
        assert_eq!((c.definition, c.threshold), (Definition::CapacityToPay, 0.40));
    }

    /// The arithmetic of both definitions by hand.
    #[test]
    fn catastrophic_spending_is_measured_against_the_definitions_line() {
        let sdg = Catastrophic::default();
        // 10% of 20,000 over a whole year is 2,000; over half a year 1,000.
        assert_eq!(sdg.line(20_000.0, 1.0), 2_000.0);
        assert_eq!(sdg.line(20_000.0, 0.5), 1_000.0);
        assert!(
            !sdg.is_catastrophic(2_000.0, 2_000.0),
            "SDG 3.8.2 asks for more than the share"
        );
        assert!(sdg.is_catastrophic(2_000.5, 2_000.0));
        let who = accepted::<Catastrophic>(&raw("definition = \"capacity_to_pay\"\nsubsistence = 5000"));
        // 40% of (20,000 - 5,000) = 6,000, reached counts.
        assert_eq!(who.line(20_000.0, 1.0), 6_000.0);
        assert!(who.is_catastrophic(6_000.0, 6_000.0));
        assert!(!who.is_catastrophic(5_999.0, 6_000.0));
        // No capacity to pay: any spending, but not none.
        assert_eq!(who.line(4_000.0, 1.0), 0.0);
        assert!(who.is_catastrophic(1.0, 0.0));
        assert!(!who.is_catastrophic(0.0, 0.0));
    }

    #[test]
    fn out_of_range_values_are_named_by_their_key() {
        let p = refused::<Catastrophic>(&raw("definition = \"who\""), "catastrophic.definition");
        assert!(p.message.contains("capacity_to_pay"), "{p:?}");
        refused::<Catastrophic>(&raw("threshold = 0"), "catastrophic.threshold");
        refused::<Catastrophic>(&raw("threshold = 1.5"), "catastrophic.threshold");
        refused::<Catastrophic>(&raw("subsistence = -1"), "catastrophic.subsistence");
    }

    /// The resolved scenario (`scenario.toml` of a run) keeps the
    /// definition and the groups' incomes.
    #[test]
    fn the_resolved_scenario_keeps_the_definition_and_incomes() {
        let text = format!(
            "{BASE}[catastrophic]\ndefinition = \"capacity_to_pay\"\nsubsistence = 7000\n\
             [[population.income_group]]\nshare = 1\nincome = 21691\n"
        );
        let first = scenario(&text).expect("valid");
        let resolved = crate::scenario::resolved::to_toml(&first);
        let second = scenario(&resolved).expect("the resolved scenario is valid");
        assert_eq!(first.catastrophic, second.catastrophic);
        assert_eq!(second.catastrophic.definition, Definition::CapacityToPay);
        assert_eq!(second.population.income_groups[0].income, 21_691.0);
    }

    #[test]
    fn round_trip() {
        round_trips::<Catastrophic>(&None);
        round_trips::<Catastrophic>(&raw(
            "definition = \"capacity_to_pay\"\nthreshold = 0.3\nsubsistence = 7000",
        ));
    }
}
