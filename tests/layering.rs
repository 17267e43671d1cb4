//! The pipeline's layers import only downwards — load ← interpret ← lower (cfn beside it) ←
//! compile, review, cli — so that a new balancer target is a new module of `lower`, and
//! nothing below it can come to depend on one; and `interpret` reads the typed model `load`
//! makes, never the YAML tree (`load::node`). Checked on the source text: every `crate::`
//! path outside comments and test modules.

use std::path::{Path, PathBuf};

/// Each layer and the modules of the crate it must not name.
const FORBIDDEN: [(&str, &[&str]); 4] = [
    ("load", &["interpret", "cfn", "lower", "review", "compile", "certs"]),
    ("interpret", &["cfn", "lower", "review", "compile", "certs"]),
    ("cfn", &["load", "interpret", "lower", "review", "compile", "certs"]),
    ("lower", &["load", "review", "compile", "certs"]),
];

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
    out
}

/// The code of `text` before its test module, line by line (numbered from 1), comment lines
/// blanked.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    code.lines().enumerate().map(|(n, line)| (n + 1, if line.trim_start().starts_with("//") { "" } else { line }))
}

/// The `crate::` modules named by the code of `text` before its test module.
fn imports(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in code_lines(text) {
        for (i, _) in line.match_indices("crate::") {
            let module: String =
                line[i + "crate::".len()..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            out.push((n, module));
        }
    }
    out
}

/// Modules of `load` a layer must not name: the YAML tree is `load`'s own, so that every
/// container key is read (and its errors reported) in one place.
const FORBIDDEN_PATHS: [(&str, &[&str]); 1] = [("interpret", &["load::node"])];

/// Where the code of `text` before its test module names one of `paths` (`parent::child`):
/// written out, or as `child` in a `parent::{…}` group, which may span lines.
fn names_paths(text: &str, paths: &[&str]) -> Vec<(usize, String)> {
    let lines: Vec<(usize, &str)> = code_lines(text).collect();
    let mut out = Vec::new();
    for (at, (n, line)) in lines.iter().enumerate() {
        for path in paths {
            let (parent, child) = path.rsplit_once("::").unwrap_or(("", path));
            let Some(open) = line.find(&format!("{parent}::{{")) else {
                if line.contains(path) {
                    out.push((*n, path.to_string()));
                }
                continue;
            };
            // The group up to its closing brace, however rustfmt wrapped it.
            let mut group = line[open + parent.len() + 3..].to_string();
            for (_, next) in &lines[at + 1..] {
                if group.contains('}') {
                    break;
                }
                group.push_str(next);
            }
            let group = group.split('}').next().unwrap_or("");
            if group.split(',').any(|item| item.trim() == child || item.trim().starts_with(&format!("{child}::"))) {
                out.push((*n, path.to_string()));
            }
        }
    }
    out
}

#[test]
fn interpret_never_names_the_yaml_tree() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for (layer, paths) in FORBIDDEN_PATHS {
        for file in rust_files(&src.join(layer)) {
            let text = std::fs::read_to_string(&file).unwrap();
            for (line, path) in names_paths(&text, paths) {
                found.push(format!("{}:{line}: {layer} uses {path}", file.display()));
            }
        }
    }
    assert!(found.is_empty(), "the YAML tree read outside load:\n{}", found.join("\n"));
}

#[test]
fn the_check_sees_the_yaml_tree() {
    let paths = &["load::node"];
    assert_eq!(names_paths("use crate::load::node::{Node, Value};\n", paths), [(1, "load::node".to_string())]);
    assert_eq!(names_paths("use crate::load::{Service, node::Node};\n", paths), [(1, "load::node".to_string())]);
    let wrapped = "use crate::load::{\n    Service,\n    node::{Node, Value},\n};\n";
    assert_eq!(names_paths(wrapped, paths), [(1, "load::node".to_string())]);
    assert_eq!(
        names_paths(
            "use crate::load::{Service, Scalar};\n// load::node\n#[cfg(test)]\nuse crate::load::node;\n",
            paths
        ),
        []
    );
}

#[test]
fn no_layer_imports_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut upward = Vec::new();
    for (layer, forbidden) in FORBIDDEN {
        let mut files = rust_files(&src.join(layer));
        let single = src.join(format!("{layer}.rs"));
        if single.is_file() {
            files.push(single);
        }
        assert!(!files.is_empty(), "no source for layer {layer}");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (line, module) in imports(&text) {
                if forbidden.contains(&module.as_str()) {
                    upward.push(format!("{}:{line}: {layer} uses crate::{module}", file.display()));
                }
            }
        }
    }
    assert!(upward.is_empty(), "imports against the pipeline's direction:\n{}", upward.join("\n"));
}

#[test]
fn the_check_sees_an_upward_import() {
    let text = "//! uses crate::lower in a comment\nuse crate::review::schema;\n#[cfg(test)]\nuse crate::lower;\n";
    assert_eq!(imports(text), [(2, "review".to_string())]);
}

/// A file past about 400 lines says in its header (`//!`) why it is one file: the reason, not
/// the size, is what a reader needs before splitting or growing it.
#[test]
fn every_long_file_says_why_it_is_one_file() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut silent: Vec<String> = rust_files(&src)
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let header: Vec<&str> =
                text.lines().map_while(|l| l.strip_prefix("//!")).map(str::trim).filter(|l| !l.is_empty()).collect();
            let header = header.join(" ");
            let says_why = header.contains("400 lines") || header.contains("One file:");
            (text.lines().count() > 400 && !says_why).then(|| path.display().to_string())
        })
        .collect();
    silent.sort();
    assert!(silent.is_empty(), "past 400 lines with no reason in the header: {silent:?}");
}
