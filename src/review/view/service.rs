//! ECS services read back from a template: what a reviewer asks of a service (its image,
//! command, environment, memory and CPU, desired count, health check), from the
//! `AWS::ECS::Service` and the task definition it references.

use super::{Resource, StackView, scalar, tag};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The CloudFormation type of an ECS service.
pub const ECS_SERVICE: &str = "AWS::ECS::Service";
/// The CloudFormation type of an ECS task definition: a change makes a new revision.
pub const TASK_DEFINITION: &str = "AWS::ECS::TaskDefinition";

/// One container of a service's task definition, in the terms of the compose file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContainerView {
    /// `Image`: a literal, or `${Parameter}` when the deploy supplies it.
    pub image: String,
    /// `Command`, its words joined by spaces (`-` when absent).
    pub command: String,
    /// `Environment` by name.
    pub environment: BTreeMap<String, EnvValue>,
    /// `Memory` (the hard limit, MiB).
    pub memory: String,
    /// `MemoryReservation` (the soft limit, MiB).
    pub memory_reservation: String,
    /// `Cpu` (CPU units).
    pub cpu: String,
    /// `HealthCheck` in one line.
    pub health_check: String,
}

/// A variable's value in a container definition.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvValue {
    /// The value as [`shown`] writes it.
    pub text: String,
    /// True when the whole value is one reference (`Ref`, `Fn::GetAtt`, or `Fn::Sub` of a
    /// lone `${Name}`): it names what the deploy supplies, never a value. Told from the
    /// template's structure, not from the text: a literal `${hunter2}` is a value.
    pub reference: bool,
}

impl EnvValue {
    /// The value of a variable as the template gives it.
    pub fn of(v: &Value) -> EnvValue {
        let lone = |body: &str| {
            body.strip_prefix("${")
                .and_then(|rest| rest.strip_suffix('}'))
                .is_some_and(|name| !name.is_empty() && !name.starts_with('!') && !name.contains(['$', '{', '}']))
        };
        let entry = v.as_object().filter(|o| o.len() == 1).and_then(|o| o.iter().next());
        let reference = match entry.map(|(k, v)| (k.as_str(), v)) {
            Some(("Ref" | "Fn::GetAtt", _)) => true,
            Some(("Fn::Sub", Value::String(body))) => lone(body),
            _ => false,
        };
        EnvValue { text: shown(v), reference }
    }
}

/// One ECS service, read from the template.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceView {
    /// The service's `Service` tag, else its logical ID.
    pub name: String,
    /// `DesiredCount` (`-` when absent).
    pub desired_count: String,
    /// The task definition's containers by name.
    pub containers: BTreeMap<String, ContainerView>,
}

/// A template value as a reviewer reads it: literals as they are, references as the names
/// they reference in `Fn::Sub` syntax (`${EnvDbPassword}`, `${Balancer.DNSName}`) — so a
/// value the deploy supplies shows its parameter's name, never a value.
pub fn shown(v: &Value) -> String {
    match v {
        Value::Object(o) if o.len() == 1 => {
            let (key, arg) = o.iter().next().expect("one entry");
            match (key.as_str(), arg) {
                ("Ref", Value::String(name)) => format!("${{{name}}}"),
                ("Fn::GetAtt", Value::Array(parts)) => {
                    format!("${{{}}}", parts.iter().map(scalar).collect::<Vec<_>>().join("."))
                }
                ("Fn::GetAtt", Value::String(path)) => format!("${{{path}}}"),
                ("Fn::Sub", Value::String(body)) => body.clone(),
                ("Fn::Sub", Value::Array(parts)) if !parts.is_empty() => scalar(&parts[0]),
                ("Fn::Join", Value::Array(parts)) if parts.len() == 2 => {
                    let separator = scalar(&parts[0]);
                    let items: Vec<String> = parts[1].as_array().into_iter().flatten().map(shown).collect();
                    items.join(&separator)
                }
                _ => scalar(v),
            }
        }
        other => scalar(other),
    }
}

