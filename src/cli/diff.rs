//! `compose-cfn diff OLD NEW` (or `diff [-f FILE]... --against SIDE`): what changes on the load
//! balancers and services between two manifests or templates, each read from files or from git
//! (`git:REV:PATH`, `--against git:REV`; no checkout).

use super::compile::{CompileFlags, directory_name, manifest_paths};
use super::output::write_stdout;
use super::{Format, REVIEW_FORMATS, report};
use clap::Args;
use compose_cfn::deploy::stack::bind;
use compose_cfn::diagnostic::Diagnostic;
use compose_cfn::files;
use compose_cfn::load::{self, Environment, Input};
use compose_cfn::review::diff::Place;
use compose_cfn::review::{self, StackView, template};
use compose_cfn::source::Sources;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

/// Arguments of `diff`: two sides (`OLD NEW`), or the files of a manifest (`-f`, else those
/// `compile` would find here) against another side (`--against`) — `--against git:REV` reads
/// the same files at that revision, so an override file is merged on both sides.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old side: a compose file, a template (JSON, YAML, or `aws cloudformation get-template` output), `-` for
    /// standard input, or git:REV:PATH (PATH from the repository's root, or ./PATH from the current directory)
    #[arg(value_name = "OLD", requires = "new", conflicts_with_all = ["files", "against"])]
    old: Option<String>,
    /// The new side, in the same forms
    #[arg(value_name = "NEW")]
    new: Option<String>,
    /// The new side as `compile` reads it: compose files merged in order (may be repeated) [default: the files
    /// `compile` finds here, override included, or COMPOSE_FILE's]
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The old side for -f: git:REV (the same files at that revision, e.g. git:main) or any side OLD takes
    #[arg(long, value_name = "SIDE", required_unless_present = "old")]
    against: Option<String>,
    /// The old side's parameter values (the JSON `aws cloudformation describe-stacks` prints, or
    /// a list of {ParameterKey, ParameterValue}): the old template is compared as its stack has it
    #[arg(long, value_name = "FILE")]
    old_parameters: Option<PathBuf>,
    #[command(flatten)]
    options: CompileFlags,
    /// How the changes are printed
    #[arg(long, default_value = "human", value_parser = Format::accepting(REVIEW_FORMATS))]
    format: Format,
}

/// One side, read but not yet compiled.
struct Side {
    /// How reports name it.
    label: String,
    /// Its files, in merge order.
    inputs: Vec<Input>,
    /// The directory that names the app and holds the `.env`.
    dir: PathBuf,
    /// Whether the `.env` of `dir` applies (not to files read from git: it is the working tree's).
    dotenv: bool,
    /// What finding the files had to say (both compose.yaml and docker-compose.yml, …).
    found: Vec<Diagnostic>,
}

impl DiffArgs {
    /// Prints the changes; exit 0 when there are none, 1 when there are, 2 on error — like `diff`.
    pub fn run(self) -> ExitCode {
        report::set_format(self.format.diagnostics());
        let old_values = match self.old_parameters.as_deref().map(|p| read_parameters(p, self.format)).transpose() {
            Ok(v) => v,
            Err(code) => return code,
        };
        let sides = match (&self.old, &self.new, &self.against) {
            (Some(old), Some(new), _) => read_spec(old).and_then(|o| Ok((o, read_spec(new)?))),
            (_, _, Some(against)) => self.read_files(against),
            _ => Err(report::usage_error("give OLD and NEW, or --against SIDE (with -f FILE…)")),
        };
        let (old, new) = match sides.and_then(|(o, n)| Ok((self.view(o, old_values.as_ref())?, self.view(n, None)?))) {
            Ok(views) => views,
            Err(code) => return code,
        };
        let diff = review::diff(&old.1, &new.1, &old.0, &new.0).locate(&new.2);
        match write_stdout(&self.format.report().diff(&diff)) {
            Err(failed) => failed,
            Ok(()) if diff.is_empty() => ExitCode::SUCCESS,
            Ok(()) => ExitCode::from(1),
        }
    }

