//! `compose-cfn plan`: the interpreted manifest as one table of listeners, for review.

use super::compile::ManifestArgs;
use super::output::stdout;
use super::report::{self, MessageFormat};
use clap::{Args, ValueEnum};
use compose_cfn::review::report::{Github, Human, Json, Markdown, Report};
use std::process::ExitCode;

/// How `plan` and `diff` print their result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReviewFormat {
    /// Aligned text for a terminal.
    Human,
    /// JSON (its schema: `compose-cfn schema --plan` or `--diff`).
    Json,
    /// GitHub-flavoured Markdown, for a pull-request comment.
    Markdown,
    /// For GitHub Actions: the human report, with diagnostics and the diff's warnings as workflow annotations.
    Github,
}

impl ReviewFormat {
    /// The report type of this format.
    pub fn report(self) -> Box<dyn Report> {
        match self {
            ReviewFormat::Human => Box::new(Human { width: terminal_width() }),
            ReviewFormat::Json => Box::new(Json),
            ReviewFormat::Markdown => Box::new(Markdown),
            ReviewFormat::Github => Box::new(Github),
        }
    }

    /// How diagnostics go with this format: JSON lines next to JSON, annotations for GitHub,
    /// else for people.
    pub fn diagnostics(self) -> MessageFormat {
        match self {
            ReviewFormat::Json => MessageFormat::Json,
            ReviewFormat::Github => MessageFormat::Github,
            ReviewFormat::Human | ReviewFormat::Markdown => MessageFormat::Human,
        }
    }
}

/// The columns a report should fit in: the terminal's when stdout is one, else `COLUMNS`,
/// else [`Human::DEFAULT_WIDTH`] — so that output to a file or a test is the same everywhere.
pub fn terminal_width() -> usize {
    let stdout = std::io::stdout();
    if std::io::IsTerminal::is_terminal(&stdout)
        && let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size_of(&stdout)
    {
        return usize::from(w);
    }
    std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse().ok()).filter(|&w| w > 0).unwrap_or(Human::DEFAULT_WIDTH)
}

/// Arguments of `plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    manifest: ManifestArgs,
    /// How the plan is printed
    #[arg(long, value_enum, default_value_t = ReviewFormat::Human)]
    format: ReviewFormat,
}

impl PlanArgs {
    /// Compiles the manifest and prints its plan; exit 1 when the manifest has an error.
    pub fn run(self) -> ExitCode {
        let format = self.format;
        report::set_format(format.diagnostics());
        let result = match self.manifest.compile() {
            Ok(result) => result,
            Err(code) => return code,
        };
        report::diagnostics(&result.diagnostics, &result.sources, format.diagnostics(), "plan");
        // A plan with errors would show listeners that will never exist.
        let (false, Some(plan)) = (result.diagnostics.has_errors(), result.plan) else {
            return ExitCode::from(1);
        };
        stdout(&format.report().plan(&plan))
    }
}
