//! Pure payment rules: who pays what for a visit or an admission.
//!
//! The fund pays rate * (price - deductible)+, limited by what is left of
//! the resident's yearly cap, and the patient pays the rest, so fund +
//! out-of-pocket = price exactly for every bill. Self-referred care at or
//! above `referral_required_from` is reimbursed at rate - penalty.

use crate::scenario::{Policy, Scheme, Tier};

/// Outpatient visit or inpatient admission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Care {
    /// One outpatient visit.
    Outpatient,
    /// One admission (billed at discharge).
    Inpatient,
}

/// How one bill is split \[CNY\].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Payment {
    /// Paid by the insurance fund.
    pub fund: f64,
    /// Paid by the patient.
    pub oop: f64,
}

/// Splits `price` given a reimbursement `rate` and a `deductible`.
pub fn split(price: f64, rate: f64, deductible: f64) -> Payment {
    let fund = rate * (price - deductible).max(0.0);
    Payment {
        fund,
        oop: price - fund,
    }
}

/// Reimbursement rate and deductible for one bill.
pub fn terms(policy: &Policy, scheme: Scheme, care: Care, tier: Tier, self_referred: bool) -> (f64, f64) {
    let s = &policy.schemes[scheme as usize];
    let t = tier as usize;
    let (rate, deductible) = match care {
        Care::Outpatient => (s.outpatient_rate[t], s.outpatient_deductible[t]),
        Care::Inpatient => (s.inpatient_rate[t], s.inpatient_deductible[t]),
    };
    let penalised = self_referred && policy.referral_required_from.is_some_and(|from| tier >= from);
    let rate = if penalised {
        (rate - policy.unreferred_penalty).max(0.0)
    } else {
        rate
    };
    (rate, deductible)
}

/// The split of one bill; the fund pays at most `cap_room` (what is left of
/// the yearly cap; infinity without a cap).
pub fn bill(
    policy: &Policy,
    scheme: Scheme,
    care: Care,
    tier: Tier,
    price: f64,
    self_referred: bool,
    cap_room: f64,
) -> Payment {
    let (rate, deductible) = terms(policy, scheme, care, tier, self_referred);
    let p = split(price, rate, deductible);
    let fund = p.fund.min(cap_room.max(0.0));
    Payment {
        fund,
        oop: price - fund,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fund_pays_rate_above_deductible() {
        let p = split(100.0, 0.8, 20.0);
        assert!((p.fund - 64.0).abs() < 1e-12);
        assert!((p.oop - 36.0).abs() < 1e-12);
    }

    fn policy() -> Policy {
        let scheme = crate::scenario::SchemePolicy {
            outpatient_rate: [0.8, 0.7, 0.5, 0.3],
            outpatient_deductible: [0.0; 4],
            inpatient_rate: [0.9, 0.9, 0.7, 0.55],
            inpatient_deductible: [0.0, 100.0, 400.0, 1200.0],
            annual_cap: None,
        };
        Policy {
            schemes: [scheme, scheme],
            referral_required_from: Some(Tier::County),
            unreferred_penalty: 0.2,
            gatekeeping: false,
        }
    }

    #[test]
    fn self_referred_care_above_the_threshold_is_penalised() {
        let p = policy();
        let at = |tier, self_referred| terms(&p, Scheme::Resident, Care::Outpatient, tier, self_referred).0;
        assert_eq!(at(Tier::Township, true), 0.7);
        assert!((at(Tier::County, true) - 0.3).abs() < 1e-12);
        assert_eq!(at(Tier::County, false), 0.5);
        assert!((at(Tier::Regional, true) - 0.1).abs() < 1e-12);
    }

    #[test]
    fn inpatient_bills_use_inpatient_terms_and_the_cap() {
        let p = policy();
        // A county inpatient bill of 6,400 CNY, self-referred, with `room` left under the cap.
        let county_stay = |room| bill(&p, Scheme::Resident, Care::Inpatient, Tier::County, 6400.0, false, room);
        let b = county_stay(f64::INFINITY);
        assert!((b.fund - 0.7 * 6000.0).abs() < 1e-9);
        let capped = county_stay(1000.0);
        assert_eq!(
            capped,
            Payment {
                fund: 1000.0,
                oop: 5400.0
            }
        );
    }

    #[test]
    fn price_below_deductible_is_all_out_of_pocket() {
        assert_eq!(split(10.0, 0.9, 20.0), Payment { fund: 0.0, oop: 10.0 });
    }
}
