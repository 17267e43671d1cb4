//! Interpret: Convox semantics over the compose model → a [`Plan`] of balancers and
//! listeners, with a diagnostic at the label or port line for everything that does not fit.
//! One file, past 400 lines: the balancer checks read each other's results (ports, labels,
//! listeners, instance ports, names) in one pass over the services.

pub mod labels;
pub mod names;
pub mod plan;
pub mod text;
pub mod workload;

pub use plan::{
    Balancer, CertificateRef, Container, EnvSource, HealthCheck, HostPort, Image, InstancePort, Listener, Plan,
    Protocol, Scheme, TlsPolicy, Workload,
};
pub use text::{DeployParameter, Part, Text};

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::load::{self, Label, PortMapping, Project, Service, Transport};
use crate::source::Span;
use indexmap::IndexMap;
use labels::{LabelValue, Scope};
use std::collections::{BTreeMap, BTreeSet};

/// A certificate ARN bound to one listener on the command line (`--certificate web:443=ARN`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateBinding {
    /// The compose service.
    pub service: String,
    /// The balancer port.
    pub port: u16,
    /// An ACM or IAM certificate ARN.
    pub arn: String,
}

impl std::str::FromStr for CertificateBinding {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (target, arn) = s.split_once('=').ok_or("expected SERVICE:PORT=ARN, e.g. web:443=arn:aws:acm:…")?;
        let (service, port) = target.rsplit_once(':').ok_or("endpoint must be SERVICE:PORT, e.g. web:443")?;
        let port =
            port.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| format!("`{port}` is not a port number"))?;
        if !is_certificate_arn(arn) {
            return Err(format!(
                "`{arn}` is not a certificate ARN: expected arn:aws:acm:REGION:ACCOUNT:certificate/ID or arn:aws:iam::ACCOUNT:server-certificate/NAME"
            ));
        }
        Ok(CertificateBinding { service: service.to_string(), port, arn: arn.to_string() })
    }
}

/// The regular expression (for the template's `AllowedPattern`) that admits ACM and IAM
/// certificate ARNs in every partition.
pub const CERTIFICATE_ARN_PATTERN: &str = r"^arn:aws[a-z-]*:(acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+|iam::[0-9]{12}:server-certificate/[A-Za-z0-9+=,.@_/-]+)$";

/// True for ACM (`arn:aws:acm:REGION:ACCOUNT:certificate/ID`) and IAM
/// (`arn:aws:iam::ACCOUNT:server-certificate/NAME`) ARNs; the same rule as [`CERTIFICATE_ARN_PATTERN`].
pub fn is_certificate_arn(arn: &str) -> bool {
    let account = |s: &str| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit());
    let Some(rest) = arn.strip_prefix("arn:aws") else {
        return false;
    };
    let Some((partition_tail, rest)) = rest.split_once(':') else {
        return false;
    };
    if !partition_tail.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') {
        return false;
    }
    let parts: Vec<&str> = rest.splitn(4, ':').collect();
    match parts.as_slice() {
        ["acm", region, acct, resource] => {
            !region.is_empty()
                && region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && account(acct)
                && resource
                    .strip_prefix("certificate/")
                    .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        }
        ["iam", "", acct, resource] => {
            account(acct)
                && resource.strip_prefix("server-certificate/").is_some_and(|name| {
                    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_/-".contains(&b))
                })
        }
        _ => false,
    }
}

/// What the interpreter needs besides the compose model.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The app name.
    pub app: String,
    /// Selected profiles (`--profile`, `COMPOSE_PROFILES`).
    pub profiles: Vec<String>,
    /// Certificates bound on the command line.
    pub certificates: Vec<CertificateBinding>,
}

