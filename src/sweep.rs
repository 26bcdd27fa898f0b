//! Fan-out of independent runs over threads, with ordered reduction.
//!
//! Every replication runs single-threaded on its own seeds; rayon spreads
//! them over the pool and `collect` keeps replication order. Summaries are
//! computed afterwards, sequentially, so results are byte-identical for any
//! thread count (no parallel float reductions, rayon #663).

use rayon::prelude::*;

use crate::engine;
use crate::metrics::{self, RunOutput, Summary};
use crate::scenario::Scenario;
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
    let world = World::new(scenario);
    let go = || -> Vec<RunOutput> {
        (0..scenario.replications)
            .into_par_iter()
            .map(|r| {
                let out = engine::run(&world, r);
                on_done();
                out
            })
            .collect()
    };
    let runs = match threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| SweepError::ThreadPool {
                threads: n,
                message: e.to_string(),
            })?
            .install(go),
        None => go(),
    };
    let summaries = metrics::summarise(&runs);
    Ok(RunResult { world, runs, summaries })
}
