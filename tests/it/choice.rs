//! Facility choice under the payment rules (issue #12): the whole
//! episode's expected out-of-pocket cost enters the utility (inpatient
//! terms and the yearly cap included), and quality gates price.
//!
//! Every comparison is a paired run on common random numbers: the same
//! scenario text and seed with only the policy (or quality) changed.

use tiersim::metrics::Scope;
use tiersim::replicate::RunResult;
use tiersim::scenario::{Scenario, Tier, resolved};

use crate::support::{scenario, simulate, summary};

const GRASSROOTS: &str = "first_contact_grassroots_share";

fn mean(r: &RunResult, scope: Scope, name: &str) -> f64 {
    summary(r, scope, name).mean
}

fn first_contact(r: &RunResult, tier: Tier) -> f64 {
    mean(r, Scope::Tier(tier), "first_contact_share")
}

/// Asserts `a < b`, strictly, naming both values.
#[track_caller]
fn assert_less(what: &str, a: (&str, f64), b: (&str, f64)) {
    assert!(a.1 < b.1, "{what}: expected {} < {}, got {} and {}", a.0, b.0, a.1, b.1);
}

/// A small generated county (20 villages, 20,000 residents, 3 township
/// centers, a county hospital) with a regional center 40 km away;
/// `demand` and `sections` are the test's.
fn county(demand: &str, sections: &str) -> Scenario {
    scenario(&format!(
        r#"
name = "choice-county"
seed = 12
days = 120
warmup_days = 20
replications = 3
[demand]
episodes_per_resident_year = 2.5
presentation_hours = "07:00-15:00"
{demand}
[choice]
max_travel_minutes = 240
b_quality = 0.8
b_cost = -0.008
b_travel = -1.0
b_wait = -0.6
[choice.asc.county]
severe = 1.5
[choice.asc.regional]
severe = 1.0
[tiers.county]
doctors = 12
beds = 200
[tiers.regional]
doctors = 20
{sections}
[[region]]
name = "Vale"
[region.generate]
radius_km = 12.0
villages = 20
population = 20000
townships = 3
[[region]]
name = "City"
[[facility]]
name = "City RMC"
tier = "regional"
region = "City"
at_km = [40.0, 0.0]
"#
    ))
}

/// No inpatient reimbursement gap: 70% at every tier, no deductible.
const NO_INPATIENT_GAP: &str = r#"
[policy.inpatient]
rate = { village = 0.7, township = 0.7, county = 0.7, regional = 0.7 }
deductible = { village = 0, township = 0, county = 0, regional = 0 }
"#;

/// A 65-point inpatient gap with 800 / 3,000 CNY hospital deductibles.
const INPATIENT_GAP: &str = r#"
[policy.inpatient]
rate = { village = 0.9, township = 0.9, county = 0.6, regional = 0.25 }
deductible = { village = 0, township = 100, county = 800, regional = 3000 }
"#;

/// Defect 2 (#12): the choice weighed one outpatient visit, so an
/// inpatient reimbursement gap moved money but no patient. Now the
/// expected stay enters the cost: a wider gap moves severe episodes from
/// the regional center to the county hospital and moderate ones from the
/// county hospital to the township centers.
#[test]
fn inpatient_gap_moves_choices() {
    let severe = "severity_mix = { severe = 1.0 }";
    let flat = simulate(&county(severe, NO_INPATIENT_GAP));
    let gap = simulate(&county(severe, INPATIENT_GAP));
    assert_less(
        "severe, regional first contact",
        ("gap", first_contact(&gap, Tier::Regional)),
        ("no gap", first_contact(&flat, Tier::Regional)),
    );
    assert_less(
        "severe, county first contact",
        ("no gap", first_contact(&flat, Tier::County)),
        ("gap", first_contact(&gap, Tier::County)),
    );
    let moderate = "severity_mix = { moderate = 1.0 }";
    let flat = simulate(&county(moderate, NO_INPATIENT_GAP));
    let gap = simulate(&county(moderate, INPATIENT_GAP));
    assert_less(
        "moderate, county first contact",
        ("gap", first_contact(&gap, Tier::County)),
        ("no gap", first_contact(&flat, Tier::County)),
    );
    assert_less(
        "moderate, township first contact",
        ("no gap", first_contact(&flat, Tier::Township)),
        ("gap", first_contact(&gap, Tier::Township)),
    );
}

