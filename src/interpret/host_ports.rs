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

/// The fixed host port bindings of one service, in file order; `balanced` when it has a
/// balancer. Gathered while each service is read, not in a pass of their own: a large app's
/// services are no longer in the cache by the end of that loop.
pub(super) fn fixed_bindings<'a>(service: &'a Service, balanced: bool) -> impl Iterator<Item = FixedBinding<'a>> {
    service.ports.iter().filter_map(move |mapping| {
        let port = fixed_host_port(mapping, balanced)?;
        Some(FixedBinding { service: &service.name.value, mapping, port })
    })
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
    // A service is told apart by where its name is kept, not by the name's text: every binding
    // of one service holds the same `&str`, and comparing or hashing a large app's names
    // reads them all from memory again.
    let id = |service: &str| service.as_ptr() as usize;
    let mut bound: BTreeMap<(u16, Transport), Vec<(&str, &PortMapping)>> = BTreeMap::new();
    for binding in fixed {
        let users = bound.entry(binding.port).or_default();
        if users.last().is_none_or(|(owner, _)| id(owner) != id(binding.service)) {
            users.push((binding.service, binding.mapping));
        }
    }
    // One warning per pair of overlapping items, not per port: two `1-65535/udp` ranges in two
    // services were 65,535 warnings. Keyed by transport, the services and the two mappings.
    let mut shared: IndexMap<_, (Vec<&str>, Vec<u16>), foldhash::fast::RandomState> = IndexMap::default();
    for ((port, transport), users) in bound.into_iter().filter(|(_, users)| users.len() > 1) {
        let ids: Vec<usize> = users.iter().map(|(name, _)| id(name)).collect();
        let entry = shared.entry((transport, ids, users[0].1.span, users[1].1.span));
        entry.or_insert_with(|| (users.iter().map(|(name, _)| *name).collect(), Vec::new())).1.push(port);
    }
    for ((transport, _, first_span, second_span), (users, ports)) in shared {
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

/// The port each listener of `balancer` prefers, in listener order: derived from the app, the
/// service and the balancer port, so that it stays put as other services come and go.
/// Computed while the service is read, when its name is still in the cache.
pub(super) fn preferred_instance_ports(app: &str, balancer: &Balancer) -> impl Iterator<Item = u16> {
    balancer.listeners.iter().map(|l| names::preferred_instance_port(app, &balancer.service, l.balancer_port))
}

/// `preferred`: each listener's preferred port, in balancer and listener order.
pub(super) fn assign_instance_ports(balancers: &mut [Balancer], preferred: &[u16], bound: &BTreeSet<u16>) {
    let mut taken: BTreeSet<u16> = bound.clone();
    let listeners = balancers.iter_mut().flat_map(|balancer| balancer.listeners.iter_mut());
    for (listener, &preferred) in listeners.zip(preferred) {
        let mut port = preferred;
        while !taken.insert(port) {
            port = if port == *names::INSTANCE_PORTS.end() { *names::INSTANCE_PORTS.start() } else { port + 1 };
        }
        listener.instance_port = port;
    }
}
