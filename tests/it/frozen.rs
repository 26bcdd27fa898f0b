//! Frozen outputs: every shipped scenario and sweep, at a short horizon,
//! must write byte-identical files to the ones whose hashes are committed
//! in `tests/it/frozen/hashes.txt`. Refactors (issue #11) keep this green
//! without re-blessing; a deliberate change of outputs (a model decision,
//! a renamed metric) re-blesses with
//! `TIERSIM_BLESS=1 cargo test --release frozen` and says why in the commit.
//!
//! Hashed: every file a run, sweep or comparison writes, charts included,
//! except the few that name the temporary folders (compare.toml, the
//! comparison's report.html) and the Slurm-free sweep's lock files.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Days simulated (a third of them warm-up) and replications: enough to
/// exercise every mechanism, short enough for CI.
const DAYS: i64 = 40;
const REPLICATIONS: i64 = 2;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tiersim(args: &[&str]) {
    let out = Command::cargo_bin("tiersim")
        .expect("binary built")
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("tiersim runs");
    assert!(
        out.status.success(),
        "tiersim {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// 64-bit FNV-1a: stable across Rust versions and platforms (std's hasher is not).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Every file under `dir`, by path relative to it, hashed.
fn hash_tree(dir: &Path, label: &str, skip: &[&str], into: &mut BTreeMap<String, String>) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("output folder readable") {
            let path = entry.expect("entry readable").path();
            let rel = path
                .strip_prefix(dir)
                .expect("under dir")
                .to_string_lossy()
                .replace('\\', "/");
            if path.is_dir() {
                stack.push(path);
            } else if !skip.contains(&rel.as_str()) && !rel.ends_with(".lock") {
                let bytes = std::fs::read(&path).expect("output file readable");
                into.insert(format!("{label}/{rel}"), format!("{:016x}", fnv1a(&bytes)));
            }
        }
    }
}

/// A shipped scenario shortened to the frozen horizon, written into `tmp`.
fn shortened(scenario: &Path, tmp: &Path) -> PathBuf {
    let text = std::fs::read_to_string(scenario).expect("shipped scenario readable");
    let mut t: toml::Table = text.parse().expect("shipped scenario is TOML");
    t.insert("days".into(), toml::Value::Integer(DAYS));
    t.insert("warmup_days".into(), toml::Value::Integer(DAYS / 3));
    t.insert("replications".into(), toml::Value::Integer(REPLICATIONS));
    let path = tmp.join(scenario.file_name().expect("file name"));
    std::fs::write(&path, toml::to_string(&t).expect("serialises")).expect("temp writable");
    path
}

fn shipped(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join(dir))
        .expect("scenarios folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn name(p: &Path) -> String {
    p.file_stem().expect("stem").to_string_lossy().into_owned()
}

/// The shipped matched pairs (folder, before, after), each run and compared.
const PAIRS: [(&str, &str, &str); 2] = [
    ("reform_vs_baseline", "baseline", "reform"),
    ("xining", "before", "after"),
];

fn current_hashes() -> BTreeMap<String, String> {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut hashes = BTreeMap::new();
    let mut scenarios = shipped("scenarios");
    for (dir, _, _) in PAIRS {
        scenarios.extend(shipped(&format!("scenarios/{dir}")));
    }
    for s in &scenarios {
        let parent = name(s.parent().expect("parent"));
        let label = format!("run/{parent}/{}", name(s));
        let input_dir = tmp.path().join(format!("in-{parent}"));
        std::fs::create_dir_all(&input_dir).expect("temp writable");
        let short = shortened(s, &input_dir);
        let out = tmp.path().join(label.replace('/', "-"));
        tiersim(&[
            "run",
            short.to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
        ]);
        hash_tree(&out, &label, &[], &mut hashes);
    }
    let arg = |p: &Path| p.to_str().expect("utf-8").to_string();
    for (dir, before, after) in PAIRS {
        let base = tmp.path().join(format!("run-{dir}-{before}"));
        let reform = tmp.path().join(format!("run-{dir}-{after}"));
        let cmp = tmp.path().join(format!("compare-{dir}"));
        tiersim(&["compare", &arg(&base), &arg(&reform), "--out", &arg(&cmp)]);
        hash_tree(
            &cmp,
            &format!("compare/{dir}"),
            &["compare.toml", "report.html"],
            &mut hashes,
        );
    }
    for sweep in shipped("scenarios/sweeps") {
        let text = std::fs::read_to_string(&sweep).expect("shipped sweep readable");
        let mut t: toml::Table = text.parse().expect("shipped sweep is TOML");
        let base = t["base"].as_str().expect("base is a path").to_string();
        let dir = tmp.path().join(format!("sweep-in-{}", name(&sweep)));
        std::fs::create_dir_all(&dir).expect("temp writable");
        let short = shortened(&sweep.parent().expect("parent").join(base), &dir);
        t.insert("base".into(), toml::Value::String(arg(&short)));
        t.insert("replications".into(), toml::Value::Integer(REPLICATIONS));
        let path = dir.join("sweep.toml");
        std::fs::write(&path, toml::to_string(&t).expect("serialises")).expect("temp writable");
        let out = tmp.path().join(format!("sweep-{}", name(&sweep)));
        tiersim(&["sweep", &arg(&path), "--out", &arg(&out)]);
        hash_tree(&out, &format!("sweep/{}", name(&sweep)), &[], &mut hashes);
    }
    hashes
}

#[test]
fn shipped_scenarios_and_sweeps_write_frozen_outputs() {
    let file = repo().join("tests/it/frozen/hashes.txt");
    let now = current_hashes();
    let mut text = String::from("# FNV-1a 64 of every output file; see tests/it/frozen.rs.\n");
    for (k, v) in &now {
        let _ = writeln!(text, "{k} {v}");
    }
    if std::env::var_os("TIERSIM_BLESS").is_some() {
        std::fs::create_dir_all(file.parent().expect("parent")).expect("writable");
        std::fs::write(&file, text).expect("hashes writable");
        return;
    }
    let committed = std::fs::read_to_string(&file).expect("tests/it/frozen/hashes.txt is committed");
    let before: BTreeMap<&str, &str> = committed
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(' '))
        .collect();
    let mut changed = Vec::new();
    for (k, v) in &now {
        match before.get(k.as_str()) {
            Some(old) if old == v => {}
            Some(_) => changed.push(format!("changed: {k}")),
            None => changed.push(format!("new:     {k}")),
        }
    }
    for k in before.keys() {
        if !now.contains_key(*k) {
            changed.push(format!("missing: {k}"));
        }
    }
    assert!(
        changed.is_empty(),
        "outputs differ from the frozen hashes:\n{}\n(re-bless with TIERSIM_BLESS=1 only for a documented change)",
        changed.join("\n")
    );
}
