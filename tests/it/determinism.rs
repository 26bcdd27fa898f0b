//! Same scenario and seed: byte-identical outputs on any thread count.

use std::fs;
use std::path::Path;

use assert_cmd::Command;

fn run(threads: usize, out: &Path) {
    Command::cargo_bin("tiersim")
        .unwrap()
        .args([
            "run",
            "scenarios/baseline.toml",
            "--days",
            "60",
            "--replications",
            "4",
            "--quiet",
            "--threads",
        ])
        .arg(threads.to_string())
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

/// Every file under `dir/rel`, as paths relative to `dir`, sorted.
fn files(dir: &Path, rel: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir.join(rel)).unwrap() {
        let name = rel.join(e.unwrap().file_name());
        if dir.join(&name).is_dir() {
            out.extend(files(dir, &name));
        } else {
            out.push(name);
        }
    }
    out.sort();
    out
}

#[test]
fn one_and_two_threads_give_identical_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("t1"), tmp.path().join("t2"));
    run(1, &a);
    run(2, &b);
    let names = files(&a, Path::new(""));
    assert!(names.len() >= 20, "expected every output file and chart, got {names:?}");
    for name in names {
        let (x, y) = (fs::read(a.join(&name)).unwrap(), fs::read(b.join(&name)).unwrap());
        assert!(x == y, "{name:?} differs between 1 and 2 threads");
    }
}

#[test]
fn resolved_scenario_reproduces_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("first"), tmp.path().join("again"));
    run(2, &a);
    Command::cargo_bin("tiersim")
        .unwrap()
        .args(["run", "--quiet", "--out"])
        .arg(&b)
        .arg(a.join("scenario.toml"))
        .assert()
        .success();
    for name in ["summary.json", "daily.csv", "scenario.toml"] {
        assert!(
            fs::read(a.join(name)).unwrap() == fs::read(b.join(name)).unwrap(),
            "{name} differs after re-running the resolved scenario"
        );
    }
}
