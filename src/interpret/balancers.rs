//! The balancer of one service: its listeners (one per TCP balancer port), scheme, health check,
//! timeouts and TLS policy, from its port mappings and labels.

use super::labels::{self, LabelValue, Scope};
use super::names;
use super::plan::{Balancer, CertificateRef, HealthCheck, Listener, Protocol, Scheme, Target};
use super::service_labels::ServiceLabels;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::load::{PortMapping, Service, Transport};
use crate::source::Span;
use indexmap::IndexMap;
use std::collections::{BTreeMap, BTreeSet};

/// The balancer of `service`, if it has one; its TLS policy labels are checked either way,
/// as a service without a balancer has no listener to apply them to, and so are its other
/// balancer labels when it has none.
pub(super) fn balancer_for(
    service: &Service,
    tcp: &[&PortMapping],
    labels: &ServiceLabels,
    target: Target,
    diags: &mut Diagnostics,
) -> Option<Balancer> {
    let balancer = build(service, tcp, labels, target, diags);
    super::targets::unused_tls_policies(&service.name.value, labels, balancer.as_ref(), target, diags);
    if balancer.is_none() {
        unused_balancer_labels(service, labels, diags);
    }
    balancer
}

/// The balancer labels (`convox.health.*`, `convox.idle.timeout`, `convox.draining.timeout`:
/// every balancer-scope label of the table) of a service that gets no balancer, each a warning
/// at the label. Convox read them only into the balancer it made for a service with a TCP port
/// and without `convox.balancer=false` (convox-gen1.md, "Which services get a balancer"), so it
/// ignored them elsewhere: a warning, not an error, keeps such a manifest compiling as it
/// deployed. `convox.tls.policy` has its own warning (`unused-tls-policy`), port labels theirs.
fn unused_balancer_labels(service: &Service, labels: &ServiceLabels, diags: &mut Diagnostics) {
    let name = &service.name.value;
    let (why, help) = if labels.balancer_disabled() {
        (format!("`{name}` has `convox.balancer=false`"), "remove the label, or the `convox.balancer=false` label")
    } else if !service.ports_complete {
        // The mapping that failed to load, already reported, may have been a TCP port.
        return;
    } else if service.ports.iter().any(|p| p.transport == Transport::Udp) {
        (format!("`{name}` maps no TCP port (UDP ports get no listener)"), MAP_A_TCP_PORT)
    } else {
        (format!("`{name}` maps no TCP port"), MAP_A_TCP_PORT)
    };
    // In file order, and only labels whose value was valid: a bad one is already an error.
    for (key, label) in &service.labels {
        let read = match labels::service_label(key) {
            Some(spec) if spec.key == "convox.health.path" => labels.health_path.is_some(),
            Some(spec) if spec.scope == Scope::Balancer => labels.balancer.contains_key(spec.key),
            _ => false,
        };
        if !read || key == "convox.balancer" || key == "convox.tls.policy" {
            continue;
        }
        diags.push(
            Diagnostic::warning(
                Code::UnusedBalancerLabel,
                label.key_span,
                format!("`{}` has no effect: {why}, so it has no load balancer", label.key_written),
            )
            .with_label("no balancer to apply it to")
            .with_help(help),
        );
    }
}

/// The fix for a balancer label on a service that maps no TCP port.
const MAP_A_TCP_PORT: &str =
    "map a TCP port (e.g. `ports: [\"80:3000\"]`) to give the service a balancer, or remove the label";

