//! Fuzzed scenario and sweep files: `check` returns Ok or an error, never
//! panics, and what it accepts runs.
//!
//! The corpus is `scenarios/*.toml` and `scenarios/sweeps/*.toml`; each
//! case applies a few mutations (numbers set to huge, negative, NaN-like
//! and boundary values, keys deleted, tables duplicated, types changed,
//! strings swapped) and loads the result the way `tiersim check` does.
//! Accepted scenarios whose estimated work is tiny are simulated for a few
//! days. `cargo test` runs a few hundred cases; set
//! `TIERSIM_FUZZ_CASES=100000` for a long run (see the README).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tiersim::estimate;
use tiersim::scenario::{Scenario, validate};
use tiersim::world::World;

/// Cases in the bounded run of `cargo test`.
const DEFAULT_CASES: u32 = 300;
/// A case taking longer than this is a hang, not a slow machine.
const CASE_LIMIT: Duration = Duration::from_secs(60);
/// Sweeps planning more points than this are valid but slow to check; the
/// fuzz does not wait for them.
const MAX_FUZZ_POINTS: f64 = 2_000.0;

fn cases() -> u32 {
    std::env::var("TIERSIM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

fn corpus(dir: &str) -> Vec<(PathBuf, toml::Table)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let table = std::fs::read_to_string(&p).unwrap().parse().unwrap();
            (p, table)
        })
        .collect()
}

const INTEGERS: &[i64] = &[
    0,
    1,
    -1,
    2,
    16,
    17,
    50,
    64,
    65,
    80,
    81,
    100_000,
    100_001,
    200_000,
    200_001,
    2_147_483_648,
    4_294_967_295,
    4_294_967_296,
    4_000_000_000,
    i64::MAX,
    i64::MIN,
];
const FLOATS: &[f64] = &[
    0.0,
    -0.0,
    1e-300,
    1e300,
    f64::MAX,
    -1.0,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    0.5,
    1.0,
    1.000_000_1,
    1.8e19,
    4e9,
];
const STRINGS: &[&str] = &[
    "",
    "village",
    "township",
    "county",
    "regional",
    "Regional",
    "24h",
    "17:30-08:00",
    "lognormal",
    "fixed",
    "severity",
    "word_of_mouth",
    "1e400",
    "0.000000000000000000001",
    "999999999999999999999999999999999999999999",
    "../baseline.toml",
    "zip",
    "grid",
];

