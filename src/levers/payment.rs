//! `[policy]`: reimbursement rates and deductibles per tier, the employee
//! scheme, the annual cap, the referral requirement with its penalty, and
//! gatekeeping (contracted residents go to their grassroots facility
//! first; see [`super::contract`]). README: "[policy]"; `docs/model.md`:
//! "Payment".

use serde::{Deserialize, Serialize};

use super::{Context, Lever};
use crate::scenario::Tier;
use crate::scenario::raw::{PerTier, TierName};
use crate::scenario::validate::Checker;

/// `[policy]`
#[allow(missing_docs)] // Keys are documented in README.md ("[policy]").
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    pub outpatient: Option<RawPayment>,
    pub inpatient: Option<RawPayment>,
    pub employee: Option<RawSchemePolicy>,
    pub annual_cap: Option<f64>,
    pub referral_required_from: Option<TierName>,
    pub unreferred_penalty: Option<f64>,
    pub gatekeeping: Option<bool>,
}

/// `[policy.employee]`: the employee scheme's rates (default: the resident scheme's).
#[allow(missing_docs)] // Keys are documented in README.md ("[policy]").
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSchemePolicy {
    pub outpatient: Option<RawPayment>,
    pub inpatient: Option<RawPayment>,
    pub annual_cap: Option<f64>,
}

/// `[policy.outpatient]`
#[allow(missing_docs)] // Keys are documented in README.md ("[policy]").
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPayment {
    pub rate: Option<PerTier<f64>>,
    pub deductible: Option<PerTier<f64>>,
}

/// Payment rules.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Policy {
    /// Rates, deductibles and caps per scheme (resident, employee).
    pub schemes: [SchemePolicy; 2],
    /// Self-referred care at this tier or above is reimbursed at a penalty.
    pub referral_required_from: Option<Tier>,
    /// Rate points taken off self-referred care from `referral_required_from` up.
    pub unreferred_penalty: f64,
    /// Contracted residents' first visit goes to their contracted grassroots facility.
    pub gatekeeping: bool,
}

/// One scheme's payment rules.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SchemePolicy {
    /// Outpatient reimbursement rate per tier, in [0, 1].
    pub outpatient_rate: [f64; 4],
    /// Outpatient deductible per visit, per tier \[CNY\].
    pub outpatient_deductible: [f64; 4],
    /// Inpatient reimbursement rate per tier, in [0, 1].
    pub inpatient_rate: [f64; 4],
    /// Inpatient deductible per admission, per tier \[CNY\].
    pub inpatient_deductible: [f64; 4],
    /// Most the fund pays per resident per year \[CNY\]; `None`: no cap.
    pub annual_cap: Option<f64>,
}

/// Rates and deductibles per tier: (rate, deductible).
type Payment = ([f64; 4], [f64; 4]);

/// Outpatient: half of every visit, no deductible.
const OUTPATIENT: Payment = ([0.5; 4], [0.0; 4]);
/// Inpatient defaults follow one example county scheme (docs/data-sources.md):
/// township 90% above 100, county ~70% above 400, regional ~55% above 1,200.
const INPATIENT: Payment = ([0.9, 0.9, 0.7, 0.55], [0.0, 100.0, 400.0, 1200.0]);

fn payment(c: &mut Checker, path: &str, raw: Option<&RawPayment>, base: Payment) -> Payment {
    let raw = raw.cloned().unwrap_or_default();
    (
        c.per_tier(&format!("{path}.rate"), raw.rate.as_ref(), base.0, Checker::probability),
        c.per_tier(
            &format!("{path}.deductible"),
            raw.deductible.as_ref(),
            base.1,
            Checker::non_negative,
        ),
    )
}

fn cap(c: &mut Checker, path: &str, v: Option<f64>, default: Option<f64>) -> Option<f64> {
    v.map(|x| c.non_negative(path, Some(x), 0.0)).or(default)
}

/// A scheme from its outpatient and inpatient payments and its cap.
fn scheme((out_rate, out_ded): Payment, (in_rate, in_ded): Payment, annual_cap: Option<f64>) -> SchemePolicy {
    SchemePolicy {
        outpatient_rate: out_rate,
        outpatient_deductible: out_ded,
        inpatient_rate: in_rate,
        inpatient_deductible: in_ded,
        annual_cap,
    }
}

