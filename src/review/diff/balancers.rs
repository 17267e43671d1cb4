//! What changes on a service's balancer and its listeners: matched by service and balancer
//! port, compared by meaning (protocols, ports, certificate, proxy protocol, exposure), with
//! the risky changes warned about.

use super::{Action, Change, Risk, Subject};
use crate::interpret::labels::requires_tls12;
use crate::review::view::{BalancerView, Certificate, Exposure, ListenerView};
use std::collections::BTreeSet;

pub(super) fn balancer_changes(
    service: &str,
    old: Option<&BalancerView>,
    new: Option<&BalancerView>,
    out: &mut Vec<Change>,
) {
    let subject = || Subject::Balancer { service: service.to_string() };
    let (old, new) = match (old, new) {
        (None, None) => return,
        (None, Some(b)) => {
            out.push(Change::new(subject(), Action::Added).field("balancer", None, Some(b.logical_id.clone())));
            for l in b.listeners.values() {
                out.push(added_listener(service, l));
            }
            return;
        }
        (Some(b), None) => {
            out.push(Change::new(subject(), Action::Removed).field("balancer", Some(b.logical_id.clone()), None).warn(
                Risk::BalancerDeleted,
                "the balancer is deleted: its DNS name stops resolving and every client of it loses service",
            ));
            for l in b.listeners.values() {
                out.push(removed_listener(service, l));
            }
            return;
        }
        (Some(a), Some(b)) => (a, b),
    };
    if old.technology != new.technology {
        out.push(
            Change::new(subject(), Action::Replaced)
                .field("balancer", Some(describe(old)), Some(describe(new)))
                .warn(Risk::BalancerReplaced, "the balancer target changed (--balancer): the old balancers are deleted and new ones created, with new DNS names, so CNAMEs and clients of the old names break"),
        );
    } else if old.logical_id != new.logical_id {
        out.push(
            Change::new(subject(), Action::Replaced)
                .field("logical ID", Some(old.logical_id.clone()), Some(new.logical_id.clone()))
                .warn(Risk::BalancerReplaced, "a new logical ID replaces the balancer: it gets a new DNS name, so CNAMEs and clients of the old name break"),
        );
    }
    let mut field = |name: &str, a: String, b: String| {
        if a != b {
            let c = Change::new(subject(), Action::Changed).field(name, Some(a), Some(b));
            out.push(c);
        }
    };
    field("health check", old.health_target.clone(), new.health_target.clone());
    field("health check timing", timing(old), timing(new));
    field("idle timeout", seconds(&old.idle_timeout), seconds(&new.idle_timeout));
    field("draining timeout", seconds(&old.draining_timeout), seconds(&new.draining_timeout));
    if old.tls_policy != new.tls_policy {
        let mut c =
            Change::new(subject(), Action::Changed).field("TLS policy", old.tls_policy.clone(), new.tls_policy.clone());
        let minimum_12 = |p: &Option<String>| p.as_deref().is_some_and(requires_tls12);
        if minimum_12(&old.tls_policy) && new.tls_policy.is_some() && !minimum_12(&new.tls_policy) {
            c = c.warn(Risk::WeakerTlsPolicy, "the new policy admits TLS versions below 1.2 or weaker ciphers");
        }
        out.push(c);
    }
    for port in old.listeners.keys().chain(new.listeners.keys()).copied().collect::<BTreeSet<u16>>() {
        match (old.listeners.get(&port), new.listeners.get(&port)) {
            (None, Some(l)) => out.push(added_listener(service, l)),
            (Some(l), None) => out.push(removed_listener(service, l)),
            (Some(a), Some(b)) => listener_changes(service, a, b, out),
            (None, None) => {}
        }
    }
}

/// `BalancerWeb (Classic ELB)`: a service's balancers and their technology.
fn describe(b: &BalancerView) -> String {
    format!("{} ({})", b.logical_id, b.technology.describe())
}

fn timing(b: &BalancerView) -> String {
    let [timeout, interval, healthy, unhealthy] = &b.health_timing;
    format!("timeout {timeout}s, interval {interval}s, healthy {healthy}, unhealthy {unhealthy}")
}

fn seconds(s: &str) -> String {
    if s.bytes().all(|b| b.is_ascii_digit()) { format!("{s}s") } else { s.to_string() }
}

fn listener_subject(service: &str, port: u16) -> Subject {
    Subject::Listener { service: service.to_string(), port }
}

/// `80 → 3000 HTTPS→HTTP`: a listener in one line.
pub fn listener_summary(l: &ListenerView) -> String {
    let target = l.container_port.map_or_else(|| format!("instance port {}", l.instance_port), |p| p.to_string());
    let cert = match &l.certificate {
        Certificate::None => String::new(),
        c => format!(", certificate {}", c.describe()),
    };
    format!(
        "{} → {target} {}{cert}{}, {}",
        l.port,
        protocols(l),
        if l.proxy { ", proxy protocol" } else { "" },
        exposure(l)
    )
}

fn protocols(l: &ListenerView) -> String {
    format!("{}→{}", l.protocol, l.instance_protocol)
}

