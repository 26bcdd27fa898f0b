//! Reading the summary tables charts are drawn from.

use std::path::{Path, PathBuf};

use super::PlotError;
use crate::metrics::{MetricId, catalogue};

/// A mean with its 95% interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Stat {
    /// Mean over replications (NaN when undefined).
    pub mean: f64,
    /// Lower end of the interval (NaN when undefined).
    pub lo: f64,
    /// Upper end of the interval (NaN when undefined).
    pub hi: f64,
    /// Replications behind it (0 when unknown).
    pub n: u32,
}

impl Stat {
    /// The stat times `k` (shares to %).
    pub(crate) fn scaled(self, k: f64) -> Stat {
        Stat {
            mean: self.mean * k,
            lo: self.lo * k,
            hi: self.hi * k,
            n: self.n,
        }
    }

    /// The stat with its interval cut to the valid range of `unit` (values
    /// scaled by `k` from the unit's own: 100 for shares in %).
    pub(crate) fn clipped(self, unit: super::units::Unit, k: f64) -> Stat {
        let (lo, hi) = unit.clip((self.lo, self.hi), k);
        Stat { lo, hi, ..self }
    }

    /// An undefined stat.
    pub(crate) const NAN: Stat = Stat {
        mean: f64::NAN,
        lo: f64::NAN,
        hi: f64::NAN,
        n: 0,
    };
}

/// The rows of a CSV file that charts need.
pub(crate) struct Table {
    path: PathBuf,
    header: Vec<String>,
    /// Index of the `metric` column.
    metric: usize,
    rows: Vec<csv::StringRecord>,
}

/// Reads `path`, keeping the rows whose `metric` column names one of
/// `metrics`, by name or alias (tables can be large; charts need a few).
pub(crate) fn read(path: &Path, metrics: &[MetricId]) -> Result<Table, PlotError> {
    if !path.is_file() {
        return Err(PlotError::Missing(path.to_path_buf()));
    }
    let bad = |e: csv::Error| PlotError::Table {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut reader = csv::Reader::from_path(path).map_err(bad)?;
    let header: Vec<String> = reader.headers().map_err(bad)?.iter().map(str::to_string).collect();
    let mut table = Table {
        path: path.to_path_buf(),
        header,
        metric: 0,
        rows: Vec::new(),
    };
    let metric = table.col("metric")?;
    table.metric = metric;
    for rec in reader.records() {
        let rec = rec.map_err(bad)?;
        if rec
            .get(metric)
            .and_then(catalogue::find)
            .is_some_and(|m| metrics.contains(&m.id))
        {
            table.rows.push(rec);
        }
    }
    Ok(table)
}

impl Table {
    /// Index of a column.
    pub(crate) fn col(&self, name: &str) -> Result<usize, PlotError> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| PlotError::Table {
                path: self.path.clone(),
                message: format!("no column `{name}`"),
            })
    }

    /// The rows kept.
    pub(crate) fn rows(&self) -> &[csv::StringRecord] {
        &self.rows
    }

    /// A reader of `mean`, `ci_low`, `ci_high` of a row.
    pub(crate) fn stats(&self) -> Result<impl Fn(&csv::StringRecord) -> Stat + use<>, PlotError> {
        let (m, lo, hi) = (self.col("mean")?, self.col("ci_low")?, self.col("ci_high")?);
        let n = self.col("n").ok();
        Ok(move |r: &csv::StringRecord| Stat {
            mean: num(r.get(m)),
            lo: num(r.get(lo)),
            hi: num(r.get(hi)),
            n: n.and_then(|c| r.get(c)).and_then(|v| v.parse().ok()).unwrap_or(0),
        })
    }

    /// The metric a kept row is of.
    pub(crate) fn metric(&self, row: &csv::StringRecord) -> Option<MetricId> {
        row.get(self.metric).and_then(catalogue::find).map(|d| d.id)
    }

    /// The stat of the first row of `metric` whose columns `keys` hold `values`.
    pub(crate) fn find(&self, metric: MetricId, keys: &[(&str, &str)]) -> Result<Option<Stat>, PlotError> {
        let cols: Vec<(usize, &str)> = keys
            .iter()
            .map(|(k, v)| Ok((self.col(k)?, *v)))
            .collect::<Result<_, PlotError>>()?;
        let stat = self.stats()?;
        Ok(self
            .rows
            .iter()
            .find(|r| self.metric(r) == Some(metric) && cols.iter().all(|(c, v)| r.get(*c) == Some(*v)))
            .map(stat))
    }
}

/// The footnote of a chart of means over `n` replications: "95% intervals
/// over n = 3 replications"; "one replication" says there are none.
pub(crate) fn intervals_note(n: u32, what: &str) -> String {
    match n {
        0 => format!("{what}; 95% t-intervals over replications"),
        1 => format!("{what}; one replication, so no intervals"),
        n => format!("{what}; 95% t-intervals over n = {n} replications"),
    }
}

/// The replications behind a chart: the most any of its stats has.
pub(crate) fn replications<'a>(stats: impl IntoIterator<Item = &'a Stat>) -> u32 {
    stats.into_iter().map(|s| s.n).max().unwrap_or(0)
}

/// A CSV number; empty or unreadable fields are undefined (NaN).
pub(crate) fn num(field: Option<&str>) -> f64 {
    field.and_then(|f| f.parse::<f64>().ok()).unwrap_or(f64::NAN)
}
