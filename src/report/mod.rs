//! Output files: JSON and CSV tables.
//!
//! A run's files go into a folder staged by [`crate::output`] and renamed
//! into place only when complete, so a failed or interrupted run never
//! leaves a half-written output folder. Numbers are printed with
//! Rust's shortest round-trip formatting, so equal results give
//! byte-identical files.

use std::fmt::Write as _;
use std::io;

use serde_json::{Map, Value, json};

use crate::metrics::MetricId as M;
use crate::metrics::catalogue::{self, MetricDef};
use crate::metrics::groups::group_name;
use crate::metrics::{MetricId, RunOutput, Scope, ScopeKind, Summary};
use crate::output::Staged;
use crate::scenario::resolved;
use crate::world::World;

pub mod html;
pub mod pages;
pub mod terminal;

pub use crate::output::write_file_atomic;
pub use crate::results::{num, runs_csv, scope_label};
use crate::results::{stats_fields, summary_header};

/// Writes a CSV built from rows of already-formatted fields.
fn csv_bytes(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for row in rows {
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

fn stats_json(s: &Summary) -> Value {
    json!({ "mean": s.mean, "sd": s.sd, "ci_low": s.ci_low, "ci_high": s.ci_high, "n": s.n })
}

/// `summary.json`: every metric with mean, sd, 95% t-interval and n.
pub fn summary_json(world: &World, summaries: &[Summary]) -> Vec<u8> {
    let s = &world.scenario;
    let mut system = Map::new();
    let mut tiers = Map::new();
    let mut alliances = Map::new();
    let mut groups = Map::new();
    let mut facilities: Vec<Map<String, Value>> = world
        .facilities
        .iter()
        .map(|f| {
            let mut m = Map::new();
            m.insert("name".into(), json!(f.name));
            m.insert("tier".into(), json!(f.tier.name()));
            m.insert("region".into(), json!(s.regions[f.region.0 as usize].name));
            m.insert("metrics".into(), Value::Object(Map::new()));
            m
        })
        .collect();
    for m in summaries {
        match m.scope {
            Scope::System => {
                system.insert(m.name.into(), stats_json(m));
            }
            Scope::Tier(t) => {
                let e = tiers.entry(t.name()).or_insert_with(|| Value::Object(Map::new()));
                e.as_object_mut()
                    .expect("tier entries are objects")
                    .insert(m.name.into(), stats_json(m));
            }
            Scope::Alliance(i) => {
                let e = alliances
                    .entry(s.alliances[i as usize].clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                e.as_object_mut()
                    .expect("alliance entries are objects")
                    .insert(m.name.into(), stats_json(m));
            }
            Scope::Facility(i) => {
                let e = facilities[i as usize]
                    .get_mut("metrics")
                    .and_then(Value::as_object_mut)
                    .expect("facility entries have metrics");
                e.insert(m.name.into(), stats_json(m));
            }
            Scope::Group(dim, i) => {
                let e = groups
                    .entry(dim.name())
                    .or_insert_with(|| Value::Object(Map::new()))
                    .as_object_mut()
                    .expect("dimension entries are objects")
                    .entry(group_name(world, dim, i))
                    .or_insert_with(|| Value::Object(Map::new()));
                e.as_object_mut()
                    .expect("group entries are objects")
                    .insert(m.name.into(), stats_json(m));
            }
        }
    }
    let doc = json!({
        "scenario": s.name,
        "seed": s.seed,
        "replications": s.replications,
        "days": s.days,
        "warmup_days": s.warmup_days,
        "confidence": 0.95,
        "system": system,
        "tiers": tiers,
        "alliances": alliances,
        "facilities": facilities,
        "groups": groups,
    });
    let mut out = serde_json::to_vec_pretty(&doc).expect("JSON values always serialise");
    out.push(b'\n');
    out
}

/// The columns naming a summary's subject at a kind of scope.
fn subject_columns(kind: ScopeKind) -> &'static [&'static str] {
    match kind {
        ScopeKind::Tier => &["tier"],
        ScopeKind::Facility => &["facility", "tier", "region"],
        ScopeKind::Alliance => &["alliance"],
        ScopeKind::Group => &["dimension", "group"],
        ScopeKind::System | ScopeKind::Daily => &[],
    }
}

/// The values of [`subject_columns`] for `scope`.
fn subject(world: &World, scope: Scope) -> Vec<String> {
    match scope {
        Scope::System => Vec::new(),
        Scope::Tier(t) => vec![t.name().to_string()],
        Scope::Facility(i) => {
            let f = &world.facilities[i as usize];
            let region = world.scenario.regions[f.region.0 as usize].name.clone();
            vec![f.name.clone(), f.tier.name().to_string(), region]
        }
        Scope::Alliance(i) => vec![world.scenario.alliances[i as usize].clone()],
        Scope::Group(dim, i) => vec![dim.name().to_string(), group_name(world, dim, i)],
    }
}

/// Writes every output of a run into `dir` (not yet committed).
pub fn write_run(dir: &Staged<'_>, world: &World, runs: &[RunOutput], summaries: &[Summary]) -> io::Result<()> {
    dir.write("summary.json", &summary_json(world, summaries))?;
    let tables = [
        ("tiers.csv", ScopeKind::Tier),
        ("facilities.csv", ScopeKind::Facility),
        ("alliances.csv", ScopeKind::Alliance),
        ("system.csv", ScopeKind::System),
        ("groups.csv", ScopeKind::Group),
    ];
    for (file, kind) in tables {
        let rows = summaries.iter().filter(|m| m.scope.kind() == kind).map(|m| {
            let mut row = subject(world, m.scope);
            row.extend(stats_fields(m));
            row
        });
        dir.write(file, &csv_bytes(&summary_header(subject_columns(kind)), rows)?)?;
    }
    dir.write("runs.csv", &runs_csv(world, runs, |_| true)?)?;
    dir.write("runs_wide.csv", &runs_wide_csv(world, runs)?)?;
    dir.write("daily.csv", &daily_csv(runs)?)?;
    dir.write("scenario.toml", resolved::to_toml(&world.scenario).as_bytes())?;
    Ok(())
}

/// A column name for wide tables, from its parts (`tier`, `county`,
/// `wait_mean_minutes` -> `tier_county_wait_mean_minutes`): letters, digits
/// and underscores only, starting with a letter, so R's `check.names`,
/// pandas and Excel keep it as it is. Other characters (a Chinese alliance
/// name, a space, a dot of a key path) become `_` or, when not ASCII,
/// `u` and their code point in hex, so distinct names stay distinct.
pub fn wide_name(parts: &[&str]) -> String {
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('_');
        }
        for c in part.chars() {
            match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '_' => out.push(c),
                c if c.is_ascii() => out.push('_'),
                c => {
                    let _ = write!(out, "u{:x}", u32::from(c));
                }
            }
        }
    }
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert(0, 'x');
    }
    out
}

