//! The onset process (`docs/model.md`, "Onset"): one merged Poisson
//! process for the whole population, generated globally, never by ticking
//! residents.
//!
//! It is the superposition of two streams with the yearly rate and
//! severity mix of `[demand]`: care-seeking for illness below
//! `emergency.from_severity` starts inside the daily presentation window
//! only, emergencies at any hour. Their sum has a piecewise-constant daily
//! intensity (emergencies alone outside the window, both inside it), so it
//! is drawn as one process by a time change: the clock runs in expected
//! onsets and maps onto the day through the inverse of the integrated
//! intensity. Each gap is one exponential draw; the severity of an onset is
//! then drawn from the mix of the part of the day it falls in.

use rand_distr::{Distribution, Exp1};

use super::DAY;
use crate::rng::Rng;
use crate::scenario::{Hours, Scenario, Severity};

/// The onset process of one replication.
pub(crate) struct Onsets {
    /// Onsets per minute of the whole population, averaged over the day.
    per_minute: f64,
    /// Daily presentation window of non-emergency care-seeking.
    window: Hours,
    /// Share of onsets that are emergencies (severity >= `from_severity`).
    emergency_share: f64,
    /// Cumulative severity mix of an onset inside the window.
    mix_inside: [f64; 4],
    /// Cumulative severity mix of an onset outside it (emergencies only).
    mix_outside: [f64; 4],
    /// Position of the process \[day-averaged minutes: 1440 per day\].
    clock: f64,
    /// Whether the pending onset falls inside the window.
    inside: bool,
}

/// A cumulative table of `weights`, normalised; the last entry with weight
/// is infinite so that rounding never picks a severity without weight.
fn cumulative(weights: [f64; 4]) -> [f64; 4] {
    let total: f64 = weights.iter().sum();
    let mut cum = [0.0; 4];
    let mut acc = 0.0;
    for (i, w) in weights.iter().enumerate() {
        acc += w / total;
        cum[i] = acc;
    }
    if let Some(last) = weights.iter().rposition(|&w| w > 0.0) {
        cum[last] = f64::INFINITY;
    }
    cum
}

/// The plain cumulative mix (as before emergencies had their own hours, so
/// around-the-clock windows draw exactly the severities they always did).
fn cumulative_mix(mix: [f64; 4]) -> [f64; 4] {
    let mut cum = [0.0; 4];
    let mut acc = 0.0;
    for (i, p) in mix.iter().enumerate() {
        acc += p;
        cum[i] = acc;
    }
    cum
}

impl Onsets {
    /// The process of `scenario` for a population whose onsets total
    /// `per_year` a year.
    pub(crate) fn new(scenario: &Scenario, per_year: f64) -> Onsets {
        let mix = scenario.demand.severity_mix;
        let from = scenario.emergency.from_severity as usize;
        let window = scenario.demand.presentation;
        let emergency_share: f64 = mix[from..].iter().sum();
        // Inside the window, a non-emergency severity arrives 1440 / W times
        // as fast as its share of the day says; emergencies at their share.
        let stretch = DAY / window.minutes_per_day();
        let inside = std::array::from_fn(|s| if s < from { mix[s] * stretch } else { mix[s] });
        let outside = std::array::from_fn(|s| if s < from { 0.0 } else { mix[s] });
        Onsets {
            per_minute: per_year / (365.0 * DAY),
            window,
            emergency_share,
            mix_inside: if window.is_always() {
                cumulative_mix(mix)
            } else {
                cumulative(inside)
            },
            mix_outside: if emergency_share > 0.0 {
                cumulative(outside)
            } else {
                [f64::INFINITY; 4]
            },
            clock: 0.0,
            inside: true,
        }
    }

    /// Draws the time of the next onset (one exponential from the onset
    /// stream); `None` when nobody falls ill.
    pub(crate) fn next(&mut self, rng: &mut Rng) -> Option<f64> {
        if self.per_minute <= 0.0 {
            return None;
        }
        let gap: f64 = Exp1.sample(rng);
        self.clock += gap / self.per_minute;
        if self.window.is_always() {
            self.inside = true;
            return Some(self.clock);
        }
        let day = (self.clock / DAY).floor();
        let (minute, inside) = self.minute_of_day(self.clock - day * DAY);
        self.inside = inside;
        Some(day * DAY + minute)
    }

