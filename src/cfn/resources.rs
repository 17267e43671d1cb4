//! Typed properties of the resources compose-cfn emits, each field in the order the templates
//! write it. Enums stand where AWS accepts a closed set, and shapes where a rule is structural:
//! a listener `Protocol` cannot be lower-case, and an HTTPS/SSL listener cannot lack a
//! certificate, because neither can be written.
//!
//! One file: these are plain data declarations, one block per resource type, read together
//! when comparing a lowering with AWS's property reference.

use super::expr::{Expr, Name, as_string};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// One resource: its properties (which name its type) and the resources it is created after.
#[derive(Clone, Debug)]
pub struct Resource {
    /// `DependsOn`.
    pub depends_on: Vec<Name>,
    /// `Type` and `Properties`.
    pub properties: Properties,
}

/// The properties of each resource type compose-cfn emits.
#[derive(Clone, Debug)]
pub enum Properties {
    /// `AWS::Logs::LogGroup`.
    LogGroup(LogGroup),
    /// `AWS::IAM::Role`.
    Role(Role),
    /// `AWS::IAM::RolePolicy`.
    RolePolicy(RolePolicy),
    /// `AWS::EC2::SecurityGroup`.
    SecurityGroup(SecurityGroup),
    /// `AWS::ElasticLoadBalancing::LoadBalancer`.
    ClassicLoadBalancer(ClassicLoadBalancer),
    /// `AWS::ElasticLoadBalancingV2::LoadBalancer` (an Application or Network Load Balancer).
    LoadBalancerV2(LoadBalancerV2),
    /// `AWS::ElasticLoadBalancingV2::Listener`.
    ListenerV2(ListenerV2),
    /// `AWS::ElasticLoadBalancingV2::TargetGroup`.
    TargetGroup(TargetGroup),
    /// `AWS::ECS::TaskDefinition`.
    TaskDefinition(TaskDefinition),
    /// `AWS::ECS::Service`.
    EcsService(EcsService),
    /// `AWS::CloudFormation::WaitConditionHandle`: a resource that does nothing, for a template
    /// that must have one.
    WaitConditionHandle(WaitConditionHandle),
}

impl Properties {
    /// The resource's `Type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Properties::LogGroup(_) => "AWS::Logs::LogGroup",
            Properties::Role(_) => "AWS::IAM::Role",
            Properties::RolePolicy(_) => "AWS::IAM::RolePolicy",
            Properties::SecurityGroup(_) => "AWS::EC2::SecurityGroup",
            Properties::ClassicLoadBalancer(_) => "AWS::ElasticLoadBalancing::LoadBalancer",
            Properties::LoadBalancerV2(_) => "AWS::ElasticLoadBalancingV2::LoadBalancer",
            Properties::ListenerV2(_) => "AWS::ElasticLoadBalancingV2::Listener",
            Properties::TargetGroup(_) => "AWS::ElasticLoadBalancingV2::TargetGroup",
            Properties::TaskDefinition(_) => "AWS::ECS::TaskDefinition",
            Properties::EcsService(_) => "AWS::ECS::Service",
            Properties::WaitConditionHandle(_) => "AWS::CloudFormation::WaitConditionHandle",
        }
    }
}

impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("Type", self.properties.type_name())?;
        if !self.depends_on.is_empty() {
            map.serialize_entry("DependsOn", &self.depends_on)?;
        }
        match &self.properties {
            Properties::LogGroup(p) => map.serialize_entry("Properties", p)?,
            Properties::Role(p) => map.serialize_entry("Properties", p)?,
            Properties::RolePolicy(p) => map.serialize_entry("Properties", p)?,
            Properties::SecurityGroup(p) => map.serialize_entry("Properties", p)?,
            Properties::ClassicLoadBalancer(p) => map.serialize_entry("Properties", p)?,
            Properties::LoadBalancerV2(p) => map.serialize_entry("Properties", p)?,
            Properties::ListenerV2(p) => map.serialize_entry("Properties", p)?,
            Properties::TargetGroup(p) => map.serialize_entry("Properties", p)?,
            Properties::TaskDefinition(p) => map.serialize_entry("Properties", p)?,
            Properties::EcsService(p) => map.serialize_entry("Properties", p)?,
            Properties::WaitConditionHandle(p) => map.serialize_entry("Metadata", p)?,
        }
        map.end()
    }
}

