//! Engine throughput: M/M/c customers per second, the default scenario's
//! episodes per second, and the event heap on its own.
//!
//! Targets (issue #3): >= 5 million M/M/c customers per second on one core;
//! a full year of the default scenario in under 2 seconds.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tiersim::engine::{self, event::Event, queue::EventQueue};
use tiersim::metrics::Scope;
use tiersim::scenario::Scenario;
use tiersim::world::World;

/// One 24h facility with `c` doctors at load `rho`, exponential service.
fn mmc(c: u32, rho: f64, days: u32) -> Scenario {
    let mean = 10.0;
    let lambda = rho * f64::from(c) / mean;
    let per_year = lambda * 525_600.0 / 1000.0;
    let text = format!(
        r#"
name = "mmc"
days = {days}
warmup_days = 0
replications = 1
[demand]
episodes_per_resident_year = {per_year}
chronic_share = 0.0
severity_mix = {{ mild = 1.0 }}
[choice]
beliefs = "none"
b_wait = 0.0
[tiers.county]
service = {{ dist = "exponential", mean_minutes = {mean} }}
[[region]]
name = "town"
[[region.settlement]]
at_km = [0.0, 0.0]
population = 1000
[[facility]]
name = "clinic"
tier = "county"
at_km = [0.0, 0.0]
doctors = {c}
hours = "24h"
"#
    );
    Scenario::from_toml(&text, "bench").expect("bench scenario is valid")
}

fn bench_mmc(c: &mut Criterion) {
    let world = World::new(&mmc(4, 0.8, 100));
    let customers = engine::run(&world, 0)
        .get(Scope::Facility(0), "served")
        .expect("served is reported");
    let mut g = c.benchmark_group("mmc");
    g.throughput(Throughput::Elements(customers as u64));
    g.sample_size(20);
    g.bench_function("customers_c4_rho0.8_100days", |b| {
        b.iter(|| black_box(engine::run(&world, 0)))
    });
    g.finish();
}

fn bench_baseline(c: &mut Criterion) {
    let scenario =
        Scenario::from_toml(include_str!("../scenarios/baseline.toml"), "baseline").expect("baseline is valid");
    let world = World::new(&scenario);
    let episodes = engine::run(&world, 0).ledger.episodes_started;
    let mut g = c.benchmark_group("baseline");
    g.throughput(Throughput::Elements(episodes));
    g.sample_size(10);
    g.bench_function("one_year_one_replication", |b| {
        b.iter(|| black_box(engine::run(&world, 0)))
    });
    g.finish();
}

fn bench_heap(c: &mut Criterion) {
    let mut g = c.benchmark_group("heap");
    g.throughput(Throughput::Elements(100_000));
    g.bench_function("push_pop_100k_holding_1k", |b| {
        b.iter(|| {
            let mut q = EventQueue::new();
            let mut t = 0.0;
            for i in 0..1000u32 {
                q.push(f64::from(i), Event::Arrival { episode: i });
            }
            for i in 0..100_000u32 {
                let (now, _) = q.pop().expect("the heap holds 1,000 events");
                t = now;
                q.push(now + f64::from(i % 997), Event::Arrival { episode: i });
            }
            black_box(t)
        })
    });
    g.finish();
}

criterion_group!(benches, bench_mmc, bench_baseline, bench_heap);
criterion_main!(benches);