/// Interprets a project: one balancer per service that maps a TCP port, in service-name order.
pub fn interpret(project: &Project, options: &Options) -> (Plan, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut services: Vec<&Service> = project.services.iter().filter(|s| enabled(s, &options.profiles)).collect();
    services.sort_by(|a, b| a.name.value.cmp(&b.name.value));
    check_name_collisions(&services, &mut diags);
    check_name_lengths(&services, &options.app, &mut diags);

    let service_names: Vec<&str> = services.iter().map(|s| s.name.value.as_str()).collect();
    let mut balancers = Vec::new();
    let mut read = Vec::new();
    for service in &services {
        let tcp = unique_tcp_ports(service, &mut diags);
        let labels = read_labels(service, &tcp, &mut diags);
        let balancer = balancer_for(service, &tcp, &labels, &mut diags);
        // The workload names its listeners' instance port parameters; their values come later.
        read.push(workload::read(service, &tcp, &labels, balancer.as_ref(), &service_names, &mut diags));
        balancers.extend(balancer);
    }
    // Ports that unbalanced services bind are not handed out as instance ports.
    let fixed = fixed_bindings(&services, &balancers);
    let bound: BTreeSet<u16> = fixed
        .iter()
        .filter(|b| b.port.1 == Transport::Tcp && names::INSTANCE_PORTS.contains(&b.port.0))
        .map(|b| b.port.0)
        .collect();
    if check_instance_port_capacity(&balancers, &services, bound.len(), &mut diags) {
        assign_instance_ports(&mut balancers, &bound);
    }
    bind_certificates(&mut balancers, &options.certificates, &services, &mut diags);
    let workloads: Vec<Workload> = read
        .into_iter()
        .map(|(mut w, links)| {
            workload::resolve_links(&mut w, links, &balancers, &mut diags);
            w
        })
        .collect();
    let taken = check_logical_ids(&balancers, &workloads, &services, &mut diags);
    check_fixed_host_ports(&fixed, &mut diags);
    let plan = Plan { app: options.app.clone(), balancers, services: workloads };
    check_deploy_parameters(&plan, &taken, &services, &mut diags);
    (plan, diags)
}

fn enabled(service: &Service, selected: &[String]) -> bool {
    match &service.profiles {
        None => true,
        Some(profiles) => profiles.is_empty() || profiles.iter().any(|p| selected.iter().any(|s| s == p || s == "*")),
    }
}

fn check_name_collisions(services: &[&Service], diags: &mut Diagnostics) {
    let mut seen: BTreeMap<String, &Service> = BTreeMap::new();
    for service in services {
        let upper = names::upper_name(&service.name.value);
        match seen.get(&upper) {
            Some(first) => diags.push(collision(first, service, &upper)),
            None => {
                seen.insert(upper, service);
            }
        }
    }
}

/// The security group description the template gives a balancer is
/// `<service> balancer of app <app>`, and EC2 takes at most 255 characters there.
const GROUP_DESCRIPTION_WORDS: usize = " balancer of app ".len();

/// Service names long enough to make a logical ID or a security group description that
/// CloudFormation refuses are reported at the name, with a shorter name to use.
fn check_name_lengths(services: &[&Service], app: &str, diags: &mut Diagnostics) {
    for service in services {
        let name = &service.name.value;
        if !name.is_ascii() {
            continue; // an invalid name, reported on load
        }
        let id = names::longest_logical_id(name);
        let description = name.len() + GROUP_DESCRIPTION_WORDS + app.len();
        let id_over = id.len().saturating_sub(names::MAX_LOGICAL_ID);
        let description_over = description.saturating_sub(names::MAX_LOGICAL_ID);
        let why = match (id_over, description_over) {
            (0, 0) => continue,
            (i, d) if i >= d => format!(
                "its longest CloudFormation logical ID, `{}…{}`, would be {} characters",
                &id[..12],
                &id[id.len() - 21..],
                id.len()
            ),
            _ => format!(
                "its balancer's security group description (name and app name) would be {description} characters"
            ),
        };
        let over = id_over.max(description_over);
        // Names are ASCII (checked on load), so byte lengths are character counts.
        let keep = name.len().saturating_sub(over).max(1);
        let shorter = name[..keep].trim_end_matches(['-', '_', '.']);
        diags.push(
            Diagnostic::error(
                Code::ServiceName,
                service.name.span,
                format!("service name is {} characters long: {why}, past AWS's limit of 255", name.len()),
            )
            .with_label("too long")
            .with_help(format!("use a name of at most {keep} characters, e.g. `{shorter}`")),
        );
    }
}

