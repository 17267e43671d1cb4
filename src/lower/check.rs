//! The rules a typed template can still break, checked on the typed model: what the types
//! guarantee (upper-case protocols, a certificate on every HTTPS/SSL listener, health targets
//! of the right shape, references that resolve) is not checked again here.
//!
//! Past 400 lines because of its tests: they build typed templates by hand, one per rule, and
//! belong next to the rules they break.

use crate::cfn::resources::{
    Action, BalancerKind, ClassicLoadBalancer, ClassicPolicy, FrontV2, HealthTarget, Properties, ProtocolV2, Transport,
};
use crate::cfn::{Expr, Template};
use crate::interpret::is_certificate_arn;
use crate::interpret::labels::{TLS_POLICIES, fits_target};
use crate::interpret::plan::Target;
use std::collections::{BTreeSet, HashMap, HashSet};

/// Every problem found, each naming the resource and what is wrong; empty when the template is sound.
pub fn check(template: &Template) -> Vec<String> {
    let mut problems = Vec::new();
    // ELBv2 listeners by (balancer, port): a port is unique per balancer, whatever the target.
    let mut v2_ports: HashSet<(&Expr, u16)> = HashSet::new();
    for (id, resource) in template.resources() {
        let mut problem = |p: String| problems.push(format!("{}: {p}", id.as_str()));
        match &resource.properties {
            Properties::ClassicLoadBalancer(lb) => check_balancer(template, lb, &mut problem),
            Properties::ListenerV2(l) => {
                if l.port == 0 {
                    problem(format!("listener {}: Port must be a port from 1 to 65535", l.port));
                }
                if !v2_ports.insert((&l.load_balancer_arn, l.port)) {
                    problem(format!("listener {}: Port is used by another listener of the same balancer", l.port));
                }
            }
            Properties::TargetGroup(g) => {
                let health = Health {
                    interval: g.health_check_interval_seconds,
                    timeout: g.health_check_timeout_seconds,
                    healthy_threshold: g.healthy_threshold_count,
                    unhealthy_threshold: g.unhealthy_threshold_count,
                };
                check_health(&health, 120, &mut problem);
            }
            _ => {}
        }
    }
    check_task_ports(template, &mut problems);
    check_v2(template, &mut problems);
    problems
}

