//! Command-line definitions; each subcommand lives in its own module and calls the library.

mod adopt;
#[cfg(feature = "aws")]
mod aws;
#[cfg(feature = "aws")]
mod aws_certs;
mod certs;
mod compile;
mod completions;
#[cfg(feature = "aws")]
mod deploy;
mod diff;
mod explain;
mod global;
mod help;
mod output;
mod plan;
mod report;
mod schema;
#[cfg(feature = "aws")]
mod ssl;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::process::ExitCode;

/// Compile docker-compose files with Convox labels into AWS CloudFormation.
#[derive(Debug, Parser)]
#[command(name = "compose-cfn", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: global::GlobalArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compile compose files into a CloudFormation template (stdout), diagnostics on stderr.
    Compile(compile::CompileArgs),
    /// Certificates: list, upload, request and delete them on AWS; inspect and generate them offline.
    Certs(certs::CertsArgs),
    /// Compile, show what changes on the stack, then create or update it and follow it.
    #[cfg(feature = "aws")]
    Deploy(deploy::DeployArgs),
    /// Show the certificates on a stack's https/tls listeners; `ssl update` applies another.
    #[cfg(feature = "aws")]
    Ssl(ssl::SslArgs),
    /// Show the load balancers a manifest asks for: one row per listener.
    Plan(plan::PlanArgs),
    /// Show what changes on the load balancers between two manifests or templates (exit 1 if anything does).
    Diff(diff::DiffArgs),
    /// Explain a label (convox.port.443.protocol) or a diagnostic code (unknown-protocol).
    Explain(explain::ExplainArgs),
    /// Print the JSON Schema of compose files with Convox labels (for editors), or of plan/diff JSON.
    Schema(schema::SchemaArgs),
    /// Print a shell completion script.
    Completions(completions::CompletionsArgs),
    /// Print the man page, or write all pages into a directory.
    Man(completions::ManArgs),
}

/// How a command prints its result and its diagnostics: the one format option of `compile`,
/// `certs inspect` and `certs self-signed` (`plan` and `diff` add Markdown to it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: diagnostics like rustc's (file:line:column, the line, a caret, help) and
    /// aligned fields.
    #[default]
    Human,
    /// For scripts: JSON (diagnostics one object per line).
    Json,
}

/// The command line with every command's examples, exit codes and environment in its help:
/// what is parsed, completed and written as man pages.
pub fn command() -> clap::Command {
    help::with_extras(Cli::command())
}

/// Reports a command line that could not be parsed, in the `--format` it asks for.
pub fn parse_error(e: clap::Error) -> ExitCode {
    let args: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    report::parse_error(e, &args)
}

impl Cli {
    /// Runs the chosen subcommand and returns its exit code.
    pub fn run(self) -> ExitCode {
        self.global.install();
        match self.command {
            Command::Compile(args) => args.run(),
            Command::Certs(cmd) => cmd.run(),
            #[cfg(feature = "aws")]
            Command::Deploy(args) => args.run(),
            #[cfg(feature = "aws")]
            Command::Ssl(args) => args.run(),
            Command::Plan(args) => args.run(),
            Command::Diff(args) => args.run(),
            Command::Explain(args) => args.run(),
            Command::Schema(args) => args.run(),
            Command::Completions(args) => args.run(),
            Command::Man(args) => args.run(),
        }
    }
}