fn collision(first: &Service, second: &Service, name: &str) -> Diagnostic {
    Diagnostic::error(
        Code::ServiceNameCollision,
        second.name.span,
        format!(
            "services `{}` and `{}` both become `{name}` in CloudFormation names",
            first.name.value, second.name.value
        ),
    )
    .with_label("this name")
    .with_related(first.name.span, "collides with this one")
    .with_help("rename one of the services")
}

/// Collisions between different kinds of names: `web` with an internal balancer and a
/// service `web-internal` are both `BalancerWebInternal`. Returns every logical ID used.
fn check_logical_ids(
    balancers: &[Balancer],
    workloads: &[Workload],
    services: &[&Service],
    diags: &mut Diagnostics,
) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    let mut reported: BTreeSet<(&str, &str)> = BTreeSet::new();
    // Services are sorted by name: a binary search, as many collisions could each scan them.
    let service = |name: &str| {
        let i =
            services.binary_search_by(|s| s.name.value.as_str().cmp(name)).expect("plan entries come from services");
        services[i]
    };
    let balancer_ids = balancers.iter().flat_map(|b| {
        [b.logical_id.clone(), b.security_group_id.clone()]
            .into_iter()
            .chain(b.listeners.iter().map(|l| l.instance_port.parameter.clone()))
            .chain(b.listeners.iter().filter_map(|l| l.certificate.as_ref().map(|c| c.parameter.clone())))
            .map(move |id| (id, b.service.as_str()))
    });
    let workload_ids = workloads.iter().flat_map(|w| {
        let image = match &w.image {
            Image::Parameter { parameter, .. } => Some(parameter.clone()),
            Image::Literal { .. } => None,
        };
        [w.task_definition_id.clone(), w.service_id.clone()]
            .into_iter()
            .chain(image)
            .map(move |id| (id, w.service.as_str()))
    });
    for (id, owner) in balancer_ids.chain(workload_ids) {
        match seen.get(&id) {
            None => {
                seen.insert(id, owner);
            }
            // Names derived from one service never repeat within it.
            Some(first) if *first == owner => {}
            Some(first) => {
                // One error per pair; equal upper names were reported by `check_name_collisions`.
                let same_upper = names::upper_name(first) == names::upper_name(owner);
                if !same_upper && reported.insert((first, owner)) {
                    diags.push(collision(service(first), service(owner), &id));
                }
            }
        }
    }
    seen.into_keys().collect()
}

/// Deploy-time parameters are named after their variables: two that get one name (a hash
/// collision), or one named like a resource or parameter of a service, cannot both exist.
fn check_deploy_parameters(plan: &Plan, taken: &BTreeSet<String>, services: &[&Service], diags: &mut Diagnostics) {
    for (id, uses) in plan.deploy_parameters() {
        let (first, users) = &uses[0];
        let clash = if uses.len() > 1 {
            let variables: Vec<String> = uses.iter().map(|(p, _)| format!("`{}`", p.variable)).collect();
            format!("variables {} both become deploy-time parameter `{id}`", variables.join(" and "))
        } else if taken.contains(id) {
            format!("variable `{}` becomes parameter `{id}`, a name the template already uses", first.variable)
        } else {
            continue;
        };
        // Looked up for a clash only: a scan per parameter would be quadratic in large apps.
        let span = users.first().and_then(|u| services.iter().find(|s| s.name.value == *u)).map(|s| s.name.span);
        diags.push(
            Diagnostic::error(Code::Environment, span, clash)
                .with_help("rename the variable (or the service): parameter names keep only letters and digits"),
        );
    }
}

/// One fixed host port binding: UDP, or TCP of a service without a balancer.
struct FixedBinding<'a> {
    service: &'a str,
    mapping: &'a PortMapping,
    port: (u16, Transport),
}

