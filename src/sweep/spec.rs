//! Sweep files: a base scenario, fixed overrides and axes (or an external
//! design), expanded into checked sweep points before anything runs.
//!
//! Values are set by key path on the base scenario's TOML (so any key a
//! scenario has can be swept, defaults included), and every point is
//! validated like a scenario file: a bad path or value is reported with
//! its axis before the first replication starts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::scenario::error::did_you_mean;
use crate::scenario::{Scenario, ScenarioError, kind, validate};

/// A sweep file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSweep {
    name: Option<String>,
    base: Option<String>,
    replications: Option<i64>,
    days: Option<i64>,
    combine: Option<String>,
    design: Option<String>,
    #[serde(default)]
    set: BTreeMap<String, toml::Value>,
    #[serde(default)]
    axis: Vec<RawAxis>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAxis {
    path: Option<String>,
    values: Option<Vec<toml::Value>>,
    range: Option<RawRange>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange {
    start: toml::Value,
    stop: toml::Value,
    step: toml::Value,
}

/// One point of a sweep: its values and the scenario they make.
#[derive(Clone, Debug)]
pub struct Point {
    /// The value of every column, as text (for output tables).
    pub labels: Vec<String>,
    /// The checked scenario of this point.
    pub scenario: Scenario,
}

/// A checked sweep, ready to run.
#[derive(Clone, Debug)]
pub struct SweepPlan {
    /// Sweep name (names the output folder).
    pub name: String,
    /// The sweep file.
    pub file: PathBuf,
    /// The base scenario with `set` and overrides applied (no axis values).
    pub base: Scenario,
    /// Key paths the points vary (the columns of the output tables).
    pub columns: Vec<String>,
    /// Every point, in order (first axis slowest for grids).
    pub points: Vec<Point>,
}

impl SweepPlan {
    /// Replications per point (the same seeds at every point).
    pub fn replications(&self) -> u32 {
        self.base.replications
    }
}

/// Why a sweep file cannot run. Fatal: each line names the file and key.
#[derive(Debug, thiserror::Error)]
#[error("{}", .lines.join("\n"))]
pub struct SweepInputError {
    /// One message per problem.
    pub lines: Vec<String>,
}

/// Most points a sweep may have.
const MAX_POINTS: usize = 1_000_000;

/// One problem of the sweep file `origin`.
fn fail(origin: &str, msg: String) -> SweepInputError {
    SweepInputError {
        lines: vec![format!("{origin}: {msg}")],
    }
}

/// Reads, expands and checks a sweep file.
pub fn plan(file: &Path) -> Result<SweepPlan, SweepInputError> {
    let origin = file.display().to_string();
    let raw = read_sweep(file, &origin)?;
    let dir = file.parent().unwrap_or(Path::new("."));
    let mut problems = Vec::new();
    let (base_path, base_table) = base_with_set(&raw, dir, &origin, &mut problems)?;
    let base = check_base(&base_table, &base_path, &origin, &mut problems)?;
    let (columns, rows) = match (&raw.design, raw.axis.is_empty()) {
        (Some(_), false) => {
            return Err(fail(
                &origin,
                "give either [[axis]] entries or `design`, not both".into(),
            ));
        }
        (Some(design), true) => read_design(&dir.join(design), design).map_err(|m| fail(&origin, m))?,
        (None, _) => axes(&raw, &origin, &mut problems)?,
    };
    if !problems.is_empty() {
        return Err(SweepInputError { lines: problems });
    }
    if rows.len() > MAX_POINTS {
        return Err(fail(&origin, format!("{} points: at most {MAX_POINTS}", rows.len())));
    }
    let points = expand(&base_table, &columns, rows, &origin)?;
    Ok(SweepPlan {
        name: sweep_name(raw.name, file, &origin)?,
        file: file.to_path_buf(),
        base,
        columns,
        points,
    })
}

/// The sweep file as written (a scenario file given instead is named as such).
fn read_sweep(file: &Path, origin: &str) -> Result<RawSweep, SweepInputError> {
    let text = std::fs::read_to_string(file).map_err(|e| fail(origin, format!("cannot read sweep file: {e}")))?;
    if let Some(message) = text
        .parse::<toml::Table>()
        .ok()
        .and_then(|t| kind::not_a_sweep(&t, origin))
    {
        return Err(fail(origin, message));
    }
    toml::from_str(&text).map_err(|e| fail(origin, validate::syntax_message(&text, &e)))
}

/// The base scenario's path and table, with the sweep's `replications`,
/// `days` and `set` applied; a bad `set` path is pushed to `problems`.
fn base_with_set(
    raw: &RawSweep,
    dir: &Path,
    origin: &str,
    problems: &mut Vec<String>,
) -> Result<(PathBuf, toml::Table), SweepInputError> {
    let base_rel = raw.base.clone().ok_or_else(|| {
        fail(
            origin,
            "missing `base`: the scenario file to sweep, relative to this file".into(),
        )
    })?;
    let base_path = dir.join(&base_rel);
    let base_text = std::fs::read_to_string(&base_path).map_err(|e| {
        fail(
            origin,
            format!("base = \"{base_rel}\": cannot read {}: {e}", base_path.display()),
        )
    })?;
    let mut table: toml::Table = toml::from_str(&base_text).map_err(|e| {
        fail(
            origin,
            format!(
                "base = \"{base_rel}\": {} is not valid TOML: {}",
                base_path.display(),
                validate::syntax_message(&base_text, &e)
            ),
        )
    })?;
    if let Some(r) = raw.replications {
        table.insert("replications".into(), toml::Value::Integer(r));
    }
    if let Some(d) = raw.days {
        table.insert("days".into(), toml::Value::Integer(d));
    }
    for (path, value) in &raw.set {
        if let Err(e) = set_path(&mut table, path, value.clone()) {
            problems.push(format!("{origin}: set.\"{path}\": {e}"));
        }
    }
    Ok((base_path, table))
}

/// The checked base scenario (with `set` applied); when it is invalid,
/// every problem so far and its own.
fn check_base(
    table: &toml::Table,
    base_path: &Path,
    origin: &str,
    problems: &mut Vec<String>,
) -> Result<Scenario, SweepInputError> {
    match validate::from_table(table.clone(), &base_path.display().to_string()) {
        Ok((s, _)) => Ok(s),
        Err(e) => {
            problems.extend(
                e.lines()
                    .into_iter()
                    .map(|l| format!("{origin}: base scenario with `set` applied: {l}")),
            );
            Err(SweepInputError {
                lines: std::mem::take(problems),
            })
        }
    }
}

/// The sweep's name (the file stem by default), checked to name a folder.
fn sweep_name(name: Option<String>, file: &Path, origin: &str) -> Result<String, SweepInputError> {
    let name = match name {
        Some(n) => n,
        None => file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "sweep".into()),
    };
    if name.is_empty() || name.starts_with('.') || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(fail(
            origin,
            format!("name = \"{name}\": expected letters, digits, '-', '_' or '.' (it names the output folder)"),
        ));
    }
    Ok(name)
}

