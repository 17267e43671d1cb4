//! Command-line definitions; each subcommand lives in its own module and calls the library.

mod adopt;
#[cfg(feature = "aws")]
mod aws;
#[cfg(feature = "aws")]
mod aws_certs;
mod certs;
mod compile;
mod completions;
mod convox_env;
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

use clap::{CommandFactory, Parser, Subcommand};
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
    /// Write what `convox env` printed as an env file Compose reads back unchanged (to take over a Convox app).
    ConvoxEnv(convox_env::ConvoxEnvArgs),
    /// Print a shell completion script.
    Completions(completions::CompletionsArgs),
    /// Print the man page, or write all pages into a directory.
    Man(completions::ManArgs),
}

/// How a command prints its result and its diagnostics: the one output-format type of every
/// command. Each command accepts only the formats that mean something for it, through
/// [`Format::accepting`] and one of the lists below, each value with the help line that command
/// shows for it: `compile` [`DIAGNOSTIC_FORMATS`]; `plan`, `diff`, `deploy` [`REVIEW_FORMATS`];
/// `certs inspect` [`INSPECT_FORMATS`]; `certs self-signed` [`REPORT_FORMATS`]; `certs list`, `ssl`
/// [`LIST_FORMATS`].
/// A command never receives a value outside its list, so it may treat the others as `Human`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// For people.
    #[default]
    Human,
    /// For scripts: JSON.
    Json,
    /// GitHub workflow annotations (diagnostics of `compile`).
    Github,
    /// GitHub-flavoured Markdown (reviews: `plan`, `diff`, `deploy`).
    Markdown,
}

/// The values of a command's `--format`, each with its help line.
pub type Accepted = &'static [(Format, &'static str)];

/// `compile`: how diagnostics are printed on stderr.
pub const DIAGNOSTIC_FORMATS: Accepted = &[
    (Format::Human, "For people: like rustc's (file:line:column, the line, a caret, help)"),
    (Format::Json, "For scripts: one JSON object per line"),
    (Format::Github, "For GitHub Actions: `::error file=…,line=…,col=…::` annotations on the pull request"),
];

/// `plan`, `diff`, `deploy`: how a review is printed.
pub const REVIEW_FORMATS: Accepted = &[
    (Format::Human, "Aligned text for a terminal"),
    (Format::Json, "JSON (its schema: `compose-cfn schema --plan` or `--diff`)"),
    (Format::Markdown, "GitHub-flavoured Markdown, for a pull-request comment"),
    (
        Format::Github,
        "For GitHub Actions: the human report, with diagnostics and the diff's warnings as workflow annotations",
    ),
];

/// `certs inspect`, `certs self-signed`: how the report and its diagnostics are printed.
pub const REPORT_FORMATS: Accepted = &[
    (
        Format::Human,
        "For people: diagnostics like rustc's (file:line:column, the line, a caret, help) and aligned fields",
    ),
    (Format::Json, "For scripts: JSON (diagnostics one object per line)"),
];

/// `certs inspect`: the report on stdout, and the findings on stderr for people or GitHub (JSON
/// puts both in one object on stdout).
pub const INSPECT_FORMATS: Accepted = &[
    (Format::Human, "Aligned fields on stdout, rustc-style findings on stderr"),
    (Format::Json, "One JSON object on stdout, findings included, errors that stop the command too"),
    (
        Format::Github,
        "Aligned fields on stdout, findings as GitHub workflow annotations (`::error file=…::`) on stderr",
    ),
];

/// `certs list`, `ssl`: how a listing is printed.
#[cfg(feature = "aws")]
pub const LIST_FORMATS: Accepted = &[(Format::Human, "An aligned table"), (Format::Json, "A JSON array")];

impl Format {
    /// The spelling of `--format`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Github => "github",
            Format::Markdown => "markdown",
        }
    }

    /// A `--format` parser that accepts only `accepted`, showing each value's help line.
    pub fn accepting(accepted: Accepted) -> impl clap::builder::TypedValueParser<Value = Format> {
        use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
        PossibleValuesParser::new(accepted.iter().map(|(format, help)| PossibleValue::new(format.name()).help(*help)))
            .map(|name| {
                [Format::Human, Format::Json, Format::Github, Format::Markdown]
                    .into_iter()
                    .find(|f| f.name() == name)
                    .unwrap_or_default()
            })
    }
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
            Command::ConvoxEnv(args) => args.run(),
            Command::Completions(args) => args.run(),
            Command::Man(args) => args.run(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parses(args: &[&str]) -> bool {
        Cli::try_parse_from(std::iter::once("compose-cfn").chain(args.iter().copied())).is_ok()
    }

    #[test]
    fn each_command_accepts_only_its_formats() {
        for (command, accepted) in [
            (&["compile"][..], DIAGNOSTIC_FORMATS),
            (&["plan"][..], REVIEW_FORMATS),
            (&["diff", "a.yml", "b.yml"][..], REVIEW_FORMATS),
            (&["certs", "inspect", "c.pem"][..], INSPECT_FORMATS),
        ] {
            for format in [Format::Human, Format::Json, Format::Github, Format::Markdown] {
                let args: Vec<&str> = command.iter().copied().chain(["--format", format.name()]).collect();
                let expected = accepted.iter().any(|(f, _)| *f == format);
                assert_eq!(parses(&args), expected, "{args:?}");
            }
        }
        assert!(parses(&["compile"]), "the default is accepted");
    }
}