/// Every fixed host port binding, in service and file order.
fn fixed_bindings<'a>(services: &[&'a Service], balancers: &[Balancer]) -> Vec<FixedBinding<'a>> {
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

fn fixed_host_port(m: &PortMapping, balanced: bool) -> Option<(u16, Transport)> {
    match (m.transport, m.published) {
        (Transport::Udp, Some(p)) => Some((p, Transport::Udp)),
        (Transport::Tcp, Some(p)) if !balanced => Some((p, Transport::Tcp)),
        _ => None,
    }
}

/// Two services that bind the same fixed host port can run, but never on the same container
/// instance: ECS places their tasks apart, and a cluster with too few instances cannot place
/// them all. Worth a warning, not an error: one per pair of items, however many ports and
/// services share it.
fn check_fixed_host_ports(fixed: &[FixedBinding], diags: &mut Diagnostics) {
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

/// The labels of one service that this tool reads, parsed and checked.
#[derive(Default)]
struct ServiceLabels<'a> {
    /// Balancer- and service-scope labels by key.
    balancer: BTreeMap<&'static str, (LabelValue, &'a Label)>,
    port: BTreeMap<(u16, &'static str), (LabelValue, &'a Label)>,
    /// `convox.health.path`: free text, so its variables are filled at deploy time.
    health_path: Option<Text>,
}

impl<'a> ServiceLabels<'a> {
    /// A number-valued service label and where it was written.
    fn number_at(&self, key: &str) -> Option<(u32, &'a Label)> {
        match self.balancer.get(key) {
            Some((LabelValue::Number(n), label)) => Some((*n, *label)),
            _ => None,
        }
    }

    /// A number-valued service label.
    fn number(&self, key: &str) -> Option<u32> {
        self.number_at(key).map(|(n, _)| n)
    }

    /// A choice-valued service label.
    fn text(&self, key: &str) -> Option<&str> {
        match self.balancer.get(key) {
            Some((LabelValue::Text(t), _)) => Some(t),
            _ => None,
        }
    }

    /// True when `convox.balancer=false` asks for no balancer.
    fn balancer_disabled(&self) -> bool {
        matches!(self.balancer.get("convox.balancer"), Some((LabelValue::Bool(false), _)))
    }
}

