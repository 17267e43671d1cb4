//! A service's `environment:` (mapping or `KEY=VALUE` list), with every value that came from
//! the compile environment marked so that it never reaches a template.

use super::Environment;
use super::node::{Node, Value};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use indexmap::IndexMap;

/// Where a container variable's value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvValue {
    /// Written in the manifest: safe to put in the template.
    Literal(String),
    /// Taken from the compile environment (by `${…}` or a bare `KEY`): possibly a CI secret,
    /// so the value is not kept at all; the template asks for it as a `NoEcho` parameter.
    FromEnvironment,
}

/// One variable of a container's environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvVar {
    /// Its value's origin.
    pub value: EnvValue,
    /// Where it was written.
    pub span: Span,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['=', '\0']) && !name.chars().any(char::is_whitespace)
}

/// Reads `environment:`; `env` answers bare `KEY` entries, as Compose does.
pub fn read_environment(node: &Node, env: &Environment, diags: &mut Vec<Diagnostic>) -> IndexMap<String, EnvVar> {
    let mut vars = IndexMap::new();
    let mut add = |name: &str, value: Option<EnvValue>, span: Span, diags: &mut Vec<Diagnostic>| {
        if !valid_name(name) {
            diags.push(
                Diagnostic::error(Code::Environment, span, format!("`{name}` is not a variable name"))
                    .with_label("invalid name")
                    .with_help("write `KEY=VALUE` or `KEY`; names have no spaces or `=`"),
            );
            return;
        }
        let value = match value {
            Some(v) => v,
            // A bare KEY passes the compile environment's value through, if there is one.
            None if env.get(name).is_some() => EnvValue::FromEnvironment,
            None => {
                diags.push(
                    Diagnostic::warning(
                        Code::Environment,
                        span,
                        format!("`{name}` has no value and is not set in the environment; it is left out"),
                    )
                    .with_help(format!("write `{name}=value`, or set `{name}` where compose-cfn runs")),
                );
                return;
            }
        };
        vars.insert(name.to_string(), EnvVar { value, span });
    };
    let origin =
        |n: &Node, text: String| if n.is_interpolated() { EnvValue::FromEnvironment } else { EnvValue::Literal(text) };
    match &node.value {
        Value::Map(entries) => {
            for (key, value) in entries {
                match &value.value {
                    Value::Null => add(&key.name, None, key.span, diags),
                    Value::Invalid => {}
                    Value::Seq(_) | Value::Map(_) => {
                        diags.push(value.wrong_type(&format!("variable `{}`", key.name), "a string, number or boolean"))
                    }
                    _ => {
                        let text = value.scalar_text().unwrap_or_default();
                        add(&key.name, Some(origin(value, text)), value.span, diags);
                    }
                }
            }
        }
        Value::Seq(items) => {
            for item in items {
                match &item.value {
                    Value::Str(t) => match t.text.split_once('=') {
                        Some((name, value)) => add(name, Some(origin(item, value.to_string())), item.span, diags),
                        None => add(&t.text, None, item.span, diags),
                    },
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