/// The employee scheme: the resident scheme's rules where it says nothing.
fn employee(c: &mut Checker, e: Option<&RawSchemePolicy>, resident: &SchemePolicy) -> SchemePolicy {
    let e = e.cloned().unwrap_or_default();
    let outpatient = (resident.outpatient_rate, resident.outpatient_deductible);
    let inpatient = (resident.inpatient_rate, resident.inpatient_deductible);
    let outpatient = payment(c, "policy.employee.outpatient", e.outpatient.as_ref(), outpatient);
    let inpatient = payment(c, "policy.employee.inpatient", e.inpatient.as_ref(), inpatient);
    let annual_cap = cap(c, "policy.employee.annual_cap", e.annual_cap, resident.annual_cap);
    scheme(outpatient, inpatient, annual_cap)
}

fn raw_payment(rate: [f64; 4], deductible: [f64; 4]) -> Option<RawPayment> {
    Some(RawPayment {
        rate: Some(PerTier::full(rate)),
        deductible: Some(PerTier::full(deductible)),
    })
}

impl Lever for Policy {
    type Raw = Option<RawPolicy>;

    fn check(c: &mut Checker, raw: &Option<RawPolicy>, _: &Context) -> Policy {
        let p = raw.clone().unwrap_or_default();
        let outpatient = payment(c, "policy.outpatient", p.outpatient.as_ref(), OUTPATIENT);
        let inpatient = payment(c, "policy.inpatient", p.inpatient.as_ref(), INPATIENT);
        let annual_cap = cap(c, "policy.annual_cap", p.annual_cap, None);
        let resident = scheme(outpatient, inpatient, annual_cap);
        let employee = employee(c, p.employee.as_ref(), &resident);
        Policy {
            schemes: [resident, employee],
            referral_required_from: p.referral_required_from.map(TierName::tier),
            unreferred_penalty: c.probability("policy.unreferred_penalty", p.unreferred_penalty, 0.0),
            gatekeeping: p.gatekeeping.unwrap_or(false),
        }
    }

    fn to_raw(&self) -> Option<RawPolicy> {
        let [r, e] = self.schemes;
        Some(RawPolicy {
            outpatient: raw_payment(r.outpatient_rate, r.outpatient_deductible),
            inpatient: raw_payment(r.inpatient_rate, r.inpatient_deductible),
            employee: Some(RawSchemePolicy {
                outpatient: raw_payment(e.outpatient_rate, e.outpatient_deductible),
                inpatient: raw_payment(e.inpatient_rate, e.inpatient_deductible),
                annual_cap: e.annual_cap,
            }),
            annual_cap: r.annual_cap,
            referral_required_from: self.referral_required_from.map(TierName::of),
            unreferred_penalty: Some(self.unreferred_penalty),
            gatekeeping: Some(self.gatekeeping),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn defaults() {
        let (p, problems) = check::<Policy>(&None);
        assert!(problems.is_empty());
        assert_eq!(p.schemes[0].outpatient_rate, [0.5; 4]);
        assert_eq!(p.schemes[0].inpatient_deductible, INPATIENT.1);
        assert_eq!(p.schemes[0], p.schemes[1]);
        assert_eq!(p.schemes[0].annual_cap, None);
        assert_eq!(p.referral_required_from, None);
        assert!(!p.gatekeeping);
    }

    #[test]
    fn the_employee_scheme_follows_the_resident_one() {
        let (p, _) = check::<Policy>(&raw("annual_cap = 5000\noutpatient.rate.county = 0.3"));
        assert_eq!(p.schemes[1].annual_cap, Some(5000.0));
        assert_eq!(p.schemes[1].outpatient_rate[2], 0.3);
    }

    #[test]
    fn out_of_range_values_are_named_by_their_key() {
        refused::<Policy>(
            &raw("employee.inpatient.rate.township = 1.5"),
            "policy.employee.inpatient.rate.township",
        );
        let p = refused::<Policy>(&raw("unreferred_penalty = -0.1"), "policy.unreferred_penalty");
        assert!(p.message.contains("probability"), "{p:?}");
    }

    #[test]
    fn round_trip() {
        round_trips::<Policy>(&None);
        round_trips::<Policy>(&raw(
            "referral_required_from = \"county\"\nunreferred_penalty = 0.2\ngatekeeping = true\nemployee.annual_cap = 9",
        ));
    }
}