fn balancer_for(
    service: &Service,
    tcp: &[&PortMapping],
    labels: &ServiceLabels,
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
    let scheme = scheme_of(name, tcp, diags);
    let mut listeners: Vec<Listener> = tcp.iter().map(|m| listener(name, m, labels, diags)).collect();
    listeners.sort_by_key(|l| l.balancer_port);
    let health_check = health_check(service, tcp, &listeners, labels, diags);
    let tls_policy = listeners.iter().any(|l| l.protocol.terminates_tls()).then(|| TlsPolicy {
        name: names::tls_policy(name),
        reference: labels.text("convox.tls.policy").unwrap_or(labels::DEFAULT_TLS_POLICY).to_string(),
    });
    let logical_id = names::balancer(name, scheme == Scheme::Internal);
    Some(Balancer {
        service: name.to_string(),
        security_group_id: names::security_group(&logical_id),
        logical_id,
        host_output: names::host_output(name),
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
fn unique_tcp_ports<'a>(service: &'a Service, diags: &mut Diagnostics) -> Vec<&'a PortMapping> {
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
type Repeat<'a> = (&'a PortMapping, &'a PortMapping);

/// The diagnostic for one item whose balancer ports an earlier item already maps; `pairs`
/// holds (repeated, first) mappings, all sharing the two items' spans.
fn repeated_ports_diagnostic(same: bool, pairs: &[Repeat]) -> Diagnostic {
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
const MAX_RUNS_SHOWN: usize = 8;

/// Sorted ports written as runs, e.g. `80, 1500-1999`, at most [`MAX_RUNS_SHOWN`] of them.
fn port_runs(ports: &[u16]) -> String {
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

/// A service's TCP and UDP mappings by port number, built once per service: port labels were
/// each checked by scanning the mappings, so 2,000 labels on a 10,000-port range took 3.4 s
/// and printed 140 MB (each error listed every balancer port).
struct PortIndex<'s> {
    /// Balancer ports of the TCP mappings (one mapping each).
    balancer: BTreeSet<u16>,
    /// The first UDP mapping per balancer port.
    udp: BTreeMap<u16, &'s PortMapping>,
    /// TCP mappings by container port, in file order.
    by_container: BTreeMap<u16, Vec<&'s PortMapping>>,
    /// The balancer ports as runs, for help texts.
    runs: String,
}

impl<'s> PortIndex<'s> {
    fn new(service: &'s Service, tcp: &[&'s PortMapping]) -> Self {
        let mut udp = BTreeMap::new();
        for m in service.ports.iter().filter(|m| m.transport == Transport::Udp) {
            udp.entry(m.balancer_port()).or_insert(m);
        }
        let mut by_container: BTreeMap<u16, Vec<&PortMapping>> = BTreeMap::new();
        for m in tcp {
            by_container.entry(m.target).or_default().push(m);
        }
        let ports: Vec<u16> = tcp.iter().map(|m| m.balancer_port()).collect();
        PortIndex { balancer: ports.iter().copied().collect(), udp, by_container, runs: port_runs(&ports) }
    }
}

fn read_labels<'a>(service: &'a Service, tcp: &[&'a PortMapping], diags: &mut Diagnostics) -> ServiceLabels<'a> {
    let mut out = ServiceLabels::default();
    let ports = PortIndex::new(service, tcp);
    let balanced_false =
        service.labels.get("convox.balancer").is_some_and(|l| l.value.structural_quiet().as_deref() == Some("false"));
    for (key, label) in &service.labels {
        let Some(rest) = key.strip_prefix("convox.") else {
            continue;
        };
        // Messages quote the key as written: one built from `${…}` is never shown substituted.
        let shown = label.key_written.as_str();
        if let Some(port_part) = rest.strip_prefix("port.") {
            read_port_label(service, shown, port_part, label, &ports, balanced_false, &mut out, diags);
        } else if let Some(spec) = labels::service_label(key) {
            if spec.kind == labels::ValueKind::Path {
                out.health_path = health_path(spec, label, diags);
            } else if let Some(value) = label_value(spec, label, diags) {
                out.balancer.insert(spec.key, (value, label));
            }
        } else if labels::OWNED_PREFIXES.iter().any(|p| key.starts_with(p)) {
            let known: Vec<&str> = labels::LABELS.iter().filter(|l| l.scope != Scope::Port).map(|l| l.key).collect();
            let mut d = Diagnostic::error(Code::UnknownLabel, label.key_span, format!("unknown label `{shown}`"))
                .with_label("not a known key");
            d = match labels::nearest(key, &known) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help("run `compose-cfn explain convox` for the labels this tool reads"),
            };
            diags.push(d);
        } else {
            // Labels of other Convox features (cron, scale, agent, …) are not ours to judge,
            // but a near-miss of one of ours is almost certainly a typo.
            let known: Vec<&str> = labels::LABELS.iter().filter(|l| l.scope != Scope::Port).map(|l| l.key).collect();
            if let Some(s) = labels::nearest(key, &known).filter(|s| labels::edit_distance(key, s) <= 2) {
                diags.push(
                    Diagnostic::warning(
                        Code::UnknownLabel,
                        label.key_span,
                        format!("unknown label `{shown}` is ignored"),
                    )
                    .with_help(format!("did you mean `{s}`?")),
                );
            }
        }
    }
    out
}

/// A structural label value (a keyword, boolean or number), substituted and checked by the
/// label's grammar. A value from `${…}` that does not fit is reported without being shown.
fn label_value(spec: &labels::LabelSpec, label: &Label, diags: &mut Diagnostics) -> Option<LabelValue> {
    let value = label.value.structural(diags)?;
    match labels::parse_value(spec, &label.key_written, &value) {
        Ok(v) => Some(v),
        Err(_) if label.value.is_interpolated() => {
            diags.push(substituted_value_error(spec, label));
            None
        }
        Err(e) => {
            diags.push(value_error(spec, e, label));
            None
        }
    }
}

fn substituted_value_error(spec: &labels::LabelSpec, label: &Label) -> Diagnostic {
    Diagnostic::error(
        Code::LabelValue,
        label.value_span,
        format!(
            "the value of `{}` (`{}`) is not valid once its variables are substituted",
            label.key_written,
            label.value.scalar_text().unwrap_or_default()
        ),
    )
    .with_label("the variables' values do not fit here")
    .with_help(format!(
        "it takes {}; check the variables it uses (their values are not shown, since they may be secrets)",
        crate::review::schema::values_text(spec.kind)
    ))
}

/// `convox.health.path`: deploy-time text. Written out, it is checked now; the literal parts
/// of one with `${…}` are checked as far as they go (a leading `/`, no white space).
fn health_path(spec: &labels::LabelSpec, label: &Label, diags: &mut Diagnostics) -> Option<Text> {
    if !label.value.is_interpolated() {
        let value = label.value.segments().and_then(|s| load::interpolate::literal(&s)).unwrap_or_default();
        return match labels::parse_value(spec, &label.key_written, &value) {
            Ok(_) => Some(Text::literal(value)),
            Err(e) => {
                diags.push(value_error(spec, e, label));
                None
            }
        };
    }
    let path = text::of_node(&label.value, diags)?;
    let literal_ok = path.parts.iter().enumerate().all(|(i, part)| match part {
        Part::Literal { text } => {
            (i > 0 || text.starts_with('/')) && !text.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        Part::Parameter(_) => true,
    });
    if literal_ok {
        Some(path)
    } else {
        diags.push(substituted_value_error(spec, label));
        None
    }
}

#[allow(clippy::too_many_arguments)]
fn read_port_label<'a>(
    service: &Service,
    key: &str,
    port_part: &str,
    label: &'a Label,
    ports: &PortIndex,
    balanced_false: bool,
    out: &mut ServiceLabels<'a>,
    diags: &mut Diagnostics,
) {
    let (port_text, name) = port_part.split_once('.').unwrap_or((port_part, ""));
    let Some(port) = labels::digits(port_text).and_then(|d| d.parse::<u16>().ok()).filter(|p| *p > 0) else {
        // A port part from `${…}` is not quoted: the key as written says where it came from.
        let port_shown = if key.contains('$') { "the port" } else { port_text };
        diags.push(
            Diagnostic::error(
                Code::UnknownLabel,
                label.key_span,
                format!("`{key}`: `{port_shown}` is not a port number"),
            )
            .with_help("port labels are written `convox.port.<balancer port>.<protocol|secure|proxy>`"),
        );
        return;
    };
    let Some(spec) = labels::port_label(name) else {
        let keys: Vec<&str> = labels::LABELS.iter().filter_map(|l| l.port_key()).collect();
        let help = match labels::nearest(name, &keys) {
            Some(s) => format!("did you mean `convox.port.{port}.{s}`?"),
            None => format!("port labels are convox.port.{port}.protocol, .secure and .proxy"),
        };
        diags.push(
            Diagnostic::error(Code::UnknownLabel, label.key_span, format!("unknown port label `{key}`"))
                .with_label("unknown key")
                .with_help(help),
        );
        return;
    };
    let Some(value) = label_value(spec, label, diags) else {
        return;
    };
    if balanced_false {
        diags.push(
            Diagnostic::warning(
                Code::UnmappedPort,
                label.key_span,
                format!("`{key}` has no effect: the service has `convox.balancer=false`"),
            )
            .with_help("remove the label, or the `convox.balancer=false` label"),
        );
        return;
    }
    if ports.balancer.contains(&port) {
        out.port.insert((port, spec.port_key().expect("port label")), (value, label));
        return;
    }
    if let Some(udp) = ports.udp.get(&port) {
        let message = format!("`{key}` names UDP port {port}, which gets no listener (a Classic ELB cannot carry UDP)");
        let d = if name == "protocol" {
            Diagnostic::error(Code::UdpPortLabel, label.key_span, message)
        } else {
            Diagnostic::warning(Code::UdpPortLabel, label.key_span, message)
        };
        diags.push(
            d.with_related(udp.span, "mapped as UDP here")
                .with_help("remove the label, or map the port as TCP if it should have a listener"),
        );
        return;
    }
    if let Some(mappings) = ports.by_container.get(&port) {
        let mapping = mappings[0];
        let first = mapping.balancer_port();
        let alternatives: Vec<String> = mappings
            .iter()
            .take(MAX_RUNS_SHOWN)
            .map(|m| format!("`convox.port.{}.{name}`", m.balancer_port()))
            .collect();
        diags.push(
            Diagnostic::error(
                Code::ContainerPortLabel,
                label.key_span,
                format!("`{key}` is keyed by container port {port}; port labels are keyed by the balancer port"),
            )
            .with_label(format!("container port {port}"))
            .with_related(mapping.span, format!("balancer port {first} forwards to container port {port} here"))
            .with_help(format!("write {}", alternatives.join(" or "))),
        );
        return;
    }
    if !service.ports_complete {
        // The mapping this label names may be the one that failed to load, already reported.
        return;
    }
    let help = if ports.balancer.is_empty() {
        format!("the service maps no TCP port; add one, e.g. `ports: [\"{port}:3000\"]`")
    } else {
        format!("the service's balancer ports are {}; map port {port} or fix the label", ports.runs)
    };
    diags.push(
        Diagnostic::error(
            Code::UnmappedPort,
            label.key_span,
            format!("`{key}` names port {port}, which service `{}` does not map", service.name.value),
        )
        .with_label("no such balancer port")
        .with_help(help),
    );
}

fn value_error(spec: &labels::LabelSpec, e: labels::ValueError, label: &Label) -> Diagnostic {
    let code = if spec.kind == labels::ValueKind::Choice(labels::PROTOCOLS) {
        Code::UnknownProtocol
    } else {
        Code::LabelValue
    };
    Diagnostic::error(code, label.value_span, e.message).with_label("invalid value").with_help(e.help)
}

fn scheme_of(service: &str, tcp: &[&PortMapping], diags: &mut Diagnostics) -> Scheme {
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
                 move the internal port to a separate service, or publish it (e.g. `{port}:{port}`)",
                port = first_internal.target
            )),
        );
    }
    Scheme::Internal
}

