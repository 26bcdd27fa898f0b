//! Groups of residents (#13): group totals add up to the system,
//! serious-illness insurance lowers catastrophic spending on common random
//! numbers, and `groups.csv` is written and reads back.

use std::path::Path;

use tiersim::metrics::{Dimension, RunOutput, Scope};
use tiersim::scenario::Scenario;

use crate::support::{scenario, simulate};

fn get(out: &RunOutput, scope: Scope, name: &str) -> f64 {
    out.get(scope, name)
        .unwrap_or_else(|| panic!("metric {name} missing for {scope:?}"))
}

/// The shipped city scenario (three income groups, both schemes),
/// shortened to 60 days.
fn city() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/city_family_doctor.toml");
    let mut s = Scenario::load(&path).expect("the shipped scenario is valid");
    s.days = 60;
    s.warmup_days = 10;
    s.replications = 2;
    s
}

/// The groups of `dim` that `out` reports.
fn groups_of(out: &RunOutput, dim: Dimension) -> Vec<Scope> {
    let mut scopes: Vec<Scope> = out
        .metrics
        .iter()
        .map(|m| m.scope)
        .filter(|s| matches!(s, Scope::Group(d, _) if *d == dim))
        .collect();
    scopes.dedup();
    scopes
}

/// Defect (#13): nothing was reported by group; now every dimension's
/// groups split the system's counts and money exactly.
#[test]
fn group_totals_add_up_to_the_system() {
    let r = simulate(&city());
    for out in &r.runs {
        let rep = out.replication;
        for dim in Dimension::ALL {
            let groups = groups_of(out, dim);
            if dim != Dimension::Region {
                assert!(groups.len() > 1, "replication {rep}: {dim:?} has several groups");
            }
            for name in ["residents", "episodes", "unmet_episodes", "admissions", "referrals_up"] {
                let sum: f64 = groups.iter().map(|&g| get(out, g, name)).sum();
                assert_eq!(
                    sum,
                    get(out, Scope::System, name),
                    "replication {rep}: {name} over {dim:?}"
                );
            }
            for name in ["oop_total", "cost_total", "fund_total"] {
                let cents = |x: f64| (x * 100.0).round() as i64;
                let sum: i64 = groups.iter().map(|&g| cents(get(out, g, name))).sum();
                assert_eq!(
                    sum,
                    cents(get(out, Scope::System, name)),
                    "replication {rep}: {name} over {dim:?}"
                );
            }
        }
        let episodes = get(out, Scope::System, "episodes");
        assert!(
            episodes > 1000.0,
            "replication {rep}: a busy city ({episodes} episodes)"
        );
        // Poorer residents weigh cost more, so the index is a real number.
        let c = get(out, Scope::System, "oop_concentration_index");
        assert!(c.is_finite() && c.abs() < 1.0, "replication {rep}: {c}");
    }
}

/// Only low-income chronic residents: 2,000 a year each, catastrophic
/// above 10% (200) of it; a county hospital whose visits cost 300.
fn low_income_chronic(serious_illness: &str) -> Scenario {
    scenario(&format!(
        r#"
name = "low-income-chronic"
seed = 5
days = 365
warmup_days = 0
replications = 3
[demand]
episodes_per_resident_year = 2.0
chronic_share = 1.0
chronic_multiplier = 1.5
severity_mix = {{ mild = 0.5, moderate = 0.3, severe = 0.2 }}
[[population.income_group]]
name = "low"
share = 1.0
income = 2000
[[region]]
name = "r"
[[region.settlement]]
at_km = [0.0, 0.0]
population = 2000
[[facility]]
name = "ch"
tier = "county"
at_km = [1.0, 0.0]
doctors = 20
hours = "24h"
capability = "critical"
{serious_illness}
"#
    ))
}