/// The axes' values combined into rows (grid: first axis slowest; zip:
/// the i-th value of every axis).
fn axes(
    raw: &RawSweep,
    origin: &str,
    problems: &mut Vec<String>,
) -> Result<(Vec<String>, Vec<Vec<toml::Value>>), SweepInputError> {
    if raw.axis.is_empty() {
        return Err(fail(origin, "no [[axis]] and no `design`: nothing to sweep".into()));
    }
    let (columns, values) = axis_values(raw, origin, problems);
    if !problems.is_empty() {
        return Err(SweepInputError {
            lines: std::mem::take(problems),
        });
    }
    let rows = match raw.combine.as_deref().unwrap_or("grid") {
        "grid" => {
            // Counted (without wrapping) before a single row is built.
            let count = values
                .iter()
                .try_fold(1usize, |acc, v| acc.checked_mul(v.len()))
                .filter(|&n| n <= MAX_POINTS);
            if count.is_none() {
                let sizes: Vec<String> = values.iter().map(|v| v.len().to_string()).collect();
                return Err(fail(
                    origin,
                    format!(
                        "combine = \"grid\" makes {} points: at most {MAX_POINTS} (fewer values per axis, or combine = \"zip\")",
                        sizes.join(" x ")
                    ),
                ));
            }
            grid(&values)
        }
        "zip" => zip(&values, origin)?,
        other => {
            let hint = did_you_mean(other, ["grid", "zip"]).unwrap_or_default();
            return Err(fail(
                origin,
                format!("combine = \"{other}\": expected \"grid\" or \"zip\"{hint}"),
            ));
        }
    };
    Ok((columns, rows))
}

