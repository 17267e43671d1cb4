//! The ECS container definition of a workload: the same for every balancer target.

use super::names;
use crate::cfn::Builder;
use crate::cfn::Expr;
use crate::cfn::resources::{
    AwsLogsOptions, ContainerDefinition, ContainerHealthCheck, ContainerSecret, EnvironmentVariable, HostEntry,
    LogConfiguration, MountPoint, PortMapping, Transport, Ulimit,
};
use crate::interpret::plan::{EnvSource, HostPort, Image, Part, Text, Workload};

/// How a target names the balancer that carries port `port` of linked service `service`
/// (`links:` variables point at its DNS name). A service without one gets a name nothing
/// declares, which the builder refuses.
pub type BalancerOf<'a> = &'a dyn Fn(&str, u16) -> Option<String>;

/// The `ContainerDefinitions` entry of a workload's task definition. A listener's port
/// mapping gets its Classic instance port parameter: the v2 lowering maps listener ports to
/// dynamic host ports before this.
pub fn container_definition(b: &mut Builder, w: &Workload, balancer_of: BalancerOf) -> ContainerDefinition {
    let c = &w.container;
    let image = match &w.image {
        Image::Literal { name } => text_value(b, name),
        Image::Parameter { parameter, .. } => b.reference(parameter),
    };
    let environment = c
        .environment
        .iter()
        .map(|e| EnvironmentVariable { name: e.name.clone(), value: env_value(b, &e.value, balancer_of) })
        .collect();
    let port_mappings = c
        .port_mappings
        .iter()
        .map(|p| PortMapping {
            container_port: p.container_port,
            protocol: if p.protocol == "udp" { Transport::Udp } else { Transport::Tcp },
            host_port: match &p.host_port {
                HostPort::Listener { balancer_port } => {
                    Some(b.reference(&names::instance_port_parameter(&w.service, *balancer_port)))
                }
                HostPort::Fixed { port } => Some(Expr::Int(i64::from(*port))),
                HostPort::Dynamic => None,
            },
        })
        .collect();
    ContainerDefinition {
        name: w.service.clone(),
        image,
        essential: true,
        command: c.command.as_ref().map(|list| texts(b, list)),
        entry_point: c.entrypoint.as_ref().map(|list| texts(b, list)),
        environment,
        memory: c.memory_mib,
        memory_reservation: c.memory_reservation_mib,
        cpu: c.cpu_shares,
        working_directory: c.working_dir.as_ref().map(|t| text_value(b, t)),
        user: c.user.as_ref().map(|t| text_value(b, t)),
        privileged: c.privileged,
        ulimits: c
            .ulimits
            .iter()
            .map(|u| Ulimit { name: u.name.clone(), soft_limit: u.soft, hard_limit: u.hard })
            .collect(),
        extra_hosts: c
            .extra_hosts
            .iter()
            .map(|h| HostEntry { hostname: text_value(b, &h.hostname), ip_address: text_value(b, &h.ip) })
            .collect(),
        health_check: c.health_check.as_ref().map(|h| ContainerHealthCheck {
            command: texts(b, &h.command),
            interval: h.interval,
            timeout: h.timeout,
            retries: h.retries,
            start_period: h.start_period,
        }),
        port_mappings,
        mount_points: c
            .volumes
            .iter()
            .map(|v| MountPoint {
                source_volume: v.name.clone(),
                container_path: v.container_path.clone(),
                read_only: v.read_only,
            })
            .collect(),
        secrets: c
            .secrets
            .iter()
            .map(|secret| ContainerSecret { name: secret.name.clone(), value_from: b.reference(&secret.parameter) })
            .collect(),
        log_configuration: LogConfiguration {
            log_driver: "awslogs",
            options: AwsLogsOptions {
                group: b.reference(names::LOG_GROUP),
                region: b.reference("AWS::Region"),
                stream_prefix: w.service.clone(),
            },
        },
    }
}