fn build(
    service: &Service,
    tcp: &[&PortMapping],
    labels: &ServiceLabels,
    target: Target,
    diags: &mut Diagnostics,
) -> Option<Balancer> {
    let name = service.name.value.as_str();
    if labels.balancer_disabled() {
        return None;
    }
    for p in service.ports.iter().filter(|p| p.transport == Transport::Sctp) {
        diags.push(
            Diagnostic::error(Code::PortProtocol, p.span, "a load balancer cannot carry SCTP")
                .with_label("SCTP port")
                .with_help("remove the port, or set `convox.balancer=false` to keep it as a plain host port"),
        );
    }
    if tcp.is_empty() {
        return None;
    }
    let scheme = match target {
        Target::Classic => scheme_of(name, tcp, diags),
        // v2 puts internal ports on a balancer of their own: nothing public is hidden.
        Target::V2 if tcp.iter().any(|m| m.is_internal()) => Scheme::Internal,
        Target::V2 => Scheme::Public,
    };
    let mut listeners: Vec<Listener> = tcp.iter().map(|m| listener(name, m, labels, target, diags)).collect();
    listeners.sort_by_key(|l| l.balancer_port);
    let health_check = health_check(service, tcp, &listeners, labels, diags);
    super::targets::check_target_labels(name, tcp, &listeners, labels, target, diags);
    let default_policy = match target {
        Target::Classic => labels::DEFAULT_TLS_POLICY,
        Target::V2 => labels::DEFAULT_V2_TLS_POLICY,
    };
    let tls_policy = listeners
        .iter()
        .any(|l| l.protocol.terminates_tls())
        .then(|| labels.text("convox.tls.policy").unwrap_or(default_policy).to_string());
    Some(Balancer {
        service: name.to_string(),
        scheme,
        listeners,
        health_check,
        idle_timeout: labels.number("convox.idle.timeout").unwrap_or(3600),
        draining_timeout: labels.number("convox.draining.timeout").unwrap_or(60),
        tls_policy,
    })
}

/// The service's TCP mappings with one per balancer port; a second mapping on a port is an
/// error (or, when identical, a warning). One diagnostic per pair of overlapping items, not
/// per port: two overlapping ranges printed tens of thousands of warnings.
pub(super) fn unique_tcp_ports<'a>(service: &'a Service, diags: &mut Diagnostics) -> Vec<&'a PortMapping> {
    let mut out: Vec<&PortMapping> = Vec::new();
    // Indexed by balancer port: a range maps up to 65,535 ports, and a scan of `out` per port
    // made one `1-65535` item cost two billion comparisons.
    let mut first_by_port: BTreeMap<u16, &PortMapping> = BTreeMap::new();
    // (repeated item, first item, identical) → the repeated mappings, in file order.
    let mut repeats: IndexMap<(Span, Span, bool), Vec<Repeat>> = IndexMap::new();
    for m in service.ports.iter().filter(|p| p.transport == Transport::Tcp) {
        match first_by_port.get(&m.balancer_port()).copied() {
            None => {
                first_by_port.insert(m.balancer_port(), m);
                out.push(m);
            }
            Some(first) => {
                let same = first.target == m.target && first.published == m.published;
                repeats.entry((m.span, first.span, same)).or_default().push((m, first));
            }
        }
    }
    for ((_, _, same), pairs) in repeats {
        diags.push(repeated_ports_diagnostic(same, &pairs));
    }
    out
}

/// A mapping of a balancer port that an earlier mapping already has: (repeated, first).
pub(super) type Repeat<'a> = (&'a PortMapping, &'a PortMapping);

/// The diagnostic for one item whose balancer ports an earlier item already maps; `pairs`
/// holds (repeated, first) mappings, all sharing the two items' spans.
pub(super) fn repeated_ports_diagnostic(same: bool, pairs: &[Repeat]) -> Diagnostic {
    let (m, first) = pairs[0];
    let ports: Vec<u16> = pairs.iter().map(|(m, _)| m.balancer_port()).collect();
    let (message, label, help) = match (same, ports.as_slice()) {
        (true, [port]) => {
            (format!("port {port} is mapped twice"), "the same mapping again", "remove the repeated mapping")
        }
        (true, _) => (
            format!("ports {} ({} in all) are mapped twice", port_runs(&ports), ports.len()),
            "the same mappings again",
            "remove the repeated mappings",
        ),
        (false, [port]) => (
            format!("balancer port {port} is mapped twice, to container ports {} and {}", first.target, m.target),
            "second mapping of this balancer port",
            "a balancer port has one listener: pick another host port for one of them",
        ),
        (false, _) => (
            format!(
                "balancer ports {} ({} in all) are mapped twice, to different container ports",
                port_runs(&ports),
                ports.len()
            ),
            "second mapping of these balancer ports",
            "a balancer port has one listener: pick other host ports for one of them",
        ),
    };
    let (diagnostic, first_label) = match same {
        true => (Diagnostic::warning(Code::DuplicatePort, m.span, message), "first mapped here"),
        false => (Diagnostic::error(Code::DuplicatePort, m.span, message), "first mapping"),
    };
    diagnostic.with_label(label).with_related(first.span, first_label).with_help(help)
}

