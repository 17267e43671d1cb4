//! `env_file:` of a service (a path, a list of paths, or `{path, required}` entries). Such
//! files often hold secrets and are often untracked, so the template never carries their
//! values: each key becomes an environment entry like a bare `KEY` (a deploy-time `NoEcho`
//! parameter) that records its file, and the deploy stage reads the file to fill it. Only the
//! keys are taken here; the values are parsed (to report syntax errors at their line) and
//! dropped. A file is read only inside the project directory and within the `.env` size cap.

use super::compose::Service;
use super::container_env::inherited;
use super::dotenv::{self, DotenvFile};
use super::node::{Node, Value};
use super::{EnvOverride, EnvVar};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{Sources, Span};
use std::collections::HashSet;
use std::path::Path;

/// One entry of `env_file:`.
struct Entry {
    path: String,
    required: bool,
    span: Span,
}

/// Adds the keys of `service`'s `env_file:` files (read in `dir`) to its environment; keys
/// set in `environment:` win, as in Compose (each is recorded in `env_overrides`), and a
/// later file wins over an earlier one.
pub(super) fn add_keys(service: &mut Service, dir: Option<&Path>, sources: &mut Sources, diags: &mut Vec<Diagnostic>) {
    let Some(node) = service.node.get("env_file") else { return };
    let mut seen = HashSet::new();
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
        let (vars, problems) = dotenv::parse(&text, &entry.path, id, &|_| None);
        diags.extend(problems);
        for (key, _) in vars {
            if let Some(set) = service.environment.get(&key).filter(|v| v.env_file.is_none()) {
                // Recorded once per key and file (a file listed twice, a key repeated in it).
                if seen.insert((key.clone(), entry.path.clone())) {
                    let span = set.span;
                    service.env_overrides.push(EnvOverride { key, env_file: entry.path.clone(), span });
                }
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
                let required = item.get("required").and_then(|r| r.boolean("`required`", diags)).unwrap_or(true);
                if !known_keys_and_format(item, diags) {
                    continue;
                }
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

/// Checks an `{path, required, format}` entry's keys (Compose's schema allows no other) and its
/// `format`: `.env` (the default) is the only one read here. Docker Compose also reads `raw`
/// (`docker run --env-file` rules: no quotes, no `$`, no `export`), but the deploy stage reads
/// every `env_file:` with the `.env` rules, so a raw file would deploy other values than
/// Compose gives it: refused, not misread. Any other format Compose refuses too
/// ("unsupported env_file format").
fn known_keys_and_format(item: &Node, diags: &mut Vec<Diagnostic>) -> bool {
    let mut ok = true;
    for (key, _) in item.as_map().unwrap_or_default() {
        if !["path", "required", "format"].contains(&key.name.as_str()) {
            ok = false;
            diags.push(
                Diagnostic::error(
                    Code::EnvFile,
                    key.span,
                    format!("unknown key `{}` in an `env_file` entry", key.name),
                )
                .with_help("an entry takes `path`, `required` and `format`"),
            );
        }
    }
    let Some(format) = item.get("format").filter(|f| !matches!(f.value, Value::Null)) else { return ok };
    let Some(name) = format.structural(diags) else { return false };
    let help = match name.as_str() {
        ".env" => return ok,
        "raw" => {
            "remove `format: raw` if the file reads the same under the `.env` rules (no quotes, `$`, \
                  `export` or ` #` comments in its values); the deploy stage reads env files only with those"
        }
        _ => "Compose knows the default `.env` rules and `raw`; remove `format:`",
    };
    diags.push(
        Diagnostic::error(
            Code::EnvFile,
            format.span,
            format!("`format: {}` is not supported for an `env_file`", format.scalar_text().unwrap_or_default()),
        )
        .with_label("unsupported format")
        .with_help(help),
    );
    false
}

#[cfg(test)]
mod tests {
    use crate::load::{EnvOverride, Environment, Input, load_project_in};
    use crate::source::Sources;

    /// The overrides of each service of `compose` (in a directory holding `files`), with the
    /// text of each override's span.
    fn overrides(compose: &str, files: &[(&str, &str)]) -> Vec<(String, Vec<(EnvOverride, String)>)> {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let path = dir.path().join("docker-compose.yml").display().to_string();
        std::fs::write(&path, compose).unwrap();
        let mut sources = Sources::default();
        let input = Input { path, bytes: compose.as_bytes().to_vec() };
        let (project, diags) = load_project_in(&mut sources, vec![input], &Environment::default(), Some(dir.path()));
        assert!(!diags.has_errors(), "{diags:?}");
        project
            .services
            .iter()
            .map(|s| {
                let each = s.env_overrides.iter().map(|o| (o.clone(), compose[o.span.start..o.span.end].to_string()));
                (s.name.value.clone(), each.collect())
            })
            .collect()
    }

    #[test]
    fn an_environment_entry_over_an_env_file_key_is_recorded_with_its_file_and_entry() {
        let compose = "services:\n  web:\n    image: x\n    env_file: [a.env, b.env, a.env]\n    environment:\n      SHARED: from-manifest\n      ONLY_HERE: x\n  worker:\n    image: x\n    env_file: a.env\n    environment: [\"SHARED=w\"]\n";
        let files = [("a.env", "SHARED=s3cr3t\nSHARED=again\nONLY_FILE=1\n"), ("b.env", "SHARED=other\n")];
        let found = overrides(compose, &files);
        let (web, worker) = (&found[0].1, &found[1].1);
        // One per key and file: the repeated file and the repeated key add none.
        let keys: Vec<(&str, &str, &str)> =
            web.iter().map(|(o, at)| (o.key.as_str(), o.env_file.as_str(), at.as_str())).collect();
        assert_eq!(keys, [("SHARED", "a.env", "from-manifest"), ("SHARED", "b.env", "from-manifest")]);
        assert_eq!(
            worker.iter().map(|(o, at)| (o.key.as_str(), at.as_str())).collect::<Vec<_>>(),
            [("SHARED", "\"SHARED=w\"")]
        );
        // Keys and paths only: no value of the file is kept.
        assert!(!format!("{found:?}").contains("s3cr3t"), "{found:?}");
    }

    #[test]
    fn without_an_overlap_nothing_is_recorded() {
        let compose = "services:\n  web:\n    image: x\n    env_file: a.env\n    environment:\n      OTHER: 1\n";
        let found = overrides(compose, &[("a.env", "KEY=1\n")]);
        assert!(found[0].1.is_empty(), "{found:?}");
    }
}
