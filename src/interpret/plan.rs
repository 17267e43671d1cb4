//! The plan: what the manifest asks for — services, their ports and exposure, protocols, TLS,
//! health, timeouts, certificates, containers — before any balancer target's resources or
//! CloudFormation syntax. Protocols are the label's words; each lowering chooses its own, and
//! names every resource, output and instance-port parameter it declares (`lower::names`).
//! The plan names only the deploy inputs every target shares: the parameters the deploy stage
//! fills (certificates, built images, Compose secrets, variables of the environment).
//!
//! One file past 400 lines: it is the plan's data declarations (and its JSON contract), read
//! together; the logic that fills them is in the other modules of `interpret`.

use schemars::JsonSchema;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub use super::text::{DeployParameter, Part, Text};

/// The version of the plan's JSON form (`plan --format json`, `schema --plan`): raised whenever
/// a field is removed or changes meaning, since tools read it.
///
/// Version 2 dropped the CloudFormation names of resources, outputs and instance ports
/// (`logical_id`, `security_group_id`, `host_output`, `port_output`, `balancer_name_output`,
/// `task_definition_id`, `service_id`, `arn_output`, the instance port's `parameter`), which
/// are the lowering's to choose: links and host ports now name the service and balancer port.
pub const PLAN_VERSION: u32 = 2;

/// The public JSON form of a plan (`plan --format json`): its version, then the plan.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PlanDocument<'a> {
    /// The version of this form ([`PLAN_VERSION`]).
    pub version: u32,
    /// The plan.
    #[serde(flatten)]
    pub plan: &'a Plan,
}

impl<'a> PlanDocument<'a> {
    /// The plan in its current JSON form.
    pub fn new(plan: &'a Plan) -> Self {
        PlanDocument { version: PLAN_VERSION, plan }
    }
}

/// Every balancer of one app.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Plan {
    /// The app name (tags, description).
    pub app: String,
    /// The balancer target the plan was interpreted for (`--balancer`, `x-compose-cfn`).
    #[serde(rename = "balancer")]
    pub target: Target,
    /// One balancer per balanced service, sorted by service name.
    pub balancers: Vec<Balancer>,
    /// One ECS task definition and service per enabled service, sorted by service name.
    pub services: Vec<Workload>,
}

/// The balancer technology a plan is meant for (`--balancer`, or `x-compose-cfn: {balancer: …}`):
/// the labels each accepts differ, so the interpreter knows it too.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// One Classic ELB per balanced service (the Convox generation 1 behaviour).
    #[default]
    Classic,
    /// Application Load Balancers for http/https ports, Network Load Balancers for tcp/tls,
    /// public and internal ports on separate balancers, one target group per listener.
    V2,
}

impl Target {
    /// The spelling of `--balancer` and of `x-compose-cfn: {balancer: …}`.
    pub fn name(self) -> &'static str {
        match self {
            Target::Classic => "classic",
            Target::V2 => "v2",
        }
    }

    /// Parses that spelling.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "classic" => Some(Target::Classic),
            "v2" => Some(Target::V2),
            _ => None,
        }
    }

    /// The other target, for errors that name where a label belongs.
    pub fn other(self) -> Self {
        match self {
            Target::Classic => Target::V2,
            Target::V2 => Target::Classic,
        }
    }
}

/// Who can reach a balancer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// Internet-facing.
    Public,
    /// Reachable only inside the VPC.
    Internal,
}

/// The load balancing of one service: its listeners, health check and timeouts (one Classic
/// ELB, or on v2 one balancer per kind and exposure).
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Balancer {
    /// The compose service name.
    pub service: String,
    /// Public or internal.
    pub scheme: Scheme,
    /// One listener per balancer port, sorted by port.
    pub listeners: Vec<Listener>,
    /// The balancer's health check.
    pub health_check: HealthCheck,
    /// `ConnectionSettings.IdleTimeout`, seconds.
    pub idle_timeout: u32,
    /// `ConnectionDrainingPolicy.Timeout`, seconds.
    pub draining_timeout: u32,
    /// The predefined TLS security policy of the listeners that terminate TLS (`convox.tls.policy`
    /// or its default); none when no listener terminates TLS.
    pub tls_policy: Option<String>,
}

/// A listener's protocol as the `convox.port.N.protocol` label names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// Plain HTTP (layer 7).
    Http,
    /// HTTP over TLS, terminated at the balancer.
    Https,
    /// Plain TCP (layer 4).
    Tcp,
    /// TLS terminated at the balancer, layer 4.
    Tls,
}

impl Protocol {
    /// True when the balancer terminates TLS and so needs a certificate.
    pub fn terminates_tls(self) -> bool {
        matches!(self, Protocol::Https | Protocol::Tls)
    }