fn exposure(l: &ListenerView) -> String {
    let who = match l.exposure {
        Exposure::Internet => "internet-facing",
        Exposure::Vpc => "internal",
    };
    // The sources in the manifest's terms: `Ref VpcCidr` is the VPC, any address is the internet.
    let sources: Vec<String> = l
        .sources
        .iter()
        .filter(|s| !(l.exposure == Exposure::Internet && (*s == "0.0.0.0/0" || *s == "::/0")))
        .map(|s| match s.strip_prefix("Ref ") {
            Some("VpcCidr") => "inside the VPC".to_string(),
            Some(parameter) => format!("from the addresses of parameter {parameter}"),
            None => format!("from {s}"),
        })
        .collect();
    match (l.exposure, sources.as_slice()) {
        (_, []) => who.to_string(),
        (Exposure::Vpc, [only]) if only == "inside the VPC" => only.clone(),
        (_, sources) => format!("{who}, {}", sources.join(", ")),
    }
}

fn is_open_to_internet(l: &ListenerView) -> bool {
    l.exposure == Exposure::Internet
        && (l.sources.is_empty() || l.sources.iter().any(|s| s == "0.0.0.0/0" || s == "::/0"))
}

fn added_listener(service: &str, l: &ListenerView) -> Change {
    let c = Change::new(listener_subject(service, l.port), Action::Added).field(
        "listener",
        None,
        Some(listener_summary(l)),
    );
    if is_open_to_internet(l) { c.warn(Risk::PortOpened, format!("opens port {} to the internet", l.port)) } else { c }
}

fn removed_listener(service: &str, l: &ListenerView) -> Change {
    Change::new(listener_subject(service, l.port), Action::Removed)
        .field("listener", Some(listener_summary(l)), None)
        .note(format!("clients of port {} lose service", l.port))
}

fn terminates_tls(protocol: &str) -> bool {
    matches!(protocol, "HTTPS" | "SSL" | "TLS")
}

fn is_http(protocol: &str) -> bool {
    matches!(protocol, "HTTP" | "HTTPS")
}

fn listener_changes(service: &str, a: &ListenerView, b: &ListenerView, out: &mut Vec<Change>) {
    let subject = || listener_subject(service, a.port);
    let changed = |field: &str, old: String, new: String| {
        Change::new(subject(), Action::Changed).field(field, Some(old), Some(new))
    };
    if (&a.protocol, &a.instance_protocol) != (&b.protocol, &b.instance_protocol) {
        let mut c = changed("protocol", protocols(a), protocols(b));
        if terminates_tls(&a.protocol) && !terminates_tls(&b.protocol) {
            c = c.warn(Risk::TlsOff, format!("TLS is turned off: port {} now carries plain text", a.port));
        }
        if terminates_tls(&a.instance_protocol) && !terminates_tls(&b.instance_protocol) {
            c = c.warn(Risk::ReencryptionOff, "traffic from the balancer to the container is no longer encrypted");
        }
        if is_http(&a.protocol) && !is_http(&b.protocol) {
            c = c.warn(
                Risk::HeadersLost,
                "the balancer stops adding X-Forwarded-For/-Proto/-Port headers: an app that reads them (client IP, redirects to https) behaves differently; websockets now work",
            );
        }
        if !is_http(&a.protocol) && is_http(&b.protocol) {
            c = c.warn(
                Risk::HttpOnly,
                "the balancer now parses HTTP: websockets and other non-HTTP traffic on this port stop working",
            );
        }
        if c.risks.is_empty() && !terminates_tls(&a.protocol) && terminates_tls(&b.protocol) {
            c = c.note("TLS is now terminated at the balancer");
        }
        out.push(c);
    }
    if a.container_port != b.container_port {
        let show = |p: Option<u16>| p.map_or_else(|| "unknown".into(), |p| p.to_string());
        out.push(changed("container port", show(a.container_port), show(b.container_port)));
    }
    if a.instance_port != b.instance_port {
        out.push(changed("instance port", a.instance_port.clone(), b.instance_port.clone()));
    }
    if a.certificate != b.certificate {
        let mut c = changed("certificate", a.certificate.describe(), b.certificate.describe());
        match (&a.certificate, &b.certificate) {
            (Certificate::Arn(_), Certificate::AtDeploy { .. }) => {
                c = c.warn(
                    Risk::CertificateUnbound,
                    "the bound certificate is removed: clients get a self-signed certificate that browsers reject",
                );
            }
            (Certificate::AtDeploy { .. }, Certificate::Arn(_)) => c = c.note("a certificate is bound"),
            _ => {}
        }
        out.push(c);
    }
    if a.proxy != b.proxy {
        let onoff = |on: bool| if on { "on" } else { "off" }.to_string();
        let note = if b.proxy {
            "the container must now expect a PROXY protocol header on every connection"
        } else {
            "the container no longer receives a PROXY protocol header (nor the client IP it carried)"
        };
        out.push(changed("proxy protocol", onoff(a.proxy), onoff(b.proxy)).note(note));
    }
    if (a.exposure, &a.sources) != (b.exposure, &b.sources) {
        let mut c = changed("exposure", exposure(a), exposure(b));
        if is_open_to_internet(b) && !is_open_to_internet(a) {
            c = c.warn(
                Risk::ExposureWidened,
                format!("exposure widened: port {} becomes reachable from the internet", a.port),
            );
        } else if a.exposure == Exposure::Internet && b.exposure == Exposure::Vpc {
            c = c.warn(Risk::ExposureNarrowed, "no longer reachable from the internet");
        }
        out.push(c);
    }
}
