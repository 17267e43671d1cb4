//! Reading a template a Convox Generation-1 rack rendered: telling it by its shape, and resolving
//! its `Fn::If` conditions the way the rack's stack resolved them (from the parameter values the
//! rack passed, else the template's defaults), so that both `diff` and adoption see the
//! balancers, listeners and names the live stack really has. Pure: JSON in, JSON out.
//! One file (past 400 lines with its tests): telling a Convox template, deciding its
//! conditions and rewriting it are one reading of the rack's template shape.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

use super::view::{LOAD_BALANCER, scalar as text};

/// True when `template` has the shape of a Convox app template: a `Balancer<Svc>` Classic ELB
/// with a physical `LoadBalancerName`, or `<Svc>Port<N>Host` parameters next to Convox's
/// `Blank…Certificate` conditions, or the rack's `CustomTopic` function and `Settings` output.
/// A template compose-cfn compiled (it carries `Metadata.ComposeCfn`) is never Convox-made.
pub fn is_convox(template: &Value) -> bool {
    if template.pointer("/Metadata/ComposeCfn").is_some() {
        return false;
    }
    let section = |name: &str| template.get(name).and_then(Value::as_object);
    let balancer = section("Resources").is_some_and(|r| {
        r.iter().any(|(id, res)| {
            id.starts_with("Balancer")
                && res.get("Type").and_then(Value::as_str) == Some(LOAD_BALANCER)
                && res.pointer("/Properties/LoadBalancerName").is_some()
        })
    });
    let host_parameters = section("Parameters").is_some_and(|p| p.keys().any(|k| port_parameter(k, "Host").is_some()))
        && section("Conditions")
            .is_some_and(|c| c.keys().any(|k| k.starts_with("Blank") && k.ends_with("Certificate")));
    let rack = section("Resources").is_some_and(|r| r.contains_key("CustomTopic"))
        && section("Outputs").is_some_and(|o| o.contains_key("Settings"));
    balancer || host_parameters || rack
}

/// The `Metadata` key an adopted template carries, so that every later deploy keeps what the
/// adoption kept (the stack still has Convox's balancer names, roles and resources).
pub const ADOPTED: &str = "ComposeCfnAdoptedFrom";

/// True when `template` was made by Convox, or adopted from a stack Convox made.
pub fn is_adoptable(template: &Value) -> bool {
    is_convox(template) || template.pointer(&format!("/Metadata/{ADOPTED}")).is_some()
}

/// `WebPort443Host` with suffix `Host` → `("Web", 443)`: Convox's per-port parameter names.
pub fn port_parameter<'a>(name: &'a str, suffix: &str) -> Option<(&'a str, u16)> {
    let stem = name.strip_suffix(suffix)?;
    let at = stem.rfind("Port")?;
    let port = stem[at + 4..].parse().ok()?;
    Some((&stem[..at], port)).filter(|(svc, _)| !svc.is_empty())
}

/// Every parameter's value: the live one when given, else the template's default.
pub fn parameter_values(template: &Value, live: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut values: BTreeMap<String, String> = template
        .get("Parameters")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, p)| p.get("Default").map(|d| (k.clone(), text(d))))
        .collect();
    values.extend(live.iter().map(|(k, v)| (k.clone(), v.clone())));
    values
}

