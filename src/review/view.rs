//! A compiled template read back into what a reviewer cares about: balancers by service,
//! listeners by port, and every resource by logical ID — so that `diff` works on any template,
//! compiled now or by an older version, and on resources it does not understand.
//!
//! A little past 400 lines: reading a template back is one walk over its resources, with its
//! tests (a v2 template's balancers are read in `view/v2.rs`).

mod service;
mod v2;

pub use service::{ContainerView, ECS_SERVICE, EnvValue, ServiceView, TASK_DEFINITION, shown};
pub use v2::{LOAD_BALANCER_V2, Technology};

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The CloudFormation type of a Classic Load Balancer.
pub const LOAD_BALANCER: &str = "AWS::ElasticLoadBalancing::LoadBalancer";

/// Why a text is not a template this tool can review.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    /// Not JSON at all.
    #[error("not a JSON template: {0}")]
    Json(#[from] serde_json::Error),
    /// JSON, but without the shape of a CloudFormation template.
    #[error("not a CloudFormation template: {0}")]
    Shape(String),
}

/// One resource, as CloudFormation sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    /// `Type`, e.g. `AWS::EC2::SecurityGroup`.
    pub kind: String,
    /// `Properties` (an empty object when absent).
    pub properties: Map<String, Value>,
    /// Its other keys: `Condition`, `DependsOn`, `DeletionPolicy`, `UpdateReplacePolicy`,
    /// `Metadata`, … — a change of one is a change of the stack, though not of the resource.
    pub attributes: Map<String, Value>,
}

/// Who can reach a listener.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exposure {
    /// An internet-facing balancer.
    Internet,
    /// An internal balancer: only inside the VPC.
    Vpc,
}

/// Where a TLS listener's certificate comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Certificate {
    /// No certificate: the listener does not terminate TLS.
    None,
    /// A parameter without a default: a self-signed certificate is supplied at deploy.
    AtDeploy {
        /// The parameter's name.
        parameter: String,
    },
    /// An ARN fixed in the template (a parameter default or a literal).
    Arn(String),
}

impl Certificate {
    /// How the plan table and diff show it.
    pub fn describe(&self) -> String {
        match self {
            Certificate::None => "none".into(),
            Certificate::AtDeploy { .. } => "self-signed at deploy".into(),
            Certificate::Arn(arn) => arn.clone(),
        }
    }
}

/// One listener, read from the template.
#[derive(Clone, Debug, PartialEq)]
pub struct ListenerView {
    /// `LoadBalancerPort`.
    pub port: u16,
    /// The container port, when the template says (the instance port parameter's description).
    pub container_port: Option<u16>,
    /// ELB `Protocol`: HTTP, HTTPS, TCP or SSL.
    pub protocol: String,
    /// ELB `InstanceProtocol`.
    pub instance_protocol: String,
    /// The instance port: the parameter's default, or the literal.
    pub instance_port: String,
    /// The certificate.
    pub certificate: Certificate,
    /// True when a proxy protocol policy covers this listener's instance port.
    pub proxy: bool,
    /// Internet or VPC.
    pub exposure: Exposure,
    /// The security group's sources for this port (CIDRs, or `Ref Param` when not literal).
    pub sources: Vec<String>,
    /// The parameters the listener references (instance port, certificate).
    pub parameters: Vec<String>,
}

/// One Classic ELB, read from the template.
#[derive(Clone, Debug, PartialEq)]
pub struct BalancerView {
    /// The service it serves (its `Service` tag, else its logical ID).
    pub service: String,
    /// Its logical ID.
    pub logical_id: String,
    /// `Scheme` (`internet-facing` when absent, as AWS defaults it).
    pub scheme: String,
    /// Listeners by balancer port.
    pub listeners: BTreeMap<u16, ListenerView>,
    /// The health check in one line, e.g. `HTTPS on port 443 /healthz`.
    pub health_target: String,
    /// Timeout, interval, healthy and unhealthy thresholds.
    pub health_timing: [String; 4],
    /// `ConnectionSettings.IdleTimeout`.
    pub idle_timeout: String,
    /// `ConnectionDrainingPolicy.Timeout` (`off` when disabled).
    pub draining_timeout: String,
    /// The referenced predefined SSL negotiation policy, when any listener has one.
    pub tls_policy: Option<String>,
    /// Classic ELB or ELBv2.
    pub technology: Technology,
}

