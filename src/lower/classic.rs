//! The `classic` target: one Classic ELB per balanced service, registered by ECS through a
//! service role, in front of EC2 tasks in bridge networking with fixed instance ports.
//!
//! One file past 400 lines: the lowering is one walk over the plan in template order
//! (parameters, resources, outputs), and splitting it would scatter the order it must keep.

use super::LowerError;
use super::container::{BalancerOf, container_definition, text_value};
use super::names;
use crate::cfn::metadata::{BuildArg, BuiltImage, ComposeCfn, EnvParameter, SelfSigned};
use crate::cfn::resources::{
    ClassicHealthCheck, ClassicListener, ClassicLoadBalancer, ClassicPolicy, ConnectionDraining, ConnectionSettings,
    DeploymentConfiguration, EcsLoadBalancer, EcsService, ElbScheme, Front, HealthTarget, HostVolume, Ingress,
    InstanceProtocol, ListenerTls, LogGroup, PolicyDocument, Role, RolePolicy, SecurityGroup, ServicePrincipal,
    Statement, StatementResource, Tag, TaskDefinition, TaskVolume, Transport, WaitConditionHandle,
};
use crate::cfn::{Builder, Declared, Expr, Metadata, Parameter, ParameterType, Properties, Template};
use crate::interpret::CERTIFICATE_ARN_PATTERN;
use crate::interpret::plan::{Balancer, Image, Listener, Part, Plan, Protocol, Scheme, Workload};

/// The retention periods CloudWatch Logs accepts, in days.
const LOG_RETENTION_DAYS: [&str; 22] = [
    "1", "3", "5", "7", "14", "30", "60", "90", "120", "150", "180", "365", "400", "545", "731", "1096", "1827",
    "2192", "2557", "2922", "3288", "3653",
];

/// Lowers the plan to a Classic ELB template.
pub fn lower(plan: &Plan) -> Result<Template, LowerError> {
    lower_with(plan, true, |b| {
        if !plan.balancers.is_empty() {
            service_role(b, plan);
        }
        let mut declared = Vec::with_capacity(plan.balancers.len());
        for balancer in &plan.balancers {
            security_group(b, plan, balancer);
            let properties = load_balancer(b, plan, balancer)?;
            declared.push(b.resource(balancer_id(balancer), &[], Properties::ClassicLoadBalancer(properties)));
        }
        // Workloads and balancers are both sorted by service name: walking them together finds
        // each workload's balancer without a search through every balancer's name.
        let mut balancers = plan.balancers.iter().zip(&declared).peekable();
        let services: Vec<Declared> = plan
            .services
            .iter()
            .map(|w| {
                while balancers.next_if(|(lb, _)| lb.service < w.service).is_some() {}
                let own = balancers.next_if(|(lb, _)| lb.service == w.service);
                workload(b, plan, w, own)
            })
            .collect();
        outputs(b, plan, &services, &declared);
        Ok(())
    })
}

/// What every target's template has: description, metadata, and (unless the plan enables no
/// service, when a placeholder stands in) the parameters and the log group, then `body`'s
/// resources and outputs. `instance_ports`: with the listeners' host port parameters.
pub(super) fn lower_with(
    plan: &Plan,
    instance_ports: bool,
    body: impl FnOnce(&mut Builder) -> Result<(), LowerError>,
) -> Result<Template, LowerError> {
    let description = format!(
        "App {}: its ECS services and their load balancers, compiled by compose-cfn from its compose file",
        plan.app
    );
    let mut b = Builder::new(description, metadata(plan));
    if plan.services.is_empty() {
        b.resource(
            "Placeholder",
            &[],
            Properties::WaitConditionHandle(WaitConditionHandle {
                reason: "the manifest enables no service, and a template needs one resource".into(),
            }),
        );
    } else {
        parameters(&mut b, plan, instance_ports);
        let retention_in_days = b.reference(names::LOG_RETENTION);
        b.resource(names::LOG_GROUP, &[], Properties::LogGroup(LogGroup { retention_in_days }));
        body(&mut b)?;
    }
    b.finish().map_err(LowerError::Invalid)
}

