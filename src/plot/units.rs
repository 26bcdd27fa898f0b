//! What a saved metric measures: its unit, the range its values can take,
//! and how a value of it is written. The one place charts and reports look
//! this up (metric names are those of the output tables).

use crate::report::grouped;

/// The unit of a metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A share, rate, utilization or occupancy in [0, 1], written in %.
    Share,
    /// Minutes, never negative.
    Minutes,
    /// Money in CNY, never negative.
    Cny,
    /// A number of events (patients, visits, referrals), never negative,
    /// written as a whole number.
    Count,
    /// A time-averaged level (doctors on duty, patients queued), never negative.
    Level,
    /// Anything else: no bounds, about three significant digits.
    Number,
}

/// Metrics by name, as in the output tables. Names not listed fall back on
/// their suffix (`_share`, `_rate`, `_minutes`, ...) in [`unit_of`].
const KNOWN: &[(&str, Unit)] = &[
    ("first_contact_share", Unit::Share),
    ("first_contact_grassroots_share", Unit::Share),
    ("grassroots_visit_share", Unit::Share),
    ("within_county_rate", Unit::Share),
    ("bypass_rate", Unit::Share),
    ("cross_region_share", Unit::Share),
    ("oop_share", Unit::Share),
    ("contract_adherence", Unit::Share),
    ("utilization", Unit::Share),
    ("bed_occupancy", Unit::Share),
    ("wait_mean_minutes", Unit::Minutes),
    ("wait_p50_minutes", Unit::Minutes),
    ("wait_p90_minutes", Unit::Minutes),
    ("wait_p95_minutes", Unit::Minutes),
    ("boarding_mean_minutes", Unit::Minutes),
    ("overtime_minutes", Unit::Minutes),
    ("mean_travel_minutes", Unit::Minutes),
    ("mean_wait_minutes", Unit::Minutes),
    ("fund", Unit::Cny),
    ("oop", Unit::Cny),
    ("cost", Unit::Cny),
    ("inpatient_cost", Unit::Cny),
    ("cost_per_episode", Unit::Cny),
    ("cost_total", Unit::Cny),
    ("fund_total", Unit::Cny),
    ("oop_total", Unit::Cny),
    ("rotation_allowance", Unit::Cny),
    ("arrivals", Unit::Count),
    ("served", Unit::Count),
    ("admissions", Unit::Count),
    ("boarded", Unit::Count),
    ("transfers", Unit::Count),
    ("transfers_out", Unit::Count),
    ("followup_visits", Unit::Count),
    ("left_without_being_seen", Unit::Count),
    ("referrals_up", Unit::Count),
    ("referrals_down", Unit::Count),
    ("referrals_up_in", Unit::Count),
    ("referrals_up_out", Unit::Count),
    ("referrals_down_in", Unit::Count),
    ("referrals_down_out", Unit::Count),
    ("episodes", Unit::Count),
    ("unmet_episodes", Unit::Count),
    ("queue_max", Unit::Count),
    ("max_queue", Unit::Count),
    ("doctors_mean", Unit::Level),
    ("queue_mean", Unit::Level),
];

/// The unit of the metric `name` (a table's `metric` column).
pub fn unit_of(name: &str) -> Unit {
    if let Some((_, u)) = KNOWN.iter().find(|(n, _)| *n == name) {
        return *u;
    }
    let has = |w: &str| name.contains(w);
    if has("share") || name.ends_with("_rate") || has("utilization") || has("occupancy") || has("adherence") {
        Unit::Share
    } else if name.ends_with("_minutes") {
        Unit::Minutes
    } else if has("cost") || has("fund") || name.starts_with("oop") || has("allowance") {
        Unit::Cny
    } else if has("referrals") || has("admissions") || has("arrivals") || has("episodes") || has("visits") {
        Unit::Count
    } else {
        Unit::Number
    }
}

impl Unit {
    /// The range values can take: shares [0, 1], other quantities >= 0.
    pub fn bounds(self) -> (f64, f64) {
        match self {
            Unit::Share => (0.0, 1.0),
            Unit::Minutes | Unit::Cny | Unit::Count | Unit::Level => (0.0, f64::INFINITY),
            Unit::Number => (f64::NEG_INFINITY, f64::INFINITY),
        }
    }

    /// `(lo, hi)` cut to [`Unit::bounds`], with the bounds scaled by `scale`
    /// (100 for shares drawn in %). An interval of a bounded metric that
    /// reaches past its bound (a t-interval at small n) says "near the
    /// bound", not "beyond it".
    pub fn clip(self, (lo, hi): (f64, f64), scale: f64) -> (f64, f64) {
        let (a, b) = self.bounds();
        let (a, b) = (a * scale, b * scale);
        let cut = |x: f64| if x.is_finite() { x.clamp(a, b) } else { x };
        (cut(lo), cut(hi))
    }

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
    fn units_follow_the_metric_names() {
        assert_eq!(unit_of("first_contact_share"), Unit::Share);
        assert_eq!(unit_of("bed_occupancy"), Unit::Share);
        assert_eq!(unit_of("bypass_rate"), Unit::Share);
        assert_eq!(unit_of("wait_p90_minutes"), Unit::Minutes);
        assert_eq!(unit_of("cost_per_episode"), Unit::Cny);
        assert_eq!(unit_of("oop"), Unit::Cny);
        assert_eq!(unit_of("referrals_up_out"), Unit::Count);
        assert_eq!(unit_of("unmet_episodes"), Unit::Count);
        assert_eq!(unit_of("doctors_mean"), Unit::Level);
        assert_eq!(unit_of("something_new_share"), Unit::Share);
        assert_eq!(unit_of("mystery"), Unit::Number);
        assert_eq!(Unit::Share.bounds(), (0.0, 1.0));
        assert_eq!(Unit::Count.bounds().0, 0.0);
        assert_eq!(Unit::Share.clip((-54.0, 102.0), 100.0), (0.0, 100.0));
        assert_eq!(Unit::Minutes.clip((-3.0, 7.0), 1.0), (0.0, 7.0));
        assert_eq!(Unit::Number.clip((-3.0, 7.0), 1.0), (-3.0, 7.0));
    }

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