/// A whole template, read for review.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StackView {
    /// Every resource by logical ID.
    pub resources: BTreeMap<String, Resource>,
    /// Every parameter by name.
    pub parameters: BTreeMap<String, Value>,
    /// Every output by name.
    pub outputs: BTreeMap<String, Value>,
    /// Top-level keys other than the three above (`Description`, `Metadata`, …).
    pub other: BTreeMap<String, Value>,
    /// The balancers, by service (a service's ELBv2 balancers as one).
    pub balancers: BTreeMap<String, BalancerView>,
    /// The ECS services, by logical ID.
    pub services: BTreeMap<String, ServiceView>,
    /// The app the template was compiled for: `Metadata.ComposeCfn.App`, else the `App` tag
    /// its resources share.
    pub app: Option<String>,
}

/// True when `text` is a compiled template in JSON (what `deploy --template` takes): an
/// object with `AWSTemplateFormatVersion` or `Resources`. `diff` reads more forms
/// ([`super::template::parse`]).
pub fn is_template(text: &str) -> bool {
    let trimmed = text.trim_start();
    trimmed.starts_with('{')
        && serde_json::from_str::<Value>(trimmed)
            .ok()
            .and_then(|v| {
                v.as_object().map(|o| o.contains_key("AWSTemplateFormatVersion") || o.contains_key("Resources"))
            })
            .unwrap_or(false)
}

impl StackView {
    /// Reads a template's JSON text.
    pub fn parse(text: &str) -> Result<StackView, ViewError> {
        let value: Value = serde_json::from_str(text)?;
        StackView::from_value(&value)
    }