/// The logical ID of the Classic ELB of `balancer`.
fn balancer_id(balancer: &Balancer) -> String {
    names::balancer(&balancer.service, balancer.scheme == Scheme::Internal)
}

pub(super) fn tags(app: &str, service: &str) -> Vec<Tag> {
    vec![Tag { key: "App", value: app.to_string() }, Tag { key: "Service", value: service.to_string() }]
}

fn metadata(plan: &Plan) -> Metadata {
    let self_signed_certificates = plan
        .balancers
        .iter()
        .flat_map(|b| {
            b.listeners.iter().filter_map(move |l| {
                let cert = l.certificate.as_ref().filter(|c| c.arn.is_none())?;
                Some(SelfSigned {
                    parameter: cert.parameter.clone(),
                    target: format!("{}:{}", b.service, l.balancer_port),
                })
            })
        })
        .collect();
    let built_images = plan
        .services
        .iter()
        .filter_map(|w| match &w.image {
            Image::Parameter { parameter, build, dockerfile, target, args } => Some(BuiltImage {
                parameter: parameter.clone(),
                service: w.service.clone(),
                build: build.clone(),
                dockerfile: dockerfile.clone(),
                target: target.clone(),
                args: args.iter().map(|(name, value)| BuildArg { name: name.clone(), value: value.clone() }).collect(),
            }),
            Image::Literal { .. } => None,
        })
        .collect();
    let environment_parameters = env_parameters(plan).collect();
    Metadata {
        compose_cfn: ComposeCfn {
            app: plan.app.clone(),
            self_signed_certificates,
            built_images,
            environment_parameters,
        },
    }
}

/// Every deploy-time parameter and its metadata entry, one per logical ID (the interpreter
/// refuses a plan where two parameters share one).
fn env_parameters(plan: &Plan) -> impl Iterator<Item = EnvParameter> + '_ {
    plan.deploy_parameters().into_iter().map(|(id, uses)| {
        let (p, services) = &uses[0];
        EnvParameter {
            parameter: id.to_string(),
            variable: p.variable.clone(),
            services: services.iter().map(|s| s.to_string()).collect(),
            empty_is_unset: p.empty_is_unset,
            default: p.default.clone(),
            required: p.required.clone(),
            alternative: p.alternative.clone(),
            env_file: p.env_file.clone(),
        }
    })
}

