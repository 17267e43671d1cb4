//! The pipeline's layers import only downwards — load ← interpret ← lower (cfn beside it) ←
//! compile, review, cli — so that a new balancer target is a new module of `lower`, and
//! nothing below it can come to depend on one. Checked on the source text: every `crate::`
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

/// The `crate::` modules named by the code of `text` before its test module.
fn imports(text: &str) -> Vec<(usize, String)> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        for (i, _) in line.match_indices("crate::") {
            let module: String =
                line[i + "crate::".len()..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            out.push((n + 1, module));
        }
    }
    out
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