/// The ELBv2 rules cfn-lint does not make, each across resources: a listener's protocol fits
/// its balancer's type and its target group's protocol, a target group's health check fits
/// its protocol, attributes fit the balancer's type, and every target group an ECS service
/// names is attached to a balancer through a listener the service waits for. From AWS:
/// listeners <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-listeners.html>,
/// target groups <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/create-target-group.html>,
/// health checks <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html>,
/// attributes <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-target-groups.html#target-group-attributes>,
/// ECS <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/register-multiple-targetgroups.html>.
fn check_v2(template: &Template, problems: &mut Vec<String>) {
    let resources = template.resources();
    let kind_of = |arn: &Expr| match arn.ref_name().and_then(|n| resources.get(n)).map(|r| &r.properties) {
        Some(Properties::LoadBalancerV2(lb)) => Some(lb.kind),
        _ => None,
    };
    let group_of = |arn: &Expr| match arn.ref_name().and_then(|n| resources.get(n)).map(|r| &r.properties) {
        Some(Properties::TargetGroup(g)) => Some(g),
        _ => None,
    };
    // Target group → the listeners forwarding to it; (balancer, port) of each HTTPS listener.
    let mut forwarded_by: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut https_ports: HashSet<(&Expr, u16)> = HashSet::new();
    for (_, resource) in resources {
        if let Properties::ListenerV2(l) = &resource.properties
            && matches!(l.front, FrontV2::Https(_))
        {
            https_ports.insert((&l.load_balancer_arn, l.port));
        }
    }
    for (id, resource) in resources {
        let mut problem = |p: String| problems.push(format!("{}: {p}", id.as_str()));
        match &resource.properties {
            Properties::LoadBalancerV2(lb) => {
                for a in &lb.load_balancer_attributes {
                    let alb_only = a.key.starts_with("idle_timeout.") || a.key.starts_with("routing.http.");
                    if alb_only && lb.kind != BalancerKind::Application {
                        problem(format!("attribute {} exists only on an Application Load Balancer", a.key));
                    }
                    if a.key == "idle_timeout.timeout_seconds"
                        && !a.value.parse().is_ok_and(|n: u32| (1..=4000).contains(&n))
                    {
                        problem(format!("attribute {} is {}, outside 1–4000", a.key, a.value));
                    }
                }
            }
            Properties::ListenerV2(l) => {
                let Some(kind) = kind_of(&l.load_balancer_arn) else {
                    problem("LoadBalancerArn names no ELBv2 load balancer".into());
                    continue;
                };
                let (name, fits) = match &l.front {
                    FrontV2::Http => ("HTTP", kind == BalancerKind::Application),
                    FrontV2::Https(_) => ("HTTPS", kind == BalancerKind::Application),
                    FrontV2::Tcp => ("TCP", kind == BalancerKind::Network),
                    FrontV2::Tls(_) => ("TLS", kind == BalancerKind::Network),
                };
                if !fits {
                    problem(format!("listener {}: protocol {name} is not one of a {kind:?} load balancer", l.port));
                }
                for a in &l.listener_attributes {
                    if a.key != "tcp.idle_timeout.seconds" {
                        continue;
                    }
                    // Only an NLB's TCP listeners take it (TLS ones are fixed at 350 s), 60–6000 s:
                    // https://docs.aws.amazon.com/elasticloadbalancing/latest/network/update-idle-timeout.html
                    if !matches!(l.front, FrontV2::Tcp) {
                        problem(format!("listener {}: attribute {} exists only on TCP listeners", l.port, a.key));
                    }
                    if !a.value.parse().is_ok_and(|n: u32| (60..=6000).contains(&n)) {
                        problem(format!("listener {}: attribute {} is {}, outside 60–6000", l.port, a.key, a.value));
                    }
                }
                if let FrontV2::Https(tls) | FrontV2::Tls(tls) = &l.front
                    && !fits_target(&tls.ssl_policy, Target::V2)
                {
                    problem(format!("listener {}: SslPolicy `{}` is not an ELBv2 policy", l.port, tls.ssl_policy));
                }
                for action in &l.default_actions {
                    match action {
                        Action::Forward { target_group_arn } => {
                            let Some(group) = group_of(target_group_arn) else {
                                problem(format!("listener {}: forwards to no target group", l.port));
                                continue;
                            };
                            forwarded_by
                                .entry(target_group_arn.ref_name().unwrap_or(""))
                                .or_default()
                                .push(id.as_str());
                            let allowed: &[ProtocolV2] = match &l.front {
                                FrontV2::Http | FrontV2::Https(_) => &[ProtocolV2::Http, ProtocolV2::Https],
                                FrontV2::Tcp => &[ProtocolV2::Tcp],
                                FrontV2::Tls(_) => &[ProtocolV2::Tcp, ProtocolV2::Tls],
                            };
                            if !allowed.contains(&group.protocol) {
                                problem(format!(
                                    "listener {}: a {name} listener cannot forward to a {:?} target group",
                                    l.port, group.protocol
                                ));
                            }
                        }
                        Action::Redirect { redirect_config } => {
                            if !matches!(l.front, FrontV2::Http) {
                                problem(format!("listener {}: only an HTTP listener redirects here", l.port));
                            }
                            if !https_ports.contains(&(&l.load_balancer_arn, redirect_config.port)) {
                                problem(format!(
                                    "listener {}: redirects to port {}, which is no HTTPS listener of its balancer",
                                    l.port, redirect_config.port
                                ));
                            }
                        }
                    }
                }
            }
            Properties::TargetGroup(g) => {
                let http_group = matches!(g.protocol, ProtocolV2::Http | ProtocolV2::Https);
                let http_check = matches!(g.health_check_protocol, ProtocolV2::Http | ProtocolV2::Https);
                match g.health_check_protocol {
                    ProtocolV2::Tls => problem("HealthCheckProtocol TLS is not a health check protocol".into()),
                    ProtocolV2::Tcp if http_group => {
                        problem(format!("a {:?} target group cannot have a TCP health check", g.protocol))
                    }
                    _ => {}
                }
                if !http_check && (g.health_check_path.is_some() || g.matcher.is_some()) {
                    problem("HealthCheckPath and Matcher belong to HTTP and HTTPS health checks only".into());
                }
                // Success codes: 200–499 for HTTP(S) target groups, 200–599 for TCP and TLS ones.
                let top = if http_group { 499 } else { 599 };
                if let Some(m) = &g.matcher {
                    let codes = m.http_code.split([',', '-']).map(str::parse::<u16>);
                    if !codes.into_iter().all(|c| c.is_ok_and(|c| (200..=top).contains(&c))) {
                        problem(format!("Matcher {} is outside 200–{top}", m.http_code));
                    }
                }
                for a in &g.target_group_attributes {
                    if a.key.starts_with("proxy_protocol_v2.") && http_group {
                        problem(format!("attribute {} exists only on TCP and TLS target groups", a.key));
                    }
                }
            }
            _ => {}
        }
    }
    for (id, resource) in resources {
        let Properties::EcsService(service) = &resource.properties else { continue };
        for group in service.load_balancers.iter().filter_map(|lb| lb.target_group_arn.as_ref()) {
            let name = group.ref_name().unwrap_or("");
            let listeners = forwarded_by.get(name).map_or(&[][..], Vec::as_slice);
            // ECS refuses a target group no balancer uses, and CloudFormation creates the service
            // as soon as the group exists unless the service waits for a listener.
            if !listeners.iter().any(|l| resource.depends_on.iter().any(|d| d.as_str() == *l)) {
                problems.push(format!(
                    "{}: target group {name} is not forwarded to by a listener the service DependsOn",
                    id.as_str()
                ));
            }
        }
    }
}

