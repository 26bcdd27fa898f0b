//! Pure payment rules: who pays what for a visit.
//!
//! The fund pays rate * (price - deductible)+ and the patient pays the
//! rest, so fund + out-of-pocket = price exactly for every visit.

use crate::scenario::{Policy, Tier};

/// How one bill is split [CNY].
#[derive(Clone, Copy, Debug, PartialEq)]
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

/// The split of an outpatient bill at a facility of `tier`.
pub fn outpatient(policy: &Policy, tier: Tier, price: f64) -> Payment {
    split(
        price,
        policy.outpatient_rate[tier as usize],
        policy.outpatient_deductible[tier as usize],
    )
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

    #[test]
    fn price_below_deductible_is_all_out_of_pocket() {
        assert_eq!(split(10.0, 0.9, 20.0), Payment { fund: 0.0, oop: 10.0 });
    }
}
