//! The JSON Schema for docker-compose files that editors use (`# yaml-language-server: $schema=…`),
//! generated from the interpreter's own label table ([`LABELS`]) so the two cannot drift.
//!
//! Draft-07, because yaml-language-server (VS Code's YAML extension, monaco-yaml) validates
//! draft-07 fully and later drafts only partly. Both label forms are covered: the mapping form
//! by property names and patterns, the `key=value` list form by one string pattern per label.
//! A value holding `$` is accepted as it is: only interpolation can tell what it becomes.

pub use crate::interpret::labels::values_text;
use crate::interpret::labels::{LABELS, LabelSpec, OWNED_PREFIXES, Scope, ValueKind};
use crate::load::DEFAULT_FILES;
use serde_json::{Map, Value, json};

/// The JSON Schema dialect of [`compose_schema`].
pub const DRAFT: &str = "http://json-schema.org/draft-07/schema#";

/// A regular expression (ECMA-262 and Rust `regex` alike) matching exactly the decimal
/// numbers `min..=max`, without sign or leading zeros.
pub fn range_regex(min: u32, max: u32) -> String {
    assert!(min <= max, "empty range {min}..={max}");
    let mut alternatives = Vec::new();
    let digits = |n: u32| n.to_string().len();
    for width in digits(min)..=digits(max) {
        let lowest = if width == 1 { 0 } else { 10u32.pow(width as u32 - 1) };
        let highest = 10u32.pow(width as u32) - 1;
        let (lo, hi) = (min.max(lowest), max.min(highest));
        if lo <= hi {
            alternatives.extend(same_width(&lo.to_string(), &hi.to_string()));
        }
    }
    format!("({})", alternatives.join("|"))
}

/// Alternatives matching `lo..=hi`, two numbers of the same width, digit by digit.
fn same_width(lo: &str, hi: &str) -> Vec<String> {
    if lo == hi {
        return vec![lo.to_string()];
    }
    let (a, rest_lo) = lo.split_at(1);
    let (b, rest_hi) = hi.split_at(1);
    if a == b {
        return same_width(rest_lo, rest_hi).into_iter().map(|s| format!("{a}{s}")).collect();
    }
    let n = rest_lo.len();
    let (a, b) = (a.as_bytes()[0] - b'0', b.as_bytes()[0] - b'0');
    let mut out = Vec::new();
    let mut first_full = a;
    if rest_lo.bytes().any(|d| d != b'0') {
        out.extend(same_width(rest_lo, &"9".repeat(n)).into_iter().map(|s| format!("{a}{s}")));
        first_full = a + 1;
    }
    let upper_full = rest_hi.bytes().all(|d| d == b'9');
    let last_full = if upper_full { b } else { b - 1 };
    if first_full <= last_full {
        let digit =
            if first_full == last_full { first_full.to_string() } else { format!("[{first_full}-{last_full}]") };
        out.push(format!("{digit}{}", "[0-9]".repeat(n)));
    }
    if !upper_full {
        out.extend(same_width(&"0".repeat(n), rest_hi).into_iter().map(|s| format!("{b}{s}")));
    }
    out
}

/// Escapes a literal for a regular expression.
fn escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$".contains(c);
            special.then_some('\\').into_iter().chain(std::iter::once(c))
        })
        .collect()
}

/// The port numbers a `convox.port.<N>.` label accepts: 1–65535, leading zeros allowed
/// (the interpreter reads the number, so `0443` is 443).
fn port_regex() -> String {
    format!("0*{}", range_regex(1, 65535))
}

/// The regular expression of a label's key, without anchors.
fn key_regex(spec: &LabelSpec) -> String {
    match spec.port_key() {
        Some(name) => format!("convox\\.port\\.{}\\.{}", port_regex(), escape(name)),
        None => escape(spec.key),
    }
}

/// The regular expression of the values a label takes, as text, without anchors.
pub fn value_regex(kind: ValueKind) -> String {
    match kind {
        ValueKind::Choice(words) => format!("({})", words.iter().map(|w| escape(w)).collect::<Vec<_>>().join("|")),
        ValueKind::Bool => "(true|false)".into(),
        ValueKind::Integer { min, max } => format!("0*{}", range_regex(min, max)),
        // The interpreter takes printable ASCII only, as the ELB API does, up to its length limit.
        ValueKind::Path => format!("/[\\x21-\\x7e]{{0,{}}}", crate::interpret::labels::MAX_HEALTH_PATH - 1),
        ValueKind::ContainerPort => format!("0*{}", range_regex(1, 65535)),
    }
}

