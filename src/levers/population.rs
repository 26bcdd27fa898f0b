//! `[population]`: residents' insurance schemes (`employee_share`) and
//! income groups, whose `cost_multiplier` scales `b_cost` and whose
//! yearly per-capita `income` is what catastrophic spending and the
//! concentration indices measure against (`catastrophic`). README:
//! "[population]"; `docs/model.md`: "Entities" and "Payment".

use super::{Context, Lever};
use crate::scenario::validate::Checker;

raw_section! {
    /// `[population]`: insurance schemes and income groups of residents.
    pub struct RawPopulation {
        pub employee_share: Option<f64>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub income_group: Vec<RawIncomeGroup>,
    }
}

raw_section! {
    /// `[[population.income_group]]`
    pub struct RawIncomeGroup {
        pub name: Option<String>,
        pub share: Option<f64>,
        pub cost_multiplier: Option<f64>,
        pub income: Option<f64>,
    }
}

/// The income of the default single group `all`: per-capita disposable
/// income 2023, national \[CNY per year\] (`docs/data-sources.md`, [incomes]).
pub const NATIONAL_INCOME: f64 = 39_218.0;

/// Insurance schemes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Scheme {
    /// Urban and rural resident scheme.
    Resident = 0,
    /// Employee scheme.
    Employee = 1,
}

/// Residents' schemes and income groups.
#[derive(Clone, Debug, PartialEq)]
pub struct PopulationParams {
    /// Share of residents in the employee scheme.
    pub employee_share: f64,
    /// Income groups; shares sum to 1.
    pub income_groups: Vec<IncomeGroup>,
}

/// An income group.
#[derive(Clone, Debug, PartialEq)]
pub struct IncomeGroup {
    /// Name.
    pub name: String,
    /// Share of residents.
    pub share: f64,
    /// Multiplies `b_cost` (higher: more cost-sensitive).
    pub cost_multiplier: f64,
    /// Yearly disposable income per person \[CNY\] (> 0).
    pub income: f64,
}

/// Each group as given, unnamed ones numbered.
fn groups(c: &mut Checker, raw: &[RawIncomeGroup]) -> Vec<IncomeGroup> {
    raw.iter()
        .enumerate()
        .map(|(i, g)| {
            let path = format!("population.income_group[{i}]");
            IncomeGroup {
                name: g.name.clone().unwrap_or_else(|| format!("group {}", i + 1)),
                share: c.probability(&format!("{path}.share"), g.share, 0.0),
                cost_multiplier: c.non_negative(&format!("{path}.cost_multiplier"), g.cost_multiplier, 1.0),
                income: income(c, &path, g.income),
            }
        })
        .collect()
}

/// A group's yearly income: required, since catastrophic spending is
/// measured against it and no default fits a group the user defined.
fn income(c: &mut Checker, path: &str, v: Option<f64>) -> f64 {
    let path = format!("{path}.income");
    match v {
        None => {
            c.push(
                path,
                "missing: every income group needs its yearly per-capita `income` [CNY], > 0 \
                 (e.g. 21691 rural or 51821 urban, 2023)",
            );
            NATIONAL_INCOME
        }
        Some(_) => c.positive(&path, v, NATIONAL_INCOME),
    }
}

/// One group `all` when none is given; else at most 255, shares summing to 1.
fn check_groups(c: &mut Checker, income_groups: &mut Vec<IncomeGroup>) {
    if income_groups.is_empty() {
        income_groups.push(IncomeGroup {
            name: "all".into(),
            share: 1.0,
            cost_multiplier: 1.0,
            income: NATIONAL_INCOME,
        });
    } else if income_groups.len() > 255 {
        c.push("population.income_group", "at most 255 income groups");
    } else {
        let sum: f64 = income_groups.iter().map(|g| g.share).sum();
        if (sum - 1.0).abs() > 1e-6 {
            c.push("population.income_group", format!("shares sum to {sum}: expected 1"));
        }
    }
}

impl Lever for PopulationParams {
    type Raw = Option<RawPopulation>;

    fn check(c: &mut Checker, raw: &Option<RawPopulation>, _: &Context) -> PopulationParams {
        let p = raw.clone().unwrap_or_default();
        let employee_share = c.probability("population.employee_share", p.employee_share, 0.0);
        let mut income_groups = groups(c, &p.income_group);
        check_groups(c, &mut income_groups);
        PopulationParams {
            employee_share,
            income_groups,
        }
    }

    fn to_raw(&self) -> Option<RawPopulation> {
        Some(RawPopulation {
            employee_share: Some(self.employee_share),
            income_group: self
                .income_groups
                .iter()
                .map(|g| RawIncomeGroup {
                    name: Some(g.name.clone()),
                    share: Some(g.share),
                    cost_multiplier: Some(g.cost_multiplier),
                    income: Some(g.income),
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn defaults() {
        let p = checked_default::<PopulationParams>();
        assert_eq!(p.employee_share, 0.0);
        assert_eq!(
            p.income_groups,
            [IncomeGroup {
                name: "all".into(),
                share: 1.0,
                cost_multiplier: 1.0,
                income: NATIONAL_INCOME,
            }]
        );
    }

    #[test]
    fn out_of_range_values_are_named_by_their_key() {
        refused::<PopulationParams>(&raw("employee_share = -0.5"), "population.employee_share");
        let text = "[[income_group]]\nshare = 0.5\nincome = 1\n[[income_group]]\nshare = 0.4\nincome = 1";
        let p = refused::<PopulationParams>(&raw(text), "population.income_group");
        assert!(p.message.contains("shares sum to"), "{p:?}");
    }

    /// Defect (#13): an income group had no income, so catastrophic
    /// spending had nothing to be measured against.
    #[test]
    fn an_income_group_without_income_is_refused() {
        let text = "[[income_group]]\nshare = 0.5\nincome = 20000\n[[income_group]]\nshare = 0.5";
        let p = refused::<PopulationParams>(&raw(text), "population.income_group[1].income");
        assert!(p.message.contains("missing") && p.message.contains("> 0"), "{p:?}");
        let text = "[[income_group]]\nshare = 1\nincome = 0";
        let p = refused::<PopulationParams>(&raw(text), "population.income_group[0].income");
        assert!(p.message.contains("> 0"), "{p:?}");
    }

    #[test]
    fn round_trip() {
        round_trips::<PopulationParams>(&None);
        round_trips::<PopulationParams>(&raw(
            "employee_share = 0.3\n[[income_group]]\nshare = 0.25\ncost_multiplier = 2\nincome = 21691\n\
             [[income_group]]\nname = \"rich\"\nshare = 0.75\nincome = 51821",
        ));
    }
}