/// The wide-table column of a system, tier or alliance metric; `None` for
/// facility metrics (too many columns: they stay in the long tables).
fn wide_column(world: &World, scope: Scope, metric: &str) -> Option<String> {
    match scope {
        Scope::System => Some(wide_name(&["system", metric])),
        Scope::Tier(t) => Some(wide_name(&["tier", t.name(), metric])),
        Scope::Alliance(i) => Some(wide_name(&["alliance", &world.scenario.alliances[i as usize], metric])),
        Scope::Facility(_) | Scope::Group(..) => None,
    }
}

/// `runs_wide.csv`: one row per replication, one column per system, tier
/// and alliance metric (for pandas, R and Excel; group metrics stay in
/// the long tables, as facility metrics do).
fn runs_wide_csv(world: &World, runs: &[RunOutput]) -> io::Result<Vec<u8>> {
    let Some(first) = runs.first() else {
        return csv_bytes(&["replication", "seed"], std::iter::empty());
    };
    let columns: Vec<(Scope, &str, String)> = first
        .metrics
        .iter()
        .filter_map(|m| wide_column(world, m.scope, m.name).map(|c| (m.scope, m.name, c)))
        .collect();
    let mut header = vec!["replication", "seed"];
    header.extend(columns.iter().map(|(_, _, c)| c.as_str()));
    let seed = world.scenario.seed.to_string();
    let rows = runs.iter().map(|r| {
        let mut row = vec![r.replication.to_string(), seed.clone()];
        row.extend(
            columns
                .iter()
                .map(|(scope, name, _)| r.get(*scope, name).map_or_else(String::new, num)),
        );
        row
    });
    csv_bytes(&header, rows)
}

/// `daily.csv`: tidy, one row per replication x day x tier x metric (the
/// catalogue's daily metrics, in its order).
fn daily_csv(runs: &[RunOutput]) -> io::Result<Vec<u8>> {
    let daily: Vec<&MetricDef> = catalogue::at(ScopeKind::Daily).collect();
    let daily = &daily;
    let rows = runs.iter().flat_map(|r| {
        r.daily.iter().flat_map(move |d| {
            daily.iter().map(move |m| {
                vec![
                    r.replication.to_string(),
                    d.day.to_string(),
                    d.tier.name().to_string(),
                    m.name.to_string(),
                    num(d.value(m.id).unwrap_or(f64::NAN)),
                ]
            })
        })
    });
    csv_bytes(&["replication", "day", "tier", "metric", "value"], rows)
}

