//! Printing diagnostics and usage errors on stderr, in the format the user chose, through the
//! one stderr path of [`super::output`].

use super::Format;
use super::output::stderr;
use compose_cfn::diagnostic::{self, Code, Diagnostics};
use compose_cfn::source::Sources;
use compose_cfn::style::{ERROR, STRONG, WARNING, paint};
use std::process::ExitCode;

/// Prints every diagnostic, then (for people) a one-line summary.
pub fn diagnostics(diags: &Diagnostics, sources: &Sources, format: Format, what: &str) {
    let errors_only;
    let diags = if super::global::settings().quiet {
        errors_only = diags.iter().filter(|d| d.is_error()).cloned().collect::<Diagnostics>();
        &errors_only
    } else {
        diags
    };
    match format {
        Format::Json => stderr(&diagnostic::render_json(diags, sources)),
        Format::Github => stderr(&diagnostic::render_github(diags, sources)),
        Format::Human | Format::Markdown => {
            let mut text = diagnostic::render_human(diags, sources, true);
            let (errors, warnings) = diags.counts();
            let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
            if errors > 0 {
                let also =
                    if warnings > 0 { format!("; {} emitted", plural(warnings, "warning")) } else { String::new() };
                let summary = format!(": could not {what} due to {}{also}", plural(errors, "error"));
                text.push_str(&format!("{}{}\n", paint(ERROR, "error"), paint(STRONG, summary)));
            } else if warnings > 0 {
                let summary = format!(": {} emitted", plural(warnings, "warning"));
                text.push_str(&format!("{}{}\n", paint(WARNING, "warning"), paint(STRONG, summary)));
            }
            stderr(&text)
        }
    }
}

static MESSAGE_FORMAT: std::sync::OnceLock<Format> = std::sync::OnceLock::new();

/// Makes `format` the one [`usage_error`] writes in, so that a script asking for JSON gets
/// JSON for a missing file too; called by a command before it reads anything.
pub fn set_format(format: Format) {
    let _ = MESSAGE_FORMAT.set(format);
}

/// Prints a usage or environment error (code `usage`) in the format set by [`set_format`],
/// and returns exit code 2.
pub fn usage_error(message: &str) -> ExitCode {
    let format = MESSAGE_FORMAT.get().copied().unwrap_or_default();
    if format != Format::Human {
        let mut diags = Diagnostics::new();
        diags.push(compose_cfn::diagnostic::Diagnostic::error(Code::Usage, None, message));
        diagnostics(&diags, &Sources::new(), format, "run");
        return ExitCode::from(2);
    }
    let message = compose_cfn::escape::terminal(message, true);
    stderr(&format!("{}: {message}\n", paint(ERROR, "error")));
    ExitCode::from(2)
}

/// Prints a note under `-v` (which files were read, which `.env`, which profiles); nothing
/// otherwise.
pub fn note(message: &str) {
    if super::global::settings().verbose {
        let message = compose_cfn::escape::terminal(message, true);
        stderr(&format!("{}: {message}\n", paint(STRONG, "note")));
    }
}
