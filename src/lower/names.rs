//! The names each balancer target gives what it declares — resources, outputs, the Classic
//! instance-port parameters — derived from service names, and the check that they are
//! distinct and short enough. The check runs on the plan before anything is built, with the
//! interpreter's findings, so a collision is an error at the service's name rather than a
//! template the builder refuses as a bug.
//!
//! Names are stable: stacks, overlays, dashboards and pull-request diffs depend on them.
//! Convox's names are kept where it had them.
//!
//! One file past 400 lines (a fifth of it tests): the names, the table of what each service
//! gives rise to and the check over that table stay together, so that a name added to a
//! target is added where the check sees it.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::interpret::names::{certificate_parameter, derived, image_parameter, port_derived, upper_name};
use crate::interpret::plan::{Image, Listener, Plan, Scheme, Target, Workload};
use crate::interpret::{deploy_parameter_clash, name_collision};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::collections::hash_map::Entry;

/// CloudFormation's limit on the length of a logical ID (resources, parameters, outputs), and
/// EC2's on a security group's description.
pub const MAX_LOGICAL_ID: usize = 255;

/// The parameter naming the ECS cluster the services run on.
pub const CLUSTER: &str = "Cluster";

/// The parameter of the log group's retention, in days.
pub const LOG_RETENTION: &str = "LogRetention";

/// The parameter of the subnets the balancers are placed in.
pub const SUBNETS: &str = "Subnets";

/// The parameter of the VPC of the subnets and the instances.
pub const VPC_ID: &str = "VpcId";

/// The parameter of the VPC's CIDR block, which internal balancers accept traffic from.
pub const VPC_CIDR: &str = "VpcCidr";

/// The role ECS uses to register container instances with the app's Classic ELBs.
pub const SERVICE_ROLE: &str = "ServiceRole";

/// The least-privilege policy of [`SERVICE_ROLE`], a resource of its own so that ECS services
/// can depend on it being attached.
/// A new logical ID, not the `ServiceRolePolicy` of earlier versions: that was an
/// `AWS::IAM::Policy`, and CloudFormation refuses to change a resource's type in an update.
pub const SERVICE_ROLE_POLICY: &str = "ServiceRolePermissions";

/// The app's CloudWatch log group.
pub const LOG_GROUP: &str = "LogGroup";

/// The Classic ELB of a service.
pub fn balancer(service: &str, internal: bool) -> String {
    derived("Balancer", service, if internal { "Internal" } else { "" })
}

/// The security group of the balancer `balancer_id`.
pub fn security_group(balancer_id: &str) -> String {
    format!("{balancer_id}SecurityGroup")
}

/// The output holding the DNS name of a service's balancer (on v2, that of the balancer
/// carrying the health-checked port).
pub fn host_output(service: &str) -> String {
    derived("Balancer", service, "Host")
}

/// The Classic instance port parameter of balancer port `port`.
pub fn instance_port_parameter(service: &str, port: u16) -> String {
    port_derived(service, port, "Host")
}

/// The Classic proxy protocol policy of balancer port `port` (Convox named them all
/// `EnableProxyProtocol`, which broke with two proxy ports). A policy of the balancer, not a
/// logical ID.
pub fn proxy_policy(service: &str, port: u16) -> String {
    port_derived(service, port, "ProxyProtocol")
}

/// The output holding balancer port `port` (a Convox name pipelines read).
pub fn port_output(service: &str, port: u16) -> String {
    port_derived(service, port, "Balancer")
}

/// The output holding the name of the balancer that serves `port`.
pub fn balancer_name_output(service: &str, port: u16) -> String {
    port_derived(service, port, "BalancerName")
}

/// The TLS negotiation policy of a Classic ELB (a policy of the balancer, not a logical ID).
pub fn tls_policy(service: &str) -> String {
    derived("", service, "TlsPolicy")
}

/// The task definition of a service.
pub fn task_definition(service: &str) -> String {
    derived("", service, "TaskDefinition")
}

/// The ECS service.
pub fn ecs_service(service: &str) -> String {
    derived("Service", service, "")
}

/// The output holding the ECS service's ARN.
pub fn service_arn_output(service: &str) -> String {
    derived("Service", service, "Arn")
}

/// The role ECS uses to read a service's secrets at task start.
pub fn execution_role(service: &str) -> String {
    derived("", service, "ExecutionRole")
}