/// The template as its stack has it with these parameter values: every `Fn::If` whose
/// condition can be decided is replaced by its branch, `AWS::NoValue` removed, resources and
/// outputs whose condition is false dropped and true conditions taken off the rest. A condition
/// that cannot be decided (a parameter without a value) is left as it is, with its `Fn::If`.
pub fn resolve(template: &Value, values: &BTreeMap<String, String>) -> Value {
    let conditions = conditions(template, values);
    let mut out = Map::new();
    for (key, section) in template.as_object().into_iter().flatten() {
        let resolved = match (key.as_str(), section) {
            ("Resources" | "Outputs", Value::Object(items)) => Value::Object(
                items
                    .iter()
                    .filter_map(|(id, item)| {
                        let mut item = branch(item, &conditions)?;
                        let condition = item.get("Condition").and_then(Value::as_str).map(String::from);
                        match condition.and_then(|c| conditions.get(&c).copied().flatten()) {
                            Some(false) => return None,
                            Some(true) => {
                                item.as_object_mut().map(|o| o.remove("Condition"));
                            }
                            None => {}
                        }
                        Some((id.clone(), item))
                    })
                    .collect(),
            ),
            ("Conditions", Value::Object(all)) => {
                let undecided: Map<String, Value> = all
                    .iter()
                    .filter(|(name, _)| conditions.get(*name).copied().flatten().is_none())
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if undecided.is_empty() {
                    continue;
                }
                Value::Object(undecided)
            }
            _ => section.clone(),
        };
        out.insert(key.clone(), resolved);
    }
    let mut out = Value::Object(out);
    bind_rack_certificates(&mut out);
    out
}

/// A Convox template read for review: its conditions resolved with the template's defaults,
/// each balancer tagged with the service it serves (Convox did not tag them), and each TLS
/// listener whose certificate parameter is blank shown as the rack treated it — a certificate
/// supplied at deploy (a self-signed one). `None` when the template is not Convox-made.
pub fn for_review(template: &Value) -> Option<Value> {
    if !is_convox(template) {
        return None;
    }
    let values = parameter_values(template, &BTreeMap::new());
    let mut out = resolve(template, &values);
    resolve_desired_counts(&mut out, &values);
    let services = balancer_services(&out);
    if let Some(resources) = out.get_mut("Resources").and_then(Value::as_object_mut) {
        for (id, service) in services {
            let Some(props) =
                resources.get_mut(&id).and_then(|r| r.get_mut("Properties")).and_then(Value::as_object_mut)
            else {
                continue;
            };
            let tags = props.entry("Tags").or_insert_with(|| Value::Array(Vec::new()));
            if let Some(tags) = tags.as_array_mut().filter(|t| !t.iter().any(|t| t["Key"] == "Service")) {
                tags.push(serde_json::json!({"Key": "Service", "Value": service}));
            }
        }
    }
    describe_container_ports(&mut out);
    // A blank certificate default means "the rack supplies one at deploy".
    let bound: Vec<String> = certificate_parameters(&out);
    if let Some(params) = out.get_mut("Parameters").and_then(Value::as_object_mut) {
        for name in bound {
            if let Some(p) = params.get_mut(&name).and_then(Value::as_object_mut)
                && p.get("Default").is_some_and(|d| d == "")
            {
                p.remove("Default");
            }
        }
    }
    Some(out)
}

/// The service each Convox balancer serves, by the balancer's logical ID: the container its ECS
/// service attaches to it, else the logical ID read back (`BalancerMyAppInternal` → `my-app`).
pub fn balancer_services(template: &Value) -> BTreeMap<String, String> {
    let resources = template.get("Resources").and_then(Value::as_object).into_iter().flatten();
    // One pass over the ECS services: which container each balancer's service attaches.
    let attached: BTreeMap<&str, &str> = resources
        .clone()
        .flat_map(|(_, s)| s.pointer("/Properties/LoadBalancers").and_then(Value::as_array).into_iter().flatten())
        .filter_map(|lb| Some((lb.pointer("/LoadBalancerName/Ref")?.as_str()?, lb.get("ContainerName")?.as_str()?)))
        .collect();
    resources
        .filter(|(_, r)| r.get("Type").and_then(Value::as_str) == Some(LOAD_BALANCER))
        .map(|(id, _)| {
            let service = attached.get(id.as_str()).map_or_else(
                || {
                    let upper = id.strip_prefix("Balancer").unwrap_or(id);
                    lower_name(upper.strip_suffix("Internal").unwrap_or(upper))
                },
                |s| s.to_string(),
            );
            (id.clone(), service)
        })
        .collect()
}