/// The template's parameters; `instance_ports`: with the listeners' host port parameters (v2
/// registers dynamic host ports, and has none).
fn parameters(b: &mut Builder, plan: &Plan, instance_ports: bool) {
    b.parameter(
        names::CLUSTER,
        Parameter::new(
            ParameterType::String,
            "The ECS cluster (name or ARN) whose container instances run the services",
        ),
    );
    b.parameter(
        names::LOG_RETENTION,
        Parameter {
            default: Some("30".into()),
            allowed_values: LOG_RETENTION_DAYS.iter().map(|d| d.to_string()).collect(),
            ..Parameter::new(ParameterType::Number, "Days the app's container logs are kept")
        },
    );
    if !plan.balancers.is_empty() {
        b.parameter(
            names::SUBNETS,
            Parameter::new(
                ParameterType::SubnetIds,
                "Subnets the load balancers are placed in (public subnets for internet-facing ones)",
            ),
        );
        b.parameter(
            names::VPC_ID,
            Parameter::new(ParameterType::VpcId, "The VPC of the subnets and the container instances"),
        );
    }
    if plan.balancers.iter().any(|b| b.scheme == Scheme::Internal) {
        b.parameter(
            names::VPC_CIDR,
            Parameter {
                default: Some("10.0.0.0/16".into()),
                allowed_pattern: Some(r"^([0-9]{1,3}\.){3}[0-9]{1,3}/([0-9]|[12][0-9]|3[0-2])$"),
                constraint_description: Some("an IPv4 CIDR block such as 10.0.0.0/16"),
                ..Parameter::new(
                    ParameterType::String,
                    "The VPC's CIDR block: internal balancers accept traffic only from it",
                )
            },
        );
    }
    for w in &plan.services {
        if let Image::Parameter { parameter, .. } = &w.image {
            let description = format!("Image of service {}, built and pushed by the deploy stage", w.service);
            b.parameter(
                parameter,
                Parameter { min_length: Some(1), ..Parameter::new(ParameterType::String, description) },
            );
        }
    }
    let secrets: std::collections::BTreeMap<&str, &str> = plan
        .services
        .iter()
        .flat_map(|w| w.container.secrets.iter().map(|s| (s.parameter.as_str(), s.secret.as_str())))
        .collect();
    for (parameter, secret) in secrets {
        let description = format!(
            "ARN of the SSM parameter or Secrets Manager secret holding secret {secret} (ECS reads it at task start)"
        );
        b.parameter(
            parameter,
            Parameter {
                allowed_pattern: Some(SECRET_ARN_PATTERN),
                constraint_description: Some("an SSM parameter ARN or a Secrets Manager secret ARN"),
                ..Parameter::new(ParameterType::String, description)
            },
        );
    }
    for e in env_parameters(plan) {
        let description = match &e.env_file {
            Some(file) => {
                format!("Filled by the deploy stage from {} of {file} (never written into the template)", e.variable)
            }
            None => {
                format!("Filled by the deploy stage from its variable {} (never written into the template)", e.variable)
            }
        };
        b.parameter(
            e.parameter,
            Parameter { no_echo: true, default: e.default, ..Parameter::new(ParameterType::String, description) },
        );
    }
    for balancer in &plan.balancers {
        for l in &balancer.listeners {
            let description = format!(
                "Instance (host) port of {}:{}, mapped to container port {}",
                balancer.service, l.balancer_port, l.container_port
            );
            if instance_ports {
                b.parameter(
                    names::instance_port_parameter(&balancer.service, l.balancer_port),
                    Parameter {
                        default: Some(l.instance_port.to_string()),
                        min_value: Some(1),
                        max_value: Some(65535),
                        ..Parameter::new(ParameterType::Number, description)
                    },
                );
            }
            if let Some(cert) = &l.certificate {
                let description = format!(
                    "Certificate ARN of the {} listener {}:{}",
                    l.protocol.label(),
                    balancer.service,
                    l.balancer_port
                );
                b.parameter(
                    &cert.parameter,
                    Parameter {
                        default: cert.arn.clone(),
                        allowed_pattern: Some(CERTIFICATE_ARN_PATTERN),
                        constraint_description: Some("an ACM certificate ARN or an IAM server certificate ARN"),
                        ..Parameter::new(ParameterType::String, description)
                    },
                );
            }
        }
    }
}

/// The statement of a trust policy letting an AWS service assume a role.
fn trust(service: &'static str) -> Statement {
    Statement {
        sid: None,
        effect: "Allow",
        principal: Some(ServicePrincipal { service: vec![service] }),
        action: vec!["sts:AssumeRole"],
        resource: None,
    }
}

/// A statement of a permission policy allowing `action` on `resource`.
fn allow(sid: Option<&'static str>, action: Vec<&'static str>, resource: StatementResource) -> Statement {
    Statement { sid, effect: "Allow", principal: None, action, resource: Some(resource) }
}

/// The role ECS assumes to register instances with the app's balancers, and its policy.
fn service_role(b: &mut Builder, plan: &Plan) {
    let document = |statement| PolicyDocument { version: "2012-10-17", statement };
    let trust = trust("ecs.amazonaws.com");
    b.resource(
        names::SERVICE_ROLE,
        &[],
        Properties::Role(Role {
            description: format!(
                "Lets ECS register the container instances of app {} with its load balancers",
                plan.app
            ),
            assume_role_policy_document: document(vec![trust]),
            path: "/",
        }),
    );
    let arns = plan
        .balancers
        .iter()
        .map(|balancer| {
            b.sub(format!(
                "arn:${{AWS::Partition}}:elasticloadbalancing:${{AWS::Region}}:${{AWS::AccountId}}:loadbalancer/${{{}}}",
                balancer_id(balancer)
            ))
        })
        .collect();
    let register = allow(
        None,
        vec![
            "elasticloadbalancing:RegisterInstancesWithLoadBalancer",
            "elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
        ],
        StatementResource::Arns(arns),
    );
    let describe = allow(
        None,
        vec![
            "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeInstanceHealth",
            "ec2:DescribeInstances",
        ],
        StatementResource::All,
    );
    let role_name = b.reference(names::SERVICE_ROLE);
    b.resource(
        names::SERVICE_ROLE_POLICY,
        &[],
        Properties::RolePolicy(RolePolicy {
            // Not the `register-instances-with-balancers` of the `AWS::IAM::Policy` this replaces
            // on stacks deployed before: deleting that one at the end of the update removes
            // the role's inline policy of its name, which must not be this one.
            policy_name: "ecs-registers-instances",
            role_name,
            policy_document: document(vec![register, describe]),
        }),
    );
}