/// Each axis' key path and values; a problem with an axis is pushed and
/// the axis left out.
fn axis_values(raw: &RawSweep, origin: &str, problems: &mut Vec<String>) -> (Vec<String>, Vec<Vec<toml::Value>>) {
    let mut columns = Vec::new();
    let mut values = Vec::new();
    for (i, a) in raw.axis.iter().enumerate() {
        let Some(path) = a.path.clone() else {
            problems.push(format!(
                "{origin}: axis[{i}].path: missing: the scenario key to vary, e.g. \"policy.outpatient.rate.township\""
            ));
            continue;
        };
        let v = match (&a.values, &a.range) {
            (Some(v), None) if !v.is_empty() => v.clone(),
            (None, Some(r)) => match range(r) {
                Ok(v) => v,
                Err(e) => {
                    problems.push(format!("{origin}: axis[{i}] ({path}).range: {e}"));
                    continue;
                }
            },
            _ => {
                problems.push(format!(
                    "{origin}: axis[{i}] ({path}): give either `values = [...]` (not empty) or `range = {{ start, stop, step }}`"
                ));
                continue;
            }
        };
        columns.push(path);
        values.push(v);
    }
    (columns, values)
}

/// The i-th value of every axis, for axes of equal length.
fn zip(values: &[Vec<toml::Value>], origin: &str) -> Result<Vec<Vec<toml::Value>>, SweepInputError> {
    let n = values[0].len();
    if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| v.len() != n) {
        return Err(fail(
            origin,
            format!(
                "combine = \"zip\" needs axes of equal length: axis[0] has {n} values, axis[{i}] has {}",
                v.len()
            ),
        ));
    }
    Ok((0..n).map(|k| values.iter().map(|v| v[k].clone()).collect()).collect())
}

/// Cartesian product, first axis slowest.
fn grid(values: &[Vec<toml::Value>]) -> Vec<Vec<toml::Value>> {
    let mut rows: Vec<Vec<toml::Value>> = vec![Vec::new()];
    for axis in values {
        rows = rows
            .into_iter()
            .flat_map(|row| {
                axis.iter().map(move |v| {
                    let mut r = row.clone();
                    r.push(v.clone());
                    r
                })
            })
            .collect();
        if rows.len() > MAX_POINTS {
            break;
        }
    }
    rows
}