/// Convox's services take their count from the formation parameter (`DesiredCount:
/// {"Fn::Select": [0, {"Ref": "WebFormation"}]}`, the parameter `count,cpu,memory`): the
/// review compares the number the stack has, not the expression.
fn resolve_desired_counts(template: &mut Value, values: &BTreeMap<String, String>) {
    let Some(resources) = template.get_mut("Resources").and_then(Value::as_object_mut) else { return };
    for props in resources.values_mut().filter_map(|r| r.get_mut("Properties")).filter_map(Value::as_object_mut) {
        if let Some(count) = props.get_mut("DesiredCount")
            && count.is_object()
            && let Some(n) = string(count, values).and_then(|s| s.parse::<u64>().ok())
        {
            *count = Value::from(n);
        }
    }
}

/// Convox's `UpperName` read back: `MyApp` → `my-app`.
fn lower_name(upper: &str) -> String {
    let mut out = String::new();
    for (i, c) in upper.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Convox's task definitions map each instance port parameter to its container port
/// (`PortMappings: [{"Fn::Join": [":", [{"Ref": "WebPort80Host"}, "3000/tcp"]]}]`); the review
/// reads a listener's container port from its instance port parameter's description, which
/// Convox leaves blank: it is written there.
fn describe_container_ports(template: &mut Value) {
    let mut found: Vec<(String, u16)> = Vec::new();
    let resources = template.get("Resources").and_then(Value::as_object).into_iter().flatten();
    for tasks in resources.filter_map(|(_, r)| r.pointer("/Properties/Tasks").and_then(Value::as_array)) {
        for mapping in tasks.iter().flat_map(|t| t.get("PortMappings").and_then(Value::as_array).into_iter().flatten())
        {
            let Some(parts) = mapping.pointer("/Fn::Join/1").and_then(Value::as_array) else { continue };
            let (Some(host), Some(container)) = (
                parts.first().and_then(|p| p.get("Ref")).and_then(Value::as_str),
                parts.get(1).and_then(Value::as_str),
            ) else {
                continue;
            };
            let digits: String = container.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(port) = digits.parse() {
                found.push((host.to_string(), port));
            }
        }
    }
    let Some(params) = template.get_mut("Parameters").and_then(Value::as_object_mut) else { return };
    for (host, port) in found {
        if let Some(p) = params.get_mut(&host).and_then(Value::as_object_mut) {
            let blank = p.get("Description").and_then(Value::as_str).is_none_or(|d| !d.contains("container port "));
            if blank && port_parameter(&host, "Host").is_some() {
                p.insert(
                    "Description".into(),
                    Value::String(format!("Instance (host) port, mapped to container port {port}")),
                );
            }
        }
    }
}

/// The certificate parameters of TLS listeners (HTTPS/SSL front ends) of every balancer.
fn certificate_parameters(template: &Value) -> Vec<String> {
    listeners(template)
        .filter(|l| matches!(l.get("Protocol").and_then(Value::as_str), Some("HTTPS" | "SSL")))
        .filter_map(|l| l.pointer("/SSLCertificateId/Ref").and_then(Value::as_str).map(String::from))
        .collect()
}

/// Every listener of every Classic ELB.
fn listeners(template: &Value) -> impl Iterator<Item = &Value> {
    template
        .get("Resources")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, r)| r.get("Type").and_then(Value::as_str) == Some(LOAD_BALANCER))
        .flat_map(|(_, r)| r.pointer("/Properties/Listeners").and_then(Value::as_array).into_iter().flatten())
}

