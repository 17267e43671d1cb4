//! A service's `environment:` (mapping or `KEY=VALUE` list). Values are kept as segments: a
//! `${VAR}` in one, or a bare `KEY`, becomes a deploy-time parameter, never a compile-time value.

use super::compose::Keyed;
use super::interpolate::{self, Op, Segment, VarRef};
use super::node::{Node, Text, Value};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{Sources, Span};
use std::collections::HashSet;

/// One variable of a container's environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvVar {
    /// Its value as literal text and variable references (a bare `KEY` is `${KEY}`).
    pub value: Vec<Segment>,
    /// Where it was written.
    pub span: Span,
    /// The `env_file:` it comes from (its value is then the file's, read by the deploy stage).
    pub env_file: Option<String>,
}

/// A key an `env_file:` sets that an `environment:` entry of the same service overrides (as
/// Compose does). Keys and paths only: the file's values may be secrets and are never kept.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct EnvOverride {
    /// The variable's name.
    pub key: String,
    /// The `env_file:` path, as written, whose value for `key` is not used.
    pub env_file: String,
    /// The overriding `environment:` entry.
    pub span: Span,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['=', '\0']) && !name.chars().any(char::is_whitespace)
}

/// A bare `KEY`: the deploy stage passes its own `KEY` through, as Compose passes the shell's.
pub(super) fn inherited(name: &str) -> Vec<Segment> {
    vec![Segment::Var(Box::new(VarRef {
        name: name.to_string(),
        op: Op::Plain,
        empty_is_unset: false,
        word: Vec::new(),
        word_written: String::new(),
        value: None,
    }))]
}

/// Reads `environment:`.
pub fn read_environment(node: &Node, diags: &mut Vec<Diagnostic>) -> Keyed<EnvVar> {
    let mut vars = Keyed::default();
    let mut add = |name: &str, value: Option<Vec<Segment>>, span: Span, diags: &mut Vec<Diagnostic>| {
        if !valid_name(name) {
            diags.push(
                Diagnostic::error(Code::Environment, span, format!("`{name}` is not a variable name"))
                    .with_label("invalid name")
                    .with_help("write `KEY=VALUE` or `KEY`; names have no spaces or `=`"),
            );
            return;
        }
        let value = value.unwrap_or_else(|| inherited(name));
        vars.insert(name.to_string(), EnvVar { value, span, env_file: None });
    };
    match &node.value {
        Value::Map(entries) => {
            for (key, value) in entries {
                match &value.value {
                    Value::Null => add(&key.name, None, key.span, diags),
                    Value::Invalid => {}
                    Value::Seq(_) | Value::Map(_) => {
                        diags.push(value.wrong_type(&format!("variable `{}`", key.name), "a string, number or boolean"))
                    }
                    _ => add(&key.name, value.segments().map(|s| s.into_owned()), value.span, diags),
                }
            }
        }
        Value::Seq(items) => {
            for item in items {
                match &item.value {
                    Value::Str(t) => {
                        let segments = item.segments().map(|s| s.into_owned()).unwrap_or_default();
                        match interpolate::split_once(&segments, '=') {
                            Some((name, value)) => match interpolate::literal(&name) {
                                Some(name) => add(&name, Some(value), item.span, diags),
                                None => diags.push(computed_name(item, t)),
                            },
                            None if item.is_interpolated() => diags.push(computed_name(item, t)),
                            None => add(&t.text, None, item.span, diags),
                        }
                    }
                    Value::Invalid => {}
                    _ => diags.push(
                        Diagnostic::error(
                            Code::Environment,
                            item.span,
                            format!("an environment entry must be `KEY=VALUE` or `KEY`, found {}", item.kind()),
                        )
                        .with_label("not KEY=VALUE")
                        .with_help("quote the entry, e.g. `- \"PORT=3000\"`"),
                    ),
                }
            }
        }
        Value::Null | Value::Invalid => {}
        _ => diags.push(node.wrong_type("`environment`", "a mapping or a list of `KEY=VALUE` strings")),
    }
    vars
}

/// A variable *name* taken from the environment would put a value into the template.
fn computed_name(item: &Node, t: &Text) -> Diagnostic {
    Diagnostic::error(Code::Environment, item.span, format!("the variable name in `{}` comes from `${{…}}`", t.text))
        .with_label("a name from the environment")
        .with_help("write the name out (`KEY=${VALUE}`): only values can come from the environment, at deploy time")
}

/// Warns at each number of `environment:` or `labels:` (mapping form) in `service` whose text
/// as written is not the text the container gets: `0123` is written out as `123`, `0x1F` as
/// `31`, `1.50` as `1.5`. YAML parsers disagree on such numbers (Compose's reads `010` as octal
/// 8), so either way the value is not what the user wrote; the value itself is left as it is
/// read, so templates do not change. Only literal text is quoted: a number is never the
/// result of `${…}`. `seen` keeps one warning per place when services share it (`extends:`).
pub fn warn_rewritten_numbers(
    service: &Node,
    sources: &Sources,
    seen: &mut HashSet<Span>,
    diags: &mut Vec<Diagnostic>,
) {
    for section in ["environment", "labels"] {
        let Some(entries) = service.get(section).and_then(Node::as_map) else { continue };
        for (key, value) in entries {
            if !matches!(value.value, Value::Int(_) | Value::Float(_)) || !seen.insert(value.span) {
                continue;
            }
            let (Some(read), Some(written)) = (value.scalar_text(), written_text(value.span, sources)) else {
                continue;
            };
            if read == written {
                continue;
            }
            let digits = written.trim_start_matches(['+', '-']);
            let leading_zero =
                digits.starts_with('0') && digits[1..].starts_with(|c: char| c.is_ascii_digit() || c == '_');
            let (message, why) = match leading_zero {
                true => (
                    format!("`{}: {written}` is read as the number {read} and loses its leading zero", key.name),
                    "YAML parsers disagree on a leading zero (Compose's reads `010` as octal 8)",
                ),
                false => (
                    format!("`{}: {written}` is read as the number {read}, not as the text written", key.name),
                    "a number is written out in plain decimal form",
                ),
            };
            diags.push(
                Diagnostic::warning(Code::WrongType, value.span, message)
                    .with_label(format!("read as `{read}`"))
                    .with_help(format!("quote it: `{}: \"{written}\"`: {why}", key.name)),
            );
        }
    }
}

/// The text `span` covers in its file, when the span is a real place in it.
fn written_text(span: Span, sources: &Sources) -> Option<String> {
    let text = sources.iter().nth(span.source.0 as usize)?.text.get(span.start..span.end)?;
    (!text.is_empty()).then(|| text.to_string())
}
