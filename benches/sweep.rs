//! Sweep throughput on 1 and 2 threads: (point, replication) jobs per
//! second for a 6-point x 3-replication sweep of a small county. The ratio
//! of the two is the parallel speed-up (target: >= 1.8x on 2 cores).

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use tiersim::sweep::{self, SweepOptions};

fn bench_sweep(c: &mut Criterion) {
    let plan = sweep::plan("tests/it/sweeps/resume_sweep.toml".as_ref()).expect("the test sweep is valid");
    let jobs = plan.points.len() as u64 * u64::from(plan.replications());
    let mut g = c.benchmark_group("sweep");
    g.throughput(Throughput::Elements(jobs));
    g.sample_size(10);
    for threads in [1, 2] {
        g.bench_function(format!("jobs_{threads}_threads"), |b| {
            b.iter_batched(
                || tempfile::tempdir().expect("a temporary folder"),
                |dir| {
                    let opts = SweepOptions {
                        out: dir.path().join("out"),
                        threads: Some(threads),
                        shard: None,
                        facility_metrics: false,
                    };
                    sweep::run_sweep(&plan, &opts, |_| {}, || {}).expect("the sweep runs")
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, bench_sweep);
criterion_main!(benches);
