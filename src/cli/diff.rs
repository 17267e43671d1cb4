//! `compose-cfn diff OLD NEW`: what changes on the load balancers between two manifests or
//! templates, each read from a file or from git (`git:REV:PATH`, no checkout).

use super::compile::{CompileFlags, directory_name};
use super::output::write_stdout;
use super::plan::ReviewFormat;
use super::report;
use clap::Args;
use compose_cfn::deploy::stack::bind;
use compose_cfn::files;
use compose_cfn::load::{self, Environment, Input};
use compose_cfn::review::{self, StackView, view};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

/// Arguments of `diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old side: a compose file, a compiled template (JSON), `-` for standard input, or git:REV:PATH (PATH from the
    /// repository's root, or ./PATH from the current directory)
    #[arg(value_name = "OLD")]
    old: String,
    /// The new side, in the same forms
    #[arg(value_name = "NEW")]
    new: String,
    /// The old side's parameter values (the JSON `aws cloudformation describe-stacks` prints, or
    /// a list of {ParameterKey, ParameterValue}): the old template is compared as its stack has it
    #[arg(long, value_name = "FILE")]
    old_parameters: Option<PathBuf>,
    #[command(flatten)]
    options: CompileFlags,
    /// How the changes are printed
    #[arg(long, value_enum, default_value_t = ReviewFormat::Human)]
    format: ReviewFormat,
}

impl DiffArgs {
    /// Prints the changes; exit 0 when there are none, 1 when there are, 2 on error — like `diff`.
    pub fn run(self) -> ExitCode {
        report::set_format(self.format.diagnostics());
        let old_values = match self.old_parameters.as_deref().map(read_parameters).transpose() {
            Ok(v) => v,
            Err(message) => return report::usage_error(&message),
        };
        let old = match self.side(&self.old, old_values.as_ref()) {
            Ok(v) => v,
            Err(code) => return code,
        };
        let new = match self.side(&self.new, None) {
            Ok(v) => v,
            Err(code) => return code,
        };
        let diff = review::diff(&old, &new, &self.old, &self.new);
        match write_stdout(&self.format.report().diff(&diff)) {
            Err(failed) => failed,
            Ok(()) if diff.is_empty() => ExitCode::SUCCESS,
            Ok(()) => ExitCode::from(1),
        }
    }

    /// Reads one side and turns it into a template view; compose files are compiled; `values`
    /// are bound as the parameters' defaults.
    fn side(&self, spec: &str, values: Option<&BTreeMap<String, String>>) -> Result<StackView, ExitCode> {
        let (bytes, dir, dotenv) = match spec.strip_prefix("git:") {
            Some(rest) => {
                let (rev, path) = rest.split_once(':').ok_or_else(|| {
                    report::usage_error(&format!("`{spec}`: expected git:REV:PATH, e.g. git:main:docker-compose.yml"))
                })?;
                let bytes = git_show(rev, path).map_err(|e| report::usage_error(&format!("`{spec}`: {e}")))?;
                (bytes, git_directory(path), false)
            }
            None => {
                let path = PathBuf::from(spec);
                let mut inputs =
                    load::read_inputs(std::slice::from_ref(&path)).map_err(|e| report::usage_error(&e.to_string()))?;
                let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
                (inputs.remove(0).bytes, dir, true)
            }
        };
        let text = String::from_utf8_lossy(&bytes);
        if view::is_template(&text) {
            return bound_view(&text, values).map_err(|e| report::usage_error(&format!("`{spec}`: {e}")));
        }
        // A compose file from git is interpolated with the current environment only: its
        // `.env` would be the working tree's, not the revision's.
        let dotenv = if dotenv { load::dotenv::read_file(&dir) } else { load::dotenv::DotenvFile::Absent };
        let env = Environment::from_pairs(std::env::vars());
        let inputs = vec![Input { path: spec.to_string(), bytes }];
        let fallback = if spec == load::STDIN { String::new() } else { directory_name(&dir) };
        let result = self.options.compile(inputs, &env, dotenv, fallback, Vec::new());
        if result.diagnostics.has_errors() {
            report::diagnostics(
                &result.diagnostics,
                &result.sources,
                self.format.diagnostics(),
                &format!("compile `{spec}`"),
            );
            return Err(ExitCode::from(2));
        }
        match values {
            None => Ok(review::view_of(&result).expect("no error, so a template")),
            Some(_) => bound_view(result.template.as_deref().expect("no error, so a template"), values)
                .map_err(|e| report::usage_error(&format!("`{spec}`: {e}"))),
        }
    }
}

