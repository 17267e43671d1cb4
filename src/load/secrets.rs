//! Compose `secrets:`: the top-level definitions (`external`/`name`, `file`, `environment`)
//! and a service's uses of them (short `name` or long `{source, target}`), read as written.
//! What each becomes on ECS is `interpret`'s.

use super::node::{Node, Value};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{Span, Spanned};

/// Where a top-level secret's value comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum SecretSource {
    /// `external: true` (or `name:`): kept outside Compose — on ECS an SSM parameter or a
    /// Secrets Manager secret, named at deploy time.
    External,
    /// `file:`, at this span.
    File(Span),
    /// `environment:`, at this span.
    Environment(Span),
}

/// One top-level `secrets:` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct SecretDef {
    /// The secret's name and where it is defined.
    pub name: Spanned<String>,
    /// Where its value comes from.
    pub source: SecretSource,
}

/// One entry of a service's `secrets:`.
#[derive(Clone, Debug, PartialEq)]
pub struct SecretUse {
    /// The secret used.
    pub source: String,
    /// The name it is given in the container (`target`, else the secret's name).
    pub target: String,
    /// Where the entry was written.
    pub span: Span,
    /// Where `target` was written (the entry, when it has none).
    pub target_span: Span,
}

/// A name written out: secrets are structure (they name template parameters).
fn written(node: &Node, what: &str, diags: &mut Vec<Diagnostic>) -> Option<String> {
    if node.is_interpolated() || !matches!(node.value, Value::Str(_)) {
        diags.push(node.wrong_type(what, "a name written out"));
        return None;
    }
    node.scalar_text().filter(|t| !t.is_empty())
}

/// Reads the top-level `secrets:` mapping.
pub fn read_definitions(node: &Node, diags: &mut Vec<Diagnostic>) -> Vec<SecretDef> {
    let Some(entries) = node.as_map() else {
        if !matches!(node.value, Value::Null | Value::Invalid) {
            diags.push(node.wrong_type("`secrets`", "a mapping of secret names to definitions"));
        }
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, def) in entries {
        let source = if let Some((k, _)) = def.get_entry("file") {
            SecretSource::File(k.span)
        } else if let Some((k, _)) = def.get_entry("environment") {
            SecretSource::Environment(k.span)
        } else if def.get("external").and_then(|e| e.boolean("`external`", diags)) == Some(true)
            || def.get("name").is_some()
        {
            SecretSource::External
        } else {
            diags.push(
                Diagnostic::error(Code::Secret, key.span, format!("secret `{}` says nowhere its value comes from", key.name))
                    .with_help("declare it `external: true`: the deploy names the SSM parameter or Secrets Manager secret holding it"),
            );
            continue;
        };
        out.push(SecretDef { name: Spanned::new(key.name.clone(), key.span), source });
    }
    out
}

/// Reads a service's `secrets:` list.
pub fn read_uses(node: &Node, diags: &mut Vec<Diagnostic>) -> Vec<SecretUse> {
    let Value::Seq(items) = &node.value else {
        if !matches!(node.value, Value::Null | Value::Invalid) {
            diags.push(node.wrong_type("`secrets`", "a list of secret names or `{source, target}` mappings"));
        }
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        let (source, target, target_span) = match &item.value {
            Value::Map(_) => {
                let Some(source) = item.get("source").and_then(|s| written(s, "`source`", diags)) else {
                    if item.get("source").is_none() {
                        diags.push(
                            Diagnostic::error(Code::Secret, item.span, "a secret entry names no `source`")
                                .with_help("write `{source: NAME, target: VARIABLE}`, or just `NAME`"),
                        );
                    }
                    continue;
                };
                let target_node = item.get("target");
                let target = target_node.and_then(|t| written(t, "`target`", diags));
                (source.clone(), target.unwrap_or(source), target_node.map_or(item.span, |t| t.span))
            }
            _ => match written(item, "a secret", diags) {
                Some(name) => (name.clone(), name, item.span),
                None => continue,
            },
        };
        out.push(SecretUse { source, target, span: item.span, target_span });
    }
    out
}
