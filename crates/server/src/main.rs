//! The `ticketing` binary. See `ticketing --help`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use ticketing_server::cli::{Cli, run};
use ticketing_server::settings::SettingsError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            // A usage error, like clap's own: the configuration is wrong, not the world.
            if e.downcast_ref::<SettingsError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