/// A TLS listener left without its certificate by a blank parameter gets the parameter back:
/// the rack never left one blank on a live stack (it uploaded a self-signed certificate and
/// passed its ARN), so `Ref <Svc>Port<N>Certificate` is what the live listener has.
fn bind_rack_certificates(template: &mut Value) {
    let params: Vec<String> =
        template.get("Parameters").and_then(Value::as_object).map(|p| p.keys().cloned().collect()).unwrap_or_default();
    let Some(resources) = template.get_mut("Resources").and_then(Value::as_object_mut) else { return };
    for r in resources.values_mut().filter(|r| r.get("Type").and_then(Value::as_str) == Some(LOAD_BALANCER)) {
        let Some(list) = r.pointer_mut("/Properties/Listeners").and_then(Value::as_array_mut) else { continue };
        for l in list.iter_mut().filter_map(Value::as_object_mut) {
            let tls = matches!(l.get("Protocol").and_then(Value::as_str), Some("HTTPS" | "SSL"));
            let host = l.get("InstancePort").and_then(|p| p.get("Ref")).and_then(Value::as_str);
            let cert = host.and_then(|h| h.strip_suffix("Host")).map(|stem| format!("{stem}Certificate"));
            if let Some(cert) = cert.filter(|c| tls && !l.contains_key("SSLCertificateId") && params.contains(c)) {
                l.insert("SSLCertificateId".into(), serde_json::json!({ "Ref": cert }));
            }
        }
    }
}

/// Each condition's value, `None` when it depends on something without a value.
fn conditions(template: &Value, values: &BTreeMap<String, String>) -> BTreeMap<String, Option<bool>> {
    let all = template.get("Conditions").and_then(Value::as_object);
    let mut out = BTreeMap::new();
    for name in all.into_iter().flatten().map(|(k, _)| k) {
        let value = condition(name, all.expect("iterating it"), values, 0);
        out.insert(name.clone(), value);
    }
    out
}

/// How deep conditions may refer to conditions (CloudFormation allows no cycles; this stops one).
const DEPTH: usize = 16;

fn condition(name: &str, all: &Map<String, Value>, values: &BTreeMap<String, String>, depth: usize) -> Option<bool> {
    truth(all.get(name)?, all, values, depth + 1)
}

fn truth(v: &Value, all: &Map<String, Value>, values: &BTreeMap<String, String>, depth: usize) -> Option<bool> {
    if depth > DEPTH {
        return None;
    }
    let (op, args) = single(v)?;
    let list = args.as_array();
    let each = || list.into_iter().flatten().map(|a| truth(a, all, values, depth + 1));
    match op {
        "Condition" => condition(args.as_str()?, all, values, depth),
        "Fn::Not" => truth(list?.first()?, all, values, depth + 1).map(|b| !b),
        "Fn::And" => each().try_fold(true, |acc, b| b.map(|b| acc && b)),
        "Fn::Or" => each().try_fold(false, |acc, b| b.map(|b| acc || b)),
        "Fn::Equals" => match list?.as_slice() {
            [a, b] => Some(string(a, values)? == string(b, values)?),
            _ => None,
        },
        _ => None,
    }
}

/// A string-valued expression of a condition: a literal, `Ref` of a parameter, `Fn::Select` of
/// a comma-delimited parameter, `Fn::Join`.
fn string(v: &Value, values: &BTreeMap<String, String>) -> Option<String> {
    match v {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => Some(text(v)),
        _ => match single(v)? {
            ("Ref", name) => values.get(name.as_str()?).cloned(),
            ("Fn::Select", Value::Array(args)) => match args.as_slice() {
                [index, list] => {
                    let index: usize = text(index).parse().ok()?;
                    let items: Vec<String> = match list {
                        Value::Array(items) => items.iter().map(|i| string(i, values)).collect::<Option<_>>()?,
                        other => string(other, values)?.split(',').map(|s| s.trim().to_string()).collect(),
                    };
                    items.get(index).cloned()
                }
                _ => None,
            },
            ("Fn::Join", Value::Array(args)) => match args.as_slice() {
                [Value::String(sep), Value::Array(parts)] => {
                    Some(parts.iter().map(|p| string(p, values)).collect::<Option<Vec<_>>>()?.join(sep))
                }
                _ => None,
            },
            _ => None,
        },
    }
}

