//! The `v2` target: Application Load Balancers for http/https ports and Network Load Balancers
//! for tcp/tls ports, public and internal ports on separate balancers, one target group per
//! listener port registered by ECS at the dynamic host port it picks.
//!
//! Balancers are per service, kind and scheme (`Balancer<Service>Alb`, `…NlbInternal`), not
//! shared across an app's services: a compose file gives no host names to route on, so two
//! services listening on 443 could not share one ALB, and a balancer per service keeps each
//! service's DNS name and logical IDs independent of the others.

use super::LowerError;
use super::classic::{balancer_security_group, ecs_resources, lower_with, service_outputs, tags};
use super::container::text_value;
use super::names;
use crate::cfn::resources::{
    Action, Attribute, BalancerKind, CertificateV2, EcsLoadBalancer, ElbScheme, FrontV2, ListenerV2, LoadBalancerV2,
    Matcher, ProtocolV2, RedirectConfig, TargetGroup, TlsV2,
};
use crate::cfn::{Builder, Declared, Expr, Properties, Template};
use crate::interpret::plan::{Balancer, HostPort, Listener, Plan, Protocol, Workload};
use std::collections::BTreeMap;

/// Lowers the plan to an ELBv2 template.
pub fn lower(plan: &Plan) -> Result<Template, LowerError> {
    // v2 registers dynamic host ports: no instance-port parameters.
    lower_with(plan, false, |b| {
        let mut listeners_of: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for balancer in &plan.balancers {
            for group in groups(balancer) {
                security_group(b, plan, balancer, &group);
                load_balancer(b, plan, balancer, &group);
                for l in &group.listeners {
                    let id = listener(b, plan, balancer, &group, l)?;
                    listeners_of.entry(balancer.service.as_str()).or_default().push(id);
                }
            }
        }
        let services: Vec<Declared> = plan
            .services
            .iter()
            .map(|w| workload(b, plan, w, listeners_of.get(w.service.as_str()).map_or(&[][..], Vec::as_slice)))
            .collect();
        outputs(b, plan, &services);
        Ok(())
    })
}

/// The listeners of one service that share a balancer: same kind and scheme.
struct Group<'p> {
    id: String,
    kind: BalancerKind,
    internal: bool,
    listeners: Vec<&'p Listener>,
}

fn kind_of(l: &Listener) -> BalancerKind {
    if l.protocol.is_http() { BalancerKind::Application } else { BalancerKind::Network }
}

/// A service's listeners grouped by balancer, in a fixed order (ALB, NLB; public, internal).
fn groups(balancer: &Balancer) -> Vec<Group<'_>> {
    let mut out: Vec<Group> = Vec::new();
    for l in &balancer.listeners {
        let id = names::v2_balancer(&balancer.service, l);
        match out.iter_mut().find(|g| g.id == id) {
            Some(g) => g.listeners.push(l),
            None => out.push(Group { id, kind: kind_of(l), internal: l.internal, listeners: vec![l] }),
        }
    }
    out.sort_by_key(|g| (g.kind == BalancerKind::Network, g.internal));
    out
}

fn security_group(b: &mut Builder, plan: &Plan, balancer: &Balancer, group: &Group) {
    let description = names::v2_group_description(&balancer.service, &group.id, &plan.app);
    let id = names::security_group(&group.id);
    let listeners = group.listeners.iter().copied();
    balancer_security_group(b, plan, &balancer.service, id, description, group.internal, listeners);
}

fn load_balancer(b: &mut Builder, plan: &Plan, balancer: &Balancer, group: &Group) {
    let load_balancer_attributes = match group.kind {
        BalancerKind::Application => vec![
            Attribute { key: "idle_timeout.timeout_seconds", value: balancer.idle_timeout.to_string() },
            // Requests with headers ALB cannot parse are refused rather than passed on.
            Attribute { key: "routing.http.drop_invalid_header_fields.enabled", value: "true".into() },
        ],
        // The Classic ELBs were cross-zone; an NLB is not unless asked.
        BalancerKind::Network => {
            vec![Attribute { key: "load_balancing.cross_zone.enabled", value: "true".into() }]
        }
    };
    let properties = LoadBalancerV2 {
        kind: group.kind,
        scheme: if group.internal { ElbScheme::Internal } else { ElbScheme::InternetFacing },
        subnets: b.reference(names::SUBNETS),
        security_groups: vec![b.reference(&names::security_group(&group.id))],
        load_balancer_attributes,
        tags: tags(&plan.app, &balancer.service),
    };
    b.resource(&group.id, &[], Properties::LoadBalancerV2(properties));
}

