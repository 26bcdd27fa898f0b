//! Paired comparison of two runs on common seeds: every metric's
//! reform - baseline difference per replication, then its mean and 95%
//! t-interval across replications.
//!
//! Reads only the `runs.csv` tables of two `tiersim run` output folders, so
//! any two saved runs can be compared without rerunning. Pairing on the
//! same seed and replication removes the shared noise (common random
//! numbers), which is what makes small policy effects visible.
//!
//! [`buys`] prices the reform from the same pairs: the fund's extra
//! spending per extra grassroots first contact and per poor outcome
//! averted, with Fieller intervals ([`fieller`]).

pub mod buys;
pub mod fieller;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::metrics::MetricId as M;
use crate::metrics::{MetricId, describe};
use crate::results::{self, TableError};

/// One metric's comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// `system`, `tier`, `facility` or `alliance`.
    pub scope: String,
    /// The tier, facility or alliance name (`system` for the system).
    pub id: String,
    /// Metric name.
    pub metric: String,
    /// Mean in the baseline.
    pub baseline: f64,
    /// Mean in the reform.
    pub reform: f64,
    /// Mean paired difference (reform - baseline).
    pub diff: f64,
    /// Standard deviation of the paired differences.
    pub sd: f64,
    /// Lower end of the 95% t-interval of the difference.
    pub ci_low: f64,
    /// Upper end of the 95% t-interval of the difference.
    pub ci_high: f64,
    /// Replications paired.
    pub n: u32,
}

impl Row {
    /// Difference relative to the baseline (NaN when the baseline is 0).
    pub fn relative(&self) -> f64 {
        if self.baseline != 0.0 {
            self.diff / self.baseline.abs()
        } else {
            f64::NAN
        }
    }

    /// Whether the interval excludes zero.
    pub fn significant(&self) -> bool {
        self.ci_low > 0.0 || self.ci_high < 0.0
    }

    /// Standardised effect: the mean difference over its standard error
    /// (sd / sqrt n); infinite for a change with no spread across paired
    /// replications, NaN with fewer than two pairs or no change.
    pub fn standardised(&self) -> f64 {
        if self.n < 2 || self.diff == 0.0 || !self.diff.is_finite() {
            return f64::NAN;
        }
        let se = self.sd / f64::from(self.n).sqrt();
        if se > 0.0 {
            self.diff / se
        } else {
            self.diff.signum() * f64::INFINITY
        }
    }

    /// Whether the metric is a scenario input rather than an outcome
    /// (doctors on duty, the budget): it changes because the scenario does.
    pub fn is_input(&self) -> bool {
        INPUTS.iter().any(|m| m.name() == self.metric)
    }

    /// Whether the row is one of the headline system outcomes.
    pub fn is_headline(&self) -> bool {
        self.scope == "system" && HEADLINE.iter().any(|m| m.name() == self.metric)
    }

    /// `tier county wait_mean_minutes` style label.
    pub fn label(&self) -> String {
        if self.scope == "system" {
            self.metric.clone()
        } else {
            format!("{} {}: {}", self.scope, self.id, self.metric)
        }
    }
}

/// The system outcomes a comparison always shows first, in this order.
pub const HEADLINE: &[MetricId] = &[
    M::FirstContactGrassrootsShare,
    M::GrassrootsVisitShare,
    M::WithinCountyRate,
    M::BypassRate,
    M::MeanTravelMinutes,
    M::CostPerEpisode,
    M::OopShare,
    M::UnmetEpisodes,
    M::ContractAdherence,
];

/// Metrics that restate a scenario's inputs; listed apart, never ranked.
pub const INPUTS: &[MetricId] = &[M::DoctorsMean, M::BudgetTotal];

/// Which replications were paired.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pairing {
    /// Replications in the baseline's runs.csv.
    pub baseline: Vec<u32>,
    /// Replications in the reform's runs.csv.
    pub reform: Vec<u32>,
    /// Replications in both: the pairs.
    pub common: Vec<u32>,
}

impl Pairing {
    /// A sentence when the runs did not have the same replications.
    pub fn note(&self) -> Option<String> {
        (self.baseline != self.reform).then(|| {
            format!(
                "the baseline has {} replication(s) and the reform {}: paired the {} they share ({})",
                self.baseline.len(),
                self.reform.len(),
                self.common.len(),
                ranges(&self.common)
            )
        })
    }
}

/// `0-7, 9` for [0, 1, ..., 7, 9].
fn ranges(reps: &[u32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < reps.len() {
        let mut j = i;
        while j + 1 < reps.len() && reps[j + 1] == reps[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            reps[i].to_string()
        } else {
            format!("{}-{}", reps[i], reps[j])
        });
        i = j + 1;
    }
    parts.join(", ")
}

/// A comparison: every metric's row and how replications were paired.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// One row per metric present in both runs, in the baseline's order.
    pub rows: Vec<Row>,
    /// The pairs.
    pub pairing: Pairing,
    /// What the reform buys, per effect ([`buys::Effect::ALL`] order).
    pub buys: Vec<buys::Purchase>,
}