/// A resource tag.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// `Key`.
    pub key: &'static str,
    /// `Value`.
    pub value: String,
}

/// `AWS::Logs::LogGroup`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogGroup {
    /// `RetentionInDays`.
    pub retention_in_days: Expr,
}

/// The metadata of a `WaitConditionHandle` placeholder.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WaitConditionHandle {
    /// Why the template holds only a placeholder.
    pub reason: String,
}

/// `AWS::IAM::Role`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Role {
    /// `Description`.
    pub description: String,
    /// `AssumeRolePolicyDocument`.
    pub assume_role_policy_document: PolicyDocument,
    /// `Path`.
    pub path: &'static str,
}

/// `AWS::IAM::RolePolicy`: an inline policy of one role. Not `AWS::IAM::Policy`, which
/// CloudFormation has refused since 30 January 2026 when another stack holds a policy of the
/// same name (AWS Health notice, quoted in aws-solutions/instance-scheduler-on-aws#624): every
/// app's stack has the same policy names, so a second app could not be deployed.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RolePolicy {
    /// `PolicyName`: unique among the role's inline policies.
    pub policy_name: &'static str,
    /// `RoleName`.
    pub role_name: Expr,
    /// `PolicyDocument`.
    pub policy_document: PolicyDocument,
}

/// An IAM policy document (version 2012-10-17).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    /// `Version`.
    pub version: &'static str,
    /// `Statement`.
    pub statement: Vec<Statement>,
}

/// An `Allow` statement of a policy document (compose-cfn grants, never denies).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    /// `Sid`: what the statement is for, so that a reader of the template need not infer it
    /// from the actions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<&'static str>,
    /// `Effect`: always `Allow`.
    pub effect: &'static str,
    /// `Principal.Service`, for trust policies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<ServicePrincipal>,
    /// `Action`.
    pub action: Vec<&'static str>,
    /// `Resource`, for permission policies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<StatementResource>,
}

/// `Principal: {"Service": [...]}`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServicePrincipal {
    /// `Service`.
    pub service: Vec<&'static str>,
}

/// What a statement applies to.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum StatementResource {
    /// `"*"`: actions that take no resource.
    #[serde(serialize_with = "star")]
    All,
    /// A list of ARNs.
    Arns(Vec<Expr>),
}

fn star<S: Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("*")
}

/// `AWS::EC2::SecurityGroup`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroup {
    /// `GroupDescription`.
    pub group_description: String,
    /// `VpcId`.
    pub vpc_id: Expr,
    /// `SecurityGroupIngress`.
    pub security_group_ingress: Vec<Ingress>,
    /// `Tags`.
    pub tags: Vec<Tag>,
}

/// One TCP ingress rule of a security group.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ingress {
    /// `IpProtocol`.
    pub ip_protocol: Transport,
    /// `FromPort`.
    pub from_port: u16,
    /// `ToPort`.
    pub to_port: u16,
    /// `CidrIp`.
    pub cidr_ip: Expr,
    /// `Description`.
    pub description: String,
}

/// A transport protocol, as security groups and port mappings spell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// `tcp`.
    Tcp,
    /// `udp`.
    Udp,
}

/// `AWS::ElasticLoadBalancing::LoadBalancer` (a Classic ELB).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ClassicLoadBalancer {
    /// `Scheme`.
    pub scheme: ElbScheme,
    /// `Subnets`.
    pub subnets: Expr,
    /// `SecurityGroups`.
    pub security_groups: Vec<Expr>,
    /// `CrossZone`.
    pub cross_zone: bool,
    /// `ConnectionDrainingPolicy`.
    pub connection_draining_policy: ConnectionDraining,
    /// `ConnectionSettings`.
    pub connection_settings: ConnectionSettings,
    /// `HealthCheck`.
    pub health_check: ClassicHealthCheck,
    /// `Listeners`.
    pub listeners: Vec<ClassicListener>,
    /// `Policies`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<ClassicPolicy>,
    /// `Tags`.
    pub tags: Vec<Tag>,
}

/// Who can reach a balancer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ElbScheme {
    /// `internet-facing`.
    #[serde(rename = "internet-facing")]
    InternetFacing,
    /// `internal`.
    #[serde(rename = "internal")]
    Internal,
}

/// `ConnectionDrainingPolicy`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConnectionDraining {
    /// `Enabled`.
    pub enabled: bool,
    /// `Timeout`, seconds.
    pub timeout: u32,
}