/// The listener of `l`, and its target group unless it redirects; returns the listener's ID.
fn listener(
    b: &mut Builder,
    plan: &Plan,
    balancer: &Balancer,
    group: &Group,
    l: &Listener,
) -> Result<String, LowerError> {
    let service = &balancer.service;
    let id = names::listener(service, l.balancer_port);
    let bug = |what: &str| LowerError::Invalid(vec![format!("{id}: {what}")]);
    let default_actions = match l.redirect {
        Some(port) => vec![Action::Redirect {
            redirect_config: RedirectConfig { protocol: ProtocolV2::Https, port, status_code: "HTTP_301" },
        }],
        None => {
            let tg = names::target_group(service, l.balancer_port);
            let properties = target_group(b, plan, balancer, l);
            b.resource(&tg, &[], Properties::TargetGroup(properties));
            vec![Action::Forward { target_group_arn: b.reference(&tg) }]
        }
    };
    let mut tls = || -> Result<TlsV2, LowerError> {
        let policy =
            l.ssl_policy.clone().or_else(|| balancer.tls_policy.clone()).ok_or_else(|| bug("no TLS policy"))?;
        let certificate = l.certificate.as_ref().ok_or_else(|| bug("no certificate"))?;
        Ok(TlsV2 {
            ssl_policy: policy,
            certificates: vec![CertificateV2 { certificate_arn: b.reference(&certificate.parameter) }],
        })
    };
    let front = match l.protocol {
        Protocol::Http => FrontV2::Http,
        Protocol::Tcp => FrontV2::Tcp,
        Protocol::Https => FrontV2::Https(tls()?),
        Protocol::Tls => FrontV2::Tls(tls()?),
    };
    // `convox.idle.timeout` reaches an NLB's TCP listeners as their own attribute (an ALB has it
    // on the balancer; an NLB's TLS listeners keep AWS's fixed 350 s, which `interpret` warns of):
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/network/update-idle-timeout.html
    let listener_attributes = match front {
        FrontV2::Tcp => vec![Attribute { key: "tcp.idle_timeout.seconds", value: balancer.idle_timeout.to_string() }],
        _ => vec![],
    };
    let properties = ListenerV2 {
        load_balancer_arn: b.reference(&group.id),
        port: l.balancer_port,
        front,
        default_actions,
        listener_attributes,
    };
    b.resource(&id, &[], Properties::ListenerV2(properties));
    Ok(id)
}

/// The target group of a listener: its back-end protocol (encrypted when `secure`), its own
/// health check with the service's health labels, draining and proxy protocol.
fn target_group(b: &mut Builder, plan: &Plan, balancer: &Balancer, l: &Listener) -> TargetGroup {
    let h = &balancer.health_check;
    let protocol = match (l.protocol.is_http(), l.secure) {
        (true, false) => ProtocolV2::Http,
        (true, true) => ProtocolV2::Https,
        (false, false) => ProtocolV2::Tcp,
        (false, true) => ProtocolV2::Tls,
    };
    // The path is asked of the container port `convox.health.port` names (by default the first
    // TCP port's), as the Classic ELB's one check did: ECS replaces a task that fails any target
    // group's check, so requesting it of a port that does not speak HTTP (a database's, a raw
    // TCP port's) would stop every task. AWS, "Amazon ECS services":
    // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_services.html
    let checked = balancer.listeners.iter().find(|c| c.balancer_port == h.listener_port);
    let path = h.path.as_ref().filter(|_| checked.is_some_and(|c| c.container_port == l.container_port));
    // ALB checks are HTTP requests; without a path label any answer counts, as a Classic TCP
    // check counted a connection. NLB checks connect over TCP, or request the path.
    let (health_check_protocol, health_check_path, matcher) = match (path, l.protocol.is_http()) {
        (Some(path), _) => {
            let protocol = if l.secure { ProtocolV2::Https } else { ProtocolV2::Http };
            (protocol, Some(text_value(b, path)), Some(Matcher { http_code: "200-399" }))
        }
        (None, true) => (protocol, Some(Expr::from("/")), Some(Matcher { http_code: "200-499" })),
        (None, false) => (ProtocolV2::Tcp, None, None),
    };
    let mut target_group_attributes =
        vec![Attribute { key: "deregistration_delay.timeout_seconds", value: balancer.draining_timeout.to_string() }];
    if l.proxy && !l.protocol.is_http() {
        target_group_attributes.push(Attribute { key: "proxy_protocol_v2.enabled", value: "true".into() });
    }
    TargetGroup {
        port: l.container_port,
        protocol,
        vpc_id: b.reference(names::VPC_ID),
        target_type: "instance",
        health_check_enabled: true,
        health_check_protocol,
        health_check_path,
        health_check_interval_seconds: h.interval,
        health_check_timeout_seconds: h.timeout,
        healthy_threshold_count: h.healthy_threshold,
        unhealthy_threshold_count: h.unhealthy_threshold,
        matcher,
        target_group_attributes,
        tags: tags(&plan.app, &balancer.service),
    }
}

