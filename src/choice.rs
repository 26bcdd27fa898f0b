//! Pure choice maths: a multinomial logit whose cost weight is gated by
//! the quality gap between the grassroots and the hospitals.
//!
//! ```text
//! V_j  = asc[tier][severity] + b_quality*quality_j + b_cost*income_mult*G*OOP_j
//!      + b_travel*travel_hours_j + b_wait*expected_wait_hours_j + b_contract*[contracted_j]
//! G    = exp(-cost_quality_gate * gap)
//! gap  = max(0, weakest hospital's quality - best grassroots quality in the choice set)
//! P(j) = exp(V_j) / sum_k exp(V_k)
//! ```
//! `OOP_j` is the episode's expected out-of-pocket cost there
//! ([`crate::levers::payment`]). The gate `G` is the cost-quality
//! interaction that makes quality gate price (Wenzhou: 14% of patients said
//! tiered copayment changed their choice, 51% would if quality were equal):
//! when the grassroots are far below the hospitals, patients choose on
//! quality and a reimbursement gap moves few of them; as the gap closes,
//! the full price sensitivity `b_cost` returns. `G` is one number per
//! choice (so prices still rank facilities within a tier as before), set
//! by the qualities on offer at that moment (rotation boosts included). A
//! choice set without one of the two nests has gap 0. With
//! `cost_quality_gate = 0`, `G = 1` exactly and the model is the plain
//! multinomial logit. One uniform picks by cumulative sum in choice-set
//! order, so a choice costs exactly one draw.

use crate::scenario::{ChoiceParams, Severity, Tier};

/// What a patient weighs about one facility.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Alternative {
    /// Tier.
    pub tier: Tier,
    /// Quality score.
    pub quality: f64,
    /// Expected out-of-pocket cost of the episode there \[CNY\].
    pub oop: f64,
    /// Travel \[minutes\].
    pub travel_minutes: f64,
    /// Expected wait \[minutes\].
    pub wait_minutes: f64,
    /// Whether the patient holds a contract with it.
    pub contracted: bool,
}

/// How far the weakest hospital (county, regional) among `alts` is above
/// the best grassroots facility (village, township) \[quality points\]:
/// the step up in quality a patient weighs against the price difference.
/// Never below 0; 0 when either kind is missing.
pub fn quality_gap(alts: &[Alternative]) -> f64 {
    let quality = |grassroots: bool| {
        alts.iter()
            .filter(move |a| a.tier.is_grassroots() == grassroots)
            .map(|a| a.quality)
    };
    let best_grassroots = quality(true).fold(f64::NEG_INFINITY, f64::max);
    let weakest_hospital = quality(false).fold(f64::INFINITY, f64::min);
    let gap = weakest_hospital - best_grassroots;
    if gap.is_finite() { gap.max(0.0) } else { 0.0 }
}

/// The quality gate `G` on the cost weight of a choice among `alts`: 1
/// when the gate is off or the grassroots match the hospitals.
pub fn cost_gate(c: &ChoiceParams, alts: &[Alternative]) -> f64 {
    if c.cost_quality_gate == 0.0 {
        return 1.0;
    }
    (-c.cost_quality_gate * quality_gap(alts)).exp()
}

/// Systematic utility of one alternative; `cost_mult` multiplies `b_cost`
/// (the income group's multiplier times the quality gate).
pub fn utility(c: &ChoiceParams, severity: Severity, cost_mult: f64, a: &Alternative) -> f64 {
    c.asc[a.tier as usize][severity as usize]
        + c.b_quality * a.quality
        + c.b_cost * cost_mult * a.oop
        + c.b_travel * a.travel_minutes / 60.0
        + c.b_wait * a.wait_minutes / 60.0
        + if a.contracted { c.b_contract } else { 0.0 }
}