fn listener(service: &str, m: &PortMapping, labels: &ServiceLabels, diags: &mut Diagnostics) -> Listener {
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
            Diagnostic::warning(Code::ProxyOnHttp, label.key_span, format!("proxy protocol on {} listener {port}", protocol.elb_name()))
                .with_help("http and https listeners already pass the client address in X-Forwarded-For; proxy protocol is for tcp and tls"),
        );
    }
    Listener {
        balancer_port: port,
        container_port: m.target,
        protocol,
        elb_protocol: protocol.elb_name().to_string(),
        instance_protocol: protocol.instance_protocol(secure).to_string(),
        secure,
        proxy,
        instance_port: InstancePort { parameter: names::instance_port_parameter(service, port), default: 0 },
        certificate: protocol
            .terminates_tls()
            .then(|| CertificateRef { parameter: names::certificate_parameter(service, port), arn: None }),
        proxy_policy: proxy.then(|| names::proxy_policy(service, port)),
        port_output: names::port_output(service, port),
        balancer_name_output: names::balancer_name_output(service, port),
    }
}

fn health_check(
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
                let containers: BTreeSet<String> = tcp.iter().map(|m| m.target.to_string()).collect();
                let keyed_by_balancer = tcp.iter().find(|m| u32::from(m.balancer_port()) == port);
                let help = match keyed_by_balancer {
                    Some(m) => format!(
                        "`convox.health.port` takes a container port: balancer port {port} forwards to container port {}",
                        m.target
                    ),
                    None => format!(
                        "the service's container ports are {}",
                        containers.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                };
                diags.push(
                    Diagnostic::error(
                        Code::UnmappedPort,
                        label.value_span,
                        format!("`convox.health.port` is {port}, not a container port of `{}`", service.name.value),
                    )
                    .with_label("no such container port")
                    .with_help(help),
                );
            }
        }
    }
    let listener =
        listeners.iter().find(|l| l.balancer_port == checked.balancer_port()).expect("one listener per TCP port");
    let path = labels.health_path.clone();
    let protocol = match (path.is_some(), listener.secure) {
        (true, false) => "HTTP",
        (true, true) => "HTTPS",
        (false, false) => "TCP",
        (false, true) => "SSL",
    };
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
        protocol: protocol.to_string(),
        listener_port: listener.balancer_port,
        instance_port_parameter: listener.instance_port.parameter.clone(),
        path,
        timeout,
        interval,
        healthy_threshold: labels.number("convox.health.threshold.healthy").unwrap_or(2),
        unhealthy_threshold: labels.number("convox.health.threshold.unhealthy").unwrap_or(2),
    }
}

