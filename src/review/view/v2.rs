//! ELBv2 balancers (`--balancer v2`) read back into the same per-service view as Classic ELBs:
//! a service's ALBs and NLBs, public and internal, become one [`BalancerView`] whose listeners
//! come from the `Listener` resources and their target groups.

use super::{BalancerView, Certificate, Exposure, ListenerView, Resource, StackView, scalar, tag};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The CloudFormation type of an Application or Network Load Balancer.
pub const LOAD_BALANCER_V2: &str = "AWS::ElasticLoadBalancingV2::LoadBalancer";
const LISTENER_V2: &str = "AWS::ElasticLoadBalancingV2::Listener";

/// The value of a `Key`/`Value` attribute of a balancer or target group.
fn attribute(p: &Map<String, Value>, list: &str, key: &str) -> Option<String> {
    p.get(list)?
        .as_array()?
        .iter()
        .find(|a| a.get("Key").and_then(Value::as_str) == Some(key))
        .and_then(|a| a.get("Value"))
        .map(scalar)
}

fn referenced(value: Option<&Value>) -> Option<&str> {
    value?.get("Ref")?.as_str()
}

impl StackView {
    /// One view per service that has ELBv2 balancers.
    pub(super) fn v2_balancers(&self) -> Vec<BalancerView> {
        let mut by_service: BTreeMap<String, Vec<(&String, &Resource)>> = BTreeMap::new();
        for (id, r) in self.resources.iter().filter(|(_, r)| r.kind == LOAD_BALANCER_V2) {
            by_service.entry(tag(&r.properties, "Service").unwrap_or_else(|| id.clone())).or_default().push((id, r));
        }
        // Listeners indexed by their balancer once: a scan of every resource per service took
        // 90 s for 10,000 balancers and listeners.
        let mut listeners_of: HashMap<&str, Vec<(&String, &Resource)>> = HashMap::new();
        for (id, r) in self.resources.iter().filter(|(_, r)| r.kind == LISTENER_V2) {
            if let Some(balancer) = referenced(r.properties.get("LoadBalancerArn")) {
                listeners_of.entry(balancer).or_default().push((id, r));
            }
        }
        by_service
            .into_iter()
            .map(|(service, balancers)| {
                let mut listeners: Vec<(&String, &Resource, &Resource)> = balancers
                    .iter()
                    .flat_map(|(id, b)| {
                        listeners_of.get(id.as_str()).into_iter().flatten().map(move |(l, r)| (*l, *r, *b))
                    })
                    .collect();
                // In the template's order, as they were read before: the first listener gives
                // the TLS policy and the first target group the health check timing and draining.
                listeners.sort_by(|a, b| a.0.cmp(b.0));
                self.v2_balancer(service, &balancers, &listeners)
            })
            .collect()
    }

