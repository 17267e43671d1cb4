//! Printing diagnostics and usage errors on stderr, in the format the user chose.

use super::Format;
use compose_cfn::diagnostic::{self, Diagnostics};
use compose_cfn::source::Sources;
use std::io::Write;
use std::process::ExitCode;

/// Prints every diagnostic, then (for people) a one-line summary.
pub fn diagnostics(diags: &Diagnostics, sources: &Sources, format: Format, what: &str) {
    let mut err = anstream::stderr().lock();
    let _ = match format {
        Format::Json => err.write_all(diagnostic::render_json(diags, sources).as_bytes()),
        Format::Human => {
            let mut text = diagnostic::render_human(diags, sources, true);
            let (errors, warnings) = diags.counts();
            let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
            if errors > 0 {
                let also =
                    if warnings > 0 { format!("; {} emitted", plural(warnings, "warning")) } else { String::new() };
                text.push_str(&format!(
                    "\x1b[1;31merror\x1b[0m\x1b[1m: could not {what} due to {}{also}\x1b[0m\n",
                    plural(errors, "error")
                ));
            } else if warnings > 0 {
                text.push_str(&format!(
                    "\x1b[1;33mwarning\x1b[0m\x1b[1m: {} emitted\x1b[0m\n",
                    plural(warnings, "warning")
                ));
            }
            err.write_all(text.as_bytes())
        }
    };
}

/// Prints a usage or environment error and returns exit code 2.
pub fn usage_error(message: &str) -> ExitCode {
    let message = compose_cfn::escape::terminal(message, true);
    let _ = writeln!(anstream::stderr().lock(), "\x1b[1;31merror\x1b[0m: {message}");
    ExitCode::from(2)
}
