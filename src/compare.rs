//! Paired comparison of two runs on common seeds: every metric's
//! reform - baseline difference per replication, then its mean and 95%
//! t-interval across replications.
//!
//! Reads only the `runs.csv` tables of two `tiersim run` output folders, so
//! any two saved runs can be compared without rerunning. Pairing on the
//! same seed and replication removes the shared noise (common random
//! numbers), which is what makes small policy effects visible.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::metrics::describe;

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

    /// `tier county wait_mean_minutes` style label.
    pub fn label(&self) -> String {
        if self.scope == "system" {
            self.metric.clone()
        } else {
            format!("{} {}: {}", self.scope, self.id, self.metric)
        }
    }
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
    /// No replication appears in both.
    #[error("no replication appears in both runs")]
    NoPairs,
}

/// (scope, id, metric).
type Key = (String, String, String);

/// Key -> replication -> value.
type Values = BTreeMap<Key, BTreeMap<u32, f64>>;

/// A run's values, its keys in table order, and its seed.
fn read_runs(dir: &Path) -> Result<(Values, Vec<Key>, String), CompareError> {
    let path = dir.join("runs.csv");
    let err = |message: String| CompareError::Table {
        path: path.clone(),
        message,
    };
    let mut reader = csv::Reader::from_path(&path)
        .map_err(|e| err(format!("cannot read ({e}); is this a `tiersim run` output folder?")))?;
    let headers = reader.headers().map_err(|e| err(e.to_string()))?.clone();
    let expected = ["replication", "seed", "scope", "id", "metric", "value"];
    if headers.iter().collect::<Vec<_>>() != expected {
        return Err(err(format!("expected columns {}", expected.join(","))));
    }
    let mut values = Values::new();
    let mut order = Vec::new();
    let mut seed = String::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| err(format!("row {}: {e}", i + 2)))?;
        let rep: u32 = rec[0]
            .parse()
            .map_err(|_| err(format!("row {}: bad replication", i + 2)))?;
        seed = rec[1].to_string();
        let key = (rec[2].to_string(), rec[3].to_string(), rec[4].to_string());
        let value = rec[5].parse::<f64>().unwrap_or(f64::NAN);
        let slot = values.entry(key.clone()).or_insert_with(|| {
            order.push(key);
            BTreeMap::new()
        });
        slot.insert(rep, value);
    }
    Ok((values, order, seed))
}

/// Compares every metric present in both folders, in the baseline's order.
pub fn compare(baseline: &Path, reform: &Path) -> Result<Vec<Row>, CompareError> {
    let (base, order, seed_a) = read_runs(baseline)?;
    let (ref_, _, seed_b) = read_runs(reform)?;
    if seed_a != seed_b {
        return Err(CompareError::Seeds(seed_a, seed_b));
    }
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
    Ok(rows)
}

/// The `k` system and tier rows with the largest relative changes (those
/// whose interval excludes zero first).
pub fn largest_changes(rows: &[Row], k: usize) -> Vec<&Row> {
    let mut candidates: Vec<&Row> = rows
        .iter()
        .filter(|r| matches!(r.scope.as_str(), "system" | "tier") && r.relative().is_finite() && r.diff != 0.0)
        .collect();
    candidates.sort_by(|a, b| {
        b.significant()
            .cmp(&a.significant())
            .then(b.relative().abs().total_cmp(&a.relative().abs()))
            .then(a.label().cmp(&b.label()))
    });
    candidates.truncate(k);
    candidates
}

/// `compare.csv`: one row per metric.
pub fn csv(rows: &[Row]) -> Vec<u8> {
    let num = crate::report::num;
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "scope", "id", "metric", "baseline", "reform", "diff", "sd", "ci_low", "ci_high", "n", "relative",
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
        ]);
    }
    w.into_inner().unwrap_or_default()
}
