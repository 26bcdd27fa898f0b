//! The single-run driver: every replication of one scenario on a thread
//! pool, collected in replication order and summarised sequentially
//! (`docs/model.md`, "Event order and randomness").
//!
//! Every replication runs single-threaded on seeds from (scenario seed,
//! replication) only, so outputs are byte-identical for any thread count
//! (no parallel float reductions, rayon #663). [`crate::sweep`] fans
//! sweep points out over the same pool helper, [`on_threads`].

use rayon::prelude::*;

use crate::engine;
use crate::metrics::{self, RunOutput, Summary};
use crate::scenario::Scenario;
use crate::trace::VisitRow;
use crate::world::World;

/// A scenario's replications and their summaries.
pub struct RunResult {
    /// The world they ran in.
    pub world: World,
    /// One output per replication, in replication order.
    pub runs: Vec<RunOutput>,
    /// Every metric across replications.
    pub summaries: Vec<Summary>,
}

/// Errors setting up parallel work. Fatal for the call.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The thread pool could not be built.
    #[error("cannot start {threads} worker threads: {message}")]
    ThreadPool {
        /// Threads asked for.
        threads: usize,
        /// The reason.
        message: String,
    },
}

/// Runs every replication of `scenario` on `threads` threads (all cores
/// when `None`), calling `on_done` after each.
pub fn simulate(
    scenario: &Scenario,
    threads: Option<usize>,
    on_done: impl Fn() + Sync,
) -> Result<RunResult, SweepError> {
    replicate(scenario, threads, on_done, |w, r| (engine::run(w, r), ())).map(|(result, _)| result)
}

/// Like [`simulate`], with the visit trace of every replication, in
/// replication order (see [`crate::trace`]; the outputs are the same).
pub fn simulate_traced(
    scenario: &Scenario,
    threads: Option<usize>,
    on_done: impl Fn() + Sync,
) -> Result<(RunResult, Vec<VisitRow>), SweepError> {
    let (result, traces) = replicate(scenario, threads, on_done, engine::run_traced)?;
    Ok((result, traces.into_iter().flatten().collect()))
}

/// Runs `one` for every replication on `threads` threads, in replication order.
pub fn replicate<T: Send>(
    scenario: &Scenario,
    threads: Option<usize>,
    on_done: impl Fn() + Sync,
    one: impl Fn(&World, u32) -> (RunOutput, T) + Sync,
) -> Result<(RunResult, Vec<T>), SweepError> {
    let world = World::new(scenario);
    let go = || -> Vec<(RunOutput, T)> {
        (0..scenario.replications)
            .into_par_iter()
            .map(|r| {
                let out = one(&world, r);
                on_done();
                out
            })
            .collect()
    };
    let (runs, extra): (Vec<RunOutput>, Vec<T>) = on_threads(threads, go)?.into_iter().unzip();
    let summaries = metrics::summarise(&runs);
    Ok((RunResult { world, runs, summaries }, extra))
}

/// Runs `f` on a pool of `threads` workers, or on the global pool (all
/// cores) when `None`.
pub fn on_threads<R: Send>(threads: Option<usize>, f: impl FnOnce() -> R + Send) -> Result<R, SweepError> {
    match threads {
        Some(n) => Ok(rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| SweepError::ThreadPool {
                threads: n,
                message: e.to_string(),
            })?
            .install(f)),
        None => Ok(f()),
    }
}