    /// The manifest's files as the new side, and `against` as the old one.
    fn read_files(&self, against: &str) -> Result<(Side, Side), ExitCode> {
        let (paths, found) = manifest_paths(self.files.clone())?;
        let inputs = load::read_inputs(&paths).map_err(|e| report::usage_error(&e.to_string()))?;
        let dir = directory_of(&paths[0]);
        let label = paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" + ");
        let new = Side { label, inputs, dir: dir.clone(), dotenv: true, found };
        let old = match against.strip_prefix("git:").filter(|rest| !rest.contains(':')) {
            // The same files at another revision, read from the current directory (`./PATH`).
            Some(rev) => {
                let mut inputs = Vec::new();
                for path in &paths {
                    let relative = path.to_str().filter(|p| !p.starts_with('/') && *p != load::STDIN).ok_or_else(|| {
                        report::usage_error(&format!(
                            "`{}`: --against git:REV reads the same files from git, so give paths relative to the current directory",
                            path.display()
                        ))
                    })?;
                    let spec = format!("git:{rev}:{relative}");
                    let bytes = git_show(rev, &format!("./{relative}"))
                        .map_err(|e| report::usage_error(&format!("`{spec}`: {e}")))?;
                    inputs.push(Input { path: spec, bytes });
                }
                let label = inputs.iter().map(|i| i.path.clone()).collect::<Vec<_>>().join(" + ");
                Side { label, inputs, dir, dotenv: false, found: Vec::new() }
            }
            None => read_spec(against)?,
        };
        Ok((old, new))
    }

    /// Turns one side into a template view: a template is read as it is, compose files are
    /// compiled; `values` are bound as the parameters' defaults. With the view come the places
    /// of its services, for compose files read from the working tree (none for a template, a
    /// file from git or standard input: nothing in the checkout to point at).
    fn view(&self, side: Side, values: Option<&BTreeMap<String, String>>) -> Result<View, ExitCode> {
        if let [only] = side.inputs.as_slice() {
            let Ok(text) = std::str::from_utf8(&only.bytes) else {
                // Refused as a compose file is, at its first bad byte, whatever the file holds:
                // read with replacement characters, a template's damage looked like a change.
                let mut sources = Sources::new();
                let (_, bad) = load::source_text(&mut sources, only.path.clone(), only.bytes.clone());
                let what = format!("read `{}`", side.label);
                report::diagnostics(&bad.into_iter().collect(), &sources, self.format.diagnostics(), &what);
                return Err(ExitCode::from(2));
            };
            if let Some(parsed) = template::parse(text) {
                let label = side.label;
                return parsed
                    .and_then(|t| template::to_view(&bound(t, values)))
                    .map(|v| (label.clone(), v, BTreeMap::new()))
                    .map_err(|e| report::usage_error(&format!("`{label}`: {e}")));
            }
        }
        // A compose file from git is interpolated with the current environment only: its
        // `.env` would be the working tree's, not the revision's.
        let dotenv = if side.dotenv { load::dotenv::read_file(&side.dir) } else { load::dotenv::DotenvFile::Absent };
        let env = Environment::from_pairs(std::env::vars());
        let fallback = if side.label == load::STDIN { String::new() } else { directory_name(&side.dir) };
        let result = self.options.compile(side.inputs, &env, dotenv, fallback, side.found);
        if result.diagnostics.has_errors() {
            report::diagnostics(
                &result.diagnostics,
                &result.sources,
                self.format.diagnostics(),
                &format!("compile `{}`", side.label),
            );
            return Err(ExitCode::from(2));
        }
        let compiled = result.template_value().expect("no error, so a template");
        let view = template::to_view(&bound(compiled, values))
            .map_err(|e| report::usage_error(&format!("`{}`: {e}", side.label)))?;
        let places = report::service_places(&result);
        Ok((side.label, view, places))
    }
}

/// One side as `diff` compares it: its label, its view, and where its services are named.
type View = (String, StackView, BTreeMap<String, Place>);

/// The template with `values` (if any) bound as its parameters' defaults.
fn bound(template: serde_json::Value, values: Option<&BTreeMap<String, String>>) -> serde_json::Value {
    match values {
        None => template,
        Some(values) => bind(&template, values),
    }
}

/// `--old-parameters FILE`: describe-stacks JSON or a bare list, read up to the compose file
/// cap. A JSON error names the line and column but does not show the line: a hand-written
/// list holds parameter values, which may be secrets. Bytes that are not UTF-8 are placed by
/// line and column with a caret under a masked line, as `.env` is shown.
fn read_parameters(path: &Path, format: Format) -> Result<BTreeMap<String, String>, ExitCode> {
    let json = match files::json::read(path, load::MAX_FILE_BYTES) {
        Ok(json) => json,
        Err(files::json::JsonError::NotUtf8 { file, bytes }) => {
            let mut sources = Sources::new();
            if let Err(bad) = load::utf8_text(&mut sources, &file, bytes, true) {
                report::diagnostics(
                    &[*bad].into_iter().collect(),
                    &sources,
                    format.diagnostics(),
                    "read the parameters",
                );
            }
            return Err(ExitCode::from(2));
        }
        Err(e) => return Err(report::usage_error(&e.to_string())),
    };
    compose_cfn::adopt::parameter_list(&json.value)
        .map_err(|e| report::usage_error(&format!("`{}`: {e}", path.display())))
}

/// Reads one side given as OLD or NEW: a file, `-`, or `git:REV:PATH`.
fn read_spec(spec: &str) -> Result<Side, ExitCode> {
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
            (inputs.remove(0).bytes, directory_of(&path), true)
        }
    };
    let inputs = vec![Input { path: spec.to_string(), bytes }];
    Ok(Side { label: spec.to_string(), inputs, dir, dotenv, found: Vec::new() })
}

/// The directory a file is in (`.` for a bare file name).
fn directory_of(path: &Path) -> PathBuf {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf()
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
