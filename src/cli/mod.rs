//! Command-line definitions; each subcommand lives in its own module and calls the library.

mod certs;
mod compile;
mod report;

use clap::{Parser, Subcommand, ValueEnum};
use std::process::ExitCode;

/// Compile docker-compose files with Convox labels into AWS CloudFormation.
#[derive(Debug, Parser)]
#[command(name = "compose-cfn", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compile compose files into a CloudFormation template (stdout), diagnostics on stderr.
    Compile(compile::CompileArgs),
    /// Inspect and generate TLS certificates, offline.
    #[command(subcommand)]
    Certs(certs::CertsCommand),
}

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Like rustc: file:line:column, the source line, a caret, and help.
    Human,
    /// One JSON object per line.
    Json,
}

impl Cli {
    /// Runs the chosen subcommand and returns its exit code.
    pub fn run(self) -> ExitCode {
        match self.command {
            Command::Compile(args) => args.run(),
            Command::Certs(cmd) => cmd.run(),
        }
    }
}
