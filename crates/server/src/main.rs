//! The `ticketing` binary. See `ticketing --help`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use ticketing_server::cli::{Cli, run};
use ticketing_server::settings::SettingsError;

/// mimalloc instead of the system allocator: a request builds and drops many small values (rows,
/// views, JSON); with glibc's malloc the ticket detail spent about 10 % of its time in
/// `_int_malloc` and `malloc_consolidate` (docs/benchmarks/side-by-side-2026-12-06.md). Built
/// with mimalloc's `override` feature, it also serves the C libraries' `malloc` (SQLite above
/// all), which glibc's per-thread arenas held on to: 20-40 MB less peak RSS under 16 concurrent
/// searches at 1M tickets (docs/benchmarks/README.md). Without transparent huge pages: see
/// `ticketing_server::huge_pages`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Before the heap grows; whether it held is logged by `serve` (ticketing_server::huge_pages).
    let _ = ticketing_server::huge_pages::disable();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A command's own status (sysexits of `mail receive`), its line said as is.
            if let Some(exit) = e.downcast_ref::<ticketing_server::receive::Exit>() {
                eprintln!("{exit}");
                return ExitCode::from(exit.code);
            }
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
