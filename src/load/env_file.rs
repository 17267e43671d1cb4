//! `env_file:` of a service (a path, a list of paths, or `{path, required}` entries). Such
//! files often hold secrets and are often untracked, so the template never carries their
//! values: each key becomes an environment entry like a bare `KEY` (a deploy-time `NoEcho`
//! parameter) that records its file, and the deploy stage reads the file to fill it. Only the
//! keys are taken here; the values are parsed (to report syntax errors at their line) and
//! dropped. A file is read only inside the project directory and within the `.env` size cap.

use super::EnvVar;
use super::compose::Service;
use super::container_env::inherited;
use super::dotenv::{self, DotenvFile};
use super::node::{Node, Value};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{Sources, Span};
use std::path::Path;

/// One entry of `env_file:`.
struct Entry {
    path: String,
    required: bool,
    span: Span,
}

/// Adds the keys of `service`'s `env_file:` files (read in `dir`) to its environment; keys
/// set in `environment:` win, as in Compose, and a later file wins over an earlier one.
pub(super) fn add_keys(service: &mut Service, dir: Option<&Path>, sources: &mut Sources, diags: &mut Vec<Diagnostic>) {
    let Some(node) = service.node.get("env_file") else { return };
    for entry in entries(node, diags) {
        let Some(dir) = dir else {
            diags.push(
                Diagnostic::error(
                    Code::EnvFile,
                    entry.span,
                    format!("`{}` is not read: the project has no directory", entry.path),
                )
                .with_help(
                    "compile a compose file on disk (not standard input), so that `env_file:` is found beside it",
                ),
            );
            continue;
        };
        let bytes = match dotenv::read_in(dir, &entry.path) {
            DotenvFile::Read { bytes, .. } => bytes,
            DotenvFile::Absent if !entry.required => {
                diags.push(
                    Diagnostic::warning(
                        Code::EnvFile,
                        entry.span,
                        format!("`{}` does not exist; it is optional, so it is skipped", entry.path),
                    )
                    .with_help("its keys are not known, so none of them reach the container: create the file before compiling if they should"),
                );
                continue;
            }
            DotenvFile::Absent => {
                diags.push(
                    Diagnostic::error(Code::EnvFile, entry.span, format!("`{}` does not exist", entry.path))
                        .with_label("required file")
                        .with_help(format!("create `{}` (its keys become deploy-time parameters), or write `{{path: {}, required: false}}`", entry.path, entry.path)),
                );
                continue;
            }
            DotenvFile::Refused { reason, .. } => {
                diags.push(
                    Diagnostic::error(Code::EnvFile, entry.span, format!("`{}` {reason}", entry.path))
                        .with_label("not read")
                        .with_help("make it a regular file inside the project directory"),
                );
                continue;
            }
        };
        let mut found = Vec::new();
        let Some((text, id)) = super::dotenv_source(sources, &entry.path, &bytes, &mut found) else {
            diags.extend(found);
            continue;
        };
        // Values are parsed for their syntax only: expansion sees no variable, and the values
        // are dropped here.
        let (vars, problems) = dotenv::parse(&text, id, &|_| None);
        diags.extend(problems);
        for (key, _) in vars {
            if service.environment.get(&key).is_some_and(|v| v.env_file.is_none()) {
                continue;
            }
            let var = EnvVar { value: inherited(&key), span: entry.span, env_file: Some(entry.path.clone()) };
            service.environment.insert(key, var);
        }
    }
}

/// The entries of `env_file:`, their paths written out (the template records them).
fn entries(node: &Node, diags: &mut Vec<Diagnostic>) -> Vec<Entry> {
    let items: Vec<&Node> = match &node.value {
        Value::Seq(items) => items.iter().collect(),
        Value::Null | Value::Invalid => Vec::new(),
        _ => vec![node],
    };
    let mut out = Vec::new();
    for item in items {
        let (path_node, required) = match &item.value {
            Value::Map(_) => {
                let required = match item.get("required").map(|r| &r.value) {
                    None => true,
                    Some(Value::Bool(b)) => *b,
                    Some(_) => {
                        diags.push(item.get("required").expect("matched").wrong_type("`required`", "true or false"));
                        true
                    }
                };
                match item.get("path") {
                    Some(path) => (path, required),
                    None => {
                        diags.push(
                            Diagnostic::error(Code::EnvFile, item.span, "an `env_file` entry names no `path`")
                                .with_help("write `{path: ./web.env}` or just `./web.env`"),
                        );
                        continue;
                    }
                }
            }
            _ => (item, true),
        };
        if path_node.is_interpolated() {
            diags.push(
                Diagnostic::error(Code::EnvFile, path_node.span, "the `env_file` path comes from `${…}`")
                    .with_label("a path from the environment")
                    .with_help("write the path out: the template records it, and must not depend on the environment"),
            );
            continue;
        }
        match (&path_node.value, path_node.scalar_text()) {
            (Value::Str(_), Some(path)) if !path.trim().is_empty() => {
                out.push(Entry { path, required, span: path_node.span })
            }
            _ => diags.push(path_node.wrong_type("an `env_file` path", "a file name")),
        }
    }
    out
}