/// Applies every row to the base and checks the resulting scenarios,
/// reporting problems by axis (each distinct problem once).
fn expand(
    base: &toml::Table,
    columns: &[String],
    rows: Vec<Vec<toml::Value>>,
    origin: &str,
) -> Result<Vec<Point>, SweepInputError> {
    let mut points = Vec::with_capacity(rows.len());
    let mut lines: Vec<String> = Vec::new();
    for (p, row) in rows.into_iter().enumerate() {
        let mut table = base.clone();
        let mut ok = true;
        for (col, value) in columns.iter().zip(&row) {
            if let Err(e) = set_path(&mut table, col, value.clone()) {
                push_once(&mut lines, format!("{origin}: axis {col}: {e}"));
                ok = false;
            }
        }
        if !ok {
            continue;
        }
        match validate::from_table(table, "point") {
            Ok((scenario, _)) => points.push(Point {
                labels: row.iter().map(label).collect(),
                scenario,
            }),
            Err(ScenarioError::Invalid { problems, .. }) => {
                for prob in problems {
                    let plain = prob.plain_path();
                    let axis = columns
                        .iter()
                        .zip(&row)
                        .find(|(c, _)| plain.starts_with(c.as_str()) || c.starts_with(plain.as_str()));
                    let msg = match axis {
                        // An unknown key is wrong whatever its value.
                        Some((c, _)) if prob.message.starts_with("unknown key") => {
                            format!("{origin}: axis {c}: {}", prob.message)
                        }
                        Some((c, v)) => format!("{origin}: axis {c} = {}: {}", label(v), prob.message),
                        None => format!("{origin}: point {p}: {}: {}", prob.path, prob.message),
                    };
                    push_once(&mut lines, msg);
                }
            }
            Err(e) => push_once(&mut lines, format!("{origin}: point {p}: {e}")),
        }
        if lines.len() >= 20 {
            lines.push(format!("{origin}: (stopped after 20 problems)"));
            break;
        }
    }
    if lines.is_empty() {
        Ok(points)
    } else {
        Err(SweepInputError { lines })
    }
}

fn push_once(lines: &mut Vec<String>, line: String) {
    if !lines.contains(&line) {
        lines.push(line);
    }
}

/// A value as it appears in output tables.
pub fn label(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Sets `path` (e.g. `policy.outpatient.rate.township` or
/// `rotation[0].doctors_per_site`) in a scenario table, creating missing
/// tables on the way; array elements must exist already.
pub fn set_path(root: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), String> {
    let segments = parse_path(path)?;
    let mut table = root;
    for (i, (key, index)) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match index {
            None if last => {
                table.insert(key.clone(), value);
                return Ok(());
            }
            None => {
                let entry = table
                    .entry(key.clone())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                table = entry
                    .as_table_mut()
                    .ok_or_else(|| format!("`{key}` is a value, not a table: nothing inside it to set"))?;
            }
            Some(n) => {
                let len = table.get(key).and_then(|v| v.as_array()).map_or(0, Vec::len);
                let item = table
                    .get_mut(key)
                    .and_then(|v| v.as_array_mut())
                    .and_then(|a| a.get_mut(*n))
                    .ok_or_else(|| {
                        format!("`{key}[{n}]` does not exist in the base scenario (it has {len} entries)")
                    })?;
                if last {
                    *item = value;
                    return Ok(());
                }
                table = item
                    .as_table_mut()
                    .ok_or_else(|| format!("`{key}[{n}]` is a value, not a table"))?;
            }
        }
    }
    Err("empty key path".into())
}

/// `a.b[2].c` -> [("a", None), ("b", Some(2)), ("c", None)].
fn parse_path(path: &str) -> Result<Vec<(String, Option<usize>)>, String> {
    if path.trim().is_empty() {
        return Err("empty key path".into());
    }
    path.split('.')
        .map(|seg| match seg.split_once('[') {
            None if !seg.is_empty() => Ok((seg.to_string(), None)),
            Some((key, rest)) if !key.is_empty() => {
                let n = rest
                    .strip_suffix(']')
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| format!("`{seg}`: expected `key[index]` with a whole-number index"))?;
                Ok((key.to_string(), Some(n)))
            }
            _ => Err(format!("`{path}`: empty segment in key path")),
        })
        .collect()
}

/// A decimal number held exactly: mantissa x 10^-scale.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Decimal {
    mantissa: i128,
    scale: u32,
}

impl Decimal {
    /// From TOML: an integer, a float (its shortest round-trip text) or a string.
    fn from_value(v: &toml::Value) -> Result<(Decimal, bool), String> {
        let (text, integral) = match v {
            toml::Value::Integer(i) => (i.to_string(), true),
            toml::Value::Float(f) if f.is_finite() => (format!("{f}"), false),
            toml::Value::String(s) => (s.trim().to_string(), !s.contains(['.', 'e', 'E'])),
            other => return Err(format!("{other}: expected a number")),
        };
        Decimal::parse(&text).map(|d| (d, integral))
    }

