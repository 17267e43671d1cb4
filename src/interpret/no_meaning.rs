//! Compose keys with no meaning on ECS (`depends_on`, `restart`, `container_name`, `networks`,
//! `expose`): explained once per key and file, with the reason, rather than warned about at
//! every service that uses them (real files set `restart:` on every service).

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::load::Service;
use crate::source::{SourceId, Span};
use std::collections::BTreeMap;

/// Each key, and why ECS has nothing to translate it to.
pub(super) const KEYS: &[(&str, &str)] = &[
    (
        "depends_on",
        "each compose service is an ECS service of its own, started independently; ECS orders containers only within one task, so start order and `condition:` have no counterpart. Make the app retry its connections, as it had to under Convox",
    ),
    (
        "restart",
        "the ECS service restarts for you: when the container stops, its task stops and ECS starts a replacement to keep the desired count, as `restart: always` would",
    ),
    (
        "container_name",
        "the ECS agent names the Docker containers on each instance; the container is named after the service in its task definition",
    ),
    (
        "networks",
        "tasks use bridge networking on each instance; services reach each other through `links:` (their balancers), not through Compose networks",
    ),
    (
        "expose",
        "`expose` only documents ports between containers on one Docker network; on ECS only `ports:` are mapped (a bare `ports: [\"N\"]` gives an internal balancer)",
    ),
];

/// True for the keys explained here rather than warned about per service.
pub(super) fn is_explained(key: &str) -> bool {
    KEYS.iter().any(|(k, _)| *k == key)
}

/// One warning per key and file: at its first use, naming every service that sets it.
pub(super) fn explain(services: &[&Service], diags: &mut Diagnostics) {
    // (key, file) → the first place it is written and the services writing it.
    let mut uses: BTreeMap<(&str, SourceId), (Span, Vec<&str>)> = BTreeMap::new();
    for service in services {
        for key in &service.container.other_keys {
            let Some((name, _)) = KEYS.iter().find(|(k, _)| *k == key.value) else { continue };
            let entry = uses.entry((name, key.span.source)).or_insert((key.span, Vec::new()));
            if key.span.start < entry.0.start {
                entry.0 = key.span;
            }
            entry.1.push(&service.name.value);
        }
    }
    for ((name, _), (span, users)) in uses {
        let reason = KEYS.iter().find(|(k, _)| *k == name).map_or("", |(_, r)| r);
        let who: Vec<String> = users.iter().map(|u| format!("`{u}`")).collect();
        diags.push(
            Diagnostic::warning(
                Code::NoEcsMeaning,
                span,
                format!("`{name}` (set by {}) has no meaning on ECS and is ignored", who.join(", ")),
            )
            .with_label("ignored in this file")
            .with_help(reason.to_string()),
        );
    }
}
