//! Charts, reports and comparisons of saved runs.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn tiersim() -> Command {
    Command::cargo_bin("tiersim").unwrap()
}

const GAP: &str = "\n[policy.outpatient]\nrate = { village = 0.9, township = 0.9, county = 0.3, regional = 0.2 }\n";

/// Runs the tiny county (optionally with a wide reimbursement gap) into `dir`.
fn run_tiny(dir: &Path, reform: bool, extra: &[&str]) -> PathBuf {
    let mut text = fs::read_to_string("tests/it/sweeps/tiny_base.toml").unwrap();
    if reform {
        text.push_str(GAP);
    }
    let file = dir.join(if reform { "reform.toml" } else { "base.toml" });
    fs::write(&file, text).unwrap();
    let out = dir.join(if reform { "reform" } else { "base" });
    tiersim()
        .args(["run", "--quiet", "--replications", "4", "--out"])
        .arg(&out)
        .arg(&file)
        .args(extra)
        .assert()
        .success();
    out
}

fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            out.push((
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&p).unwrap(),
            ));
        }
    }
    out.sort();
    out
}

/// Every `href`/`src` in the report points at a file that exists.
fn assert_links_exist(dir: &Path, html: &str) {
    for attr in ["href=\"", "src=\""] {
        for part in html.split(attr).skip(1) {
            let target = &part[..part.find('"').unwrap()];
            assert!(dir.join(target).is_file(), "report links to missing {target}");
        }
    }
}

#[test]
fn a_run_writes_every_chart_and_a_self_contained_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_tiny(tmp.path(), false, &[]);
    let charts = files_under(&out.join("charts"));
    let svgs: Vec<&(String, Vec<u8>)> = charts.iter().filter(|(n, _)| n.ends_with(".svg")).collect();
    let pngs = charts.iter().filter(|(n, _)| n.ends_with(".png")).count();
    assert!(
        svgs.len() >= 7,
        "expected the run charts, got {:?}",
        charts.iter().map(|c| &c.0).collect::<Vec<_>>()
    );
    assert_eq!(svgs.len(), pngs, "each chart as PNG and SVG");
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<figure>").count(), svgs.len(), "every chart inline");
    assert!(!html.contains("<?xml"), "SVG prologs stripped for inline use");
    assert_links_exist(&out, &html);
    for word in ["Scenario", "Tiers", "System", "first_contact_"] {
        assert!(html.contains(word), "report lacks {word}");
    }
    // Every table scrolls sideways inside its own wrapper, never past the page.
    let tables = html.matches("<table").count();
    assert!(tables >= 3);
    assert_eq!(
        html.matches("<div class=\"scroll\"><table>").count(),
        tables,
        "a table outside a scroll wrapper"
    );
    assert!(html.contains(".scroll{overflow-x:auto"), "the wrapper scrolls");
    // Numbers written for their unit: counts whole, no "± 0.00" on zero variance.
    assert!(
        !html.contains("0.00 ± 0.00") && !html.contains("± 0.00<"),
        "zero variance shown as ± 0.00"
    );
    assert!(html.contains("<td>unmet_episodes</td><td>0</td>"), "a zero count is 0");
    let arrivals = html
        .split("<td>village</td>")
        .nth(1)
        .unwrap()
        .split("</td>")
        .nth(1)
        .unwrap();
    assert!(
        arrivals
            .trim_start_matches("<td>")
            .chars()
            .all(|c| c.is_ascii_digit() || ", ±".contains(c)),
        "village arrivals are whole numbers: {arrivals}"
    );
}

#[test]
fn plot_redraws_the_same_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_tiny(tmp.path(), false, &[]);
    let before = (
        files_under(&out.join("charts")),
        fs::read(out.join("report.html")).unwrap(),
    );
    fs::remove_dir_all(out.join("charts")).unwrap();
    fs::remove_file(out.join("report.html")).unwrap();
    tiersim().arg("plot").arg(&out).assert().success();
    let after = (
        files_under(&out.join("charts")),
        fs::read(out.join("report.html")).unwrap(),
    );
    assert!(
        before == after,
        "plot must reproduce the charts and report byte for byte"
    );
}

#[test]
fn no_charts_means_no_charts() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_tiny(tmp.path(), false, &["--no-charts"]);
    assert!(!out.join("charts").exists() && !out.join("report.html").exists());
    assert!(out.join("summary.json").is_file());
}

fn compare_rows(dir: &Path) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(dir.join("compare.csv")).unwrap();
    r.records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn system_row<'a>(rows: &'a [Vec<String>], metric: &str) -> &'a Vec<String> {
    rows.iter().find(|r| r[0] == "system" && r[2] == metric).unwrap()
}

#[test]
fn a_run_compared_with_itself_shows_no_difference() {
    let tmp = tempfile::tempdir().unwrap();
    let base = run_tiny(tmp.path(), false, &["--no-charts"]);
    let out = tmp.path().join("self");
    tiersim()
        .arg("compare")
        .arg(&base)
        .arg(&base)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let rows = compare_rows(&out);
    assert!(rows.len() > 50);
    for r in &rows {
        // scope, id, metric, baseline, reform, diff, sd, ci_low, ci_high, n, relative
        if !r[5].is_empty() {
            assert_eq!((r[5].as_str(), r[7].as_str(), r[8].as_str()), ("0", "0", "0"), "{r:?}");
        }
    }
}

