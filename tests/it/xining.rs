//! The shipped Xining pair (`scenarios/xining/`): its three payment
//! reforms move what their comment block says they move (#13).

use std::path::Path;

use tiersim::metrics::{Dimension, Scope};
use tiersim::scenario::{Scenario, Tier};

use crate::support::{simulate, summary};

fn text(half: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/xining/{half}.toml"));
    std::fs::read_to_string(path).expect("shipped scenario readable")
}

/// One half, shortened to 120 days and 2 replications.
fn half(name: &str) -> Scenario {
    let mut s = Scenario::from_toml(&text(name), name).expect("the shipped scenario is valid");
    s.days = 120;
    s.warmup_days = 10;
    s.replications = 2;
    s
}

/// The part of a half outside its header and its policy sections.
fn county_part(t: &str) -> String {
    let start = t.find("[travel]").expect("[travel]");
    let policy = t.find("# ---- policy sections").expect("policy marker");
    let end_marker = "# ---- end of policy sections ----";
    let end = t.find(end_marker).expect("end marker") + end_marker.len();
    format!("{}{}", &t[start..policy], &t[end..])
}

/// The comment says only the policy sections differ: a county edited in
/// one half but not the other would compare two counties, not two policies.
#[test]
fn the_pair_differs_only_in_its_policy_sections() {
    assert_eq!(county_part(&text("before")), county_part(&text("after")));
}

#[test]
fn xining_reforms_remove_deposits_forgo_the_county_markup_and_pay_serious_illness() {
    let (before, after) = (simulate(&half("before")), simulate(&half("after")));
    let mean = |r, scope, name| summary(r, scope, name).mean;
    let low_income = Scope::Group(Dimension::Income, 0);
    let county = Scope::Tier(Tier::County);
    // Settle after discharge: no admission forgone, more low-income admissions.
    assert!(mean(&before, Scope::System, "admissions_forgone") > 0.0);
    assert_eq!(mean(&after, Scope::System, "admissions_forgone"), 0.0);
    let (adm0, adm1) = (
        mean(&before, low_income, "admissions"),
        mean(&after, low_income, "admissions"),
    );
    assert!(adm1 > adm0 * 1.05, "low-income admissions {adm0} -> {adm1}");
    // Zero markup reaches the county hospital, which is compensated 30%.
    assert_eq!(mean(&before, county, "markup_forgone"), 0.0);
    let forgone = mean(&after, county, "markup_forgone");
    let compensation = mean(&after, county, "government_compensation");
    assert!(forgone > 0.0);
    assert!(
        (compensation / forgone - 0.3).abs() < 1e-3,
        "{compensation} / {forgone}"
    );
    // Serious-illness insurance pays, only after.
    assert_eq!(mean(&before, Scope::System, "serious_illness_paid"), 0.0);
    assert!(mean(&after, Scope::System, "serious_illness_beneficiaries") > 0.0);
    // Fewer forgone admissions, fewer poor outcomes.
    assert!(mean(&after, Scope::System, "poor_outcomes") < mean(&before, Scope::System, "poor_outcomes"));
    println!(
        "xining (120 days, 2 reps): low-income admissions {adm0:.0} -> {adm1:.0}; county markup forgone {forgone:.0} CNY; \
         serious illness paid {:.0} CNY",
        mean(&after, Scope::System, "serious_illness_paid")
    );
}