/// The policy of a role (`role` + `Policy`).
/// A new logical ID, not the `<role>Policy` of earlier versions: that was an
/// `AWS::IAM::Policy`, and CloudFormation refuses to change a resource's type in an update.
pub fn role_policy(role: &str) -> String {
    format!("{role}Permissions")
}

/// The v2 balancer carrying listener `l` of `service`: one per kind (ALB for http/https, NLB
/// for tcp/tls) and exposure.
pub fn v2_balancer(service: &str, l: &Listener) -> String {
    let suffix = match (l.protocol.is_http(), l.internal) {
        (true, false) => "Alb",
        (true, true) => "AlbInternal",
        (false, false) => "Nlb",
        (false, true) => "NlbInternal",
    };
    derived("Balancer", service, suffix)
}

/// The output holding the DNS name of the v2 balancer `balancer_id`.
pub fn v2_host_output(balancer_id: &str) -> String {
    format!("{balancer_id}Host")
}

/// The v2 target group of balancer port `port`.
pub fn target_group(service: &str, port: u16) -> String {
    port_derived(service, port, "TargetGroup")
}

/// The v2 listener of balancer port `port`.
pub fn listener(service: &str, port: u16) -> String {
    port_derived(service, port, "Listener")
}

/// The description of a Classic balancer's security group (EC2 takes at most 255 characters).
pub fn classic_group_description(service: &str, app: &str) -> String {
    format!("{service} balancer of app {app}")
}

/// The description of a v2 balancer's security group.
pub fn v2_group_description(service: &str, balancer_id: &str, app: &str) -> String {
    format!("{service} balancer {balancer_id} of app {app}")
}

/// Names the template declares whatever its services, with what they are (for the error when
/// a service's name meets one): `(name, what, classic only)`.
const FIXED_NAMES: [(&str, &str, bool); 8] = [
    (CLUSTER, "the cluster parameter", false),
    (LOG_RETENTION, "the log retention parameter", false),
    (SUBNETS, "the subnets parameter", false),
    (VPC_ID, "the VPC parameter", false),
    (VPC_CIDR, "the VPC CIDR parameter", false),
    (LOG_GROUP, "the app's log group", false),
    (SERVICE_ROLE, "the role ECS registers instances with", true),
    (SERVICE_ROLE_POLICY, "that role's policy", true),
];

/// Everything one service gives rise to under a target, by CloudFormation namespace.
#[derive(Debug, Default)]
pub struct ServiceNames {
    /// Resources and parameters (one namespace: `Ref` reaches both).
    pub ids: Vec<String>,
    /// Outputs.
    pub outputs: Vec<String>,
    /// Security group descriptions.
    pub descriptions: Vec<String>,
}

/// The names workload `w` gives rise to when `plan` is lowered for `target`: the table the
/// lowerings follow (a test compares it with what they declare for every fixture).
pub fn service_names(plan: &Plan, target: Target, w: &Workload) -> ServiceNames {
    names_as(plan, target, w, &w.service)
}

/// The names workload `w` would give rise to if its service were called `service` (a shorter
/// name to suggest is found by trying some).
fn names_as(plan: &Plan, target: Target, w: &Workload, service: &str) -> ServiceNames {
    let mut n = ServiceNames {
        ids: vec![task_definition(service), ecs_service(service)],
        outputs: vec![service_arn_output(service)],
        descriptions: Vec::new(),
    };
    if let Image::Parameter { .. } = &w.image {
        n.ids.push(image_parameter(service));
    }
    if !w.container.secrets.is_empty() {
        let role = execution_role(service);
        n.ids.push(role_policy(&role));
        n.ids.push(role);
    }
    let Some(lb) = plan.balancer_of(&w.service) else { return n };
    let certificates = lb.listeners.iter().filter(|l| l.certificate.is_some());
    n.ids.extend(certificates.map(|l| certificate_parameter(service, l.balancer_port)));
    for l in &lb.listeners {
        n.outputs.push(port_output(service, l.balancer_port));
        n.outputs.push(balancer_name_output(service, l.balancer_port));
    }
    match target {
        Target::Classic => {
            let id = balancer(service, lb.scheme == Scheme::Internal);
            let group = security_group(&id);
            n.ids.extend([id, group]);
            n.ids.extend(lb.listeners.iter().map(|l| instance_port_parameter(service, l.balancer_port)));
            n.outputs.push(host_output(service));
            n.descriptions.push(classic_group_description(service, &plan.app));
        }
        Target::V2 => {
            let mut groups: Vec<String> = Vec::new();
            for l in &lb.listeners {
                let id = v2_balancer(service, l);
                if !groups.contains(&id) {
                    groups.push(id);
                }
                n.ids.push(listener(service, l.balancer_port));
                if l.redirect.is_none() {
                    n.ids.push(target_group(service, l.balancer_port));
                }
            }
            if lb.listeners.iter().any(|l| l.balancer_port == lb.health_check.listener_port) {
                n.outputs.push(host_output(service));
            }
            for id in groups {
                n.descriptions.push(v2_group_description(service, &id, &plan.app));
                n.outputs.push(v2_host_output(&id));
                let group = security_group(&id);
                n.ids.extend([id, group]);
            }
        }
    }
    n
}

