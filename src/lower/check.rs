//! The rules a typed template can still break, checked on the typed model: what the types
//! guarantee (upper-case protocols, a certificate on every HTTPS/SSL listener, health targets
//! of the right shape, references that resolve) is not checked again here.
//!
//! Past 400 lines because of its tests: they build typed templates by hand, one per rule, and
//! belong next to the rules they break.

use crate::cfn::resources::{ClassicLoadBalancer, ClassicPolicy, HealthTarget, Properties, Transport};
use crate::cfn::{Expr, Template};
use crate::interpret::is_certificate_arn;
use crate::interpret::labels::TLS_POLICIES;
use std::collections::{BTreeSet, HashMap, HashSet};

/// Every problem found, each naming the resource and what is wrong; empty when the template is sound.
pub fn check(template: &Template) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, resource) in template.resources() {
        if let Properties::ClassicLoadBalancer(lb) = &resource.properties {
            check_balancer(template, lb, &mut |p| problems.push(format!("{}: {p}", id.as_str())));
        }
    }
    check_task_ports(template, &mut problems);
    problems
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
    if h.interval <= h.timeout {
        problem(format!("health check Interval {} must exceed Timeout {}", h.interval, h.timeout));
    }
    if !(2..=60).contains(&h.timeout) {
        problem(format!("health check Timeout {} is outside 2–60", h.timeout));
    }
    if !(5..=300).contains(&h.interval) {
        problem(format!("health check Interval {} is outside 5–300", h.interval));
    }
    for (key, n) in [("HealthyThreshold", h.healthy_threshold), ("UnhealthyThreshold", h.unhealthy_threshold)] {
        if !(2..=10).contains(&n) {
            problem(format!("health check {key} must be from 2 to 10"));
        }
    }
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

/// The quotas `template` (of `bytes` bytes) exceeds, one sentence each.
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
        over.push(format!("the template is {bytes} bytes, more than the {MAX_TEMPLATE_BYTES} CloudFormation accepts"));
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
            [format!("the template is {} bytes, more than the 1000000 CloudFormation accepts", MAX_TEMPLATE_BYTES + 1)]
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
