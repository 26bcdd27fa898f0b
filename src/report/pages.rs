//! Charts and `report.html` for an output folder of any kind (run, sweep,
//! comparison), built from its saved tables only.

use std::path::{Path, PathBuf};

use maud::{Markup, html};

use super::html::{self, Figure};
use super::write_file_atomic;
use crate::compare::{self, Row};
use crate::metrics::MetricId;
use crate::metrics::MetricId as M;
use crate::plot::{self, Chart, Difference};
use crate::results::{self, Stats, Table, TableError};
use crate::scenario::Scenario;

/// Errors building charts or a report. Fatal for the command.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// A chart could not be drawn.
    #[error(transparent)]
    Plot(#[from] plot::PlotError),
    /// A table or scenario could not be read.
    #[error("{}: {message}", path.display())]
    Table {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Writing failed.
    #[error("writing {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The reason.
        source: std::io::Error,
    },
    /// Not an output folder tiersim knows.
    #[error("{}: not a tiersim output folder (no summary.json, points/manifest.json or compare.csv)", .0.display())]
    Unknown(PathBuf),
}

/// What an output folder holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FolderKind {
    /// `tiersim run`.
    Run,
    /// `tiersim sweep` (assembled).
    Sweep,
    /// `tiersim compare`.
    Compare,
}

/// Recognises a folder by its tables.
pub fn kind(dir: &Path) -> Option<FolderKind> {
    if dir.join("compare.csv").is_file() {
        Some(FolderKind::Compare)
    } else if dir.join("points").join("manifest.json").is_file() {
        Some(FolderKind::Sweep)
    } else if dir.join("summary.json").is_file() {
        Some(FolderKind::Run)
    } else {
        None
    }
}

