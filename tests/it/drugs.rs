//! Zero drug markup (#13): paired runs on common random numbers (same
//! text and seed, only `[drugs]` changed) and the money ledger of a
//! two-year run with every payer.

use tiersim::engine;
use tiersim::metrics::{RunOutput, Scope};
use tiersim::scenario::{Scenario, Tier};
use tiersim::world::World;

use crate::support::scenario;

/// Half of the county's prices are drugs marked up 15%.
const COUNTY_DRUGS: &str = "[drugs]\nshare = { county = 0.5 }\nmarkup = { county = 0.15 }\n";

/// The part of a listed county price that is markup: 0.5 x 0.15 / 1.15.
const COUNTY_MARKUP_PART: f64 = 0.5 * 0.15 / 1.15;

fn get(out: &RunOutput, scope: Scope, name: &str) -> f64 {
    out.get(scope, name)
        .unwrap_or_else(|| panic!("metric {name} missing for {scope:?}"))
}

/// An amount in whole cents.
fn cents(cny: f64) -> i64 {
    (cny * 100.0).round() as i64
}

/// One settlement and one county hospital, nothing else within reach:
/// every patient goes there whatever the price, so the reform changes
/// money and nothing else. `drugs` is appended.
fn lone_county(drugs: &str) -> Scenario {
    scenario(&format!(
        r#"
name = "lone-county"
days = 60
warmup_days = 0
replications = 2
[demand]
episodes_per_resident_year = 1.5
severity_mix = {{ mild = 0.6, moderate = 0.3, severe = 0.1 }}
[[region]]
name = "r"
[[region.settlement]]
at_km = [0.0, 0.0]
population = 3000
[[facility]]
name = "County hospital"
tier = "county"
at_km = [2.0, 0.0]
{drugs}"#
    ))
}

fn runs(s: &Scenario) -> Vec<RunOutput> {
    let world = World::new(s);
    (0..s.replications).map(|rep| engine::run(&world, rep)).collect()
}

/// Defect (#13): the county could not sell its drugs at cost. With the
/// volumes pinned (one facility), zero markup lowers the price billed by
/// exactly the markup forgone (the listed prices x 0.5 x 0.15 / 1.15), and
/// lowers what patients and the fund pay; the revenue falls by the markup
/// forgone, and full compensation gives it back.
#[test]
fn zero_markup_lowers_out_of_pocket_cost_and_revenue_by_the_markup() {
    let county = Scope::Tier(Tier::County);
    let before = runs(&lone_county(COUNTY_DRUGS));
    let after = runs(&lone_county(&format!("{COUNTY_DRUGS}zero_markup = [\"county\"]\n")));
    let restored = runs(&lone_county(&format!(
        "{COUNTY_DRUGS}zero_markup = [\"county\"]\ncompensation = 1.0\n"
    )));
    for ((b, a), r) in before.iter().zip(&after).zip(&restored) {
        let rep = b.replication;
        // The same patients, visits and stays: only money moved.
        for name in ["served", "admissions"] {
            assert_eq!(get(b, county, name), get(a, county, name), "replication {rep}: {name}");
        }
        assert_eq!(b.ledger.discharges, a.ledger.discharges, "replication {rep}");
        // The ledger (unrounded): price before = price after + markup forgone.
        let forgone: f64 = a.books.years.iter().map(|y| y[0].markup_forgone).sum();
        let drop = b.ledger.price_total - a.ledger.price_total;
        assert!(forgone > 0.0, "replication {rep}: nothing forgone");
        assert!(
            (drop - forgone).abs() <= 1e-9 * b.ledger.price_total,
            "replication {rep}: price fell {drop}, markup forgone {forgone}"
        );
        assert!(
            (forgone - COUNTY_MARKUP_PART * b.ledger.price_total).abs() <= 1e-9 * b.ledger.price_total,
            "replication {rep}: forgone {forgone} is not the markup part of the listed prices"
        );
        // The metrics (each bill rounded to the cent): within a cent a bill.
        let bills = (get(a, county, "served") + a.ledger.discharges as f64) as i64;
        let revenue_drop = cents(get(b, county, "revenue")) - cents(get(a, county, "revenue"));
        let metric_forgone = cents(get(a, county, "markup_forgone"));
        assert!(
            (revenue_drop - metric_forgone).abs() <= bills,
            "replication {rep}: revenue fell {revenue_drop} cents, markup forgone {metric_forgone}"
        );
        assert_eq!(get(b, county, "markup_forgone"), 0.0, "replication {rep}");
        assert_eq!(get(a, county, "government_compensation"), 0.0, "replication {rep}");
        let (oop_b, oop_a) = (get(b, county, "oop"), get(a, county, "oop"));
        assert!(oop_a < oop_b, "replication {rep}: oop {oop_b} -> {oop_a}");
        assert!(
            get(a, county, "fund") < get(b, county, "fund"),
            "replication {rep}: fund"
        );
        assert!(
            get(a, county, "cost") < get(b, county, "cost"),
            "replication {rep}: cost"
        );
        // Full compensation restores the revenue (to a cent a bill) and
        // leaves the bills as they are without it.
        let gap = cents(get(r, county, "revenue")) - cents(get(b, county, "revenue"));
        assert!(
            gap.abs() <= bills,
            "replication {rep}: compensated revenue off by {gap} cents"
        );
        assert_eq!(
            get(r, county, "oop"),
            oop_a,
            "replication {rep}: compensation is not in the bill"
        );
        eprintln!(
            "replication {rep}: county cost {:.2} -> {:.2}, oop {oop_b:.2} -> {oop_a:.2}, markup forgone {:.2}, \
             revenue with full compensation {:.2}",
            get(b, county, "cost"),
            get(a, county, "cost"),
            get(a, county, "markup_forgone"),
            get(r, county, "revenue"),
        );
    }
}

