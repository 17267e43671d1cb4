//! A service's `healthcheck:`: the test command (its first word a keyword, the rest text as
//! written) and its durations, Go durations in the bounds ECS accepts.

use super::container::{HealthCheckKeys, Written, container_error};
use super::limits::whole;
use super::node::{Node, Value};
use crate::diagnostic::Diagnostic;

/// Reads a `healthcheck:` mapping; `None` when it is disabled, `NONE` or has no usable test.
pub(super) fn read(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<HealthCheckKeys> {
    if node.get("disable").and_then(|d| d.boolean("`healthcheck.disable`", diags)) == Some(true) {
        return None;
    }
    let test = node.get("test")?;
    let command = match &test.value {
        Value::Str(_) => vec![Written::literal("CMD-SHELL", test.span), Written::of(test)?],
        Value::Seq(items) => {
            // The first word is a keyword (structure); the rest are deploy-time text.
            let first = items.first().and_then(|i| i.structural(diags));
            let words: Vec<Written> = items.iter().skip(1).filter_map(Written::of).collect();
            match first.as_deref() {
                Some("NONE") => return None,
                Some(kind @ ("CMD" | "CMD-SHELL")) if !words.is_empty() => {
                    std::iter::once(Written::literal(kind, test.span)).chain(words).collect()
                }
                _ => {
                    diags.push(container_error(
                        test.span,
                        "`healthcheck.test` must start with CMD or CMD-SHELL".into(),
                        "e.g. `[\"CMD\", \"curl\", \"-f\", \"http://localhost/\"]`",
                    ));
                    return None;
                }
            }
        }
        _ => {
            diags.push(test.wrong_type("`healthcheck.test`", "a string or a list"));
            return None;
        }
    };
    let seconds = |key: &str, default: u32, min: u32, max: u32, diags: &mut Vec<Diagnostic>| -> u32 {
        let Some(n) = node.get(key) else { return default };
        let parsed = match &n.value {
            Value::Str(_) => match n.structural(diags) {
                Some(text) => parse_duration(&text),
                None => return default,
            },
            _ => None,
        };
        match parsed {
            Some(s) if (f64::from(min)..=f64::from(max)).contains(&s.ceil()) => s.ceil() as u32,
            Some(_) => {
                diags.push(container_error(
                    n.span,
                    format!("`healthcheck.{key}` must be from {min}s to {max}s on ECS"),
                    format!("use a duration from {min}s to {max}s"),
                ));
                default
            }
            None => {
                diags.push(container_error(
                    n.span,
                    format!("`healthcheck.{key}` is `{}`, not a duration", n.scalar_text().unwrap_or_default()),
                    "write a duration such as `30s` or `1m30s`",
                ));
                default
            }
        }
    };
    let interval = seconds("interval", 30, 5, 300, diags);
    let timeout = seconds("timeout", 5, 2, 60, diags);
    let start_period = seconds("start_period", 0, 0, 300, diags);
    let retries = node.get("retries").and_then(|n| whole(n, "healthcheck.retries", 1, 10, diags)).unwrap_or(3);
    Some(HealthCheckKeys { command, interval, timeout, retries, start_period })
}

/// A Go duration (`1m30s`, `500ms`, `2h`) in seconds.
pub fn parse_duration(text: &str) -> Option<f64> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += number * factor;
        rest = &rest[unit_len..];
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_go_reads_them() {
        assert_eq!(parse_duration("30s"), Some(30.0));
        assert_eq!(parse_duration("1m30s"), Some(90.0));
        assert_eq!(parse_duration("1h"), Some(3600.0));
        assert_eq!(parse_duration("1500ms"), Some(1.5));
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("10x"), None);
        assert_eq!(parse_duration(""), None);
    }
}
