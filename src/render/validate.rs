//! Checks of Classic ELB rules that cfn-lint does not make, over any CloudFormation template.

use crate::interpret::is_certificate_arn;
use crate::interpret::labels::TLS_POLICIES;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Every problem found, each naming the resource and what is wrong; empty when the template is sound.
pub fn validate(template: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let parameters = template.get("Parameters").and_then(Value::as_object);
    let Some(resources) = template.get("Resources").and_then(Value::as_object) else {
        return vec!["the template has no Resources".into()];
    };
    for (id, resource) in resources {
        if resource.get("Type").and_then(Value::as_str) == Some("AWS::ElasticLoadBalancing::LoadBalancer") {
            // Borrowed, not cloned: the copy of every balancer was 5% of compiling 1,000 services.
            let props = resource.get("Properties").unwrap_or(&Value::Null);
            check_balancer(id, props, parameters, &mut problems);
        }
    }
    check_references(template, resources, parameters, &mut problems);
    check_task_ports(resources, parameters, &mut problems);
    problems
}

/// Every `Ref`, `Fn::GetAtt`, `Fn::Sub` variable and `DependsOn` names something that exists.
fn check_references(
    template: &Value,
    resources: &serde_json::Map<String, Value>,
    parameters: Option<&serde_json::Map<String, Value>>,
    problems: &mut Vec<String>,
) {
    let known = |name: &str| {
        name.starts_with("AWS::") || resources.contains_key(name) || parameters.is_some_and(|p| p.contains_key(name))
    };
    let mut missing = BTreeSet::new();
    walk(template, &mut |key, value| match key {
        "Ref" => {
            if let Some(name) = value.as_str().filter(|n| !known(n)) {
                missing.insert(format!("Ref to undefined `{name}`"));
            }
        }
        "Fn::GetAtt" => {
            if let Some(name) = value.get(0).and_then(Value::as_str).filter(|n| !resources.contains_key(*n)) {
                missing.insert(format!("Fn::GetAtt of undefined resource `{name}`"));
            }
        }
        "Fn::Sub" => {
            let text = value.as_str().or_else(|| value.get(0).and_then(Value::as_str)).unwrap_or("");
            for var in text.split("${").skip(1).filter_map(|rest| rest.split_once('}').map(|(v, _)| v)) {
                let name = var.split('.').next().unwrap_or(var);
                if !var.starts_with('!') && !known(name) {
                    missing.insert(format!("Fn::Sub variable `${{{var}}}` is undefined"));
                }
            }
        }
        _ => {}
    });
    for (id, resource) in resources {
        let depends = match resource.get("DependsOn") {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        for name in depends.into_iter().filter(|n| !resources.contains_key(*n)) {
            missing.insert(format!("{id}: DependsOn undefined resource `{name}`"));
        }
    }
    problems.extend(missing);
}

/// Calls `visit` with every key and value of every object in the document.
fn walk(value: &Value, visit: &mut impl FnMut(&str, &Value)) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                visit(k, v);
                walk(v, visit);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| walk(v, visit)),
        _ => {}
    }
}

