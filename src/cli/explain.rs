//! `compose-cfn explain LABEL-OR-CODE`: what a label does or what a diagnostic means.

use super::output::stdout;
use super::report;
use clap::Args;
use compose_cfn::review::explain;
use std::process::ExitCode;

/// Arguments of `explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A label (convox.port.443.protocol, convox.health.path), a prefix (convox, convox.health)
    /// or a diagnostic code (unknown-protocol)
    /// [default: list the codes, as --list does]
    #[arg(value_name = "LABEL-OR-CODE")]
    what: Option<String>,
    /// List every diagnostic code with its summary (the names `--deny` and `--allow` take)
    #[arg(long, conflicts_with = "what")]
    list: bool,
}

impl ExplainArgs {
    /// Prints the explanation; exit 2 with a suggestion when the argument names nothing known.
    pub fn run(self) -> ExitCode {
        let Some(what) = self.what.filter(|_| !self.list) else {
            return stdout(&explain::code_list());
        };
        match explain::explain(&what) {
            Ok(e) => stdout(&e.render()),
            Err(unknown) => {
                let help = match &unknown.suggestion {
                    Some(s) => format!("\n  help: did you mean `{s}`?"),
                    None => "\n  help: `compose-cfn explain convox` lists the labels".to_string(),
                };
                report::usage_error(&format!("{unknown}{help}"))
            }
        }
    }
}