/// `ConnectionSettings`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConnectionSettings {
    /// `IdleTimeout`, seconds.
    pub idle_timeout: u32,
}

/// A Classic ELB's `HealthCheck`; its numbers are written as strings.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ClassicHealthCheck {
    /// `Target`.
    pub target: HealthTarget,
    /// `Timeout`, seconds.
    #[serde(serialize_with = "as_string")]
    pub timeout: u32,
    /// `Interval`, seconds.
    #[serde(serialize_with = "as_string")]
    pub interval: u32,
    /// `HealthyThreshold`.
    #[serde(serialize_with = "as_string")]
    pub healthy_threshold: u32,
    /// `UnhealthyThreshold`.
    #[serde(serialize_with = "as_string")]
    pub unhealthy_threshold: u32,
}

/// What a Classic ELB health check probes: `TCP:PORT`/`SSL:PORT` connects, and
/// `HTTP:PORT/path`/`HTTPS:PORT/path` requests, so a path goes only with HTTP(S).
#[derive(Clone, Debug)]
pub enum HealthTarget {
    /// A TCP connection, with TLS when `tls` is set.
    Connect {
        /// `SSL` rather than `TCP`.
        tls: bool,
        /// The instance port.
        port: Expr,
    },
    /// An HTTP request, over TLS when `tls` is set.
    Request {
        /// `HTTPS` rather than `HTTP`.
        tls: bool,
        /// The instance port.
        port: Expr,
        /// The path requested, starting with `/`: a string, or `Fn::Sub` over deploy-time
        /// parameters (never a bare `Ref`, which the join would read as a port).
        path: Expr,
    },
}

impl Serialize for HealthTarget {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // `PROTO:` joined with the port (a parameter) and the path.
        let (prefix, port, path) = match self {
            HealthTarget::Connect { tls, port } => (if *tls { "SSL:" } else { "TCP:" }, port, None),
            HealthTarget::Request { tls, port, path } => (if *tls { "HTTPS:" } else { "HTTP:" }, port, Some(path)),
        };
        let mut parts = vec![Expr::from(prefix), port.clone()];
        parts.extend(path.cloned());
        Expr::Join("", parts).serialize(s)
    }
}

/// A Classic ELB listener's back-end protocol (`InstanceProtocol`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum InstanceProtocol {
    /// `HTTP`.
    Http,
    /// `HTTPS`.
    Https,
    /// `TCP`.
    Tcp,
    /// `SSL`.
    Ssl,
}

impl InstanceProtocol {
    /// The value as written.
    pub fn name(self) -> &'static str {
        match self {
            InstanceProtocol::Http => "HTTP",
            InstanceProtocol::Https => "HTTPS",
            InstanceProtocol::Tcp => "TCP",
            InstanceProtocol::Ssl => "SSL",
        }
    }

    /// True for the layer-7 protocols.
    pub fn is_http(self) -> bool {
        matches!(self, InstanceProtocol::Http | InstanceProtocol::Https)
    }

    /// True when the back end is encrypted.
    pub fn is_secure(self) -> bool {
        matches!(self, InstanceProtocol::Https | InstanceProtocol::Ssl)
    }
}

/// A Classic ELB listener's front end: its `Protocol`, and for HTTPS and SSL the certificate
/// and policies they cannot be without.
#[derive(Clone, Debug)]
pub enum Front {
    /// `HTTP`.
    Http,
    /// `TCP`.
    Tcp,
    /// `HTTPS`, terminated at the balancer.
    Https(ListenerTls),
    /// `SSL`, terminated at the balancer.
    Ssl(ListenerTls),
}

impl Front {
    /// The `Protocol` value.
    pub fn name(&self) -> &'static str {
        match self {
            Front::Http => "HTTP",
            Front::Tcp => "TCP",
            Front::Https(_) => "HTTPS",
            Front::Ssl(_) => "SSL",
        }
    }

    /// True for the layer-7 protocols.
    pub fn is_http(&self) -> bool {
        matches!(self, Front::Http | Front::Https(_))
    }

    /// The TLS settings of an HTTPS/SSL front end.
    pub fn tls(&self) -> Option<&ListenerTls> {
        match self {
            Front::Https(tls) | Front::Ssl(tls) => Some(tls),
            Front::Http | Front::Tcp => None,
        }
    }
}