/// Every name collision and over-long name lowering `plan` for `target` would meet, each an
/// error at the service's name: two services whose names meet (`web` with an internal balancer
/// and `web-internal` are both `BalancerWebInternal`), a service named like something every
/// template declares (`role` → `ServiceRole`), a deploy-time parameter named like a
/// resource, and names past CloudFormation's or EC2's 255 characters. Linear in the names.
pub fn check(plan: &Plan, target: Target) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let fixed: HashMap<&str, &str> = FIXED_NAMES
        .iter()
        .filter(|(_, _, classic_only)| target == Target::Classic || !classic_only)
        .map(|(name, what, _)| (*name, *what))
        .chain(
            plan.services
                .iter()
                .flat_map(|w| &w.container.secrets)
                .map(|s| (s.parameter.as_str(), "a secret's parameter")),
        )
        .collect();
    // Each name → the index of the workload that declares it.
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut outputs: HashMap<String, usize> = HashMap::new();
    let mut reported: HashSet<(usize, usize)> = HashSet::new();
    for (i, w) in plan.services.iter().enumerate() {
        let names = service_names(plan, target, w);
        if let Some(d) = too_long(plan, target, w, &names) {
            diags.push(d);
        }
        for (taken, list) in [(&mut ids, names.ids), (&mut outputs, names.outputs)] {
            for name in list {
                if let Some(what) = fixed.get(name.as_str()) {
                    diags.push(
                        Diagnostic::error(
                            Code::ServiceNameCollision,
                            w.name_span,
                            format!(
                                "service `{}` becomes `{name}` in CloudFormation names, which is {what}",
                                w.service
                            ),
                        )
                        .with_label("this name")
                        .with_help("rename the service"),
                    );
                    continue;
                }
                match taken.entry(name) {
                    Entry::Vacant(e) => {
                        e.insert(i);
                    }
                    // Names derived from one service never repeat within it.
                    Entry::Occupied(e) if *e.get() == i => {}
                    Entry::Occupied(e) => {
                        let first = &plan.services[*e.get()];
                        // One error per pair; equal upper names are reported by the interpreter.
                        let same_upper = upper_name(&first.service) == upper_name(&w.service);
                        if !same_upper && reported.insert((*e.get(), i)) {
                            let (a, b) = ((first.service.as_str(), first.name_span), (w.service.as_str(), w.name_span));
                            diags.push(name_collision(a, b, e.key()));
                        }
                    }
                }
            }
        }
    }
    for (id, uses) in plan.deploy_parameters() {
        if !ids.contains_key(id) && !fixed.contains_key(id) {
            continue;
        }
        let (first, users) = &uses[0];
        let span = users.first().and_then(|s| plan.workload_of(s)).and_then(|w| w.name_span);
        let clash = format!("variable `{}` becomes parameter `{id}`, a name the template already uses", first.variable);
        diags.push(deploy_parameter_clash(span, clash));
    }
    diags
}

