//! Pure multinomial-logit maths for facility choice.
//!
//! ```text
//! V = asc[tier][severity] + b_quality*quality + b_cost*income_mult*OOP
//!   + b_travel*travel_hours + b_wait*expected_wait_hours + b_contract*[contracted]
//! P(j) = exp(V_j) / sum_k exp(V_k)
//! ```
//! One uniform picks by cumulative sum in choice-set order, so a choice
//! costs exactly one draw.

use crate::scenario::{ChoiceParams, Severity, Tier};

/// What a patient weighs about one facility.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Alternative {
    /// Tier.
    pub tier: Tier,
    /// Quality score.
    pub quality: f64,
    /// Out-of-pocket cost of one visit \[CNY\].
    pub oop: f64,
    /// Travel \[minutes\].
    pub travel_minutes: f64,
    /// Expected wait \[minutes\].
    pub wait_minutes: f64,
    /// Whether the patient holds a contract with it.
    pub contracted: bool,
}

/// Systematic utility of one alternative.
pub fn utility(c: &ChoiceParams, severity: Severity, income_mult: f64, a: &Alternative) -> f64 {
    c.asc[a.tier as usize][severity as usize]
        + c.b_quality * a.quality
        + c.b_cost * income_mult * a.oop
        + c.b_travel * a.travel_minutes / 60.0
        + c.b_wait * a.wait_minutes / 60.0
        + if a.contracted { c.b_contract } else { 0.0 }
}

/// Logit probabilities of `utilities` (numerically stable softmax).
pub fn probabilities(utilities: &[f64]) -> Vec<f64> {
    let max = utilities.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let exp: Vec<f64> = utilities.iter().map(|v| (v - max).exp()).collect();
    let sum: f64 = exp.iter().sum();
    exp.into_iter().map(|e| e / sum).collect()
}

/// Picks an index with logit probabilities using one uniform `u` in [0, 1).
/// `weights` is scratch space (reused to avoid allocating per choice).
/// Returns `None` for an empty set.
pub fn pick(utilities: &[f64], u: f64, weights: &mut Vec<f64>) -> Option<usize> {
    let max = utilities.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    weights.clear();
    let mut sum = 0.0;
    for v in utilities {
        sum += (v - max).exp();
        weights.push(sum);
    }
    let target = u * sum;
    // The last index absorbs rounding at the top end.
    let idx = weights
        .iter()
        .position(|&w| target < w)
        .unwrap_or(utilities.len().checked_sub(1)?);
    Some(idx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_are_softmax() {
        let p = probabilities(&[0.0, (2f64).ln()]);
        assert!((p[0] - 1.0 / 3.0).abs() < 1e-12);
        assert!((p[1] - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn pick_follows_cumulative_order() {
        let mut w = Vec::new();
        let v = [0.0, 0.0, 0.0, 0.0];
        assert_eq!(pick(&v, 0.0, &mut w), Some(0));
        assert_eq!(pick(&v, 0.26, &mut w), Some(1));
        assert_eq!(pick(&v, 0.99, &mut w), Some(3));
        assert_eq!(pick(&[], 0.5, &mut w), None);
    }

    #[test]
    fn huge_utilities_do_not_overflow() {
        let p = probabilities(&[1000.0, 999.0]);
        assert!(p.iter().all(|x| x.is_finite()));
        assert!(p[0] > p[1]);
    }

    #[test]
    fn each_coefficient_enters_with_its_unit() {
        let mut c = ChoiceParams {
            nearest_per_tier: 1,
            max_travel_minutes: 100.0,
            beliefs: crate::scenario::Beliefs::None,
            b_quality: 0.0,
            b_cost: 0.0,
            b_travel: -1.0,
            b_wait: -2.0,
            b_contract: 0.5,
            asc: [[0.0; 4]; 4],
        };
        c.asc[1][2] = 0.25;
        let a = Alternative {
            tier: Tier::Township,
            quality: 3.0,
            oop: 100.0,
            travel_minutes: 30.0,
            wait_minutes: 60.0,
            contracted: true,
        };
        // 0.25 - 1 * 0.5 h - 2 * 1 h + 0.5
        assert!((utility(&c, Severity::Severe, 1.0, &a) - (0.25 - 0.5 - 2.0 + 0.5)).abs() < 1e-12);
    }
}
