//! The `tiersim` binary: parse arguments, run, map failures to exit codes
//! (0 ok, 1 runtime failure, 2 bad input, 3 output folder in use).

use clap::Parser;
use tiersim::cli::{self, Cli};

fn main() {
    let cli = Cli::parse();
    if let Err(failure) = cli::run(cli) {
        failure.lines().iter().for_each(|l| eprintln!("error: {l}"));
        std::process::exit(failure.exit_code());
    }
}
