//! `check` on big generated counties: validation (defaults, generation,
//! default partners) of 20,000 to 80,000 villages with their clinics,
//! townships and a regional center, and building the world (choice sets,
//! referral targets) of the largest.
//!
//! Target (issue #9): 80,000 villages check in under 2 seconds (it took
//! 58.7 s when default partners were searched over every facility).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tiersim::scenario::Scenario;
use tiersim::world::World;

/// One county of `villages` villages, a township per 30 villages and a
/// regional center.
fn county(villages: u32) -> String {
    format!(
        r#"
name = "big-county"
days = 10
warmup_days = 2
replications = 1
[[region]]
name = "big"
[region.generate]
radius_km = 150.0
villages = {villages}
population = {population}
townships = {townships}
[[facility]]
name = "RC"
tier = "regional"
at_km = [10.0, 5.0]
"#,
        population = villages * 400,
        townships = villages / 30
    )
}

fn check(c: &mut Criterion) {
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    for villages in [20_000, 80_000] {
        let text = county(villages);
        group.bench_function(format!("{villages} villages"), |b| {
            b.iter(|| Scenario::from_toml(black_box(&text), "bench").expect("valid"))
        });
    }
    let scenario = Scenario::from_toml(&county(80_000), "bench").expect("valid");
    group.bench_function("world of 80000 villages", |b| {
        b.iter(|| World::new(black_box(&scenario)))
    });
    group.finish();
}

criterion_group!(benches, check);
criterion_main!(benches);
