//! `extends:` — a service built on another, of the same file or (`extends: {file, service}`)
//! of another file, merged as Compose merges it: by the same rules as several `-f` files
//! (mappings by key, `ports` appended without duplicates, labels and environment by key,
//! anything else replaced by the extending service's value), a chain of `extends` followed
//! to its end, across files. Another file is read as `env_file:` is — confined to the project
//! directory, capped — and parsed by the same spanned loader, so its problems point into it;
//! its relative paths are rebased onto the project directory. A cycle, a missing file or
//! service, too many files or a malformed `extends` is a located error.
//!
//! One file past 400 lines (with its tests): following a chain and reading the files it reaches
//! are one walk.

use super::compose::{Service, merge_service};
use super::node::{Node, Value};
use super::{Environment, Input, dotenv};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{Sources, Span};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Other files one compose file's `extends` may read, in all: a chain of files is data, but
/// one that needs more than this is a mistake (or a generated attack), not a project.
pub const MAX_EXTENDS_FILES: usize = 64;

/// The bytes of the other files one compose file's `extends` may read, in all: a file that
/// would take more is refused before it is read.
pub const MAX_EXTENDS_BYTES: u64 = super::MAX_FILE_BYTES;

/// What `extends` needs besides the file's own services: where other files are and how
/// their strings are interpolated.
pub(super) struct Reader<'a> {
    /// The sources diagnostics point into; each file read is added.
    pub sources: &'a mut Sources,
    /// The variables the other files' `${…}` see.
    pub env: &'a Environment,
    /// The project directory; `None` (standard input) reads no other file.
    pub dir: Option<&'a Path>,
    /// The file being loaded, relative to `dir` when it is inside: an `extends` naming it
    /// names its own services, and its directory is where its `extends.file` is found.
    pub file: Option<PathBuf>,
    /// What is left of [`MAX_EXTENDS_BYTES`].
    pub budget: u64,
}

/// How far a service's `extends` has been followed.
#[derive(Clone, Copy, PartialEq)]
enum State {
    Todo,
    /// On the chain being followed now: meeting it again is a cycle.
    OnPath,
    Done,
}

/// One file's services: the file being loaded (index 0) or one read through `extends`.
struct File {
    /// Its path relative to the project directory, as diagnostics show it (empty for the
    /// file being loaded, whose services are named bare).
    shown: String,
    /// Its directory relative to the project directory: where its `extends.file` is found.
    dir: PathBuf,
    services: Vec<Service>,
    index: HashMap<String, usize>,
    state: Vec<State>,
    /// It could not be parsed (already reported): a service missing from it is no news.
    broken: bool,
}

impl File {
    fn new(shown: String, dir: PathBuf, services: Vec<Service>) -> Self {
        let index = services.iter().enumerate().map(|(i, s)| (s.name.value.clone(), i)).collect();
        let state = vec![State::Todo; services.len()];
        File { shown, dir, services, index, state, broken: false }
    }
}

/// A service: its file and its place there.
type At = (usize, usize);

/// What a service's `extends` names.
struct Base {
    file: Option<(String, Span)>,
    service: String,
    span: Span,
}

/// Replaces each service that `extends` another by the merge of that one (itself resolved
/// first) and its own keys, and removes the `extends` keys. Linear in the services reached:
/// each is followed once, without recursion, so a chain of thousands cannot overflow, and
/// each other file is read once.
pub(super) fn resolve(services: &mut Vec<Service>, reader: &mut Reader, diags: &mut Vec<Diagnostic>) {
    // Most files extend nothing: one look at each service's keys spares indexing every name
    // and walking the services twice more (a large app's services no longer fit in the cache).
    if !services.iter().any(|s| s.node.get("extends").is_some()) {
        return;
    }
    let top = reader.file.clone();
    let top_dir = top.as_deref().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default();
    let mut files = vec![File::new(String::new(), top_dir, std::mem::take(services))];
    let mut paths: HashMap<PathBuf, usize> = top.into_iter().map(|p| (p, 0)).collect();
    for start in 0..files[0].services.len() {
        let mut path: Vec<(At, At)> = Vec::new();
        let mut at: At = (0, start);
        while files[at.0].state[at.1] == State::Todo {
            let Some(base) = base_of(&files[at.0].services[at.1], diags) else { break };
            let Some(file) = target_file(&mut files, &mut paths, at.0, &base, reader, diags) else { break };
            match files[file].index.get(&base.service).copied() {
                Some(next) if files[file].state[next] == State::OnPath || (file, next) == at => {
                    cycle(&files, &path, at, (file, next), base.span, diags);
                    break;
                }
                Some(next) => {
                    files[at.0].state[at.1] = State::OnPath;
                    path.push((at, (file, next)));
                    at = (file, next);
                }
                None => {
                    if !files[file].broken {
                        diags.push(missing_service(&files[file], &base));
                    }
                    break;
                }
            }
        }
        files[at.0].state[at.1] = State::Done;
        // From the end of the chain back: each base is complete before it is extended.
        for &(service, base) in path.iter().rev() {
            if files[service.0].state[service.1] != State::OnPath {
                continue;
            }
            let mut merged = files[base.0].services[base.1].clone();
            let own = std::mem::replace(&mut files[service.0].services[service.1], merged.clone());
            let name = own.name.clone();
            merge_service(&mut merged, own);
            merged.name = name;
            files[service.0].services[service.1] = merged;
            files[service.0].state[service.1] = State::Done;
        }
    }
    *services = files.swap_remove(0).services;
    for service in services.iter_mut() {
        if let Value::Map(entries) = &mut service.node.value {
            entries.retain(|(k, _)| k.name != "extends");
        }
    }
}