/// The certificate and negotiation policies of a TLS-terminating listener.
#[derive(Clone, Debug)]
pub struct ListenerTls {
    /// `SSLCertificateId`.
    pub certificate: Expr,
    /// `PolicyNames`.
    pub policy_names: Vec<String>,
}

/// One listener of a Classic ELB.
#[derive(Clone, Debug)]
pub struct ClassicListener {
    /// `LoadBalancerPort`.
    pub port: u16,
    /// `InstancePort`.
    pub instance_port: Expr,
    /// `Protocol`, with what a TLS front end needs.
    pub front: Front,
    /// `InstanceProtocol`.
    pub back: InstanceProtocol,
}

impl Serialize for ClassicListener {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("LoadBalancerPort", &self.port.to_string())?;
        map.serialize_entry("InstancePort", &self.instance_port)?;
        map.serialize_entry("Protocol", self.front.name())?;
        map.serialize_entry("InstanceProtocol", &self.back)?;
        if let Some(tls) = self.front.tls() {
            map.serialize_entry("SSLCertificateId", &tls.certificate)?;
            map.serialize_entry("PolicyNames", &tls.policy_names)?;
        }
        map.end()
    }
}

/// A policy of a Classic ELB.
#[derive(Clone, Debug)]
pub enum ClassicPolicy {
    /// `SSLNegotiationPolicyType` referencing a predefined AWS policy.
    SslNegotiation {
        /// `PolicyName`.
        name: String,
        /// The predefined policy (`Reference-Security-Policy`).
        reference: String,
    },
    /// `ProxyProtocolPolicyType` on some instance ports.
    ProxyProtocol {
        /// `PolicyName`.
        name: String,
        /// `InstancePorts`.
        instance_ports: Vec<Expr>,
    },
}

impl ClassicPolicy {
    /// `PolicyName`.
    pub fn name(&self) -> &str {
        match self {
            ClassicPolicy::SslNegotiation { name, .. } | ClassicPolicy::ProxyProtocol { name, .. } => name,
        }
    }
}

impl Serialize for ClassicPolicy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Attribute<'a> {
            name: &'static str,
            value: &'a str,
        }
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("PolicyName", self.name())?;
        match self {
            ClassicPolicy::SslNegotiation { reference, .. } => {
                map.serialize_entry("PolicyType", "SSLNegotiationPolicyType")?;
                map.serialize_entry(
                    "Attributes",
                    &[Attribute { name: "Reference-Security-Policy", value: reference }],
                )?;
            }
            ClassicPolicy::ProxyProtocol { instance_ports, .. } => {
                map.serialize_entry("PolicyType", "ProxyProtocolPolicyType")?;
                map.serialize_entry("Attributes", &[Attribute { name: "ProxyProtocol", value: "true" }])?;
                map.serialize_entry("InstancePorts", instance_ports)?;
            }
        }
        map.end()
    }
}

/// `AWS::ECS::TaskDefinition` of EC2 tasks in bridge networking.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaskDefinition {
    /// `NetworkMode`.
    pub network_mode: &'static str,
    /// `RequiresCompatibilities`.
    pub requires_compatibilities: Vec<&'static str>,
    /// `ContainerDefinitions`.
    pub container_definitions: Vec<ContainerDefinition>,
    /// `ExecutionRoleArn`: the role ECS uses to read the container's secrets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_role_arn: Option<Expr>,
    /// `Volumes`: host directories the container mounts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<TaskVolume>,
    /// `Tags`.
    pub tags: Vec<Tag>,
}

/// One `Volumes` entry of a task definition: a directory of the container instance.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaskVolume {
    /// `Name`.
    pub name: String,
    /// `Host`.
    pub host: HostVolume,
}

/// `Host` of a task volume.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HostVolume {
    /// `SourcePath`.
    pub source_path: String,
}

/// One `MountPoints` entry of a container.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MountPoint {
    /// `SourceVolume`.
    pub source_volume: String,
    /// `ContainerPath`.
    pub container_path: String,
    /// `ReadOnly`.
    pub read_only: bool,
}