/// The description shown when hovering over a label in an editor.
fn description(spec: &LabelSpec) -> String {
    let default = if spec.default.is_empty() { String::new() } else { format!(" Default: {}.", spec.default) };
    format!("{} Values: {}.{default}", spec.summary, values_text(spec.kind))
}

fn interpolated() -> Value {
    json!({"type": "string", "pattern": "\\$", "description": "interpolated: checked after `${…}` substitution"})
}

/// The schema of a label's value in mapping form: the YAML types the interpreter reads.
fn value_schema(spec: &LabelSpec) -> Value {
    let text = json!({"type": "string", "pattern": format!("^{}$", value_regex(spec.kind))});
    let typed = match spec.kind {
        ValueKind::Choice(words) => json!({"enum": words}),
        ValueKind::Bool => json!({"type": "boolean"}),
        ValueKind::Integer { min, max } => json!({"type": "integer", "minimum": min, "maximum": max}),
        ValueKind::ContainerPort => json!({"type": "integer", "minimum": 1, "maximum": 65535}),
        ValueKind::Path => text.clone(),
    };
    let mut schema = Map::new();
    schema.insert("description".into(), description(spec).into());
    schema.insert("markdownDescription".into(), markdown_description(spec).into());
    if !spec.default.is_empty() {
        schema.insert("default".into(), spec.default.into());
    }
    schema.insert("anyOf".into(), json!([typed, text, interpolated()]));
    Value::Object(schema)
}

fn markdown_description(spec: &LabelSpec) -> String {
    let default = if spec.default.is_empty() { "none".to_string() } else { format!("`{}`", spec.default) };
    format!("**`{}`** — {}\n\nValues: {}. Default: {default}.", spec.key, spec.summary, values_text(spec.kind))
}

/// The regular expression of keys under the prefixes this tool owns (`convox.port.`, …):
/// any key there that is not a known label is an error.
fn owned_regex() -> String {
    format!("^({})", OWNED_PREFIXES.iter().map(|p| escape(p)).collect::<Vec<_>>().join("|"))
}

/// `labels:` in either form: object keywords apply to the mapping form, `items` to the list
/// form, so one schema serves both and errors point at the label, not at `labels:`.
fn labels() -> Value {
    let (Value::Object(mut map), Value::Object(list)) = (label_map(), label_list()) else {
        unreachable!("both are objects")
    };
    map.extend(list);
    map.insert("type".into(), json!(["object", "array", "null"]));
    map.insert(
        "description".into(),
        "Labels, as a mapping or as a list of `key=value` strings. Port labels are keyed by the balancer port (`convox.port.443.protocol`)."
            .into(),
    );
    Value::Object(map)
}

/// Labels in mapping form.
fn label_map() -> Value {
    let mut properties = Map::new();
    let mut patterns = Map::new();
    for spec in LABELS {
        match spec.scope {
            Scope::Balancer | Scope::Service => {
                properties.insert(spec.key.to_string(), value_schema(spec));
            }
            Scope::Port => {
                patterns.insert(format!("^{}$", key_regex(spec)), value_schema(spec));
            }
        }
    }
    let mut known: Vec<Value> = vec![json!({"not": {"pattern": owned_regex()}})];
    known.extend(LABELS.iter().map(|s| json!({"pattern": format!("^{}$", key_regex(s))})));
    json!({
        "type": "object",
        "description": "Labels as a mapping. Port labels are keyed by the balancer port (`convox.port.443.protocol`).",
        "properties": properties,
        "patternProperties": patterns,
        "propertyNames": {
            "anyOf": known,
            "patternErrorMessage": "unknown convox label: run `compose-cfn explain convox` for the labels compose-cfn reads",
        },
        "additionalProperties": {"type": ["string", "number", "boolean", "null"]},
    })
}