/// The numbers of a health check, as both balancer kinds have them.
struct Health {
    interval: u32,
    timeout: u32,
    healthy_threshold: u32,
    unhealthy_threshold: u32,
}

/// The interval exceeds the timeout, both are in range (the timeout up to `max_timeout`: 60
/// on a Classic ELB, 120 on a target group), and the thresholds are from 2 to 10.
fn check_health(h: &Health, max_timeout: u32, problem: &mut impl FnMut(String)) {
    if h.interval <= h.timeout {
        problem(format!("health check Interval {} must exceed Timeout {}", h.interval, h.timeout));
    }
    if !(2..=max_timeout).contains(&h.timeout) {
        problem(format!("health check Timeout {} is outside 2–{max_timeout}", h.timeout));
    }
    if !(5..=300).contains(&h.interval) {
        problem(format!("health check Interval {} is outside 5–300", h.interval));
    }
    for (key, n) in [("HealthyThreshold", h.healthy_threshold), ("UnhealthyThreshold", h.unhealthy_threshold)] {
        if !(2..=10).contains(&n) {
            problem(format!("health check {key} must be from 2 to 10"));
        }
    }
}

fn check_balancer(template: &Template, lb: &ClassicLoadBalancer, problem: &mut impl FnMut(String)) {
    let mut names = HashSet::new();
    for policy in &lb.policies {
        if !names.insert(policy.name()) {
            problem(format!("policy name {} is not unique", policy.name()));
        }
        if let ClassicPolicy::SslNegotiation { name, reference } = policy
            && !TLS_POLICIES.contains(&reference.as_str())
        {
            problem(format!("policy {name} references unknown SSL policy `{reference}`"));
        }
    }
    if lb.listeners.is_empty() {
        problem("has no listeners".into());
    }
    let mut ports = HashSet::new();
    // Listeners sharing an instance port share its back end, so they must agree on TLS to it.
    let mut backends: HashMap<&Expr, bool> = HashMap::new();
    for l in &lb.listeners {
        let at = format!("listener {}", l.port);
        if l.port == 0 {
            problem(format!("{at}: LoadBalancerPort must be a port from 1 to 65535"));
        }
        if !ports.insert(l.port) {
            problem(format!("{at}: LoadBalancerPort is used by two listeners"));
        }
        if l.front.is_http() != l.back.is_http() {
            let needs = if l.front.is_http() { "HTTP/HTTPS" } else { "TCP/SSL" };
            problem(format!("{at}: front end {} needs a {needs} back end, not {:?}", l.front.name(), l.back));
        }
        if let Some(previous) = backends.insert(&l.instance_port, l.back.is_secure())
            && previous != l.back.is_secure()
        {
            problem(format!("{at}: listeners sharing an instance port disagree on secure vs plain back ends"));
        }
        let Some(tls) = l.front.tls() else { continue };
        match &tls.certificate {
            Expr::Str(arn) if !is_certificate_arn(arn) => {
                problem(format!("{at}: SSLCertificateId `{arn}` is not a certificate ARN"))
            }
            Expr::Ref(name) => {
                if let Some(param) = template.parameters().get(name) {
                    if param.allowed_pattern.is_none() {
                        problem(format!("{at}: certificate parameter {} has no AllowedPattern", name.as_str()));
                    }
                    if let Some(default) = param.default.as_deref().filter(|d| !is_certificate_arn(d)) {
                        problem(format!(
                            "{at}: certificate parameter {} defaults to `{default}`, not a certificate ARN",
                            name.as_str()
                        ));
                    }
                } else {
                    problem(format!("{at}: SSLCertificateId refers to {}, which is not a parameter", name.as_str()));
                }
            }
            _ => {}
        }
        for name in tls.policy_names.iter().filter(|n| !names.contains(n.as_str())) {
            problem(format!("{at}: PolicyNames names undefined policy `{name}`"));
        }
    }
    let h = &lb.health_check;
    let health = Health {
        interval: h.interval,
        timeout: h.timeout,
        healthy_threshold: h.healthy_threshold,
        unhealthy_threshold: h.unhealthy_threshold,
    };
    check_health(&health, 60, problem);
    if let HealthTarget::Request { path, .. } = &h.target {
        // A `Fn::Sub` path may start with a parameter, which the deploy stage fills.
        let written = match path {
            Expr::Str(text) | Expr::Sub(text) => Some(text.as_str()),
            _ => None,
        };
        let sound = written.is_some_and(|t| t.starts_with('/') || (t.starts_with("${") && !t.starts_with("${!")));
        if !sound {
            problem(format!("health check path {} must start with /", serde_json::to_string(path).unwrap_or_default()));
        }
    }
}