#[test]
fn a_wider_gap_shows_up_in_the_comparison() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, reform) = (
        run_tiny(tmp.path(), false, &["--no-charts"]),
        run_tiny(tmp.path(), true, &["--no-charts"]),
    );
    let out = tmp.path().join("cmp");
    let said = tiersim()
        .arg("compare")
        .arg(&base)
        .arg(&reform)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(said.status.success());
    let stdout = String::from_utf8_lossy(&said.stdout);
    assert!(stdout.contains("headline outcomes"), "{stdout}");
    // Shares change in percentage points, never in "%".
    let line = stdout
        .lines()
        .find(|l| l.contains("| first_contact_grassroots_share"))
        .unwrap();
    assert!(line.contains(" pp"), "{line}");
    assert_eq!(line.matches('%').count(), 2, "only the two levels are in %: {line}");
    let rows = compare_rows(&out);
    let share = system_row(&rows, "first_contact_grassroots_share");
    let bypass = system_row(&rows, "bypass_rate");
    let num = |s: &str| s.parse::<f64>().unwrap();
    assert!(
        num(&share[7]) > 0.0,
        "grassroots share up with its interval above 0: {share:?}"
    );
    assert!(
        num(&bypass[8]) < 0.0,
        "bypass down with its interval below 0: {bypass:?}"
    );
    // Without [outcome] the second price says what it needs, not a number.
    let poor = buys_row(&out, "poor_outcome_averted");
    assert_eq!(
        (poor["interval"].as_str(), poor["verdict"].as_str()),
        ("not_estimable", "needs [outcome] in both runs")
    );
    assert!(poor["ratio"].is_empty());
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(html.matches("<figure>").count(), 1);
    assert_links_exist(&out, &html);
    assert!(out.join("charts/largest_changes.svg").is_file() || files_under(&out.join("charts")).len() == 2);
    // Runs on different seeds do not pair.
    let other = tmp.path().join("other");
    tiersim()
        .args([
            "run",
            "--quiet",
            "--no-charts",
            "--seed",
            "99",
            "--replications",
            "2",
            "--out",
        ])
        .arg(&other)
        .arg(tmp.path().join("base.toml"))
        .assert()
        .success();
    let bad = tiersim().arg("compare").arg(&base).arg(&other).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("common seeds"));
}

/// A `buys.csv` row by its effect, as column -> field.
fn buys_row(dir: &Path, effect: &str) -> std::collections::BTreeMap<String, String> {
    let mut r = csv::Reader::from_path(dir.join("buys.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|x| {
            header
                .iter()
                .cloned()
                .zip(x.unwrap().iter().map(str::to_string))
                .collect()
        })
        .find(|row: &std::collections::BTreeMap<String, String>| row["effect"] == effect)
        .unwrap()
}

/// An interval end of buys.csv ("inf", "-inf" or a number).
fn end(s: &str) -> f64 {
    match s {
        "inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        x => x.parse().unwrap(),
    }
}

/// Whether buys.csv's interval holds `x`.
fn holds(row: &std::collections::BTreeMap<String, String>, x: f64) -> bool {
    match row["interval"].as_str() {
        "between" => end(&row["ci_low"]) <= x && x <= end(&row["ci_high"]),
        "outside" => x <= end(&row["ci_low"]) || x >= end(&row["ci_high"]),
        "everything" => true,
        other => panic!("no interval: {other} in {row:?}"),
    }
}

