//! `compose-cfn convox-env`: what `convox env` printed, written as an env file that Compose
//! reads back value for value (the first step of taking over a Convox app's environment).

use super::Format;
use super::output::stderr;
use super::report;
use clap::Args;
use compose_cfn::adopt::convox_env;
use compose_cfn::files::{self, Output};
use compose_cfn::load::{self, dotenv};
use compose_cfn::source::Sources;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `convox-env`.
#[derive(Debug, Args)]
pub struct ConvoxEnvArgs {
    /// What `convox env -a APP` printed: a file, or `-` for standard input
    #[arg(value_name = "INPUT", default_value = load::STDIN)]
    input: PathBuf,
    /// The env file to write, with mode 600 (it holds the app's secrets, so never standard output)
    #[arg(short, long, value_name = "OUT")]
    output: PathBuf,
}

impl ConvoxEnvArgs {
    /// Converts, checks that every value reads back, writes the file; exit 1 when the input is
    /// not what `convox env` prints, 2 when it cannot be read or the file cannot be written.
    pub fn run(self) -> ExitCode {
        if self.output.as_os_str() == load::STDIN {
            return report::usage_error(
                "`-o -` would print the app's secrets: give the env file's path, e.g. `-o convox.env`",
            );
        }
        let shown = load::shown_path(&self.input);
        // An env file's cap: `convox env` prints a few kilobytes, and `/dev/zero` never ends.
        let bytes = match files::read_path_capped(&self.input, dotenv::MAX_DOTENV_BYTES) {
            Ok(bytes) => bytes,
            Err(files::ReadError::TooLarge { .. }) => {
                return report::usage_error(&format!(
                    "`{shown}` is over {} bytes: `convox env` prints far less; is it the right input?",
                    dotenv::MAX_DOTENV_BYTES
                ));
            }
            Err(e) => return report::usage_error(&format!("cannot read `{shown}`: {e}")),
        };
        let mut sources = Sources::new();
        // Placed by line and column under a masked line, as `.env` is: the input is secrets.
        let text = match load::utf8_text(&mut sources, &shown, bytes, true) {
            Ok(text) => text,
            Err(bad) => {
                report::diagnostics(&[*bad].into_iter().collect(), &sources, Format::Human, "convert the variables");
                return ExitCode::from(2);
            }
        };
        // Shown masked: a diagnostic points at a line, never at a value.
        let source = sources.add(shown, dotenv::masked(&text));
        let converted = match convox_env::convert(&text, source) {
            Ok(converted) => converted,
            Err(diags) => {
                report::diagnostics(&diags, &sources, Format::Human, "convert the variables");
                return ExitCode::FAILURE;
            }
        };
        let output = Output { path: &self.output, bytes: converted.text.as_bytes(), mode: 0o600 };
        if let Err(e) = files::write_file(output) {
            return report::usage_error(&format!("cannot write `{}`: {e}", self.output.display()));
        }
        let count = converted.names.len();
        let mut summary = format!(
            "wrote {count} variable{} to {} (mode 600)",
            if count == 1 { "" } else { "s" },
            self.output.display()
        );
        if !converted.would_change.is_empty() {
            summary.push_str(&format!(
                "; unquoted, Compose would have read {} of them differently: {}",
                converted.would_change.len(),
                converted.would_change.join(", ")
            ));
        }
        stderr(&format!("{}\n", compose_cfn::escape::terminal(&summary, true)));
        ExitCode::SUCCESS
    }
}
