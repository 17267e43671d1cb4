//! Load: compose files → one spanned, interpolated, merged [`Project`].
//!
//! Reading files from disk ([`read_inputs`]) is kept apart from turning their bytes into a
//! project ([`load_project`]), which does no I/O and so can be tested and fuzzed directly.

pub mod compose;
pub mod container;
pub mod container_env;
mod container_lists;
pub mod dotenv;
mod env_file;
pub mod extends;
mod healthcheck;
pub mod interpolate;
mod limits;
pub mod node;
pub mod ports;
mod rebase;
pub mod secrets;
pub mod shell_words;

pub use compose::{Label, Project, Scalar, Service};
pub use container::ContainerKeys;
pub use container_env::{EnvOverride, EnvVar};
pub use ports::{PortMapping, Transport};

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::source::{SourceId, Sources, Span};
use node::{Node, ParseLimits, Value};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// Files larger than this are refused before parsing (no real compose file comes close).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The file names Compose looks for when none is given, in its order of preference.
pub const DEFAULT_FILES: &[&str] = &["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];

/// One compose file's bytes and the path to show for it.
#[derive(Clone, Debug)]
pub struct Input {
    /// The path as the user gave it.
    pub path: String,
    /// The raw bytes.
    pub bytes: Vec<u8>,
}

/// The variables interpolation sees.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    vars: BTreeMap<String, String>,
}

impl Environment {
    /// An environment from explicit pairs.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        Environment { vars: pairs.into_iter().collect() }
    }

    /// A variable's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// This environment over a `.env` file's variables: this one wins, as the process
    /// environment wins over `.env` in Compose.
    pub fn over(&self, dotenv: Vec<(String, String)>) -> Self {
        let mut vars: BTreeMap<String, String> = dotenv.into_iter().collect();
        vars.extend(self.vars.iter().map(|(k, v)| (k.clone(), v.clone())));
        Environment { vars }
    }
}

/// The environment interpolation sees: `env` over the `.env` file, which becomes a source
/// (masked: diagnostics show its lines and columns, never its text) so its problems are placed.
pub fn with_dotenv(
    sources: &mut Sources,
    file: &dotenv::DotenvFile,
    env: &Environment,
    diagnostics: &mut Diagnostics,
) -> Environment {
    let (path, bytes) = match file {
        dotenv::DotenvFile::Absent => return env.clone(),
        dotenv::DotenvFile::Refused { path, reason } => {
            diagnostics.push(
                Diagnostic::error(Code::Dotenv, None, format!("`{path}` {reason}"))
                    .with_help("make `.env` a regular file in the project directory, or remove it and set the variables in the environment"),
            );
            return env.clone();
        }
        dotenv::DotenvFile::Read { path, bytes } => (path, bytes),
    };
    let mut found = Vec::new();
    let Some((text, id)) = dotenv_source(sources, path, bytes, &mut found) else {
        diagnostics.extend(found);
        return env.clone();
    };
    let lookup = |name: &str| env.get(name).map(str::to_owned);
    let (vars, problems) = dotenv::parse(&text, path, id, &lookup);
    diagnostics.extend(problems);
    env.over(vars)
}

/// A dotenv-syntax file (`.env`, an `env_file:`) as a source whose text is masked:
/// diagnostics show its lines and columns, never its text. `None` (with an error) when it is
/// not UTF-8.
pub fn dotenv_source(
    sources: &mut Sources,
    path: &str,
    bytes: &[u8],
    diags: &mut Vec<Diagnostic>,
) -> Option<(String, SourceId)> {
    match utf8_text(sources, path, bytes.to_vec(), true) {
        Ok(text) => {
            let id = sources.add(path.to_string(), dotenv::masked(&text));
            Some((text, id))
        }
        Err(bad) => {
            diags.push(*bad);
            None
        }
    }
}

/// `bytes` read from `path` as text, or the `invalid-utf8` error at the first bad byte. The
/// file is then added to `sources` as its lossy text so that the error shows its line, column
/// and a caret (as a YAML file's errors do); `masked` shows it as `.env` is shown, never its
/// text, for files whose values may be secrets. Every file read as text goes through here.
pub fn utf8_text(sources: &mut Sources, path: &str, bytes: Vec<u8>, masked: bool) -> Result<String, Box<Diagnostic>> {
    let e = match String::from_utf8(bytes) {
        Ok(text) => return Ok(text),
        Err(e) => e,
    };
    let at = e.utf8_error().valid_up_to();
    // The lossy text keeps everything before the bad byte, and masking keeps each
    // character's length, so `at` still points at it.
    let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
    let id = sources.add(path.to_string(), if masked { dotenv::masked(&lossy) } else { lossy });
    Err(Box::new(invalid_utf8(id, at, path)))
}