/// `v` with every decidable `Fn::If` replaced by its branch; `None` for `AWS::NoValue`.
fn branch(v: &Value, conditions: &BTreeMap<String, Option<bool>>) -> Option<Value> {
    match v {
        Value::Object(o) => {
            if let Some(("Fn::If", Value::Array(args))) = single(v)
                && let [Value::String(c), yes, no] = args.as_slice()
                && let Some(Some(b)) = conditions.get(c)
            {
                return branch(if *b { yes } else { no }, conditions);
            }
            if single(v).is_some_and(|(op, arg)| op == "Ref" && arg == "AWS::NoValue") {
                return None;
            }
            Some(Value::Object(o.iter().filter_map(|(k, v)| Some((k.clone(), branch(v, conditions)?))).collect()))
        }
        Value::Array(items) => Some(Value::Array(items.iter().filter_map(|i| branch(i, conditions)).collect())),
        other => Some(other.clone()),
    }
}

/// A one-key object as (key, value): how every intrinsic function is written.
fn single(v: &Value) -> Option<(&str, &Value)> {
    let o = v.as_object()?;
    (o.len() == 1).then(|| o.iter().next().map(|(k, v)| (k.as_str(), v)))?
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// A balancer as the rack renders it: shared with the adoption's tests.
    pub(crate) fn rack_balancer() -> Value {
        json!({
            "Parameters": {
                "Internal": {"Type": "String", "Default": "No"},
                "WebPort443Host": {"Type": "String", "Default": "3000"},
                "WebPort443Certificate": {"Type": "String", "Default": ""}
            },
            "Conditions": {
                "Internal": {"Fn::Equals": [{"Ref": "Internal"}, "Yes"]},
                "BlankBalancerWebPort443Certificate": {"Fn::Equals": [{"Ref": "WebPort443Certificate"}, ""]}
            },
            "Resources": {
                "BalancerWeb": {"Type": LOAD_BALANCER, "Properties": {
                    "LoadBalancerName": {"Fn::If": ["Internal", "httpd-web-ABC-i", "httpd-web-ABC"]},
                    "Scheme": {"Fn::If": ["Internal", "internal", {"Ref": "AWS::NoValue"}]},
                    "Listeners": [{
                        "LoadBalancerPort": "443",
                        "InstancePort": {"Ref": "WebPort443Host"},
                        "Protocol": {"Fn::If": ["BlankBalancerWebPort443Certificate", "TCP", "SSL"]},
                        "SSLCertificateId": {"Fn::If": ["BlankBalancerWebPort443Certificate",
                            {"Ref": "AWS::NoValue"}, {"Ref": "WebPort443Certificate"}]}
                    }, {"Ref": "AWS::NoValue"}]
                }},
                "ServiceWeb": {"Type": "AWS::ECS::Service", "Properties": {
                    "LoadBalancers": [{"ContainerName": "web", "LoadBalancerName": {"Ref": "BalancerWeb"}}]
                }}
            }
        })
    }

    #[test]
    fn conditions_resolve_as_the_rack_passed_its_parameters() {
        let t = rack_balancer();
        let blank = resolve(&t, &parameter_values(&t, &BTreeMap::new()));
        let lb = &blank["Resources"]["BalancerWeb"]["Properties"];
        assert_eq!(lb["LoadBalancerName"], "httpd-web-ABC");
        assert!(lb.get("Scheme").is_none(), "NoValue removes the property: {lb}");
        assert_eq!(lb["Listeners"].as_array().unwrap().len(), 1, "NoValue removes the list item");
        assert_eq!(lb["Listeners"][0]["Protocol"], "TCP", "blank certificate → the plain protocol");
        assert!(lb["Listeners"][0].get("SSLCertificateId").is_none());
        assert!(blank.get("Conditions").is_none(), "every condition was decided");

        let live = BTreeMap::from([
            ("Internal".to_string(), "Yes".to_string()),
            ("WebPort443Certificate".to_string(), "arn:aws:iam::1:server-certificate/x".to_string()),
        ]);
        let bound = resolve(&t, &parameter_values(&t, &live));
        let lb = &bound["Resources"]["BalancerWeb"]["Properties"];
        assert_eq!(lb["LoadBalancerName"], "httpd-web-ABC-i");
        assert_eq!(lb["Scheme"], "internal");
        assert_eq!(lb["Listeners"][0]["Protocol"], "SSL");
        assert_eq!(lb["Listeners"][0]["SSLCertificateId"], json!({"Ref": "WebPort443Certificate"}));
    }

    #[test]
    fn undecidable_conditions_are_left_as_written() {
        let mut t = rack_balancer();
        t["Parameters"]["Internal"].as_object_mut().unwrap().remove("Default");
        let r = resolve(&t, &parameter_values(&t, &BTreeMap::new()));
        assert!(r["Resources"]["BalancerWeb"]["Properties"]["LoadBalancerName"].get("Fn::If").is_some());
        assert!(r["Conditions"].get("Internal").is_some());
        assert!(r["Conditions"].get("BlankBalancerWebPort443Certificate").is_none());
    }

    #[test]
    fn review_reads_the_count_from_the_formation_parameter() {
        let mut t = rack_balancer();
        t["Parameters"]["WebFormation"] = json!({"Type": "CommaDelimitedList", "Default": "3,512,1024"});
        t["Resources"]["ServiceWeb"] = json!({"Type": "AWS::ECS::Service", "Properties": {
            "DesiredCount": {"Fn::Select": [0, {"Ref": "WebFormation"}]}}});
        let r = for_review(&t).expect("a Convox template");
        assert_eq!(r["Resources"]["ServiceWeb"]["Properties"]["DesiredCount"], json!(3));
    }

    #[test]
    fn convox_templates_are_told_by_shape() {
        assert!(is_convox(&rack_balancer()));
        let mut ours = rack_balancer();
        ours["Metadata"] = json!({"ComposeCfn": {}});
        assert!(!is_convox(&ours), "a template this tool compiled");
        assert!(!is_convox(&json!({"Resources": {"BalancerWeb": {"Type": LOAD_BALANCER, "Properties": {}}}})));
    }

    #[test]
    fn review_names_services_and_shows_rack_certificates() {
        let mut t = rack_balancer();
        t["Resources"]["BalancerWeb"]["Properties"]["Listeners"][0]["Protocol"] = json!("SSL");
        let r = for_review(&t).unwrap();
        let lb = &r["Resources"]["BalancerWeb"]["Properties"];
        assert_eq!(lb["Tags"], json!([{"Key": "Service", "Value": "web"}]));
        assert_eq!(lb["Listeners"][0]["SSLCertificateId"], json!({"Ref": "WebPort443Certificate"}));
        assert!(r["Parameters"]["WebPort443Certificate"].get("Default").is_none(), "supplied at deploy");
        t["Resources"].as_object_mut().unwrap().remove("ServiceWeb");
        let r = for_review(&t).unwrap();
        assert_eq!(r["Resources"]["BalancerWeb"]["Properties"]["Tags"][0]["Value"], "web", "from the logical ID");
        assert_eq!(lower_name("MyApp"), "my-app");
        assert_eq!(port_parameter("WebPort443Host", "Host"), Some(("Web", 443)));
        assert_eq!(port_parameter("Port443Host", "Host"), None);
    }

    #[test]
    fn review_reads_container_ports_from_the_rack_task_definitions() {
        let mut t = rack_balancer();
        t["Resources"]["WebECSTaskDefinition"] = json!({"Type": "Custom::ECSTaskDefinition", "Properties": {
            "Tasks": [{"PortMappings": [
                {"Fn::Join": [":", [{"Ref": "WebPort443Host"}, "3000/tcp"]]},
                "4000:4000/udp",
                {"Ref": "AWS::NoValue"}
            ]}]
        }});
        let r = for_review(&t).unwrap();
        let description = r["Parameters"]["WebPort443Host"]["Description"].as_str().unwrap();
        assert!(description.ends_with("mapped to container port 3000"), "{description}");
        let view = crate::review::StackView::from_value(&t).unwrap();
        assert_eq!(view.balancers["web"].listeners[&443].container_port, Some(3000));
    }
}