fn security_group(b: &mut Builder, plan: &Plan, balancer: &Balancer) {
    let description = names::classic_group_description(&balancer.service, &plan.app);
    let internal = balancer.scheme == Scheme::Internal;
    let id = names::security_group(&balancer_id(balancer));
    balancer_security_group(b, plan, &balancer.service, id, description, internal, &balancer.listeners);
}

/// A balancer's security group `id`: each listener's port open to the world, or (`internal`)
/// only to the VPC.
pub(super) fn balancer_security_group<'l>(
    b: &mut Builder,
    plan: &Plan,
    service: &str,
    id: String,
    group_description: String,
    internal: bool,
    listeners: impl IntoIterator<Item = &'l Listener>,
) {
    let ingress = listeners
        .into_iter()
        .map(|l| Ingress {
            ip_protocol: Transport::Tcp,
            from_port: l.balancer_port,
            to_port: l.balancer_port,
            cidr_ip: if internal { b.reference(names::VPC_CIDR) } else { Expr::from("0.0.0.0/0") },
            description: format!("{} listener {}", l.protocol.label(), l.balancer_port),
        })
        .collect();
    let properties = SecurityGroup {
        group_description,
        vpc_id: b.reference(names::VPC_ID),
        security_group_ingress: ingress,
        tags: tags(&plan.app, service),
    };
    b.resource(id, &[], Properties::SecurityGroup(properties));
}

fn load_balancer(b: &mut Builder, plan: &Plan, balancer: &Balancer) -> Result<ClassicLoadBalancer, LowerError> {
    let bug = |what: String| LowerError::Invalid(vec![format!("{}: {what}", balancer_id(balancer))]);
    let h = &balancer.health_check;
    let checked = balancer
        .listeners
        .iter()
        .find(|l| l.balancer_port == h.listener_port)
        .ok_or_else(|| bug(format!("the health check's listener {} does not exist", h.listener_port)))?;
    let port = b.reference(&names::instance_port_parameter(&balancer.service, checked.balancer_port));
    let target = match &h.path {
        Some(path) => {
            // Always a string or `Fn::Sub`: a bare `Ref` in the join would read as a port.
            let path = match path.parts.as_slice() {
                [Part::Parameter(p)] => b.sub(format!("${{{}}}", p.parameter)),
                _ => text_value(b, path),
            };
            HealthTarget::Request { tls: checked.secure, port, path }
        }
        None => HealthTarget::Connect { tls: checked.secure, port },
    };
    let policy_name = names::tls_policy(&balancer.service);
    let mut listeners = Vec::with_capacity(balancer.listeners.len());
    for l in &balancer.listeners {
        listeners.push(listener(b, balancer, l, &policy_name).ok_or_else(|| {
            bug(format!("{} listener {} has no certificate or TLS policy", l.protocol.label(), l.balancer_port))
        })?);
    }
    let mut policies: Vec<ClassicPolicy> = balancer
        .tls_policy
        .iter()
        .map(|reference| ClassicPolicy::SslNegotiation { name: policy_name.clone(), reference: reference.clone() })
        .collect();
    for l in balancer.listeners.iter().filter(|l| l.proxy) {
        policies.push(ClassicPolicy::ProxyProtocol {
            name: names::proxy_policy(&balancer.service, l.balancer_port),
            instance_ports: vec![b.reference(&names::instance_port_parameter(&balancer.service, l.balancer_port))],
        });
    }
    Ok(ClassicLoadBalancer {
        scheme: match balancer.scheme {
            Scheme::Public => ElbScheme::InternetFacing,
            Scheme::Internal => ElbScheme::Internal,
        },
        subnets: b.reference(names::SUBNETS),
        security_groups: vec![b.reference(&names::security_group(&balancer_id(balancer)))],
        cross_zone: true,
        connection_draining_policy: ConnectionDraining { enabled: true, timeout: balancer.draining_timeout },
        connection_settings: ConnectionSettings { idle_timeout: balancer.idle_timeout },
        health_check: ClassicHealthCheck {
            target,
            timeout: h.timeout,
            interval: h.interval,
            healthy_threshold: h.healthy_threshold,
            unhealthy_threshold: h.unhealthy_threshold,
        },
        listeners,
        policies,
        tags: tags(&plan.app, &balancer.service),
    })
}

