//! Command-line definitions; each subcommand lives in its own module and calls the library.

mod certs;

use clap::{Parser, Subcommand};
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
    /// Inspect and generate TLS certificates, offline.
    #[command(subcommand)]
    Certs(certs::CertsCommand),
}

impl Cli {
    /// Runs the chosen subcommand and returns its exit code.
    pub fn run(self) -> ExitCode {
        match self.command {
            Command::Certs(cmd) => cmd.run(),
        }
    }
}
