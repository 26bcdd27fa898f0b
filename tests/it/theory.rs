//! Queueing theory and choice theory: the engine reproduces analytic results.
//! Tolerances come from the replications' 95% confidence interval; the seed
//! only keeps the test from flaking.

use tiersim::metrics::Scope;
use tiersim::scenario::Tier;

use crate::support::{scenario, simulate, single_queue, summary};

/// Erlang C: probability an arrival waits in an M/M/c queue with offered
/// load a = lambda / mu (Kleinrock, Queueing Systems I, eq. 3.40).
fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        sum += term;
        term *= a / f64::from(k + 1);
    }
    let top = term * f64::from(c) / (f64::from(c) - a);
    top / (sum + top)
}

/// Mean wait in queue of M/M/c [minutes].
fn erlang_c_wait(c: u32, mean_service: f64, lambda: f64) -> f64 {
    let mu = 1.0 / mean_service;
    erlang_c(c, lambda / mu) / (f64::from(c) * mu - lambda)
}

#[test]
fn erlang_c_reference_values() {
    // M/M/1: P(wait) = rho; M/M/2 at a = 1: C = 1/3.
    assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
}

/// Runs of 400 days (20 warm-up) x 20 replications with 2 doctors and
/// 10-minute exponential service: about 55,000-110,000 patients per replication.
#[test]
fn mmc_mean_wait_matches_erlang_c() {
    let (c, mean) = (2, 10.0);
    for rho in [0.5, 0.8, 0.95] {
        let lambda = rho * f64::from(c) / mean;
        let s = scenario(&single_queue(c, mean, lambda, 400, 20));
        let r = simulate(&s);
        let w = summary(&r, Scope::Facility(0), "wait_mean_minutes");
        let expected = erlang_c_wait(c, mean, lambda);
        // A small absolute tolerance on top of the interval (0.2 minutes).
        let tol = 0.2;
        assert!(
            w.ci_low - tol <= expected && expected <= w.ci_high + tol,
            "rho {rho}: Erlang C wait {expected:.3} min outside the 95% interval [{:.3}, {:.3}] (mean {:.3})",
            w.ci_low,
            w.ci_high,
            w.mean
        );
    }
}

#[test]
fn mmc_utilization_matches_offered_load() {
    let (c, mean, rho) = (3, 12.0, 0.7);
    let lambda = rho * f64::from(c) / mean;
    let r = simulate(&scenario(&single_queue(c, mean, lambda, 200, 10)));
    let u = summary(&r, Scope::Facility(0), "utilization");
    assert!(
        u.ci_low - 0.005 <= rho && rho <= u.ci_high + 0.005,
        "utilization {u:?} vs rho {rho}"
    );
}