/// One `ContainerDefinitions` entry.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerDefinition {
    /// `Name`.
    pub name: String,
    /// `Image`.
    pub image: Expr,
    /// `Essential`.
    pub essential: bool,
    /// `Command`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<Expr>>,
    /// `EntryPoint`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_point: Option<Vec<Expr>>,
    /// `Environment`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub environment: Vec<EnvironmentVariable>,
    /// `Memory`, MiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<u32>,
    /// `MemoryReservation`, MiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_reservation: Option<u32>,
    /// `Cpu` shares.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<u32>,
    /// `WorkingDirectory`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<Expr>,
    /// `User`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<Expr>,
    /// `Privileged` (written only when set).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub privileged: bool,
    /// `Ulimits`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ulimits: Vec<Ulimit>,
    /// `ExtraHosts`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_hosts: Vec<HostEntry>,
    /// `HealthCheck`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check: Option<ContainerHealthCheck>,
    /// `PortMappings`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub port_mappings: Vec<PortMapping>,
    /// `MountPoints`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mount_points: Vec<MountPoint>,
    /// `Secrets`: variables ECS fills from SSM or Secrets Manager at task start.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<ContainerSecret>,
    /// `LogConfiguration`.
    pub log_configuration: LogConfiguration,
}

/// One `Secrets` entry of a container.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerSecret {
    /// `Name`: the variable.
    pub name: String,
    /// `ValueFrom`: the ARN of the SSM parameter or Secrets Manager secret.
    pub value_from: Expr,
}

/// `{"Name": …, "Value": …}` of a container's environment.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnvironmentVariable {
    /// `Name`.
    pub name: String,
    /// `Value`.
    pub value: Expr,
}

/// A container resource limit.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ulimit {
    /// `Name`.
    pub name: String,
    /// `SoftLimit`.
    pub soft_limit: i64,
    /// `HardLimit`.
    pub hard_limit: i64,
}

/// An `/etc/hosts` entry.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HostEntry {
    /// `Hostname`.
    pub hostname: Expr,
    /// `IpAddress`.
    pub ip_address: Expr,
}

/// A container's own health check.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerHealthCheck {
    /// `Command`.
    pub command: Vec<Expr>,
    /// `Interval`, seconds.
    pub interval: u32,
    /// `Timeout`, seconds.
    pub timeout: u32,
    /// `Retries`.
    pub retries: u32,
    /// `StartPeriod`, seconds.
    pub start_period: u32,
}

/// A container port mapping.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PortMapping {
    /// `ContainerPort`.
    pub container_port: u16,
    /// `Protocol`.
    pub protocol: Transport,
    /// `HostPort`; none: Docker picks one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_port: Option<Expr>,
}

/// `LogConfiguration` with the `awslogs` driver.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogConfiguration {
    /// `LogDriver`.
    pub log_driver: &'static str,
    /// `Options`.
    pub options: AwsLogsOptions,
}

/// The `awslogs` driver's options.
#[derive(Clone, Debug, Serialize)]
pub struct AwsLogsOptions {
    /// `awslogs-group`.
    #[serde(rename = "awslogs-group")]
    pub group: Expr,
    /// `awslogs-region`.
    #[serde(rename = "awslogs-region")]
    pub region: Expr,
    /// `awslogs-stream-prefix`.
    #[serde(rename = "awslogs-stream-prefix")]
    pub stream_prefix: String,
}

/// `AWS::ECS::Service` on EC2.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EcsService {
    /// `Cluster`.
    pub cluster: Expr,
    /// `LaunchType`.
    pub launch_type: &'static str,
    /// `TaskDefinition`.
    pub task_definition: Expr,
    /// `SchedulingStrategy`: `DAEMON` for one task per instance; absent is ECS's `REPLICA`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduling_strategy: Option<&'static str>,
    /// `DesiredCount`; a daemon has none (ECS refuses one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired_count: Option<u32>,
    /// `DeploymentConfiguration`.
    pub deployment_configuration: DeploymentConfiguration,
    /// `LoadBalancers`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub load_balancers: Vec<EcsLoadBalancer>,
    /// `Role`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Expr>,
    /// `Tags`.
    pub tags: Vec<Tag>,
}

/// `DeploymentConfiguration`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeploymentConfiguration {
    /// `MinimumHealthyPercent`.
    pub minimum_healthy_percent: u32,
    /// `MaximumPercent`.
    pub maximum_percent: u32,
}

/// One `LoadBalancers` entry of an ECS service: a container port behind a Classic ELB (by
/// name) or in an ELBv2 target group (by ARN).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EcsLoadBalancer {
    /// `ContainerName`.
    pub container_name: String,
    /// `ContainerPort`.
    pub container_port: u16,
    /// `LoadBalancerName` (Classic).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_balancer_name: Option<Expr>,
    /// `TargetGroupArn` (ELBv2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_group_arn: Option<Expr>,
}

