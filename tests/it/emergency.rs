//! Emergency care (#12, item 1): hospitals' emergency departments, any-hour
//! emergencies and emergency referrals, on the built-in default scenario.
//!
//! Before #12 every patient who arrived while a facility was closed waited
//! for it to open: severe patients triaged late at a township center
//! reached the county hospital after closing and waited overnight. That
//! flipped the sign of a lever: with 70% of residents contracted,
//! gatekeeping raised the county's mean wait by 20 minutes under standard
//! hours and lowered it by 3.4 minutes with hospitals open 24 h.

use tiersim::cli::BASELINE;
use tiersim::engine;
use tiersim::metrics::Scope;
use tiersim::replicate::RunResult;
use tiersim::scenario::{Scenario, Severity, Tier, validate};
use tiersim::trace::VisitKind;
use tiersim::world::World;

use crate::support::{simulate, summary};

/// The built-in default scenario, shortened to `days` (a quarter of them
/// warm-up) and `replications`, with `edit` applied to its table.
fn baseline(days: i64, replications: i64, edit: impl FnOnce(&mut toml::Table)) -> Scenario {
    let mut table: toml::Table = BASELINE.parse().expect("the baseline is TOML");
    table.insert("days".into(), days.into());
    table.insert("warmup_days".into(), (days / 4).into());
    table.insert("replications".into(), replications.into());
    edit(&mut table);
    validate::from_table(table, "baseline").expect("valid").0
}

/// The sub-table at `path`, created if missing.
fn table<'a>(t: &'a mut toml::Table, path: &[&str]) -> &'a mut toml::Table {
    path.iter().fold(t, |t, key| {
        t.entry(key.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .expect("a table")
    })
}

/// 70% of residents contracted, gatekept or not; hospitals open 24 h or
/// with the baseline's hours.
fn gatekeeping(gatekept: bool, hospitals_24h: bool) -> RunResult {
    let s = baseline(100, 2, |t| {
        table(t, &["policy"]).insert("gatekeeping".into(), gatekept.into());
        table(t, &["contract"]).insert("share".into(), 0.7.into());
        if hospitals_24h {
            for tier in ["county", "regional"] {
                table(t, &["tiers", tier]).insert("hours".into(), "24h".into());
            }
        }
    });
    simulate(&s)
}

fn county_mean(r: &RunResult, name: &str) -> f64 {
    summary(r, Scope::Tier(Tier::County), name).mean
}

/// Paired on common random numbers: the same seeds with and without
/// gatekeeping, under each opening-hours regime.
#[test]
fn gatekeeping_moves_the_county_wait_the_same_way_under_any_hospital_hours() {
    let effect = |hospitals_24h| {
        let off = county_mean(&gatekeeping(false, hospitals_24h), "wait_mean_minutes");
        let on = county_mean(&gatekeeping(true, hospitals_24h), "wait_mean_minutes");
        on - off
    };
    let (standard, around_the_clock) = (effect(false), effect(true));
    assert!(
        standard < 0.0 && around_the_clock < 0.0,
        "gatekeeping should lower the county's outpatient wait under both: standard hours {standard:+.2} min, 24 h {around_the_clock:+.2} min"
    );
}

#[test]
fn emergency_waits_are_reported_apart_from_outpatient_waits() {
    let standard = simulate(&baseline(60, 2, |_| {}));
    let county = Scope::Tier(Tier::County);
    let ed_arrivals = summary(&standard, county, "emergency_arrivals").mean;
    let arrivals = summary(&standard, county, "arrivals").mean;
    assert!(
        ed_arrivals > 0.0 && ed_arrivals < arrivals,
        "{ed_arrivals} of {arrivals}"
    );
    let mean = county_mean(&standard, "emergency_wait_mean_minutes");
    let (p50, p95) = (
        county_mean(&standard, "emergency_wait_p50_minutes"),
        county_mean(&standard, "emergency_wait_p95_minutes"),
    );
    assert!(
        mean.is_finite() && p50 <= mean && mean <= p95,
        "mean {mean}, p50 {p50}, p95 {p95}"
    );
    assert!(
        mean < 30.0,
        "the department's doctors see patients within minutes: {mean}"
    );
    // The facility rows add up to the tier's.
    let facilities: f64 = (0..standard.world.facilities.len() as u32)
        .filter(|&f| standard.world.facilities[f as usize].tier == Tier::County)
        .map(|f| summary(&standard, Scope::Facility(f), "emergency_arrivals").mean)
        .sum();
    assert!((facilities - ed_arrivals).abs() < 1e-6);
    // Open around the clock, nobody uses a department and every wait is
    // an outpatient one.
    let open = simulate(&baseline(60, 2, |t| {
        for tier in ["county", "regional"] {
            table(t, &["tiers", tier]).insert("hours".into(), "24h".into());
        }
    }));
    assert_eq!(summary(&open, county, "emergency_arrivals").mean, 0.0);
    assert_eq!(
        summary(&open, county, "emergency_wait_mean_minutes").n,
        0,
        "undefined, not 0"
    );
}

/// The defect itself, visit by visit: no severe or critical patient
/// referred up to a hospital waits for it to open.
#[test]
fn referred_emergencies_no_longer_wait_overnight_at_hospitals() {
    let world = World::new(&baseline(30, 1, |_| {}));
    let (_, rows) = engine::run_traced(&world, 0);
    let referred: Vec<f64> = rows
        .iter()
        .filter(|v| v.kind == VisitKind::ReferredUp && v.severity >= Severity::Severe)
        .filter(|v| world.facilities[v.facility as usize].tier >= Tier::County)
        .filter(|v| v.service_start.is_finite())
        .map(|v| v.service_start - v.arrival)
        .collect();
    assert!(referred.len() > 100, "{} referred emergencies", referred.len());
    let longest = referred.iter().copied().fold(0.0, f64::max);
    assert!(longest < 240.0, "a referred emergency waited {longest} minutes");
    assert!(rows.iter().any(|v| v.emergency), "some are seen in a department");
}

/// Outcomes see emergency transport: on common random numbers, an
/// ambulance at 90 km/h instead of the walk-in 30 km/h brings referred
/// critical patients to capable care sooner, so the mean time from onset
/// to treatment of critical illness falls.
#[test]
fn faster_emergency_transport_lowers_critical_time_to_care() {
    let at = |kmh: f64| {
        simulate(&baseline(60, 2, |t| {
            table(t, &["emergency"]).insert("emergency_speed_kmh".into(), kmh.into());
        }))
    };
    let delay = |r: &RunResult| summary(r, Scope::System, "time_to_care_critical_mean_minutes").mean;
    let (walk_in, ambulance) = (delay(&at(30.0)), delay(&at(90.0)));
    eprintln!("critical time to care: {ambulance:.1} min at 90 km/h, {walk_in:.1} min at 30 km/h");
    assert!(
        ambulance < walk_in,
        "critical time to care: {ambulance:.1} min at 90 km/h, {walk_in:.1} min at 30 km/h"
    );
}