fn table_err(path: &Path, message: impl ToString) -> PageError {
    PageError::Table {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

fn load_scenario(dir: &Path) -> Result<Scenario, PageError> {
    let path = dir.join("scenario.toml");
    Scenario::load(&path).map_err(|e| table_err(&path, e))
}

impl From<TableError> for PageError {
    fn from(e: TableError) -> PageError {
        match e {
            TableError::Missing(path) => table_err(&path, "not found"),
            TableError::Bad { path, message } => PageError::Table { path, message },
        }
    }
}

fn figures(charts: &[Chart]) -> Markup {
    let figs: Vec<Figure> = charts
        .iter()
        .map(|c| Figure {
            name: &c.name,
            svg: &c.svg,
        })
        .collect();
    html::figures(&figs)
}

/// Mean with its interval half-width, formatted for the metric's unit.
fn pm(metric: &str, s: Stats) -> String {
    html::estimate(metric, s.mean, (s.ci_high - s.ci_low) / 2.0)
}

/// Metrics a run report shows per tier, in column order.
const TIER_COLUMNS: [MetricId; 8] = [
    M::FirstContactShare,
    M::Arrivals,
    M::WaitMeanMinutes,
    M::WaitP90Minutes,
    M::Utilization,
    M::ReferralsUpOut,
    M::Admissions,
    M::BedOccupancy,
];

/// Metrics a run report shows per group of residents, in column order.
const GROUP_COLUMNS: [MetricId; 7] = [
    M::Residents,
    M::FirstContactGrassrootsShare,
    M::MeanTravelMinutes,
    M::UnmetEpisodes,
    M::OopPerResident,
    M::CatastrophicShare,
    M::CatastrophicShareBeforeSeriousIllness,
];

/// One row per group of residents of `groups.csv` (dimension, group,
/// [`GROUP_COLUMNS`]); `None` for folders written before groups.
fn group_rows(dir: &Path) -> Result<Option<Vec<Vec<String>>>, PageError> {
    let path = dir.join("groups.csv");
    if !path.is_file() {
        return Ok(None);
    }
    let table = Table::read(&path, Some(&GROUP_COLUMNS))?;
    let (dim, group, stats) = (table.col("dimension")?, table.col("group")?, table.stats()?);
    let mut subjects: Vec<(String, String)> = Vec::new();
    for r in table.rows() {
        let key = (
            r.get(dim).unwrap_or("").to_string(),
            r.get(group).unwrap_or("").to_string(),
        );
        if !subjects.contains(&key) {
            subjects.push(key);
        }
    }
    let mut rows = Vec::new();
    for (d, g) in subjects {
        let mut row = vec![d.clone(), g.clone()];
        for metric in GROUP_COLUMNS {
            let r = table.find(metric, &[("dimension", &d), ("group", &g)])?;
            row.push(r.map_or("-".into(), |r| pm(metric.name(), stats(r))));
        }
        rows.push(row);
    }
    Ok(Some(rows))
}

/// The definition of catastrophic spending the run used, in words.
fn catastrophic_rule(s: &Scenario) -> String {
    let c = &s.catastrophic;
    let pct = c.threshold * 100.0;
    match c.definition {
        crate::scenario::CatastrophicDefinition::IncomeShare => {
            format!("yearly out-of-pocket above {pct}% of the income group's income (SDG 3.8.2).")
        }
        crate::scenario::CatastrophicDefinition::CapacityToPay => format!(
            "yearly out-of-pocket of at least {pct}% of capacity to pay, income less {} CNY subsistence (WHO).",
            c.subsistence
        ),
    }
}

/// `report.html` of a run folder.
pub fn run_page(dir: &Path, charts: &[Chart]) -> Result<String, PageError> {
    let scenario = load_scenario(dir)?;
    let tiers = Table::read(&dir.join("tiers.csv"), Some(&TIER_COLUMNS))?;
    let system = Table::read(&dir.join("system.csv"), None)?;
    let (tier_stats, sys_stats) = (tiers.stats()?, system.stats()?);
    let mut tier_rows: Vec<Vec<String>> = Vec::new();
    for t in crate::scenario::Tier::ALL {
        let mut row = vec![t.name().to_string()];
        for metric in TIER_COLUMNS {
            let r = tiers.find(metric, &[("tier", t.name())])?;
            row.push(r.map_or("-".into(), |r| pm(metric.name(), tier_stats(r))));
        }
        tier_rows.push(row);
    }
    let mut headers = vec!["tier"];
    headers.extend(TIER_COLUMNS.map(MetricId::name));
    let name = system.col("metric")?;
    let sys_rows: Vec<Vec<String>> = system
        .rows()
        .iter()
        .map(|r| {
            let metric = r.get(name).unwrap_or_default();
            vec![metric.to_string(), pm(metric, sys_stats(r))]
        })
        .collect();
    let groups = group_rows(dir)?;
    let mut group_headers = vec!["dimension", "group"];
    group_headers.extend(GROUP_COLUMNS.map(MetricId::name));
    let tables = [
        "summary.json",
        "system.csv",
        "tiers.csv",
        "facilities.csv",
        "alliances.csv",
        "groups.csv",
        "daily.csv",
        "runs.csv",
        "scenario.toml",
    ];
    let body = html! {
        (html::scenario_summary(&scenario))
        h2 { "Tiers (mean ± half-width of the 95% interval)" }
        (html::table(&headers, &tier_rows))
        h2 { "System" }
        (html::table(&["metric", "mean ± 95% half-width"], &sys_rows))
        @if let Some(rows) = &groups {
            h2 { "Groups of residents (mean ± half-width of the 95% interval)" }
            p { "Catastrophic spending: " (catastrophic_rule(&scenario)) }
            (html::table(&group_headers, rows))
        }
        (figures(charts))
        (html::file_links(dir, &tables))
    };
    Ok(html::page(
        &format!("tiersim run: {}", scenario.name),
        "Every figure is a mean over replications with its 95% t-interval; warm-up days excluded.",
        body,
    ))
}

/// System metrics a sweep report tabulates per point.
const SWEEP_COLUMNS: [MetricId; 5] = [
    M::FirstContactGrassrootsShare,
    M::BypassRate,
    M::GrassrootsVisitShare,
    M::MeanTravelMinutes,
    M::CostPerEpisode,
];

/// `report.html` of an assembled sweep folder.
pub fn sweep_page(dir: &Path, charts: &[Chart]) -> Result<String, PageError> {
    let scenario = load_scenario(dir)?;
    let manifest = results::read_manifest(dir)?;
    let points = Table::read(&dir.join("points.csv"), Some(&SWEEP_COLUMNS))?;
    let stats = points.stats()?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (p, labels) in manifest.points.iter().enumerate() {
        let mut row = vec![p.to_string()];
        row.extend(labels.iter().cloned());
        let point = p.to_string();
        for metric in SWEEP_COLUMNS {
            let r = points.find(metric, &[("point", &point), ("scope", "system")])?;
            row.push(r.map_or("-".into(), |r| pm(metric.name(), stats(r))));
        }
        rows.push(row);
    }
    let mut headers: Vec<&str> = vec!["point"];
    headers.extend(manifest.columns.iter().map(String::as_str));
    headers.extend(SWEEP_COLUMNS.map(MetricId::name));
    let body = html! {
        (html::scenario_summary(&scenario))
        p {
            (manifest.points.len()) " points x " (manifest.replications)
            " replication(s), the same seeds at every point (common random numbers). Base scenario above; swept keys: "
            (manifest.columns.join(", ")) "."
        }
        h2 { "Points" }
        (html::table(&headers, &rows))
        (figures(charts))
        (html::file_links(dir, &["points.csv", "runs.csv", "scenario.toml"]))
    };
    Ok(html::page(
        &format!("tiersim sweep: {}", manifest.sweep),
        "Means over replications with 95% t-intervals, per point.",
        body,
    ))
}

/// The chart's view of the largest changes.
pub fn differences(rows: &[&Row]) -> Vec<Difference> {
    rows.iter()
        .map(|r| Difference {
            label: r.label(),
            baseline: r.baseline,
            reform: r.reform,
            diff: r.diff,
            ci_low: r.ci_low,
            ci_high: r.ci_high,
            n: r.n,
        })
        .collect()
}

/// `report.html` of a comparison.
pub fn compare_page(
    baseline: &Path,
    reform: &Path,
    comparison: &compare::Comparison,
    charts: &[Chart],
) -> Result<String, PageError> {
    let rows = &comparison.rows;
    let (a, b) = (load_scenario(baseline)?, load_scenario(reform)?);
    let largest = compare::largest_changes(rows, 20);
    let inputs = compare::rank(rows, 0).inputs;
    let all: Vec<&Row> = rows
        .iter()
        .filter(|r| matches!(r.scope.as_str(), "system" | "tier"))
        .collect();
    let body = html! {
        p {
            "Baseline " b { (a.name) } " (" (baseline.display()) ") against reform " b { (b.name) }
            " (" (reform.display()) "), paired replication by replication on common seeds."
        }
        h2 { "Headline outcomes and largest changes" }
        p {
            "Headline system outcomes first, then the other outcomes ranked by |difference| / standard error; "
            "changes in shares are in percentage points (pp)."
        }
        (html::compare_table(&largest))
        (figures(charts))
        @if !inputs.is_empty() {
            h2 { "Inputs that differ" }
            p { "These restate the scenarios' inputs, so they are not ranked as effects." }
            (html::compare_table(&inputs))
        }
        h2 { "What the reform buys" }
        p {
            "The fund's extra spending (fund_total) per extra grassroots first contact "
            "(first_contact_grassroots_share x episodes) and per poor outcome averted: the mean paired "
            "differences' ratio, with Fieller's 95% set, which is unbounded where the effect's own "
            "interval contains zero. Dominant: saves money and does more; dominated: costs more and does less."
        }
        (html::buys_table(&comparison.buys))
        h2 { "Every system and tier metric" }
        (html::compare_table(&all))
        p.files {
            "Tables: " a href="compare.csv" { "compare.csv" } " " a href="buys.csv" { "buys.csv" }
        }
    };
    Ok(html::page(
        &format!("tiersim compare: {} vs {}", a.name, b.name),
        "Differences are reform - baseline, mean over paired replications with 95% t-intervals.",
        body,
    ))
}

/// Draws a folder's charts and writes them and `report.html` into it.
pub fn decorate(dir: &Path) -> Result<FolderKind, PageError> {
    let kind = kind(dir).ok_or_else(|| PageError::Unknown(dir.to_path_buf()))?;
    let (charts, page) = match kind {
        FolderKind::Run => {
            let charts = plot::run_charts(dir)?;
            let page = run_page(dir, &charts)?;
            (charts, page)
        }
        FolderKind::Sweep => {
            let charts = plot::sweep_charts(dir)?;
            let page = sweep_page(dir, &charts)?;
            (charts, page)
        }
        FolderKind::Compare => return decorate_compare(dir).map(|_| FolderKind::Compare),
    };
    write_outputs(dir, &charts, &page)?;
    Ok(kind)
}

fn write_outputs(dir: &Path, charts: &[Chart], page: &str) -> Result<(), PageError> {
    plot::write_charts(dir, charts).map_err(|source| PageError::Io {
        path: dir.join("charts"),
        source,
    })?;
    let path = dir.join("report.html");
    write_file_atomic(&path, page.as_bytes()).map_err(|source| PageError::Io { path, source })
}

/// A comparison folder remembers its two inputs in `compare.toml`.
fn decorate_compare(dir: &Path) -> Result<(), PageError> {
    let path = dir.join("compare.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| table_err(&path, e))?;
    let t: toml::Table = text.parse().map_err(|e| table_err(&path, e))?;
    let get = |k: &str| {
        t.get(k)
            .and_then(|v| v.as_str())
            .map(PathBuf::from)
            .ok_or_else(|| table_err(&path, format!("missing `{k}`")))
    };
    write_compare(&get("baseline")?, &get("reform")?, dir)
}

/// Compares two run folders into `out`: compare.csv, buys.csv, compare.toml, the
/// chart and the report.
pub fn write_compare(baseline: &Path, reform: &Path, out: &Path) -> Result<(), PageError> {
    let comparison = compare::compare_runs(baseline, reform).map_err(|e| table_err(baseline, e))?;
    let rows = &comparison.rows;
    let chart = plot::compare_chart(&differences(&compare::largest_changes(rows, 20)))?;
    let charts = [chart];
    let page = compare_page(baseline, reform, &comparison, &charts)?;
    std::fs::create_dir_all(out).map_err(|source| PageError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    let io = |path: PathBuf| move |source| PageError::Io { path, source };
    write_file_atomic(&out.join("compare.csv"), &compare::csv(rows)).map_err(io(out.join("compare.csv")))?;
    let buys = compare::buys::csv(&comparison.buys);
    write_file_atomic(&out.join("buys.csv"), &buys).map_err(io(out.join("buys.csv")))?;
    // Absolute paths, so `tiersim plot` redraws it from any working directory.
    let absolute = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let memo = format!(
        "# The folders this comparison was made from (tiersim plot redraws it from them).\nbaseline = {}\nreform = {}\n",
        toml::Value::String(absolute(baseline).display().to_string()),
        toml::Value::String(absolute(reform).display().to_string())
    );
    write_file_atomic(&out.join("compare.toml"), memo.as_bytes()).map_err(io(out.join("compare.toml")))?;
    write_outputs(out, &charts, &page)
}
