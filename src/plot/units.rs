//! How a value of a metric is written. Units, their valid ranges and which
//! metric has which come from the metric catalogue
//! ([`crate::metrics::catalogue`]).

use crate::report::grouped;

pub use crate::metrics::catalogue::{Unit, bounds_of, unit_of};

impl Unit {
    /// Decimals for a value `x` (in the unit's own scale, shares as fractions).
    fn digits(self, x: f64) -> usize {
        let three_sig = match x.abs() {
            a if a >= 100.0 => 0,
            a if a >= 10.0 => 1,
            _ => 2,
        };
        match self {
            Unit::Share | Unit::Minutes => 1,
            // Whole numbers; a mean below 100 that is not whole keeps one decimal.
            Unit::Count if x.fract() == 0.0 || x.abs() >= 100.0 => 0,
            Unit::Count => 1,
            Unit::Cny | Unit::Level | Unit::Number => three_sig,
        }
    }

    /// `x` with `digits` decimals: shares in %, thousands separated.
    fn with_digits(self, x: f64, digits: usize) -> String {
        match self {
            Unit::Share => format!("{}%", grouped(100.0 * x, digits)),
            _ => grouped(x, digits),
        }
    }

    /// A value of this unit as a report cell writes it: shares in % with
    /// one decimal ("31.2%"), counts whole with thousands separators
    /// ("26,882"), minutes with one decimal, money and levels with about
    /// three significant digits; "-" when undefined. No unit names: the
    /// column or axis says them.
    pub fn value(self, x: f64) -> String {
        if !x.is_finite() {
            return "-".into();
        }
        self.with_digits(x, self.digits(x))
    }

    /// A mean and the half-width of its 95% interval: "31.2% ± 1.1%",
    /// "26,882 ± 489". Without "±" where the half-width is zero (every
    /// replication agrees) or undefined (one replication); a half-width
    /// that would round to zero keeps the decimals that show it.
    pub fn estimate(self, mean: f64, half: f64) -> String {
        let m = self.value(mean);
        if !mean.is_finite() || !half.is_finite() || half == 0.0 {
            return m;
        }
        let half = half.abs();
        let digits = self.digits(mean);
        let scaled = if self == Unit::Share { 100.0 * half } else { half };
        let shown = (digits..digits + 4)
            .find(|&d| (scaled * 10f64.powi(d as i32)).round() > 0.0)
            .unwrap_or(digits + 4);
        format!("{m} ± {}", self.with_digits(half, shown))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_format_per_unit() {
        // Counts: whole, with separators, no "± 0.00" at zero variance.
        assert_eq!(Unit::Count.estimate(0.0, 0.0), "0");
        assert_eq!(Unit::Count.estimate(26882.5, 489.19), "26,882 ± 489");
        assert_eq!(Unit::Count.estimate(484.6, 362.13), "485 ± 362");
        assert_eq!(Unit::Count.estimate(255.0, 63.53), "255 ± 64");
        assert_eq!(Unit::Count.estimate(1_234_567.0, f64::NAN), "1,234,567");
        assert_eq!(Unit::Count.value(2.5), "2.5");
        // Shares in %, the half-width too.
        assert_eq!(Unit::Share.estimate(0.312, 0.011), "31.2% ± 1.1%");
        assert_eq!(Unit::Share.estimate(0.306, 0.0), "30.6%");
        assert_eq!(Unit::Share.estimate(0.306, 0.0004), "30.6% ± 0.04%");
        // Minutes and money.
        assert_eq!(Unit::Minutes.estimate(3.56, 0.45), "3.6 ± 0.5");
        assert_eq!(Unit::Cny.estimate(349.47, 54.68), "349 ± 55");
        assert_eq!(Unit::Cny.estimate(29_696_700.0, 5_141_715.0), "29,696,700 ± 5,141,715");
        assert_eq!(Unit::Level.value(0.354), "0.35");
        assert_eq!(Unit::Number.value(f64::NAN), "-");
        assert_eq!(Unit::Count.estimate(f64::NAN, 1.0), "-");
    }
}