/// One change to a file, located by indices into its list of values.
#[derive(Clone, Debug)]
enum Mutation {
    Integer(usize, usize),
    Float(usize, usize),
    Text(usize, usize),
    Delete(usize),
    Duplicate(usize),
    ToTable(usize),
    ToArray(usize),
    ToBool(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = any::<usize>();
    prop_oneof![
        3 => (at, 0..INTEGERS.len()).prop_map(|(a, v)| Mutation::Integer(a, v)),
        3 => (at, 0..FLOATS.len()).prop_map(|(a, v)| Mutation::Float(a, v)),
        2 => (at, 0..STRINGS.len()).prop_map(|(a, v)| Mutation::Text(a, v)),
        2 => at.prop_map(Mutation::Delete),
        2 => at.prop_map(Mutation::Duplicate),
        1 => at.prop_map(Mutation::ToTable),
        1 => at.prop_map(Mutation::ToArray),
        1 => at.prop_map(Mutation::ToBool),
    ]
}

/// Key path segments: a table key or an array index.
#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

fn paths(v: &toml::Value, prefix: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                prefix.push(Seg::Key(k.clone()));
                out.push(prefix.clone());
                paths(v, prefix, out);
                prefix.pop();
            }
        }
        toml::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                prefix.push(Seg::Index(i));
                out.push(prefix.clone());
                paths(v, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

/// The parent of `path` and the last segment.
fn parent<'a>(root: &'a mut toml::Value, path: &[Seg]) -> Option<&'a mut toml::Value> {
    let mut cur = root;
    for s in path {
        cur = match (s, cur) {
            (Seg::Key(k), toml::Value::Table(t)) => t.get_mut(k)?,
            (Seg::Index(i), toml::Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn apply(root: &mut toml::Value, m: &Mutation) {
    let mut all = Vec::new();
    paths(root, &mut Vec::new(), &mut all);
    if all.is_empty() {
        return;
    }
    let pick = |a: usize| all[a % all.len()].clone();
    let set = |root: &mut toml::Value, a: usize, v: toml::Value| {
        if let Some(slot) = parent(root, &pick(a)) {
            *slot = v;
        }
    };
    match *m {
        Mutation::Integer(a, v) => set(root, a, toml::Value::Integer(INTEGERS[v])),
        Mutation::Float(a, v) => set(root, a, toml::Value::Float(FLOATS[v])),
        Mutation::Text(a, v) => set(root, a, toml::Value::String(STRINGS[v].into())),
        Mutation::ToTable(a) => set(root, a, toml::Value::Table(toml::Table::new())),
        Mutation::ToArray(a) => set(root, a, toml::Value::Array(vec![toml::Value::Integer(1)])),
        Mutation::ToBool(a) => set(root, a, toml::Value::Boolean(true)),
        Mutation::Delete(a) | Mutation::Duplicate(a) => {
            let path = pick(a);
            let (last, head) = path.split_last().expect("paths are not empty");
            let Some(holder) = parent(root, head) else { return };
            match (last, holder) {
                (Seg::Key(k), toml::Value::Table(t)) => {
                    if matches!(m, Mutation::Delete(_)) {
                        t.remove(k);
                    } else if let Some(v) = t.get(k).cloned() {
                        // A table given twice: as a key, and as an array of it.
                        t.insert(k.clone(), toml::Value::Array(vec![v.clone(), v]));
                    }
                }
                (Seg::Index(i), toml::Value::Array(arr)) => {
                    if matches!(m, Mutation::Delete(_)) {
                        arr.remove(*i);
                    } else {
                        let v = arr[*i].clone();
                        arr.insert(*i, v);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Text of a mutated table; NaN and infinities as TOML writes them.
fn text(v: &toml::Value) -> String {
    match v {
        toml::Value::Table(t) => toml::to_string(t).unwrap_or_default(),
        other => other.to_string(),
    }
}

/// A few days of one replication of an accepted scenario, if its work is tiny.
fn simulate_if_tiny(mut s: Scenario) {
    s.days = s.days.min(3);
    s.warmup_days = s.warmup_days.min(s.days - 1);
    s.replications = 1;
    let est = estimate::estimate(&s, 1);
    if est.episodes > 20_000.0 || est.peak_bytes() > 300e6 || s.facilities.len() > 2_000 {
        return;
    }
    let world = World::new(&s);
    let out = tiersim::engine::run(&world, 0);
    assert!(out.ledger.episodes_started as f64 <= 100.0 * est.episodes.max(100.0));
}

/// Rough point count of a sweep table (the fuzz skips slow huge ones).
fn rough_points(t: &toml::Table) -> f64 {
    let num = |v: Option<&toml::Value>| -> f64 {
        match v {
            Some(toml::Value::Integer(i)) => *i as f64,
            Some(toml::Value::Float(f)) => *f,
            Some(toml::Value::String(s)) => s.trim().parse().unwrap_or(1.0),
            _ => 1.0,
        }
    };
    let Some(toml::Value::Array(axes)) = t.get("axis") else {
        return 1.0;
    };
    axes.iter()
        .map(|a| match a.get("range").and_then(|r| r.as_table()) {
            Some(r) => {
                let n = ((num(r.get("stop")) - num(r.get("start"))) / num(r.get("step"))).abs() + 1.0;
                if n.is_finite() { n } else { 1.0 }
            }
            None => a
                .get("values")
                .and_then(|v| v.as_array())
                .map_or(1.0, |v| v.len() as f64),
        })
        .product()
}

fn check_scenario(table: toml::Value) {
    if let Ok((s, _)) = validate::from_toml(&text(&table), "fuzzed scenario") {
        simulate_if_tiny(s);
    }
}

fn check_sweep(dir: &Path, original: &Path, mut table: toml::Value) {
    // The base stays where the original points, unless a mutation changed it.
    if let Some(toml::Value::String(b)) = table.get_mut("base") {
        let resolved = original.parent().unwrap().join(b.as_str());
        if resolved.exists() {
            *b = std::fs::canonicalize(resolved).unwrap().display().to_string();
        }
    }
    if table.as_table().is_some_and(|t| rough_points(t) > MAX_FUZZ_POINTS) {
        return;
    }
    let file = dir.join("fuzzed_sweep.toml");
    std::fs::write(&file, text(&table)).unwrap();
    if let Ok(plan) = tiersim::sweep::plan(&file)
        && let Some(p) = plan.points.first()
    {
        simulate_if_tiny(p.scenario.clone());
    }
}

#[test]
fn fuzzed_scenarios_and_sweeps_never_panic_and_what_check_accepts_runs() {
    let scenarios = corpus("scenarios");
    let sweeps = corpus("scenarios/sweeps");
    let tmp = tempfile::tempdir().unwrap();
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (any::<bool>(), any::<usize>(), prop::collection::vec(mutation(), 1..5));
    runner
        .run(&strategy, |(sweep, which, mutations)| {
            let start = Instant::now();
            let (path, table) = if sweep {
                &sweeps[which % sweeps.len()]
            } else {
                &scenarios[which % scenarios.len()]
            };
            let mut value = toml::Value::Table(table.clone());
            for m in &mutations {
                apply(&mut value, m);
            }
            let shown = text(&value);
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                if sweep {
                    check_sweep(tmp.path(), path, value);
                } else {
                    check_scenario(value);
                }
            }));
            prop_assert!(outcome.is_ok(), "{} {mutations:?} panicked:\n{shown}", path.display());
            prop_assert!(
                start.elapsed() < CASE_LIMIT,
                "{} {mutations:?} took {:?}:\n{shown}",
                path.display(),
                start.elapsed()
            );
            Ok(())
        })
        .unwrap();
}