    /// Reads a template's JSON value.
    pub fn from_value(template: &Value) -> Result<StackView, ViewError> {
        // A Convox rack's template is read as its stack has it: conditions resolved, services named.
        let convox = super::convox::for_review(template);
        let template = convox.as_ref().unwrap_or(template);
        let root = template.as_object().ok_or_else(|| ViewError::Shape("the top level is not an object".into()))?;
        let section = |name: &str| -> Result<BTreeMap<String, Value>, ViewError> {
            match root.get(name) {
                None => Ok(BTreeMap::new()),
                Some(Value::Object(m)) => Ok(m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
                Some(_) => Err(ViewError::Shape(format!("`{name}` is not an object"))),
            }
        };
        let mut view = StackView {
            parameters: section("Parameters")?,
            outputs: section("Outputs")?,
            other: root
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "Resources" | "Parameters" | "Outputs"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            ..StackView::default()
        };
        for (id, r) in section("Resources")? {
            let kind = r
                .get("Type")
                .and_then(Value::as_str)
                .ok_or_else(|| ViewError::Shape(format!("resource `{id}` has no `Type`")))?
                .to_string();
            let properties = r.get("Properties").and_then(Value::as_object).cloned().unwrap_or_default();
            let attributes = r
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, _)| !matches!(k.as_str(), "Type" | "Properties"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            view.resources.insert(id, Resource { kind, properties, attributes });
        }
        let balancers: Vec<BalancerView> = view
            .resources
            .iter()
            .filter(|(_, r)| r.kind == LOAD_BALANCER)
            .map(|(id, r)| view.balancer(id, r))
            .chain(view.v2_balancers())
            .collect();
        for b in balancers {
            view.balancers.insert(b.service.clone(), b);
        }
        view.services = view.services();
        view.app = view.app_name();
        Ok(view)
    }

    fn app_name(&self) -> Option<String> {
        let metadata = self.other.get("Metadata").and_then(|m| m.get("ComposeCfn")).and_then(|c| c.get("App"));
        metadata.map(scalar).or_else(|| self.resources.values().find_map(|r| tag(&r.properties, "App")))
    }

    /// The parameter a `{"Ref": P}` names, with its default when it has one.
    fn resolve(&self, value: &Value) -> String {
        match value {
            Value::Object(o) if o.len() == 1 && o.contains_key("Ref") => {
                let name = o["Ref"].as_str().unwrap_or_default();
                match self.parameters.get(name).and_then(|p| p.get("Default")) {
                    Some(default) => scalar(default),
                    None => format!("Ref {name}"),
                }
            }
            other => scalar(other),
        }
    }

    fn balancer(&self, id: &str, r: &Resource) -> BalancerView {
        let p = &r.properties;
        let service = tag(p, "Service").unwrap_or_else(|| id.to_string());
        let scheme = p.get("Scheme").map_or_else(|| "internet-facing".to_string(), scalar);
        let exposure = if scheme == "internal" { Exposure::Vpc } else { Exposure::Internet };
        let policies: Vec<&Map<String, Value>> =
            p.get("Policies").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object).collect();
        // A proxy policy names the instance ports it applies to, not the listeners.
        let proxied: Vec<String> = policies
            .iter()
            .filter(|pol| pol.get("PolicyType").and_then(Value::as_str) == Some("ProxyProtocolPolicyType"))
            .flat_map(|pol| pol.get("InstancePorts").and_then(Value::as_array).into_iter().flatten())
            .map(|v| self.resolve(v))
            .collect();
        let tls_policy = policies
            .iter()
            .filter(|pol| pol.get("PolicyType").and_then(Value::as_str) == Some("SSLNegotiationPolicyType"))
            .flat_map(|pol| pol.get("Attributes").and_then(Value::as_array).into_iter().flatten())
            .find(|a| a.get("Name").and_then(Value::as_str) == Some("Reference-Security-Policy"))
            .and_then(|a| a.get("Value"))
            .map(scalar);
        let ingress = self.ingress(p);
        let mut listeners = BTreeMap::new();
        let mut port_of_instance: BTreeMap<String, u16> = BTreeMap::new();
        for l in p.get("Listeners").and_then(Value::as_array).into_iter().flatten() {
            let Some(port) = l.get("LoadBalancerPort").and_then(|v| scalar(v).parse::<u16>().ok()) else {
                continue;
            };
            let instance_value = l.get("InstancePort").cloned().unwrap_or(Value::Null);
            let instance_port = self.resolve(&instance_value);
            let container_port = instance_value
                .get("Ref")
                .and_then(Value::as_str)
                .and_then(|name| self.parameters.get(name))
                .and_then(|param| param.get("Description"))
                .and_then(Value::as_str)
                .and_then(container_port_of);
            let certificate = match l.get("SSLCertificateId") {
                None => Certificate::None,
                Some(v) => match v.get("Ref").and_then(Value::as_str) {
                    Some(name) if self.parameters.get(name).and_then(|p| p.get("Default")).is_none() => {
                        Certificate::AtDeploy { parameter: name.to_string() }
                    }
                    _ => Certificate::Arn(self.resolve(v)),
                },
            };
            let key =
                instance_value.get("Ref").and_then(Value::as_str).map(String::from).unwrap_or(instance_port.clone());
            port_of_instance.insert(key, port);
            listeners.insert(
                port,
                ListenerView {
                    port,
                    container_port,
                    protocol: l.get("Protocol").map(scalar).unwrap_or_default().to_ascii_uppercase(),
                    instance_protocol: l.get("InstanceProtocol").map(scalar).unwrap_or_default().to_ascii_uppercase(),
                    proxy: proxied.contains(&instance_port),
                    instance_port,
                    certificate,
                    exposure,
                    sources: ingress.get(&port).cloned().unwrap_or_default(),
                    parameters: [l.get("InstancePort"), l.get("SSLCertificateId")]
                        .into_iter()
                        .flatten()
                        .filter_map(|v| v.get("Ref").and_then(Value::as_str).map(String::from))
                        .collect(),
                },
            );
        }
        let health = p.get("HealthCheck");
        let field = |name: &str| health.and_then(|h| h.get(name)).map(scalar).unwrap_or_else(|| "-".into());
        BalancerView {
            service,
            logical_id: id.to_string(),
            scheme,
            health_target: health
                .and_then(|h| h.get("Target"))
                .map_or_else(|| "-".into(), |t| self.target(t, &port_of_instance)),
            health_timing: [
                field("Timeout"),
                field("Interval"),
                field("HealthyThreshold"),
                field("UnhealthyThreshold"),
            ],
            idle_timeout: p
                .get("ConnectionSettings")
                .and_then(|c| c.get("IdleTimeout"))
                .map_or_else(|| "60".into(), scalar),
            draining_timeout: match p.get("ConnectionDrainingPolicy") {
                Some(d) if d.get("Enabled").is_some_and(|e| scalar(e) == "true") => {
                    d.get("Timeout").map_or_else(|| "300".into(), scalar)
                }
                _ => "off".into(),
            },
            tls_policy,
            listeners,
            technology: Technology::Classic,
        }
    }

