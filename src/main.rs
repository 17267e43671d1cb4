//! The `compose-cfn` command line: argument parsing and dispatch to the library.

mod cli;

use clap::FromArgMatches;
use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::command().try_get_matches().and_then(|matches| cli::Cli::from_arg_matches(&matches)) {
        Ok(cli) => cli.run(),
        Err(e) => cli::parse_error(e),
    }
}