/// Each balanced ECS service's task maps every instance port of its balancer's listeners
/// exactly once, and no two task definitions claim the same host port when one of them is a
/// listener's instance port (two fixed ports may coincide: ECS then places the tasks apart).
fn check_task_ports(template: &Template, problems: &mut Vec<String>) {
    let resources = template.resources();
    let task_of = |name: &str| match resources.get(name).map(|r| &r.properties) {
        Some(Properties::TaskDefinition(task)) => Some(task),
        _ => None,
    };
    for (id, resource) in resources {
        let Properties::EcsService(service) = &resource.properties else { continue };
        let Some(task) = service.task_definition.ref_name().and_then(task_of) else { continue };
        // Counted once per task: a scan per listener was quadratic in a service's port range.
        let mut host_ports: HashMap<&Expr, usize> = HashMap::new();
        for host in
            task.container_definitions.iter().flat_map(|c| &c.port_mappings).filter_map(|m| m.host_port.as_ref())
        {
            *host_ports.entry(host).or_default() += 1;
        }
        for lb in &service.load_balancers {
            let balancer = lb
                .load_balancer_name
                .as_ref()
                .and_then(Expr::ref_name)
                .and_then(|n| resources.get(n))
                .map(|r| &r.properties);
            let Some(Properties::ClassicLoadBalancer(balancer)) = balancer else { continue };
            for listener in &balancer.listeners {
                let count = host_ports.get(&listener.instance_port).copied().unwrap_or(0);
                if count != 1 {
                    problems.push(format!(
                        "{}: instance port {} of listener {} is mapped {count} times in its task (needs exactly 1)",
                        id.as_str(),
                        serde_json::to_string(&listener.instance_port).unwrap_or_default(),
                        listener.port
                    ));
                }
            }
        }
    }
    // (port, protocol) → (task, whether it is a listener's instance port)
    let mut claimed: HashMap<(String, Transport), (&str, bool)> = HashMap::new();
    let mut found = BTreeSet::new();
    for (id, resource) in resources {
        let Properties::TaskDefinition(task) = &resource.properties else { continue };
        for m in task.container_definitions.iter().flat_map(|c| &c.port_mappings) {
            let (host, listener) = match &m.host_port {
                Some(Expr::Ref(p)) => match template.parameters().get(p).and_then(|p| p.default.clone()) {
                    Some(default) => (default, true),
                    None => continue,
                },
                Some(Expr::Int(port)) => (port.to_string(), false),
                _ => continue,
            };
            let key = (host.clone(), m.protocol);
            match claimed.insert(key, (id.as_str(), listener)) {
                Some((other, other_listener)) if other != id.as_str() && (listener || other_listener) => {
                    let protocol = if m.protocol == Transport::Udp { "udp" } else { "tcp" };
                    found.insert(format!("{}: host port {host}/{protocol} is also claimed by {other}", id.as_str()));
                }
                _ => {}
            }
        }
    }
    problems.extend(found);
}

/// CloudFormation's per-template quotas (resources, parameters, outputs per stack; the body
/// size when uploaded through S3).
pub const STACK_LIMITS: [(&str, usize); 3] = [("Resources", 500), ("Parameters", 200), ("Outputs", 200)];

/// The largest template body CloudFormation accepts (through S3; 51,200 bytes when inline).
pub const MAX_TEMPLATE_BYTES: usize = 1_000_000;

