//! Conservation and sign invariants over randomly generated small scenarios.

use proptest::prelude::*;
use tiersim::engine;
use tiersim::metrics::Scope;
use tiersim::policy;
use tiersim::world::World;

use crate::support::scenario;

#[derive(Debug, Clone)]
struct Params {
    doctors: [u32; 3],
    service: (&'static str, f64),
    open: u32,
    close: u32,
    window: (u32, u32),
    patience: Option<(f64, f64)>,
    discipline: &'static str,
    priority: bool,
    beliefs: &'static str,
    rate: f64,
    mix: [f64; 4],
}

fn params() -> impl Strategy<Value = Params> {
    (
        prop::array::uniform3(0u32..4),
        prop_oneof![Just("exponential"), Just("lognormal"), Just("gamma"), Just("fixed")],
        1.0f64..40.0,
        (0u32..12, 13u32..25),
        (0u32..10, 12u32..25),
        prop::option::of((5.0f64..300.0, 0.0f64..=1.0)),
        prop_oneof![Just("fifo"), Just("severity")],
        any::<bool>(),
        prop_oneof![Just("none"), Just("live"), Just("published"), Just("word_of_mouth")],
        1.0f64..30.0,
        prop::array::uniform4(0.0f64..1.0),
    )
        .prop_map(
            |(doctors, dist, mean, (open, close), window, patience, discipline, priority, beliefs, rate, mix)| {
                let sum: f64 = mix.iter().sum::<f64>() + 1e-9;
                let mut mix = mix.map(|m| m / sum);
                mix[0] = 1.0 - mix[1] - mix[2] - mix[3];
                Params {
                    doctors,
                    service: (dist, mean),
                    open,
                    close: close.min(24),
                    window,
                    patience,
                    discipline,
                    priority,
                    beliefs,
                    rate,
                    mix,
                }
            },
        )
}

fn text(p: &Params) -> String {
    let cv = if matches!(p.service.0, "lognormal" | "gamma") {
        ", cv = 0.8"
    } else {
        ""
    };
    let hours = |o: u32, c: u32| format!("{o:02}:00-{c:02}:00");
    let patience = p
        .patience
        .map(|(m, r)| format!("[patience]\nmean_minutes = {m}\nretry_prob = {r}\n"))
        .unwrap_or_default();
    format!(
        r#"
name = "prop"
seed = 3
days = 12
warmup_days = 2
replications = 1
[demand]
episodes_per_resident_year = {rate}
severity_mix = {{ mild = {m0}, moderate = {m1}, severe = {m2}, critical = {m3} }}
presentation_hours = "{window}"
[choice]
beliefs = "{beliefs}"
[referral]
priority_referrals = {priority}
[tiers.township]
service = {{ dist = "{dist}", mean_minutes = {mean}{cv} }}
discipline = "{discipline}"
hours = "{hours}"
[tiers.county]
service = {{ dist = "{dist}", mean_minutes = {mean}{cv} }}
discipline = "{discipline}"
[tiers.regional]
hours = "24h"
{patience}
[[region]]
name = "r"
[[region.settlement]]
name = "a"
at_km = [0.0, 0.0]
population = 300
[[region.settlement]]
name = "b"
at_km = [8.0, 3.0]
population = 200
[[facility]]
name = "thc a"
tier = "township"
at_km = [0.0, 0.0]
doctors = {d0}
[[facility]]
name = "thc b"
tier = "township"
at_km = [8.0, 3.0]
doctors = {d1}
[[facility]]
name = "ch"
tier = "county"
at_km = [4.0, 1.0]
doctors = {d2}
[[facility]]
name = "rmc"
tier = "regional"
at_km = [40.0, 0.0]
doctors = 2
"#,
        rate = p.rate,
        m0 = p.mix[0],
        m1 = p.mix[1],
        m2 = p.mix[2],
        m3 = p.mix[3],
        window = hours(p.window.0, p.window.1),
        beliefs = p.beliefs,
        priority = p.priority,
        dist = p.service.0,
        mean = p.service.1,
        discipline = p.discipline,
        hours = hours(p.open, p.close),
        d0 = p.doctors[0],
        d1 = p.doctors[1],
        d2 = p.doctors[2],
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Every visit is served, left, or still in the system; every episode
    /// completed, unmet or still open; fund + out-of-pocket = price; waits >= 0.
    #[test]
    fn visits_episodes_and_money_are_conserved(p in params()) {
        let s = scenario(&text(&p));
        let world = World::new(&s);
        let out = engine::run(&world, 0);
        let l = out.ledger;
        prop_assert_eq!(l.visits_arrived, l.visits_served + l.visits_left + l.visits_in_system_at_end);
        prop_assert_eq!(l.episodes_started, l.episodes_completed + l.episodes_unmet + l.episodes_open_at_end);
        prop_assert!((l.fund_total + l.oop_total - l.price_total).abs() <= 1e-9 * l.price_total.max(1.0));
        prop_assert!(l.min_wait_minutes >= 0.0);
        if p.patience.is_none() {
            prop_assert_eq!(l.visits_left, 0);
        }
        for m in &out.metrics {
            if m.name.starts_with("wait_") && m.value.is_finite() {
                prop_assert!(m.value >= 0.0, "{:?} {} = {}", m.scope, m.name, m.value);
            }
        }
        let served: f64 = (0..4).map(|f| out.get(Scope::Facility(f), "served").unwrap()).sum();
        let tiers: f64 = tiersim::scenario::Tier::ALL.iter().map(|&t| out.get(Scope::Tier(t), "served").unwrap()).sum();
        prop_assert_eq!(served, tiers);
    }

    /// The payment split never creates or loses money.
    #[test]
    fn payment_split_adds_up(price in 0.0f64..1e5, rate in 0.0f64..=1.0, deductible in 0.0f64..1e4) {
        let p = policy::split(price, rate, deductible);
        prop_assert!((p.fund + p.oop - price).abs() <= 1e-9 * price.max(1.0));
        prop_assert!(p.fund >= 0.0 && p.oop >= -1e-9);
    }
}
