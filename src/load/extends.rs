//! `extends:` within one file: a service built on another, merged as Compose merges it — by
//! the same rules as several `-f` files (mappings by key, `ports` appended without
//! duplicates, labels and environment by key, anything else replaced by the extending
//! service's value), a chain of `extends` followed to its end. A cycle, a missing service
//! or a malformed `extends` is a located error. `extends: {file: …}` is refused for now.

use super::compose::{Service, merge_service};
use super::node::{Node, Value};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use std::collections::HashMap;

/// How far a service's `extends` has been followed.
#[derive(Clone, Copy, PartialEq)]
enum State {
    Todo,
    /// On the chain being followed now: meeting it again is a cycle.
    OnPath,
    Done,
}

/// Replaces each service that `extends` another by the merge of that one (itself resolved
/// first) and its own keys, and removes the `extends` keys. Linear in the services: each
/// chain is followed once, without recursion, so a chain of thousands cannot overflow.
pub(super) fn resolve(services: &mut [Service], diags: &mut Vec<Diagnostic>) {
    let index: HashMap<String, usize> = services.iter().enumerate().map(|(i, s)| (s.name.value.clone(), i)).collect();
    let bases: Vec<Option<(String, Span)>> = services.iter().map(|s| base_of(s, diags)).collect();
    let mut state = vec![State::Todo; services.len()];
    for start in 0..services.len() {
        let mut path = Vec::new();
        let mut at = start;
        while state[at] == State::Todo {
            let Some((base, span)) = &bases[at] else { break };
            match index.get(base) {
                Some(&next) if state[next] == State::OnPath || next == at => {
                    cycle(services, &path, at, next, *span, diags);
                    break;
                }
                Some(&next) => {
                    state[at] = State::OnPath;
                    path.push((at, next));
                    at = next;
                }
                None => {
                    diags.push(
                        Diagnostic::error(
                            Code::Extends,
                            *span,
                            format!("`extends` names `{base}`, which is not a service of this file"),
                        )
                        .with_label("no such service")
                        .with_help(
                            "name a service defined in this file (another file's is not read yet: merge it with -f)",
                        ),
                    );
                    break;
                }
            }
        }
        state[at] = State::Done;
        // From the end of the chain back: each base is complete before it is extended.
        for &(service, base) in path.iter().rev() {
            if state[service] != State::OnPath {
                continue;
            }
            let mut merged = services[base].clone();
            let own = std::mem::replace(&mut services[service], merged.clone());
            let name = own.name.clone();
            merge_service(&mut merged, own);
            merged.name = name;
            services[service] = merged;
            state[service] = State::Done;
        }
    }
    for service in services.iter_mut() {
        if let Value::Map(entries) = &mut service.node.value {
            entries.retain(|(k, _)| k.name != "extends");
        }
    }
}

/// The service a service extends and where that is written; `None` (with an error when it
/// is malformed) when it extends none.
fn base_of(service: &Service, diags: &mut Vec<Diagnostic>) -> Option<(String, Span)> {
    let node = service.node.get("extends")?;
    let name_node = match &node.value {
        Value::Str(_) => node,
        Value::Map(_) => {
            if let Some(file) = node.get("file") {
                diags.push(
                    Diagnostic::error(Code::Extends, file.span, "`extends` from another file is not supported yet")
                        .with_label("not read")
                        .with_help(
                            "copy the service into this file, or merge the other file with -f and extend it from there",
                        ),
                );
                return None;
            }
            match node.get("service") {
                Some(n) => n,
                None => {
                    diags.push(
                        Diagnostic::error(Code::Extends, node.span, "`extends` names no `service`")
                            .with_help("write `extends: {service: NAME}` or `extends: NAME`"),
                    );
                    return None;
                }
            }
        }
        Value::Invalid => return None,
        _ => {
            diags.push(node.wrong_type("`extends`", "a service name or a mapping with `service`"));
            return None;
        }
    };
    name(name_node, diags).map(|n| (n, name_node.span))
}

/// The service name, written out: which services exist is structure, never the environment's.
fn name(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<String> {
    if node.is_interpolated() {
        diags.push(
            Diagnostic::error(Code::Extends, node.span, "the service `extends` names comes from `${…}`")
                .with_label("a name from the environment")
                .with_help("write the service name out"),
        );
        return None;
    }
    match &node.value {
        Value::Str(t) => Some(t.text.clone()),
        _ => {
            diags.push(node.wrong_type("`extends.service`", "a service name"));
            None
        }
    }
}

/// Reports the cycle closed at `at` (whose `extends`, at `span`, names `back`, already on the
/// chain `path`).
fn cycle(
    services: &[Service],
    path: &[(usize, usize)],
    at: usize,
    back: usize,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) {
    let from = path.iter().position(|&(s, _)| s == back).unwrap_or(path.len());
    let mut names: Vec<&str> = path[from..].iter().map(|&(s, _)| services[s].name.value.as_str()).collect();
    names.push(&services[at].name.value);
    names.push(&services[back].name.value);
    diags.push(
        Diagnostic::error(
            Code::Extends,
            span,
            format!(
                "`extends` goes round in a circle: {}",
                names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" → ")
            ),
        )
        .with_label("leads back to a service already extended")
        .with_help("remove `extends` from one of these services"),
    );
}

#[cfg(test)]
mod tests {
    use crate::load::{Environment, Input, load_project};
    use crate::source::Sources;

    fn load(text: String) -> (crate::load::Project, crate::diagnostic::Diagnostics) {
        let input = Input { path: "docker-compose.yml".into(), bytes: text.into_bytes() };
        load_project(&mut Sources::default(), vec![input], &Environment::default())
    }

    #[test]
    fn a_long_chain_is_followed_to_its_end_without_recursion() {
        let mut text = String::from("services:\n  s0:\n    image: example/base\n    mem_limit: 64m\n");
        for i in 1..5000 {
            text.push_str(&format!("  s{i}:\n    extends: s{}\n", i - 1));
        }
        let (project, diags) = load(text);
        assert!(!diags.has_errors(), "{diags:?}");
        let last = project.services.iter().find(|s| s.name.value == "s4999").unwrap();
        assert_eq!(last.container.memory_mib, Some(64));
        assert!(last.node.get("extends").is_none(), "the `extends` key is gone once resolved");
    }

    #[test]
    fn a_service_extending_itself_is_a_cycle() {
        let (_, diags) = load("services:\n  web:\n    extends: web\n    image: x\n".into());
        let messages: Vec<String> = diags.iter().map(|d| d.message.clone()).collect();
        assert_eq!(messages, ["`extends` goes round in a circle: `web` → `web`"]);
    }
}
