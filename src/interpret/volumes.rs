//! `volumes:` of a service: named volumes become host directories under `/volumes/<app>/`, as
//! Convox mapped them; bind mounts and anonymous volumes have no place on a container
//! instance and are warned about.

use super::plan::VolumeMount;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::load::node::{Node, Value};

/// The host directory of a named volume: `/volumes/<app>/<volume>`, shared by the app's
/// services that mount it on one instance (each instance has its own: data does not follow
/// a task to another instance).
pub fn host_path(app: &str, volume: &str) -> String {
    format!("/volumes/{app}/{volume}")
}

/// The task volume's name: ECS allows letters, digits, `-` and `_`.
fn task_volume_name(volume: &str) -> String {
    volume.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect()
}

/// Reads `volumes:` (short `source:target[:ro]` or long `{type, source, target, read_only}`).
pub(super) fn read(app: &str, node: &Node, diags: &mut Diagnostics) -> Vec<VolumeMount> {
    let Value::Seq(items) = &node.value else {
        if !matches!(node.value, Value::Null | Value::Invalid) {
            diags.push(node.wrong_type("`volumes`", "a list"));
        }
        return Vec::new();
    };
    let mut out: Vec<VolumeMount> = Vec::new();
    for item in items {
        let Some((source, target, read_only)) = parse(item, diags) else { continue };
        let named = !source.is_empty() && !source.starts_with(['.', '/', '~', '$']);
        if !named {
            let what = if source.is_empty() { "an anonymous volume" } else { "a bind mount of a host path" };
            diags.push(
                Diagnostic::warning(Code::UntranslatedKey, item.span, format!("{what} has no counterpart on a container instance and is ignored"))
                    .with_label("ignored")
                    .with_help("name the volume (e.g. `data:/var/lib/data`) to get a directory under `/volumes/<app>/` on each instance, or bake the files into the image"),
            );
            continue;
        }
        if out.iter().any(|m| m.container_path == target) {
            continue;
        }
        out.push(VolumeMount {
            name: task_volume_name(&source),
            host_path: host_path(app, &source),
            container_path: target,
            read_only,
        });
    }
    out
}

/// `(source, target, read_only)` of one entry; `None` (with an error) when it is malformed.
fn parse(item: &Node, diags: &mut Diagnostics) -> Option<(String, String, bool)> {
    let bad = |diags: &mut Diagnostics, why: &str| {
        diags.push(
            Diagnostic::error(Code::ContainerValue, item.span, format!("a volume {why}"))
                .with_label("invalid volume")
                .with_help(
                    "write `name:/container/path` (`:ro` for read-only), or a mapping with `source` and `target`",
                ),
        );
        None
    };
    match &item.value {
        Value::Map(_) => {
            let mut text = |key: &str| item.get(key).and_then(|n| n.structural(diags));
            let (kind, source, target) = (text("type"), text("source"), text("target"));
            let Some(target) = target.filter(|t| t.starts_with('/')) else {
                return bad(diags, "needs an absolute `target`");
            };
            let read_only = item.get("read_only").is_some_and(|n| n.value == Value::Bool(true));
            // Only `type: volume` (the default) names a volume; `bind` and others are host paths.
            let source = if kind.is_none_or(|t| t == "volume") { source.unwrap_or_default() } else { "/".into() };
            Some((source, target, read_only))
        }
        Value::Str(_) => {
            let text = item.structural(diags)?;
            let parts: Vec<&str> = text.split(':').collect();
            let (source, target, mode) = match parts.as_slice() {
                [target] => ("", *target, ""),
                [source, target] => (*source, *target, ""),
                [source, target, mode] => (*source, *target, *mode),
                _ => return bad(diags, "has too many `:`"),
            };
            if !target.starts_with('/') {
                return bad(diags, "needs an absolute container path");
            }
            Some((source.to_string(), target.to_string(), mode.split(',').any(|m| m == "ro")))
        }
        _ => {
            diags.push(item.wrong_type("a volume", "a string or a mapping"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_volumes_live_under_the_apps_directory() {
        assert_eq!(host_path("shop", "pgdata"), "/volumes/shop/pgdata");
        assert_eq!(task_volume_name("my.data"), "my-data");
    }
}