    /// The clock minute of day-averaged minute `r` (in `[0, 1440)`) and
    /// whether it is inside the window: the inverse of the integrated
    /// intensity `e m` before opening, `e m + w (m - open)` inside the
    /// window, `e m + (1 - e) 1440` after closing, where `e` is the
    /// emergency share and `w = (1 - e) 1440 / W`.
    fn minute_of_day(&self, r: f64) -> (f64, bool) {
        let e = self.emergency_share;
        let (open, close) = (self.window.open_minute, self.window.close_minute);
        let w = (1.0 - e) * DAY / self.window.minutes_per_day();
        if r < e * open {
            return (r / e, false);
        }
        let window_end = e * close + (1.0 - e) * DAY;
        if r < window_end || e <= 0.0 {
            let m = (r + w * open) / (e + w);
            return (m.clamp(open, close), true);
        }
        ((r - (1.0 - e) * DAY) / e, false)
    }

    /// The severity of the pending onset from one uniform `u`.
    pub(crate) fn severity(&self, u: f64) -> Severity {
        let cum = if self.inside {
            &self.mix_inside
        } else {
            &self.mix_outside
        };
        Severity::from_index(cum.iter().position(|&c| u < c).unwrap_or(3))
    }
}

#[cfg(test)]
mod tests {
    use rand::RngExt;

    use super::*;
    use crate::rng::{self, Stream};

    fn scenario(window: &str, from: &str) -> Scenario {
        let text = format!(
            "[demand]\nseverity_mix = {{ mild = 0.6, moderate = 0.2, severe = 0.15, critical = 0.05 }}\npresentation_hours = \"{window}\"\n\
             [emergency]\nfrom_severity = \"{from}\"\n\
             [[region]]\nname = \"r\"\n[[region.settlement]]\nat_km = [0.0, 0.0]\npopulation = 1\n\
             [[facility]]\nname = \"c\"\ntier = \"regional\"\nat_km = [0.0, 0.0]\n"
        );
        Scenario::from_toml(&text, "t").expect("valid")
    }

    /// Onsets of 40 days at 100 a day: (clock minute, severity) of each.
    fn draw(s: &Scenario) -> Vec<(f64, Severity)> {
        let mut rng = rng::stream(1, 0, Stream::Onset);
        let mut p = Onsets::new(s, 365.0 * 100.0);
        let mut out = Vec::new();
        while let Some(t) = p.next(&mut rng)
            && t < 40.0 * DAY
        {
            let u: f64 = rng.random();
            out.push((t % DAY, p.severity(u)));
        }
        out
    }

    #[test]
    fn emergencies_start_at_any_hour_and_the_rest_inside_the_window() {
        let onsets = draw(&scenario("08:00-12:00", "severe"));
        let n = onsets.len() as f64;
        assert!(
            (n - 4000.0).abs() < 4.0 * 4000f64.sqrt(),
            "the yearly rate is kept: {n}"
        );
        let night = |&&(m, _): &&(f64, Severity)| !(480.0..720.0).contains(&m);
        assert!(onsets.iter().filter(night).all(|(_, s)| *s >= Severity::Severe));
        let emergencies = onsets.iter().filter(|(_, s)| *s >= Severity::Severe).count() as f64;
        let at_night = onsets.iter().filter(night).count() as f64;
        // 20% of onsets are emergencies, 20 of 24 hours are outside the window.
        assert!(
            (emergencies / n - 0.2).abs() < 0.03,
            "severity mix kept: {}",
            emergencies / n
        );
        assert!(
            (at_night / emergencies - 20.0 / 24.0).abs() < 0.05,
            "{}",
            at_night / emergencies
        );
        let critical = onsets.iter().filter(|(_, s)| *s == Severity::Critical).count() as f64;
        assert!((critical / n - 0.05).abs() < 0.015, "critical share {}", critical / n);
    }

    #[test]
    fn from_mild_every_onset_ignores_the_window() {
        let onsets = draw(&scenario("08:00-12:00", "mild"));
        let at_night = onsets.iter().filter(|(m, _)| !(480.0..720.0).contains(m)).count() as f64;
        assert!((at_night / onsets.len() as f64 - 20.0 / 24.0).abs() < 0.03);
    }

    #[test]
    fn around_the_clock_windows_draw_the_plain_mix() {
        let p = Onsets::new(&scenario("24h", "severe"), 1.0);
        assert_eq!(p.mix_inside, cumulative_mix([0.6, 0.2, 0.15, 0.05]));
    }
}
