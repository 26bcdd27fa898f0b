//! tiersim: an agent-based, discrete-event simulator of tiered health systems.
//!
//! Residents of one or more regions fall ill, choose a facility (village
//! clinic, township health center, county hospital, regional medical
//! center) with a multinomial logit over quality, out-of-pocket cost,
//! travel and expected wait, queue for doctors, may leave unseen, are
//! referred up when a facility cannot treat them, and pay under the
//! reimbursement policy. The model is described in `docs/model.md`, its
//! default figures and their sources in `docs/data-sources.md`.
//!
//! # Overview
//! Data moves one way, each arrow a function between plain types:
//!
//! ```text
//! file -> scenario::raw::RawScenario -> scenario::Scenario -> world::World
//!      -> engine::run(&World, replication) -> metrics::RunOutput
//!      -> metrics::summarise -> report (CSV, JSON)
//! ```
//!
//! ```no_run
//! use tiersim::{replicate, scenario::Scenario};
//! let scenario = Scenario::load("scenarios/baseline.toml".as_ref())?;
//! let result = replicate::simulate(&scenario, None, || {})?;
//! print!("{}", tiersim::report::tier_table(&result.world, &result.summaries));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Modules
//! - [`scenario`]: TOML in, checked [`scenario::Scenario`] out (every problem at once).
//! - [`levers`]: the policy levers, one file each (raw section, checked
//!   type, defaults, check, write-back, tests).
//! - [`lint`]: warnings about valid scenarios that will not do what was meant.
//! - [`world`]: the immutable built world (samplers, choice sets, referral targets).
//! - [`spatial`]: nearest-facility search (a 2-d tree) for the world and validation.
//! - [`estimate`]: episodes, events and peak memory of a run before it starts.
//! - [`engine`]: the event loop of one replication.
//! - [`choice`], [`policy`]: pure logit and payment maths.
//! - [`rng`]: named random streams.
//! - [`metrics`]: collectors, warm-up filtering, summaries with t-intervals.
//! - [`replicate`]: the replications of one scenario over threads, reduced in order.
//! - [`sweep`]: parameter sweeps fanned out over threads, reduced in order;
//!   resumable, shardable, with a Slurm script.
//! - [`output`]: output folders: what may be replaced, locks, staged
//!   replacement and recovery after a kill.
//! - [`report`]: output files, the printed table, `report.html`.
//! - [`plot`]: charts (PNG and SVG) from saved tables only.
//! - [`compare`]: paired differences of two runs on common seeds.
//! - [`trace`]: the visit trace of small runs (`run --trace`).
//! - [`cli`]: the command line (the only module that knows clap).
//!
//! # Ordering and determinism
//! - Events pop by (time, rank of kind, insertion sequence); ranks are
//!   documented on [`engine::event::Event`]. Ties are never broken at random.
//! - Every random draw comes from a named stream ([`rng::Stream`]) seeded
//!   from (scenario seed, replication, stream) only, with a portable
//!   generator (Xoshiro256++). The same scenario, seed and replication give
//!   bit-identical results on any machine and any thread count.
//! - Replications run in parallel but are collected in replication order
//!   and summarised sequentially, so output files are byte-identical for
//!   any `--threads`.
#![warn(missing_docs)]

/// Declares a raw TOML section: the serde mirror of a table a user writes,
/// every key optional so validation can fill defaults and say what is
/// missing in its own words, unknown keys refused (a typo is an error, never
/// silently ignored) and no `flatten` (which would switch that off). Keys
/// are documented in README.md's scenario reference, not on the fields.
macro_rules! raw_section {
    ($(#[$meta:meta])* pub struct $name:ident $body:tt) => {
        $(#[$meta])*
        #[allow(missing_docs)]
        #[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name $body
    };
}

pub mod choice;
pub mod cli;
pub mod compare;
pub mod engine;
pub mod estimate;
pub mod levers;
pub mod lint;
pub mod metrics;
pub mod output;
pub mod plot;
pub mod policy;
pub mod replicate;
pub mod report;
pub mod results;
pub mod rng;
pub mod scenario;
pub mod spatial;
pub mod sweep;
#[cfg(test)]
mod testing;
pub mod trace;
pub mod world;