    /// A health check target in words: `PROTO:instance-port/path` with the instance port
    /// shown as the listener it belongs to, which is what the manifest talks about.
    fn target(&self, target: &Value, port_of_instance: &BTreeMap<String, u16>) -> String {
        let parts: Vec<Value> = match target.get("Fn::Join").and_then(Value::as_array).map(Vec::as_slice) {
            Some([_, Value::Array(parts)]) => parts.clone(),
            _ => vec![target.clone()],
        };
        let text: String = parts
            .iter()
            .map(|part| match part.get("Ref").and_then(Value::as_str) {
                Some(name) => match port_of_instance.get(name) {
                    Some(port) => format!("<port {port}>"),
                    None => self.resolve(part),
                },
                // A deploy-time path: its parameters shown by name, as `Fn::Sub` writes them.
                None => match part.get("Fn::Sub").and_then(Value::as_str) {
                    Some(body) => body.replace("${!", "${"),
                    None => scalar(part),
                },
            })
            .collect();
        match text.split_once(':') {
            Some((proto, rest)) => {
                let (port, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
                let port = port
                    .strip_prefix("<port ")
                    .and_then(|p| p.strip_suffix('>'))
                    .map_or_else(|| format!("instance port {port}"), |p| format!("port {p}"));
                if path.is_empty() { format!("{proto} on {port}") } else { format!("{proto} on {port} {path}") }
            }
            None => text,
        }
    }

    /// Security group sources by port, from the groups the balancer references.
    fn ingress(&self, balancer: &Map<String, Value>) -> BTreeMap<u16, Vec<String>> {
        let mut out: BTreeMap<u16, Vec<String>> = BTreeMap::new();
        let groups = balancer.get("SecurityGroups").and_then(Value::as_array).into_iter().flatten();
        for group in groups.filter_map(|g| g.get("Ref").and_then(Value::as_str)) {
            let Some(sg) = self.resources.get(group) else { continue };
            for rule in sg.properties.get("SecurityGroupIngress").and_then(Value::as_array).into_iter().flatten() {
                let from = rule.get("FromPort").and_then(|v| scalar(v).parse::<u16>().ok());
                let to = rule.get("ToPort").and_then(|v| scalar(v).parse::<u16>().ok());
                let source = ["CidrIp", "CidrIpv6", "SourceSecurityGroupId"]
                    .iter()
                    .find_map(|k| rule.get(*k))
                    .map_or_else(|| "?".into(), source_text);
                if let (Some(from), Some(to)) = (from, to) {
                    for port in from..=to.min(from.saturating_add(1024)) {
                        out.entry(port).or_default().push(source.clone());
                    }
                }
            }
        }
        out
    }
}

/// A source of a security group rule: a literal CIDR, or the parameter it references.
fn source_text(v: &Value) -> String {
    match v.get("Ref").and_then(Value::as_str) {
        Some(name) => format!("Ref {name}"),
        None => scalar(v),
    }
}

/// The value of a tag in a resource's `Tags`.
fn tag(properties: &Map<String, Value>, key: &str) -> Option<String> {
    properties
        .get("Tags")?
        .as_array()?
        .iter()
        .find(|t| t.get("Key").and_then(Value::as_str) == Some(key))
        .and_then(|t| t.get("Value"))
        .map(scalar)
}

/// "… mapped to container port 3000" → 3000: the only place a template names the container
/// port of a listener (until the task definitions carry it).
fn container_port_of(description: &str) -> Option<u16> {
    let rest = &description[description.find("container port ")? + "container port ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A scalar as text (strings without quotes); anything else as compact JSON.
pub fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_told_from_compose_files_by_content() {
        assert!(is_template("{\"AWSTemplateFormatVersion\": \"2010-09-09\"}"));
        assert!(is_template("  {\"Resources\": {}}"));
        assert!(!is_template("{\"services\": {}}"), "a compose file written as JSON");
        assert!(!is_template("web:\n  ports: [\"80:3000\"]\n"));
        assert!(!is_template("{ not json"));
    }

    #[test]
    fn container_ports_are_read_from_parameter_descriptions() {
        assert_eq!(container_port_of("Instance (host) port of web:80, mapped to container port 3000"), Some(3000));
        assert_eq!(container_port_of("Instance port"), None);
    }
}