/// Why two folders cannot be compared. Fatal: bad input.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// A table is missing or unreadable.
    #[error("{}: {message}", path.display())]
    Table {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The runs were not made on common seeds.
    #[error("the runs were not made on common seeds (seed {0} vs {1}): rerun one with --seed so they pair")]
    Seeds(String, String),
    /// One table holds runs of several seeds.
    #[error("{}: rows of more than one seed ({} and {}): not the runs.csv of one `tiersim run`", .0.display(), .1, .2)]
    MixedSeeds(PathBuf, String, String),
    /// No replication appears in both.
    #[error("no replication appears in both runs")]
    NoPairs,
}

/// (scope, id, metric).
type Key = (String, String, String);

/// Key -> replication -> value.
type Values = BTreeMap<Key, BTreeMap<u32, f64>>;

/// A run's values, its keys in table order, its seed and replications.
fn read_runs(dir: &Path) -> Result<(Values, Vec<Key>, String, Vec<u32>), CompareError> {
    let path = dir.join("runs.csv");
    let rows = results::read_runs(&path).map_err(|e| CompareError::Table {
        path: path.clone(),
        message: match e {
            TableError::Missing(_) => "cannot read (not found); is this a `tiersim run` output folder?".into(),
            TableError::Bad { message, .. } => message,
        },
    })?;
    let mut values = Values::new();
    let mut order = Vec::new();
    let mut seed = String::new();
    let mut replications = std::collections::BTreeSet::new();
    for r in rows {
        if seed.is_empty() {
            seed = r.seed.clone();
        } else if seed != r.seed {
            return Err(CompareError::MixedSeeds(path.clone(), seed, r.seed));
        }
        replications.insert(r.replication);
        let key = (r.key.scope, r.key.id, r.key.metric);
        let slot = values.entry(key.clone()).or_insert_with(|| {
            order.push(key);
            BTreeMap::new()
        });
        slot.insert(r.replication, r.value);
    }
    Ok((values, order, seed, replications.into_iter().collect()))
}

/// Compares every metric present in both folders, in the baseline's order.
pub fn compare(baseline: &Path, reform: &Path) -> Result<Vec<Row>, CompareError> {
    compare_runs(baseline, reform).map(|c| c.rows)
}

/// Compares two run folders: refuses runs on different seeds, pairs the
/// replications both have.
pub fn compare_runs(baseline: &Path, reform: &Path) -> Result<Comparison, CompareError> {
    let (base, order, seed_a, reps_a) = read_runs(baseline)?;
    let (ref_, _, seed_b, reps_b) = read_runs(reform)?;
    if seed_a != seed_b {
        return Err(CompareError::Seeds(seed_a, seed_b));
    }
    let common: Vec<u32> = reps_a.iter().copied().filter(|r| reps_b.contains(r)).collect();
    if common.is_empty() {
        return Err(CompareError::NoPairs);
    }
    let buys = buys::purchases(&base, &ref_, &common);
    let pairing = Pairing {
        baseline: reps_a,
        reform: reps_b,
        common,
    };
    let mut rows = Vec::new();
    for key in order {
        let (Some(a), Some(b)) = (base.get(&key), ref_.get(&key)) else {
            continue;
        };
        let pairs: Vec<(f64, f64)> = a.iter().filter_map(|(r, x)| b.get(r).map(|y| (*x, *y))).collect();
        if pairs.is_empty() {
            continue;
        }
        let (diff, sd, ci_low, ci_high, n) = describe(pairs.iter().map(|(x, y)| y - x));
        let (baseline, ..) = describe(pairs.iter().map(|p| p.0));
        let (reform, ..) = describe(pairs.iter().map(|p| p.1));
        let (scope, id, metric) = key;
        rows.push(Row {
            scope,
            id,
            metric,
            baseline,
            reform,
            diff,
            sd,
            ci_low,
            ci_high,
            n,
        });
    }
    if rows.is_empty() {
        return Err(CompareError::NoPairs);
    }
    Ok(Comparison { rows, pairing, buys })
}

/// A comparison's rows in reading order.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranked<'a> {
    /// The headline system outcomes ([`HEADLINE`] order), changed or not.
    pub headline: Vec<&'a Row>,
    /// Other system and tier outcomes that changed, largest standardised
    /// effect first, at most `k`.
    pub others: Vec<&'a Row>,
    /// System and tier inputs ([`INPUTS`]) that differ.
    pub inputs: Vec<&'a Row>,
}

