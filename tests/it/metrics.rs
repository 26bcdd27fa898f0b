//! System metrics as defined: one money ledger, the county treatment rate
//! as officially defined, and poor outcomes of unmet severe illness.

use std::path::Path;

use tiersim::metrics::{RunOutput, Scope};
use tiersim::scenario::{Scenario, Tier};

use crate::support::{scenario, simulate};

/// An amount written in CNY, in whole cents (the recorder books cents).
fn cents(cny: f64) -> i64 {
    (cny * 100.0).round() as i64
}

fn get(out: &RunOutput, scope: Scope, name: &str) -> f64 {
    out.get(scope, name)
        .unwrap_or_else(|| panic!("metric {name} missing for {scope:?}"))
}

/// The facilities' values of `name` summed, in cents.
fn facility_sum(out: &RunOutput, facilities: usize, name: &str) -> i64 {
    (0..facilities as u32)
        .map(|f| cents(get(out, Scope::Facility(f), name)))
        .sum()
}

/// The county medical community, shortened to 90 days: follow-ups are
/// under way and episodes open when it stops.
fn county_community() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/county_community.toml");
    let mut s = Scenario::load(&path).expect("the shipped scenario is valid");
    s.days = 90;
    s.replications = 2;
    s
}

#[test]
fn system_money_totals_equal_the_sums_over_facilities_and_the_budget_spent() {
    let r = simulate(&county_community());
    let n = r.world.facilities.len();
    for out in &r.runs {
        let rep = out.replication;
        assert!(
            facility_sum(out, n, "followup_visits") > 0,
            "replication {rep}: follow-ups are part of the test"
        );
        assert!(
            out.ledger.episodes_open_at_end > 0,
            "replication {rep}: open episodes are part of the test"
        );
        for (system, facility) in [("cost_total", "cost"), ("fund_total", "fund"), ("oop_total", "oop")] {
            let total = cents(get(out, Scope::System, system));
            assert_eq!(total, facility_sum(out, n, facility), "replication {rep}: {system}");
            let tiers: i64 = Tier::ALL
                .iter()
                .map(|&t| cents(get(out, Scope::Tier(t), facility)))
                .sum();
            assert_eq!(total, tiers, "replication {rep}: {system} over tiers");
        }
        let fund = cents(get(out, Scope::System, "fund_total"));
        assert_eq!(
            cents(get(out, Scope::System, "budget_fund_spent")),
            fund,
            "replication {rep}: the budget's spending is the fund's"
        );
        let alliances: i64 = (0..r.world.scenario.alliances.len() as u32)
            .map(|a| cents(get(out, Scope::Alliance(a), "fund_spent")))
            .sum();
        assert_eq!(alliances, fund, "replication {rep}: alliances' fund_spent");
        let share = get(out, Scope::System, "oop_share");
        let oop = get(out, Scope::System, "oop_total") / get(out, Scope::System, "cost_total");
        assert_eq!(share, oop, "replication {rep}: oop_share is the ledger's");
    }
}

/// Home county "Home": one settlement and its county hospital; the
/// regional center sits in `regional_region` 20 km away. Every episode is
/// critical: triaged at the county hospital (the only one within
/// `max_travel_minutes`), treated (and mostly admitted) at the regional
/// center.
fn critical_county(regional_region: &str) -> Scenario {
    scenario(&format!(
        r#"
name = "county-rate"
days = 30
warmup_days = 5
replications = 2
[demand]
episodes_per_resident_year = 2.0
severity_mix = {{ critical = 1.0 }}
[choice]
max_travel_minutes = 30
[[region]]
name = "Home"
[[region.settlement]]
at_km = [0.0, 0.0]
population = 2000
[[region]]
name = "City"
[[facility]]
name = "County hospital"
tier = "county"
region = "Home"
at_km = [1.0, 0.0]
hours = "24h"
[[facility]]
name = "Regional center"
tier = "regional"
region = "{regional_region}"
at_km = [20.0, 0.0]
hours = "24h"
"#
    ))
}

#[test]
fn county_treatment_rate_counts_care_at_any_tier_inside_the_home_county() {
    for (region, inside) in [("City", false), ("Home", true)] {
        let r = simulate(&critical_county(region));
        for out in &r.runs {
            let rate = |name| get(out, Scope::System, name);
            assert!(get(out, Scope::System, "admissions") > 0.0, "admissions happen");
            // A regional center never counts as within the county there...
            assert_eq!(rate("within_county_rate"), 0.0, "regional center in {region}");
            // ...but the official rate counts it when it lies in the county.
            let admissions = rate("county_treatment_rate_admissions");
            assert_eq!(
                admissions,
                if inside { 1.0 } else { 0.0 },
                "regional center in {region}"
            );
            let visits = rate("county_treatment_rate_visits");
            if inside {
                assert_eq!(visits, 1.0, "every consultation is in the county");
            } else {
                // The triage at home, the treatment in the city: half each,
                // up to episodes between the two at the boundaries.
                assert!((visits - 0.5).abs() < 0.02, "triage in, treatment out: {visits}");
            }
        }
    }
}

/// Severe illness only; the one hospital able to treat it has no doctor,
/// so the patients the township center refers there give up (patience, no
/// retry): every episode that ends, ends unmet.
fn nowhere_to_treat(outcome: &str) -> Scenario {
    scenario(&format!(
        r#"
name = "unmet"
days = 20
warmup_days = 2
replications = 2
[demand]
episodes_per_resident_year = 3.0
severity_mix = {{ severe = 1.0 }}
[patience]
mean_minutes = 30
retry_prob = 0.0
[[region]]
name = "r"
[[region.settlement]]
at_km = [0.0, 0.0]
population = 500
[[facility]]
name = "THC"
tier = "township"
at_km = [0.0, 0.0]
hours = "24h"
[[facility]]
name = "County hospital"
tier = "county"
at_km = [1.0, 0.0]
hours = "24h"
doctors = 0
{outcome}
"#
    ))
}

#[test]
fn unmet_severe_episodes_count_as_poor_outcomes() {
    let r = simulate(&nowhere_to_treat(
        "[outcome]\nhazard_per_hour = { severe = 0.01, critical = 0.1 }\n",
    ));
    for out in &r.runs {
        let unmet = get(out, Scope::System, "unmet_episodes");
        assert!(unmet > 0.0, "severe episodes go unmet");
        assert_eq!(get(out, Scope::System, "poor_outcomes"), unmet);
        assert_eq!(get(out, Scope::System, "poor_outcomes_per_10k"), 10_000.0);
        assert!(get(out, Scope::System, "time_to_care_severe_mean_minutes").is_nan());
    }
    let without = simulate(&nowhere_to_treat(""));
    let out = &without.runs[0];
    assert_eq!(
        out.get(Scope::System, "poor_outcomes"),
        None,
        "reported only with [outcome]"
    );
    assert!(out.get(Scope::System, "time_to_care_severe_mean_minutes").is_some());
}
