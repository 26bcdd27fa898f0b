//! The command line: shipped scenarios pass `check`; broken ones exit 2
//! naming the file and the key, and leave no output behind.

use std::path::Path;

use assert_cmd::Command;

use crate::support::assert_input_error;

fn tiersim() -> Command {
    Command::cargo_bin("tiersim").unwrap()
}

fn toml_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            toml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

#[test]
fn every_shipped_scenario_passes_check() {
    // Sweep files (scenarios/sweeps) are checked too: `check` knows them.
    let mut files = Vec::new();
    toml_files(Path::new("scenarios"), &mut files);
    assert!(!files.is_empty());
    for f in files {
        tiersim().arg("check").arg(&f).assert().success();
    }
}

/// (file, words stderr must contain besides the file name)
const BROKEN: &[(&str, &[&str])] = &[
    ("typo_key.toml", &["choice.b_trvel", "did you mean `b_travel`"]),
    (
        "negative_doctors.toml",
        &[
            "facility \"Dongshan THC\" (facility[0]).doctors",
            "-2",
            "between 0 and 100000",
        ],
    ),
    ("probability.toml", &["demand.chronic_share", "1.3", "between 0 and 1"]),
    (
        "negative_quota.toml",
        &["quota[0].outpatient_per_day", "-5", "between 0 and 10000000"],
    ),
    ("severity_mix.toml", &["demand.severity_mix", "sum to 1.15"]),
    (
        "unknown_partner.toml",
        &[
            "(facility[0]).partner",
            "County Hospitl",
            "did you mean `County Hospital`",
        ],
    ),
    ("bad_hours.toml", &["tiers.township.hours", "8am-5pm", "HH:MM-HH:MM"]),
    ("syntax_error.toml", &["TOML syntax error", "line 2"]),
    ("does_not_exist.toml", &["cannot read scenario"]),
];

#[test]
fn broken_scenarios_exit_2_naming_file_and_key() {
    for (file, needles) in BROKEN {
        let path = Path::new("tests/it/broken").join(file);
        let tmp = tempfile::tempdir().unwrap();
        let out_dir = tmp.path().join("out");
        for args in [
            vec!["check"],
            vec!["run", "--quiet", "--out", out_dir.to_str().unwrap()],
        ] {
            assert_input_error(&args, &path, needles);
        }
        assert!(
            std::fs::read_dir(tmp.path()).unwrap().next().is_none(),
            "{file}: output left behind"
        );
    }
}

#[test]
fn check_reports_every_problem_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("many.toml");
    std::fs::write(
        &path,
        r#"
name = "many"
days = 0
[choice]
b_trvel = -1.0
beliefs = "wrod_of_mouth"
[demand]
chronic_share = 1.3
episodes_per_resident_year = "lots"
[[region]]
name = "r"
[[region.settlement]]
at_km = [0.0, 0.0]
population = -5
[[facility]]
name = "x"
tier = "regional"
at_km = [0.0, 0.0]
region = "q"
"#,
    )
    .unwrap();
    let output = tiersim().arg("check").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    for needle in [
        "days",
        "choice.b_trvel",
        "choice.beliefs",
        "did you mean `word_of_mouth`",
        "demand.chronic_share",
        "demand.episodes_per_resident_year",
        "settlement[0].population",
        "(facility[0]).region",
    ] {
        assert!(stderr.contains(needle), "missing {needle:?} in:\n{stderr}");
    }
    assert!(stderr.lines().count() >= 8, "expected one line per problem:\n{stderr}");
}

#[test]
fn run_writes_every_output_and_no_temporary_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("baseline");
    let output = tiersim()
        .args(["run", "--days", "40", "--replications", "2", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    for tier in ["village", "township", "county", "regional", "grassroots first contact"] {
        assert!(stdout.contains(tier), "table lacks {tier}:\n{stdout}");
    }
    for name in [
        "summary.json",
        "tiers.csv",
        "facilities.csv",
        "daily.csv",
        "system.csv",
        "runs.csv",
        "scenario.toml",
    ] {
        assert!(out.join(name).is_file(), "{name} missing");
    }
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "temporary folders left: {leftovers:?}");
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["replications"], 2);
    assert!(
        summary["tiers"]["county"]["wait_mean_minutes"]["mean"]
            .as_f64()
            .unwrap()
            >= 0.0
    );
}
