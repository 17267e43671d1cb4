//! The ECS container definition of a workload: the same for every balancer target.

use crate::cfn::Builder;
use crate::cfn::Expr;
use crate::cfn::resources::{
    AwsLogsOptions, ContainerDefinition, ContainerHealthCheck, EnvironmentVariable, HostEntry, LogConfiguration,
    PortMapping, Transport, Ulimit,
};
use crate::interpret::names;
use crate::interpret::plan::{EnvSource, HostPort, Image, Workload};

/// The `ContainerDefinitions` entry of a workload's task definition.
pub fn container_definition(b: &mut Builder, w: &Workload) -> ContainerDefinition {
    let c = &w.container;
    let image = match &w.image {
        Image::Literal { name } => Expr::Str(name.clone()),
        Image::Parameter { parameter, .. } => b.reference(parameter),
    };
    let environment = c
        .environment
        .iter()
        .map(|e| EnvironmentVariable { name: e.name.clone(), value: env_value(b, &e.value) })
        .collect();
    let port_mappings = c
        .port_mappings
        .iter()
        .map(|p| PortMapping {
            container_port: p.container_port,
            protocol: if p.protocol == "udp" { Transport::Udp } else { Transport::Tcp },
            host_port: match &p.host_port {
                HostPort::Parameter { parameter } => Some(b.reference(parameter)),
                HostPort::Fixed { port } => Some(Expr::Int(i64::from(*port))),
                HostPort::Dynamic => None,
            },
        })
        .collect();
    ContainerDefinition {
        name: w.service.clone(),
        image,
        essential: true,
        command: c.command.clone(),
        entry_point: c.entrypoint.clone(),
        environment,
        memory: c.memory_mib,
        memory_reservation: c.memory_reservation_mib,
        cpu: c.cpu_shares,
        working_directory: c.working_dir.clone(),
        user: c.user.clone(),
        privileged: c.privileged,
        ulimits: c
            .ulimits
            .iter()
            .map(|u| Ulimit { name: u.name.clone(), soft_limit: u.soft, hard_limit: u.hard })
            .collect(),
        extra_hosts: c
            .extra_hosts
            .iter()
            .map(|h| HostEntry { hostname: h.hostname.clone(), ip_address: h.ip.clone() })
            .collect(),
        health_check: c.health_check.as_ref().map(|h| ContainerHealthCheck {
            command: h.command.clone(),
            interval: h.interval,
            timeout: h.timeout,
            retries: h.retries,
            start_period: h.start_period,
        }),
        port_mappings,
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

fn env_value(b: &mut Builder, source: &EnvSource) -> Expr {
    match source {
        EnvSource::Literal { value } => Expr::Str(value.clone()),
        EnvSource::Parameter { parameter } => b.reference(parameter),
        EnvSource::BalancerHost { balancer } => b.get_att(balancer, "DNSName"),
        EnvSource::BalancerUrl { balancer, scheme, port } => Expr::Join(
            "",
            vec![Expr::Str(format!("{scheme}://")), b.get_att(balancer, "DNSName"), Expr::Str(format!(":{port}"))],
        ),
    }
}
