//! What changes inside a service: image, command, environment, memory and CPU, health check
//! and desired count — read from its task definition, shown as the new revision it makes.

use super::super::view::EnvValue;
use super::{Action, Change, ContainerView, Risk, ServiceView, Subject};
use std::collections::BTreeSet;

/// Words in a variable's name that say its value is a secret: a literal value under such a
/// name is shown as "changed", never as its text (a pull-request comment is read widely).
const SECRET_WORDS: &[&str] = &["PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "PRIVATE", "AUTH"];

/// True when a variable's name looks like it holds a secret.
pub fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|w| upper.contains(w))
}

/// A value as a report may show it: references (`${Param}`) by name, literals of secret-looking
/// variables hidden — a literal that only reads like a reference (`$${hunter2}` in Compose)
/// included.
fn environment_value(name: &str, value: &EnvValue) -> String {
    if looks_secret(name) && !value.text.is_empty() && !value.reference {
        "(hidden)".into()
    } else {
        value.text.clone()
    }
}

/// The changes of one service's ECS side: added or removed as a whole (a removal warned
/// about: its tasks stop), else its desired count and each container's settings.
pub(super) fn service_changes(
    service: &str,
    old: Option<&ServiceView>,
    new: Option<&ServiceView>,
    out: &mut Vec<Change>,
) {
    let subject = || Subject::Service { service: service.to_string() };
    match (old, new) {
        (None, None) => {}
        (None, Some(_)) => out.push(Change::new(subject(), Action::Added)),
        (Some(_), None) => out.push(
            Change::new(subject(), Action::Removed)
                .warn(Risk::ServiceRemoved, format!("the service {service} is deleted: its tasks stop")),
        ),
        (Some(a), Some(b)) => {
            if a.desired_count != b.desired_count {
                out.push(Change::new(subject(), Action::Changed).field(
                    "desired count",
                    Some(a.desired_count.clone()),
                    Some(b.desired_count.clone()),
                ));
            }
            if a.containers.is_empty() || b.containers.is_empty() {
                // A task definition this tool cannot read (a Convox rack's custom resource):
                // the resource table reports it; a container "added" here would be noise.
                return;
            }
            let several = a.containers.len() > 1 || b.containers.len() > 1;
            let names: BTreeSet<&String> = a.containers.keys().chain(b.containers.keys()).collect();
            for name in names {
                let prefix = if several { format!("container {name} ") } else { String::new() };
                let field = |f: &str| format!("{prefix}{f}");
                match (a.containers.get(name), b.containers.get(name)) {
                    (None, Some(_)) => out.push(Change::new(subject(), Action::Revised).field(
                        &field("container"),
                        None,
                        Some(name.clone()),
                    )),
                    (Some(_), None) => out.push(Change::new(subject(), Action::Revised).field(
                        &field("container"),
                        Some(name.clone()),
                        None,
                    )),
                    (Some(x), Some(y)) => container_changes(&subject, &field, x, y, out),
                    (None, None) => {}
                }
            }
        }
    }
}

/// One container's settings, each changed one a change of the task definition's revision.
fn container_changes(
    subject: &dyn Fn() -> Subject,
    field: &dyn Fn(&str) -> String,
    a: &ContainerView,
    b: &ContainerView,
    out: &mut Vec<Change>,
) {
    // `-` (absent) is no value: a setting that appears or goes is added or removed.
    let value = |v: &str| (v != "-").then(|| v.to_string());
    let mut revised = |name: &str, old: &str, new: &str| {
        if old != new {
            out.push(Change::new(subject(), Action::Revised).field(&field(name), value(old), value(new)));
        }
    };
    revised("image", &a.image, &b.image);
    revised("command", &a.command, &b.command);
    revised("memory", &a.memory, &b.memory);
    revised("memory reservation", &a.memory_reservation, &b.memory_reservation);
    revised("cpu", &a.cpu, &b.cpu);
    revised("health check", &a.health_check, &b.health_check);
    let names: BTreeSet<&String> = a.environment.keys().chain(b.environment.keys()).collect();
    for name in names {
        let (old, new) = (a.environment.get(name), b.environment.get(name));
        if old != new {
            let show = |v: Option<&EnvValue>| v.map(|v| environment_value(name, v));
            let mut c = Change::new(subject(), Action::Revised).field(
                &field(&format!("environment {name}")),
                show(old),
                show(new),
            );
            if let (Some(x), Some(y)) = (old, new)
                && environment_value(name, x) == environment_value(name, y)
            {
                c = c.note("the value changed (hidden: the name looks like a secret)");
            }
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_looking_literals_are_hidden_and_references_shown_by_name() {
        let shown = |name: &str, v: serde_json::Value| environment_value(name, &EnvValue::of(&v));
        assert_eq!(shown("DB_PASSWORD", json!("hunter2")), "(hidden)");
        assert_eq!(shown("api_token", json!("abc")), "(hidden)");
        assert_eq!(shown("DB_PASSWORD", json!({"Ref": "EnvDbPassword"})), "${EnvDbPassword}");
        assert_eq!(shown("DB_PASSWORD", json!({"Fn::Sub": "${EnvDbPassword}"})), "${EnvDbPassword}");
        assert_eq!(shown("LOG_LEVEL", json!("debug")), "debug");
        assert_eq!(shown("SECRET_KEY_BASE", json!({"Fn::Sub": "x${A}y${B}"})), "(hidden)");
        // `$${hunter2}` in Compose: a literal that reads like a reference is still a value.
        assert_eq!(shown("API_TOKEN", json!("${hunter2}")), "(hidden)");
        assert_eq!(shown("API_TOKEN", json!({"Fn::Sub": "${!hunter2}"})), "(hidden)");
    }
}