/// The error for a service whose longest name, or a security group description, passes 255
/// characters, with a name short enough to use.
fn too_long(plan: &Plan, target: Target, w: &Workload, names: &ServiceNames) -> Option<Diagnostic> {
    let name = &w.service;
    if !name.is_ascii() {
        return None; // an invalid name, reported on load
    }
    let id = names.ids.iter().chain(&names.outputs).max_by_key(|id| id.len())?;
    let description = names.descriptions.iter().map(String::len).max().unwrap_or(0);
    let id_over = id.len().saturating_sub(MAX_LOGICAL_ID);
    let description_over = description.saturating_sub(MAX_LOGICAL_ID);
    let why = match (id_over, description_over) {
        (0, 0) => return None,
        (i, d) if i >= d => format!(
            "its longest CloudFormation logical ID, `{}…{}`, would be {} characters",
            &id[..12],
            &id[id.len() - 21..],
            id.len()
        ),
        _ => format!("its balancer's security group description (name and app name) would be {description} characters"),
    };
    // The longest prefix whose names all fit, by bisection: every name grows with the service
    // name, some (v2's descriptions) by two characters per character. Names are ASCII
    // (checked above), so byte lengths are character counts.
    let fits = |k: usize| {
        let n = names_as(plan, target, w, &name[..k]);
        n.ids.iter().chain(&n.outputs).chain(&n.descriptions).all(|s| s.len() <= MAX_LOGICAL_ID)
    };
    let (mut keep, mut too_many) = (1, name.len());
    while keep + 1 < too_many {
        let mid = (keep + too_many) / 2;
        if fits(mid) { keep = mid } else { too_many = mid }
    }
    let shorter = name[..keep].trim_end_matches(['-', '_', '.']);
    Some(
        Diagnostic::error(
            Code::ServiceName,
            w.name_span,
            format!("service name is {} characters long: {why}, past AWS's limit of 255", name.len()),
        )
        .with_label("too long")
        .with_help(format!("use a name of at most {keep} characters, e.g. `{shorter}`")),
    )
}