/// Defect (#13): nothing showed what serious-illness insurance does for
/// those it is for. On common random numbers (the second payer draws
/// nothing and the choice does not weigh it) the run without it is the
/// run with it before it pays: same catastrophic share, replication by
/// replication; with it paying 90% of spending above 100, fewer
/// resident-years are catastrophic.
#[test]
fn serious_illness_insurance_lowers_catastrophic_spending_of_low_income_chronic_residents() {
    let without = simulate(&low_income_chronic(""));
    let with = simulate(&low_income_chronic(
        "[serious_illness]\nthreshold = 100\nbands = [{ above = 100, rate = 0.9 }]\ncap = 100000\n",
    ));
    for (a, b) in without.runs.iter().zip(&with.runs) {
        let rep = a.replication;
        let before = get(a, Scope::System, "catastrophic_share");
        assert_eq!(
            before,
            get(a, Scope::System, "catastrophic_share_before_serious_illness")
        );
        assert_eq!(
            before,
            get(b, Scope::System, "catastrophic_share_before_serious_illness"),
            "replication {rep}"
        );
        let after = get(b, Scope::System, "catastrophic_share");
        assert!(
            before > 0.2,
            "replication {rep}: catastrophic spending is common ({before})"
        );
        assert!(after < before - 0.1, "replication {rep}: {after} vs {before}");
        let low = Scope::Group(Dimension::Income, 0);
        assert_eq!(
            get(b, low, "catastrophic_share"),
            after,
            "replication {rep}: one group is everyone"
        );
        assert!(get(b, Scope::System, "serious_illness_paid") > 0.0);
    }
}

/// `groups.csv` is written beside the other tables and reads back as the
/// summaries of `runs.csv`'s group rows and `summary.json`'s groups.
#[test]
fn groups_csv_is_written_and_round_trips() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("s.toml");
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/city_family_doctor.toml"))
        .unwrap();
    std::fs::write(&file, text).unwrap();
    let out = tmp.path().join("out");
    let status = assert_cmd::Command::cargo_bin("tiersim")
        .unwrap()
        .args(["run", "--days", "45", "--replications", "2", "--out"])
        .arg(&out)
        .arg(&file)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let table = tiersim::results::Table::read(&out.join("groups.csv"), None).unwrap();
    let runs = tiersim::results::read_runs(&out.join("runs.csv")).unwrap();
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let (dim, group, metric) = (
        table.col("dimension").unwrap(),
        table.col("group").unwrap(),
        table.col("metric").unwrap(),
    );
    let stats = table.stats().unwrap();
    let mut dimensions = std::collections::BTreeSet::new();
    assert!(table.rows().len() > 100, "{} rows", table.rows().len());
    for row in table.rows() {
        let (d, g, m) = (&row[dim], &row[group], &row[metric]);
        dimensions.insert(d.to_string());
        let s = stats(row);
        // JSON writes undefined means as null.
        let json = summary["groups"][d][g][m]["mean"].as_f64().unwrap_or(f64::NAN);
        let same = (json.is_nan() && s.mean.is_nan()) || (json - s.mean).abs() <= 1e-12 * s.mean.abs();
        assert!(same, "{d} {g} {m}: summary.json {json}, groups.csv {}", s.mean);
        let values: Vec<f64> = runs
            .iter()
            .filter(|r| r.key.scope == d && r.key.id == g && r.key.metric == m)
            .map(|r| r.value)
            .collect();
        assert_eq!(values.len(), 2, "{d} {g} {m} in runs.csv");
        let again = tiersim::results::Stats::of(values);
        assert!(
            again.mean.to_bits() == s.mean.to_bits() || (again.mean.is_nan() && s.mean.is_nan()),
            "{d} {g} {m}: runs.csv {}, groups.csv {}",
            again.mean,
            s.mean
        );
    }
    let expected: std::collections::BTreeSet<String> = ["income", "scheme", "region", "travel_quintile"]
        .map(String::from)
        .into();
    assert_eq!(dimensions, expected);
    let low = table.find(
        tiersim::metrics::MetricId::CatastrophicShare,
        &[("dimension", "income"), ("group", "low")],
    );
    assert!(low.unwrap().is_some(), "catastrophic share of the low-income group");
}