/// The file `base` is in: the file of `from`, or another one, read (once) if it is not yet.
fn target_file(
    files: &mut Vec<File>,
    paths: &mut HashMap<PathBuf, usize>,
    from: usize,
    base: &Base,
    reader: &mut Reader,
    diags: &mut Vec<Diagnostic>,
) -> Option<usize> {
    let Some((written, span)) = &base.file else { return Some(from) };
    let error = |message: String, label: &str, help: &str| {
        Diagnostic::error(Code::Extends, *span, message).with_label(label.to_string()).with_help(help.to_string())
    };
    let Some(dir) = reader.dir else {
        diags.push(error(
            format!("`{written}` is not read: the project has no directory"),
            "not read",
            "compile a compose file on disk (not standard input), so that `extends.file` is found beside it",
        ));
        return None;
    };
    let relative = PathBuf::from(super::rebase::joined(&files[from].dir, written, false));
    if relative.is_absolute() || relative.starts_with("..") {
        diags.push(error(
            format!("`{written}` is outside the project directory, so it is not read"),
            "outside the project",
            "move the file into the project directory (beside the compose file or below it)",
        ));
        return None;
    }
    if let Some(&known) = paths.get(&relative) {
        return Some(known);
    }
    if files.len() > MAX_EXTENDS_FILES {
        diags.push(error(
            format!("`extends` reads more than {MAX_EXTENDS_FILES} other files"),
            "one file too many",
            "extend services of fewer files: merge the shared services into one file",
        ));
        return None;
    }
    let shown = relative.to_string_lossy().into_owned();
    let bytes = match dotenv::read_confined(dir, &shown, reader.budget, "`extends`") {
        dotenv::DotenvFile::Read { bytes, .. } => {
            reader.budget -= bytes.len() as u64;
            bytes
        }
        dotenv::DotenvFile::Absent => {
            diags.push(error(
                format!("`extends` names `{written}`, which does not exist"),
                "no such file",
                &format!("create `{shown}` (relative to the directory of the file that names it), or correct the path"),
            ));
            return None;
        }
        dotenv::DotenvFile::Refused { reason, .. } => {
            diags.push(error(
                format!("`{written}` {reason}"),
                "not read",
                "make it a regular compose file inside the project directory",
            ));
            return None;
        }
    };
    let services = read_other(reader, Input { path: shown.clone(), bytes }, relative.parent(), diags);
    let dir = relative.parent().map(Path::to_path_buf).unwrap_or_default();
    let broken = services.is_none();
    files.push(File { broken, ..File::new(shown, dir, services.unwrap_or_default()) });
    paths.insert(relative, files.len() - 1);
    Some(files.len() - 1)
}

