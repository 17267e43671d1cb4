//! The ECS container definition of a workload, built as JSON: it has many optional fields,
//! which read better as code than as template conditionals.

use crate::interpret::names;
use crate::interpret::plan::{EnvSource, HostPort, Image, Part, Text, Workload};
use serde_json::{Map, Value, json};

/// The `ContainerDefinitions` entry of a workload's task definition.
pub fn container_definition(w: &Workload) -> Value {
    let c = &w.container;
    let mut d = Map::new();
    let mut set = |key: &str, value: Value| {
        d.insert(key.to_string(), value);
    };
    set("Name", json!(w.service));
    set(
        "Image",
        match &w.image {
            Image::Literal { name } => text_value(name),
            Image::Parameter { parameter, .. } => json!({ "Ref": parameter }),
        },
    );
    set("Essential", json!(true));
    if let Some(command) = &c.command {
        set("Command", texts(command));
    }
    if let Some(entrypoint) = &c.entrypoint {
        set("EntryPoint", texts(entrypoint));
    }
    if !c.environment.is_empty() {
        let env: Vec<Value> =
            c.environment.iter().map(|e| json!({ "Name": e.name, "Value": env_value(&e.value) })).collect();
        set("Environment", json!(env));
    }
    if let Some(m) = c.memory_mib {
        set("Memory", json!(m));
    }
    if let Some(m) = c.memory_reservation_mib {
        set("MemoryReservation", json!(m));
    }
    if let Some(cpu) = c.cpu_shares {
        set("Cpu", json!(cpu));
    }
    if let Some(dir) = &c.working_dir {
        set("WorkingDirectory", text_value(dir));
    }
    if let Some(user) = &c.user {
        set("User", text_value(user));
    }
    if c.privileged {
        set("Privileged", json!(true));
    }
    if !c.ulimits.is_empty() {
        let limits: Vec<Value> =
            c.ulimits.iter().map(|u| json!({ "Name": u.name, "SoftLimit": u.soft, "HardLimit": u.hard })).collect();
        set("Ulimits", json!(limits));
    }
    if !c.extra_hosts.is_empty() {
        let hosts: Vec<Value> = c
            .extra_hosts
            .iter()
            .map(|h| json!({ "Hostname": text_value(&h.hostname), "IpAddress": text_value(&h.ip) }))
            .collect();
        set("ExtraHosts", json!(hosts));
    }
    if let Some(h) = &c.health_check {
        set(
            "HealthCheck",
            json!({ "Command": texts(&h.command), "Interval": h.interval, "Timeout": h.timeout, "Retries": h.retries, "StartPeriod": h.start_period }),
        );
    }
    if !c.port_mappings.is_empty() {
        let ports: Vec<Value> = c
            .port_mappings
            .iter()
            .map(|p| {
                let mut m = json!({ "ContainerPort": p.container_port, "Protocol": p.protocol });
                match &p.host_port {
                    HostPort::Parameter { parameter } => m["HostPort"] = json!({ "Ref": parameter }),
                    HostPort::Fixed { port } => m["HostPort"] = json!(port),
                    HostPort::Dynamic => {}
                }
                m
            })
            .collect();
        set("PortMappings", json!(ports));
    }
    set(
        "LogConfiguration",
        json!({
            "LogDriver": "awslogs",
            "Options": {
                "awslogs-group": { "Ref": names::LOG_GROUP },
                "awslogs-region": { "Ref": "AWS::Region" },
                "awslogs-stream-prefix": w.service,
            }
        }),
    );
    Value::Object(d)
}

/// Deploy-time text as a template value: a plain string when it has no parameters, a `Ref`
/// when it is one parameter, else `Fn::Sub` over the parameters, with any literal `${` escaped as `${!` so that it stays text.
pub fn text_value(text: &Text) -> Value {
    if let Some(literal) = text.as_literal() {
        return json!(literal);
    }
    if let [Part::Parameter(p)] = text.parts.as_slice() {
        return json!({ "Ref": p.parameter });
    }
    let body: String = text
        .parts
        .iter()
        .map(|part| match part {
            Part::Literal { text } => text.replace("${", "${!"),
            Part::Parameter(p) => format!("${{{}}}", p.parameter),
        })
        .collect();
    json!({ "Fn::Sub": body })
}

fn texts(list: &[Text]) -> Value {
    Value::Array(list.iter().map(text_value).collect())
}

fn env_value(source: &EnvSource) -> Value {
    match source {
        EnvSource::Text { text } => text_value(text),
        EnvSource::BalancerHost { balancer } => json!({ "Fn::GetAtt": [balancer, "DNSName"] }),
        EnvSource::BalancerUrl { balancer, scheme, port } => {
            json!({ "Fn::Join": ["", [format!("{scheme}://"), { "Fn::GetAtt": [balancer, "DNSName"] }, format!(":{port}")]] })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interpret::DeployParameter;

    fn parameter(id: &str) -> Part {
        Part::Parameter(DeployParameter {
            parameter: id.into(),
            variable: "V".into(),
            default: None,
            required: None,
            alternative: None,
            empty_is_unset: false,
        })
    }

    #[test]
    fn text_is_a_string_or_a_sub_with_literal_dollar_braces_escaped() {
        assert_eq!(text_value(&Text::literal("a ${b}")), json!("a ${b}"));
        let text = Text {
            parts: vec![
                Part::Literal { text: "postgres://app:".into() },
                parameter("EnvDbPassword"),
                Part::Literal { text: "@db/${x}".into() },
            ],
        };
        assert_eq!(text_value(&text), json!({ "Fn::Sub": "postgres://app:${EnvDbPassword}@db/${!x}" }));
    }
}
