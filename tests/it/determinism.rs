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

#[test]
fn one_and_two_threads_give_identical_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("t1"), tmp.path().join("t2"));
    run(1, &a);
    run(2, &b);
    let mut names: Vec<_> = fs::read_dir(&a).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    assert!(names.len() >= 6, "expected every output file, got {names:?}");
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