/// `AWS::ElasticLoadBalancingV2::LoadBalancer`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoadBalancerV2 {
    /// `Type`.
    #[serde(rename = "Type")]
    pub kind: BalancerKind,
    /// `Scheme`.
    pub scheme: ElbScheme,
    /// `Subnets`.
    pub subnets: Expr,
    /// `SecurityGroups`.
    pub security_groups: Vec<Expr>,
    /// `LoadBalancerAttributes`.
    pub load_balancer_attributes: Vec<Attribute>,
    /// `Tags`.
    pub tags: Vec<Tag>,
}

/// The two kinds of ELBv2 balancer compose-cfn emits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BalancerKind {
    /// An Application Load Balancer (layer 7: http, https).
    Application,
    /// A Network Load Balancer (layer 4: tcp, tls).
    Network,
}

/// A `Key`/`Value` attribute of an ELBv2 balancer or target group.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Attribute {
    /// `Key`.
    pub key: &'static str,
    /// `Value` (always a string in CloudFormation).
    pub value: String,
}

/// An ELBv2 listener or target group protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ProtocolV2 {
    /// `HTTP`.
    #[serde(rename = "HTTP")]
    Http,
    /// `HTTPS`.
    #[serde(rename = "HTTPS")]
    Https,
    /// `TCP`.
    #[serde(rename = "TCP")]
    Tcp,
    /// `TLS`.
    #[serde(rename = "TLS")]
    Tls,
}

/// `AWS::ElasticLoadBalancingV2::Listener`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListenerV2 {
    /// `LoadBalancerArn`.
    pub load_balancer_arn: Expr,
    /// `Port`.
    pub port: u16,
    /// `Protocol` and, for HTTPS and TLS, `SslPolicy` and `Certificates`.
    #[serde(flatten)]
    pub front: FrontV2,
    /// `DefaultActions`.
    pub default_actions: Vec<Action>,
    /// `ListenerAttributes` (an NLB TCP listener's `tcp.idle_timeout.seconds`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub listener_attributes: Vec<Attribute>,
}

/// A listener's protocol; an HTTPS or TLS one cannot be written without its certificate and
/// policy.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "Protocol")]
pub enum FrontV2 {
    /// `HTTP`.
    #[serde(rename = "HTTP")]
    Http,
    /// `TCP`.
    #[serde(rename = "TCP")]
    Tcp,
    /// `HTTPS`.
    #[serde(rename = "HTTPS")]
    Https(TlsV2),
    /// `TLS`.
    #[serde(rename = "TLS")]
    Tls(TlsV2),
}

/// What a listener that terminates TLS needs.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TlsV2 {
    /// `SslPolicy`: a predefined ELBv2 security policy.
    pub ssl_policy: String,
    /// `Certificates`: the default certificate.
    pub certificates: Vec<CertificateV2>,
}

/// One `Certificates` entry.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CertificateV2 {
    /// `CertificateArn`.
    pub certificate_arn: Expr,
}

/// A listener's default action.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "Type")]
pub enum Action {
    /// Forward to a target group.
    #[serde(rename = "forward")]
    Forward {
        /// `TargetGroupArn`.
        #[serde(rename = "TargetGroupArn")]
        target_group_arn: Expr,
    },
    /// A permanent redirect to HTTPS on another port.
    #[serde(rename = "redirect")]
    Redirect {
        /// `RedirectConfig`.
        #[serde(rename = "RedirectConfig")]
        redirect_config: RedirectConfig,
    },
}

/// `RedirectConfig` of a redirect action.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RedirectConfig {
    /// `Protocol`.
    pub protocol: ProtocolV2,
    /// `Port` (a string in CloudFormation).
    #[serde(serialize_with = "as_string")]
    pub port: u16,
    /// `StatusCode`: `HTTP_301`.
    pub status_code: &'static str,
}

