//! Wait beliefs: each mode feeds the choice the information it should.

use tiersim::metrics::RunOutput;
use tiersim::scenario::Tier;

use crate::support::{scenario, simulate};

/// Two identical facilities (filed under different tiers so the daily
/// series separate them) sharing one town's demand at ~90% load.
fn twin_facilities(beliefs: &str) -> String {
    format!(
        r#"
name = "twins"
seed = 8
days = 120
warmup_days = 20
replications = 2
[demand]
episodes_per_resident_year = 36.5
chronic_share = 0.0
severity_mix = {{ mild = 1.0 }}
[choice]
beliefs = "{beliefs}"
learning_rate = 0.5
b_quality = 0.0
b_cost = 0.0
b_travel = 0.0
b_wait = -4.0
[tiers.township]
service = {{ dist = "exponential", mean_minutes = 10 }}
[tiers.county]
service = {{ dist = "exponential", mean_minutes = 10 }}
[[region]]
name = "r"
[[region.settlement]]
at_km = [0.0, 0.0]
population = 2600
[[facility]]
name = "a"
tier = "township"
at_km = [0.0, 0.0]
doctors = 1
hours = "24h"
capability = "critical"
[[facility]]
name = "b"
tier = "county"
at_km = [0.0, 0.0]
doctors = 1
hours = "24h"
capability = "critical"
"#
    )
}

/// Mean absolute day-to-day change in facility a's share of arrivals.
fn share_swing(run: &RunOutput) -> f64 {
    let day_share: Vec<f64> = run
        .daily
        .chunks(4)
        .map(|day| {
            let get = |t: Tier| day.iter().find(|d| d.tier == t).map_or(0.0, |d| d.arrivals);
            let (a, b) = (get(Tier::Township), get(Tier::County));
            a / (a + b)
        })
        .collect();
    day_share.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / (day_share.len() - 1) as f64
}

/// Dong et al. (2019): publishing yesterday's mean wait to wait-sensitive
/// patients makes arrivals swing between facilities; live queue
/// information damps the swing.
#[test]
fn published_waits_make_arrivals_oscillate_and_live_information_damps_it() {
    let swing = |beliefs: &str| {
        let r = simulate(&scenario(&twin_facilities(beliefs)));
        r.runs.iter().map(share_swing).sum::<f64>() / r.runs.len() as f64
    };
    let (published, live, none) = (swing("published"), swing("live"), swing("none"));
    assert!(
        published > 2.0 * live,
        "published swing {published:.3} vs live {live:.3}"
    );
    assert!(
        published > 2.0 * none,
        "published swing {published:.3} vs none {none:.3}"
    );
}

/// Word of mouth: residents learn which facility is slow. With one twin's
/// service 40% slower (and demand at ~80% of the pair's capacity),
/// learning moves patients to the other.
#[test]
fn word_of_mouth_steers_patients_away_from_the_slow_facility() {
    let share_a = |beliefs: &str| {
        let text = twin_facilities(beliefs)
            .replace("population = 2600", "population = 2000")
            .replace(
                "[tiers.township]\nservice = { dist = \"exponential\", mean_minutes = 10 }",
                "[tiers.township]\nservice = { dist = \"exponential\", mean_minutes = 14 }",
            );
        let r = simulate(&scenario(&text));
        let get = |t: Tier| {
            r.summaries
                .iter()
                .find(|m| m.scope == tiersim::metrics::Scope::Tier(t) && m.name == "arrivals")
                .unwrap()
                .mean
        };
        get(Tier::Township) / (get(Tier::Township) + get(Tier::County))
    };
    let (learned, blind) = (share_a("word_of_mouth"), share_a("none"));
    assert!(
        (blind - 0.5).abs() < 0.02,
        "without beliefs the twins split evenly, got {blind:.3}"
    );
    assert!(
        learned < blind - 0.05,
        "word of mouth share at the slow twin {learned:.3} vs {blind:.3}"
    );
}
