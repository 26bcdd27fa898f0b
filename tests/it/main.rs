//! One integration-test binary: queueing theory, invariants, determinism,
//! the command line, and golden outputs.

mod beliefs;
mod cli;
mod determinism;
mod ecosystem;
mod golden;
mod invariants;
mod levers;
mod outputs;
mod report;
mod support;
mod sweep;
mod theory;
mod trace;