/// Thousands separators for a non-negative count, e.g. 300000 -> "300,000".
pub fn thousands(x: f64) -> String {
    if x.is_finite() { grouped(x, 0) } else { "-".into() }
}

/// A finite `x` with `digits` decimals and thousands separators:
/// 1234567.8 -> "1,234,567.8"; a value that rounds to zero never reads "-0".
pub fn grouped(x: f64, digits: usize) -> String {
    let s = format!("{:.*}", digits, x);
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (rest.bytes().any(|b| (b'1'..=b'9').contains(&b)), rest),
        None => (false, s.as_str()),
    };
    let (int, frac) = body.split_once('.').map_or((body, None), |(i, f)| (i, Some(f)));
    let mut out = String::from(if negative { "-" } else { "" });
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// A summary of one metric, if present.
fn get(summaries: &[Summary], scope: Scope, id: MetricId) -> Option<&Summary> {
    summaries.iter().find(|m| m.scope == scope && m.name == id.name())
}

fn half(m: &Summary) -> f64 {
    (m.ci_high - m.ci_low) / 2.0
}

/// "31.2% ±1.1" style: the mean and half-width times `scale`.
fn pm(m: Option<&Summary>, scale: f64, digits: usize, unit: &str) -> String {
    match m {
        Some(m) if m.mean.is_finite() && half(m).is_finite() => {
            format!("{:.*}{unit} ±{:.*}", digits, m.mean * scale, digits, half(m) * scale)
        }
        Some(m) if m.mean.is_finite() => format!("{:.*}{unit}", digits, m.mean * scale),
        _ => "-".into(),
    }
}

fn count(m: Option<&Summary>) -> String {
    m.map_or_else(|| "-".into(), |m| thousands(m.mean))
}

/// One row per tier of the table `tiersim run` prints.
fn tier_rows(world: &World, summaries: &[Summary]) -> Vec<Vec<String>> {
    let s = &world.scenario;
    let days = f64::from(s.days - s.warmup_days);
    crate::scenario::Tier::ALL
        .into_iter()
        .map(|tier| {
            let scope = Scope::Tier(tier);
            let get = |id| get(summaries, scope, id);
            let sites = world.facilities.iter().filter(|f| f.tier == tier).count();
            let visits =
                get(M::Arrivals).map(|m| format!("{} ±{}", thousands(m.mean / days), thousands(half(m) / days)));
            vec![
                tier.name().to_string(),
                sites.to_string(),
                pm(get(M::FirstContactShare), 100.0, 1, "%"),
                visits.unwrap_or_else(|| "-".into()),
                pm(get(M::WaitMeanMinutes), 1.0, 1, ""),
                get(M::WaitP90Minutes).map_or_else(|| "-".into(), |m| format!("{:.1}", m.mean)),
                pm(get(M::Utilization), 100.0, 1, "%"),
                count(get(M::ReferralsUpOut)),
                count(get(M::Admissions)),
            ]
        })
        .collect()
}

/// The system line of the table `tiersim run` prints: (heading, cell).
fn system_cells(summaries: &[Summary]) -> [(&'static str, String); 7] {
    let sys = |id, scale: f64, digits: usize, unit: &str| pm(get(summaries, Scope::System, id), scale, digits, unit);
    [
        (
            "grassroots first contact",
            sys(M::FirstContactGrassrootsShare, 100.0, 1, "%"),
        ),
        ("within county", sys(M::WithinCountyRate, 100.0, 1, "%")),
        ("bypass", sys(M::BypassRate, 100.0, 1, "%")),
        ("travel min", sys(M::MeanTravelMinutes, 1.0, 1, "")),
        ("cost/episode CNY", sys(M::CostPerEpisode, 1.0, 0, "")),
        ("out-of-pocket share", sys(M::OopShare, 100.0, 1, "%")),
        ("unmet episodes", count(get(summaries, Scope::System, M::UnmetEpisodes))),
    ]
}

/// The compact per-tier table `tiersim run` prints.
pub fn tier_table(world: &World, summaries: &[Summary]) -> String {
    let s = &world.scenario;
    let rows = tier_rows(world, summaries);
    let header = [
        "tier",
        "sites",
        "first contact",
        "visits/day",
        "wait min",
        "p90 min",
        "utilization",
        "referred up",
        "admissions",
    ];
    let system = system_cells(summaries);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} replication(s) x {} days ({} warm-up), {} residents, {} facilities; ± is the 95% interval's half-width",
        s.name,
        s.replications,
        s.days,
        s.warmup_days,
        thousands(s.population() as f64),
        world.facilities.len()
    );
    let _ = writeln!(out, "{}", terminal::table(&header, &rows, &[0]));
    let (names, values): (Vec<&str>, Vec<String>) = system.into_iter().unzip();
    let _ = writeln!(out, "{}", terminal::table(&names, &[values], &[]));
    out
}