/// The utilities of `alts` for a patient of `severity` whose income group
/// has cost multiplier `income_mult`, into `out` (cleared first).
pub fn utilities(c: &ChoiceParams, severity: Severity, income_mult: f64, alts: &[Alternative], out: &mut Vec<f64>) {
    let cost_mult = income_mult * cost_gate(c, alts);
    out.clear();
    out.extend(alts.iter().map(|a| utility(c, severity, cost_mult, a)));
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

    fn params() -> ChoiceParams {
        ChoiceParams {
            nearest_per_tier: 1,
            max_travel_minutes: 100.0,
            beliefs: crate::scenario::Beliefs::None,
            b_quality: 0.0,
            b_cost: 0.0,
            b_travel: -1.0,
            b_wait: -2.0,
            b_contract: 0.5,
            cost_quality_gate: 0.0,
            asc: [[0.0; 4]; 4],
        }
    }

    fn alt(tier: Tier, quality: f64, oop: f64) -> Alternative {
        Alternative {
            tier,
            quality,
            oop,
            travel_minutes: 0.0,
            wait_minutes: 0.0,
            contracted: false,
        }
    }

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
        let mut c = params();
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

    #[test]
    fn the_gap_is_the_weakest_hospital_over_the_best_grassroots() {
        let set = [
            alt(Tier::Village, 1.0, 0.0),
            alt(Tier::Township, 2.0, 0.0),
            alt(Tier::County, 3.5, 0.0),
            alt(Tier::Regional, 4.5, 0.0),
        ];
        assert_eq!(quality_gap(&set), 1.5);
        // Grassroots better than the hospitals: no gap, not a negative one.
        assert_eq!(
            quality_gap(&[alt(Tier::Township, 4.0, 0.0), alt(Tier::County, 3.0, 0.0)]),
            0.0
        );
        // One kind missing: nothing to compare.
        assert_eq!(quality_gap(&set[2..]), 0.0);
        assert_eq!(quality_gap(&[]), 0.0);
    }

    /// Defect 5 (#12): a reimbursement gap moved patients as much whatever
    /// the quality gap. The gate scales the cost weight by exp(-k * gap).
    #[test]
    fn quality_gates_price() {
        let mut c = params();
        c.b_cost = -0.01;
        c.cost_quality_gate = 0.8;
        let low = [alt(Tier::Township, 1.0, 100.0), alt(Tier::County, 3.0, 300.0)];
        let equal = [alt(Tier::Township, 3.0, 100.0), alt(Tier::County, 3.0, 300.0)];
        assert!((cost_gate(&c, &low) - (-1.6f64).exp()).abs() < 1e-15);
        assert_eq!(cost_gate(&c, &equal), 1.0);
        let mut v = Vec::new();
        utilities(&c, Severity::Mild, 2.0, &low, &mut v);
        assert!((v[0] - (1.0 * 0.0 - 0.01 * 2.0 * (-1.6f64).exp() * 100.0)).abs() < 1e-12);
        // The price difference of 200 counts fully at equal quality, a fifth at a gap of 2.
        let cost_difference = |set: &[Alternative], v: &mut Vec<f64>| {
            utilities(&c, Severity::Mild, 1.0, set, v);
            v[0] - v[1]
        };
        assert!((cost_difference(&equal, &mut v) - 2.0).abs() < 1e-12);
        assert!((cost_difference(&low, &mut v) - 2.0 * (-1.6f64).exp()).abs() < 1e-12);
    }

    #[test]
    fn a_gate_of_zero_is_the_plain_logit_to_the_bit() {
        let mut c = params();
        c.b_cost = -0.013;
        c.b_quality = 0.7;
        let set = [alt(Tier::Village, 1.0, 37.3), alt(Tier::Regional, 4.5, 291.7)];
        let mut v = Vec::new();
        utilities(&c, Severity::Moderate, 1.7, &set, &mut v);
        let plain: Vec<f64> = set.iter().map(|a| utility(&c, Severity::Moderate, 1.7, a)).collect();
        assert_eq!(v, plain);
    }
}
