//! The `ticketing` binary. See `ticketing --help`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use ticketing_server::cli::{Cli, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