/// Labels in list form: each item `key=value`, checked by the pattern of its label.
fn label_list() -> Value {
    let mut checks: Vec<Value> = Vec::new();
    let mut known: Vec<Value> = vec![json!({"not": {"pattern": owned_regex()}}), json!({"pattern": "\\$"})];
    for spec in LABELS {
        let key = key_regex(spec);
        known.push(json!({"pattern": format!("^{key}(=|$)")}));
        checks.push(json!({
            "if": {"pattern": format!("^{key}(=|$)")},
            "then": {
                "pattern": format!("^{key}={}$|\\$", value_regex(spec.kind)),
                "description": description(spec),
                "patternErrorMessage": format!("`{}` takes {}", spec.key, values_text(spec.kind)),
            },
        }));
    }
    checks.push(json!({"anyOf": known, "patternErrorMessage": "unknown convox label"}));
    json!({
        "type": "array",
        "description": "Labels as a list of `key=value` strings.",
        "items": {"type": "string", "allOf": checks},
    })
}

/// The JSON Schema of a docker-compose file, with the `convox.*` labels compose-cfn reads.
///
/// It checks the structure compose-cfn reads (services, ports, labels, profiles) and every
/// Convox label; other Compose keys are accepted unchecked.
pub fn compose_schema() -> Value {
    let port_number = json!({"type": "integer", "minimum": 1, "maximum": 65535});
    let port_text = json!({"type": "string"});
    let service = json!({
        "type": "object",
        "description": "A service; one that maps a TCP port gets a Classic Load Balancer.",
        "properties": {
            "labels": labels(),
            "ports": {
                "type": ["array", "null"],
                "description": "`HOST:CONTAINER` is a public listener on HOST; a bare `CONTAINER` is an internal listener.",
                "items": {"anyOf": [
                    port_number,
                    {"type": "string", "description": "[IP:]HOST:CONTAINER[/PROTOCOL], or CONTAINER"},
                    {"type": "object", "properties": {
                        "target": {"anyOf": [port_number, port_text]},
                        "published": {"anyOf": [port_number, port_text]},
                        "protocol": {"type": "string"},
                    }},
                ]},
            },
            "profiles": {"type": "array", "items": {"type": "string"}},
        },
    });
    let top_level = json!({
        "version": {"type": ["string", "number"], "description": "Obsolete; ignored."},
        "name": {"type": "string", "description": "The project name; compose-cfn's default app name."},
        "services": {"type": ["object", "null"], "additionalProperties": {"$ref": "#/definitions/service"}},
        "networks": {}, "volumes": {}, "secrets": {}, "configs": {}, "include": {},
        "x-compose-cfn": {
            "type": "object",
            "description": "compose-cfn's own settings; `--balancer` on the command line overrides `balancer`.",
            "properties": {
                "balancer": {
                    "enum": ["classic", "v2"],
                    "description": "The balancer target: classic (one Classic ELB per service, the default) or v2 (Application and Network Load Balancers).",
                },
            },
        },
    });
    json!({
        "$schema": DRAFT,
        "title": "docker-compose file with Convox load balancer labels (compose-cfn)",
        "description": format!(
            "A Compose file ({} …) as compose-cfn reads it; generated by `compose-cfn schema`.",
            DEFAULT_FILES.join(", ")
        ),
        "type": "object",
        "properties": top_level,
        "patternProperties": {"^x-": {}},
        // With `version:`, services belong under `services:` (only format 1 has neither).
        "dependencies": {"version": ["services"]},
        // A file without `services:` (Compose file format 1) has its services at the top level;
        // with it, other keys are only unknown (a warning), so they are not checked.
        "if": {"required": ["services"]},
        "else": {
            "properties": top_level,
            "patternProperties": {"^x-": {}},
            "additionalProperties": {"$ref": "#/definitions/service"},
        },
        "definitions": {"service": service},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_regexes_match_exactly_their_range() {
        for (min, max) in [(0, 0), (1, 65535), (2, 60), (5, 300), (2, 10), (1, 3600), (7, 7), (19, 1234), (0, 99)] {
            let re = regex::Regex::new(&format!("^{}$", range_regex(min, max))).unwrap();
            for n in 0..=70_000u32 {
                assert_eq!(re.is_match(&n.to_string()), (min..=max).contains(&n), "{min}..={max} on {n}: {re}");
            }
        }
    }

    #[test]
    fn escaping_keeps_literals_literal() {
        assert_eq!(escape("convox.tls.policy"), "convox\\.tls\\.policy");
        let re = regex::Regex::new(&format!("^{}$", value_regex(ValueKind::Choice(&["a.b", "c"])))).unwrap();
        assert!(re.is_match("a.b") && re.is_match("c") && !re.is_match("axb"));
    }
}
