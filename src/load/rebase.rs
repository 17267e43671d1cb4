//! Relative paths of a service read from another file through `extends: {file: …}`, rebased
//! onto the project directory as Compose rebases them: a base service's `build: ./app` in
//! `shared/common.yml` means `shared/app`, whichever file extends it.

use super::node::{Node, Value};
use std::path::{Component, Path, PathBuf};

/// Rebases the relative paths of `service` (a service mapping of a file in `dir`, a path
/// relative to the project directory) onto the project directory: its build context,
/// `env_file` entries and bind-mount sources. Runs before interpolation, on the text as
/// written; a path starting with `$`, `~` or `/`, or a URL, is left as it is.
pub(super) fn service_paths(service: &mut Node, dir: &Path) {
    if dir.as_os_str().is_empty() {
        return;
    }
    if let Some(build) = child(service, "build") {
        rebase_path(build, "context", dir);
    }
    if let Some(env_file) = child(service, "env_file") {
        items(env_file).into_iter().for_each(|item| rebase_path(item, "path", dir));
    }
    if let Some(volumes) = child(service, "volumes") {
        for item in items(volumes) {
            match &mut item.value {
                Value::Map(_) => {
                    let bind = item.get("type").and_then(Node::scalar_text).is_none_or(|t| t == "bind");
                    if let Some(source) = child(item, "source").filter(|_| bind) {
                        rebase(source, dir, true);
                    }
                }
                Value::Str(t) => {
                    let (source, rest) = t.text.split_once(':').unwrap_or((t.text.as_str(), ""));
                    // Only `.`-relative sources are host paths; a bare name is a named volume.
                    if source.starts_with('.') && t.text.contains(':') {
                        t.text = format!("{}:{rest}", joined(dir, source, true));
                    }
                }
                _ => {}
            }
        }
    }
}

/// Rebases a path written either as a string or as the `key` of a mapping (`build: ./app`,
/// `build: {context: ./app}`).
fn rebase_path(node: &mut Node, key: &str, dir: &Path) {
    match &node.value {
        Value::Map(_) => {
            if let Some(path) = child(node, key) {
                rebase(path, dir, false);
            }
        }
        _ => rebase(node, dir, false),
    }
}

/// The value under `key` of a mapping, to change in place.
fn child<'a>(node: &'a mut Node, key: &str) -> Option<&'a mut Node> {
    match &mut node.value {
        Value::Map(entries) => entries.iter_mut().find(|(k, _)| k.name == key).map(|(_, v)| v),
        _ => None,
    }
}

/// The items of a list, or the value itself when it is one item.
fn items(node: &mut Node) -> Vec<&mut Node> {
    if !matches!(node.value, Value::Seq(_)) {
        return vec![node];
    }
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().collect(),
        _ => Vec::new(),
    }
}

fn rebase(node: &mut Node, dir: &Path, bind: bool) {
    if let Value::Str(t) = &mut node.value {
        let text = t.text.as_str();
        let left = text.is_empty()
            || text.starts_with(['$', '~', '/'])
            || text.contains("://")
            || text.starts_with("git@")
            || text.starts_with("github.com/");
        if !left {
            t.text = joined(dir, text, bind);
        }
    }
}

/// `dir/path` with `.` and `..` resolved by their text (never by the file system, so the
/// result is the same on every machine); a bind-mount source keeps a leading `./`, which is
/// what makes it a host path rather than a volume name.
pub(super) fn joined(dir: &Path, path: &str, bind: bool) -> String {
    let mut parts: Vec<String> = Vec::new();
    for component in dir.join(path).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if parts.last().is_some_and(|p| p != "..") => {
                parts.pop();
            }
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    let text = parts.iter().collect::<PathBuf>().to_string_lossy().replace('\\', "/");
    match text.as_str() {
        "" => ".".into(),
        t if bind && !t.starts_with('.') => format!("./{t}"),
        t => t.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::joined;
    use crate::load::node::{self, ParseLimits};
    use crate::source::Sources;
    use std::path::Path;

    #[test]
    fn a_base_service_paths_are_rebased_and_nothing_else() {
        let text = "build: {context: ./app}\nenv_file: [a.env, {path: ../b.env}]\nvolumes:\n  - ./conf:/conf:ro\n  - data:/data\n  - {type: bind, source: ./x, target: /x}\n  - {type: volume, source: y, target: /y}\n  - /abs:/abs\nimage: ./not-a-path\n";
        let mut sources = Sources::default();
        let id = sources.add("s.yml", text);
        let mut service = node::parse(sources.get(id), id, ParseLimits::default()).unwrap();
        super::service_paths(&mut service, Path::new("shared"));
        let text_of = |n: &crate::load::node::Node| n.scalar_text().unwrap();
        assert_eq!(text_of(service.get("build").unwrap().get("context").unwrap()), "shared/app");
        let Some(crate::load::node::Value::Seq(env)) = service.get("env_file").map(|n| &n.value) else { panic!() };
        assert_eq!(text_of(&env[0]), "shared/a.env");
        assert_eq!(text_of(env[1].get("path").unwrap()), "b.env");
        let Some(crate::load::node::Value::Seq(vols)) = service.get("volumes").map(|n| &n.value) else { panic!() };
        assert_eq!(text_of(&vols[0]), "./shared/conf:/conf:ro");
        assert_eq!(text_of(&vols[1]), "data:/data");
        assert_eq!(text_of(vols[2].get("source").unwrap()), "./shared/x");
        assert_eq!(text_of(vols[3].get("source").unwrap()), "y");
        assert_eq!(text_of(&vols[4]), "/abs:/abs");
        assert_eq!(text_of(service.get("image").unwrap()), "./not-a-path");
    }

    #[test]
    fn paths_are_joined_by_their_text() {
        assert_eq!(joined(Path::new("shared"), "./app", false), "shared/app");
        assert_eq!(joined(Path::new("shared"), "../data", true), "./data");
        assert_eq!(joined(Path::new("shared"), ".", false), "shared");
        assert_eq!(joined(Path::new("a/b"), "../../..", false), "..");
        assert_eq!(joined(Path::new("shared"), "..", false), ".");
    }
}
