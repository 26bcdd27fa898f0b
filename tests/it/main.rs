//! One integration-test binary: queueing theory, invariants, determinism,
//! the command line, and golden outputs.

mod beliefs;
mod bounds;
mod choice;
mod cli;
mod contract;
mod determinism;
mod drugs;
mod ecosystem;
mod emergency;
mod frozen;
mod fuzz;
mod golden;
mod groups;
mod invariants;
mod levers;
mod messages;
mod metrics;
mod outputs;
mod report;
mod support;
mod sweep;
mod theory;
mod trace;
mod xining;
