//! The plan as one table, a row per listener: the columns a reviewer reads, in words.

use crate::interpret::labels::DEFAULT_TLS_POLICY;
use crate::interpret::{Balancer, Listener, Plan, Scheme};

/// The column headings, in order.
pub const HEADINGS: [&str; 8] =
    ["SERVICE", "BALANCER", "PORT", "PROTOCOL", "CERTIFICATE", "PROXY", "HEALTH CHECK", "TIMEOUTS"];

/// One listener in words; balancer-wide cells are filled on the balancer's first row only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row(pub [String; 8]);

/// The rows of a plan, by service then balancer port.
pub fn rows(plan: &Plan) -> Vec<Row> {
    plan.balancers.iter().flat_map(|b| b.listeners.iter().enumerate().map(move |(i, l)| row(b, l, i == 0))).collect()
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
        Some(p) if l.protocol.terminates_tls() && p.reference != DEFAULT_TLS_POLICY => {
            format!("{certificate} (policy {})", p.reference)
        }
        _ => certificate,
    };
    let h = &b.health_check;
    // The health check belongs to one listener's instance port: shown on that listener's row.
    let health = if h.listener_port == l.balancer_port {
        format!(
            "{}{} every {}s, timeout {}s, healthy {}, unhealthy {}",
            h.protocol,
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
        balancer_cell(format!("{} ({scheme})", b.logical_id)),
        format!("{} → {}", l.balancer_port, l.container_port),
        format!("{} ({}→{})", protocol_label(l), l.elb_protocol, l.instance_protocol),
        certificate,
        if l.proxy { "yes" } else { "no" }.to_string(),
        health,
        balancer_cell(format!("idle {}s, draining {}s", b.idle_timeout, b.draining_timeout)),
    ])
}

fn protocol_label(l: &Listener) -> &'static str {
    match l.protocol {
        crate::interpret::Protocol::Http => "http",
        crate::interpret::Protocol::Https => "https",
        crate::interpret::Protocol::Tcp => "tcp",
        crate::interpret::Protocol::Tls => "tls",
    }
}
