//! Golden output of a tiny scenario, at 4 significant digits. Re-bless
//! (`cargo insta review` or INSTA_UPDATE=always) only with a reason in the
//! commit message: any change here changes users' numbers.

use tiersim::metrics::Scope;

use crate::support::{scenario, simulate};

const TINY: &str = r#"
name = "tiny"
seed = 2024
days = 30
warmup_days = 5
replications = 3
[demand]
episodes_per_resident_year = 6.0
presentation_hours = "08:00-16:00"
[patience]
mean_minutes = 90
retry_prob = 0.5
[[region]]
name = "r"
[[region.settlement]]
name = "a"
at_km = [0.0, 0.0]
population = 2000
[[region.settlement]]
name = "b"
at_km = [6.0, 2.0]
population = 1500
[[facility]]
name = "vc a"
tier = "village"
at_km = [0.0, 0.0]
[[facility]]
name = "thc"
tier = "township"
at_km = [3.0, 1.0]
doctors = 2
[[facility]]
name = "ch"
tier = "county"
at_km = [10.0, 0.0]
doctors = 3
[[facility]]
name = "rmc"
tier = "regional"
at_km = [50.0, 0.0]
doctors = 2
"#;

fn sig(x: f64) -> String {
    if !x.is_finite() {
        return "nan".into();
    }
    format!("{x:.4e}")
}

#[test]
fn tiny_scenario_summary() {
    let r = simulate(&scenario(TINY));
    let lines: Vec<String> = r
        .summaries
        .iter()
        .filter(|m| !matches!(m.scope, Scope::Facility(_)))
        .map(|m| {
            format!(
                "{:?} {} mean={} sd={} n={}",
                m.scope,
                m.name,
                sig(m.mean),
                sig(m.sd),
                m.n
            )
        })
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
}
