//! Reading the summary tables charts are drawn from.

use std::path::Path;

use super::PlotError;
use crate::metrics::MetricId;
use crate::results::TableError;

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

pub(crate) use crate::results::Table;

impl From<TableError> for PlotError {
    fn from(e: TableError) -> PlotError {
        match e {
            TableError::Missing(path) => PlotError::Missing(path),
            TableError::Bad { path, message } => PlotError::Table { path, message },
        }
    }
}

/// Reads `path`, keeping the rows of `metrics` (by name or alias; tables
/// can be large, charts need a few metrics).
pub(crate) fn read(path: &Path, metrics: &[MetricId]) -> Result<Table, PlotError> {
    Ok(Table::read(path, Some(metrics))?)
}

/// A reader of the mean and interval of a row of `table`.
pub(crate) fn stats(table: &Table) -> Result<impl Fn(&csv::StringRecord) -> Stat + use<>, PlotError> {
    let stats = table.stats()?;
    Ok(move |r: &csv::StringRecord| {
        let s = stats(r);
        Stat {
            mean: s.mean,
            lo: s.ci_low,
            hi: s.ci_high,
            n: s.n,
        }
    })
}

/// The stat of the first row of `metric` whose columns `keys` hold their values.
pub(crate) fn find(table: &Table, metric: MetricId, keys: &[(&str, &str)]) -> Result<Option<Stat>, PlotError> {
    let stat = stats(table)?;
    Ok(table.find(metric, keys)?.map(stat))
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

pub(crate) use crate::results::number as num;