/// A township center beside the county hospital: patients choose.
fn township_and_county(drugs: &str) -> Scenario {
    scenario(&format!(
        r#"
name = "two-tiers"
days = 90
warmup_days = 10
replications = 3
[demand]
episodes_per_resident_year = 1.5
severity_mix = {{ mild = 0.7, moderate = 0.3 }}
[[region]]
name = "r"
[[region.settlement]]
at_km = [0.0, 0.0]
population = 4000
[[facility]]
name = "Township center"
tier = "township"
at_km = [1.0, 0.0]
[[facility]]
name = "County hospital"
tier = "county"
at_km = [4.0, 0.0]
{drugs}"#
    ))
}

/// Defect (#13): the choice weighed the listed price. Zero markup at the
/// county makes it cheaper in the choice too, so more patients go there.
/// A large markup (60% drugs at 50%: a fifth of the price) makes the move
/// plain; the realistic 50% at 15% moves few (see the report's figures).
#[test]
fn patients_see_the_cheaper_county() {
    const LARGE: &str = "[drugs]\nshare = { county = 0.6 }\nmarkup = { county = 0.5 }\n";
    let arrivals = |s: &Scenario| -> f64 {
        runs(s)
            .iter()
            .map(|o| get(o, Scope::Tier(Tier::County), "arrivals"))
            .sum()
    };
    let before = arrivals(&township_and_county(LARGE));
    let after = arrivals(&township_and_county(&format!("{LARGE}zero_markup = [\"county\"]\n")));
    let realistic = arrivals(&township_and_county(&format!(
        "{COUNTY_DRUGS}zero_markup = [\"county\"]\n"
    )));
    eprintln!("county arrivals over 3 replications: {before} -> {after} (50% drugs at 15%: {realistic})");
    assert!(after > before, "county arrivals {before} -> {after}");
}

/// Three tiers, a yearly cap, serious-illness insurance and zero markup
/// with half compensation at the township and county tiers, over two years.
fn every_payer() -> Scenario {
    scenario(
        r#"
name = "every-payer"
days = 730
warmup_days = 30
replications = 2
[demand]
episodes_per_resident_year = 1.2
[[region]]
name = "r"
[[region.settlement]]
at_km = [0.0, 0.0]
population = 1500
[[region.settlement]]
at_km = [6.0, 3.0]
population = 1500
[[facility]]
name = "Township center"
tier = "township"
at_km = [1.0, 0.0]
[[facility]]
name = "County hospital"
tier = "county"
at_km = [5.0, 0.0]
[[facility]]
name = "Regional center"
tier = "regional"
at_km = [20.0, 5.0]
[policy]
annual_cap = 3000
[serious_illness]
threshold = 1000
bands = [{ above = 1000, rate = 0.5 }, { above = 4000, rate = 0.7 }]
cap = 6000
[drugs]
share = { township = 0.5, county = 0.4, regional = 0.3 }
markup = { township = 0.15, county = 0.15, regional = 0.15 }
zero_markup = ["township", "county"]
compensation = 0.5
"#,
    )
}

