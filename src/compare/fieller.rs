//! A ratio of two means of paired differences, with its 95% interval by
//! Fieller's theorem.
//!
//! The delta method writes the ratio's interval as estimate ± t·se, which
//! is symmetric and finite even when the denominator's own interval
//! contains zero: there the ratio can be any size, of either sign, and a
//! finite interval would be a false precision. Fieller's set is every ratio
//! R for which the mean of (numerator − R·denominator) is not significantly
//! different from zero; it is a bounded interval only when the denominator
//! is significantly different from zero, and says otherwise.

use crate::metrics::t_quantile_975;

/// A 95% confidence set of a ratio.
#[derive(Clone, Debug, PartialEq)]
pub enum Interval {
    /// `[low, high]`; an end is infinite in the knife-edge case where the
    /// denominator sits exactly on its significance boundary.
    Between(f64, f64),
    /// Everything outside `(low, high)`: `(-inf, low] ∪ [high, +inf)`. The
    /// denominator's interval contains zero while the numerator's does not.
    Outside(f64, f64),
    /// Every ratio: neither mean is distinguishable from zero.
    Everything,
    /// No interval can be computed; the reason says why.
    NotEstimable(&'static str),
}

impl Interval {
    /// Whether `x` lies in the set.
    pub fn contains(&self, x: f64) -> bool {
        match *self {
            Interval::Between(lo, hi) => lo <= x && x <= hi,
            Interval::Outside(lo, hi) => x <= lo || x >= hi,
            Interval::Everything => true,
            Interval::NotEstimable(_) => false,
        }
    }

    /// Whether the set is a finite interval.
    pub fn is_bounded(&self) -> bool {
        matches!(*self, Interval::Between(lo, hi) if lo.is_finite() && hi.is_finite())
    }

    /// The name a table gives the set's shape.
    pub fn kind(&self) -> &'static str {
        match self {
            Interval::Between(..) => "between",
            Interval::Outside(..) => "outside",
            Interval::Everything => "everything",
            Interval::NotEstimable(_) => "not_estimable",
        }
    }

    /// The set's two ends (NaN where it has none).
    pub fn ends(&self) -> (f64, f64) {
        match *self {
            Interval::Between(lo, hi) | Interval::Outside(lo, hi) => (lo, hi),
            Interval::Everything => (f64::NEG_INFINITY, f64::INFINITY),
            Interval::NotEstimable(_) => (f64::NAN, f64::NAN),
        }
    }
}

/// The ratio of the mean of the numerators to the mean of the
/// denominators of paired observations `(numerator, denominator)`, with
/// Fieller's 95% set, using the t quantile on n − 1 degrees of freedom and
/// the pairs' sample covariance. The ratio is NaN when the mean denominator
/// is zero.
pub fn ratio(pairs: &[(f64, f64)]) -> (f64, Interval) {
    let n = pairs.len();
    if n == 0 {
        return (f64::NAN, Interval::NotEstimable("no pairs"));
    }
    let nf = n as f64;
    let a = pairs.iter().map(|p| p.0).sum::<f64>() / nf;
    let b = pairs.iter().map(|p| p.1).sum::<f64>() / nf;
    let estimate = if b != 0.0 { a / b } else { f64::NAN };
    if n < 2 {
        return (estimate, Interval::NotEstimable("needs 2 or more paired replications"));
    }
    // Variances and covariance of the two means.
    let moment = |f: &dyn Fn(&(f64, f64)) -> f64| pairs.iter().map(f).sum::<f64>() / ((nf - 1.0) * nf);
    let v11 = moment(&|p| (p.0 - a) * (p.0 - a));
    let v22 = moment(&|p| (p.1 - b) * (p.1 - b));
    let v12 = moment(&|p| (p.0 - a) * (p.1 - b));
    if b == 0.0 && v22 == 0.0 {
        return (estimate, Interval::NotEstimable("the denominator does not change"));
    }
    let t2 = t_quantile_975((n - 1) as u32).powi(2);
    (estimate, fieller_set(a, b, v11, v22, v12, t2))
}

