//! The list- and mapping-valued container keys of a service — `ulimits`, `extra_hosts`,
//! `volumes`, `links` — read entry by entry into [`super::container`]'s typed entries.

use super::container::{ExtraHostEntry, LinkEntry, UlimitEntry, VolumeEntry, Written, container_error};
use super::interpolate;
use super::node::{Node, Value};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Spanned;

/// The items of a list-valued key: none for null or an already-reported value, and a
/// `wrong-type` error for anything else that is not a list.
fn items<'n>(node: &'n Node, what: &str, expected: &str, diags: &mut Vec<Diagnostic>) -> &'n [Node] {
    match &node.value {
        Value::Seq(items) => items,
        Value::Null | Value::Invalid => &[],
        _ => {
            diags.push(node.wrong_type(what, expected));
            &[]
        }
    }
}

pub(super) fn ulimits(node: &Node, diags: &mut Vec<Diagnostic>) -> Vec<UlimitEntry> {
    let Some(entries) = node.as_map() else {
        diags.push(node.wrong_type("`ulimits`", "a mapping such as `nofile: {soft: 20000, hard: 40000}`"));
        return Vec::new();
    };
    let limit = |n: &Node| match &n.value {
        Value::Int(i) => Some(*i),
        _ => None,
    };
    entries
        .iter()
        .map(|(key, value)| {
            let (soft, hard) = match &value.value {
                Value::Int(i) => (Some(*i), Some(*i)),
                Value::Map(_) => (value.get("soft").and_then(limit), value.get("hard").and_then(limit)),
                _ => (None, None),
            };
            UlimitEntry { name: Spanned::new(key.name.clone(), key.span), soft, hard, span: value.span }
        })
        .collect()
}

pub(super) fn extra_hosts(node: &Node, diags: &mut Vec<Diagnostic>) -> Vec<ExtraHostEntry> {
    let mut out = Vec::new();
    match &node.value {
        Value::Seq(items) => {
            for item in items {
                let Some(segments) = item.segments().filter(|_| !matches!(item.value, Value::Null)) else {
                    diags.push(item.wrong_type("an `extra_hosts` entry", "a string `host:ip`"));
                    continue;
                };
                // `host:ip` (the IP may be IPv6 and contain colons) or `host=ip`.
                match interpolate::split_once(&segments, '=').or_else(|| interpolate::split_once(&segments, ':')) {
                    Some((host, ip)) => out.push(ExtraHostEntry {
                        hostname: Written { segments: host, span: item.span },
                        ip: Written { segments: ip, span: item.span },
                        span: item.span,
                    }),
                    None => diags.push(container_error(
                        item.span,
                        format!("`{}` is not `host:ip`", item.scalar_text().unwrap_or_default()),
                        "write e.g. `somehost:162.242.195.82`",
                    )),
                }
            }
        }
        Value::Map(entries) => {
            for (k, v) in entries {
                out.push(ExtraHostEntry {
                    hostname: Written::literal(&k.name, v.span),
                    ip: Written { segments: v.segments().map(|s| s.into_owned()).unwrap_or_default(), span: v.span },
                    span: v.span,
                });
            }
        }
        Value::Null | Value::Invalid => {}
        _ => diags.push(node.wrong_type("`extra_hosts`", "a list of `host:ip` strings or a mapping")),
    }
    out
}

/// Reads `volumes:` (short `source:target[:ro]` or long `{type, source, target, read_only}`).
pub(super) fn volumes(node: &Node, diags: &mut Vec<Diagnostic>) -> Vec<VolumeEntry> {
    items(node, "`volumes`", "a list", diags)
        .iter()
        .filter_map(|item| {
            let (source, target, read_only) = volume(item, diags)?;
            Some(VolumeEntry { source, target, read_only, span: item.span })
        })
        .collect()
}

/// `(source, target, read_only)` of one entry; `None` (with an error) when it is malformed.
pub(super) fn volume(item: &Node, diags: &mut Vec<Diagnostic>) -> Option<(String, String, bool)> {
    let bad = |diags: &mut Vec<Diagnostic>, why: &str| {
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
            let read_only = item.get("read_only").and_then(|n| n.boolean("`read_only`", diags)).unwrap_or(false);
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

/// `links:`: service names (and aliases) written out, since they name services and variables
/// of the template. Whether the services exist is `interpret`'s.
pub(super) fn links(node: &Node, diags: &mut Vec<Diagnostic>) -> Vec<LinkEntry> {
    let mut out = Vec::new();
    for item in items(node, "`links`", "a list of service names", diags) {
        let Some(text) = item.scalar_text() else {
            diags.push(item.wrong_type("a link", "a service name, or `service:alias`"));
            continue;
        };
        if item.is_interpolated() {
            diags.push(
                Diagnostic::error(Code::UnknownLink, item.span, format!("the link `{text}` comes from `${{…}}`"))
                    .with_label("a link from the environment")
                    .with_help("write the service name (and alias) out"),
            );
            continue;
        }
        let (target, alias) = text.split_once(':').unwrap_or((&text, &text));
        out.push(LinkEntry { target: target.to_string(), alias: alias.to_string(), span: item.span });
    }
    out
}