/// The listener, or `None` when a TLS front end lacks its certificate or the balancer its policy.
fn listener(b: &mut Builder, balancer: &Balancer, l: &Listener, policy_name: &str) -> Option<ClassicListener> {
    let mut tls = || -> Option<ListenerTls> {
        balancer.tls_policy.as_ref()?;
        let certificate = b.reference(&l.certificate.as_ref()?.parameter);
        Some(ListenerTls { certificate, policy_names: vec![policy_name.to_string()] })
    };
    let front = match l.protocol {
        Protocol::Http => Front::Http,
        Protocol::Tcp => Front::Tcp,
        Protocol::Https => Front::Https(tls()?),
        Protocol::Tls => Front::Ssl(tls()?),
    };
    Some(ClassicListener {
        port: l.balancer_port,
        instance_port: b.reference(&names::instance_port_parameter(&balancer.service, l.balancer_port)),
        front,
        back: instance_protocol(l.protocol, l.secure),
    })
}

/// The Classic ELB back end of a listener: HTTP(S) behind http(s), TCP/SSL behind tcp/tls,
/// encrypted when `secure`.
pub fn instance_protocol(protocol: Protocol, secure: bool) -> InstanceProtocol {
    match (protocol.is_http(), secure) {
        (true, false) => InstanceProtocol::Http,
        (true, true) => InstanceProtocol::Https,
        (false, false) => InstanceProtocol::Tcp,
        (false, true) => InstanceProtocol::Ssl,
    }
}

/// The Classic ELB front-end `Protocol` of a listener (`tls` is `SSL` there).
pub fn front_name(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Http => "HTTP",
        Protocol::Https => "HTTPS",
        Protocol::Tcp => "TCP",
        Protocol::Tls => "SSL",
    }
}

/// Declares the task definition and ECS service of `w`, registered with its Classic ELB
/// `own` (the plan's balancer of its service, and the ELB declared for it); returns the ECS
/// service.
fn workload(b: &mut Builder, plan: &Plan, w: &Workload, own: Option<(&Balancer, &Declared)>) -> Declared {
    let (load_balancers, role) = match w.balancer.as_ref().zip(own) {
        Some((target, (_, declared))) => (
            vec![EcsLoadBalancer {
                container_name: w.service.clone(),
                container_port: target.container_port,
                load_balancer_name: Some(b.reference_to(declared)),
                target_group_arn: None,
            }],
            Some(b.reference(names::SERVICE_ROLE)),
        ),
        None => (Vec::new(), None),
    };
    // Registration needs the role's policy attached first, or the first deploy fails.
    let depends: &[&str] = if w.balancer.is_some() { &[names::SERVICE_ROLE_POLICY] } else { &[] };
    ecs_resources(b, plan, w, load_balancers, role, depends, &|service, _| plan.balancer_of(service).map(balancer_id))
}

/// What a secret's parameter accepts: the ARN of an SSM parameter or a Secrets Manager secret,
/// whole. Not a Secrets Manager reference with a JSON key, version stage or version id after
/// it (`…:secret:db-AbCdEf:password::`): the execution role's policy grants the ARN it is
/// given, which such a reference would not match, so the task would fail to start.
const SECRET_ARN_PATTERN: &str =
    "^arn:aws[a-z-]*:(ssm:[a-z0-9-]+:[0-9]{12}:parameter/|secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:)[^:]+$";