/// The R with (a − R b)² ≤ t² (v11 − 2 R v12 + R² v22), i.e. the
/// quadratic A R² − 2 B R + C ≤ 0.
fn fieller_set(a: f64, b: f64, v11: f64, v22: f64, v12: f64, t2: f64) -> Interval {
    let qa = b * b - t2 * v22;
    let qb = a * b - t2 * v12;
    let qc = a * a - t2 * v11;
    // At R = a/b the quadratic is −t² times a variance, never positive, so
    // with qa > 0 the roots are real; clamp the rounding.
    let disc = qb * qb - qa * qc;
    if qa > 0.0 {
        let half = disc.max(0.0).sqrt();
        return Interval::Between((qb - half) / qa, (qb + half) / qa);
    }
    if qa == 0.0 {
        // Linear: −2 B R + C ≤ 0.
        return match qb.partial_cmp(&0.0) {
            Some(std::cmp::Ordering::Greater) => Interval::Between(qc / (2.0 * qb), f64::INFINITY),
            Some(std::cmp::Ordering::Less) => Interval::Between(f64::NEG_INFINITY, qc / (2.0 * qb)),
            _ if qc <= 0.0 => Interval::Everything,
            _ => Interval::NotEstimable("no ratio fits"),
        };
    }
    if disc <= 0.0 {
        return Interval::Everything;
    }
    let half = disc.sqrt();
    // qa < 0: the roots in ascending order are (B + √D)/A and (B − √D)/A.
    Interval::Outside((qb + half) / qa, (qb - half) / qa)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip(num: &[f64], den: &[f64]) -> Vec<(f64, f64)> {
        num.iter().copied().zip(den.iter().copied()).collect()
    }

    #[test]
    fn fieller_interval_matches_the_textbook_form_by_hand() {
        // a = 110, b = 10.4, var of means: v11 = 50/5 ... worked in the
        // g-form (Fieller 1954): g = t² v22 / b² = 0.01853,
        // R ± = [R − g v12/v22 ± (t/b) √(v11 − 2R v12 + R² v22 − g(v11 − v12²/v22))] / (1 − g)
        // with t = qt(0.975, 4) = 2.776445: [9.914563, 11.130358].
        let pairs = zip(&[100.0, 120.0, 90.0, 130.0, 110.0], &[10.0, 11.0, 9.0, 12.0, 10.0]);
        let (r, set) = ratio(&pairs);
        assert!((r - 110.0 / 10.4).abs() < 1e-12);
        let Interval::Between(lo, hi) = set else {
            panic!("bounded: {set:?}")
        };
        assert!((lo - 9.914_563_374_066).abs() < 1e-9, "{lo}");
        assert!((hi - 11.130_358_195_371).abs() < 1e-9, "{hi}");
        assert!(set.contains(r) && set.is_bounded());
        // Not symmetric about the estimate, as the delta method would be.
        assert!(((r - lo) - (hi - r)).abs() > 1e-3);
    }

    #[test]
    fn a_denominator_indistinguishable_from_zero_gives_an_unbounded_set_not_a_number() {
        // Denominator mean 0.4, its interval wide across zero; numerator
        // clearly positive: every ratio outside (-2.159, 1.397) fits.
        let pairs = zip(&[10.0, 12.0, 9.0, 13.0, 11.0], &[5.0, -4.0, 3.0, -6.0, 4.0]);
        let (r, set) = ratio(&pairs);
        assert!((r - 27.5).abs() < 1e-12);
        let Interval::Outside(lo, hi) = set else {
            panic!("two rays: {set:?}")
        };
        assert!((lo + 2.159_071_750_284).abs() < 1e-9, "{lo}");
        assert!((hi - 1.396_740_131_014).abs() < 1e-9, "{hi}");
        assert!(set.contains(r) && !set.contains(0.0) && !set.is_bounded());
        // Both means indistinguishable from zero: any ratio fits.
        let noise = zip(&[1.0, -1.0, 2.0, -2.0], &[3.0, -2.0, -3.0, 2.0]);
        assert_eq!(ratio(&noise).1, Interval::Everything);
    }

    #[test]
    fn no_change_or_one_pair_is_not_estimable() {
        let same = zip(&[0.0, 0.0, 0.0], &[0.0, 0.0, 0.0]);
        assert!(matches!(ratio(&same), (r, Interval::NotEstimable(_)) if r.is_nan()));
        let one = ratio(&[(4.0, 2.0)]);
        assert_eq!(one.0, 2.0);
        assert!(matches!(one.1, Interval::NotEstimable(_)));
        // No spread but a real change: the interval is the point.
        let exact = zip(&[6.0, 6.0], &[3.0, 3.0]);
        assert_eq!(ratio(&exact), (2.0, Interval::Between(2.0, 2.0)));
    }
}
