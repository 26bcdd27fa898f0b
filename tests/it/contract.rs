//! Family-doctor team contracts on the default county (issue #12, item 4):
//! contracting 70% of residents with their village clinic and township
//! center moves first contact down the tiers (rural Shandong: contracting
//! lowered the first-contact level by ~25%). Paired runs on common random
//! numbers: the built-in baseline, changed only in its contract and
//! gatekeeping, 3 replications of 150 days.

use tiersim::metrics::Scope;
use tiersim::replicate::RunResult;

use crate::support::{scenario, simulate, summary};

const TIER_MEAN: &str = "first_contact_tier_mean";

/// The default county with `share` of its residents contracted to the
/// default team (village clinic and township center).
fn county(share: f64, gatekeeping: bool) -> RunResult {
    let text = std::fs::read_to_string("scenarios/baseline.toml").expect("baseline ships");
    let mut s = scenario(&format!("{text}\n[contract]\nshare = {share}\n"));
    s.replications = 3;
    s.days = 150;
    s.policy.gatekeeping = gatekeeping;
    simulate(&s)
}

/// Each replication's mean first-contact tier.
fn tier_means(r: &RunResult) -> Vec<f64> {
    r.runs
        .iter()
        .map(|run| run.get(Scope::System, TIER_MEAN).expect("reported"))
        .collect()
}

/// Every replication of `after` has a mean first-contact tier at least
/// `drop` below the same replication of `before`.
fn assert_lower_by(drop: f64, (what_before, before): (&str, &RunResult), (what_after, after): (&str, &RunResult)) {
    for (rep, (b, a)) in tier_means(before).into_iter().zip(tier_means(after)).enumerate() {
        assert!(
            b - a >= drop,
            "replication {rep}: {TIER_MEAN} {b:.4} ({what_before}) -> {a:.4} ({what_after}), a drop under {drop}"
        );
    }
}

#[test]
fn team_contracts_lower_the_mean_first_contact_tier() {
    let (none, most) = (county(0.0, false), county(0.7, false));
    // The contract bonus alone, no gatekeeping: it pulls patients to the
    // village clinic as well as to the township center.
    assert_lower_by(0.1, ("no contracts", &none), ("70% contracted", &most));
}

#[test]
fn gatekeeping_lowers_first_contact_further_and_raises_adherence() {
    let (none, free, gated) = (county(0.0, false), county(0.7, false), county(0.7, true));
    assert_lower_by(0.1, ("no contracts", &none), ("70% contracted, gatekeeping", &gated));
    assert_lower_by(0.1, ("70% contracted", &free), ("70% contracted, gatekeeping", &gated));
    let adherence = |r: &RunResult| summary(r, Scope::System, "contract_adherence").mean;
    assert!(
        adherence(&gated) > adherence(&free),
        "contract_adherence {} with gatekeeping, {} without",
        adherence(&gated),
        adherence(&free)
    );
}
