//! The `compose-cfn` command line: argument parsing and dispatch to the library.

mod cli;

use clap::FromArgMatches;
use std::process::ExitCode;

fn main() -> ExitCode {
    let matches = cli::command().get_matches();
    match cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli.run(),
        Err(e) => e.exit(),
    }
}
