//! The `compose-cfn` command line: argument parsing and dispatch to the library.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    cli::Cli::parse().run()
}
