//! `compose-cfn certs …`: offline certificate inspection and generation.

use clap::Subcommand;
use std::process::ExitCode;

/// Certificate subcommands.
#[derive(Debug, Subcommand)]
pub enum CertsCommand {
    /// Show what a certificate covers and whether its key and chain fit it.
    Inspect,
}

impl CertsCommand {
    /// Runs the subcommand.
    pub fn run(self) -> ExitCode {
        ExitCode::from(2)
    }
}
