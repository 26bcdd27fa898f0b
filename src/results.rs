//! The long results tables, typed: one writer and one reader for every
//! command that saves or loads them.
//!
//! - per replication (`runs.csv`, a sweep's point files): `replication`,
//!   `seed`, `scope`, `id`, `metric`, `value`;
//! - summaries over replications (`system.csv`, `tiers.csv`,
//!   `facilities.csv`, `alliances.csv`, a sweep's `points.csv`): leading
//!   columns naming the subject, `metric`, `mean`, `sd`, `ci_low`,
//!   `ci_high`, `n`;
//! - a sweep's manifest (`points/manifest.json`).
//!
//! `run` and `sweep` write through [`runs_csv`] and [`stats_fields`];
//! `merge` and the sweep's assembly read point files with [`read_runs`] and
//! summarise them once with [`summarise`]; `compare` reads [`read_runs`];
//! `plot` and `report` read summary tables with [`Table`] and manifests
//! with [`read_manifest`].

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::metrics::{MetricId, RunOutput, Scope, Summary, catalogue, describe};
use crate::world::World;

/// Columns of a per-replication table.
pub const RUN_COLUMNS: [&str; 6] = ["replication", "seed", "scope", "id", "metric", "value"];

/// Columns of a summary, after those naming its subject.
pub const STATS_COLUMNS: [&str; 5] = ["mean", "sd", "ci_low", "ci_high", "n"];

/// Name of a scope's subject, as the `scope` and `id` columns write it:
/// ("system", "system"), ("tier", the tier), ("facility", its name),
/// ("alliance", its name) or, for a group of residents, (its dimension:
/// `income`, `scheme`, `region` or `travel_quintile`, the group's name).
pub fn scope_label(world: &World, scope: Scope) -> (&'static str, String) {
    match scope {
        Scope::System => ("system", "system".to_string()),
        Scope::Tier(t) => ("tier", t.name().to_string()),
        Scope::Facility(i) => ("facility", world.facilities[i as usize].name.clone()),
        Scope::Alliance(i) => ("alliance", world.scenario.alliances[i as usize].clone()),
        Scope::Group(dim, i) => (dim.name(), crate::metrics::groups::group_name(world, dim, i)),
    }
}

/// A table's number: shortest round-trip form, empty when undefined.
pub fn num(x: f64) -> String {
    if x.is_finite() { format!("{x}") } else { String::new() }
}

/// The header of a summary table whose subject is named by `lead`.
pub fn summary_header<'a>(lead: &[&'a str]) -> Vec<&'a str> {
    lead.iter().copied().chain(["metric"]).chain(STATS_COLUMNS).collect()
}

/// A results table that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The file is not there.
    #[error("{}: not found", .0.display())]
    Missing(PathBuf),
    /// The file could not be read or parsed.
    #[error("{}: {message}", path.display())]
    Bad {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

fn bad(path: &Path, message: impl ToString) -> TableError {
    TableError::Bad {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

/// What a value is of: (scope, id, metric) as the tables write them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// `system`, `tier`, `facility` or `alliance`.
    pub scope: String,
    /// `system`, the tier, facility or alliance name.
    pub id: String,
    /// The metric's name.
    pub metric: String,
}

/// One row of a per-replication table.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRow {
    /// Replication index.
    pub replication: u32,
    /// Scenario seed, as written.
    pub seed: String,
    /// What the value is of.
    pub key: Key,
    /// The value (NaN where undefined).
    pub value: f64,
}

impl RunRow {
    /// The row's fields as written.
    pub fn fields(&self) -> [String; 6] {
        [
            self.replication.to_string(),
            self.seed.clone(),
            self.key.scope.clone(),
            self.key.id.clone(),
            self.key.metric.clone(),
            num(self.value),
        ]
    }
}

/// Mean, sd, 95% t-interval and n of a metric over replications.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    /// Mean over replications with a defined value.
    pub mean: f64,
    /// Sample standard deviation.
    pub sd: f64,
    /// Lower end of the 95% t-interval.
    pub ci_low: f64,
    /// Upper end of the 95% t-interval.
    pub ci_high: f64,
    /// Replications with a defined value (0 when unknown).
    pub n: u32,
}