/// Gives every listener its derived instance port. Ports are claimed in service-name and
/// port order; a listener whose preferred port is taken uses the next free one, so two
/// listeners never share an instance port.
/// False (with an error) when the app has more listeners than there are instance ports to
/// derive: assigning them would search for a free port forever.
fn check_instance_port_capacity(
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

fn assign_instance_ports(balancers: &mut [Balancer], bound: &BTreeSet<u16>) {
    let mut taken: BTreeSet<u16> = bound.clone();
    for balancer in balancers.iter_mut() {
        for listener in &mut balancer.listeners {
            let mut port = names::preferred_instance_port(&balancer.service, listener.balancer_port);
            while !taken.insert(port) {
                port = if port == *names::INSTANCE_PORTS.end() { *names::INSTANCE_PORTS.start() } else { port + 1 };
            }
            listener.instance_port.default = port;
        }
    }
}

fn bind_certificates(
    balancers: &mut [Balancer],
    bindings: &[CertificateBinding],
    services: &[&Service],
    diags: &mut Diagnostics,
) {
    let mut bound: BTreeMap<(&str, u16), &str> = BTreeMap::new();
    for binding in bindings {
        // The same listener twice: the same ARN is harmless, two ARNs are a mistake that
        // would otherwise be settled silently by the order of the options.
        match bound.insert((&binding.service, binding.port), &binding.arn) {
            Some(first) if first != binding.arn => {
                diags.push(
                    Diagnostic::error(
                        Code::Certificate,
                        None,
                        format!(
                            "--certificate {}:{} is given twice, with two different ARNs",
                            binding.service, binding.port
                        ),
                    )
                    .with_help(format!("keep one of `{first}` and `{}`", binding.arn)),
                );
                continue;
            }
            Some(_) => continue,
            None => {}
        }
        let listener = balancers
            .iter_mut()
            .filter(|b| b.service == binding.service)
            .flat_map(|b| b.listeners.iter_mut())
            .find(|l| l.balancer_port == binding.port);
        match listener.and_then(|l| l.certificate.as_mut()) {
            Some(cert) => cert.arn = Some(binding.arn.clone()),
            None => {
                let targets: Vec<String> = balancers
                    .iter()
                    .flat_map(|b| {
                        b.listeners
                            .iter()
                            .filter(|l| l.certificate.is_some())
                            .map(move |l| format!("{}:{}", b.service, l.balancer_port))
                    })
                    .collect();
                let help = if targets.is_empty() {
                    "no listener uses https or tls, so none takes a certificate".to_string()
                } else {
                    format!("listeners that take a certificate: {}", targets.join(", "))
                };
                let mut d = Diagnostic::error(
                    Code::Certificate,
                    None,
                    format!(
                        "--certificate {}:{}: no https or tls listener on that service and port",
                        binding.service, binding.port
                    ),
                )
                .with_help(help);
                // The option has no place in a file, but the service it names does.
                if let Some(service) = services.iter().find(|s| s.name.value == binding.service) {
                    d = d.with_related(service.name.span, format!("service `{}` is defined here", binding.service));
                }
                diags.push(d);
            }
        }
    }
}