/// A test oracle: where the names table ([`service_names`], the fixed names, the deploy
/// inputs) and what the lowering of `plan` for `target` declared in `template` disagree, one
/// sentence each. Run by the fixture and property tests, so that a name added to a lowering
/// and not to the table — which the collision check would then miss — fails them.
pub fn table_mismatches(plan: &Plan, target: Target, template: &crate::cfn::Template) -> Vec<String> {
    let mut ids: HashSet<String> = HashSet::new();
    let mut outputs: HashSet<String> = HashSet::new();
    for w in &plan.services {
        let names = service_names(plan, target, w);
        ids.extend(names.ids);
        outputs.extend(names.outputs);
    }
    let declared_ids: HashSet<&str> =
        template.parameters().keys().chain(template.resources().keys()).map(|n| n.as_str()).collect();
    let declared_outputs: HashSet<&str> = template.outputs().keys().map(|n| n.as_str()).collect();
    let shared: HashSet<&str> = FIXED_NAMES
        .iter()
        .map(|(name, _, _)| *name)
        .chain(plan.services.iter().flat_map(|w| &w.container.secrets).map(|s| s.parameter.as_str()))
        .chain(plan.deploy_parameters().into_keys())
        .chain(["Placeholder"])
        .collect();
    let mut out: Vec<String> = Vec::new();
    out.extend(
        ids.iter()
            .filter(|id| !declared_ids.contains(id.as_str()))
            .map(|id| format!("`{id}` is in the table but not declared")),
    );
    out.extend(
        outputs
            .iter()
            .filter(|o| !declared_outputs.contains(o.as_str()))
            .map(|o| format!("output `{o}` is in the table but not declared")),
    );
    out.extend(
        declared_ids
            .iter()
            .filter(|id| !ids.contains(**id) && !shared.contains(**id))
            .map(|id| format!("`{id}` is declared but not in the table")),
    );
    out.extend(
        declared_outputs
            .iter()
            .filter(|o| !outputs.contains(**o))
            .map(|o| format!("output `{o}` is declared but not in the table")),
    );
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::load::{Environment, Input};
    use crate::{CompileOptions, compile};

    /// The errors compiling `yaml` for `target` gives, as (code, message).
    fn errors(yaml: &str, target: Target) -> Vec<(Code, String)> {
        error_diagnostics(yaml, target).into_iter().map(|d| (d.code, d.message)).collect()
    }

    fn error_diagnostics(yaml: &str, target: Target) -> Vec<Diagnostic> {
        let input = Input { path: "docker-compose.yml".into(), bytes: yaml.as_bytes().to_vec() };
        let options = CompileOptions { fallback_app: "shop".into(), balancer: Some(target), ..Default::default() };
        let c = compile(vec![input], &Environment::default(), &options);
        c.diagnostics.iter().filter(|d| d.severity == Severity::Error).cloned().collect()
    }

    #[test]
    fn a_service_named_like_what_every_template_declares_is_an_error_at_its_name_not_a_bug() {
        let found = errors("services:\n  role:\n    image: nginx\n    ports: [\"80:80\"]\n", Target::Classic);
        assert_eq!(
            found,
            [(
                Code::ServiceNameCollision,
                "service `role` becomes `ServiceRole` in CloudFormation names, which is the role ECS registers instances with".to_string()
            )]
        );
        // v2 has no service role: the name is free there.
        assert_eq!(errors("services:\n  role:\n    image: nginx\n    ports: [\"80:80\"]\n", Target::V2), []);
    }

    #[test]
    fn v2_names_are_checked_with_v2_names() {
        // `web`'s ALB has the output `BalancerWebAlbHost`, which is `web-alb`'s balancer host.
        let yaml = "services:\n  web:\n    image: nginx\n    ports: [\"80:80\"]\n    labels: [convox.port.80.protocol=http]\n  web-alb:\n    image: nginx\n    ports: [\"81:80\"]\n";
        let found = errors(yaml, Target::V2);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, Code::ServiceNameCollision);
        assert!(found[0].1.contains("`web` and `web-alb` both become `BalancerWebAlbHost`"), "{found:?}");
        // On Classic the two are `BalancerWeb` and `BalancerWebAlb`: no collision.
        assert_eq!(errors(yaml, Target::Classic), []);
    }

    #[test]
    fn the_longest_name_and_the_description_are_those_of_the_target() {
        let public = |n: usize| format!("services:\n  {}:\n    image: nginx\n    ports: [\"80:80\"]\n", "a".repeat(n));
        // Classic, public balancer: `Balancer<Name>SecurityGroup` is the longest, 21 + the name.
        assert_eq!(errors(&public(234), Target::Classic), []);
        let found = errors(&public(235), Target::Classic);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].1.contains("would be 256 characters"), "{found:?}");
        // v2's security group descriptions name the balancer too (`<name> balancer
        // Balancer<Name>Alb of app shop`): 2 × the name + 33 characters.
        assert_eq!(errors(&public(111), Target::V2), []);
        let found = error_diagnostics(&public(112), Target::V2);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("security group description (name and app name) would be 257 characters"));
        // The name suggested is the longest that fits, though the description grows twice as fast.
        let help = found[0].help.as_deref().unwrap_or_default();
        assert!(help.starts_with("use a name of at most 111 characters"), "{help}");
        let found = error_diagnostics(&public(235), Target::Classic);
        assert!(found[0].help.as_deref().unwrap_or_default().starts_with("use a name of at most 234 characters"));
    }

    #[test]
    fn the_names_of_a_service_follow_its_balancer_and_target() {
        let yaml = "services:\n  web:\n    image: nginx\n    ports: [\"80:80\", \"443:80\"]\n    labels:\n      convox.port.443.protocol: https\n";
        let input = Input { path: "docker-compose.yml".into(), bytes: yaml.as_bytes().to_vec() };
        let options = CompileOptions { fallback_app: "shop".into(), ..Default::default() };
        let plan = compile(vec![input], &Environment::default(), &options).plan.expect("a plan");
        let classic = service_names(&plan, Target::Classic, &plan.services[0]);
        assert_eq!(
            classic.ids,
            [
                "WebTaskDefinition",
                "ServiceWeb",
                "WebPort443Certificate",
                "BalancerWeb",
                "BalancerWebSecurityGroup",
                "WebPort80Host",
                "WebPort443Host"
            ]
        );
        assert_eq!(classic.descriptions, ["web balancer of app shop"]);
        let v2 = service_names(&plan, Target::V2, &plan.services[0]);
        assert!(v2.ids.contains(&"BalancerWebAlb".to_string()) && v2.ids.contains(&"WebPort443Listener".to_string()));
        assert!(!v2.ids.iter().any(|id| id.ends_with("Host")), "v2 has no instance port parameters: {:?}", v2.ids);
    }
}