/// The most runs of ports a message lists: a message per label or per pair of items must not
/// grow with the number of ports, or many of them make output quadratic in the input.
pub(super) const MAX_RUNS_SHOWN: usize = 8;

/// Sorted ports written as runs, e.g. `80, 1500-1999`, at most [`MAX_RUNS_SHOWN`] of them.
pub(super) fn port_runs(ports: &[u16]) -> String {
    let mut sorted = ports.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut runs: Vec<(u16, u16)> = Vec::new();
    for p in sorted {
        match runs.last_mut() {
            Some((_, end)) if u32::from(*end) + 1 == u32::from(p) => *end = p,
            _ => runs.push((p, p)),
        }
    }
    let mut text: Vec<String> = runs
        .iter()
        .take(MAX_RUNS_SHOWN)
        .map(|(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") })
        .collect();
    if runs.len() > MAX_RUNS_SHOWN {
        text.push(format!("… ({} more ranges)", runs.len() - MAX_RUNS_SHOWN));
    }
    text.join(", ")
}

/// The container ports of `tcp`, each once, in order, for a help line.
fn containers_list(tcp: &[&PortMapping]) -> String {
    let containers: BTreeSet<u16> = tcp.iter().map(|m| m.target).collect();
    containers.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
}

pub(super) fn scheme_of(service: &str, tcp: &[&PortMapping], diags: &mut Diagnostics) -> Scheme {
    let Some(first_internal) = tcp.iter().find(|m| m.is_internal()) else {
        return Scheme::Public;
    };
    let mut public: Vec<u16> = tcp.iter().filter(|m| !m.is_internal()).map(|m| m.balancer_port()).collect();
    public.sort_unstable();
    let public: Vec<String> = public.iter().map(u16::to_string).collect();
    if !public.is_empty() {
        diags.push(
            Diagnostic::warning(
                Code::InternalBalancer,
                first_internal.span,
                format!(
                    "internal port {} makes the whole balancer of `{service}` internal: public port{} {} will not be reachable from the internet",
                    first_internal.target,
                    if public.len() == 1 { "" } else { "s" },
                    public.join(", ")
                ),
            )
            .with_label("internal port (no host port)")
            .with_help(format!(
                "a Classic ELB is either internet-facing or internal, and ECS attaches one to a service: \
                 move the internal port to a separate service, publish it (e.g. `{port}:{port}`), or \
                 compile with `--balancer v2`, whose load balancers serve both",
                port = first_internal.target
            )),
        );
    }
    Scheme::Internal
}

pub(super) fn listener(
    service: &str,
    m: &PortMapping,
    labels: &ServiceLabels,
    target: Target,
    diags: &mut Diagnostics,
) -> Listener {
    let port = m.balancer_port();
    let get = |key: &'static str| labels.port.get(&(port, key));
    let protocol = match get("protocol") {
        Some((LabelValue::Text(p), _)) => Protocol::from_label(p).expect("validated by the label table"),
        _ => Protocol::Tcp,
    };
    let flag = |key| matches!(get(key), Some((LabelValue::Bool(true), _)));
    let (secure, proxy) = (flag("secure"), flag("proxy"));
    if proxy && protocol.is_http() {
        let (_, label) = get("proxy").expect("proxy is set");
        diags.push(
            Diagnostic::warning(Code::ProxyOnHttp, label.key_span, format!("proxy protocol on {} listener {port}", protocol.label().to_ascii_uppercase()))
                .with_help("http and https listeners already pass the client address in X-Forwarded-For; proxy protocol is for tcp and tls"),
        );
    }
    // On v2 a TCP listener cannot re-encrypt at all: `targets` reports that as an error instead.
    if secure && get("protocol").is_none() && target == Target::Classic {
        let (_, label) = get("secure").expect("secure is set");
        diags.push(
            Diagnostic::warning(
                Code::SecureWithoutProtocol,
                label.key_span,
                format!("port {port} has `secure=true` but no protocol: the balancer opens TLS to the container (TCP → SSL); Convox passed TLS through (TCP → TCP)"),
            )
            .with_label("re-encrypts to the container")
            .with_help(format!(
                "clients that speak TLS to the container's own certificate break: add `convox.port.{port}.protocol=tls` to end TLS at the balancer, or remove `secure` to pass TLS through as Convox did"
            )),
        );
    }
    Listener {
        balancer_port: port,
        container_port: m.target,
        protocol,
        secure,
        proxy,
        instance_port: 0,
        internal: m.is_internal(),
        ssl_policy: match get("ssl_policy") {
            Some((LabelValue::Text(p), _)) => Some(p.clone()),
            _ => None,
        },
        redirect: match get("redirect") {
            Some((LabelValue::Number(p), _)) => u16::try_from(*p).ok(),
            _ => None,
        },
        certificate: protocol
            .terminates_tls()
            .then(|| CertificateRef { parameter: names::certificate_parameter(service, port), arn: None }),
    }
}

pub(super) fn health_check(
    service: &Service,
    tcp: &[&PortMapping],
    listeners: &[Listener],
    labels: &ServiceLabels,
    diags: &mut Diagnostics,
) -> HealthCheck {
    // Default: the first TCP port as written in the file.
    let mut checked = tcp[0];
    if let Some((port, label)) = labels.number_at("convox.health.port") {
        match tcp.iter().find(|m| u32::from(m.target) == port) {
            Some(m) => checked = m,
            None if !service.ports_complete => {}
            None => {
                let service_name = &service.name.value;
                let ports = containers_list(tcp);
                let keyed_by_balancer = tcp.iter().find(|m| u32::from(m.balancer_port()) == port);
                // A UDP container port is one, but no balancer checks it: say that, not "no such port".
                let udp = service.ports.iter().any(|m| m.transport == Transport::Udp && u32::from(m.target) == port);
                let (message, label_text) = match udp {
                    true => (
                        format!(
                            "`convox.health.port` is {port}, a UDP port of `{service_name}`: a balancer checks a TCP port"
                        ),
                        "a UDP port",
                    ),
                    false => (
                        format!("`convox.health.port` is {port}, not a container port of `{service_name}`"),
                        "no such container port",
                    ),
                };
                let help = match (udp, keyed_by_balancer) {
                    (true, _) => format!("the service's TCP container ports are {ports}"),
                    (false, Some(m)) => format!(
                        "`convox.health.port` takes a container port: balancer port {port} forwards to container port {}",
                        m.target
                    ),
                    (false, None) => format!("the service's container ports are {ports}"),
                };
                diags.push(
                    Diagnostic::error(Code::UnmappedPort, label.value_span, message)
                        .with_label(label_text)
                        .with_help(help),
                );
            }
        }
    }
    let listener =
        listeners.iter().find(|l| l.balancer_port == checked.balancer_port()).expect("one listener per TCP port");
    let path = labels.health_path.clone();
    let timeout = labels.number("convox.health.timeout").unwrap_or(3);
    let interval = match labels.number_at("convox.health.interval") {
        Some((interval, label)) => {
            if interval <= timeout {
                diags.push(
                    Diagnostic::error(
                        Code::LabelValue,
                        label.value_span,
                        format!("health check interval {interval}s must be longer than its timeout {timeout}s"),
                    )
                    .with_label("not longer than the timeout")
                    .with_help(format!(
                        "set `convox.health.interval` to at least {}, or lower `convox.health.timeout`",
                        timeout + 1
                    )),
                );
            }
            interval
        }
        // The ELB needs at least 5 s; a 2 s timeout would otherwise give 4.
        None => (timeout + 2).max(5),
    };
    HealthCheck {
        listener_port: listener.balancer_port,
        path,
        timeout,
        interval,
        healthy_threshold: labels.number("convox.health.threshold.healthy").unwrap_or(2),
        unhealthy_threshold: labels.number("convox.health.threshold.unhealthy").unwrap_or(2),
    }
}