/// The workload as v2 runs it: listener ports on dynamic host ports.
fn v2_workload(w: &Workload) -> Workload {
    let mut w = w.clone();
    for p in &mut w.container.port_mappings {
        if matches!(p.host_port, HostPort::Listener { .. }) {
            p.host_port = HostPort::Dynamic;
        }
    }
    // Two listeners of one container port (`80:3000`, `443:3000`) need one dynamic mapping:
    // ECS registers that host port in both target groups.
    let mut seen = std::collections::BTreeSet::new();
    w.container
        .port_mappings
        .retain(|p| p.host_port != HostPort::Dynamic || seen.insert((p.container_port, p.protocol.clone())));
    w
}

/// The v2 balancer carrying port `port` of `service`.
fn balancer_of(plan: &Plan, service: &str, port: u16) -> Option<String> {
    let l = plan.balancer_of(service)?.listeners.iter().find(|l| l.balancer_port == port)?;
    Some(names::v2_balancer(service, l))
}

/// Declares the task definition and ECS service of `w`; returns the ECS service.
fn workload(b: &mut Builder, plan: &Plan, w: &Workload, listeners: &[String]) -> Declared {
    let w = &v2_workload(w);
    let balancer = plan.balancer_of(&w.service);
    let load_balancers = balancer
        .map(|balancer| {
            balancer
                .listeners
                .iter()
                .filter(|l| l.redirect.is_none())
                .map(|l| EcsLoadBalancer {
                    container_name: w.service.clone(),
                    container_port: l.container_port,
                    load_balancer_name: None,
                    target_group_arn: Some(b.reference(&names::target_group(&w.service, l.balancer_port))),
                })
                .collect()
        })
        .unwrap_or_default();
    // A target group must belong to a balancer (through its listener) before ECS uses it;
    // ECS registers targets with its service-linked role: no role of the app's own.
    let depends: Vec<&str> = listeners.iter().map(String::as_str).collect();
    ecs_resources(b, plan, w, load_balancers, None, &depends, &|service, port| balancer_of(plan, service, port))
}

/// `services`: the ECS service of each workload, in plan order.
fn outputs(b: &mut Builder, plan: &Plan, services: &[Declared]) {
    service_outputs(b, plan, services);
    for balancer in &plan.balancers {
        // `Balancer<Service>Host` stays: the balancer of the health-checked port.
        let checked = balancer.listeners.iter().find(|l| l.balancer_port == balancer.health_check.listener_port);
        if let Some(l) = checked {
            let host = b.get_att(&names::v2_balancer(&balancer.service, l), "DNSName");
            let description = format!("DNS name of the {} balancer of port {}", balancer.service, l.balancer_port);
            b.output(names::host_output(&balancer.service), Some(description), host);
        }
        for group in groups(balancer) {
            let host = b.get_att(&group.id, "DNSName");
            let scheme = if group.internal { "internal" } else { "internet-facing" };
            let kind = if group.kind == BalancerKind::Application { "application" } else { "network" };
            let description = format!("DNS name of the {scheme} {kind} load balancer of {}", balancer.service);
            b.output(names::v2_host_output(&group.id), Some(description), host);
        }
        for l in &balancer.listeners {
            let service = &balancer.service;
            b.output(names::port_output(service, l.balancer_port), None, Expr::Str(l.balancer_port.to_string()));
            let name = b.get_att(&names::v2_balancer(service, l), "LoadBalancerName");
            b.output(names::balancer_name_output(service, l.balancer_port), None, name);
        }
    }
}