/// The role the ECS agent starts a workload's tasks with (none without secrets), and its
/// policy: read exactly the secrets the deploy names, pull the image, write to the app's log
/// group. A customer-managed KMS key on the secrets also needs `kms:Decrypt` for this role,
/// granted in the key's policy.
///
/// Secrets are why the role exists, but once a task definition names an execution role the
/// agent uses it, not the container instance's role, for the rest of the task's start too:
/// the `awslogs` driver's credentials (the agent's `ApplyExecutionRoleLogsAuth`, and AWS's
/// knowledge-center page "ECS container logs in CloudWatch": the instance role serves "EC2
/// launch type tasks without task execution IAM role"; amazon-ecs-agent issue 1395) and ECR
/// pulls where ECS marks a task's ECR authentication `UseExecutionRole` (the agent's
/// `ShouldPullWithExecutionRole`). So a role that could only read secrets would start no
/// task. The grants are those of the managed `AmazonECSTaskExecutionRolePolicy` (AWS, "Amazon
/// ECS task execution IAM role": `ecr:GetAuthorizationToken`, `ecr:BatchCheckLayerAvailability`,
/// `ecr:GetDownloadUrlForLayer`, `ecr:BatchGetImage`, `logs:CreateLogStream`,
/// `logs:PutLogEvents`, all on `*`), narrowed where the template knows the resource.
///
/// Returns the role's ARN and the name of its policy, which the ECS service waits for: a task
/// started before the policy is attached could not read its secrets.
fn execution_role(b: &mut Builder, plan: &Plan, w: &Workload) -> Option<(Expr, String)> {
    if w.container.secrets.is_empty() {
        return None;
    }
    let role = names::execution_role(&w.service);
    let document = |statement| PolicyDocument { version: "2012-10-17", statement };
    let trust = trust("ecs-tasks.amazonaws.com");
    b.resource(
        &role,
        &[],
        Properties::Role(Role {
            description: format!(
                "Lets ECS start the tasks of service {} of app {}: read its secrets, pull its image, write its logs",
                w.service, plan.app
            ),
            assume_role_policy_document: document(vec![trust]),
            path: "/",
        }),
    );
    let parameters: std::collections::BTreeSet<&str> =
        w.container.secrets.iter().map(|s| s.parameter.as_str()).collect();
    let arns = parameters.into_iter().map(|p| b.reference(p)).collect();
    let read = allow(
        Some("ReadSecrets"),
        vec!["ssm:GetParameters", "secretsmanager:GetSecretValue"],
        StatementResource::Arns(arns),
    );
    // `*`: `ecr:GetAuthorizationToken` takes no resource, and the image is a deploy-time
    // parameter that may name a repository of any account or region (or no ECR repository at
    // all, when these grants go unused), so no narrower ARN is known.
    let pull = allow(
        Some("PullImages"),
        vec![
            "ecr:GetAuthorizationToken",
            "ecr:BatchCheckLayerAvailability",
            "ecr:GetDownloadUrlForLayer",
            "ecr:BatchGetImage",
        ],
        StatementResource::All,
    );
    // The containers log only to the app's log group; its `Arn` attribute ends in `:*`, so it
    // also covers the group's log streams, which `logs:PutLogEvents` acts on.
    let log_group = b.get_att(names::LOG_GROUP, "Arn");
    let write_logs = allow(
        Some("WriteLogs"),
        vec!["logs:CreateLogStream", "logs:PutLogEvents"],
        StatementResource::Arns(vec![log_group]),
    );
    let role_name = b.reference(&role);
    let policy = names::role_policy(&role);
    b.resource(
        &policy,
        &[],
        Properties::RolePolicy(RolePolicy {
            // Not the `read-secrets` of the `AWS::IAM::Policy` this replaces on stacks deployed
            // before (see the service role's policy).
            policy_name: "start-tasks",
            role_name,
            policy_document: document(vec![read, pull, write_logs]),
        }),
    );
    Some((b.get_att(&role, "Arn"), policy))
}