/// The quotas `template` (of `bytes` bytes, or any number past [`MAX_TEMPLATE_BYTES`] when it is
/// longer) exceeds, one sentence each.
pub fn stack_limits(template: &Template, bytes: usize) -> Vec<String> {
    let counts = [template.resources().len(), template.parameters().len(), template.outputs().len()];
    let mut over: Vec<String> = STACK_LIMITS
        .iter()
        .zip(counts)
        .filter(|((_, limit), count)| count > limit)
        .map(|((section, limit), count)| {
            format!(
                "the template has {count} {}, more than the {limit} CloudFormation allows in a stack",
                section.to_lowercase()
            )
        })
        .collect();
    if bytes > MAX_TEMPLATE_BYTES {
        // Only "over" is known: the length is counted no further than the quota.
        over.push(format!("the template is over {MAX_TEMPLATE_BYTES} bytes, the most CloudFormation accepts"));
    }
    over
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::resources::*;
    use crate::cfn::{Builder, Metadata, Parameter, ParameterType};

    /// A template with one balancer of `listeners`, `policies` and `health`, the parameters
    /// `P`, `Q` (instance ports) and `Cert` (a certificate ARN with a pattern), and a task.
    fn template(listeners: Vec<ClassicListener>, policies: Vec<ClassicPolicy>, health: ClassicHealthCheck) -> Template {
        let mut b = Builder::new("d".into(), Metadata::default());
        for (name, default) in [("P", "12000"), ("Q", "12001")] {
            b.parameter(
                name,
                Parameter { default: Some(default.into()), ..Parameter::new(ParameterType::Number, "p") },
            );
        }
        b.parameter(
            "Cert",
            Parameter { allowed_pattern: Some("^arn:.*$"), ..Parameter::new(ParameterType::String, "certificate") },
        );
        let lb = ClassicLoadBalancer {
            scheme: ElbScheme::Internal,
            subnets: Expr::from("s"),
            security_groups: vec![],
            cross_zone: true,
            connection_draining_policy: ConnectionDraining { enabled: true, timeout: 60 },
            connection_settings: ConnectionSettings { idle_timeout: 60 },
            health_check: health,
            listeners,
            policies,
            tags: vec![],
        };
        b.resource("B", &[], Properties::ClassicLoadBalancer(lb));
        b.finish().expect("the test template's references resolve")
    }

    fn health(timeout: u32, interval: u32) -> ClassicHealthCheck {
        ClassicHealthCheck {
            target: HealthTarget::Connect { tls: false, port: Expr::Int(1) },
            timeout,
            interval,
            healthy_threshold: 2,
            unhealthy_threshold: 2,
        }
    }

    fn port(name: &str) -> Expr {
        let mut b = Builder::new(String::new(), Metadata::default());
        b.reference(name)
    }

    fn http(port_number: u16, instance: &str, back: InstanceProtocol) -> ClassicListener {
        ClassicListener { port: port_number, instance_port: port(instance), front: Front::Http, back }
    }

    fn tls_listener(certificate: Expr, policy: &str) -> ClassicListener {
        let tls = ListenerTls { certificate, policy_names: vec![policy.into()] };
        ClassicListener { port: 443, instance_port: port("Q"), front: Front::Ssl(tls), back: InstanceProtocol::Tcp }
    }

    fn tls_policy(name: &str, reference: &str) -> ClassicPolicy {
        ClassicPolicy::SslNegotiation { name: name.into(), reference: reference.into() }
    }

    fn expect(t: &Template, expected: &str) {
        let found = check(t);
        assert!(found.iter().any(|p| p.contains(expected)), "expected `{expected}` in {found:?}");
    }

    /// An HTTP target group of instances as v2 lowers an http port without a path label: it asks
    /// for `/` every `interval` seconds, waiting `timeout`, and accepts any answer 200–499.
    fn http_group(timeout: u32, interval: u32) -> TargetGroup {
        TargetGroup {
            port: 3000,
            protocol: ProtocolV2::Http,
            vpc_id: Expr::from("vpc"),
            target_type: "instance",
            health_check_enabled: true,
            health_check_protocol: ProtocolV2::Http,
            health_check_path: Some(Expr::from("/")),
            health_check_interval_seconds: interval,
            health_check_timeout_seconds: timeout,
            healthy_threshold_count: 2,
            unhealthy_threshold_count: 2,
            matcher: Some(Matcher { http_code: "200-499" }),
            target_group_attributes: vec![],
            tags: vec![],
        }
    }

    /// A v2 template: one balancer, a target group checked every `interval` seconds with
    /// `timeout`, and one listener forwarding to it per port of `ports`.
    fn v2_template(ports: &[u16], timeout: u32, interval: u32) -> Template {
        let mut b = Builder::new("d".into(), Metadata::default());
        let lb = LoadBalancerV2 {
            kind: BalancerKind::Application,
            scheme: ElbScheme::Internal,
            subnets: Expr::from("s"),
            security_groups: vec![],
            load_balancer_attributes: vec![],
            tags: vec![],
        };
        b.resource("Lb", &[], Properties::LoadBalancerV2(lb));
        let group = http_group(timeout, interval);
        b.resource("Group", &[], Properties::TargetGroup(group));
        for (i, &port) in ports.iter().enumerate() {
            let listener = ListenerV2 {
                load_balancer_arn: b.reference("Lb"),
                port,
                front: FrontV2::Http,
                default_actions: vec![Action::Forward { target_group_arn: b.reference("Group") }],
                listener_attributes: vec![],
            };
            b.resource(format!("Listener{i}"), &[], Properties::ListenerV2(listener));
        }
        b.finish().expect("the test template's references resolve")
    }

    #[test]
    fn v2_listener_ports_are_unique_per_balancer_and_health_interval_exceeds_timeout() {
        assert_eq!(check(&v2_template(&[80, 443], 5, 30)), Vec::<String>::new());
        assert_eq!(
            check(&v2_template(&[80, 80], 5, 30)),
            ["Listener1: listener 80: Port is used by another listener of the same balancer"]
        );
        assert_eq!(check(&v2_template(&[80], 30, 30)), ["Group: health check Interval 30 must exceed Timeout 30"]);
        // A target group's timeout may reach 120 seconds, a Classic one's only 60.
        assert_eq!(check(&v2_template(&[80], 90, 120)), Vec::<String>::new());
        assert_eq!(check(&v2_template(&[80], 1, 30)), ["Group: health check Timeout 1 is outside 2–120"]);
    }

    /// A v2 app: balancer `Lb`, target group `Group`, listener `Listener` forwarding to it (an
    /// internal ALB, HTTP → HTTP, as v2 lowers an http port), and an ECS service registering
    /// the group that waits for the listener when `waits`; `edit` changes any of the three.
    fn v2_app(waits: bool, edit: impl FnOnce(&mut LoadBalancerV2, &mut ListenerV2, &mut TargetGroup)) -> Template {
        let mut b = Builder::new("d".into(), Metadata::default());
        let mut lb = LoadBalancerV2 {
            kind: BalancerKind::Application,
            scheme: ElbScheme::Internal,
            subnets: Expr::from("s"),
            security_groups: vec![],
            load_balancer_attributes: vec![Attribute { key: "idle_timeout.timeout_seconds", value: "60".into() }],
            tags: vec![],
        };
        let mut group = http_group(3, 5);
        let mut listener = ListenerV2 {
            load_balancer_arn: b.reference("Lb"),
            port: 80,
            front: FrontV2::Http,
            default_actions: vec![Action::Forward { target_group_arn: b.reference("Group") }],
            listener_attributes: vec![],
        };
        edit(&mut lb, &mut listener, &mut group);
        b.resource("Lb", &[], Properties::LoadBalancerV2(lb));
        b.resource("Group", &[], Properties::TargetGroup(group));
        b.resource("Listener", &[], Properties::ListenerV2(listener));
        let service = EcsService {
            cluster: Expr::from("c"),
            launch_type: "EC2",
            task_definition: Expr::from("t"),
            scheduling_strategy: None,
            desired_count: Some(1),
            deployment_configuration: DeploymentConfiguration { minimum_healthy_percent: 100, maximum_percent: 200 },
            load_balancers: vec![EcsLoadBalancer {
                container_name: "web".into(),
                container_port: 3000,
                load_balancer_name: None,
                target_group_arn: Some(b.reference("Group")),
            }],
            role: None,
            tags: vec![],
        };
        let depends: &[&str] = if waits { &["Listener"] } else { &[] };
        b.resource("Service", depends, Properties::EcsService(service));
        b.finish().expect("the test template's references resolve")
    }

    fn tls(policy: &str) -> TlsV2 {
        TlsV2 { ssl_policy: policy.into(), certificates: vec![CertificateV2 { certificate_arn: Expr::from("arn") }] }
    }

    /// An NLB whose listener is `front` and whose target group speaks `protocol`, checked over TCP.
    fn nlb(front: FrontV2, protocol: ProtocolV2) -> Template {
        nlb_with(front, protocol, |_| {})
    }

    /// [`nlb`], its listener then changed by `edit`.
    fn nlb_with(front: FrontV2, protocol: ProtocolV2, edit: impl FnOnce(&mut ListenerV2)) -> Template {
        v2_app(true, |lb, l, g| {
            lb.kind = BalancerKind::Network;
            lb.load_balancer_attributes.clear();
            l.front = front;
            edit(l);
            (g.protocol, g.health_check_protocol, g.health_check_path, g.matcher) =
                (protocol, ProtocolV2::Tcp, None, None);
        })
    }

    #[test]
    fn v2_listeners_target_groups_and_health_checks_fit_each_other() {
        assert_eq!(check(&v2_app(true, |_, _, _| {})), Vec::<String>::new());
        assert_eq!(check(&nlb(FrontV2::Tcp, ProtocolV2::Tcp)), Vec::<String>::new());
        assert_eq!(
            check(&nlb(FrontV2::Tls(tls("ELBSecurityPolicy-TLS13-1-2-2021-06")), ProtocolV2::Tls)),
            Vec::<String>::new()
        );
        // An NLB's TCP listener forwards only to a TCP target group: `secure=true` on a tcp port.
        assert_eq!(
            check(&nlb(FrontV2::Tcp, ProtocolV2::Tls)),
            ["Listener: listener 80: a TCP listener cannot forward to a Tls target group"]
        );
        assert_eq!(
            check(&v2_app(true, |lb, _, _| lb.kind = BalancerKind::Network)),
            [
                "Lb: attribute idle_timeout.timeout_seconds exists only on an Application Load Balancer",
                "Listener: listener 80: protocol HTTP is not one of a Network load balancer",
            ]
        );
        assert_eq!(
            check(&v2_app(true, |_, l, _| l.front = FrontV2::Https(tls("ELBSecurityPolicy-2015-03")))),
            ["Listener: listener 80: SslPolicy `ELBSecurityPolicy-2015-03` is not an ELBv2 policy"]
        );
        assert_eq!(
            check(&v2_app(true, |_, _, g| (g.health_check_path, g.matcher) = (None, None))),
            Vec::<String>::new()
        );
        assert_eq!(
            check(&v2_app(true, |_, _, g| g.health_check_protocol = ProtocolV2::Tcp)),
            [
                "Group: a Http target group cannot have a TCP health check",
                "Group: HealthCheckPath and Matcher belong to HTTP and HTTPS health checks only",
            ]
        );
        assert_eq!(
            check(&v2_app(true, |_, _, g| g.matcher = Some(Matcher { http_code: "200-599" }))),
            ["Group: Matcher 200-599 is outside 200–499"]
        );
        assert_eq!(
            check(&v2_app(true, |_, _, g| g.target_group_attributes =
                vec![Attribute { key: "proxy_protocol_v2.enabled", value: "true".into() }])),
            ["Group: attribute proxy_protocol_v2.enabled exists only on TCP and TLS target groups"]
        );
    }

    #[test]
    fn v2_tcp_idle_timeout_is_an_nlb_tcp_listeners_from_60_to_6000_seconds() {
        let idle = |front: FrontV2, seconds: &str| {
            check(&nlb_with(front, ProtocolV2::Tcp, |l| {
                l.listener_attributes = vec![Attribute { key: "tcp.idle_timeout.seconds", value: seconds.into() }]
            }))
        };
        assert_eq!(idle(FrontV2::Tcp, "3600"), Vec::<String>::new());
        assert_eq!(
            idle(FrontV2::Tcp, "30"),
            ["Listener: listener 80: attribute tcp.idle_timeout.seconds is 30, outside 60–6000"]
        );
        assert_eq!(
            idle(FrontV2::Tls(tls("ELBSecurityPolicy-TLS13-1-2-2021-06")), "120"),
            ["Listener: listener 80: attribute tcp.idle_timeout.seconds exists only on TCP listeners"]
        );
    }

    #[test]
    fn v2_redirects_go_to_an_https_listener_and_services_wait_for_their_listeners() {
        let redirect = |port| {
            v2_app(true, |_, l, _| {
                l.default_actions = vec![Action::Redirect {
                    redirect_config: RedirectConfig { protocol: ProtocolV2::Https, port, status_code: "HTTP_301" },
                }]
            })
        };
        // The listener no longer forwards to the group, so the service's group is unattached too.
        assert_eq!(
            check(&redirect(443)),
            [
                "Listener: listener 80: redirects to port 443, which is no HTTPS listener of its balancer",
                "Service: target group Group is not forwarded to by a listener the service DependsOn",
            ]
        );
        assert_eq!(
            check(&v2_app(false, |_, _, _| {})),
            ["Service: target group Group is not forwarded to by a listener the service DependsOn"]
        );
    }

    #[test]
    fn a_sound_balancer_has_no_problems() {
        let t = template(
            vec![http(80, "P", InstanceProtocol::Http), tls_listener(port("Cert"), "Tls")],
            vec![tls_policy("Tls", "ELBSecurityPolicy-TLS-1-2-2017-01")],
            health(3, 5),
        );
        assert_eq!(check(&t), Vec::<String>::new());
    }

    #[test]
    fn each_classic_elb_rule_is_enforced() {
        let ok_policy = || vec![tls_policy("Tls", "ELBSecurityPolicy-TLS-1-2-2017-01")];
        let h = || health(3, 5);
        let cases: Vec<(Template, &str)> = vec![
            (template(vec![], vec![], h()), "has no listeners"),
            (
                template(
                    vec![http(80, "P", InstanceProtocol::Http), http(80, "Q", InstanceProtocol::Http)],
                    vec![],
                    h(),
                ),
                "used by two listeners",
            ),
            (template(vec![http(0, "P", InstanceProtocol::Http)], vec![], h()), "must be a port"),
            (template(vec![http(80, "P", InstanceProtocol::Tcp)], vec![], h()), "needs a HTTP/HTTPS back end"),
            (
                template(
                    vec![http(80, "P", InstanceProtocol::Http), http(81, "P", InstanceProtocol::Https)],
                    vec![],
                    h(),
                ),
                "disagree on secure vs plain",
            ),
            (template(vec![tls_listener(Expr::from("cert-1"), "Tls")], ok_policy(), h()), "not a certificate ARN"),
            (template(vec![tls_listener(port("P"), "Tls")], ok_policy(), h()), "has no AllowedPattern"),
            (template(vec![tls_listener(port("Cert"), "Nope")], ok_policy(), h()), "undefined policy `Nope`"),
            (
                template(vec![http(80, "P", InstanceProtocol::Http)], vec![tls_policy("T", "Made-Up")], h()),
                "unknown SSL policy `Made-Up`",
            ),
            (
                template(
                    vec![http(80, "P", InstanceProtocol::Http)],
                    vec![tls_policy("T", "ELBSecurityPolicy-2016-08"), tls_policy("T", "ELBSecurityPolicy-2016-08")],
                    h(),
                ),
                "not unique",
            ),
            (template(vec![http(80, "P", InstanceProtocol::Http)], vec![], health(5, 5)), "must exceed Timeout"),
            (template(vec![http(80, "P", InstanceProtocol::Http)], vec![], health(1, 5)), "Timeout 1 is outside"),
            (template(vec![http(80, "P", InstanceProtocol::Http)], vec![], health(3, 400)), "Interval 400 is outside"),
            (
                template(
                    vec![http(80, "P", InstanceProtocol::Http)],
                    vec![],
                    ClassicHealthCheck { healthy_threshold: 1, ..h() },
                ),
                "HealthyThreshold must be from 2 to 10",
            ),
            (
                template(
                    vec![http(80, "P", InstanceProtocol::Http)],
                    vec![],
                    ClassicHealthCheck {
                        target: HealthTarget::Request { tls: false, port: Expr::Int(1), path: Expr::from("up") },
                        ..h()
                    },
                ),
                "must start with /",
            ),
        ];
        for (t, expected) in &cases {
            expect(t, expected);
        }
    }

    #[test]
    fn stack_limits_name_each_quota_exceeded() {
        let t = template(vec![http(80, "P", InstanceProtocol::Http)], vec![], health(3, 5));
        assert!(stack_limits(&t, 10).is_empty());
        assert_eq!(
            stack_limits(&t, MAX_TEMPLATE_BYTES + 1),
            ["the template is over 1000000 bytes, the most CloudFormation accepts"]
        );
    }

    /// A balanced ECS service whose task maps `host_ports` (container port, host port), beside
    /// a second task mapping `other` (a fixed host port and its transport).
    fn app(host_ports: Vec<Option<Expr>>, other: Option<(i64, Transport)>) -> Template {
        let mapping = |host_port: Option<Expr>, protocol| PortMapping { container_port: 3000, protocol, host_port };
        let task = |port_mappings: Vec<PortMapping>| {
            let mut b = Builder::new(String::new(), Metadata::default());
            Properties::TaskDefinition(TaskDefinition {
                network_mode: "bridge",
                requires_compatibilities: vec!["EC2"],
                execution_role_arn: None,
                container_definitions: vec![ContainerDefinition {
                    name: "web".into(),
                    image: Expr::from("i"),
                    essential: true,
                    command: None,
                    entry_point: None,
                    environment: vec![],
                    memory: None,
                    memory_reservation: None,
                    cpu: None,
                    working_directory: None,
                    user: None,
                    privileged: false,
                    ulimits: vec![],
                    extra_hosts: vec![],
                    health_check: None,
                    port_mappings,
                    mount_points: vec![],
                    secrets: vec![],
                    log_configuration: LogConfiguration {
                        log_driver: "awslogs",
                        options: AwsLogsOptions {
                            group: Expr::from("g"),
                            region: b.reference("AWS::Region"),
                            stream_prefix: "web".into(),
                        },
                    },
                }],
                volumes: vec![],
                tags: vec![],
            })
        };
        let base = template(vec![http(80, "P", InstanceProtocol::Http)], vec![], health(3, 5));
        let mut b = Builder::new("d".into(), Metadata::default());
        for (name, p) in base.parameters() {
            b.parameter(name.as_str(), p.clone());
        }
        for (name, r) in base.resources() {
            b.resource(name.as_str(), &[], r.properties.clone());
        }
        b.resource("WebTask", &[], task(host_ports.into_iter().map(|h| mapping(h, Transport::Tcp)).collect()));
        let fixed = other.map(|(p, transport)| mapping(Some(Expr::Int(p)), transport));
        b.resource("OtherTask", &[], task(fixed.into_iter().collect()));
        let service = EcsService {
            cluster: Expr::from("c"),
            launch_type: "EC2",
            task_definition: b.reference("WebTask"),
            scheduling_strategy: None,
            desired_count: Some(1),
            deployment_configuration: DeploymentConfiguration { minimum_healthy_percent: 50, maximum_percent: 200 },
            load_balancers: vec![EcsLoadBalancer {
                container_name: "web".into(),
                container_port: 3000,
                load_balancer_name: Some(b.reference("B")),
                target_group_arn: None,
            }],
            role: None,
            tags: vec![],
        };
        b.resource("WebService", &[], Properties::EcsService(service));
        b.finish().expect("references resolve")
    }

    #[test]
    fn every_listener_instance_port_is_mapped_exactly_once() {
        assert_eq!(check(&app(vec![Some(port("P"))], None)), Vec::<String>::new());
        expect(&app(vec![None], None), "mapped 0 times");
        expect(&app(vec![Some(port("P")), Some(port("P"))], None), "mapped 2 times");
    }

    #[test]
    fn two_tasks_may_not_claim_a_listener_host_port() {
        // P defaults to 12000: a fixed 12000/tcp elsewhere collides with it, 12000/udp does not.
        expect(&app(vec![Some(port("P"))], Some((12000, Transport::Tcp))), "host port 12000/tcp is also claimed");
        assert!(check(&app(vec![Some(port("P"))], Some((12000, Transport::Udp)))).is_empty());
    }
}
