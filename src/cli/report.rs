//! Printing diagnostics and usage errors on stderr, in the format the user chose, through the
//! one stderr path of [`super::output`].

use super::Format;
use super::output::stderr;
use compose_cfn::Compilation;
use compose_cfn::diagnostic::{self, Code, Diagnostics};
use compose_cfn::load;
use compose_cfn::review::diff::Place;
use compose_cfn::source::Sources;
use compose_cfn::style::{ERROR, STRONG, WARNING, paint};
use std::collections::BTreeMap;
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
        Format::Github => stderr(&diagnostic::render_github_in(diags, sources, &github_path)),
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

/// A command line clap refused (an unknown option, a missing argument, a bad value), in the
/// format the command line asked for: a script that passed `--format json` gets JSON for
/// "no such option" too. Help and version requests, and every error without a machine
/// format, are clap's own text (see [`clap_text`]).
pub fn parse_error(e: clap::Error, args: &[String]) -> ExitCode {
    use clap::error::ErrorKind;
    let format = asked_format(args);
    let quiet_kinds =
        [ErrorKind::DisplayHelp, ErrorKind::DisplayVersion, ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand];
    let Some(format) = format.filter(|_| !quiet_kinds.contains(&e.kind())) else { return clap_text(&e, args) };
    let text = e.render().to_string();
    // clap's first paragraph is the message; the rest (usage, "for more information") is
    // what `--help` says better.
    let first = text.split("\n\n").next().unwrap_or_default();
    let first = first.trim();
    let message = first.strip_prefix("error: ").unwrap_or(first).split_whitespace().collect::<Vec<_>>().join(" ");
    let path = command_path(args);
    if format == Format::Json && matches!(path.as_slice(), ["certs", "inspect" | "self-signed"]) {
        return super::certs::usage_error(&message);
    }
    set_format(format);
    usage_error(&message)
}

/// Prints what clap made of `e` (help, version, or an error with its usage) on the stream clap
/// would, and returns clap's exit code: 0 for help and version, 2 otherwise. Written through
/// [`super::output`] rather than by clap's `exit`, which ignores a failed write: `--help`
/// into a full disk or a closed pipe then says so and exits 2, as every command does.
/// Coloured as clap colours it: on a terminal, unless `NO_COLOR` (or `--color`) says otherwise.
fn clap_text(e: &clap::Error, args: &[String]) -> ExitCode {
    // The options were never installed (parsing stopped), so `--color` is read here.
    let choice = match option_value(args, "--color") {
        Some("always") => Some(anstream::ColorChoice::Always),
        Some("never") => Some(anstream::ColorChoice::Never),
        _ => None,
    };
    if let Some(choice) = choice {
        choice.write_global();
    }
    let text = e.render().ansi().to_string();
    let code = ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
    if e.use_stderr() {
        stderr(&text);
        return code;
    }
    super::output::write_stdout(&text).map_or_else(|failed| failed, |()| code)
}

/// The value of `option` on a command line (`--option VALUE` or `--option=VALUE`).
fn option_value<'a>(args: &'a [String], option: &str) -> Option<&'a str> {
    args.iter().enumerate().find_map(|(i, a)| match a.strip_prefix(option) {
        Some("") => args.get(i + 1).map(String::as_str),
        Some(rest) => rest.strip_prefix('='),
        None => None,
    })
}

/// The `--format` value of a command line, when it names a machine format.
fn asked_format(args: &[String]) -> Option<Format> {
    let value = option_value(args, "--format")?;
    match value {
        "json" => Some(Format::Json),
        "github" => Some(Format::Github),
        _ => None,
    }
}

/// The subcommand words of a command line (`["certs", "inspect"]`): its first arguments that
/// are not options, skipping the values of the global options that take one.
fn command_path(args: &[String]) -> Vec<&str> {
    let mut path = Vec::new();
    let mut words = args.iter().skip(1);
    while let Some(word) = words.next() {
        match word.as_str() {
            "--color" | "-D" | "--deny" | "-A" | "--allow" => {
                words.next();
            }
            w if w.starts_with('-') => {}
            w if path.len() < 2 => path.push(w),
            _ => break,
        }
    }
    path
}

/// Where each service of a compilation is named, for annotations: the line and column of its
/// key in the compose file (the first that names it, when files are merged), the file as
/// [`github_path`] names it. Files from git and standard input are not in the checkout, so
/// their services get no place.
pub fn service_places(compilation: &Compilation) -> BTreeMap<String, Place> {
    let workloads = compilation.plan.iter().flat_map(|plan| &plan.services);
    workloads
        .filter_map(|w| {
            let span = w.name_span?;
            let source = compilation.sources.get(span.source);
            if source.path.starts_with("git:") || [load::STDIN, load::STDIN_SHOWN].contains(&source.path.as_str()) {
                return None;
            }
            let at = source.line_col(span.start);
            Some((w.service.clone(), Place { file: github_path(&source.path), line: at.line, column: at.column }))
        })
        .collect()
}

/// A file as a GitHub annotation must name it: by its path in the repository checkout
/// (`GITHUB_WORKSPACE`), which differs from the path given when the job runs in a
/// subdirectory (`working-directory: deploy` names `deploy/docker-compose.yml` as
/// `docker-compose.yml`) or names the file by an absolute path. As given outside a workflow,
/// and for a file outside the checkout, from git or standard input.
pub fn github_path(file: &str) -> String {
    static CHECKOUT: std::sync::OnceLock<Option<(std::path::PathBuf, std::path::PathBuf)>> = std::sync::OnceLock::new();
    let checkout = CHECKOUT.get_or_init(|| {
        let workspace = std::fs::canonicalize(std::env::var_os("GITHUB_WORKSPACE")?).ok()?;
        let cwd = std::fs::canonicalize(std::env::current_dir().ok()?).ok()?;
        Some((cwd, workspace))
    });
    let Some((cwd, workspace)) = checkout else { return file.to_string() };
    if file.starts_with("git:") || [load::STDIN, load::STDIN_SHOWN].contains(&file) {
        return file.to_string();
    }
    // `join` keeps an absolute path as it is; links are resolved as the workspace's were.
    let full = cwd.join(file);
    let full = std::fs::canonicalize(&full).unwrap_or(full);
    match full.strip_prefix(workspace) {
        Ok(inside) => inside.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"),
        Err(_) => file.to_string(),
    }
}
