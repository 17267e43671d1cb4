//! The plan as one table, a row per listener: the columns a reviewer reads, in words.

use crate::interpret::labels::{DEFAULT_TLS_POLICY, DEFAULT_V2_TLS_POLICY};
use crate::interpret::plan::{HostPort, PortMap};
use crate::interpret::{Balancer, Listener, Plan, Protocol, Scheme, Target};
use crate::lower::classic::{front_name, instance_protocol};
use crate::lower::names::{self, v2_balancer};

/// The column headings, in order.
pub const HEADINGS: [&str; 8] =
    ["SERVICE", "BALANCER", "PORT", "PROTOCOL", "CERTIFICATE", "PROXY", "HEALTH CHECK", "TIMEOUTS"];

/// One listener in words; balancer-wide cells are filled on the balancer's first row only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row(pub [String; 8]);

/// The rows of a plan, by service then balancer port.
pub fn rows(plan: &Plan) -> Vec<Row> {
    plan.balancers
        .iter()
        .flat_map(|b| {
            b.listeners.iter().enumerate().map(move |(i, l)| match plan.target {
                Target::Classic => row(b, l, i == 0),
                Target::V2 => row_v2(b, l, i == 0),
            })
        })
        .collect()
}

/// A v2 listener: its own balancer, target group protocol and health check on every row.
fn row_v2(b: &Balancer, l: &Listener, first: bool) -> Row {
    let scheme = if l.internal { "internal" } else { "public" };
    let name = |p: Protocol| p.label().to_ascii_uppercase();
    let back = match (l.redirect, l.secure) {
        (Some(port), _) => format!("redirect to {port}"),
        (None, true) if l.protocol.is_http() => "HTTPS".into(),
        (None, true) => "TLS".into(),
        (None, false) => name(if l.protocol.is_http() { Protocol::Http } else { Protocol::Tcp }),
    };
    let certificate = match &l.certificate {
        None => "-".to_string(),
        Some(c) => c.arn.clone().unwrap_or_else(|| "self-signed at deploy".to_string()),
    };
    let policy = l.ssl_policy.as_ref().or(b.tls_policy.as_ref());
    let certificate = match policy {
        Some(p) if l.protocol.terminates_tls() && p != DEFAULT_V2_TLS_POLICY => format!("{certificate} (policy {p})"),
        _ => certificate,
    };
    let h = &b.health_check;
    // As `lower::v2` does: the path is asked only of the health-checked container port.
    let checked = b.listeners.iter().find(|c| c.balancer_port == h.listener_port);
    let path = h.path.as_ref().filter(|_| checked.is_some_and(|c| c.container_port == l.container_port));
    let probe = match (path, l.protocol.is_http()) {
        (Some(path), _) => format!("{} {}", if l.secure { "HTTPS" } else { "HTTP" }, path.display()),
        (None, true) => format!("{} / (any answer)", if l.secure { "HTTPS" } else { "HTTP" }),
        (None, false) => "TCP".into(),
    };
    let health = match l.redirect {
        Some(_) => String::new(),
        None => format!(
            "{probe} every {}s, timeout {}s, healthy {}, unhealthy {}",
            h.interval, h.timeout, h.healthy_threshold, h.unhealthy_threshold
        ),
    };
    Row([
        if first { b.service.clone() } else { String::new() },
        format!("{} ({scheme})", v2_balancer(&b.service, l)),
        format!("{} → {}", l.balancer_port, l.container_port),
        format!("{} ({}→{back})", l.protocol.label(), name(l.protocol)),
        certificate,
        if l.proxy && !l.protocol.is_http() { "yes" } else { "no" }.to_string(),
        health,
        if first { format!("idle {}s, draining {}s", b.idle_timeout, b.draining_timeout) } else { String::new() },
    ])
}

fn row(b: &Balancer, l: &Listener, first: bool) -> Row {
    let scheme = match b.scheme {
        Scheme::Public => "public",
        Scheme::Internal => "internal",
    };
    let certificate = match &l.certificate {
        None => "-".to_string(),
        Some(c) => c.arn.clone().unwrap_or_else(|| "self-signed at deploy".to_string()),
    };
    // A non-default TLS policy is the one TLS fact the certificate column cannot show.
    let certificate = match &b.tls_policy {
        Some(p) if l.protocol.terminates_tls() && p != DEFAULT_TLS_POLICY => format!("{certificate} (policy {p})"),
        _ => certificate,
    };
    let h = &b.health_check;
    // The health check belongs to one listener's instance port: shown on that listener's row.
    let health = if h.listener_port == l.balancer_port {
        // Classic ELB words: a request is HTTP(S), a connection TCP/SSL, secure as the back end.
        let probe = if h.path.is_some() { Protocol::Http } else { Protocol::Tcp };
        format!(
            "{}{} every {}s, timeout {}s, healthy {}, unhealthy {}",
            instance_protocol(probe, l.secure).name(),
            h.path.as_ref().map(|p| format!(" {}", p.display())).unwrap_or_default(),
            h.interval,
            h.timeout,
            h.healthy_threshold,
            h.unhealthy_threshold
        )
    } else {
        String::new()
    };
    let balancer_cell = |s: String| if first { s } else { String::new() };
    Row([
        balancer_cell(b.service.clone()),
        balancer_cell(format!("{} ({scheme})", names::balancer(&b.service, b.scheme == Scheme::Internal))),
        format!("{} → {}", l.balancer_port, l.container_port),
        format!(
            "{} ({}→{})",
            l.protocol.label(),
            front_name(l.protocol),
            instance_protocol(l.protocol, l.secure).name()
        ),
        certificate,
        if l.proxy { "yes" } else { "no" }.to_string(),
        health,
        balancer_cell(format!("idle {}s, draining {}s", b.idle_timeout, b.draining_timeout)),
    ])
}

/// What becomes of the ports no balancer carries: one line per service that has no balancer
/// (a worker), and per UDP port (a Classic ELB carries no UDP), so the plan omits nothing.
pub fn unbalanced(plan: &Plan) -> Vec<String> {
    plan.services
        .iter()
        .filter_map(|w| {
            let udp: Vec<&PortMap> = w.container.port_mappings.iter().filter(|p| p.protocol == "udp").collect();
            let udp_text = udp
                .iter()
                .map(|p| match p.host_port {
                    HostPort::Fixed { port } => {
                        format!("{}/udp → host port {port} of each instance, not balanced", p.container_port)
                    }
                    _ => format!("{}/udp → not published, not balanced", p.container_port),
                })
                .collect::<Vec<_>>()
                .join("; ");
            let scale = match (w.daemon, w.desired_count) {
                (true, _) => "one task per instance".to_string(),
                (false, 1) => "1 task".to_string(),
                (false, n) => format!("{n} tasks"),
            };
            match (&w.balancer, udp.is_empty()) {
                (Some(_), true) => None,
                (Some(_), false) => Some(format!("{}: {udp_text}", w.service)),
                (None, _) => {
                    let tcp: Vec<String> = w
                        .container
                        .port_mappings
                        .iter()
                        .filter(|p| p.protocol != "udp")
                        .map(|p| match p.host_port {
                            HostPort::Fixed { port } => format!("{}/tcp → host port {port}", p.container_port),
                            _ => format!("{}/tcp → not published", p.container_port),
                        })
                        .collect();
                    let ports: Vec<String> = tcp.into_iter().chain((!udp.is_empty()).then_some(udp_text)).collect();
                    let ports = if ports.is_empty() { "no ports".to_string() } else { ports.join("; ") };
                    Some(format!("{}: worker, {scale}, {ports}", w.service))
                }
            }
        })
        .collect()
}
