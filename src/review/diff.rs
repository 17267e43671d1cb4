//! What changes between two templates, by meaning: listeners by service and port, balancers,
//! and every other resource by logical ID and type — with the risky changes marked.

use super::view::{
    BalancerView, Certificate, ContainerView, Exposure, LOAD_BALANCER, ListenerView, Resource, ServiceView, StackView,
    TASK_DEFINITION, scalar,
};
use crate::interpret::labels::requires_tls12;
mod services;

use schemars::JsonSchema;
use serde::Serialize;
use services::service_changes;
use std::collections::BTreeSet;

/// Properties whose change makes CloudFormation replace the resource (a new physical
/// resource; for a balancer, a new DNS name). `*`: every property change replaces it.
pub const REPLACING_PROPERTIES: &[(&str, &[&str])] = &[
    (LOAD_BALANCER, &["Scheme", "LoadBalancerName"]),
    ("AWS::EC2::SecurityGroup", &["GroupDescription", "GroupName", "VpcId"]),
    ("AWS::ECS::Service", &["ServiceName", "Cluster", "LaunchType", "Role", "SchedulingStrategy"]),
    ("AWS::IAM::Role", &["RoleName", "Path"]),
    ("AWS::Logs::LogGroup", &["LogGroupName"]),
];

/// Why a change is risky, as a stable code for scripts (`diff --format json`); reports for
/// people show the sentence of the change's `warning` instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Risk {
    /// A port becomes reachable from the internet (an internal port made public).
    ExposureWidened,
    /// A new internet-facing port.
    PortOpened,
    /// A port stops being reachable from the internet.
    ExposureNarrowed,
    /// TLS is no longer terminated: the port carries plain text.
    TlsOff,
    /// Traffic from the balancer to the container is no longer encrypted.
    ReencryptionOff,
    /// HTTP(S) becomes TCP/TLS: the X-Forwarded-* headers are gone.
    HeadersLost,
    /// TCP/TLS becomes HTTP(S): non-HTTP traffic (websockets) stops working.
    HttpOnly,
    /// A bound certificate gives way to a self-signed one.
    CertificateUnbound,
    /// The TLS policy admits older TLS versions or weaker ciphers.
    WeakerTlsPolicy,
    /// A balancer is deleted.
    BalancerDeleted,
    /// A balancer is replaced: a new DNS name.
    BalancerReplaced,
    /// A resource changes type, which replaces it.
    TypeChanged,
    /// A whole service is removed: its tasks stop.
    ServiceRemoved,
    /// The two sides name different apps: names derived from the app differ on every resource.
    AppNameDiffers,
}

/// What a change is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Subject {
    /// A balancer's listener, by service and balancer port.
    Listener {
        /// The compose service.
        service: String,
        /// The balancer port.
        port: u16,
    },
    /// A service's balancer as a whole (health check, timeouts, TLS policy, identity).
    Balancer {
        /// The compose service.
        service: String,
    },
    /// A service's ECS side: its task definition's containers and its desired count.
    Service {
        /// The compose service.
        service: String,
    },
    /// Any resource, by logical ID.
    Resource {
        /// The logical ID.
        logical_id: String,
        /// Its CloudFormation type (the new one when it changed).
        resource_type: String,
    },
    /// A template parameter.
    Parameter {
        /// Its name.
        name: String,
    },
    /// A template output.
    Output {
        /// Its name.
        name: String,
    },
    /// Another top-level key of the template (`Description`, `Metadata`).
    Template {
        /// The key.
        key: String,
    },
}

/// What happened to the subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// It is new.
    Added,
    /// It is gone.
    Removed,
    /// It is updated in place.
    Changed,
    /// A task definition's new revision: ECS replaces the service's tasks in a rolling deployment.
    Revised,
    /// It is deleted and created anew (a balancer gets a new DNS name).
    Replaced,
}

/// One change.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Change {
    /// What changed.
    pub subject: Subject,
    /// How.
    pub action: Action,
    /// Which aspect (`protocol`, `certificate`, `exposure`, …), for changes of one aspect.
    pub field: Option<String>,
    /// The value before.
    pub old: Option<String>,
    /// The value after.
    pub new: Option<String>,
    /// Why the change is risky, when it is: reports show these as warnings.
    pub warning: Option<String>,
    /// The same, as codes for scripts.
    pub risks: Vec<Risk>,
    /// What the change means, when that is not obvious.
    pub note: Option<String>,
}