/// Defect 2 (#12): the yearly cap never entered the choice. Every resident
/// is chronic (7.5 episodes a year) and reimbursement is flat, so once a
/// 150 CNY cap is spent the county hospital costs its full 300 CNY, not
/// 150, against the township center's 85: more episodes start at the
/// grassroots, and the fund pays less.
#[test]
fn tighter_cap_changes_chronic_choices() {
    let demand = "chronic_share = 1.0\nchronic_multiplier = 3.0\nseverity_mix = { mild = 0.8, moderate = 0.2 }";
    let flat = "[policy.outpatient]\nrate = { village = 0.5, township = 0.5, county = 0.5, regional = 0.5 }\n";
    let uncapped = simulate(&county(demand, flat));
    let capped = simulate(&county(demand, &format!("{flat}[policy]\nannual_cap = 150\n")));
    assert_less(
        "fund_total",
        ("cap", mean(&capped, Scope::System, "fund_total")),
        ("no cap", mean(&uncapped, Scope::System, "fund_total")),
    );
    assert_less(
        GRASSROOTS,
        ("no cap", mean(&uncapped, Scope::System, GRASSROOTS)),
        ("cap", mean(&capped, Scope::System, GRASSROOTS)),
    );
}

/// The default county (`scenarios/baseline.toml`, 120 days, 2
/// replications) with township quality `quality` and outpatient rates
/// `rates` (village, township, county, regional).
fn default_county(quality: f64, rates: [f64; 4]) -> RunResult {
    let text = std::fs::read_to_string("scenarios/baseline.toml").expect("baseline ships");
    let mut table: toml::Table = toml::from_str(&text).expect("baseline parses");
    let set = |table: &mut toml::Table, path: &str, v: toml::Value| {
        tiersim::sweep::spec::set_path(table, path, v).expect("a settable key");
    };
    set(&mut table, "days", 120.into());
    set(&mut table, "replications", 2.into());
    set(&mut table, "tiers.township.quality", quality.into());
    for (tier, rate) in ["village", "township", "county", "regional"].iter().zip(rates) {
        set(&mut table, &format!("policy.outpatient.rate.{tier}"), rate.into());
    }
    let (s, _) = tiersim::scenario::validate::from_table(table, "baseline variant").expect("valid");
    simulate(&s)
}

/// Defect 5 (#12): a 50-point reimbursement gap moved grassroots first
/// contact by +2.67 pp at township quality 2 and +3.18 pp at quality 3
/// (ratio 1.2), where Wenzhou's patients say price moves 14% of them at
/// today's quality and 51% at equal quality (ratio 3.6). On the default
/// county, the gap's effect with township centers as good as the county
/// hospital must be at least 2.4 times its effect at the built-in quality.
#[test]
fn quality_gates_price() {
    const NONE: [f64; 4] = [0.5; 4];
    const GAP: [f64; 4] = [0.75, 0.75, 0.5, 0.25];
    let effect = |quality| {
        let none = mean(&default_county(quality, NONE), Scope::System, GRASSROOTS);
        let gap = mean(&default_county(quality, GAP), Scope::System, GRASSROOTS);
        gap - none
    };
    let (low, equal) = (effect(2.0), effect(3.0));
    assert!(low > 0.0, "the gap still moves some patients at low quality: {low}");
    let ratio = equal / low;
    eprintln!("gap effect {equal:.4} at equal quality, {low:.4} at low quality: ratio {ratio:.2}");
    assert!(
        (2.4..=5.4).contains(&ratio),
        "gap effect {equal:.4} at equal quality vs {low:.4} at low quality: ratio {ratio:.2}, not in [2.4, 5.4]"
    );
}

#[test]
fn cost_quality_gate_round_trips_and_is_checked() {
    let base = "[[region]]\nname = \"r\"\n[[region.settlement]]\nat_km = [0.0, 0.0]\npopulation = 10\n\
                [[facility]]\nname = \"C\"\ntier = \"county\"\nat_km = [0.0, 0.0]\ncapability = \"critical\"\n";
    let s = scenario(&format!("[choice]\ncost_quality_gate = 0.7\n{base}"));
    assert_eq!(s.choice.cost_quality_gate, 0.7);
    let again = scenario(&resolved::to_toml(&s));
    assert_eq!(again.choice, s.choice);
    assert_eq!(scenario(base).choice.cost_quality_gate, 2.0);
    let Err(e) = Scenario::from_toml(&format!("[choice]\ncost_quality_gate = -0.5\n{base}"), "t") else {
        panic!("a negative gate must be refused");
    };
    let message = e.to_string();
    assert!(
        message.contains("choice.cost_quality_gate") && message.contains(">= 0"),
        "{message}"
    );
}
