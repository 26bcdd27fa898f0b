//! One integration-test binary: queueing theory, invariants, determinism,
//! the command line, and golden outputs.

mod beliefs;
mod bounds;
mod cli;
mod determinism;
mod fuzz;
mod golden;
mod invariants;
mod levers;
mod report;
mod support;
mod sweep;
mod theory;