impl Change {
    fn new(subject: Subject, action: Action) -> Self {
        Change { subject, action, field: None, old: None, new: None, warning: None, risks: Vec::new(), note: None }
    }

    fn field(mut self, field: &str, old: Option<String>, new: Option<String>) -> Self {
        self.field = Some(field.to_string());
        self.old = old;
        self.new = new;
        self
    }

    fn warn(mut self, risk: Risk, why: impl Into<String>) -> Self {
        let why = why.into();
        self.warning = Some(match self.warning.take() {
            Some(earlier) => format!("{earlier}; {why}"),
            None => why,
        });
        self.risks.push(risk);
        self
    }

    fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

/// Every change between two templates.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Diff {
    /// Where the old template came from, as the user named it.
    pub old: String,
    /// Where the new template came from.
    pub new: String,
    /// The changes: listeners and balancers by service, then resources, parameters, outputs.
    pub changes: Vec<Change>,
}

impl Diff {
    /// The number of changes flagged as risky.
    pub fn warnings(&self) -> usize {
        self.changes.iter().filter(|c| c.warning.is_some()).count()
    }

    /// True when the templates mean the same.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Compares two templates; `old_name` and `new_name` say where they came from.
pub fn diff(old: &StackView, new: &StackView, old_name: &str, new_name: &str) -> Diff {
    let mut changes = Vec::new();
    if let (Some(a), Some(b)) = (&old.app, &new.app)
        && a != b
    {
        changes.push(
            Change::new(Subject::Template { key: "app".into() }, Action::Changed)
                .field("app", Some(a.clone()), Some(b.clone()))
                .warn(Risk::AppNameDiffers, "the two sides name different apps: the names and descriptions made from the app name differ, so resources show as replaced; pass the same --app to both sides"),
        );
    }
    for service in
        union(old.balancers.keys().chain(old.services.keys()), new.balancers.keys().chain(new.services.keys()))
    {
        balancer_changes(&service, old.balancers.get(&service), new.balancers.get(&service), &mut changes);
        service_changes(&service, old.services.get(&service), new.services.get(&service), &mut changes);
    }
    resource_changes(old, new, &mut changes);
    let covered: BTreeSet<&String> = [old, new]
        .iter()
        .flat_map(|v| v.balancers.values())
        .flat_map(|b| b.listeners.values())
        .flat_map(|l| &l.parameters)
        .collect();
    for name in union(old.parameters.keys(), new.parameters.keys()) {
        if covered.contains(&name) {
            // Instance port and certificate parameters are reported by meaning, with their listener.
            continue;
        }
        let subject = || Subject::Parameter { name: name.clone() };
        match (old.parameters.get(&name), new.parameters.get(&name)) {
            (None, Some(p)) => {
                let mut c = Change::new(subject(), Action::Added);
                if p.get("Default").is_none() {
                    c = c.note("no default: every deploy must supply a value");
                }
                changes.push(c);
            }
            (Some(_), None) => changes.push(Change::new(subject(), Action::Removed)),
            (Some(a), Some(b)) if a != b => {
                // A NoEcho parameter's default is a secret: say that it changed, never what to.
                let hidden = |p: &serde_json::Value| p.get("NoEcho").is_some_and(|v| scalar(v) == "true");
                let default = |p: &serde_json::Value| {
                    p.get("Default").map(|d| if hidden(a) || hidden(b) { "(hidden: NoEcho)".into() } else { scalar(d) })
                };
                let c = Change::new(subject(), Action::Changed);
                changes.push(if default(a) != default(b) { c.field("default", default(a), default(b)) } else { c });
            }
            _ => {}
        }
    }
    for name in union(old.outputs.keys(), new.outputs.keys()) {
        let subject = || Subject::Output { name: name.clone() };
        match (old.outputs.get(&name), new.outputs.get(&name)) {
            (None, Some(_)) => changes.push(Change::new(subject(), Action::Added)),
            (Some(_), None) => changes
                .push(Change::new(subject(), Action::Removed).note("scripts and stacks that read this output lose it")),
            (Some(a), Some(b)) if a != b => changes.push(Change::new(subject(), Action::Changed)),
            _ => {}
        }
    }
    for key in union(old.other.keys(), new.other.keys()) {
        let (a, b) = (old.other.get(&key), new.other.get(&key));
        if a != b {
            let action = match (a, b) {
                (None, _) => Action::Added,
                (_, None) => Action::Removed,
                _ => Action::Changed,
            };
            let text = |v: Option<&serde_json::Value>| v.filter(|v| v.is_string()).map(scalar);
            let mut c = Change::new(Subject::Template { key: key.clone() }, action);
            (c.old, c.new) = (text(a), text(b));
            changes.push(c);
        }
    }
    Diff { old: old_name.to_string(), new: new_name.to_string(), changes }
}

fn union<'a>(a: impl Iterator<Item = &'a String>, b: impl Iterator<Item = &'a String>) -> BTreeSet<String> {
    a.chain(b).cloned().collect()
}