/// Little's law, L = lambda W, per facility of a multi-tier county with
/// opening hours and referrals (Little 1961). Time-average queue length from
/// the queue integral; lambda and W from arrivals and waits.
#[test]
fn littles_law_holds_per_facility() {
    let text = std::fs::read_to_string("scenarios/baseline.toml").expect("baseline ships");
    let mut s = scenario(&text);
    s.replications = 2;
    s.days = 200;
    let r = simulate(&s);
    let measured_minutes = f64::from(s.days - s.warmup_days) * 1440.0;
    let mut checked = 0;
    for run in &r.runs {
        for f in 0..r.world.facilities.len() as u32 {
            let scope = Scope::Facility(f);
            // The queue and waits are the clinic's: emergency department
            // arrivals (emergencies after closing) queue elsewhere.
            let arrivals = run.get(scope, "arrivals").unwrap() - run.get(scope, "emergency_arrivals").unwrap();
            let wait = run.get(scope, "wait_mean_minutes").unwrap();
            let queue = run.get(scope, "queue_mean").unwrap();
            if arrivals < 2000.0 {
                continue;
            }
            let predicted = arrivals / measured_minutes * wait;
            // Edge effects (patients queued at the warm-up boundary or at the
            // end) are a few patients over ~250,000 minutes.
            assert!(
                (queue - predicted).abs() <= 0.02 * predicted + 0.002,
                "{}: L = {queue:.4} but lambda W = {predicted:.4}",
                r.world.facilities[f as usize].name
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} facilities had enough traffic");
}

#[test]
fn unlimited_doctors_means_no_waiting() {
    let mut text = single_queue(1, 10.0, 2.0, 60, 2);
    text = text.replace("doctors = 1\n", "doctors = 100000\n");
    let r = simulate(&scenario(&text));
    for run in &r.runs {
        assert_eq!(run.get(Scope::Facility(0), "wait_mean_minutes"), Some(0.0));
        assert_eq!(run.get(Scope::Facility(0), "wait_p95_minutes"), Some(0.0));
        assert_eq!(run.get(Scope::Facility(0), "queue_max"), Some(0.0));
        assert!(run.get(Scope::Facility(0), "served").unwrap() > 100_000.0);
    }
}

/// The logit test's scenario: four facilities of four tiers that treat
/// everything, mild and moderate illness, `b_wait = 0` and the quality
/// gate `gate`.
fn logit_scenario(gate: f64) -> String {
    format!(
        r#"
name = "logit"
seed = 5
days = 120
warmup_days = 10
replications = 8
[travel]
speed_kmh = 30.0
detour_factor = 1.0
[demand]
episodes_per_resident_year = 20.0
chronic_share = 0.0
severity_mix = {{ mild = 0.6, moderate = 0.4 }}
[choice]
nearest_per_tier = 1
beliefs = "live"
b_quality = 0.7
b_cost = -0.01
b_travel = -1.5
b_wait = 0.0
cost_quality_gate = {gate}
[choice.asc.county]
moderate = 0.8
[admission]
prob = {{ mild = 0.0, moderate = 0.05 }}
[policy.outpatient]
rate = {{ village = 0.7, township = 0.6, county = 0.4, regional = 0.2 }}
deductible = {{ county = 20 }}
[policy.inpatient]
rate = {{ village = 0.9, township = 0.9, county = 0.7, regional = 0.55 }}
deductible = {{ village = 0, township = 100, county = 400, regional = 1200 }}
[tiers.village]
outpatient_price = {{ mild = 40, moderate = 50 }}
bed_day_price = 0
[tiers.township]
outpatient_price = {{ mild = 85, moderate = 100 }}
bed_day_price = 300
los_days = {{ moderate = 5 }}
[tiers.county]
outpatient_price = {{ mild = 300, moderate = 300 }}
bed_day_price = 700
los_days = {{ moderate = 7 }}
[tiers.regional]
outpatient_price = {{ mild = 360, moderate = 400 }}
bed_day_price = 1100
los_days = {{ moderate = 8 }}
[[region]]
name = "r"
[[region.settlement]]
name = "home"
at_km = [0.0, 0.0]
population = 5000
[[facility]]
name = "vc"
tier = "village"
at_km = [1.0, 0.0]
quality = 1.0
capability = "critical"
doctors = 3
[[facility]]
name = "thc"
tier = "township"
at_km = [0.0, 6.0]
quality = 2.0
capability = "critical"
doctors = 3
[[facility]]
name = "ch"
tier = "county"
at_km = [15.0, 0.0]
quality = 3.0
capability = "critical"
doctors = 3
[[facility]]
name = "rmc"
tier = "regional"
at_km = [0.0, -40.0]
quality = 4.5
capability = "critical"
doctors = 3
"#
    )
}

/// The analytic first-contact shares of [`logit_scenario`], per tier.
/// OOP is the expected episode cost: the visit plus, for moderate
/// illness, 0.05 x the out-of-pocket of the mean stay. The gate multiplies
/// the cost weight by exp(-gate x (county quality 3 - township quality 2)).
fn logit_shares(gate: f64) -> [f64; 4] {
    // (quality, price mild, price moderate, rate, deductible, km, moderate stay price, inpatient rate, deductible)
    let alts = [
        (1.0, 40.0, 50.0, 0.7, 0.0, 1.0, 0.0, 0.9, 0.0),
        (2.0, 85.0, 100.0, 0.6, 0.0, 6.0, 300.0 * 5.0, 0.9, 100.0),
        (3.0, 300.0, 300.0, 0.4, 20.0, 15.0, 700.0 * 7.0, 0.7, 400.0),
        (4.5, 360.0, 400.0, 0.2, 0.0, 40.0, 1100.0 * 8.0, 0.55, 1200.0),
    ];
    let oop = |price: f64, rate: f64, deductible: f64| price - rate * (price - deductible).max(0.0);
    let cost_gate = (-gate * (3.0 - 2.0f64)).exp();
    let asc_county_moderate = 0.8;
    let mut expected = [0.0; 4];
    for (sev, weight) in [(0, 0.6), (1, 0.4)] {
        let v: Vec<f64> = alts
            .iter()
            .enumerate()
            .map(|(tier, &(q, p0, p1, rate, ded, km, stay, in_rate, in_ded))| {
                let visit = oop(if sev == 0 { p0 } else { p1 }, rate, ded);
                let admit_prob = if sev == 0 { 0.0 } else { 0.05 };
                let episode = visit + admit_prob * oop(stay, in_rate, in_ded);
                let asc = if tier == 2 && sev == 1 {
                    asc_county_moderate
                } else {
                    0.0
                };
                asc + 0.7 * q - 0.01 * cost_gate * episode - 1.5 * (km / 30.0)
            })
            .collect();
        let z: f64 = v.iter().map(|x| x.exp()).sum();
        for t in 0..4 {
            expected[t] += weight * v[t].exp() / z;
        }
    }
    expected
}

/// The observed first-contact shares of [`logit_scenario`] with `gate`
/// match [`logit_shares`] within the replications' 95% interval.
fn assert_logit_shares(gate: f64) {
    let r = simulate(&scenario(&logit_scenario(gate)));
    let expected = logit_shares(gate);
    for tier in Tier::ALL {
        let share = summary(&r, Scope::Tier(tier), "first_contact_share");
        let p = expected[tier as usize];
        assert!(
            share.ci_low - 0.002 <= p && p <= share.ci_high + 0.002,
            "gate {gate}, {}: analytic share {p:.4} outside [{:.4}, {:.4}]",
            tier.name(),
            share.ci_low,
            share.ci_high
        );
    }
}

/// With b_wait = 0 nothing in the utility depends on the state of the
/// system, so first-choice shares must equal the analytic logit shares
/// computed here from the scenario's own numbers (McFadden 1974). With
/// the quality gate off (`cost_quality_gate = 0`) this is the plain
/// multinomial logit.
#[test]
fn first_choice_shares_match_logit() {
    assert_logit_shares(0.0);
}

/// The same with the quality gate on: every cost term is scaled by
/// exp(-gate x gap), gap = weakest hospital's quality - best grassroots
/// quality = 1 here.
#[test]
fn first_choice_shares_match_the_quality_gated_logit() {
    assert_logit_shares(1.5);
    // The gate matters here: the two share vectors differ.
    let (plain, gated) = (logit_shares(0.0), logit_shares(1.5));
    assert!((plain[0] - gated[0]).abs() > 0.01, "{plain:?} vs {gated:?}");
}

/// M/M/1 FIFO: P(Wq > t) = rho exp(-(mu - lambda) t), so the q-quantile of
/// the wait (q > 1 - rho) is ln(rho / (1 - q)) / (mu - lambda) (Kleinrock,
/// Queueing Systems I, 3.1). Checks the HDR quantiles, long waits included.
#[test]
fn mm1_wait_quantiles_match_the_wait_distribution() {
    let (mean, rho) = (10.0, 0.8);
    let lambda = rho / mean;
    let r = simulate(&scenario(&single_queue(1, mean, lambda, 400, 20)));
    for (name, q) in [
        ("wait_p50_minutes", 0.5),
        ("wait_p90_minutes", 0.9),
        ("wait_p95_minutes", 0.95),
    ] {
        let expected = (rho / (1.0 - q)).ln() / (1.0 / mean - lambda);
        let w = summary(&r, Scope::Facility(0), name);
        // HDR buckets hold 3 significant digits: 0.1% on top of the interval.
        let tol = 0.001 * expected + 0.05;
        assert!(
            w.ci_low - tol <= expected && expected <= w.ci_high + tol,
            "{name}: analytic {expected:.2} min outside [{:.2}, {:.2}]",
            w.ci_low,
            w.ci_high
        );
    }
}