    /// True for the layer-7 protocols.
    pub fn is_http(self) -> bool {
        matches!(self, Protocol::Http | Protocol::Https)
    }

    /// The label spelling (`http`, `https`, `tcp` or `tls`).
    pub fn label(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Https => "https",
            Protocol::Tcp => "tcp",
            Protocol::Tls => "tls",
        }
    }

    /// Parses the label spelling.
    pub fn from_label(s: &str) -> Option<Self> {
        match s {
            "http" => Some(Protocol::Http),
            "https" => Some(Protocol::Https),
            "tcp" => Some(Protocol::Tcp),
            "tls" => Some(Protocol::Tls),
            _ => None,
        }
    }
}

/// One listener: balancer port → instance port → container port.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Listener {
    /// The port the balancer listens on.
    pub balancer_port: u16,
    /// The container port traffic ends at.
    pub container_port: u16,
    /// Front-end protocol, as the label names it.
    pub protocol: Protocol,
    /// True when traffic is re-encrypted to the container.
    pub secure: bool,
    /// True when the PROXY protocol header is sent.
    pub proxy: bool,
    /// The host port on the container instances (Classic), derived deterministically: the
    /// default of the template parameter the Classic lowering names after the listener.
    pub instance_port: u16,
    /// The certificate, for https and tls listeners.
    pub certificate: Option<CertificateRef>,
    /// True for a port with no host port (a bare `CONTAINER`): only the VPC reaches it. On
    /// Classic the whole balancer is then internal; on v2 the listener goes on an internal one.
    pub internal: bool,
    /// `convox.port.N.ssl_policy` (v2): this listener's TLS policy, overriding the balancer's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl_policy: Option<String>,
    /// `convox.port.N.redirect` (v2): the https port an http listener permanently redirects to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect: Option<u16>,
}

/// Where an https/tls listener's certificate comes from.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct CertificateRef {
    /// Parameter name (`<Service>Port<N>Certificate`).
    pub parameter: String,
    /// The ARN bound at compile time; `None`: a self-signed certificate is supplied at deploy.
    pub arn: Option<String>,
}

/// The balancer's health check: a request for `path` when one is set, else a connection, to
/// the back end of one listener (over TLS when that listener's back end is `secure`).
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct HealthCheck {
    /// The balancer port of the listener whose back end is checked.
    pub listener_port: u16,
    /// The path requested (its variables filled at deploy time); none: the check only connects.
    pub path: Option<Text>,
    /// Seconds.
    pub timeout: u32,
    /// Seconds.
    pub interval: u32,
    /// Passing checks to become healthy.
    pub healthy_threshold: u32,
    /// Failing checks to become unhealthy.
    pub unhealthy_threshold: u32,
}

/// The ECS side of one service: its task definition and its ECS service.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Workload {
    /// The compose service name (also the container's name).
    pub service: String,
    /// Where the service is named in the compose file, for diagnostics about the names a
    /// lowering derives from it. Not part of the plan's JSON.
    #[serde(skip)]
    #[schemars(skip)]
    pub name_span: Option<crate::source::Span>,
    /// The image to run.
    pub image: Image,
    /// `DesiredCount` (`convox.scale`, else `deploy.replicas`, else 1); unused by a daemon.
    pub desired_count: u32,
    /// Whether the manifest sets the count (else it is the default 1): adopting a live stack
    /// keeps the live count unless the manifest sets one. Not part of the plan's JSON.
    #[serde(skip)]
    #[schemars(skip)]
    pub count_set: bool,
    /// Whether the manifest sizes the container (`cpu_shares`, `mem_limit`, `mem_reservation`):
    /// adopting a live stack keeps the live cpu and memory unless it does. Not in the plan's JSON.
    #[serde(skip)]
    #[schemars(skip)]
    pub sized: bool,
    /// `convox.agent=true`: one task on every container instance (ECS `DAEMON` scheduling).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub daemon: bool,
    /// `DeploymentConfiguration.MinimumHealthyPercent` (`convox.deployment.minimum`).
    pub minimum_healthy_percent: u32,
    /// `DeploymentConfiguration.MaximumPercent` (`convox.deployment.maximum`).
    pub maximum_percent: u32,
    /// The balancer that registers this service's container instances, if any.
    pub balancer: Option<BalancerTarget>,
    /// The one container of the task.
    pub container: Container,
}