fn balancer_changes(service: &str, old: Option<&BalancerView>, new: Option<&BalancerView>, out: &mut Vec<Change>) {
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

fn resource_changes(old: &StackView, new: &StackView, out: &mut Vec<Change>) {
    for id in union(old.resources.keys(), new.resources.keys()) {
        let subject = |r: &Resource| Subject::Resource { logical_id: id.clone(), resource_type: r.kind.clone() };
        match (old.resources.get(&id), new.resources.get(&id)) {
            (None, Some(r)) => out.push(Change::new(subject(r), Action::Added)),
            (Some(r), None) => out.push(Change::new(subject(r), Action::Removed)),
            (Some(a), Some(b)) if a.kind != b.kind => out.push(
                Change::new(subject(b), Action::Replaced)
                    .field("Type", Some(a.kind.clone()), Some(b.kind.clone()))
                    .warn(Risk::TypeChanged, "a new type replaces the resource"),
            ),
            (Some(a), Some(b)) => {
                let changed: Vec<String> = union(a.properties.keys(), b.properties.keys())
                    .into_iter()
                    .filter(|k| a.properties.get(k) != b.properties.get(k))
                    .collect();
                if changed.is_empty() {
                    continue;
                }
                let replacing = REPLACING_PROPERTIES.iter().find(|(t, _)| *t == b.kind).map_or(&[][..], |(_, p)| *p);
                let forcing: Vec<String> = changed
                    .iter()
                    .filter(|k| replacing.contains(&"*") || replacing.contains(&k.as_str()))
                    .cloned()
                    .collect();
                let names = |v: &[String]| v.join(", ");
                if b.kind == TASK_DEFINITION {
                    // Not a replacement to fear: the service rolls its tasks onto the new revision.
                    out.push(
                        Change::new(subject(b), Action::Revised)
                            .field("properties", None, Some(names(&changed)))
                            .note("ECS starts tasks of the new revision, then stops the old ones"),
                    );
                } else if forcing.is_empty() {
                    out.push(Change::new(subject(b), Action::Changed).field("properties", None, Some(names(&changed))));
                } else {
                    let mut c =
                        Change::new(subject(b), Action::Replaced).field("properties", None, Some(names(&changed)));
                    c = c.note(format!("{} cannot change in place", names(&forcing)));
                    if b.kind == LOAD_BALANCER {
                        c = c.warn(Risk::BalancerReplaced, "the balancer is replaced: it gets a new DNS name, so CNAMEs and clients of the old name break");
                    }
                    out.push(c);
                }
            }
            (None, None) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_no_echo_default_is_said_to_change_never_shown() {
        // `deploy` binds the values it passes as defaults: a secret's value must not reach the diff.
        let side = |value: &str| {
            let template = json!({"Parameters": {"EnvToken": {"Type": "String", "NoEcho": true, "Default": value}}});
            StackView::from_value(&template).unwrap()
        };
        let d = diff(&side("old-secret"), &side("new-secret"), "a", "b");
        assert_eq!(d.changes.len(), 1);
        let shown = format!("{:?}", d.changes);
        assert!(!shown.contains("old-secret") && !shown.contains("new-secret"), "{shown}");
    }
}
