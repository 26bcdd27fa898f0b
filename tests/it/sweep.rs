//! Sweeps: thread independence, shard + merge = unsharded, resume after a
//! killed run, and clear errors for bad sweep files.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use assert_cmd::Command;

fn tiersim() -> Command {
    Command::cargo_bin("tiersim").unwrap()
}

fn sweep(file: &str, out: &Path, extra: &[&str]) {
    tiersim()
        .args(["sweep", file, "--quiet", "--out"])
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

const TABLES: [&str; 3] = ["points.csv", "runs.csv", "scenario.toml"];

fn assert_same_tables(a: &Path, b: &Path) {
    for name in TABLES {
        let (x, y) = (fs::read(a.join(name)).unwrap(), fs::read(b.join(name)).unwrap());
        assert!(x == y, "{name} differs between {} and {}", a.display(), b.display());
    }
}

#[test]
fn sweep_results_do_not_depend_on_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("t1"), tmp.path().join("t2"));
    sweep("tests/it/sweeps/tiny_sweep.toml", &a, &["--threads", "1"]);
    sweep("tests/it/sweeps/tiny_sweep.toml", &b, &["--threads", "2"]);
    assert_same_tables(&a, &b);
    let points = fs::read_to_string(a.join("points.csv")).unwrap();
    assert!(points.starts_with("point,policy.outpatient.rate.township,tiers.county.doctors,scope,id,metric,"));
    // 3 x 2 grid, exact decimals, last axis fastest.
    for (p, rate, doctors) in [(0, "0.5", "4"), (1, "0.5", "8"), (4, "0.9", "4"), (5, "0.9", "8")] {
        assert!(
            points.contains(&format!("\n{p},{rate},{doctors},system,system,episodes,")),
            "point {p}"
        );
    }
}

#[test]
fn common_random_numbers_every_point_shares_seeds() {
    // The county's doctors do not change who falls ill: episode counts
    // are identical across the doctors axis at each rate.
    let tmp = tempfile::tempdir().unwrap();
    sweep("tests/it/sweeps/tiny_sweep.toml", tmp.path(), &[]);
    let runs = fs::read_to_string(tmp.path().join("runs.csv")).unwrap();
    let mut episodes: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for line in runs.lines().filter(|l| l.contains(",system,system,episodes,")) {
        let f: Vec<&str> = line.split(',').collect();
        // point, rate, doctors, replication, seed, scope, id, metric, value
        episodes
            .entry((f[1].into(), f[3].into()))
            .or_default()
            .push(f[8].into());
    }
    assert_eq!(episodes.len(), 9);
    for ((rate, rep), counts) in episodes {
        assert_eq!(counts.len(), 2);
        assert_eq!(
            counts[0], counts[1],
            "rate {rate} replication {rep}: onsets differ across points"
        );
    }
}

#[test]
fn shards_merged_equal_an_unsharded_run() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    sweep("tests/it/sweeps/tiny_sweep.toml", &whole, &[]);
    let shards: Vec<PathBuf> = (1..=4).map(|k| tmp.path().join(format!("shard{k}"))).collect();
    for (k, dir) in shards.iter().enumerate() {
        sweep(
            "tests/it/sweeps/tiny_sweep.toml",
            dir,
            &["--shard", &format!("{}/4", k + 1)],
        );
        assert!(!dir.join("points.csv").exists(), "a shard leaves assembling to merge");
    }
    // Merging before every shard is in refuses and writes nothing.
    let partial = tmp.path().join("partial");
    let out = tiersim()
        .arg("merge")
        .args(&shards[..3])
        .arg("--out")
        .arg(&partial)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no results yet"));
    assert!(!partial.exists());
    let merged = tmp.path().join("merged");
    tiersim()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    assert_same_tables(&whole, &merged);
    // Shards sharing one folder (a cluster's shared file system) merge in place.
    let shared = tmp.path().join("shared");
    for k in 1..=3 {
        sweep(
            "tests/it/sweeps/tiny_sweep.toml",
            &shared,
            &["--shard", &format!("{k}/3")],
        );
    }
    tiersim().arg("merge").arg(&shared).assert().success();
    assert_same_tables(&whole, &shared);
}

fn point_files(dir: &Path) -> BTreeMap<String, (SystemTime, Vec<u8>)> {
    let Ok(entries) = fs::read_dir(dir.join("points")) else {
        return BTreeMap::new();
    };
    entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('p'))
        .map(|p| {
            let meta = fs::metadata(&p).unwrap();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                (meta.modified().unwrap(), fs::read(&p).unwrap()),
            )
        })
        .collect()
}