/// Each balanced ECS service's task maps every instance port of its balancer's listeners
/// exactly once, and no two task definitions claim the same host port.
fn check_task_ports(
    resources: &serde_json::Map<String, Value>,
    parameters: Option<&serde_json::Map<String, Value>>,
    problems: &mut Vec<String>,
) {
    let of_type =
        |t: &'static str| resources.iter().filter(move |(_, r)| r.get("Type").and_then(Value::as_str) == Some(t));
    let mappings = |task: &Value| -> Vec<Value> {
        task.pointer("/Properties/ContainerDefinitions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|c| c.get("PortMappings").and_then(Value::as_array).cloned().unwrap_or_default())
            .collect()
    };
    for (id, service) in of_type("AWS::ECS::Service") {
        let Some(task) =
            service.pointer("/Properties/TaskDefinition/Ref").and_then(Value::as_str).and_then(|t| resources.get(t))
        else {
            continue;
        };
        // Counted once per task, keyed by the JSON text of the host port: a scan of the
        // mappings per listener made one 20,000-port range take minutes.
        let mut host_ports: BTreeMap<String, usize> = BTreeMap::new();
        for m in mappings(task) {
            if let Some(h) = m.get("HostPort") {
                *host_ports.entry(h.to_string()).or_default() += 1;
            }
        }
        for lb in service.pointer("/Properties/LoadBalancers").and_then(Value::as_array).into_iter().flatten() {
            let Some(balancer) =
                lb.pointer("/LoadBalancerName/Ref").and_then(Value::as_str).and_then(|b| resources.get(b))
            else {
                continue;
            };
            for listener in balancer.pointer("/Properties/Listeners").and_then(Value::as_array).into_iter().flatten() {
                let Some(port) = listener.get("InstancePort") else { continue };
                let count = host_ports.get(&port.to_string()).copied().unwrap_or(0);
                if count != 1 {
                    problems.push(format!(
                        "{id}: instance port {port} of a listener is mapped {count} times in its task (needs exactly 1)"
                    ));
                }
            }
        }
    }
    // A listener's instance port (a parameter) must be free on every instance: no other task
    // may bind it. Two fixed ports may coincide (ECS then places the tasks apart).
    let resolve = |v: &Value| -> Option<String> {
        match v.get("Ref").and_then(Value::as_str) {
            Some(p) => parameters
                .and_then(|ps| ps.get(p))
                .and_then(|p| p.get("Default"))
                .map(|d| d.as_str().map_or(d.to_string(), str::to_string)),
            None => Some(v.as_str().map_or(v.to_string(), str::to_string)),
        }
    };
    // (port, protocol) → (task, whether it is a listener's instance port)
    let mut claimed: BTreeMap<(String, String), (&str, bool)> = BTreeMap::new();
    for (id, task) in of_type("AWS::ECS::TaskDefinition") {
        for m in mappings(task) {
            let Some(host_port) = m.get("HostPort") else { continue };
            let Some(host) = resolve(host_port) else { continue };
            let protocol = m.get("Protocol").and_then(Value::as_str).unwrap_or("tcp");
            let listener = host_port.get("Ref").is_some();
            match claimed.insert((host.clone(), protocol.to_string()), (id, listener)) {
                Some((other, other_listener)) if other != id && (listener || other_listener) => {
                    problems.push(format!("{id}: host port {host}/{protocol} is also claimed by {other}"));
                }
                _ => {}
            }
        }
    }
}

fn check_balancer(
    id: &str,
    props: &Value,
    parameters: Option<&serde_json::Map<String, Value>>,
    problems: &mut Vec<String>,
) {
    let mut problem = |text: String| problems.push(format!("{id}: {text}"));
    let policies: BTreeMap<&str, &Value> = props
        .get("Policies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| Some((p.get("PolicyName")?.as_str()?, p)))
        .collect();
    let policy_count = props.get("Policies").and_then(Value::as_array).map_or(0, Vec::len);
    if policies.len() != policy_count {
        problem("policy names are not unique (or a policy has no name)".into());
    }
    for (name, policy) in &policies {
        if policy.get("PolicyType").and_then(Value::as_str) == Some("SSLNegotiationPolicyType") {
            for attr in policy.get("Attributes").and_then(Value::as_array).into_iter().flatten() {
                if attr.get("Name").and_then(Value::as_str) == Some("Reference-Security-Policy") {
                    let value = attr.get("Value").and_then(Value::as_str).unwrap_or("");
                    if !TLS_POLICIES.contains(&value) {
                        problem(format!("policy {name} references unknown SSL policy `{value}`"));
                    }
                }
            }
        }
    }
    let mut ports = BTreeSet::new();
    let mut backends: BTreeMap<String, bool> = BTreeMap::new();
    let listeners = props.get("Listeners").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    if listeners.is_empty() {
        problem("has no listeners".into());
    }
    for listener in listeners {
        let port = listener.get("LoadBalancerPort").map(port_number);
        let at = format!("listener {}", port.flatten().map_or("?".into(), |p| p.to_string()));
        match port {
            Some(Some(p)) => {
                if !ports.insert(p) {
                    problem(format!("{at}: LoadBalancerPort is used by two listeners"));
                }
            }
            _ => problem(format!("{at}: LoadBalancerPort must be a port from 1 to 65535")),
        }
        let front = listener.get("Protocol").and_then(Value::as_str).unwrap_or("");
        let back = listener.get("InstanceProtocol").and_then(Value::as_str).unwrap_or("");
        let layer = |p: &str| match p {
            "HTTP" | "HTTPS" => Some(7),
            "TCP" | "SSL" => Some(4),
            _ => None,
        };
        match (layer(front), layer(back)) {
            (None, _) => problem(format!("{at}: Protocol `{front}` must be HTTP, HTTPS, TCP or SSL (upper case)")),
            (_, None) => {
                problem(format!("{at}: InstanceProtocol `{back}` must be HTTP, HTTPS, TCP or SSL (upper case)"))
            }
            (Some(f), Some(b)) if f != b => problem(format!(
                "{at}: front end {front} needs a {} back end, not {back}",
                if f == 7 { "HTTP/HTTPS" } else { "TCP/SSL" }
            )),
            _ => {}
        }
        let secure_back = matches!(back, "HTTPS" | "SSL");
        if let Some(instance_port) = listener.get("InstancePort") {
            let key = instance_port.to_string();
            if let Some(previous) = backends.insert(key.clone(), secure_back)
                && previous != secure_back
            {
                problem(format!("{at}: listeners sharing instance port {key} disagree on secure vs plain back ends"));
            }
        } else {
            problem(format!("{at}: has no InstancePort"));
        }
        let needs_cert = matches!(front.to_ascii_uppercase().as_str(), "HTTPS" | "SSL");
        match listener.get("SSLCertificateId") {
            None if needs_cert => problem(format!("{at}: {front} listener has no SSLCertificateId")),
            Some(Value::String(arn)) if !is_certificate_arn(arn) => {
                problem(format!("{at}: SSLCertificateId `{arn}` is not a certificate ARN"))
            }
            Some(cert) => {
                if let Some(name) = cert.get("Ref").and_then(Value::as_str) {
                    let param = parameters.and_then(|p| p.get(name));
                    match param {
                        None => problem(format!("{at}: SSLCertificateId refers to missing parameter {name}")),
                        Some(param) => {
                            if param.get("AllowedPattern").is_none() {
                                problem(format!("{at}: certificate parameter {name} has no AllowedPattern"));
                            }
                            if let Some(default) = param.get("Default").and_then(Value::as_str)
                                && !is_certificate_arn(default)
                            {
                                problem(format!(
                                    "{at}: certificate parameter {name} defaults to `{default}`, not a certificate ARN"
                                ));
                            }
                        }
                    }
                }
            }
            None => {}
        }
        for name in listener.get("PolicyNames").and_then(Value::as_array).into_iter().flatten() {
            let name = name.as_str().unwrap_or("");
            if !policies.contains_key(name) {
                problem(format!("{at}: PolicyNames names undefined policy `{name}`"));
            }
        }
    }
    if let Some(health) = props.get("HealthCheck") {
        check_health(health, &mut problem);
    }
}

fn check_health(health: &Value, problem: &mut impl FnMut(String)) {
    let number =
        |key: &str| health.get(key).and_then(|v| v.as_str().and_then(|s| s.parse::<u64>().ok()).or_else(|| v.as_u64()));
    match (number("Timeout"), number("Interval")) {
        (Some(t), Some(i)) if i <= t => problem(format!("health check Interval {i} must exceed Timeout {t}")),
        (Some(t), _) if !(2..=60).contains(&t) => problem(format!("health check Timeout {t} is outside 2–60")),
        (_, Some(i)) if !(5..=300).contains(&i) => problem(format!("health check Interval {i} is outside 5–300")),
        (None, _) | (_, None) => problem("health check needs numeric Timeout and Interval".into()),
        _ => {}
    }
    for key in ["HealthyThreshold", "UnhealthyThreshold"] {
        if !number(key).is_some_and(|n| (2..=10).contains(&n)) {
            problem(format!("health check {key} must be from 2 to 10"));
        }
    }
    // Target is `PROTO:PORT[/path]`, written literally or joined around a port Ref and a path
    // that may be `Fn::Sub` over deploy-time parameters (each taken as a path piece).
    let target = health.get("Target");
    let parts: Vec<String> = match target {
        Some(Value::String(s)) => vec![s.clone()],
        Some(v) => match v.get("Fn::Join").and_then(Value::as_array).map(Vec::as_slice) {
            Some([Value::String(sep), Value::Array(items)]) if sep.is_empty() => items
                .iter()
                .map(|item| match (item.as_str(), item.get("Fn::Sub").and_then(Value::as_str)) {
                    (Some(s), _) => s.to_string(),
                    (None, Some(body)) => sub_shape(body),
                    (None, None) => "1".to_string(),
                })
                .collect(),
            _ => vec![],
        },
        None => vec![],
    };
    let shape: String = parts.concat();
    let ok = shape.split_once(':').is_some_and(|(proto, rest)| {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let tail = &rest[digits..];
        digits > 0
            && match proto {
                "HTTP" | "HTTPS" => tail.starts_with('/'),
                "TCP" | "SSL" => tail.is_empty(),
                _ => false,
            }
    });
    if !ok {
        problem(format!(
            "health check Target {} is not PROTO:PORT (TCP/SSL) or PROTO:PORT/path (HTTP/HTTPS)",
            target.map_or("(missing)".into(), Value::to_string)
        ));
    }
}

/// An `Fn::Sub` body with each `${Parameter}` standing as `/x` (`${!` is a literal `${`).
fn sub_shape(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        rest = &rest[i + 2..];
        if let Some(literal) = rest.strip_prefix('!') {
            out.push_str("${");
            rest = literal;
        } else {
            out.push_str("/x");
            rest = rest.find('}').map_or("", |j| &rest[j + 1..]);
        }
    }
    out.push_str(rest);
    out
}

fn port_number(v: &Value) -> Option<u16> {
    let n = v.as_str().and_then(|s| s.parse::<u64>().ok()).or_else(|| v.as_u64())?;
    u16::try_from(n).ok().filter(|p| *p > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template(listeners: Value, extra: Value) -> Value {
        let mut props = json!({
            "Listeners": listeners,
            "HealthCheck": {"Target": "TCP:8000", "Timeout": "3", "Interval": "5", "HealthyThreshold": "2", "UnhealthyThreshold": "2"},
            "Policies": [{"PolicyName": "Tls", "PolicyType": "SSLNegotiationPolicyType",
                          "Attributes": [{"Name": "Reference-Security-Policy", "Value": "ELBSecurityPolicy-TLS-1-2-2017-01"}]}]
        });
        for (k, v) in extra.as_object().unwrap() {
            props[k] = v.clone();
        }
        json!({
            "Parameters": {"Cert": {"Type": "String", "AllowedPattern": "^arn:.*$"}, "P": {"Type": "Number"}},
            "Resources": {"B": {"Type": "AWS::ElasticLoadBalancing::LoadBalancer", "Properties": props}}
        })
    }

    fn problems(listeners: Value, extra: Value) -> Vec<String> {
        validate(&template(listeners, extra))
    }

    fn one(listeners: Value, extra: Value, expected: &str) {
        let found = problems(listeners, extra);
        assert!(found.iter().any(|p| p.contains(expected)), "expected `{expected}` in {found:?}");
    }

    #[test]
    fn a_sound_balancer_has_no_problems() {
        let l = json!([
            {"LoadBalancerPort": "80", "InstancePort": "8000", "Protocol": "HTTP", "InstanceProtocol": "HTTP"},
            {"LoadBalancerPort": "443", "InstancePort": "8001", "Protocol": "HTTPS", "InstanceProtocol": "HTTP",
             "SSLCertificateId": {"Ref": "Cert"}, "PolicyNames": ["Tls"]}
        ]);
        assert_eq!(problems(l, json!({})), Vec::<String>::new());
    }

    #[test]
    fn each_classic_elb_rule_is_enforced() {
        let http = |port: &str, instance: &str| json!({"LoadBalancerPort": port, "InstancePort": instance, "Protocol": "HTTP", "InstanceProtocol": "HTTP"});
        one(json!([http("80", "1"), http("80", "2")]), json!({}), "used by two listeners");
        one(json!([http("70000", "1")]), json!({}), "LoadBalancerPort must be a port");
        one(
            json!([{"LoadBalancerPort": "80", "InstancePort": "1", "Protocol": "HTTP", "InstanceProtocol": "TCP"}]),
            json!({}),
            "needs a HTTP/HTTPS back end",
        );
        one(
            json!([{"LoadBalancerPort": "80", "InstancePort": "1", "Protocol": "https", "InstanceProtocol": "HTTP"}]),
            json!({}),
            "upper case",
        );
        one(
            json!([{"LoadBalancerPort": "443", "InstancePort": "1", "Protocol": "SSL", "InstanceProtocol": "TCP"}]),
            json!({}),
            "has no SSLCertificateId",
        );
        one(
            json!([{"LoadBalancerPort": "443", "InstancePort": "1", "Protocol": "SSL", "InstanceProtocol": "TCP", "SSLCertificateId": "cert-123"}]),
            json!({}),
            "not a certificate ARN",
        );
        one(
            json!([http("80", "1"), {"LoadBalancerPort": "81", "InstancePort": "1", "Protocol": "HTTP", "InstanceProtocol": "HTTPS"}]),
            json!({}),
            "disagree on secure vs plain",
        );
        one(
            json!([{"LoadBalancerPort": "80", "InstancePort": "1", "Protocol": "HTTP", "InstanceProtocol": "HTTP", "PolicyNames": ["Nope"]}]),
            json!({}),
            "undefined policy `Nope`",
        );
        one(
            json!([http("80", "1")]),
            json!({"HealthCheck": {"Target": "TCP:1", "Timeout": "5", "Interval": "5", "HealthyThreshold": "2", "UnhealthyThreshold": "2"}}),
            "must exceed Timeout",
        );
        one(
            json!([http("80", "1")]),
            json!({"HealthCheck": {"Target": "HTTP:1", "Timeout": "3", "Interval": "5", "HealthyThreshold": "2", "UnhealthyThreshold": "2"}}),
            "Target",
        );
        one(
            json!([http("80", "1")]),
            json!({"HealthCheck": {"Target": "TCP:1/x", "Timeout": "3", "Interval": "5", "HealthyThreshold": "2", "UnhealthyThreshold": "2"}}),
            "Target",
        );
        one(
            json!([http("80", "1")]),
            json!({"HealthCheck": {"Target": "TCP:1", "Timeout": "3", "Interval": "5", "HealthyThreshold": "1", "UnhealthyThreshold": "2"}}),
            "HealthyThreshold",
        );
        one(
            json!([http("80", "1")]),
            json!({"Policies": [{"PolicyName": "P", "PolicyType": "SSLNegotiationPolicyType", "Attributes": [{"Name": "Reference-Security-Policy", "Value": "Made-Up"}]},
                                {"PolicyName": "P", "PolicyType": "ProxyProtocolPolicyType", "Attributes": []}]}),
            "not unique",
        );
        one(
            json!([http("80", "1")]),
            json!({"Policies": [{"PolicyName": "P", "PolicyType": "SSLNegotiationPolicyType", "Attributes": [{"Name": "Reference-Security-Policy", "Value": "Made-Up"}]}]}),
            "unknown SSL policy `Made-Up`",
        );
        one(json!([]), json!({}), "has no listeners");
    }

    #[test]
    fn joined_health_targets_are_understood() {
        let l = json!([{"LoadBalancerPort": "80", "InstancePort": {"Ref": "P"}, "Protocol": "HTTP", "InstanceProtocol": "HTTP"}]);
        let hc = |parts: Value| json!({"HealthCheck": {"Target": {"Fn::Join": ["", parts]}, "Timeout": "3", "Interval": "5", "HealthyThreshold": "2", "UnhealthyThreshold": "2"}});
        assert!(problems(l.clone(), hc(json!(["HTTP:", {"Ref": "P"}, "/health"]))).is_empty());
        assert!(problems(l.clone(), hc(json!(["TCP:", {"Ref": "P"}]))).is_empty());
        assert!(!problems(l, hc(json!(["HTTP:", {"Ref": "P"}]))).is_empty());
    }
}

#[cfg(test)]
mod ecs_tests {
    use super::*;
    use serde_json::json;

    /// A balanced ECS service whose task maps `host_ports`, beside a second task mapping `other`.
    fn app(host_ports: Value, other: Value) -> Value {
        json!({
            "Parameters": {"WebPort80Host": {"Type": "Number", "Default": "12000"}},
            "Resources": {
                "BalancerWeb": {"Type": "AWS::ElasticLoadBalancing::LoadBalancer", "Properties": {
                    "Listeners": [{"LoadBalancerPort": "80", "InstancePort": {"Ref": "WebPort80Host"}, "Protocol": "TCP", "InstanceProtocol": "TCP"}],
                    "HealthCheck": {"Target": "TCP:12000", "Timeout": "3", "Interval": "5", "HealthyThreshold": "2", "UnhealthyThreshold": "2"}}},
                "WebTaskDefinition": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": [{"PortMappings": host_ports}]}},
                "OtherTaskDefinition": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": [{"PortMappings": other}]}},
                "ServiceWeb": {"Type": "AWS::ECS::Service", "Properties": {
                    "TaskDefinition": {"Ref": "WebTaskDefinition"},
                    "LoadBalancers": [{"LoadBalancerName": {"Ref": "BalancerWeb"}}]}}
            }
        })
    }

    #[test]
    fn every_listener_instance_port_is_mapped_exactly_once() {
        let mapped = json!([{"ContainerPort": 3000, "HostPort": {"Ref": "WebPort80Host"}, "Protocol": "tcp"}]);
        assert_eq!(validate(&app(mapped.clone(), json!([]))), Vec::<String>::new());
        let missing = validate(&app(json!([{"ContainerPort": 3000, "Protocol": "tcp"}]), json!([])));
        assert!(missing.iter().any(|p| p.contains("mapped 0 times")), "{missing:?}");
        let twice = json!([{"ContainerPort": 3000, "HostPort": {"Ref": "WebPort80Host"}}, {"ContainerPort": 3001, "HostPort": {"Ref": "WebPort80Host"}}]);
        assert!(validate(&app(twice, json!([]))).iter().any(|p| p.contains("mapped 2 times")));
    }

    #[test]
    fn two_tasks_may_not_claim_one_host_port() {
        let mapped = json!([{"ContainerPort": 3000, "HostPort": {"Ref": "WebPort80Host"}, "Protocol": "tcp"}]);
        // The parameter's default is 12000: a fixed 12000 elsewhere collides with it.
        let found = validate(&app(mapped.clone(), json!([{"ContainerPort": 1, "HostPort": 12000, "Protocol": "tcp"}])));
        assert!(found.iter().any(|p| p.contains("host port 12000/tcp is also claimed")), "{found:?}");
        assert!(validate(&app(mapped, json!([{"ContainerPort": 1, "HostPort": 12000, "Protocol": "udp"}]))).is_empty());
        // Two fixed ports may coincide: ECS places such tasks on different instances.
        let mut two_fixed = app(
            json!([{"ContainerPort": 3000, "HostPort": {"Ref": "WebPort80Host"}}]),
            json!([{"ContainerPort": 1, "HostPort": 53, "Protocol": "udp"}]),
        );
        two_fixed["Resources"]["ThirdTaskDefinition"] = json!({"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": [{"PortMappings": [{"ContainerPort": 2, "HostPort": 53, "Protocol": "udp"}]}]}});
        assert!(validate(&two_fixed).is_empty());
    }

    #[test]
    fn references_must_resolve() {
        let mut t = app(json!([{"ContainerPort": 3000, "HostPort": {"Ref": "WebPort80Host"}}]), json!([]));
        t["Resources"]["ServiceWeb"]["DependsOn"] = json!(["Nowhere"]);
        t["Resources"]["ServiceWeb"]["Properties"]["Cluster"] = json!({"Ref": "Cluster"});
        t["Outputs"] = json!({"A": {"Value": {"Fn::GetAtt": ["Ghost", "DNSName"]}}, "B": {"Value": {"Fn::Sub": "${Missing}-${AWS::Region}-${!Literal}"}}});
        let found = validate(&t);
        for expected in [
            "DependsOn undefined resource `Nowhere`",
            "Ref to undefined `Cluster`",
            "Fn::GetAtt of undefined resource `Ghost`",
            "`${Missing}` is undefined",
        ] {
            assert!(found.iter().any(|p| p.contains(expected)), "expected {expected} in {found:?}");
        }
        assert_eq!(found.len(), 4, "{found:?}");
    }
}
