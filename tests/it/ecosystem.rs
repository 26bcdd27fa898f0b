//! Fitting the tools people use (issue 10): completions, examples in every
//! `--help`, progress off a terminal, `check -`, and `merge` writing what an
//! unsharded sweep writes.

use std::fs;
use std::path::Path;

use assert_cmd::Command;

fn tiersim() -> Command {
    Command::cargo_bin("tiersim").unwrap()
}

#[test]
fn completions_for_every_shell_name_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = tiersim().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        for sub in ["run", "check", "sweep", "merge", "plot", "compare"] {
            assert!(text.contains(sub), "{shell} completions lack {sub}");
        }
        assert!(text.contains("progress"), "{shell} completions lack flags");
    }
    let bad = tiersim().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn every_subcommand_help_shows_examples() {
    for sub in ["run", "check", "sweep", "merge", "plot", "compare", "completions"] {
        let out = tiersim().args([sub, "--help"]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("Examples:\n  tiersim "),
            "{sub} --help has no examples:\n{text}"
        );
    }
}

#[test]
fn progress_always_prints_plain_lines_when_stderr_is_not_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |mode: &str, out: &str| {
        let o = tiersim()
            .args([
                "run",
                "tests/it/sweeps/tiny_base.toml",
                "-r",
                "2",
                "--no-charts",
                "--progress",
                mode,
            ])
            .arg("--out")
            .arg(tmp.path().join(out))
            .output()
            .unwrap();
        assert!(o.status.success());
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let always = run("always", "a");
    assert!(always.contains("progress: runs 2/2 (100%)"), "{always}");
    assert!(
        !always.contains('\r') && !always.contains('\x1b'),
        "no terminal control codes: {always:?}"
    );
    assert!(!run("auto", "b").contains("progress"), "auto draws only on a terminal");
    assert!(!run("never", "c").contains("progress"));
}

#[test]
fn check_reads_a_scenario_from_standard_input() {
    let text = fs::read_to_string("scenarios/baseline.toml").unwrap();
    let ok = tiersim()
        .args(["check", "-"])
        .write_stdin(text.clone())
        .output()
        .unwrap();
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("ok: <stdin>: scenario \"county-baseline\""));
    let broken = text.replace("b_travel", "b_trvel");
    let bad = tiersim().args(["check", "-"]).write_stdin(broken).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("<stdin>: choice.b_trvel"), "{stderr}");
}

