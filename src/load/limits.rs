//! Sizes and counts of a container's limits as Docker reads them — memory (`512m`), CPUs
//! (`0.5`), whole numbers — checked against the bounds ECS accepts, where the value and its
//! span are at hand.

use super::container::{container_error, resource};
use super::node::{Node, Value};
use crate::diagnostic::Diagnostic;

/// The container's `Cpu` units: `cpu_shares` as written, else `cpus` (or `deploy.resources`
/// reservations, then limits) at 1024 units a CPU. On EC2 `Cpu` reserves units and weights
/// the container under contention; it is not a hard cap as `cpus` is under Docker.
pub(super) fn cpu_units(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<u32> {
    if let Some(shares) = node.get("cpu_shares") {
        return whole(shares, "cpu_shares", 0, 10240, diags);
    }
    let (key, n) = [
        ("cpus", node.get("cpus")),
        ("deploy.resources.reservations.cpus", resource(node, "reservations", "cpus")),
        ("deploy.resources.limits.cpus", resource(node, "limits", "cpus")),
    ]
    .into_iter()
    .find_map(|(k, n)| Some((k, n?)))?;
    let value = match &n.value {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Str(_) => n.structural(diags)?.trim().parse::<f64>().ok(),
        _ => None,
    };
    match value {
        Some(v) if v > 0.0 && v <= 10.0 => Some(((v * 1024.0).round() as u32).max(1)),
        _ => {
            diags.push(container_error(
                n.span,
                format!(
                    "`{key}` must be a number of CPUs above 0 and at most 10, not `{}`",
                    n.scalar_text().unwrap_or_default()
                ),
                "write a number of CPUs such as `0.5` or `2` (ECS gives 1024 units a CPU)",
            ));
            None
        }
    }
}

/// A memory size as Docker reads it (`512m`, `1.5g`, `1073741824`), in whole MiB (rounded up).
pub(super) fn memory(node: &Node, key: &str, diags: &mut Vec<Diagnostic>) -> Option<u32> {
    let bytes = match &node.value {
        Value::Invalid => return None,
        Value::Int(i) if *i >= 0 => Ok(*i as f64),
        Value::Str(t) => parse_bytes(&node.structural(diags)?).ok_or(t.text.clone()),
        Value::Seq(_) | Value::Map(_) => {
            diags.push(node.wrong_type(&format!("`{key}`"), "a memory size such as `512m`"));
            return None;
        }
        _ => Err(node.scalar_text().unwrap_or_else(|| node.kind().to_string())),
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(text) => {
            // `text` is as written: a value from the environment is never quoted.
            diags.push(container_error(
                node.span,
                format!("`{key}` is `{text}`, not a memory size"),
                "write a number with a unit b, k, m or g, e.g. `512m` or `1g`",
            ));
            return None;
        }
    };
    let mib = (bytes / (1024.0 * 1024.0)).ceil();
    if mib < 6.0 {
        let hint = match &node.value {
            Value::Int(i) => format!("; `{i}` is bytes — did you mean `{i}m`?"),
            _ => String::new(),
        };
        diags.push(container_error(
            node.span,
            format!("`{key}` is below the 6 MiB a container needs"),
            format!("give at least `6m`{hint}"),
        ));
        return None;
    }
    if mib > f64::from(u32::MAX) {
        diags.push(container_error(
            node.span,
            format!("`{key}` is larger than any instance"),
            "give the size in m or g, e.g. `4g`",
        ));
        return None;
    }
    Some(mib as u32)
}

fn parse_bytes(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok().filter(|n: &f64| n.is_finite())?;
    let unit = unit.trim().to_ascii_lowercase();
    let unit = unit.strip_suffix('b').unwrap_or(&unit);
    let unit = unit.strip_suffix('i').unwrap_or(unit);
    let factor = match unit {
        "" => 1.0,
        "k" => 1024.0,
        "m" => 1024.0 * 1024.0,
        "g" => 1024.0 * 1024.0 * 1024.0,
        "t" => 1024.0_f64.powi(4),
        _ => return None,
    };
    Some(number * factor)
}

pub(super) fn whole(node: &Node, key: &str, min: i64, max: i64, diags: &mut Vec<Diagnostic>) -> Option<u32> {
    let value = match &node.value {
        Value::Int(i) => Some(*i),
        Value::Str(_) => node.structural(diags)?.trim().parse::<i64>().ok(),
        Value::Invalid => return None,
        _ => None,
    };
    match value {
        Some(v) if (min..=max).contains(&v) => Some(v as u32),
        _ => {
            diags.push(container_error(
                node.span,
                format!(
                    "`{key}` must be a whole number from {min} to {max}, not `{}`",
                    node.scalar_text().unwrap_or_default()
                ),
                format!("use a whole number from {min} to {max}"),
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes_read_as_docker_reads_them() {
        assert_eq!(parse_bytes("512m"), Some(512.0 * 1024.0 * 1024.0));
        assert_eq!(parse_bytes("1g"), Some(1024.0 * 1024.0 * 1024.0));
        assert_eq!(parse_bytes("1.5GB"), Some(1.5 * 1024.0 * 1024.0 * 1024.0));
        assert_eq!(parse_bytes("64MiB"), Some(64.0 * 1024.0 * 1024.0));
        assert_eq!(parse_bytes("1024"), Some(1024.0));
        assert_eq!(parse_bytes("512q"), None);
        assert_eq!(parse_bytes("m"), None);
        assert_eq!(parse_bytes(""), None);
    }
}