/// `AWS::ElasticLoadBalancingV2::TargetGroup` of EC2 instances, which ECS registers at the
/// host port it picks.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetGroup {
    /// `Port` (ECS registers each task at its own host port; this is only the default).
    pub port: u16,
    /// `Protocol`.
    pub protocol: ProtocolV2,
    /// `VpcId`.
    pub vpc_id: Expr,
    /// `TargetType`.
    pub target_type: &'static str,
    /// `HealthCheckEnabled`.
    pub health_check_enabled: bool,
    /// `HealthCheckProtocol`.
    pub health_check_protocol: ProtocolV2,
    /// `HealthCheckPath` (HTTP and HTTPS checks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check_path: Option<Expr>,
    /// `HealthCheckIntervalSeconds`.
    pub health_check_interval_seconds: u32,
    /// `HealthCheckTimeoutSeconds`.
    pub health_check_timeout_seconds: u32,
    /// `HealthyThresholdCount`.
    pub healthy_threshold_count: u32,
    /// `UnhealthyThresholdCount`.
    pub unhealthy_threshold_count: u32,
    /// `Matcher` (HTTP and HTTPS checks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matcher: Option<Matcher>,
    /// `TargetGroupAttributes`.
    pub target_group_attributes: Vec<Attribute>,
    /// `Tags`.
    pub tags: Vec<Tag>,
}

/// The HTTP codes a health check accepts.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Matcher {
    /// `HttpCode`, e.g. `200-399`.
    pub http_code: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn port() -> Expr {
        Expr::Ref(Name("P".into()))
    }

    #[test]
    fn a_tls_listener_writes_its_certificate_after_its_protocols() {
        let tls = ListenerTls { certificate: Expr::Ref(Name("Cert".into())), policy_names: vec!["Tls".into()] };
        let listener =
            ClassicListener { port: 443, instance_port: port(), front: Front::Ssl(tls), back: InstanceProtocol::Tcp };
        let text = serde_json::to_string(&listener).unwrap();
        assert_eq!(
            text,
            r#"{"LoadBalancerPort":"443","InstancePort":{"Ref":"P"},"Protocol":"SSL","InstanceProtocol":"TCP","SSLCertificateId":{"Ref":"Cert"},"PolicyNames":["Tls"]}"#
        );
        let plain = ClassicListener { port: 80, front: Front::Http, back: InstanceProtocol::Http, ..listener };
        assert_eq!(
            serde_json::to_value(&plain).unwrap(),
            json!({"LoadBalancerPort": "80", "InstancePort": {"Ref": "P"}, "Protocol": "HTTP", "InstanceProtocol": "HTTP"})
        );
    }

    #[test]
    fn health_targets_join_protocol_port_and_path() {
        let request = HealthTarget::Request { tls: true, port: port(), path: Expr::from("/up") };
        assert_eq!(serde_json::to_value(&request).unwrap(), json!({"Fn::Join": ["", ["HTTPS:", {"Ref": "P"}, "/up"]]}));
        let connect = HealthTarget::Connect { tls: false, port: port() };
        assert_eq!(serde_json::to_value(&connect).unwrap(), json!({"Fn::Join": ["", ["TCP:", {"Ref": "P"}]]}));
    }

    #[test]
    fn policies_and_statements_have_their_fixed_shapes() {
        let proxy = ClassicPolicy::ProxyProtocol { name: "Proxy".into(), instance_ports: vec![port()] };
        assert_eq!(
            serde_json::to_value(&proxy).unwrap(),
            json!({"PolicyName": "Proxy", "PolicyType": "ProxyProtocolPolicyType",
                   "Attributes": [{"Name": "ProxyProtocol", "Value": "true"}], "InstancePorts": [{"Ref": "P"}]})
        );
        let all = Statement {
            sid: None,
            effect: "Allow",
            principal: None,
            action: vec!["a:B"],
            resource: Some(StatementResource::All),
        };
        assert_eq!(serde_json::to_value(&all).unwrap(), json!({"Effect": "Allow", "Action": ["a:B"], "Resource": "*"}));
        let named = Statement { sid: Some("Why"), ..all };
        assert_eq!(
            serde_json::to_value(&named).unwrap(),
            json!({"Sid": "Why", "Effect": "Allow", "Action": ["a:B"], "Resource": "*"})
        );
        let handle = Resource {
            depends_on: vec![Name("X".into())],
            properties: Properties::WaitConditionHandle(WaitConditionHandle { reason: "r".into() }),
        };
        assert_eq!(
            serde_json::to_value(&handle).unwrap(),
            json!({"Type": "AWS::CloudFormation::WaitConditionHandle", "DependsOn": ["X"], "Metadata": {"Reason": "r"}})
        );
    }
}