/// The image a container runs.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Image {
    /// `image:` as written (its variables filled at deploy time).
    Literal {
        /// The image reference.
        name: Text,
    },
    /// Built by the deploy stage (`build:`, or no image at all) and passed as a parameter.
    Parameter {
        /// The parameter (`<Service>Image`).
        parameter: String,
        /// The build context, when `build:` names one.
        build: Option<String>,
        /// `build.dockerfile` (or v1's service-level `dockerfile:`), relative to the context.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dockerfile: Option<String>,
        /// `build.target`: the stage of a multi-stage Dockerfile.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
        /// `build.args` as written in the file (`${VAR}` unexpanded, so no value from the
        /// environment is recorded); `None` for a bare `KEY`, taken from the deploy environment.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        args: BTreeMap<String, Option<String>>,
    },
}

/// How an ECS service reaches its own balancer.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct BalancerTarget {
    /// The container port ECS associates with the balancer (that of the health-checked listener).
    pub container_port: u16,
}

/// A task's container, in ECS terms.
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
pub struct Container {
    /// `Command` (`command:`).
    pub command: Option<Vec<Text>>,
    /// `EntryPoint` (`entrypoint:`).
    pub entrypoint: Option<Vec<Text>>,
    /// `Environment`, sorted by name.
    pub environment: Vec<EnvEntry>,
    /// `Memory`, MiB (`mem_limit`).
    pub memory_mib: Option<u32>,
    /// `MemoryReservation`, MiB (`mem_reservation`; 256 when neither is given, as ECS needs one).
    pub memory_reservation_mib: Option<u32>,
    /// `Cpu` shares (`cpu_shares`).
    pub cpu_shares: Option<u32>,
    /// `WorkingDirectory` (`working_dir`).
    pub working_dir: Option<Text>,
    /// `User` (`user`).
    pub user: Option<Text>,
    /// `Privileged` (`privileged`).
    pub privileged: bool,
    /// `Ulimits` (`ulimits`).
    pub ulimits: Vec<Ulimit>,
    /// `ExtraHosts` (`extra_hosts`).
    pub extra_hosts: Vec<ExtraHost>,
    /// `HealthCheck` (`healthcheck`).
    pub health_check: Option<ContainerHealthCheck>,
    /// `PortMappings`: listener instance ports, UDP and unbalanced ports.
    pub port_mappings: Vec<PortMap>,
    /// `MountPoints` and the task's host `Volumes`: named volumes under `/volumes/<app>/`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<VolumeMount>,
    /// `Secrets` (`secrets:`): variables ECS fills at task start from an SSM parameter or a
    /// Secrets Manager secret, sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<ContainerSecret>,
}

/// A variable ECS fills from a secret store when the task starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ContainerSecret {
    /// The variable (`target`, else the secret's name).
    pub name: String,
    /// The Compose secret.
    pub secret: String,
    /// The template parameter holding the ARN of its SSM parameter or Secrets Manager secret.
    pub parameter: String,
}

/// A named volume mounted in the container, from a directory of the container instance.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct VolumeMount {
    /// The task volume's name (the compose volume's, with characters ECS refuses as `-`).
    pub name: String,
    /// The directory on the instance (`/volumes/<app>/<volume>`).
    pub host_path: String,
    /// Where the container sees it.
    pub container_path: String,
    /// `:ro` / `read_only: true`.
    pub read_only: bool,
}

/// One environment variable of a container.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct EnvEntry {
    /// The variable name.
    pub name: String,
    /// Its value.
    pub value: EnvSource,
}

/// Where an environment variable's value comes from in the template.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EnvSource {
    /// Written in the manifest, its variables (and a bare `KEY`) filled at deploy time.
    Text {
        /// The value.
        text: Text,
    },
    /// The DNS name of a linked service's balancer (`links:`): that of the balancer carrying
    /// its health-checked listener.
    BalancerHost {
        /// The linked service.
        service: String,
        /// The balancer port of the listener whose balancer is meant.
        port: u16,
    },
    /// `scheme://[user_info@]host:port[path]` of a linked service's balancer (`links:`).
    BalancerUrl {
        /// The linked service.
        service: String,
        /// The linked service's `LINK_SCHEME`, else `http`, `https`, `tcp` or `tls`.
        scheme: String,
        /// The balancer port.
        port: u16,
        /// `username:password` from the linked service's `LINK_USERNAME`/`LINK_PASSWORD`
        /// (deploy-time text: a password from the environment stays a parameter).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_info: Option<Text>,
        /// The linked service's `LINK_PATH`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path: Option<Text>,
    },
}

impl EnvSource {
    /// The deploy-time texts of the value (a URL's user and path too).
    pub fn texts(&self) -> impl Iterator<Item = &Text> {
        let (text, user_info, path) = match self {
            EnvSource::Text { text } => (Some(text), None, None),
            EnvSource::BalancerUrl { user_info, path, .. } => (None, user_info.as_ref(), path.as_ref()),
            EnvSource::BalancerHost { .. } => (None, None, None),
        };
        text.into_iter().chain(user_info).chain(path)
    }
}