/// The `invalid-utf8` error at byte `at` of the source `id`, read from `path`.
pub fn invalid_utf8(id: SourceId, at: usize, path: &str) -> Diagnostic {
    Diagnostic::error(Code::InvalidUtf8, Span::new(id, at, 1), format!("`{path}` is not valid UTF-8"))
        .with_label("not UTF-8")
        .with_help(format!("save `{path}` as UTF-8"))
}

/// The files found by [`discover`].
#[derive(Debug)]
pub struct Discovered {
    /// The files to read, in order: the default file, then its override if there is one.
    pub files: Vec<PathBuf>,
    /// A warning when another default file is there and is not read (`compose.yaml` beside
    /// `docker-compose.yml`), as Compose warns.
    pub found: Vec<Diagnostic>,
}

/// Finds the files to read when none were named: the first default file in `dir`, plus
/// `docker-compose.override.yml` (or `.yaml`) beside it, as Compose does.
pub fn discover(dir: &Path) -> Option<Discovered> {
    let mut present = DEFAULT_FILES.iter().filter(|f| dir.join(f).is_file());
    let first = present.next()?;
    let main = dir.join(first);
    let found = present
        .find(|f| f.starts_with("docker-compose") != first.starts_with("docker-compose"))
        .map(|other| {
            Diagnostic::warning(
                Code::TwoComposeFiles,
                None,
                format!("found both `{first}` and `{other}`; only `{first}` is read"),
            )
            .with_help(format!("remove `{other}` if it is stale, or pass `-f {other}` to compile it instead"))
        })
        .into_iter()
        .collect();
    let mut files = vec![main];
    if let Some(o) =
        ["docker-compose.override.yml", "docker-compose.override.yaml", "compose.override.yml", "compose.override.yaml"]
            .iter()
            .map(|f| dir.join(f))
            .find(|p| p.is_file())
    {
        files.push(o);
    }
    Some(Discovered { files, found })
}

/// Why a compose file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file system refused.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// The path as given.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_FILE_BYTES`].
    #[error("`{path}` is {len} bytes; compose files over {MAX_FILE_BYTES} bytes are refused")]
    TooLarge {
        /// The path as given.
        path: String,
        /// Its size.
        len: u64,
    },
}

/// The path that means standard input, as in Compose's `-f -`.
pub const STDIN: &str = crate::files::STDIN;

/// How diagnostics name standard input.
pub const STDIN_SHOWN: &str = "<stdin>";

/// How diagnostics name the file at `path`: as given, or [`STDIN_SHOWN`] for [`STDIN`].
pub fn shown_path(path: &Path) -> String {
    if path.as_os_str() == STDIN { STDIN_SHOWN.to_string() } else { path.display().to_string() }
}

/// Reads the given files, refusing any larger than [`MAX_FILE_BYTES`] before reading it; `-`
/// reads standard input (once: a second `-` would read nothing).
pub fn read_inputs(paths: &[PathBuf]) -> Result<Vec<Input>, ReadError> {
    if paths.iter().filter(|p| p.as_os_str() == STDIN).count() > 1 {
        let source = std::io::Error::new(std::io::ErrorKind::InvalidInput, "`-` is given twice");
        return Err(ReadError::Io { path: STDIN_SHOWN.into(), source });
    }
    paths
        .iter()
        .map(|path| {
            let shown = shown_path(path);
            // Refused by its size before reading, or one byte past the limit for a file that
            // has no size (a device, a pipe) or grew meanwhile.
            let bytes = crate::files::read_path_capped(path, MAX_FILE_BYTES).map_err(|e| match e {
                crate::files::ReadError::Io(source) => ReadError::Io { path: shown.clone(), source },
                crate::files::ReadError::TooLarge { len, .. } => ReadError::TooLarge { path: shown.clone(), len },
            })?;
            Ok(Input { path: shown, bytes })
        })
        .collect()
}

/// Parses, interpolates and merges the inputs, in order, into one project.
///
/// Returns the project (possibly partial) and every diagnostic found along the way; the
/// project must not be used for output when the diagnostics hold an error.
pub fn load_project(sources: &mut Sources, inputs: Vec<Input>, env: &Environment) -> (Project, Diagnostics) {
    load_project_in(sources, inputs, env, None)
}

