//! `explain`: what a label does or what a diagnostic code means, with an example — the label
//! texts come from the interpreter's [`LABELS`] table, the code texts from [`Code`].

use super::schema::values_text;
use crate::diagnostic::Code;
use crate::interpret::labels::{self, LABELS, LabelSpec, Scope, ValueKind};

/// What an `explain` argument names.
#[derive(Clone, Debug)]
pub enum Explanation {
    /// One label, as the user wrote it (`convox.port.443.protocol`).
    Label {
        /// The label's entry in the table.
        spec: &'static LabelSpec,
        /// The key as written, with the port when the user gave one.
        written: String,
    },
    /// Every label under a prefix (`convox`, `convox.health`).
    Labels {
        /// The prefix as written.
        prefix: String,
        /// The labels under it.
        specs: Vec<&'static LabelSpec>,
    },
    /// A diagnostic code.
    Code(Code),
}

/// An argument that names no label and no code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is neither a label compose-cfn reads nor a diagnostic code")]
pub struct Unknown {
    /// What was asked.
    pub input: String,
    /// The closest label or code, if any is close.
    pub suggestion: Option<String>,
}

/// Finds what `input` names: a label (port labels with any port number), a prefix of labels,
/// or a diagnostic code (also written `error[code]`).
pub fn explain(input: &str) -> Result<Explanation, Unknown> {
    let trimmed = input.trim();
    let bare = ["error[", "warning["]
        .iter()
        .find_map(|p| trimmed.strip_prefix(p).and_then(|r| r.strip_suffix(']')))
        .unwrap_or(trimmed);
    if let Some(code) = Code::ALL.iter().find(|c| c.as_str().eq_ignore_ascii_case(bare)) {
        return Ok(Explanation::Code(*code));
    }
    let key = trimmed.to_ascii_lowercase();
    if let Some(spec) = LABELS.iter().find(|s| s.key == key) {
        return Ok(Explanation::Label { spec, written: key });
    }
    if let Some(rest) = key.strip_prefix("convox.port.")
        && let Some((port, name)) = rest.split_once('.')
        && port.parse::<u16>().is_ok_and(|p| p > 0)
        && let Some(spec) = labels::port_label(name)
    {
        return Ok(Explanation::Label { spec, written: key });
    }
    let prefix = key.trim_end_matches('.');
    let specs: Vec<&LabelSpec> = LABELS.iter().filter(|s| s.key.starts_with(&format!("{prefix}."))).collect();
    if !specs.is_empty() {
        return Ok(Explanation::Labels { prefix: prefix.to_string(), specs });
    }
    Err(Unknown { input: trimmed.to_string(), suggestion: suggest(&key) })
}

/// Every diagnostic code with its one-line summary, aligned, for `explain --list`: the names
/// `--deny` and `--allow` take.
pub fn code_list() -> String {
    let width = Code::ALL.iter().map(|c| c.as_str().len()).max().unwrap_or(0);
    let mut out: String = Code::ALL.iter().map(|c| format!("{:width$}  {}\n", c.as_str(), c.summary())).collect();
    out.push_str("\n`compose-cfn explain CODE` explains one; `compose-cfn explain convox` lists the labels.\n");
    out
}

/// The label or code closest to `key`, keeping the port number of a port label.
fn suggest(key: &str) -> Option<String> {
    let port = key.strip_prefix("convox.port.").and_then(|r| r.split('.').next()).filter(|p| p.parse::<u16>().is_ok());
    let candidates: Vec<String> = LABELS
        .iter()
        .map(|s| match port {
            Some(p) => s.key.replace("<N>", p),
            None => s.key.to_string(),
        })
        .chain(Code::ALL.iter().map(|c| c.as_str().to_string()))
        .collect();
    let refs: Vec<&str> = candidates.iter().map(String::as_str).collect();
    labels::nearest(key, &refs).map(str::to_string)
}

/// The value an example shows for a label: one that makes the label do something.
fn example_value(spec: &LabelSpec) -> String {
    match (spec.key, spec.kind) {
        ("convox.port.<N>.protocol", _) => "https".into(),
        (_, ValueKind::Choice(words)) => words[0].to_string(),
        (_, ValueKind::Bool) => if spec.default == "true" { "false" } else { "true" }.into(),
        (_, ValueKind::Integer { min, max }) => (min + (max - min) / 4).to_string(),
        (_, ValueKind::Path) => "/health".into(),
        (_, ValueKind::ContainerPort) => "3000".into(),
    }
}

/// A compose file that uses `spec` (port labels on port 443), which compiles without error.
pub fn label_example(spec: &LabelSpec) -> String {
    let mut labels = Vec::new();
    let mut ports = vec!["443:3000"];
    // Re-encryption and the TLS policies only matter on a listener that terminates TLS.
    if matches!(spec.key, "convox.port.<N>.secure" | "convox.tls.policy" | "convox.port.<N>.ssl_policy") {
        labels.push("convox.port.443.protocol=https".to_string());
    }
    // The v2-only labels need the v2 target; a redirect, an http port to redirect from.
    let v2 = matches!(spec.key, "convox.port.<N>.redirect" | "convox.port.<N>.ssl_policy");
    if spec.key == "convox.port.<N>.redirect" {
        labels.extend(["convox.port.443.protocol=https".into(), "convox.port.80.protocol=http".into()]);
        labels.push(format!("{}=443", spec.key.replace("<N>", "80")));
        ports.insert(0, "80:3000");
    } else {
        labels.push(format!("{}={}", spec.key.replace("<N>", "443"), example_value(spec)));
    }
    let labels: String = labels.iter().map(|l| format!("      - {l}\n")).collect();
    let ports: String = ports.iter().map(|p| format!("      - {p}\n")).collect();
    let target = if v2 { "x-compose-cfn:\n  balancer: v2\n" } else { "" };
    format!("{target}services:\n  web:\n    labels:\n{labels}    ports:\n{ports}")
}

impl Explanation {
    /// The explanation as text for a terminal.
    pub fn render(&self) -> String {
        match self {
            Explanation::Label { spec, written } => {
                let mut out = format!("{written}\n");
                if written != spec.key {
                    out.push_str(&format!("  (label {}, N = the balancer port)\n", spec.key));
                }
                out.push_str(&format!("\n{}\n\n", spec.summary));
                out.push_str(&format!("values:  {}\n", values_text(spec.kind)));
                let default = if spec.default.is_empty() { "none" } else { spec.default };
                out.push_str(&format!("default: {default}\n"));
                let scope = match spec.scope {
                    Scope::Port => "one listener (keyed by its balancer port)",
                    Scope::Balancer => "the service's balancer",
                    Scope::Service => "the service's ECS service",
                };
                out.push_str(&format!("applies: {scope}\n\nexample:\n{}", indent(&label_example(spec))));
                out
            }
            Explanation::Labels { prefix, specs } => {
                let width = specs.iter().map(|s| s.key.len()).max().unwrap_or(0);
                let mut out = format!("labels under {prefix} that compose-cfn reads:\n\n");
                for s in specs {
                    out.push_str(&format!("  {:<width$}  {}\n", s.key, values_text(s.kind)));
                }
                out.push_str("\nrun `compose-cfn explain LABEL` for one of them\n");
                out
            }
            Explanation::Code(code) => {
                let mut out = format!("{}\n\n{}\n{}\n", code.as_str(), code.summary(), code.details());
                if let Some(example) = code.example() {
                    out.push_str(&format!("\nexample:\n{}", indent(example)));
                }
                out
            }
        }
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}