    fn parse(text: &str) -> Result<Decimal, String> {
        let bad = || format!("\"{text}\": expected a decimal number such as 0.05");
        if text.contains(['e', 'E']) {
            let f: f64 = text.parse().map_err(|_| bad())?;
            return Decimal::parse(&format!("{f}"));
        }
        let (neg, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if int.is_empty() && frac.is_empty()
            || !(int.chars().chain(frac.chars())).all(|c| c.is_ascii_digit())
            || frac.len() > 18
        {
            return Err(bad());
        }
        let mantissa: i128 = format!("{int}{frac}")
            .parse()
            .map_err(|_| format!("\"{text}\": too many digits for an exact decimal (at most 38 significant digits)"))?;
        Ok(Decimal {
            mantissa: if neg { -mantissa } else { mantissa },
            scale: frac.len() as u32,
        })
    }

    /// The mantissa at `scale` decimal places; `None` if it overflows 128 bits.
    fn rescale(self, scale: u32) -> Option<i128> {
        10i128
            .checked_pow(scale - self.scale)
            .and_then(|f| self.mantissa.checked_mul(f))
    }

    fn to_f64(m: i128, scale: u32) -> f64 {
        let sign = if m < 0 { "-" } else { "" };
        let digits = format!("{:0>width$}", m.unsigned_abs(), width = scale as usize + 1);
        let (int, frac) = digits.split_at(digits.len() - scale as usize);
        format!("{sign}{int}.{frac}0")
            .parse()
            .expect("digits form a valid float")
    }
}

/// start, start + step, ... up to and including stop, computed exactly in
/// decimal so 0.1 steps land on 0.3, not 0.30000000000000004.
fn range(r: &RawRange) -> Result<Vec<toml::Value>, String> {
    let (start, i1) = Decimal::from_value(&r.start).map_err(|e| format!("start: {e}"))?;
    let (stop, i2) = Decimal::from_value(&r.stop).map_err(|e| format!("stop: {e}"))?;
    let (step, i3) = Decimal::from_value(&r.step).map_err(|e| format!("step: {e}"))?;
    let scale = start.scale.max(stop.scale).max(step.scale);
    let too_large =
        || format!("start, stop and step at {scale} decimal places do not fit in an exact decimal (at most 38 digits)");
    let (Some(a), Some(b), Some(s)) = (start.rescale(scale), stop.rescale(scale), step.rescale(scale)) else {
        return Err(too_large());
    };
    let span = b.checked_sub(a).ok_or_else(too_large)?;
    if s == 0 || span.signum() * s.signum() < 0 {
        return Err(format!(
            "step {} never gets from {} to {}",
            Decimal::to_f64(s, scale),
            Decimal::to_f64(a, scale),
            Decimal::to_f64(b, scale)
        ));
    }
    // span / s >= 0 here, and adding 1 cannot overflow: |span / s| <= |span|.
    let n = span / s + 1;
    if n > MAX_POINTS as i128 {
        return Err(format!("{n} values: at most {MAX_POINTS}"));
    }
    let integral = i1 && i2 && i3 && scale == 0;
    if integral && [a, b].iter().any(|&v| i64::try_from(v).is_err()) {
        return Err(format!(
            "whole-number ranges must stay between {} and {}",
            i64::MIN,
            i64::MAX
        ));
    }
    Ok((0..n)
        .map(|k| {
            let m = a + k * s;
            if integral {
                toml::Value::Integer(m as i64)
            } else {
                toml::Value::Float(Decimal::to_f64(m, scale))
            }
        })
        .collect())
}

/// An external design: a CSV whose header row names key paths and whose
/// rows are points (e.g. a Latin hypercube or Sobol design from SALib).
fn read_design(path: &Path, shown: &str) -> Result<(Vec<String>, Vec<Vec<toml::Value>>), String> {
    let mut reader = csv::Reader::from_path(path)
        .map_err(|e| format!("design = \"{shown}\": cannot read {}: {e}", path.display()))?;
    let columns: Vec<String> = reader
        .headers()
        .map_err(|e| format!("design = \"{shown}\": {e}"))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if columns.is_empty() || columns.iter().any(String::is_empty) {
        return Err(format!(
            "design = \"{shown}\": the header row must name a key path in every column"
        ));
    }
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| format!("design = \"{shown}\": row {}: {e}", i + 1))?;
        rows.push(rec.iter().map(cell).collect());
    }
    if rows.is_empty() {
        return Err(format!("design = \"{shown}\": no rows"));
    }
    Ok((columns, rows))
}

