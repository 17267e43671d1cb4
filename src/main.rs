//! The `compose-cfn` command line: argument parsing and dispatch to the library.

mod cli;

/// mimalloc rather than the system's allocator: see its entry in Cargo.toml for the figures.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::FromArgMatches;
use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::command().try_get_matches().and_then(|matches| cli::Cli::from_arg_matches(&matches)) {
        Ok(cli) => cli.run(),
        Err(e) => cli::parse_error(e),
    }
}
