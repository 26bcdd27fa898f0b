//! Charts of a sweep folder: key metrics against the swept keys, drawn
//! according to the sweep's shape (one numeric axis: lines with a band;
//! a two-key grid: heatmaps; a text axis: bars; a design: points against
//! its first key).

use std::path::Path;

use plotters::style::RGBColor;

use super::bars::{BarSeries, Bars};
use super::canvas::{Figure, Unit};
use super::labels::axis_label;
use super::lines::{Heatmap, LineSeries, Lines, Style};
use super::tables::{self, Stat, intervals_note};
use super::{PlotError, tier_colour, units};
use crate::metrics::MetricId;
use crate::metrics::MetricId as M;
use crate::results::{self, Manifest};
use crate::scenario::Tier;

/// A key metric: where it is in points.csv and how to show it.
struct Key {
    scope: &'static str,
    id: &'static str,
    metric: MetricId,
    /// Chart file stem.
    name: &'static str,
    /// What it is, for titles and axis labels.
    label: &'static str,
    unit: Unit,
    /// Factor to the unit shown (shares to %).
    scale: f64,
}

/// A tier metric, with its chart's stem and label.
const fn key(scope: &'static str, id: &'static str, metric: MetricId, name: &'static str, label: &'static str) -> Key {
    let unit = match metric.def().unit {
        units::Unit::Share => Unit::Percent,
        units::Unit::Minutes => Unit::Minutes,
        units::Unit::Cny => Unit::Cny,
        _ => Unit::Count,
    };
    let scale = if matches!(unit, Unit::Percent) { 100.0 } else { 1.0 };
    Key {
        scope,
        id,
        metric,
        name,
        label,
        unit,
        scale,
    }
}

/// A system metric, named and labelled as in the catalogue.
const fn system(metric: MetricId) -> Key {
    let d = metric.def();
    key("system", "system", metric, d.name, d.label)
}

const KEYS: [Key; 7] = [
    system(M::FirstContactGrassrootsShare),
    system(M::BypassRate),
    system(M::GrassrootsVisitShare),
    system(M::MeanTravelMinutes),
    system(M::CostPerEpisode),
    system(M::OopShare),
    key(
        "tier",
        "county",
        M::WaitMeanMinutes,
        "county_wait_mean_minutes",
        "County mean wait",
    ),
];

impl Key {
    fn unit_label(&self) -> &'static str {
        match self.unit {
            Unit::Percent => "%",
            Unit::Minutes => "minutes",
            Unit::Cny => "CNY",
            Unit::Count => "count",
        }
    }

    fn axis_label(&self) -> String {
        format!("{} ({})", self.label, self.unit_label())
    }

    /// The valid range of the drawn values (a share's 0..100%).
    fn bounds(&self) -> (f64, f64) {
        self.unit.bounds()
    }

    /// Tier metrics take their tier's colour; system metrics a neutral one.
    fn colour(&self) -> RGBColor {
        Tier::ALL
            .into_iter()
            .find(|t| self.scope == "tier" && t.name() == self.id)
            .map_or(RGBColor(70, 90, 120), tier_colour)
    }
}

/// How a sweep's points are laid out.
#[derive(Debug, PartialEq, Eq)]
enum Shape {
    /// One key varies, with numbers: the column index.
    Numeric(usize),
    /// One key varies with text values (or nothing varies): a bar per point.
    Categorical(Option<usize>),
    /// Two keys form a full grid: their column indices.
    Grid(usize, usize),
    /// Several keys vary together (a design): points against this numeric column.
    Design(usize),
    /// Nothing sensible to draw.
    Unplottable,
}

/// Bars of a text axis or a design without numbers stay readable up to this many points.
const MAX_BARS: usize = 60;

fn is_numeric(values: &[&str]) -> bool {
    values.iter().all(|v| v.parse::<f64>().is_ok_and(f64::is_finite))
}