/// [`load_project`] for a project in `dir`, where a service's `env_file:` is read (its keys
/// only); without a directory an `env_file:` is an error.
pub fn load_project_in(
    sources: &mut Sources,
    inputs: Vec<Input>,
    env: &Environment,
    dir: Option<&Path>,
) -> (Project, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    let mut project: Option<Project> = None;
    for input in inputs {
        let mut diags = Vec::new();
        let file = dir.and_then(|d| inside(d, Path::new(&input.path)));
        // Each document of a file is merged over the ones before, as Compose merges files.
        for root in parse_documents(sources, input, &mut diags) {
            let root = interpolate_tree(root, env, &mut diags);
            let mut file_project = compose::read_project(root, &mut diags);
            let mut reader =
                extends::Reader { sources, env, dir, file: file.clone(), budget: extends::MAX_EXTENDS_BYTES };
            extends::resolve(&mut file_project.services, &mut reader, &mut diags);
            match &mut project {
                None => project = Some(file_project),
                Some(p) => compose::merge_projects(p, file_project),
            }
        }
        diagnostics.extend(diags);
    }
    let mut project = project.unwrap_or_default();
    // Merging is over: what `!reset` removed goes now (a reset service, a reset key).
    project.services.retain(|s| !s.node.is_reset());
    let mut diags = Vec::new();
    let mut numbers_seen = HashSet::new();
    for service in &mut project.services {
        service.node.strip_resets();
        // Read once, from the merged mapping: later files may change any key.
        service.container = container::read(&service.node, &mut diags);
        container_env::warn_rewritten_numbers(&service.node, sources, &mut numbers_seen, &mut diags);
        env_file::add_keys(service, dir, sources, &mut diags);
    }
    diagnostics.extend(diags);
    (project, diagnostics)
}

/// `path` relative to `dir`, when it is inside it (both resolved on disk).
fn inside(dir: &Path, path: &Path) -> Option<PathBuf> {
    let dir = std::fs::canonicalize(dir).ok()?;
    let path = std::fs::canonicalize(path).ok()?;
    path.strip_prefix(dir).ok().map(Path::to_path_buf)
}

/// Adds the file `path` with its `bytes` to `sources`, as text, and returns its id. Bytes
/// that are not UTF-8 come with an `invalid-utf8` error at the first bad byte (so shown at its
/// line and column); the file is then added as its lossy text so that the error can point
/// into it. Every file the user gives (a compose file, a template for `diff`) is refused
/// alike rather than read with replacement characters.
pub fn source_text(sources: &mut Sources, path: String, bytes: Vec<u8>) -> (SourceId, Option<Diagnostic>) {
    match utf8_text(sources, &path, bytes, false) {
        Ok(text) => (sources.add(path, text), None),
        // The error is placed in the source `utf8_text` added.
        Err(bad) => (bad.span.map_or_else(|| sources.add(path, String::new()), |s| s.source), Some(*bad)),
    }
}

/// The documents of a compose file (none when it cannot be read, with the reasons in `diags`).
fn parse_documents(sources: &mut Sources, input: Input, diags: &mut Vec<Diagnostic>) -> Vec<Node> {
    let Some(id) = text_source(sources, input, diags) else { return Vec::new() };
    node::parse_documents(sources.get(id), id, ParseLimits::default()).unwrap_or_else(|problems| {
        diags.extend(problems);
        Vec::new()
    })
}

/// A file read as one document (an `extends:` file).
fn parse_input(sources: &mut Sources, input: Input, diags: &mut Vec<Diagnostic>) -> Option<Node> {
    let id = text_source(sources, input, diags)?;
    node::parse(sources.get(id), id, ParseLimits::default()).map_err(|problems| diags.extend(problems)).ok()
}

/// The input added to `sources` as text; `None` (with the error) when it is not UTF-8.
fn text_source(sources: &mut Sources, input: Input, diags: &mut Vec<Diagnostic>) -> Option<SourceId> {
    let (id, bad) = source_text(sources, input.path, input.bytes);
    match bad {
        Some(bad) => {
            diags.push(bad);
            None
        }
        None => Some(id),
    }
}

/// Parses every string holding `$` (keys are left as written): each keeps its text as written
/// and gains its segments, with the variables' values looked up once. Nothing is substituted
/// here; readers ask for structural values or segments.
fn interpolate_tree(mut node: Node, env: &Environment, diags: &mut Vec<Diagnostic>) -> Node {
    interpolate_node(&mut node, env, diags);
    node
}

fn interpolate_node(node: &mut Node, env: &Environment, diags: &mut Vec<Diagnostic>) {
    match &mut node.value {
        Value::Str(t) if t.text.contains('$') => {
            let lookup = |name: &str| env.get(name).map(str::to_owned);
            match interpolate::parse(&t.text, &lookup) {
                Ok(segments) => t.segments = Some(segments),
                Err(e) => {
                    diags.push(node::interpolation_error(e, node.span));
                    node.value = Value::Invalid;
                }
            }
        }
        Value::Seq(items) => items.iter_mut().for_each(|i| interpolate_node(i, env, diags)),
        Value::Map(entries) => entries.iter_mut().for_each(|(_, v)| interpolate_node(v, env, diags)),
        _ => {}
    }
}