    /// The view of one service's balancers, given with their listeners (listener id,
    /// listener, its balancer).
    fn v2_balancer(
        &self,
        service: String,
        balancers: &[(&String, &Resource)],
        service_listeners: &[(&String, &Resource, &Resource)],
    ) -> BalancerView {
        let mut listeners = BTreeMap::new();
        let mut groups: Vec<&Map<String, Value>> = Vec::new();
        let mut policy = None;
        // Each distinct health check and the listener ports whose target groups make it: since
        // the health path is asked only of the health-checked container port, the groups of
        // one service may check differently.
        let mut checks: Vec<(String, Vec<u16>)> = Vec::new();
        for &(_, r, balancer) in service_listeners {
            let p = &r.properties;
            let Some(port) = p.get("Port").and_then(|v| scalar(v).parse::<u16>().ok()) else { continue };
            let action = p.get("DefaultActions").and_then(|a| a.get(0));
            let group = referenced(action.and_then(|a| a.get("TargetGroupArn")))
                .and_then(|id| self.resources.get(id))
                .map(|g| &g.properties);
            let redirect = action.and_then(|a| a.get("RedirectConfig"));
            let instance_protocol = match (group, redirect) {
                (Some(g), _) => g.get("Protocol").map(scalar).unwrap_or_default(),
                (None, Some(r)) => format!("redirect to {}", r.get("Port").map(scalar).unwrap_or_default()),
                (None, None) => "-".into(),
            };
            let certificate_ref = p.get("Certificates").and_then(|c| c.get(0)).and_then(|c| c.get("CertificateArn"));
            let certificate = match certificate_ref {
                None => Certificate::None,
                Some(v) => match referenced(Some(v)) {
                    Some(name) if self.parameters.get(name).and_then(|p| p.get("Default")).is_none() => {
                        Certificate::AtDeploy { parameter: name.to_string() }
                    }
                    _ => Certificate::Arn(self.resolve(v)),
                },
            };
            if policy.is_none() {
                policy = p.get("SslPolicy").map(scalar);
            }
            let scheme = balancer.properties.get("Scheme").map_or_else(|| "internet-facing".into(), scalar);
            let proxy = group.and_then(|g| attribute(g, "TargetGroupAttributes", "proxy_protocol_v2.enabled"));
            if let Some(g) = group {
                let check = health_check(g);
                match checks.iter_mut().find(|(c, _)| *c == check) {
                    Some((_, ports)) => ports.push(port),
                    None => checks.push((check, vec![port])),
                }
            }
            groups.extend(group);
            listeners.insert(
                port,
                ListenerView {
                    port,
                    container_port: group.and_then(|g| g.get("Port")).and_then(|v| scalar(v).parse().ok()),
                    protocol: p.get("Protocol").map(scalar).unwrap_or_default(),
                    instance_protocol,
                    instance_port: "dynamic".into(),
                    certificate,
                    proxy: proxy.as_deref() == Some("true"),
                    exposure: if scheme == "internal" { Exposure::Vpc } else { Exposure::Internet },
                    sources: self.ingress(&balancer.properties).get(&port).cloned().unwrap_or_default(),
                    parameters: referenced(certificate_ref).map(String::from).into_iter().collect(),
                },
            );
        }
        let schemes: BTreeSet<String> = balancers
            .iter()
            .map(|(_, r)| r.properties.get("Scheme").map_or_else(|| "internet-facing".into(), scalar))
            .collect();
        let first = groups.first();
        let field = |name: &str| first.and_then(|g| g.get(name)).map_or_else(|| "-".into(), scalar);
        let health_target = match checks.is_empty() {
            true => "-".into(),
            false => {
                // By port, as the listeners are, for a diff that does not move with the template's order.
                checks.iter_mut().for_each(|(_, ports)| ports.sort_unstable());
                checks.sort_by_key(|(_, ports)| ports[0]);
                let each = checks.iter().map(|(check, ports)| {
                    let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
                    let s = if ports.len() == 1 { "" } else { "s" };
                    format!("{check} on port{s} {}", ports.join(", "))
                });
                each.collect::<Vec<_>>().join("; ")
            }
        };
        // The ALB's, else (a service with NLBs only) its TCP listeners' own.
        let idle_timeout = balancers
            .iter()
            .find_map(|(_, r)| attribute(&r.properties, "LoadBalancerAttributes", "idle_timeout.timeout_seconds"))
            .or_else(|| {
                service_listeners
                    .iter()
                    .find_map(|(_, l, _)| attribute(&l.properties, "ListenerAttributes", "tcp.idle_timeout.seconds"))
            })
            .unwrap_or_else(|| "-".into());
        BalancerView {
            service,
            logical_id: balancers.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>().join(", "),
            scheme: schemes.into_iter().collect::<Vec<_>>().join(", "),
            listeners,
            health_target,
            health_timing: [
                field("HealthCheckTimeoutSeconds"),
                field("HealthCheckIntervalSeconds"),
                field("HealthyThresholdCount"),
                field("UnhealthyThresholdCount"),
            ],
            idle_timeout,
            draining_timeout: first
                .and_then(|g| attribute(g, "TargetGroupAttributes", "deregistration_delay.timeout_seconds"))
                .unwrap_or_else(|| "300".into()),
            tls_policy: policy,
            technology: Technology::ElbV2,
        }
    }
}

/// A target group's health check in words, e.g. `HTTPS /healthz`, `HTTP / (any answer)`, `TCP`.
fn health_check(g: &Map<String, Value>) -> String {
    let protocol = g.get("HealthCheckProtocol").map_or_else(|| "-".into(), scalar);
    let path = g.get("HealthCheckPath").map(|p| format!(" {}", scalar(p))).unwrap_or_default();
    // 200-399 is what a path label asks for; the pathless ALB check takes any answer but 5xx.
    let answers = match g.get("Matcher").and_then(|m| m.get("HttpCode")).map(scalar).as_deref() {
        None | Some("200-399") => String::new(),
        Some("200-499") => " (any answer)".into(),
        Some(codes) => format!(" (answers {codes})"),
    };
    format!("{protocol}{path}{answers}")
}

/// Which balancer technology a view was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Technology {
    /// Classic ELBs (`--balancer classic`).
    Classic,
    /// Application and Network Load Balancers (`--balancer v2`).
    ElbV2,
}

impl Technology {
    /// The technology in words.
    pub fn describe(self) -> &'static str {
        match self {
            Technology::Classic => "Classic ELB",
            Technology::ElbV2 => "Application/Network Load Balancers (ELBv2)",
        }
    }
}