/// The template's view with `values` (if any) bound as its parameters' defaults.
fn bound_view(text: &str, values: Option<&BTreeMap<String, String>>) -> Result<StackView, view::ViewError> {
    match values {
        None => StackView::parse(text),
        Some(values) => StackView::from_value(&bind(&serde_json::from_str(text)?, values)),
    }
}

/// `--old-parameters FILE`: describe-stacks JSON or a bare list, read up to the compose file
/// cap; a JSON error names the line and column.
fn read_parameters(path: &Path) -> Result<BTreeMap<String, String>, String> {
    let name = path.display();
    let bytes =
        files::read_file_capped(path, load::MAX_FILE_BYTES).map_err(|e| format!("cannot read `{name}`: {e}"))?;
    let json: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("{name}:{}:{}: not JSON: {e}", e.line(), e.column()))?;
    compose_cfn::adopt::parameter_list(&json).map_err(|e| format!("`{name}`: {e}"))
}

/// `git show REV:PATH --`: the file as committed, without touching the working tree, read up
/// to the compose file cap. A revision starting with `-` is refused (git would take it as an
/// option: `git:--output=FILE:x` made git write a file), and `--` ends the revisions.
fn git_show(rev: &str, path: &str) -> Result<Vec<u8>, String> {
    if rev.starts_with('-') {
        return Err(format!("the revision `{rev}` starts with `-`; give a branch, tag or commit"));
    }
    let mut child = Command::new("git")
        .args(["show", &format!("{rev}:{path}"), "--"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    // Read on its own thread so that neither pipe can fill up and stall git; only the first
    // 64 KiB of its messages are kept.
    let mut stderr = child.stderr.take().expect("piped");
    let messages = std::thread::spawn(move || {
        let mut kept = Vec::new();
        let _ = (&mut stderr).take(64 * 1024).read_to_end(&mut kept);
        let _ = std::io::copy(&mut stderr, &mut std::io::sink());
        kept
    });
    let blob = files::read_capped(child.stdout.take().expect("piped"), load::MAX_FILE_BYTES);
    if blob.is_err() {
        // Past the cap (or unreadable): stop git rather than read the rest.
        let _ = child.kill();
    }
    let status = child.wait().map_err(|e| format!("cannot run git: {e}"))?;
    let messages = messages.join().unwrap_or_default();
    match blob {
        Err(files::ReadError::TooLarge { cap, .. }) => {
            Err(format!("the file is larger than {cap} bytes; compose files over {cap} bytes are refused"))
        }
        Err(files::ReadError::Io(e)) => Err(format!("cannot read git's output: {e}")),
        Ok(_) if !status.success() => Err(format!("git show failed: {}", String::from_utf8_lossy(&messages).trim())),
        Ok(blob) => Ok(blob),
    }
}

/// The working-tree directory a repository path lives in, so that a file read from git gets
/// the same default app name as the same file checked out.
fn git_directory(path: &str) -> PathBuf {
    let relative = Path::new(path).parent().filter(|p| !p.as_os_str().is_empty());
    if path.starts_with("./") || path.starts_with("../") {
        return relative.map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    }
    let top = Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .unwrap_or_else(|| PathBuf::from("."));
    relative.map_or(top.clone(), |r| top.join(r))
}