#[test]
fn a_killed_sweep_resumes_without_redoing_finished_points() {
    let tmp = tempfile::tempdir().unwrap();
    let (killed, whole) = (tmp.path().join("killed"), tmp.path().join("whole"));
    let bin = assert_cmd::cargo::cargo_bin("tiersim");
    let mut child = std::process::Command::new(&bin)
        .args([
            "sweep",
            "tests/it/sweeps/resume_sweep.toml",
            "--quiet",
            "--threads",
            "1",
            "--out",
        ])
        .arg(&killed)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while point_files(&killed).len() < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no point finished in a minute"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sweep ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = point_files(&killed);
    assert!(before.len() < 12, "the sweep finished before the kill: make it slower");
    assert!(!killed.join("points.csv").exists());
    std::thread::sleep(Duration::from_millis(20));
    let out = tiersim()
        .args(["sweep", "tests/it/sweeps/resume_sweep.toml", "--threads", "1", "--out"])
        .arg(&killed)
        .output()
        .unwrap();
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains(&format!("{} already done", before.len())), "{said}");
    let after = point_files(&killed);
    for (name, (mtime, bytes)) in &before {
        assert_eq!(after[name].0, *mtime, "{name} was recomputed");
        assert!(after[name].1 == *bytes, "{name} changed");
    }
    sweep("tests/it/sweeps/resume_sweep.toml", &whole, &["--threads", "2"]);
    assert_same_tables(&killed, &whole);
}

#[test]
fn a_folder_of_another_sweep_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    sweep("tests/it/sweeps/tiny_sweep.toml", tmp.path(), &[]);
    let out = tiersim()
        .args(["sweep", "tests/it/sweeps/resume_sweep.toml", "--out"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("different sweep"));
}

/// (file, words stderr must contain besides the file name)
const BROKEN: &[(&str, &[&str])] = &[
    (
        "sweep_bad_path.toml",
        &["axis policy.outpatient.rate.townshp", "did you mean `township`"],
    ),
    (
        "sweep_bad_value.toml",
        &["axis policy.outpatient.rate.township = 1.3", "between 0 and 1"],
    ),
    (
        "sweep_missing_base.toml",
        &["base = \"no_such_scenario.toml\"", "cannot read"],
    ),
    ("sweep_bad_index.toml", &["rotation[0]", "does not exist"]),
    ("sweep_bad_range.toml", &["range", "never gets from 0.9 to 0.5"]),
    ("sweep_unknown_key.toml", &["line 3", "unknown field `axes`"]),
];

#[test]
fn bad_sweep_files_exit_2_before_running_anything() {
    for (file, needles) in BROKEN {
        let path = Path::new("tests/it/broken").join(file);
        let tmp = tempfile::tempdir().unwrap();
        let out_dir = tmp.path().join("out");
        for args in [vec!["check"], vec!["sweep", "--out", out_dir.to_str().unwrap()]] {
            crate::support::assert_input_error(&args, &path, needles);
        }
        assert!(
            fs::read_dir(tmp.path()).unwrap().next().is_none(),
            "{file}: output left behind"
        );
    }
}

#[test]
fn every_shipped_sweep_plans() {
    for entry in fs::read_dir("scenarios/sweeps").unwrap() {
        let path = entry.unwrap().path();
        let plan = tiersim::sweep::plan(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(plan.points.len() >= 3, "{}", path.display());
    }
}

#[test]
fn the_slurm_script_runs_every_shard_and_a_dependent_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cluster");
    tiersim()
        .args([
            "sweep",
            "tests/it/sweeps/tiny_sweep.toml",
            "--emit-slurm",
            "--shards",
            "3",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let script = fs::read_to_string(out.join("slurm/sweep.sbatch")).unwrap();
    assert!(script.starts_with("#!/bin/bash\n"));
    assert!(script.contains("#SBATCH --array=1-3"));
    assert!(script.contains("--shard \"${SLURM_ARRAY_TASK_ID}/3\""));
    assert!(script.contains("--dependency=afterok:${SLURM_ARRAY_JOB_ID}"));
    assert!(script.contains(" merge "));
    assert!(!out.join("points.csv").exists(), "emitting runs nothing");
}

#[test]
fn a_design_csv_gives_one_point_per_row() {
    let tmp = tempfile::tempdir().unwrap();
    sweep("tests/it/sweeps/design_sweep.toml", tmp.path(), &[]);
    let points = fs::read_to_string(tmp.path().join("points.csv")).unwrap();
    assert!(points.starts_with("point,policy.outpatient.rate.township,choice.b_travel,choice.beliefs,scope,"));
    for row in [
        "\n0,0.55,-0.8,live,system,system,episodes,",
        "\n2,0.85,-1.6,published,system,system,episodes,",
    ] {
        assert!(points.contains(row), "missing {row:?}");
    }
    assert!(!points.contains("\n3,"), "only three rows in the design");
}