/// The services of a file read through `extends`, its relative paths rebased onto the
/// project directory before its strings are interpolated, its `extends` left to follow.
/// `None` when it cannot be parsed.
fn read_other(
    reader: &mut Reader,
    input: Input,
    dir: Option<&Path>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<Service>> {
    let mut root = super::parse_input(reader.sources, input, diags)?;
    if let Some(dir) = dir {
        let services = match &mut root.value {
            Value::Map(entries) => entries.iter_mut().find(|(k, _)| k.name == "services").map(|(_, v)| v),
            _ => None,
        };
        if let Some(Node { value: Value::Map(services), .. }) = services {
            services.iter_mut().for_each(|(_, service)| super::rebase::service_paths(service, dir));
        }
    }
    let root = super::interpolate_tree(root, reader.env, diags);
    Some(super::compose::read_project(root, diags).services)
}

fn missing_service(file: &File, base: &Base) -> Diagnostic {
    let Some((written, _)) = &base.file else {
        return Diagnostic::error(
            Code::Extends,
            base.span,
            format!("`extends` names `{}`, which is not a service of this file", base.service),
        )
        .with_label("no such service")
        .with_help("name a service defined in this file, or add `file:` to name another file's");
    };
    const SHOWN: usize = 20;
    let mut names: Vec<String> = file.services.iter().take(SHOWN).map(|s| format!("`{}`", s.name.value)).collect();
    if file.services.len() > SHOWN {
        names.push(format!("and {} more", file.services.len() - SHOWN));
    }
    let help = match names.is_empty() {
        true => format!("`{written}` has no services"),
        false => format!("`{written}` has {}", names.join(", ")),
    };
    Diagnostic::error(
        Code::Extends,
        base.span,
        format!("`extends` names `{}`, which is not a service of `{written}`", base.service),
    )
    .with_label("no such service")
    .with_help(help)
}

/// The service a service extends and where that is written; `None` (with an error when it
/// is malformed) when it extends none.
fn base_of(service: &Service, diags: &mut Vec<Diagnostic>) -> Option<Base> {
    let node = service.node.get("extends")?;
    let (name_node, file) = match &node.value {
        Value::Str(_) => (node, None),
        Value::Map(_) => {
            let file = match node.get("file") {
                Some(f) => Some((written(f, "`extends.file`", "a file name", diags)?, f.span)),
                None => None,
            };
            match node.get("service") {
                Some(n) => (n, file),
                None => {
                    diags.push(
                        Diagnostic::error(Code::Extends, node.span, "`extends` names no `service`")
                            .with_help("write `extends: {service: NAME}` or `extends: NAME`"),
                    );
                    return None;
                }
            }
        }
        Value::Invalid => return None,
        _ => {
            diags.push(node.wrong_type("`extends`", "a service name or a mapping with `service`"));
            return None;
        }
    };
    let service = written(name_node, "`extends.service`", "a service name", diags)?;
    Some(Base { file, service, span: name_node.span })
}

/// A name or path `extends` gives, written out: which services exist is structure, never
/// the environment's.
fn written(node: &Node, what: &str, expected: &str, diags: &mut Vec<Diagnostic>) -> Option<String> {
    if node.is_interpolated() {
        diags.push(
            Diagnostic::error(Code::Extends, node.span, format!("{what} comes from `${{…}}`"))
                .with_label("a name from the environment")
                .with_help("write it out"),
        );
        return None;
    }
    match &node.value {
        Value::Str(t) if !t.text.trim().is_empty() => Some(t.text.clone()),
        _ => {
            diags.push(node.wrong_type(what, expected));
            None
        }
    }
}

/// Reports the cycle closed at `at` (whose `extends`, at `span`, names `back`, already on the
/// chain `path`). Services of other files are shown with their file.
fn cycle(files: &[File], path: &[(At, At)], at: At, back: At, span: Span, diags: &mut Vec<Diagnostic>) {
    let from = path.iter().position(|&(s, _)| s == back).unwrap_or(path.len());
    let shown = |(f, s): At| match files[f].shown.as_str() {
        "" => format!("`{}`", files[f].services[s].name.value),
        file => format!("`{}` ({file})", files[f].services[s].name.value),
    };
    let mut names: Vec<String> = path[from..].iter().map(|&(s, _)| shown(s)).collect();
    names.push(shown(at));
    names.push(shown(back));
    diags.push(
        Diagnostic::error(Code::Extends, span, format!("`extends` goes round in a circle: {}", names.join(" → ")))
            .with_label("leads back to a service already extended")
            .with_help("remove `extends` from one of these services"),
    );
}

#[cfg(test)]
mod tests {
    use crate::load::{Environment, Input, load_project, load_project_in};
    use crate::source::Sources;
    use std::path::Path;

    /// Loads `docker-compose.yml` of `dir` (written there first) as compiling it would.
    fn load_in(dir: &Path, text: &str) -> (crate::load::Project, Vec<String>) {
        std::fs::write(dir.join("docker-compose.yml"), text).unwrap();
        let path = dir.join("docker-compose.yml").display().to_string();
        let input = Input { path, bytes: text.as_bytes().to_vec() };
        let mut sources = Sources::default();
        let (project, diags) = load_project_in(&mut sources, vec![input], &Environment::default(), Some(dir));
        let shown = diags
            .iter()
            .map(|d| match &d.span {
                Some(s) => format!("{}:{}", sources.get(s.source).path, d.message),
                None => d.message.clone(),
            })
            .collect();
        (project, shown)
    }

    #[test]
    fn a_chain_across_more_files_than_the_cap_is_refused_at_the_extends_that_needs_one_more() {
        let dir = tempfile::tempdir().unwrap();
        let files = super::MAX_EXTENDS_FILES + 5;
        for i in 0..files {
            let text = format!("services:\n  s:\n    extends: {{file: f{}.yml, service: s}}\n", i + 1);
            std::fs::write(dir.path().join(format!("f{i}.yml")), text).unwrap();
        }
        let (_, messages) = load_in(dir.path(), "services:\n  web:\n    extends: {file: f0.yml, service: s}\n");
        let cap = super::MAX_EXTENDS_FILES;
        assert_eq!(messages, [format!("f{}.yml:`extends` reads more than {cap} other files", cap - 1)]);
    }

    #[test]
    fn a_long_chain_across_files_is_followed_without_recursion() {
        let dir = tempfile::tempdir().unwrap();
        let mut base = String::from("services:\n  s0:\n    image: example/base\n    mem_limit: 64m\n");
        for i in 1..5000 {
            base.push_str(&format!("  s{i}:\n    extends: s{}\n", i - 1));
        }
        std::fs::create_dir(dir.path().join("lib")).unwrap();
        std::fs::write(dir.path().join("lib/base.yml"), base).unwrap();
        let (project, messages) =
            load_in(dir.path(), "services:\n  web:\n    extends: {file: lib/base.yml, service: s4999}\n");
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(project.services[0].container.memory_mib, Some(64));
    }

    #[test]
    fn problems_in_the_other_file_point_into_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bad.yml"), "services:\n  web: [unclosed\n").unwrap();
        std::fs::write(dir.path().join("latin1.yml"), b"services:\n  web:\n    image: caf\xe9\n").unwrap();
        let (_, messages) = load_in(
            dir.path(),
            "services:\n  a:\n    extends: {file: bad.yml, service: web}\n  b:\n    extends: {file: latin1.yml, service: web}\n",
        );
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].starts_with("bad.yml:"), "{messages:?}");
        assert!(messages[1].starts_with("latin1.yml:") && messages[1].contains("UTF-8"), "{messages:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_out_of_the_project_is_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("base.yml"), "services:\n  web:\n    image: x\n").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path().join("base.yml"), dir.path().join("base.yml")).unwrap();
        let (_, messages) = load_in(dir.path(), "services:\n  web:\n    extends: {file: base.yml, service: web}\n");
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(messages[0].contains("outside the project directory, so it is not read"), "{messages:?}");
    }

    #[test]
    fn standard_input_reads_no_other_file() {
        let (_, diags) = load("services:\n  web:\n    extends: {file: base.yml, service: web}\n".into());
        let messages: Vec<String> = diags.iter().map(|d| d.message.clone()).collect();
        assert_eq!(messages, ["`base.yml` is not read: the project has no directory"]);
    }

    fn load(text: String) -> (crate::load::Project, crate::diagnostic::Diagnostics) {
        let input = Input { path: "docker-compose.yml".into(), bytes: text.into_bytes() };
        load_project(&mut Sources::default(), vec![input], &Environment::default())
    }

    #[test]
    fn a_long_chain_is_followed_to_its_end_without_recursion() {
        let mut text = String::from("services:\n  s0:\n    image: example/base\n    mem_limit: 64m\n");
        for i in 1..5000 {
            text.push_str(&format!("  s{i}:\n    extends: s{}\n", i - 1));
        }
        let (project, diags) = load(text);
        assert!(!diags.has_errors(), "{diags:?}");
        let last = project.services.iter().find(|s| s.name.value == "s4999").unwrap();
        assert_eq!(last.container.memory_mib, Some(64));
        assert!(last.node.get("extends").is_none(), "the `extends` key is gone once resolved");
    }

    #[test]
    fn a_service_extending_itself_is_a_cycle() {
        let (_, diags) = load("services:\n  web:\n    extends: web\n    image: x\n".into());
        let messages: Vec<String> = diags.iter().map(|d| d.message.clone()).collect();
        assert_eq!(messages, ["`extends` goes round in a circle: `web` → `web`"]);
    }
}
