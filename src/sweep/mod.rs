//! Parameter sweeps fanned out over threads, with ordered reduction
//! ([`run_sweep`]: points x replications, resumable, shardable). The
//! replications of one scenario are [`crate::replicate`]'s ([`simulate`]
//! is re-exported here).
//!
//! Every replication runs single-threaded on seeds from (scenario seed,
//! replication) only, never the point, so all points share seeds (common
//! random numbers). rayon spreads jobs over the pool; results are put back
//! in order and reduced sequentially, so files are byte-identical for any
//! thread count (no parallel float reductions, rayon #663).

pub mod slurm;
pub mod spec;
pub mod store;

use std::path::PathBuf;
use std::sync::Mutex;

use rayon::prelude::*;

use crate::engine;
use crate::metrics::{RunOutput, Scope};
use crate::replicate::on_threads;
pub use crate::replicate::{RunResult, SweepError, simulate, simulate_traced};
use crate::report;
use crate::world::World;
pub use spec::{SweepInputError, SweepPlan, plan};

/// Which slice of a sweep's points this process runs: the `index`-th
/// (1-based) of `count`; point p belongs to slice p mod count + 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 1-based slice number.
    pub index: u32,
    /// Number of slices.
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("\"{s}\": expected K/N with 1 <= K <= N, e.g. 2/8");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// Whether point `p` is in this slice.
    pub fn owns(&self, p: usize) -> bool {
        p % self.count as usize == (self.index - 1) as usize
    }
}

/// How to run a sweep.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// Output folder (also where finished points are kept for resuming).
    pub out: PathBuf,
    /// Worker threads; all cores when `None`.
    pub threads: Option<usize>,
    /// Run only this slice of the points (and leave assembling to `merge`).
    pub shard: Option<Shard>,
    /// Keep per-facility metrics in the tables (large for big worlds).
    pub facility_metrics: bool,
}

/// What a sweep call did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SweepOutcome {
    /// Points in the sweep.
    pub points_total: usize,
    /// Points this call ran.
    pub points_run: usize,
    /// Points of this call's slice already saved by an earlier run.
    pub points_skipped: usize,
    /// Whether points.csv and runs.csv were written.
    pub assembled: bool,
}

/// Errors while running a sweep. Fatal for the call; saved points stay.
#[derive(Debug, thiserror::Error)]
pub enum SweepRunError {
    /// Thread pool trouble.
    #[error(transparent)]
    Threads(#[from] SweepError),
    /// Output folder trouble.
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// The manifest of a planned sweep: what its results depend on.
pub fn manifest(plan: &SweepPlan, facility_metrics: bool) -> store::Manifest {
    let labels: Vec<Vec<String>> = plan.points.iter().map(|p| p.labels.clone()).collect();
    let mut key = format!(
        "tiersim {}\n{}\n{:?}\n{:?}\nfacility_metrics={facility_metrics}\n",
        env!("CARGO_PKG_VERSION"),
        crate::scenario::resolved::to_toml(&plan.base),
        plan.columns,
        labels
    );
    for p in &plan.points {
        key.push_str(&crate::scenario::resolved::to_toml(&p.scenario));
    }
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    store::Manifest {
        sweep: plan.name.clone(),
        fingerprint: format!("{hash:016x}"),
        replications: plan.replications(),
        seed: plan.base.seed,
        columns: plan.columns.clone(),
        points: labels,
    }
}

/// Runs the sweep's pending points (of `opts.shard` if given) as
/// (point, replication) jobs over the thread pool, saving each point as it
/// completes; assembles the tables when the whole sweep is done and no
/// shard was asked for. `on_start` gets the number of jobs; `on_job` is
/// called after each.
pub fn run_sweep(
    plan: &SweepPlan,
    opts: &SweepOptions,
    on_start: impl FnOnce(u64),
    on_job: impl Fn() + Sync,
) -> Result<SweepOutcome, SweepRunError> {
    let store = store::Store::open(&opts.out, manifest(plan, opts.facility_metrics))?;
    store::write_atomic(
        &opts.out.join("scenario.toml"),
        crate::scenario::resolved::to_toml(&plan.base).as_bytes(),
    )?;
    let done = store.done();
    let mine: Vec<usize> = (0..plan.points.len())
        .filter(|&p| opts.shard.is_none_or(|s| s.owns(p)))
        .collect();
    let pending: Vec<usize> = mine.iter().copied().filter(|p| !done.contains(p)).collect();
    let reps = plan.replications();
    let worlds: Vec<World> = pending.iter().map(|&p| World::new(&plan.points[p].scenario)).collect();
    let jobs: Vec<(usize, u32)> = (0..pending.len())
        .flat_map(|i| (0..reps).map(move |r| (i, r)))
        .collect();
    on_start(jobs.len() as u64);
    let slots: Vec<Mutex<Vec<Option<RunOutput>>>> =
        pending.iter().map(|_| Mutex::new(vec![None; reps as usize])).collect();
    let work = || {
        jobs.par_iter()
            .try_for_each(|&(i, r)| -> Result<(), store::StoreError> {
                let out = engine::run(&worlds[i], r);
                on_job();
                match complete_point(&slots[i], r, out) {
                    Some(runs) => store.save_point(pending[i], &point_csv(&worlds[i], &runs, opts.facility_metrics)?),
                    None => Ok(()),
                }
            })
    };
    on_threads(opts.threads, work)??;
    let assembled = opts.shard.is_none();
    if assembled {
        store.assemble()?;
    }
    Ok(SweepOutcome {
        points_total: plan.points.len(),
        points_run: pending.len(),
        points_skipped: mine.len() - pending.len(),
        assembled,
    })
}

/// Puts replication `r`'s output in its point's slot; returns the point's
/// runs, in replication order, once the last of them is in.
fn complete_point(slot: &Mutex<Vec<Option<RunOutput>>>, r: u32, out: RunOutput) -> Option<Vec<RunOutput>> {
    let mut slot = slot.lock().expect("a worker panicked while holding a point");
    slot[r as usize] = Some(out);
    if slot.iter().all(Option::is_some) {
        Some(slot.iter_mut().map(|o| o.take().expect("all present")).collect())
    } else {
        None
    }
}

/// One point's runs: replication, seed, scope, id, metric, value.
fn point_csv(world: &World, runs: &[RunOutput], facility_metrics: bool) -> Result<Vec<u8>, store::StoreError> {
    report::runs_csv(world, runs, |scope| {
        // Groups of residents stay in a run's own tables (`groups.csv`).
        !matches!(scope, Scope::Group(..)) && (facility_metrics || !matches!(scope, Scope::Facility(_)))
    })
    .map_err(|source| store::StoreError::Io {
        path: "points".into(),
        source,
    })
}