/// The task definition and ECS service of a workload, registered with `load_balancers` by
/// `role` (none: ECS's service-linked role), created after `depends`; `balancer_of` names the
/// balancer of a linked service's port (see [`container_definition`]).
pub(super) fn ecs_resources(
    b: &mut Builder,
    plan: &Plan,
    w: &Workload,
    load_balancers: Vec<EcsLoadBalancer>,
    role: Option<Expr>,
    depends: &[&str],
    balancer_of: BalancerOf,
) -> Declared {
    let container = container_definition(b, w, balancer_of);
    let (execution_role_arn, execution_policy) = execution_role(b, plan, w).unzip();
    let task_definition = names::task_definition(&w.service);
    b.resource(
        &task_definition,
        &[],
        Properties::TaskDefinition(TaskDefinition {
            network_mode: "bridge",
            requires_compatibilities: vec!["EC2"],
            execution_role_arn,
            container_definitions: vec![container],
            volumes: task_volumes(w),
            tags: tags(&plan.app, &w.service),
        }),
    );
    let service = EcsService {
        cluster: b.reference(names::CLUSTER),
        launch_type: "EC2",
        task_definition: b.reference(&task_definition),
        scheduling_strategy: w.daemon.then_some("DAEMON"),
        desired_count: (!w.daemon).then_some(w.desired_count),
        deployment_configuration: DeploymentConfiguration {
            minimum_healthy_percent: w.minimum_healthy_percent,
            maximum_percent: w.maximum_percent,
        },
        load_balancers,
        role,
        tags: tags(&plan.app, &w.service),
    };
    let depends: Vec<&str> = depends.iter().copied().chain(execution_policy.as_deref()).collect();
    b.resource(names::ecs_service(&w.service), &depends, Properties::EcsService(service))
}

/// The task's host volumes, one per named volume however many paths mount it.
fn task_volumes(w: &Workload) -> Vec<TaskVolume> {
    let mut seen = std::collections::HashSet::new();
    w.container
        .volumes
        .iter()
        .filter(|v| seen.insert(v.name.as_str()))
        .map(|v| TaskVolume { name: v.name.clone(), host: HostVolume { source_path: v.host_path.clone() } })
        .collect()
}

/// The output of each ECS service's ARN; `services`: the ECS service of each workload, in
/// plan order.
pub(super) fn service_outputs(b: &mut Builder, plan: &Plan, services: &[Declared]) {
    for (w, service) in plan.services.iter().zip(services) {
        let value = b.reference_to(service);
        b.output(names::service_arn_output(&w.service), Some(format!("ARN of the ECS service {}", w.service)), value);
    }
}

