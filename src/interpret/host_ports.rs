//! Host ports on the container instances: fixed bindings services share (a warning), and the
//! instance ports derived for listeners (their capacity, and handing them out).

use super::balancers::port_runs;
use super::names;
use super::plan::Balancer;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::load::{PortMapping, Service, Transport};
use indexmap::IndexMap;
use std::collections::{BTreeMap, BTreeSet};

/// One fixed host port binding: UDP, or TCP of a service without a balancer.
pub(super) struct FixedBinding<'a> {
    pub(super) service: &'a str,
    pub(super) mapping: &'a PortMapping,
    pub(super) port: (u16, Transport),
}

/// Every fixed host port binding, in service and file order.
pub(super) fn fixed_bindings<'a>(services: &[&'a Service], balancers: &[Balancer]) -> Vec<FixedBinding<'a>> {
    let balanced: BTreeSet<&str> = balancers.iter().map(|b| b.service.as_str()).collect();
    services
        .iter()
        .flat_map(|service| {
            let is_balanced = balanced.contains(service.name.value.as_str());
            service.ports.iter().filter_map(move |mapping| {
                let port = fixed_host_port(mapping, is_balanced)?;
                Some(FixedBinding { service: &service.name.value, mapping, port })
            })
        })
        .collect()
}

pub(super) fn fixed_host_port(m: &PortMapping, balanced: bool) -> Option<(u16, Transport)> {
    match (m.transport, m.published) {
        (Transport::Udp, _) => Some((udp_host_port(m), Transport::Udp)),
        (Transport::Tcp, Some(p)) if !balanced => Some((p, Transport::Tcp)),
        _ => None,
    }
}

/// The host port of a UDP mapping: the published one, or the container port itself as Convox
/// bound it (`4000/udp` → `4000:4000/udp`). No balancer carries UDP, so a host port ECS picks
/// at random would leave the port unreachable.
pub(super) fn udp_host_port(m: &PortMapping) -> u16 {
    m.published.unwrap_or(m.target)
}

/// Two services that bind the same fixed host port can run, but never on the same container
/// instance: ECS places their tasks apart, and a cluster with too few instances cannot place
/// them all. Worth a warning, not an error: one per pair of items, however many ports and
/// services share it.
pub(super) fn check_fixed_host_ports(fixed: &[FixedBinding], diags: &mut Diagnostics) {
    // (port, transport) → the services binding it, each with its first mapping.
    let mut bound: BTreeMap<(u16, Transport), Vec<(&str, &PortMapping)>> = BTreeMap::new();
    for binding in fixed {
        let users = bound.entry(binding.port).or_default();
        if users.last().is_none_or(|(owner, _)| *owner != binding.service) {
            users.push((binding.service, binding.mapping));
        }
    }
    // One warning per pair of overlapping items, not per port: two `1-65535/udp` ranges in two
    // services were 65,535 warnings. Keyed by transport, the services and the two mappings.
    let mut shared: IndexMap<_, Vec<u16>> = IndexMap::new();
    for ((port, transport), users) in bound.into_iter().filter(|(_, users)| users.len() > 1) {
        let names: Vec<&str> = users.iter().map(|(name, _)| *name).collect();
        shared.entry((transport, names, users[0].1.span, users[1].1.span)).or_default().push(port);
    }
    for ((transport, users, first_span, second_span), ports) in shared {
        let (first, second) = (users[0], users[1]);
        let who = match users.len() - 2 {
            0 => format!("`{first}` and `{second}`"),
            n => format!("`{first}`, `{second}` and {n} more service{}", if n == 1 { "" } else { "s" }),
        };
        let transport = if transport == Transport::Udp { "udp" } else { "tcp" };
        let which = match ports.as_slice() {
            [port] => format!("host port {port}/{transport} is"),
            _ => format!("host ports {}/{transport} ({} in all) are", port_runs(&ports), ports.len()),
        };
        diags.push(
            Diagnostic::warning(
                Code::HostPortConflict,
                second_span,
                format!("{which} bound by {who}: ECS never places their tasks on the same instance"),
            )
            .with_label(format!("bound again by `{second}`"))
            .with_related(first_span, format!("first bound by `{first}`"))
            .with_help("give them different host ports, unless the cluster has an instance for each of their tasks"),
        );
    }
}

/// Gives every listener its derived instance port. Ports are claimed in service-name and
/// port order; a listener whose preferred port is taken uses the next free one, so two
/// listeners never share an instance port.
/// False (with an error) when the app has more listeners than there are instance ports to
/// derive: assigning them would search for a free port forever.
pub(super) fn check_instance_port_capacity(
    balancers: &[Balancer],
    services: &[&Service],
    reserved: usize,
    diags: &mut Diagnostics,
) -> bool {
    let capacity = names::INSTANCE_PORTS.len() - reserved;
    let mut listeners = 0;
    for b in balancers {
        listeners += b.listeners.len();
        if listeners > capacity {
            let total: usize = balancers.iter().map(|b| b.listeners.len()).sum();
            let service = services.iter().find(|s| s.name.value == b.service).expect("balancers come from services");
            diags.push(
                Diagnostic::error(
                    Code::TooManyPorts,
                    service.name.span,
                    format!(
                        "the app has {total} TCP listeners, more than the {capacity} instance ports {}–{} they are given",
                        names::INSTANCE_PORTS.start(),
                        names::INSTANCE_PORTS.end()
                    ),
                )
                .with_label(format!("listener {} is here", capacity + 1))
                .with_help("map fewer ports, or split the app: each listener needs its own instance port"),
            );
            return false;
        }
    }
    true
}

pub(super) fn assign_instance_ports(app: &str, balancers: &mut [Balancer], bound: &BTreeSet<u16>) {
    let mut taken: BTreeSet<u16> = bound.clone();
    for balancer in balancers.iter_mut() {
        for listener in &mut balancer.listeners {
            let mut port = names::preferred_instance_port(app, &balancer.service, listener.balancer_port);
            while !taken.insert(port) {
                port = if port == *names::INSTANCE_PORTS.end() { *names::INSTANCE_PORTS.start() } else { port + 1 };
            }
            listener.instance_port = port;
        }
    }
}