#[test]
fn merge_writes_the_charts_and_report_an_unsharded_sweep_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    let sharded = tmp.path().join("sharded");
    let sweep = "tests/it/sweeps/tiny_sweep.toml";
    tiersim()
        .args(["sweep", sweep, "-q", "--out"])
        .arg(&whole)
        .assert()
        .success();
    for k in ["1/2", "2/2"] {
        tiersim()
            .args(["sweep", sweep, "-q", "--shard", k, "--out"])
            .arg(&sharded)
            .assert()
            .success();
    }
    assert!(!sharded.join("report.html").exists());
    tiersim().arg("merge").arg(&sharded).assert().success();
    let listing = |d: &Path| {
        let mut v: Vec<_> = fs::read_dir(d.join("charts"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        v.sort();
        v
    };
    assert_eq!(listing(&sharded), listing(&whole));
    assert_eq!(
        fs::read(sharded.join("report.html")).unwrap(),
        fs::read(whole.join("report.html")).unwrap()
    );
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// What R's `make.names` leaves unchanged (and pandas and Excel too).
fn survives_check_names(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[test]
fn wide_tables_hold_one_row_per_replication_and_per_point_with_safe_names() {
    let tmp = tempfile::tempdir().unwrap();
    // A Chinese alliance name and facility names must not leak into column names.
    let run = tmp.path().join("run");
    let scenario = tmp.path().join("cc.toml");
    fs::copy("scenarios/county_community.toml", &scenario).unwrap();
    tiersim()
        .arg("run")
        .arg(&scenario)
        .args(["-r", "2", "--days", "40", "--no-charts", "-q", "--out"])
        .arg(&run)
        .assert()
        .success();
    let (header, rows) = read_csv(&run.join("runs_wide.csv"));
    assert_eq!(rows.len(), 2, "one row per replication");
    assert_eq!(&header[..2], ["replication", "seed"]);
    let mut seen = std::collections::BTreeSet::new();
    for h in &header {
        assert!(survives_check_names(h), "column {h:?} would be renamed by R");
        assert!(seen.insert(h), "duplicate column {h}");
    }
    // Every value is the long table's value.
    let (_, long) = read_csv(&run.join("runs.csv"));
    for (scope, id, metric, column) in [
        ("system", "system", "bypass_rate", "system_bypass_rate"),
        ("tier", "county", "wait_mean_minutes", "tier_county_wait_mean_minutes"),
    ] {
        let c = header.iter().position(|h| h == column).unwrap();
        for row in &rows {
            let want = long
                .iter()
                .find(|l| l[0] == row[0] && l[2] == scope && l[3] == id && l[4] == metric)
                .unwrap();
            assert_eq!(row[c], want[5], "{column} replication {}", row[0]);
        }
    }
    // Sweeps: one row per point.
    let sweep = tmp.path().join("sweep");
    tiersim()
        .args(["sweep", "tests/it/sweeps/tiny_sweep.toml", "-q", "--no-charts", "--out"])
        .arg(&sweep)
        .assert()
        .success();
    let (header, rows) = read_csv(&sweep.join("points_wide.csv"));
    assert_eq!(rows.len(), 6);
    assert_eq!(
        &header[..3],
        ["point", "policy_outpatient_rate_township", "tiers_county_doctors"]
    );
    assert!(header.iter().all(|h| survives_check_names(h)), "{header:?}");
    let (_, long) = read_csv(&sweep.join("points.csv"));
    let c = header
        .iter()
        .position(|h| h == "system_first_contact_grassroots_share")
        .unwrap();
    for row in &rows {
        let want = long
            .iter()
            .find(|l| l[0] == row[0] && l[3] == "system" && l[5] == "first_contact_grassroots_share")
            .unwrap();
        assert_eq!(row[c], want[6], "point {}", row[0]);
    }
}

#[test]
fn days_on_the_command_line_resolve_the_default_warm_up() {
    let tmp = tempfile::tempdir().unwrap();
    // The tiny county without its warmup_days: the default min(30, days / 4).
    let text = fs::read_to_string("tests/it/sweeps/tiny_base.toml").unwrap();
    let file = tmp.path().join("county.toml");
    fs::write(&file, text.replace("warmup_days = 5\n", "")).unwrap();
    let out = tmp.path().join("out");
    tiersim()
        .arg("run")
        .arg(&file)
        .args(["--days", "20", "-r", "1", "-q", "--no-charts", "--out"])
        .arg(&out)
        .assert()
        .success();
    let summary: serde_json::Value = serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        (summary["days"].as_u64(), summary["warmup_days"].as_u64()),
        (Some(20), Some(5))
    );
    // A warm-up the file sets explicitly still has to fit, and the message says --days.
    let bad = tiersim()
        .args(["run", "tests/it/sweeps/tiny_base.toml", "--days", "4", "--out"])
        .arg(tmp.path().join("bad"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("(with --days 4): warmup_days: 5: must be less than days (4)"),
        "{stderr}"
    );
}

#[test]
fn check_warns_about_an_unreachable_facility_and_deny_warnings_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let text = fs::read_to_string("tests/it/sweeps/tiny_base.toml").unwrap()
        + "\n[[facility]]\nname = \"far rmc\"\ntier = \"regional\"\nregion = \"city\"\nat_km = [400.0, 0.0]\ndoctors = 2\n";
    let file = tmp.path().join("far.toml");
    fs::write(&file, text).unwrap();
    let warned = tiersim().arg("check").arg(&file).output().unwrap();
    assert!(warned.status.success(), "a warning does not fail check");
    let stderr = String::from_utf8_lossy(&warned.stderr);
    assert!(
        stderr.contains("warning: ") && stderr.contains("facility \"far rmc\""),
        "{stderr}"
    );
    let denied = tiersim()
        .args(["check", "--deny-warnings"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(denied.status.code(), Some(2));
    let json = tiersim()
        .args(["check", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(json.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&json.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let w = lines
        .iter()
        .find(|l| l["severity"] == "warning")
        .expect("a warning line");
    assert_eq!(w["key"], "facility \"far rmc\"");
    assert_eq!(w["file"], file.display().to_string());
    assert_eq!(lines.last().unwrap()["severity"], "ok");
}

#[test]
fn check_json_lines_split_value_allowed_and_hint() {
    let out = tiersim()
        .args([
            "check",
            "--format",
            "json",
            "tests/it/broken/negative_doctors.toml",
            "tests/it/broken/typo_key.toml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let doctors = lines
        .iter()
        .find(|l| l["key"] == "facility \"Dongshan THC\" (facility[0]).doctors")
        .unwrap();
    assert_eq!(
        (doctors["value"].as_str(), doctors["severity"].as_str()),
        (Some("-2"), Some("error"))
    );
    assert!(
        doctors["allowed"]
            .as_str()
            .unwrap()
            .starts_with("expected a whole number")
    );
    let typo = lines.iter().find(|l| l["key"] == "choice.b_trvel").unwrap();
    assert_eq!(typo["hint"], "did you mean `b_travel`?");
}
