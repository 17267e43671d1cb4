//! `compose-cfn schema`: JSON Schemas — for compose files (editors), plans and diffs (scripts).

use super::output::stdout;
use clap::Args;
use compose_cfn::interpret::plan::PlanDocument;
use compose_cfn::review::document::DiffDocument;
use compose_cfn::review::schema;
use std::process::ExitCode;

/// Arguments of `schema`.
#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct SchemaArgs {
    /// The schema of `plan --format json` instead
    #[arg(long)]
    plan: bool,
    /// The schema of `diff --format json` instead
    #[arg(long)]
    diff: bool,
}

impl SchemaArgs {
    /// Prints the chosen schema [default: compose files, draft-07, for yaml-language-server].
    pub fn run(self) -> ExitCode {
        let value = if self.plan {
            serde_json::to_value(schemars::schema_for!(PlanDocument<'static>))
        } else if self.diff {
            serde_json::to_value(schemars::schema_for!(DiffDocument))
        } else {
            Ok(schema::compose_schema())
        };
        let text = serde_json::to_string_pretty(&value.expect("schemas serialise")).expect("JSON");
        stdout(&(text + "\n"))
    }
}