/// An optional property as text, `-` when absent.
fn field(p: &Map<String, Value>, name: &str) -> String {
    p.get(name).map_or_else(|| "-".into(), shown)
}

fn container(c: &Map<String, Value>) -> ContainerView {
    let words = |v: Option<&Value>| -> String {
        match v {
            None => "-".into(),
            Some(Value::Array(items)) => items.iter().map(shown).collect::<Vec<_>>().join(" "),
            Some(other) => shown(other),
        }
    };
    let environment = c
        .get("Environment")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let value = e.get("Value").map_or(EnvValue { text: String::new(), reference: false }, EnvValue::of);
            Some((e.get("Name").map(scalar)?, value))
        })
        .collect();
    let health_check = match c.get("HealthCheck") {
        None => "-".into(),
        Some(h) => {
            let mut text = words(h.get("Command"));
            for (name, word, unit) in [
                ("Interval", "interval", "s"),
                ("Timeout", "timeout", "s"),
                ("Retries", "retries", ""),
                ("StartPeriod", "start period", "s"),
            ] {
                if let Some(v) = h.get(name) {
                    text.push_str(&format!(", {word} {}{unit}", shown(v)));
                }
            }
            text
        }
    };
    ContainerView {
        image: field(c, "Image"),
        command: words(c.get("Command")),
        environment,
        memory: field(c, "Memory"),
        memory_reservation: field(c, "MemoryReservation"),
        cpu: field(c, "Cpu"),
        health_check,
    }
}

impl StackView {
    /// Every ECS service by logical ID (what stays when a template made by another tool, such
    /// as a Convox rack's, does not tag it), with the containers of its task definition.
    pub(super) fn services(&self) -> BTreeMap<String, ServiceView> {
        self.resources
            .iter()
            .filter(|(_, r)| r.kind == ECS_SERVICE)
            .map(|(id, r)| {
                let p = &r.properties;
                let task = p
                    .get("TaskDefinition")
                    .and_then(|t| t.get("Ref"))
                    .and_then(Value::as_str)
                    .and_then(|t| self.resources.get(t))
                    .filter(|t: &&Resource| t.kind == TASK_DEFINITION);
                let containers = task
                    .and_then(|t| t.properties.get("ContainerDefinitions"))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_object)
                    .map(|c| (c.get("Name").map(scalar).unwrap_or_default(), container(c)))
                    .collect();
                let name = tag(p, "Service").unwrap_or_else(|| id.clone());
                (id.clone(), ServiceView { name, desired_count: field(p, "DesiredCount"), containers })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_show_the_names_they_reference() {
        assert_eq!(shown(&json!({"Ref": "EnvDbPassword"})), "${EnvDbPassword}");
        assert_eq!(shown(&json!({"Fn::GetAtt": ["BalancerDb", "DNSName"]})), "${BalancerDb.DNSName}");
        assert_eq!(
            shown(&json!({"Fn::Sub": "postgres://app:${EnvDbPassword}@db"})),
            "postgres://app:${EnvDbPassword}@db"
        );
        assert_eq!(shown(&json!({"Fn::Join": [":", ["a", {"Ref": "B"}]]})), "a:${B}");
        assert_eq!(shown(&json!(512)), "512");
    }

    #[test]
    fn a_value_is_a_reference_by_its_structure_not_its_text() {
        let reference = |v: serde_json::Value| EnvValue::of(&v).reference;
        assert!(reference(json!({"Ref": "EnvDbPassword"})));
        assert!(reference(json!({"Fn::Sub": "${EnvDbPassword}"})));
        assert!(!reference(json!("${EnvDbPassword}")), "a literal that reads like a reference");
        assert!(!reference(json!({"Fn::Sub": "${!hunter2}"})), "`${{!…}}` is a literal `${{…}}`");
        assert!(!reference(json!({"Fn::Sub": "${A}${B}"})));
        assert!(!reference(json!({"Fn::Sub": ["${A}", {"A": "hunter2"}]})), "its own variables are literals");
    }
}