/// The distinct values of column `c`, in first-seen order.
fn distinct(m: &Manifest, c: usize) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for p in &m.points {
        let v = p.get(c).map_or("", String::as_str);
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

fn shape(m: &Manifest) -> Shape {
    let varying: Vec<usize> = (0..m.columns.len()).filter(|&c| distinct(m, c).len() > 1).collect();
    let numeric = |c: usize| is_numeric(&distinct(m, c));
    match varying[..] {
        [] if m.points.len() <= MAX_BARS => Shape::Categorical(None),
        [c] if numeric(c) => Shape::Numeric(c),
        [c] if m.points.len() <= MAX_BARS => Shape::Categorical(Some(c)),
        [a, b] if is_grid(m, a, b) => Shape::Grid(a, b),
        [first, ..] if numeric(first) => Shape::Design(first),
        _ if m.points.len() <= MAX_BARS => Shape::Categorical(None),
        _ => Shape::Unplottable,
    }
}

/// Every combination of the two columns' values occurs exactly once.
fn is_grid(m: &Manifest, a: usize, b: usize) -> bool {
    let (na, nb) = (distinct(m, a).len(), distinct(m, b).len());
    let mut pairs: Vec<(&str, &str)> = m.points.iter().map(|p| (p[a].as_str(), p[b].as_str())).collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs.len() == m.points.len() && na * nb == m.points.len()
}

/// Named figures of the sweep folder `dir`.
pub(crate) fn figures(dir: &Path) -> Result<Vec<(String, Figure)>, PlotError> {
    let manifest = results::read_manifest(dir)?;
    if manifest.points.iter().any(|p| p.len() != manifest.columns.len()) {
        return Ok(Vec::new());
    }
    let metrics: Vec<MetricId> = KEYS.iter().map(|k| k.metric).collect();
    let table = tables::read(&dir.join("points.csv"), &metrics)?;
    let (point, scope, id) = (table.col("point")?, table.col("scope")?, table.col("id")?);
    let stat = tables::stats(&table)?;
    let shape = shape(&manifest);
    let mut out = Vec::new();
    for k in &KEYS {
        let mut per_point = vec![Stat::NAN; manifest.points.len()];
        let rows = table
            .rows()
            .iter()
            .filter(|r| r.get(scope) == Some(k.scope) && r.get(id) == Some(k.id) && table.metric(r) == Some(k.metric));
        for r in rows {
            if let Some(slot) = r
                .get(point)
                .and_then(|p| p.parse::<usize>().ok())
                .and_then(|p| per_point.get_mut(p))
            {
                *slot = stat(r).scaled(k.scale).clipped(k.metric.def().unit, k.scale);
            }
        }
        if per_point.iter().all(|s| !s.mean.is_finite()) {
            continue;
        }
        if let Some(fig) = figure(&manifest, &shape, k, &per_point) {
            out.push((k.name.to_string(), fig));
        }
    }
    Ok(out)
}

fn figure(m: &Manifest, shape: &Shape, k: &Key, stats: &[Stat]) -> Option<Figure> {
    match *shape {
        Shape::Numeric(c) => Some(lines(m, c, k, stats, Style::LinesAndPoints)),
        Shape::Design(c) => Some(lines(m, c, k, stats, Style::Points)),
        Shape::Grid(a, b) => Some(heatmap(m, a, b, k, stats)),
        Shape::Categorical(c) => Some(bars(m, c, k, stats)),
        Shape::Unplottable => None,
    }
}

fn value(m: &Manifest, point: usize, c: usize) -> f64 {
    tables::num(m.points[point].get(c).map(String::as_str))
}

fn lines(m: &Manifest, c: usize, k: &Key, stats: &[Stat], style: Style) -> Figure {
    let mut order: Vec<usize> = (0..stats.len()).collect();
    order.sort_by(|&a, &b| value(m, a, c).total_cmp(&value(m, b, c)).then(a.cmp(&b)));
    let column = axis_label(&m.columns[c]);
    let title = match style {
        Style::Points => format!("{} against {column} (other keys vary too; 95% intervals)", k.label),
        _ => format!("{} against {column} (95% band)", k.label),
    };
    Figure::Lines(Lines {
        title,
        series: vec![LineSeries {
            name: k.label.into(),
            colour: k.colour(),
            points: order.iter().map(|&p| (value(m, p, c), stats[p].mean)).collect(),
            band: order
                .iter()
                .map(|&p| (value(m, p, c), stats[p].lo, stats[p].hi))
                .collect(),
        }],
        x_desc: column.clone(),
        y_desc: k.axis_label(),
        style,
        y_from_zero: false,
        legend: false,
        bounds: k.bounds(),
        note: note(m),
    })
}

/// Values of column `c` in axis order: numbers ascending, text as first seen.
fn axis_values(m: &Manifest, c: usize) -> Vec<String> {
    let mut vals: Vec<&str> = distinct(m, c);
    if is_numeric(&vals) {
        vals.sort_by(|a, b| tables::num(Some(a)).total_cmp(&tables::num(Some(b))));
    }
    vals.into_iter().map(str::to_string).collect()
}

fn heatmap(m: &Manifest, a: usize, b: usize, k: &Key, stats: &[Stat]) -> Figure {
    let (xs, ys) = (axis_values(m, a), axis_values(m, b));
    let mut cells = vec![vec![f64::NAN; xs.len()]; ys.len()];
    for (p, labels) in m.points.iter().enumerate() {
        let x = xs.iter().position(|v| *v == labels[a]);
        let y = ys.iter().position(|v| *v == labels[b]);
        if let (Some(x), Some(y)) = (x, y) {
            cells[y][x] = stats[p].mean;
        }
    }
    let (xa, ya) = (axis_label(&m.columns[a]), axis_label(&m.columns[b]));
    Figure::Heatmap(Heatmap {
        title: format!("{}: {xa} x {ya}", k.label),
        x_desc: xa,
        y_desc: ya,
        scale_desc: format!("in {}", k.unit_label()),
        x_labels: xs,
        y_labels: ys,
        cells,
        unit: k.unit,
        note: format!(
            "{}. Swept keys: {}",
            match m.replications {
                0 | 1 => "Means at each point".into(),
                n => format!("Means over n = {n} replications at each point"),
            },
            m.columns.join(", ")
        ),
    })
}

fn bars(m: &Manifest, c: Option<usize>, k: &Key, stats: &[Stat]) -> Figure {
    let label = |p: &Vec<String>| match c {
        Some(c) => p[c].clone(),
        None => m
            .columns
            .iter()
            .zip(p)
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let (y_desc, title) = match c {
        Some(c) => (
            axis_label(&m.columns[c]),
            format!("{} by {} (95% intervals)", k.label, axis_label(&m.columns[c])),
        ),
        None => (String::new(), format!("{} by sweep point (95% intervals)", k.label)),
    };
    let categories: Vec<String> = m.points.iter().map(label).collect();
    Figure::Bars(Bars {
        title,
        colours: vec![k.colour(); categories.len()],
        categories,
        series: vec![BarSeries {
            shade: 0.0,
            values: stats.iter().map(|s| s.mean).collect(),
            intervals: Some(stats.iter().map(|s| (s.lo, s.hi)).collect()),
            notes: Vec::new(),
        }],
        stacked: false,
        markers: Vec::new(),
        legend: Vec::new(),
        x_desc: k.axis_label(),
        y_desc,
        unit: k.unit,
        note: note(m),
        bounds: k.bounds(),
    })
}

/// The footnote of a sweep chart with intervals: n and the swept keys.
fn note(m: &Manifest) -> String {
    format!(
        "{}. Swept keys: {}",
        intervals_note(m.replications, "Means at each point"),
        m.columns.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(columns: &[&str], points: &[&[&str]]) -> Manifest {
        Manifest {
            sweep: "t".into(),
            fingerprint: "0".into(),
            replications: 2,
            seed: 1,
            columns: columns.iter().map(|c| c.to_string()).collect(),
            points: points
                .iter()
                .map(|p| p.iter().map(|v| v.to_string()).collect())
                .collect(),
        }
    }

    #[test]
    fn shapes_are_recognised() {
        assert_eq!(shape(&manifest(&["a"], &[&["1"], &["2"], &["3"]])), Shape::Numeric(0));
        assert_eq!(shape(&manifest(&["a"], &[&["x"], &["y"]])), Shape::Categorical(Some(0)));
        let grid = manifest(&["a", "b"], &[&["1", "4"], &["1", "8"], &["2", "4"], &["2", "8"]]);
        assert_eq!(shape(&grid), Shape::Grid(0, 1));
        let zip = manifest(&["a", "b"], &[&["1", "4"], &["2", "8"]]);
        assert_eq!(shape(&zip), Shape::Design(0));
        let design = manifest(&["a", "b", "c"], &[&["0.5", "-1", "live"], &["0.7", "-2", "none"]]);
        assert_eq!(shape(&design), Shape::Design(0));
        let text_first = manifest(&["c", "a"], &[&["live", "1"], &["none", "2"]]);
        assert_eq!(shape(&text_first), Shape::Categorical(None));
        assert_eq!(shape(&manifest(&["a"], &[&["1"]])), Shape::Categorical(None));
        // A fixed column beside a varying one does not count as an axis.
        assert_eq!(
            shape(&manifest(&["a", "b"], &[&["1", "x"], &["2", "x"]])),
            Shape::Numeric(0)
        );
    }
}