impl Stats {
    /// Summarises values (see [`describe`]).
    pub fn of(values: impl IntoIterator<Item = f64>) -> Stats {
        let (mean, sd, ci_low, ci_high, n) = describe(values);
        Stats {
            mean,
            sd,
            ci_low,
            ci_high,
            n,
        }
    }

    /// A summary's stats.
    pub fn from_summary(s: &Summary) -> Stats {
        Stats {
            mean: s.mean,
            sd: s.sd,
            ci_low: s.ci_low,
            ci_high: s.ci_high,
            n: s.n,
        }
    }

    /// The [`STATS_COLUMNS`] fields as written.
    pub fn fields(&self) -> [String; 5] {
        [
            num(self.mean),
            num(self.sd),
            num(self.ci_low),
            num(self.ci_high),
            self.n.to_string(),
        ]
    }
}

/// A summary's `metric` and [`STATS_COLUMNS`] fields.
pub fn stats_fields(s: &Summary) -> Vec<String> {
    let mut row = vec![s.name.to_string()];
    row.extend(Stats::from_summary(s).fields());
    row
}

/// `runs.csv` (or a point file): one row per replication x scope x
/// metric, for the scopes `include` keeps.
pub fn runs_csv(world: &World, runs: &[RunOutput], include: impl Fn(Scope) -> bool) -> io::Result<Vec<u8>> {
    let seed = world.scenario.seed.to_string();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(RUN_COLUMNS)?;
    for r in runs {
        for m in r.metrics.iter().filter(|m| include(m.scope)) {
            let (scope, id) = scope_label(world, m.scope);
            w.write_record([&r.replication.to_string(), &seed, scope, &id, m.name, &num(m.value)])?;
        }
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// Reads a per-replication table, refusing other columns.
pub fn read_runs(path: &Path) -> Result<Vec<RunRow>, TableError> {
    if !path.is_file() {
        return Err(TableError::Missing(path.to_path_buf()));
    }
    let mut reader = csv::Reader::from_path(path).map_err(|e| bad(path, e))?;
    let headers = reader.headers().map_err(|e| bad(path, e))?.clone();
    if headers.iter().ne(RUN_COLUMNS) {
        return Err(bad(path, format!("expected columns {}", RUN_COLUMNS.join(","))));
    }
    reader
        .records()
        .enumerate()
        .map(|(i, rec)| {
            let rec = rec.map_err(|e| bad(path, format!("row {}: {e}", i + 2)))?;
            let replication = rec[0]
                .parse()
                .map_err(|_| bad(path, format!("row {}: bad replication", i + 2)))?;
            Ok(RunRow {
                replication,
                seed: rec[1].to_string(),
                key: Key {
                    scope: rec[2].to_string(),
                    id: rec[3].to_string(),
                    metric: rec[4].to_string(),
                },
                value: rec[5].parse::<f64>().unwrap_or(f64::NAN),
            })
        })
        .collect()
}

/// Summarises rows key by key, keys in first-seen order and each key's
/// values in row order (so float sums run in a fixed order).
pub fn summarise(rows: &[RunRow]) -> Vec<(&Key, Stats)> {
    let mut groups: Vec<(&Key, Vec<f64>)> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for r in rows {
        let slot = *index.entry(&r.key).or_insert_with(|| {
            groups.push((&r.key, Vec::new()));
            groups.len() - 1
        });
        groups[slot].1.push(r.value);
    }
    groups.into_iter().map(|(k, v)| (k, Stats::of(v))).collect()
}

/// The rows of a summary table (or `daily.csv`) of some metrics.
pub struct Table {
    path: PathBuf,
    header: Vec<String>,
    metric: usize,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    /// Reads `path`, keeping the rows whose `metric` column names one of
    /// `metrics` by name or alias (all rows when `None`).
    pub fn read(path: &Path, metrics: Option<&[MetricId]>) -> Result<Table, TableError> {
        if !path.is_file() {
            return Err(TableError::Missing(path.to_path_buf()));
        }
        let mut reader = csv::Reader::from_path(path).map_err(|e| bad(path, e))?;
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| bad(path, e))?
            .iter()
            .map(str::to_string)
            .collect();
        let mut table = Table {
            path: path.to_path_buf(),
            header,
            metric: 0,
            rows: Vec::new(),
        };
        table.metric = table.col("metric")?;
        for rec in reader.records() {
            let rec = rec.map_err(|e| bad(path, e))?;
            if metrics.is_none_or(|ms| table.metric(&rec).is_some_and(|m| ms.contains(&m))) {
                table.rows.push(rec);
            }
        }
        Ok(table)
    }

    /// Index of a column.
    pub fn col(&self, name: &str) -> Result<usize, TableError> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| bad(&self.path, format!("no column `{name}`")))
    }

    /// The rows kept.
    pub fn rows(&self) -> &[csv::StringRecord] {
        &self.rows
    }

    /// The catalogue metric a row is of (by name or alias).
    pub fn metric(&self, row: &csv::StringRecord) -> Option<MetricId> {
        row.get(self.metric).and_then(catalogue::find).map(|d| d.id)
    }

    /// A reader of a row's [`STATS_COLUMNS`] (`n` 0 when absent).
    pub fn stats(&self) -> Result<impl Fn(&csv::StringRecord) -> Stats + use<>, TableError> {
        let cols = [
            self.col("mean")?,
            self.col("sd")?,
            self.col("ci_low")?,
            self.col("ci_high")?,
        ];
        let n = self.col("n").ok();
        Ok(move |r: &csv::StringRecord| {
            let [mean, sd, ci_low, ci_high] = cols.map(|c| number(r.get(c)));
            Stats {
                mean,
                sd,
                ci_low,
                ci_high,
                n: n.and_then(|c| r.get(c)).and_then(|v| v.parse().ok()).unwrap_or(0),
            }
        })
    }

    /// The first row of `metric` whose columns `keys` hold their values.
    pub fn find(&self, metric: MetricId, keys: &[(&str, &str)]) -> Result<Option<&csv::StringRecord>, TableError> {
        let cols: Vec<(usize, &str)> = keys
            .iter()
            .map(|(k, v)| Ok((self.col(k)?, *v)))
            .collect::<Result<_, TableError>>()?;
        Ok(self
            .rows
            .iter()
            .find(|r| self.metric(r) == Some(metric) && cols.iter().all(|(c, v)| r.get(*c) == Some(*v))))
    }
}

/// A table's number; empty or unreadable fields are undefined (NaN).
pub fn number(field: Option<&str>) -> f64 {
    field.and_then(|f| f.parse::<f64>().ok()).unwrap_or(f64::NAN)
}

/// What a sweep folder holds results of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Sweep name.
    pub sweep: String,
    /// Hash of everything that determines the results.
    pub fingerprint: String,
    /// Replications per point.
    pub replications: u32,
    /// Scenario seed (the same at every point).
    pub seed: u64,
    /// Key paths varied.
    pub columns: Vec<String>,
    /// Each point's values, as text.
    pub points: Vec<Vec<String>>,
}

/// The manifest of a sweep folder, `dir/points/manifest.json`.
pub fn read_manifest(dir: &Path) -> Result<Manifest, TableError> {
    let path = dir.join("points").join("manifest.json");
    if !path.is_file() {
        return Err(TableError::Missing(path));
    }
    let bytes = std::fs::read(&path).map_err(|e| bad(&path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| bad(&path, e))
}