/// A design cell as a TOML value: whole number, number, boolean or text.
fn cell(s: &str) -> toml::Value {
    let s = s.trim();
    if let Ok(i) = s.parse::<i64>() {
        toml::Value::Integer(i)
    } else if let Ok(f) = s.parse::<f64>() {
        toml::Value::Float(f)
    } else if let Ok(b) = s.parse::<bool>() {
        toml::Value::Boolean(b)
    } else {
        toml::Value::String(s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn floats(v: &[toml::Value]) -> Vec<f64> {
        v.iter()
            .map(|x| x.as_float().or(x.as_integer().map(|i| i as f64)).unwrap())
            .collect()
    }

    #[test]
    fn decimal_ranges_are_exact_and_inclusive() {
        let r = RawRange {
            start: toml::Value::Float(0.1),
            stop: toml::Value::Float(0.3),
            step: toml::Value::Float(0.1),
        };
        assert_eq!(floats(&range(&r).unwrap()), vec![0.1, 0.2, 0.3]);
        let r = RawRange {
            start: toml::Value::Integer(1),
            stop: toml::Value::Integer(4),
            step: toml::Value::Integer(2),
        };
        assert_eq!(
            range(&r).unwrap(),
            vec![toml::Value::Integer(1), toml::Value::Integer(3)]
        );
        let r = RawRange {
            start: toml::Value::String("0.5".into()),
            stop: toml::Value::String("0".into()),
            step: toml::Value::String("-0.25".into()),
        };
        assert_eq!(floats(&range(&r).unwrap()), vec![0.5, 0.25, 0.0]);
    }

    #[test]
    fn a_range_that_never_arrives_is_an_error() {
        let r = RawRange {
            start: toml::Value::Integer(1),
            stop: toml::Value::Integer(5),
            step: toml::Value::Integer(-1),
        };
        assert!(range(&r).is_err());
    }

    #[test]
    fn paths_create_tables_and_index_arrays() {
        let mut t: toml::Table = toml::from_str("[[rotation]]\nfrom = \"county\"\n").unwrap();
        set_path(&mut t, "policy.outpatient.rate.township", toml::Value::Float(0.7)).unwrap();
        set_path(&mut t, "rotation[0].doctors_per_site", toml::Value::Integer(2)).unwrap();
        assert_eq!(t["policy"]["outpatient"]["rate"]["township"].as_float(), Some(0.7));
        assert_eq!(t["rotation"][0]["doctors_per_site"].as_integer(), Some(2));
        assert!(set_path(&mut t, "rotation[3].days_on", toml::Value::Integer(2)).is_err());
        assert!(set_path(&mut t, "policy.outpatient.rate.township.x", toml::Value::Integer(2)).is_err());
    }

    #[test]
    fn grids_vary_the_last_axis_fastest() {
        let v = |xs: &[i64]| xs.iter().map(|&x| toml::Value::Integer(x)).collect::<Vec<_>>();
        let rows = grid(&[v(&[1, 2]), v(&[10, 20, 30])]);
        assert_eq!(rows.len(), 6);
        assert_eq!(rows[1], v(&[1, 20]));
        assert_eq!(rows[3], v(&[2, 10]));
    }
}