/// Defect (#13): money was not conserved across the fund, the
/// serious-illness payer, the government and the patient. For every
/// facility and year: price = fund + serious illness + patient and
/// revenue = price + compensation to the cent, compensation = 0.5 x the
/// markup forgone, the markup forgone the markup part of the listed price
/// at the zero-markup tiers and nothing at the regional center; and the
/// metrics' tier and system totals equal the facilities' sums exactly.
#[test]
fn money_is_conserved_every_year_at_every_facility() {
    let s = every_payer();
    let world = World::new(&s);
    let drugs = s.drugs.expect("[drugs]");
    for out in runs(&s) {
        let rep = out.replication;
        assert_eq!(out.books.years.len(), 2, "replication {rep}: two years");
        let mut serious = 0.0;
        for (y, year) in out.books.years.iter().enumerate() {
            for (f, a) in year.iter().enumerate() {
                let at = format!("replication {rep}, year {y}, {}", world.facilities[f].name);
                let tier = world.facilities[f].tier;
                assert!(a.price > 0.0, "{at}: no bills");
                let paid = a.fund + a.serious_illness + a.patient;
                assert!((a.price - paid).abs() < 0.005, "{at}: price {} != paid {paid}", a.price);
                let revenue = a.price + a.compensation;
                assert!(
                    (a.revenue - revenue).abs() < 0.005,
                    "{at}: revenue {} != {revenue}",
                    a.revenue
                );
                assert!(
                    (a.compensation - 0.5 * a.markup_forgone).abs() <= 1e-9 * a.price,
                    "{at}: compensation {} of forgone {}",
                    a.compensation,
                    a.markup_forgone
                );
                // Forgone = listed - billed = billed x k / (1 - k).
                let k = drugs.markup_part(tier);
                let expected = if tier == Tier::Regional {
                    0.0
                } else {
                    a.price * k / (1.0 - k)
                };
                assert!(
                    (a.markup_forgone - expected).abs() <= 1e-9 * a.price,
                    "{at}: forgone {} expected {expected}",
                    a.markup_forgone
                );
                serious += a.serious_illness;
            }
        }
        assert!(serious > 0.0, "replication {rep}: serious illness never paid");
        let n = world.facilities.len() as u32;
        for name in ["revenue", "markup_forgone", "government_compensation", "cost"] {
            let facilities: i64 = (0..n).map(|f| cents(get(&out, Scope::Facility(f), name))).sum();
            let tiers: i64 = Tier::ALL.iter().map(|&t| cents(get(&out, Scope::Tier(t), name))).sum();
            assert_eq!(facilities, tiers, "replication {rep}: {name} over tiers");
            if name != "cost" {
                assert_eq!(
                    cents(get(&out, Scope::System, name)),
                    facilities,
                    "replication {rep}: system {name}"
                );
            }
        }
        for f in 0..n {
            let forgone = cents(get(&out, Scope::Facility(f), "markup_forgone"));
            let paid = cents(get(&out, Scope::Facility(f), "government_compensation"));
            assert!(
                (2 * paid - forgone).abs() <= 1,
                "replication {rep}: facility {f} compensation {paid} of {forgone} cents forgone"
            );
            let revenue = cents(get(&out, Scope::Facility(f), "revenue"));
            let cost = cents(get(&out, Scope::Facility(f), "cost"));
            let compensation = cents(get(&out, Scope::Facility(f), "government_compensation"));
            assert_eq!(revenue, cost + compensation, "replication {rep}: facility {f} revenue");
        }
        eprintln!(
            "replication {rep}: revenue {:.2}, markup forgone {:.2}, government compensation {:.2}, serious illness {:.2}",
            get(&out, Scope::System, "revenue"),
            get(&out, Scope::System, "markup_forgone"),
            get(&out, Scope::System, "government_compensation"),
            get(&out, Scope::System, "serious_illness_paid"),
        );
    }
}

/// The drug metrics are written only with `[drugs]`, so scenarios without
/// it write what they wrote before.
#[test]
fn drug_metrics_only_with_the_section() {
    let without = runs(&lone_county(""));
    for scope in [Scope::System, Scope::Tier(Tier::County), Scope::Facility(0)] {
        assert_eq!(without[0].get(scope, "revenue"), None, "{scope:?}");
        assert_eq!(without[0].get(scope, "markup_forgone"), None, "{scope:?}");
    }
    let with = runs(&lone_county(COUNTY_DRUGS));
    assert_eq!(with[0].get(Scope::Facility(0), "markup_forgone"), Some(0.0));
    // Shares and markups without the reform change no price.
    assert_eq!(with[0].ledger.price_total, without[0].ledger.price_total);
}