/// `services`: the ECS service of each workload; `balancers`: the Classic ELB of each
/// balancer; both in plan order.
fn outputs(b: &mut Builder, plan: &Plan, services: &[Declared], balancers: &[Declared]) {
    service_outputs(b, plan, services);
    for (balancer, declared) in plan.balancers.iter().zip(balancers) {
        let host = b.get_att_of(declared, "DNSName");
        let service = &balancer.service;
        b.output(names::host_output(service), Some(format!("DNS name of the {service} balancer")), host);
        for l in &balancer.listeners {
            b.output(names::port_output(service, l.balancer_port), None, Expr::Str(l.balancer_port.to_string()));
            let name = b.reference_to(declared);
            b.output(names::balancer_name_output(service, l.balancer_port), None, name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Environment, Input};
    use crate::{CompileOptions, compile};

    fn seed_plan() -> Plan {
        plan_of(
            "services:\n  web:\n    image: web\n    ports: [\"80:3000\", \"443:3000\"]\n    labels:\n      - convox.port.443.protocol=https\n",
        )
    }

    fn plan_of(text: &str) -> Plan {
        let input = Input { path: "docker-compose.yml".into(), bytes: text.as_bytes().to_vec() };
        let options = CompileOptions { fallback_app: "t".into(), ..Default::default() };
        compile(vec![input], &Environment::default(), &options).plan.expect("a plan")
    }

    fn problems(plan: &Plan) -> String {
        match lower(plan) {
            Ok(_) => String::new(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_secret_parameter_takes_whole_arns_only_as_its_policy_grants_them() {
        let pattern = regex::Regex::new(SECRET_ARN_PATTERN).expect("a valid pattern");
        for arn in [
            "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/db/password",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf",
            "arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/token",
        ] {
            assert!(pattern.is_match(arn), "{arn} is refused");
        }
        for arn in [
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf:password::",
            "arn:aws:ssm:eu-west-1:123456789012:parameter/",
            "prod/db/password",
        ] {
            assert!(!pattern.is_match(arn), "{arn} is accepted");
        }
    }

    #[test]
    fn the_execution_role_can_read_the_secrets_pull_the_image_and_write_the_logs() {
        let plan = plan_of(
            "secrets:\n  db:\n    external: true\nservices:\n  web:\n    image: web\n    secrets: [db]\n  plain:\n    image: plain\n",
        );
        let template = serde_json::to_value(lower(&plan).expect("a template")).expect("JSON");
        let resources = &template["Resources"];
        let policy = &resources["WebExecutionRolePermissions"];
        assert_eq!(policy["Type"], "AWS::IAM::RolePolicy");
        assert_eq!(policy["Properties"]["RoleName"], serde_json::json!({"Ref": "WebExecutionRole"}));
        let statements = &policy["Properties"]["PolicyDocument"]["Statement"];
        let expected = serde_json::json!([
            {"Sid": "ReadSecrets", "Effect": "Allow", "Action": ["ssm:GetParameters", "secretsmanager:GetSecretValue"],
             "Resource": [{"Ref": "SecretDb"}]},
            {"Sid": "PullImages", "Effect": "Allow",
             "Action": ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
                        "ecr:BatchGetImage"],
             "Resource": "*"},
            {"Sid": "WriteLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": [{"Fn::GetAtt": ["LogGroup", "Arn"]}]}
        ]);
        assert_eq!(statements, &expected);
        // The service starts its tasks once the role may do all that; a service without
        // secrets has no execution role and logs with the instance's role, as before.
        assert_eq!(resources["ServiceWeb"]["DependsOn"], serde_json::json!(["WebExecutionRolePermissions"]));
        assert!(resources.get("PlainExecutionRole").is_none() && resources["ServicePlain"].get("DependsOn").is_none());
        assert!(resources["PlainTaskDefinition"]["Properties"].get("ExecutionRoleArn").is_none());
    }

    #[test]
    fn policies_are_inline_policies_of_one_role_named_apart_from_those_they_replace() {
        // `AWS::IAM::Policy` with one name in every app's stack breaks the second app's
        // deploy; the old names must not be reused (see `RolePolicy`).
        let plan = plan_of(
            "secrets:\n  db:\n    external: true\nservices:\n  web:\n    image: web\n    ports: [\"80:80\"]\n    secrets: [db]\n",
        );
        let template = serde_json::to_value(lower(&plan).expect("a template")).expect("JSON");
        let resources = template["Resources"].as_object().expect("resources");
        let policies: Vec<(&String, &serde_json::Value)> =
            resources.iter().filter(|(_, r)| r["Type"].as_str().is_some_and(|t| t.contains("Policy"))).collect();
        assert_eq!(policies.len(), 2, "{policies:?}");
        for (id, policy) in policies {
            assert_eq!(policy["Type"], "AWS::IAM::RolePolicy", "{id}");
            assert!(!["ServiceRolePolicy", "WebExecutionRolePolicy"].contains(&id.as_str()), "{id} reuses an old ID");
            let name = policy["Properties"]["PolicyName"].as_str().expect("a name");
            assert!(!["register-instances-with-balancers", "read-secrets"].contains(&name), "{id}: {name}");
        }
    }

    #[test]
    fn the_seed_lowers_and_a_plan_missing_what_a_listener_needs_does_not() {
        let plan = seed_plan();
        assert_eq!(problems(&plan), "");
        let mut no_certificate = plan.clone();
        no_certificate.balancers[0].listeners[1].certificate = None;
        assert!(problems(&no_certificate).contains("https listener 443 has no certificate"));
        let mut no_policy = plan.clone();
        no_policy.balancers[0].tls_policy = None;
        assert!(problems(&no_policy).contains("has no certificate or TLS policy"));
        let mut unchecked = plan;
        unchecked.balancers[0].health_check.listener_port = 8;
        assert!(problems(&unchecked).contains("the health check's listener 8 does not exist"));
    }
}