#[test]
fn compare_prices_the_extra_grassroots_contacts_a_wider_gap_buys() {
    let tmp = tempfile::tempdir().unwrap();
    // Both halves with an outcome model, so poor outcomes are priced too.
    let outcome = "\n[outcome]\nhazard_per_hour = { severe = 0.02, critical = 0.05 }\n";
    let base_text = fs::read_to_string("tests/it/sweeps/tiny_base.toml").unwrap() + outcome;
    let mut runs = Vec::new();
    for (name, text) in [("base", base_text.clone()), ("reform", base_text + GAP)] {
        let file = tmp.path().join(format!("{name}.toml"));
        fs::write(&file, text).unwrap();
        let out = tmp.path().join(name);
        tiersim()
            .args(["run", "--quiet", "--no-charts", "--replications", "4", "--out"])
            .arg(&out)
            .arg(&file)
            .assert()
            .success();
        runs.push(out);
    }
    let out = tmp.path().join("cmp");
    let said = tiersim()
        .arg("compare")
        .arg(&runs[0])
        .arg(&runs[1])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(said.status.success(), "{}", String::from_utf8_lossy(&said.stderr));
    let stdout = String::from_utf8_lossy(&said.stdout);
    assert!(stdout.contains("What the reform buys"), "{stdout}");
    assert!(stdout.contains("| fund per extra grassroots first contact"), "{stdout}");
    let num = |s: &str| s.parse::<f64>().unwrap();
    let row = buys_row(&out, "grassroots_first_contact");
    // The gap raises grassroots first contacts, its interval above zero.
    assert!(
        num(&row["effect_diff"]) > 0.0 && num(&row["effect_ci_low"]) > 0.0,
        "{row:?}"
    );
    assert_eq!(row["n"], "4");
    // The fund change is compare.csv's fund_total difference, and the
    // ratio has its sign (contacts rose).
    let fund = system_row(&compare_rows(&out), "fund_total")[5].clone();
    assert!(
        (num(&row["fund_diff"]) - num(&fund)).abs() <= 1e-6 * num(&fund).abs().max(1.0),
        "{row:?} vs {fund}"
    );
    let ratio = num(&row["ratio"]);
    assert_eq!(ratio.signum(), num(&fund).signum(), "{row:?}");
    assert!((ratio - num(&row["fund_diff"]) / num(&row["effect_diff"])).abs() < 1e-6 * ratio.abs());
    // Contacts clearly rose, so Fieller's set is a finite interval around the estimate.
    assert_eq!(row["interval"], "between", "{row:?}");
    assert!(holds(&row, ratio), "{row:?}");
    let verdict = &row["verdict"];
    if num(&row["fund_ci_high"]) < 0.0 {
        assert_eq!(verdict, "dominant: saves money and raises grassroots first contacts");
    } else if num(&row["fund_ci_low"]) > 0.0 {
        assert!(
            verdict.starts_with("costs more and raises grassroots first contacts"),
            "{verdict}"
        );
    } else {
        assert_eq!(verdict, "raises grassroots first contacts, no clear change in spending");
    }
    // Poor outcomes are priced from the same pairs: the set holds the estimate.
    let poor = buys_row(&out, "poor_outcome_averted");
    assert_eq!(poor["n"], "4");
    if !poor["ratio"].is_empty() {
        assert!(holds(&poor, num(&poor["ratio"])), "{poor:?}");
    }
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("What the reform buys") && html.contains("href=\"buys.csv\""));
    assert_links_exist(&out, &html);
    eprintln!("buys.csv:\n{}", fs::read_to_string(out.join("buys.csv")).unwrap());
}

#[test]
fn a_sweep_writes_its_charts_and_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sweep");
    tiersim()
        .args(["sweep", "tests/it/sweeps/tiny_sweep.toml", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let charts = files_under(&out.join("charts"));
    assert!(!charts.is_empty(), "a 2-D sweep draws heatmaps");
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(html.matches("<figure>").count() * 2, charts.len());
    assert_links_exist(&out, &html);
}

#[test]
fn compare_pairs_the_common_replications_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let base = run_tiny(tmp.path(), false, &["--no-charts"]);
    let fewer = tmp.path().join("fewer");
    tiersim()
        .args(["run", "--quiet", "--no-charts", "--replications", "3", "--out"])
        .arg(&fewer)
        .arg(tmp.path().join("base.toml"))
        .assert()
        .success();
    let out = tmp.path().join("cmp");
    let said = tiersim()
        .arg("compare")
        .arg(&base)
        .arg(&fewer)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(said.status.success());
    let stderr = String::from_utf8_lossy(&said.stderr);
    assert!(
        stderr.contains("4 replication(s) and the reform 3: paired the 3 they share (0-2)"),
        "{stderr}"
    );
    for r in compare_rows(&out) {
        // n counts pairs where the metric is defined (0 where it never is);
        // a small group's rare metric (critical care in one travel
        // quintile) may be defined in only some of them.
        let grouped = tiersim::metrics::Dimension::from_name(&r[0]).is_some();
        assert!(
            r[9] == "3" || (r[9] == "0" && r[5].is_empty()) || (grouped && r[9].parse::<u32>().is_ok_and(|n| n < 3)),
            "n is the number of pairs: {r:?}"
        );
    }
    assert_eq!(system_row(&compare_rows(&out), "episodes")[9], "3");
}

#[test]
fn plot_redraws_a_comparison_from_another_working_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let base = run_tiny(tmp.path(), false, &["--no-charts"]);
    let reform = run_tiny(tmp.path(), true, &["--no-charts"]);
    let work = tmp.path().join("work");
    fs::create_dir(&work).unwrap();
    // Relative paths, as a user types them, from `work`.
    tiersim()
        .current_dir(&work)
        .args(["compare", "../base", "../reform", "--out", "cmp"])
        .assert()
        .success();
    let memo = fs::read_to_string(work.join("cmp/compare.toml")).unwrap();
    assert!(!memo.contains("\"../base\""), "paths are absolute: {memo}");
    let before = fs::read(work.join("cmp/compare.csv")).unwrap();
    tiersim()
        .current_dir(tmp.path())
        .args(["plot", "work/cmp"])
        .assert()
        .success();
    assert_eq!(fs::read(work.join("cmp/compare.csv")).unwrap(), before);
    let _ = (base, reform);
}