/// A resource limit.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Ulimit {
    /// The limit's name (`nofile`, `nproc`, …).
    pub name: String,
    /// Soft limit.
    pub soft: i64,
    /// Hard limit.
    pub hard: i64,
}

/// An `/etc/hosts` entry.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct ExtraHost {
    /// The host name.
    pub hostname: Text,
    /// Its IP address (checked at compile time when written out).
    pub ip: Text,
}

/// The container's own health check.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct ContainerHealthCheck {
    /// `["CMD", …]` or `["CMD-SHELL", "…"]`.
    pub command: Vec<Text>,
    /// Seconds (5–300).
    pub interval: u32,
    /// Seconds (2–60).
    pub timeout: u32,
    /// 1–10.
    pub retries: u32,
    /// Seconds (0–300).
    pub start_period: u32,
}

/// A container port mapping.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct PortMap {
    /// The container port.
    pub container_port: u16,
    /// The host port.
    pub host_port: HostPort,
    /// `tcp` or `udp`.
    pub protocol: String,
}

/// The host side of a container port mapping.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HostPort {
    /// The instance port of this service's listener on `balancer_port` (Classic: a template
    /// parameter; v2 registers a dynamic host port instead).
    Listener {
        /// The listener's balancer port.
        balancer_port: u16,
    },
    /// A fixed host port: a published port of an unbalanced service, or any UDP port.
    Fixed {
        /// The port.
        port: u16,
    },
    /// No host port: Docker picks one (unpublished TCP ports of an unbalanced service).
    Dynamic,
}

impl Workload {
    /// Every deploy-time text of the workload (image, command, environment, container settings).
    pub fn texts(&self) -> impl Iterator<Item = &Text> {
        let c = &self.container;
        let image = match &self.image {
            Image::Literal { name } => Some(name),
            Image::Parameter { .. } => None,
        };
        let env = c.environment.iter().flat_map(|e| e.value.texts());
        image
            .into_iter()
            .chain(c.command.iter().flatten())
            .chain(c.entrypoint.iter().flatten())
            .chain(env)
            .chain(c.working_dir.iter())
            .chain(c.user.iter())
            .chain(c.extra_hosts.iter().flat_map(|h| [&h.hostname, &h.ip]))
            .chain(c.health_check.iter().flat_map(|h| h.command.iter()))
    }
}

impl Plan {
    /// The services whose task count the manifest sets, which adopting a live stack does not
    /// replace with the live count.
    pub fn scaled_services(&self) -> BTreeSet<&str> {
        self.services.iter().filter(|w| w.count_set).map(|w| w.service.as_str()).collect()
    }

    /// The services whose container the manifest sizes, which adopting a live stack does not
    /// give the live cpu and memory.
    pub fn sized_services(&self) -> BTreeSet<&str> {
        self.services.iter().filter(|w| w.sized).map(|w| w.service.as_str()).collect()
    }

    /// The balancer of `service`, if it has one (balancers are sorted by service name).
    pub fn balancer_of(&self, service: &str) -> Option<&Balancer> {
        let i = self.balancers.binary_search_by(|b| b.service.as_str().cmp(service)).ok()?;
        Some(&self.balancers[i])
    }

    /// The workload of `service`, if it is enabled (workloads are sorted by service name).
    pub fn workload_of(&self, service: &str) -> Option<&Workload> {
        let i = self.services.binary_search_by(|w| w.service.as_str().cmp(service)).ok()?;
        Some(&self.services[i])
    }

    /// Every deploy-time parameter, by logical ID, with the services using it. A logical ID
    /// given to two different parameters (a collision of names) lists both; the interpreter
    /// reports that as an error, so a rendered plan has one per ID.
    pub fn deploy_parameters(&self) -> BTreeMap<&str, Vec<(&DeployParameter, BTreeSet<&str>)>> {
        let mut out: BTreeMap<&str, Vec<(&DeployParameter, BTreeSet<&str>)>> = BTreeMap::new();
        let balancer_texts =
            self.balancers.iter().filter_map(|b| b.health_check.path.as_ref().map(|p| (b.service.as_str(), p)));
        let workload_texts = self.services.iter().flat_map(|w| w.texts().map(move |t| (w.service.as_str(), t)));
        for (service, text) in balancer_texts.chain(workload_texts) {
            for p in text.parameters() {
                let entries = out.entry(p.parameter.as_str()).or_default();
                match entries.iter_mut().find(|(q, _)| *q == p) {
                    Some((_, services)) => {
                        services.insert(service);
                    }
                    None => entries.push((p, BTreeSet::from([service]))),
                }
            }
        }
        out
    }
}