/// Deploy-time text as a template value: a plain string when it has no parameters, a `Ref`
/// when it is one parameter, else `Fn::Sub` over the parameters, with any literal `${`
/// escaped as `${!` so that it stays text.
pub fn text_value(b: &mut Builder, text: &Text) -> Expr {
    if let Some(literal) = text.as_literal() {
        return Expr::Str(literal);
    }
    if let [Part::Parameter(p)] = text.parts.as_slice() {
        return b.reference(&p.parameter);
    }
    b.sub(sub_body(text))
}

/// The `Fn::Sub` body of a text: literal `${` escaped, each parameter as `${Name}`.
pub fn sub_body(text: &Text) -> String {
    text.parts
        .iter()
        .map(|part| match part {
            Part::Literal { text } => text.replace("${", "${!"),
            Part::Parameter(p) => format!("${{{}}}", p.parameter),
        })
        .collect()
}

fn texts(b: &mut Builder, list: &[Text]) -> Vec<Expr> {
    list.iter().map(|t| text_value(b, t)).collect()
}

fn env_value(b: &mut Builder, source: &EnvSource, balancer_of: BalancerOf) -> Expr {
    let balancer =
        |service: &str, port: u16| balancer_of(service, port).unwrap_or_else(|| format!("NoBalancerOf{service}"));
    match source {
        EnvSource::Text { text } => text_value(b, text),
        EnvSource::BalancerHost { service, port } => b.get_att(&balancer(service, *port), "DNSName"),
        EnvSource::BalancerUrl { service, scheme, port, user_info, path } => {
            let balancer = balancer(service, *port);
            let mut parts = vec![Expr::Str(format!("{scheme}://"))];
            if let Some(user_info) = user_info {
                parts.push(text_value(b, user_info));
                parts.push(Expr::Str("@".into()));
            }
            parts.push(b.get_att(&balancer, "DNSName"));
            parts.push(Expr::Str(format!(":{port}")));
            parts.extend(path.iter().map(|p| text_value(b, p)));
            Expr::Join("", parts)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::{Metadata, Parameter, ParameterType};
    use crate::interpret::DeployParameter;
    use serde_json::json;

    fn parameter(id: &str) -> Part {
        Part::Parameter(DeployParameter {
            parameter: id.into(),
            variable: "V".into(),
            default: None,
            required: None,
            alternative: None,
            empty_is_unset: false,
            env_file: None,
        })
    }

    /// A resource, since a template needs one.
    fn handle() -> crate::cfn::Properties {
        crate::cfn::Properties::WaitConditionHandle(crate::cfn::resources::WaitConditionHandle { reason: "r".into() })
    }

    #[test]
    fn text_is_a_string_a_ref_or_a_sub_with_literal_dollar_braces_escaped() {
        let mut b = Builder::new(String::new(), Metadata::default());
        let value = |b: &mut Builder, text: &Text| serde_json::to_value(text_value(b, text)).unwrap();
        assert_eq!(value(&mut b, &Text::literal("a ${b}")), json!("a ${b}"));
        assert_eq!(value(&mut b, &Text { parts: vec![parameter("EnvTag")] }), json!({ "Ref": "EnvTag" }));
        let text = Text {
            parts: vec![
                Part::Literal { text: "postgres://app:".into() },
                parameter("EnvDbPassword"),
                Part::Literal { text: "@db/${x}".into() },
            ],
        };
        assert_eq!(value(&mut b, &text), json!({ "Fn::Sub": "postgres://app:${EnvDbPassword}@db/${!x}" }));
        // The builder checked the references: both parameters must be declared.
        b.resource("H", &[], handle());
        let problems = b.finish().unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        let mut declared = Builder::new(String::new(), Metadata::default());
        for p in ["EnvTag", "EnvDbPassword"] {
            declared.parameter(p, Parameter::new(ParameterType::String, "p"));
        }
        let _ = text_value(&mut declared, &text);
        declared.resource("H", &[], handle());
        assert!(declared.finish().is_ok());
    }
}