/// Sorts a comparison for reading: headline outcomes first, then the `k`
/// other system and tier outcomes with the largest |difference / standard
/// error|, then the inputs that differ. Ranking by the standardised effect
/// (not the relative change) keeps a change from a near-zero baseline, or
/// an input the scenario set, from crowding out what the policy did.
pub fn rank(rows: &[Row], k: usize) -> Ranked<'_> {
    let broad = |r: &&Row| matches!(r.scope.as_str(), "system" | "tier");
    let mut headline: Vec<&Row> = rows.iter().filter(|r| r.is_headline()).collect();
    headline.sort_by_key(|r| HEADLINE.iter().position(|m| m.name() == r.metric));
    let mut others: Vec<&Row> = rows
        .iter()
        .filter(broad)
        .filter(|r| !r.is_headline() && !r.is_input() && r.diff != 0.0 && r.diff.is_finite())
        .collect();
    let effect = |r: &Row| {
        let t = r.standardised().abs();
        if t.is_nan() { -1.0 } else { t }
    };
    others.sort_by(|a, b| effect(b).total_cmp(&effect(a)).then(a.label().cmp(&b.label())));
    others.truncate(k);
    let inputs = rows
        .iter()
        .filter(broad)
        .filter(|r| r.is_input() && r.diff != 0.0)
        .collect();
    Ranked {
        headline,
        others,
        inputs,
    }
}

/// Up to `k` outcomes to show: the headline ones, then the largest other
/// changes (see [`rank`]); inputs are never among them.
pub fn largest_changes(rows: &[Row], k: usize) -> Vec<&Row> {
    let ranked = rank(rows, k);
    let mut out = ranked.headline;
    out.extend(ranked.others);
    out.truncate(k);
    out
}

/// `compare.csv`: one row per metric.
pub fn csv(rows: &[Row]) -> Vec<u8> {
    let num = crate::report::num;
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "scope",
        "id",
        "metric",
        "baseline",
        "reform",
        "diff",
        "sd",
        "ci_low",
        "ci_high",
        "n",
        "relative",
        "standardised",
    ]);
    for r in rows {
        let _ = w.write_record([
            r.scope.clone(),
            r.id.clone(),
            r.metric.clone(),
            num(r.baseline),
            num(r.reform),
            num(r.diff),
            num(r.sd),
            num(r.ci_low),
            num(r.ci_high),
            r.n.to_string(),
            num(r.relative()),
            num(r.standardised()),
        ]);
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(scope: &str, metric: &str, baseline: f64, diff: f64, sd: f64) -> Row {
        let half = 2.0 * sd / 2.0;
        Row {
            scope: scope.into(),
            id: if scope == "system" {
                "system".into()
            } else {
                "county".into()
            },
            metric: metric.into(),
            baseline,
            reform: baseline + diff,
            diff,
            sd,
            ci_low: diff - half,
            ci_high: diff + half,
            n: 4,
        }
    }

    #[test]
    fn ranking_puts_headline_first_then_standardised_effects_and_inputs_apart() {
        let rows = vec![
            // A huge relative change from a tiny baseline, but noisy: t = 1.
            row("tier", "referrals_up_out", 0.01, 5.0, 10.0),
            // A small relative change measured precisely: t = 40.
            row("tier", "wait_mean_minutes", 30.0, 2.0, 0.1),
            // An input the scenario changed: +1150%.
            row("tier", "doctors_mean", 4.0, 46.0, 0.0),
            row("system", "oop_share", 0.4, -0.01, 0.02),
            row("system", "first_contact_grassroots_share", 0.6, 0.001, 0.01),
            // Facility rows are never ranked.
            row("facility", "arrivals", 1.0, 100.0, 0.01),
        ];
        let ranked = rank(&rows, 10);
        let metrics = |v: &[&Row]| v.iter().map(|r| r.metric.clone()).collect::<Vec<_>>();
        assert_eq!(
            metrics(&ranked.headline),
            ["first_contact_grassroots_share", "oop_share"],
            "headline in catalogue order, changed or not"
        );
        assert_eq!(metrics(&ranked.others), ["wait_mean_minutes", "referrals_up_out"]);
        assert_eq!(metrics(&ranked.inputs), ["doctors_mean"]);
        let top = largest_changes(&rows, 3);
        assert_eq!(
            metrics(&top),
            ["first_contact_grassroots_share", "oop_share", "wait_mean_minutes"]
        );
    }

    #[test]
    fn standardised_effect_is_difference_over_standard_error() {
        let r = row("tier", "arrivals", 10.0, 3.0, 2.0);
        assert!((r.standardised() - 3.0 / (2.0 / 2.0)).abs() < 1e-12);
        assert_eq!(row("tier", "x", 1.0, 2.0, 0.0).standardised(), f64::INFINITY);
        assert!(row("tier", "x", 1.0, 0.0, 0.0).standardised().is_nan());
    }

    #[test]
    fn pairing_note_names_what_was_paired() {
        let p = Pairing {
            baseline: (0..10).collect(),
            reform: vec![0, 1, 2, 3, 4, 5, 6, 7, 9],
            common: vec![0, 1, 2, 3, 4, 5, 6, 7, 9],
        };
        assert_eq!(
            p.note().unwrap(),
            "the baseline has 10 replication(s) and the reform 9: paired the 9 they share (0-7, 9)"
        );
        let same = Pairing {
            baseline: vec![0, 1],
            reform: vec![0, 1],
            common: vec![0, 1],
        };
        assert_eq!(same.note(), None);
    }
}
