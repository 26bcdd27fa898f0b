//! Shared helpers: build scenarios from TOML text and run them.

use tiersim::metrics::{Scope, Summary};
use tiersim::replicate::{self, RunResult};
use tiersim::scenario::Scenario;

/// A scenario from TOML text; panics with every problem if it is invalid.
pub fn scenario(text: &str) -> Scenario {
    match Scenario::from_toml(text, "test scenario") {
        Ok(s) => s,
        Err(e) => panic!("test scenario is invalid:\n{e}"),
    }
}

/// All replications of a scenario on the default pool.
pub fn simulate(s: &Scenario) -> RunResult {
    replicate::simulate(s, None, || {}).expect("the default thread pool starts")
}

/// The summary of one metric.
pub fn summary<'a>(r: &'a RunResult, scope: Scope, name: &str) -> &'a Summary {
    r.summaries
        .iter()
        .find(|m| m.scope == scope && m.name == name)
        .unwrap_or_else(|| panic!("metric {name} missing for {scope:?}"))
}

/// A one-settlement, one-facility scenario: `population` residents at the
/// facility's door, all episodes mild, 24h, exponential service, FIFO.
pub fn single_queue(doctors: u32, mean_minutes: f64, arrivals_per_minute: f64, days: u32, reps: u32) -> String {
    let population = 1000.0;
    let per_year = arrivals_per_minute * 525_600.0 / population;
    format!(
        r#"
name = "single-queue"
seed = 11
days = {days}
warmup_days = 20
replications = {reps}
[demand]
episodes_per_resident_year = {per_year}
chronic_share = 0.0
severity_mix = {{ mild = 1.0 }}
[choice]
beliefs = "none"
b_wait = 0.0
[tiers.county]
service = {{ dist = "exponential", mean_minutes = {mean_minutes} }}
[[region]]
name = "town"
[[region.settlement]]
name = "town"
at_km = [0.0, 0.0]
population = {population}
[[facility]]
name = "clinic"
tier = "county"
at_km = [0.0, 0.0]
doctors = {doctors}
hours = "24h"
capability = "critical"
"#
    )
}

/// Runs `tiersim ARGS FILE` and asserts bad input: exit 2, stderr naming the
/// file and containing every needle, no panic.
pub fn assert_input_error(args: &[&str], file: &std::path::Path, needles: &[&str]) {
    let output = assert_cmd::Command::cargo_bin("tiersim")
        .unwrap()
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let shown = file.display().to_string();
    assert_eq!(
        output.status.code(),
        Some(2),
        "{shown} {args:?}: exit {:?}, stderr:\n{stderr}",
        output.status
    );
    assert!(
        stderr.contains(&shown),
        "{shown}: stderr does not name the file:\n{stderr}"
    );
    for needle in needles {
        assert!(stderr.contains(needle), "{shown}: stderr lacks {needle:?}:\n{stderr}");
    }
    assert!(!stderr.contains("panicked"), "{shown}: panic:\n{stderr}");
}
