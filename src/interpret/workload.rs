//! Interpret: the ECS side of a service — its container (image, command, environment, limits,
//! health check, port mappings) and its ECS service settings — read from the compose model.
//! One file, past 400 lines, because every container key is read the same way (structural
//! values substituted and checked, free text kept as deploy-time text) and side by side.

use super::host_ports::udp_host_port;
use super::names;
use super::no_meaning::is_explained;
use super::plan::{
    Balancer, BalancerTarget, Container, ContainerHealthCheck, EnvEntry, EnvSource, ExtraHost, HostPort, Image,
    PortMap, Ulimit, Workload,
};
use super::service_labels::ServiceLabels;
use super::text::{self, Text};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::load::interpolate::{self, Segment};
use crate::load::node::{Node, Value};
use crate::load::{PortMapping, Service, Transport};
use std::collections::{BTreeMap, HashSet};

/// Keys this module translates; `ports`, `labels`, `profiles` and `x-*` are read elsewhere.
const TRANSLATED: &[&str] = &[
    "image",
    "build",
    "dockerfile",
    "command",
    "entrypoint",
    "environment",
    "mem_limit",
    "mem_reservation",
    "cpu_shares",
    "cpus",
    "working_dir",
    "user",
    "privileged",
    "ulimits",
    "extra_hosts",
    "links",
    "healthcheck",
    "deploy",
    "ports",
    "volumes",
    "labels",
    "profiles",
];

/// ECS needs a memory figure per container on EC2; Convox gave each process 256 MiB.
pub const DEFAULT_MEMORY_RESERVATION_MIB: u32 = 256;

/// Convox kept every old task running during a deploy ("by default, 100% of the processes on
/// the old release stay running"); 50 halved the capacity of every service while deploying.
pub const DEFAULT_MINIMUM_HEALTHY_PERCENT: u32 = 100;

/// A link to another service, resolved once every balancer exists.
pub(super) struct PendingLink {
    /// The service linked to.
    pub(super) target: String,
    /// The variable prefix (the alias, upper-cased).
    pub(super) prefix: String,
    /// Where the link was written.
    pub(super) span: crate::source::Span,
}

/// Reads the ECS side of one service. `tcp` are its TCP mappings (one per balancer port);
/// `service_names` are the project's services, sorted.
pub(super) fn read(
    app: &str,
    service: &Service,
    tcp: &[&PortMapping],
    labels: &ServiceLabels,
    balancer: Option<&Balancer>,
    service_names: &[&str],
    diags: &mut Diagnostics,
) -> (Workload, Vec<PendingLink>) {
    let name = service.name.value.as_str();
    let node = &service.node;
    warn_untranslated(node, diags);
    let image = match image_name(node, diags) {
        Some(image) => Image::Literal { name: image },
        None => built_image(name, node, diags),
    };
    let mut container = Container {
        command: node.get("command").and_then(|n| command(n, "command", diags)),
        entrypoint: node.get("entrypoint").and_then(|n| command(n, "entrypoint", diags)),
        environment: environment(service, diags),
        memory_mib: node.get("mem_limit").and_then(|n| memory(n, "mem_limit", diags)).or_else(|| {
            resource(node, "limits", "memory").and_then(|n| memory(n, "deploy.resources.limits.memory", diags))
        }),
        memory_reservation_mib: node.get("mem_reservation").and_then(|n| memory(n, "mem_reservation", diags)).or_else(
            || {
                resource(node, "reservations", "memory")
                    .and_then(|n| memory(n, "deploy.resources.reservations.memory", diags))
            },
        ),
        cpu_shares: cpu_units(node, diags),
        working_dir: text(node, "working_dir", diags),
        user: text(node, "user", diags),
        privileged: match node.get("privileged") {
            None => false,
            Some(Node { value: Value::Bool(b), .. }) => *b,
            Some(other) => {
                diags.push(other.wrong_type("`privileged`", "true or false"));
                false
            }
        },
        ulimits: node.get("ulimits").map(|n| ulimits(n, diags)).unwrap_or_default(),
        extra_hosts: node.get("extra_hosts").map(|n| extra_hosts(n, diags)).unwrap_or_default(),
        health_check: node
            .get("healthcheck")
            .filter(|n| mapping_or_null(n, "`healthcheck`", diags))
            .and_then(|n| health_check(n, diags)),
        port_mappings: port_mappings(service, balancer, labels.balancer_disabled(), diags),
        volumes: node.get("volumes").map(|n| super::volumes::read(app, n, diags)).unwrap_or_default(),
    };
    let sized =
        container.cpu_shares.is_some() || container.memory_mib.is_some() || container.memory_reservation_mib.is_some();
    if container.memory_mib.is_none() && container.memory_reservation_mib.is_none() {
        container.memory_reservation_mib = Some(DEFAULT_MEMORY_RESERVATION_MIB);
    }
    let links = node.get("links").map(|n| links(n, service_names, diags)).unwrap_or_default();
    let deploy = node.get("deploy").filter(|d| mapping_or_null(d, "`deploy`", diags));
    let replicas = deploy.and_then(|d| d.get("replicas")).and_then(|n| whole(n, "deploy.replicas", 0, 1000, diags));
    let daemon = daemon(labels, deploy, diags);
    let workload = Workload {
        service: name.to_string(),
        task_definition_id: names::task_definition(name),
        service_id: names::ecs_service(name),
        arn_output: names::service_arn_output(name),
        image,
        desired_count: labels.number("convox.scale").or(replicas).unwrap_or(1),
        count_set: labels.number("convox.scale").or(replicas).is_some(),
        sized,
        daemon,
        // A daemon's one task per instance must stop before its replacement starts there:
        // ECS's own daemon defaults (0 and 100), since 100/100 could never deploy.
        minimum_healthy_percent: labels.number("convox.deployment.minimum").unwrap_or(if daemon {
            0
        } else {
            DEFAULT_MINIMUM_HEALTHY_PERCENT
        }),
        maximum_percent: labels.number("convox.deployment.maximum").unwrap_or(if daemon { 100 } else { 200 }),
        balancer: balancer.map(|b| BalancerTarget {
            logical_id: b.logical_id.clone(),
            container_port: tcp
                .iter()
                .find(|m| m.balancer_port() == b.health_check.listener_port)
                .map_or(b.listeners[0].container_port, |m| m.target),
        }),
        container,
    };
    (workload, links)
}

/// `convox.agent=true`: Convox's agent mode, one container per instance, as ECS `DAEMON`
/// scheduling. A count (`convox.scale`, `deploy.replicas`) or a deployment maximum other than
/// 100 contradicts it (ECS refuses both for a daemon): an error at each, not a silent choice.
fn daemon(labels: &ServiceLabels, deploy: Option<&Node>, diags: &mut Diagnostics) -> bool {
    let Some((true, agent)) = labels.flag_at("convox.agent") else {
        return false;
    };
    let mut conflict = |span, what: String, help: &str| {
        diags.push(
            Diagnostic::error(Code::AgentConflict, span, format!("{what} contradicts `convox.agent=true`"))
                .with_label("contradicts agent mode")
                .with_related(agent.key_span, "one task on every instance (ECS DAEMON) asked for here")
                .with_help(help.to_string()),
        );
    };
    let count_help =
        "a daemon runs one task on every container instance, so it has no count: remove this, or remove `convox.agent`";
    if let Some((_, label)) = labels.number_at("convox.scale") {
        conflict(label.key_span, "`convox.scale`".into(), count_help);
    }
    if let Some(replicas) = deploy.and_then(|d| d.get("replicas")) {
        conflict(replicas.span, "`deploy.replicas`".into(), count_help);
    }
    if let Some((max, label)) = labels.number_at("convox.deployment.maximum").filter(|(m, _)| *m != 100) {
        conflict(
            label.key_span,
            format!("`convox.deployment.maximum={max}`"),
            "ECS requires a daemon's maximum percent to be 100: remove the label or set it to 100",
        );
    }
    true
}

fn warn_untranslated(node: &Node, diags: &mut Diagnostics) {
    for (key, _) in node.as_map().unwrap_or_default() {
        if TRANSLATED.contains(&key.name.as_str()) || key.name.starts_with("x-") || is_explained(&key.name) {
            continue;
        }
        diags.push(
            Diagnostic::warning(Code::UntranslatedKey, key.span, format!("`{}` is not translated to ECS and is ignored", key.name))
                .with_label("ignored")
                .with_help("compose-cfn translates image, build, command, entrypoint, environment, mem_limit, mem_reservation, cpu_shares, cpus, working_dir, user, privileged, ulimits, extra_hosts, links, healthcheck, deploy.replicas, deploy.resources, ports, named volumes and labels"),
        );
    }
    if let Some(deploy) = node.get("deploy").and_then(Node::as_map) {
        for (key, _) in deploy.iter().filter(|(k, _)| k.name != "replicas" && k.name != "resources") {
            diags.push(
                Diagnostic::warning(
                    Code::UntranslatedKey,
                    key.span,
                    format!("`deploy.{}` is not translated to ECS and is ignored", key.name),
                )
                .with_label("ignored")
                .with_help("of `deploy:`, only `replicas` and `resources` are translated (to the desired count, memory and CPU)"),
            );
        }
    }
    // Of `deploy.resources`, memory and cpus of `limits` and `reservations` have an ECS meaning.
    let resources = node.get("deploy").and_then(|d| d.get("resources")).and_then(Node::as_map).unwrap_or_default();
    for (key, value) in resources {
        let inner = if ["limits", "reservations"].contains(&key.name.as_str()) { value.as_map() } else { None };
        let extra: Vec<_> = match inner {
            Some(entries) => {
                entries.iter().filter(|(k, _)| k.name != "memory" && k.name != "cpus").map(|(k, _)| k).collect()
            }
            None => vec![key],
        };
        for k in extra {
            diags.push(
                Diagnostic::warning(Code::UntranslatedKey, k.span, format!("`{}` of `deploy.resources` is not translated to ECS and is ignored", k.name))
                    .with_label("ignored")
                    .with_help("of `deploy.resources`, `limits` and `reservations` of `memory` and `cpus` are translated (to Memory, MemoryReservation and Cpu)"),
            );
        }
    }
}

/// `deploy.resources.<section>.<key>`.
fn resource<'n>(node: &'n Node, section: &str, key: &str) -> Option<&'n Node> {
    node.get("deploy")?.get("resources")?.get(section)?.get(key)
}

/// The container's `Cpu` units: `cpu_shares` as written, else `cpus` (or `deploy.resources`
/// reservations, then limits) at 1024 units a CPU. On EC2 `Cpu` reserves units and weights
/// the container under contention; it is not a hard cap as `cpus` is under Docker.
fn cpu_units(node: &Node, diags: &mut Diagnostics) -> Option<u32> {
    if let Some(shares) = node.get("cpu_shares") {
        return whole(shares, "cpu_shares", 0, 10240, diags);
    }
    let (key, n) = [
        ("cpus", node.get("cpus")),
        ("deploy.resources.reservations.cpus", resource(node, "reservations", "cpus")),
        ("deploy.resources.limits.cpus", resource(node, "limits", "cpus")),
    ]
    .into_iter()
    .find_map(|(k, n)| Some((k, n?)))?;
    let value = match &n.value {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Str(_) => n.structural(diags)?.trim().parse::<f64>().ok(),
        _ => None,
    };
    match value {
        Some(v) if v > 0.0 && v <= 10.0 => Some(((v * 1024.0).round() as u32).max(1)),
        _ => {
            diags.push(container_error(
                n,
                format!(
                    "`{key}` must be a number of CPUs above 0 and at most 10, not `{}`",
                    n.scalar_text().unwrap_or_default()
                ),
                "write a number of CPUs such as `0.5` or `2` (ECS gives 1024 units a CPU)",
            ));
            None
        }
    }
}

/// `image:` when it names one, as deploy-time text; a list, mapping or empty string is an
/// error rather than "no image", which would silently build instead.
fn image_name(node: &Node, diags: &mut Diagnostics) -> Option<Text> {
    let image = node.get("image")?;
    match &image.value {
        Value::Null | Value::Invalid => None,
        Value::Str(t) if t.text.trim().is_empty() => {
            diags.push(
                Diagnostic::error(Code::WrongType, image.span, "`image` is empty")
                    .with_label("no image name")
                    .with_help("name an image, e.g. `nginx:1.27`, or remove `image:` to build the service"),
            );
            None
        }
        Value::Seq(_) | Value::Map(_) => {
            diags.push(image.wrong_type("`image`", "an image name (a string)"));
            None
        }
        _ => text::of_node(image, diags).filter(|t| !t.parts.is_empty()),
    }
}

/// The build context, for the template's metadata: the deploy stage builds from it. One taken
/// from the environment would put a value into the template, so it must be written out.
/// An image the deploy stage builds: the context, Dockerfile, target and arguments it needs
/// (a deploy that built `Dockerfile` when the file names `Dockerfile.prod` ships the wrong image).
fn built_image(name: &str, node: &Node, diags: &mut Diagnostics) -> Image {
    let build = node.get("build");
    let map = build.filter(|b| matches!(b.value, Value::Map(_)));
    let context = match build.map(|b| &b.value) {
        Some(Value::Map(_)) => map.and_then(|b| b.get("context")),
        Some(Value::Seq(_)) => {
            diags.push(build.expect("matched").wrong_type("`build`", "a path or a mapping with `context`"));
            None
        }
        _ => build,
    };
    // v1 wrote `dockerfile:` beside `build: .`; v2 and later inside `build:`.
    let dockerfile = map.and_then(|b| b.get("dockerfile")).or_else(|| node.get("dockerfile"));
    Image::Parameter {
        parameter: names::image_parameter(name),
        build: context.and_then(|c| literal_path(c, "the build context", diags)),
        dockerfile: dockerfile.and_then(|d| literal_path(d, "the Dockerfile", diags)),
        target: map.and_then(|b| b.get("target")).and_then(|t| literal_path(t, "the build target", diags)),
        args: map.and_then(|b| b.get("args")).map(|a| build_args(a, diags)).unwrap_or_default(),
    }
}

/// A build setting written out: the template records it for the deploy stage, so it must not
/// depend on the environment compose-cfn runs in.
fn literal_path(node: &Node, what: &str, diags: &mut Diagnostics) -> Option<String> {
    if node.is_interpolated() {
        diags.push(
            Diagnostic::error(Code::ContainerValue, node.span, format!("{what} comes from `${{…}}`"))
                .with_label("a value from the environment")
                .with_help(format!("write {what} out: the template names it, and must not depend on the environment")),
        );
        return None;
    }
    let segments = node.segments()?;
    interpolate::literal(&segments).filter(|s| !s.is_empty())
}

/// `build.args`, a mapping or a `KEY=value` list, as written: a `${VAR}` stays unexpanded so
/// that no value of compose-cfn's environment (often a token) reaches the template.
fn build_args(node: &Node, diags: &mut Diagnostics) -> BTreeMap<String, Option<String>> {
    let mut out = BTreeMap::new();
    match &node.value {
        Value::Map(entries) => {
            for (key, value) in entries {
                let written = match (&value.value, value.scalar_text()) {
                    (Value::Null, _) => None,
                    (_, Some(text)) => Some(text),
                    (_, None) => {
                        diags.push(value.wrong_type("a build argument", "a string"));
                        continue;
                    }
                };
                out.insert(key.name.clone(), written);
            }
        }
        Value::Seq(items) => {
            for item in items {
                match item.scalar_text() {
                    Some(text) => match text.split_once('=') {
                        Some((k, v)) => out.insert(k.to_string(), Some(v.to_string())),
                        None => out.insert(text, None),
                    },
                    None => {
                        diags.push(item.wrong_type("a build argument", "`KEY=value` or `KEY`"));
                        continue;
                    }
                };
            }
        }
        _ => diags.push(node.wrong_type("`build.args`", "a mapping or a list of `KEY=value`")),
    }
    out
}

/// True for a mapping; null and already-reported values are passed over quietly, anything
/// else is a `wrong-type` error (a list or string where a section belongs was ignored before).
fn mapping_or_null(node: &Node, what: &str, diags: &mut Diagnostics) -> bool {
    match &node.value {
        Value::Map(_) => true,
        Value::Null | Value::Invalid => false,
        _ => {
            diags.push(node.wrong_type(what, "a mapping"));
            false
        }
    }
}

fn environment(service: &Service, diags: &mut Diagnostics) -> Vec<EnvEntry> {
    let mut entries: Vec<EnvEntry> = service
        .environment
        .iter()
        .filter_map(|(name, var)| {
            let text = text::of_segments(&var.value, var.span, diags)?;
            Some(EnvEntry { name: name.clone(), value: EnvSource::Text { text } })
        })
        .collect();
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    entries
}

fn container_error(node: &Node, message: String, help: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Code::ContainerValue, node.span, message).with_label("invalid value").with_help(help)
}

/// `command:` / `entrypoint:` as a list, or a string split as a POSIX shell splits words.
fn command(node: &Node, key: &str, diags: &mut Diagnostics) -> Option<Vec<Text>> {
    match &node.value {
        Value::Null | Value::Invalid => None,
        Value::Seq(items) => {
            if items.iter().any(|i| matches!(i.value, Value::Seq(_) | Value::Map(_))) {
                diags.push(node.wrong_type(&format!("`{key}`"), "a string or a list of strings"));
                return None;
            }
            items.iter().map(|i| text::of_node(i, diags)).collect()
        }
        Value::Str(_) => match shell_words_of(&node.segments()?) {
            Ok(words) => words.iter().map(|w| text::of_segments(w, node.span, diags)).collect(),
            Err(message) => {
                diags.push(container_error(
                    node,
                    format!("`{key}`: {message}"),
                    "close the quote, or write the command as a list",
                ));
                None
            }
        },
        _ => {
            diags.push(node.wrong_type(&format!("`{key}`"), "a string or a list of strings"));
            None
        }
    }
}

/// Stands for a variable reference while a command line is split: a reference is one opaque
/// piece of the word it is written in (its value is not known until deploy, so it cannot
/// split words as Compose's compile-time substitution would).
const REFERENCE: char = '\u{E000}';

/// [`shell_words`] over a string with references: each stays inside its word, in order.
fn shell_words_of(segments: &[Segment]) -> Result<Vec<Vec<Segment>>, String> {
    let mut line = String::new();
    let mut references = Vec::new();
    for segment in segments {
        match segment {
            Segment::Literal(text) if text.contains(REFERENCE) => {
                return Err("the command holds the private-use character U+E000".into());
            }
            Segment::Literal(text) => line.push_str(text),
            Segment::Var(var) => {
                line.push(REFERENCE);
                references.push(var);
            }
        }
    }
    let mut references = references.into_iter();
    let words = shell_words(&line)?
        .into_iter()
        .map(|word| {
            let mut out = Vec::new();
            for (i, piece) in word.split(REFERENCE).enumerate() {
                if i > 0 {
                    out.push(Segment::Var(references.next().expect("one reference per marker").clone()));
                }
                if !piece.is_empty() {
                    out.push(Segment::Literal(piece.to_string()));
                }
            }
            out
        })
        .collect();
    Ok(words)
}

/// Splits a command line into words: white space separates, quotes group, `\` escapes.
pub fn shell_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err("unclosed single quote".into()),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => w.push(c),
                            Some(c) => {
                                w.push('\\');
                                w.push(c);
                            }
                            None => return Err("unclosed double quote".into()),
                        },
                        Some(c) => w.push(c),
                        None => return Err("unclosed double quote".into()),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

/// A memory size as Docker reads it (`512m`, `1.5g`, `1073741824`), in whole MiB (rounded up).
fn memory(node: &Node, key: &str, diags: &mut Diagnostics) -> Option<u32> {
    let bytes = match &node.value {
        Value::Invalid => return None,
        Value::Int(i) if *i >= 0 => Ok(*i as f64),
        Value::Str(t) => parse_bytes(&node.structural(diags)?).ok_or(t.text.clone()),
        Value::Seq(_) | Value::Map(_) => {
            diags.push(node.wrong_type(&format!("`{key}`"), "a memory size such as `512m`"));
            return None;
        }
        _ => Err(node.scalar_text().unwrap_or_else(|| node.kind().to_string())),
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(text) => {
            // `text` is as written: a value from the environment is never quoted.
            diags.push(container_error(
                node,
                format!("`{key}` is `{text}`, not a memory size"),
                "write a number with a unit b, k, m or g, e.g. `512m` or `1g`",
            ));
            return None;
        }
    };
    let mib = (bytes / (1024.0 * 1024.0)).ceil();
    if mib < 6.0 {
        let hint = match &node.value {
            Value::Int(i) => format!("; `{i}` is bytes — did you mean `{i}m`?"),
            _ => String::new(),
        };
        diags.push(container_error(
            node,
            format!("`{key}` is below the 6 MiB a container needs"),
            format!("give at least `6m`{hint}"),
        ));
        return None;
    }
    if mib > f64::from(u32::MAX) {
        diags.push(container_error(
            node,
            format!("`{key}` is larger than any instance"),
            "give the size in m or g, e.g. `4g`",
        ));
        return None;
    }
    Some(mib as u32)
}

fn parse_bytes(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok().filter(|n: &f64| n.is_finite())?;
    let unit = unit.trim().to_ascii_lowercase();
    let unit = unit.strip_suffix('b').unwrap_or(&unit);
    let unit = unit.strip_suffix('i').unwrap_or(unit);
    let factor = match unit {
        "" => 1.0,
        "k" => 1024.0,
        "m" => 1024.0 * 1024.0,
        "g" => 1024.0 * 1024.0 * 1024.0,
        "t" => 1024.0_f64.powi(4),
        _ => return None,
    };
    Some(number * factor)
}

fn whole(node: &Node, key: &str, min: i64, max: i64, diags: &mut Diagnostics) -> Option<u32> {
    let value = match &node.value {
        Value::Int(i) => Some(*i),
        Value::Str(_) => node.structural(diags)?.trim().parse::<i64>().ok(),
        Value::Invalid => return None,
        _ => None,
    };
    match value {
        Some(v) if (min..=max).contains(&v) => Some(v as u32),
        _ => {
            diags.push(container_error(
                node,
                format!(
                    "`{key}` must be a whole number from {min} to {max}, not `{}`",
                    node.scalar_text().unwrap_or_default()
                ),
                format!("use a whole number from {min} to {max}"),
            ));
            None
        }
    }
}

fn text(node: &Node, key: &str, diags: &mut Diagnostics) -> Option<Text> {
    let value = node.get(key)?;
    match &value.value {
        Value::Str(_) | Value::Int(_) => text::of_node(value, diags),
        Value::Null | Value::Invalid => None,
        _ => {
            diags.push(value.wrong_type(&format!("`{key}`"), "a string"));
            None
        }
    }
}

/// The names Docker (and so ECS) accepts in `ulimits`.
const ULIMITS: &[&str] = &[
    "core",
    "cpu",
    "data",
    "fsize",
    "locks",
    "memlock",
    "msgqueue",
    "nice",
    "nofile",
    "nproc",
    "rss",
    "rtprio",
    "rttime",
    "sigpending",
    "stack",
];

fn ulimits(node: &Node, diags: &mut Diagnostics) -> Vec<Ulimit> {
    let Some(entries) = node.as_map() else {
        diags.push(node.wrong_type("`ulimits`", "a mapping such as `nofile: {soft: 20000, hard: 40000}`"));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in entries {
        if !ULIMITS.contains(&key.name.as_str()) {
            let help = match super::labels::nearest(&key.name, ULIMITS) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("ulimits are {}", ULIMITS.join(", ")),
            };
            diags.push(
                Diagnostic::error(Code::ContainerValue, key.span, format!("unknown ulimit `{}`", key.name))
                    .with_help(help),
            );
            continue;
        }
        let limit = |n: &Node| match &n.value {
            Value::Int(i) => Some(*i),
            _ => None,
        };
        let (soft, hard) = match &value.value {
            Value::Int(i) => (Some(*i), Some(*i)),
            Value::Map(_) => (value.get("soft").and_then(limit), value.get("hard").and_then(limit)),
            _ => (None, None),
        };
        match (soft, hard) {
            (Some(soft), Some(hard)) if soft <= hard => out.push(Ulimit { name: key.name.clone(), soft, hard }),
            (Some(_), Some(_)) => diags.push(container_error(
                value,
                format!("ulimit `{}`: soft limit above hard limit", key.name),
                "make `soft` at most `hard`",
            )),
            _ => diags.push(container_error(
                value,
                format!("ulimit `{}` needs a number, or `soft:` and `hard:` numbers", key.name),
                format!("e.g. `{}: {{soft: 20000, hard: 40000}}`", key.name),
            )),
        }
    }
    out
}

fn extra_hosts(node: &Node, diags: &mut Diagnostics) -> Vec<ExtraHost> {
    let mut pairs: Vec<(Vec<Segment>, Vec<Segment>, &Node)> = Vec::new();
    match &node.value {
        Value::Seq(items) => {
            for item in items {
                let Some(segments) = item.segments().filter(|_| !matches!(item.value, Value::Null)) else {
                    diags.push(item.wrong_type("an `extra_hosts` entry", "a string `host:ip`"));
                    continue;
                };
                // `host:ip` (the IP may be IPv6 and contain colons) or `host=ip`.
                match interpolate::split_once(&segments, '=').or_else(|| interpolate::split_once(&segments, ':')) {
                    Some((host, ip)) => pairs.push((host, ip, item)),
                    None => diags.push(container_error(
                        item,
                        format!("`{}` is not `host:ip`", item.scalar_text().unwrap_or_default()),
                        "write e.g. `somehost:162.242.195.82`",
                    )),
                }
            }
        }
        Value::Map(entries) => {
            for (k, v) in entries {
                let ip = v.segments().map(|s| s.into_owned()).unwrap_or_default();
                pairs.push((vec![Segment::Literal(k.name.clone())], ip, v));
            }
        }
        Value::Null | Value::Invalid => {}
        _ => diags.push(node.wrong_type("`extra_hosts`", "a list of `host:ip` strings or a mapping")),
    }
    pairs
        .into_iter()
        .filter_map(|(hostname, ip, at)| {
            let hostname = text::of_segments(&hostname, at.span, diags)?;
            let mut ip = text::of_segments(&ip, at.span, diags)?;
            // An address written out is checked now; one from a variable by ECS at deploy.
            if let Some(literal) = ip.as_literal() {
                let trimmed = literal.trim_matches(['[', ']']);
                if trimmed.parse::<std::net::IpAddr>().is_err() {
                    diags.push(container_error(
                        at,
                        format!("`{literal}` is not an IP address (extra host `{}`)", hostname.display()),
                        "give a numeric IPv4 or IPv6 address",
                    ));
                    return None;
                }
                ip = Text::literal(trimmed);
            }
            Some(ExtraHost { hostname, ip })
        })
        .collect()
}

/// The most services searched for a did-you-mean, and the most names a help text lists: both
/// are per link, so without a bound 5,000 services with a wrong link each took 22 s (an edit
/// distance to every service) and printed every name 5,000 times.
const MAX_NAMES: usize = 256;
const MAX_NAMES_SHOWN: usize = 8;

/// The service `target` most likely meant, when there are few enough services to search.
fn suggest_service<'a>(target: &str, service_names: &[&'a str]) -> Option<&'a str> {
    (service_names.len() <= MAX_NAMES).then(|| super::labels::nearest(target, service_names)).flatten()
}

/// The first service names, and how many more there are.
fn some_names(service_names: &[&str]) -> String {
    let shown = service_names[..service_names.len().min(MAX_NAMES_SHOWN)].join(", ");
    match service_names.len().saturating_sub(MAX_NAMES_SHOWN) {
        0 => shown,
        more => format!("{shown}, … ({more} more)"),
    }
}

fn links(node: &Node, service_names: &[&str], diags: &mut Diagnostics) -> Vec<PendingLink> {
    let Value::Seq(items) = &node.value else {
        if !matches!(node.value, Value::Null | Value::Invalid) {
            diags.push(node.wrong_type("`links`", "a list of service names"));
        }
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        let Some(text) = item.scalar_text() else {
            diags.push(item.wrong_type("a link", "a service name, or `service:alias`"));
            continue;
        };
        if item.is_interpolated() {
            // Links name services and variables of the template: structure, written out.
            diags.push(
                Diagnostic::error(Code::UnknownLink, item.span, format!("the link `{text}` comes from `${{…}}`"))
                    .with_label("a link from the environment")
                    .with_help("write the service name (and alias) out"),
            );
            continue;
        }
        let (target, alias) = text.split_once(':').unwrap_or((&text, &text));
        // Sorted by name (interpret sorts the services), so a binary search: a scan per link
        // was quadratic in apps with many services.
        if service_names.binary_search(&target).is_err() {
            let help = match suggest_service(target, service_names) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the services are {}", some_names(service_names)),
            };
            diags.push(
                Diagnostic::error(
                    Code::UnknownLink,
                    item.span,
                    format!("`links` names `{target}`, which is not a service of this project"),
                )
                .with_label("no such service")
                .with_help(help),
            );
            continue;
        }
        let prefix: String =
            alias.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
        out.push(PendingLink { target: target.to_string(), prefix, span: item.span });
    }
    out
}

/// The `LINK_*` variables of each service's environment (`LINK_SCHEME`, `LINK_USERNAME`,
/// `LINK_PASSWORD`, `LINK_PATH`), which its links' variables are built from, as Convox did.
pub(super) type LinkEnv = BTreeMap<String, BTreeMap<String, Text>>;

/// Reads every workload's `LINK_*` environment, before any link is resolved.
pub(super) fn link_env(workloads: &[&Workload]) -> LinkEnv {
    workloads
        .iter()
        .map(|w| {
            let vars = w.container.environment.iter().filter(|e| e.name.starts_with("LINK_"));
            let texts = vars.filter_map(|e| match &e.value {
                EnvSource::Text { text } => Some((e.name.clone(), text.clone())),
                _ => None,
            });
            (w.service.clone(), texts.collect())
        })
        .collect()
}

/// Turns links into `<ALIAS>_HOST`, `_PORT`, `_URL`, `_SCHEME`, `_USERNAME`, `_PASSWORD` and
/// `_PATH` variables pointing at the linked service's balancer, as Convox did: ECS links only
/// join containers of one task, and each compose service is a task of its own. The user, the
/// password and the path come from the linked service's `LINK_*` environment as deploy-time
/// text, so a password from the environment stays a `NoEcho` parameter, never a value.
/// `balancers` are in service-name order.
pub(super) fn resolve_links(
    workload: &mut Workload,
    links: Vec<PendingLink>,
    balancers: &[Balancer],
    services: &[&Service],
    link_env: &LinkEnv,
    diags: &mut Diagnostics,
) {
    for link in links {
        // Balancers and services are in service-name order: a binary search, not a scan per link.
        let found = balancers.binary_search_by(|b| b.service.as_str().cmp(link.target.as_str()));
        let Some(b) = found.ok().map(|i| &balancers[i]) else {
            let target = services
                .binary_search_by(|s| s.name.value.as_str().cmp(link.target.as_str()))
                .ok()
                .map(|i| services[i]);
            if target.is_some_and(|t| t.ports.is_empty()) {
                // Convox refused this file ("web links to service: database which does not
                // expose any ports"); deploying it gave a container with no address to use.
                diags.push(
                    Diagnostic::error(
                        Code::UnknownLink,
                        link.span,
                        format!("`{}` maps no ports, so a link to it has no address", link.target),
                    )
                    .with_label("linked here")
                    .with_help(format!(
                        "add the port `{}` listens on to its `ports:` (e.g. `ports: [\"5432\"]` for Postgres), or remove the link",
                        link.target
                    )),
                );
                continue;
            }
            diags.push(
                Diagnostic::warning(
                    Code::UnknownLink,
                    link.span,
                    format!("`{}` has no load balancer, so the link gives no address", link.target),
                )
                .with_help(format!(
                    "map a port on `{}` (e.g. an internal port such as `5432`) so that it gets a balancer",
                    link.target
                )),
            );
            continue;
        };
        let listener = &b.listeners[0];
        let given = |key: &str| link_env.get(link.target.as_str()).and_then(|env| env.get(key)).cloned();
        let (username, password, path) = (given("LINK_USERNAME"), given("LINK_PASSWORD"), given("LINK_PATH"));
        // The scheme is a keyword of the URL, not a value: only literal text is taken.
        let scheme = given("LINK_SCHEME")
            .and_then(|t| t.as_literal())
            .unwrap_or_else(|| format!("{:?}", listener.protocol).to_ascii_lowercase());
        let user_info = (username.is_some() || password.is_some()).then(|| {
            let mut info = username.clone().unwrap_or_default();
            info.push_literal(":");
            info.push_text(&password.clone().unwrap_or_default());
            info
        });
        let text = |t: Option<Text>| EnvSource::Text { text: t.unwrap_or_default() };
        let url = EnvSource::BalancerUrl {
            balancer: b.logical_id.clone(),
            scheme: scheme.clone(),
            port: listener.balancer_port,
            user_info,
            path: path.clone(),
        };
        let entries = [
            ("HOST", EnvSource::BalancerHost { balancer: b.logical_id.clone() }),
            ("PORT", EnvSource::Text { text: Text::literal(listener.balancer_port.to_string()) }),
            ("URL", url),
            ("SCHEME", EnvSource::Text { text: Text::literal(scheme) }),
            ("USERNAME", text(username)),
            ("PASSWORD", text(password)),
            ("PATH", text(path)),
        ];
        for (suffix, value) in entries {
            let name = format!("{}_{suffix}", link.prefix);
            // A variable the manifest sets itself wins over the generated one.
            if !workload.container.environment.iter().any(|e| e.name == name) {
                workload.container.environment.push(EnvEntry { name, value });
            }
        }
    }
    workload.container.environment.sort_by(|a, b| a.name.cmp(&b.name));
}

fn health_check(node: &Node, diags: &mut Diagnostics) -> Option<ContainerHealthCheck> {
    if node.get("disable").is_some_and(|d| d.value == Value::Bool(true)) {
        return None;
    }
    let test = node.get("test")?;
    let command = match &test.value {
        Value::Str(_) => vec![Text::literal("CMD-SHELL"), text::of_node(test, diags)?],
        Value::Seq(items) => {
            // The first word is a keyword (structure); the rest are deploy-time text.
            let first = items.first().and_then(|i| i.structural(diags));
            let words: Vec<Text> = items.iter().skip(1).filter_map(|i| text::of_node(i, diags)).collect();
            match first.as_deref() {
                Some("NONE") => return None,
                Some(kind @ ("CMD" | "CMD-SHELL")) if !words.is_empty() => {
                    std::iter::once(Text::literal(kind)).chain(words).collect()
                }
                _ => {
                    diags.push(container_error(
                        test,
                        "`healthcheck.test` must start with CMD or CMD-SHELL".into(),
                        "e.g. `[\"CMD\", \"curl\", \"-f\", \"http://localhost/\"]`",
                    ));
                    return None;
                }
            }
        }
        _ => {
            diags.push(test.wrong_type("`healthcheck.test`", "a string or a list"));
            return None;
        }
    };
    let seconds = |key: &str, default: u32, min: u32, max: u32, diags: &mut Diagnostics| -> u32 {
        let Some(n) = node.get(key) else { return default };
        let parsed = match &n.value {
            Value::Str(_) => match n.structural(diags) {
                Some(text) => parse_duration(&text),
                None => return default,
            },
            _ => None,
        };
        match parsed {
            Some(s) if (f64::from(min)..=f64::from(max)).contains(&s.ceil()) => s.ceil() as u32,
            Some(_) => {
                diags.push(container_error(
                    n,
                    format!("`healthcheck.{key}` must be from {min}s to {max}s on ECS"),
                    format!("use a duration from {min}s to {max}s"),
                ));
                default
            }
            None => {
                diags.push(container_error(
                    n,
                    format!("`healthcheck.{key}` is `{}`, not a duration", n.scalar_text().unwrap_or_default()),
                    "write a duration such as `30s` or `1m30s`",
                ));
                default
            }
        }
    };
    let interval = seconds("interval", 30, 5, 300, diags);
    let timeout = seconds("timeout", 5, 2, 60, diags);
    let start_period = seconds("start_period", 0, 0, 300, diags);
    let retries = node.get("retries").and_then(|n| whole(n, "healthcheck.retries", 1, 10, diags)).unwrap_or(3);
    Some(ContainerHealthCheck { command, interval, timeout, retries, start_period })
}

/// A Go duration (`1m30s`, `500ms`, `2h`) in seconds.
pub fn parse_duration(text: &str) -> Option<f64> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += number * factor;
        rest = &rest[unit_len..];
    }
    Some(total)
}

fn port_mappings(
    service: &Service,
    balancer: Option<&Balancer>,
    labels_disable_balancer: bool,
    diags: &mut Diagnostics,
) -> Vec<PortMap> {
    let mut out: Vec<PortMap> = Vec::new();
    // Plain mappings already written, by (container port, host port, UDP): a scan of `out` per
    // mapping made `1-65535/udp` quadratic. Listener mappings never equal a plain one.
    let mut seen: HashSet<(u16, Option<u16>, bool)> = HashSet::new();
    if let Some(b) = balancer {
        out.extend(b.listeners.iter().map(|l| PortMap {
            container_port: l.container_port,
            host_port: HostPort::Parameter { parameter: l.instance_port.parameter.clone() },
            protocol: "tcp".into(),
        }));
    }
    for m in &service.ports {
        let plain = match m.transport {
            Transport::Udp => true,
            Transport::Tcp => balancer.is_none(),
            Transport::Sctp => {
                // A balanced service gets an error for SCTP already.
                if labels_disable_balancer {
                    diags.push(
                        Diagnostic::warning(
                            Code::UntranslatedKey,
                            m.span,
                            "ECS cannot map SCTP ports; this one is ignored",
                        )
                        .with_help("remove the port, or map it as TCP or UDP"),
                    );
                }
                false
            }
        };
        if plain {
            let published = if m.transport == Transport::Udp { Some(udp_host_port(m)) } else { m.published };
            let map = PortMap {
                container_port: m.target,
                host_port: published.map_or(HostPort::Dynamic, |port| HostPort::Fixed { port }),
                protocol: if m.transport == Transport::Udp { "udp" } else { "tcp" }.into(),
            };
            if seen.insert((m.target, published, m.transport == Transport::Udp)) {
                out.push(map);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_split_like_a_shell() {
        assert_eq!(shell_words("bin/web --port 3000").unwrap(), ["bin/web", "--port", "3000"]);
        assert_eq!(
            shell_words(r#"sh -c 'echo "hi there"' x\ y "a\"b""#).unwrap(),
            ["sh", "-c", "echo \"hi there\"", "x y", "a\"b"]
        );
        assert_eq!(shell_words("  ").unwrap(), Vec::<String>::new());
        assert_eq!(shell_words("''").unwrap(), [""]);
        assert!(shell_words("echo 'open").is_err());
        assert!(shell_words("echo \"open").is_err());
    }

    #[test]
    fn memory_sizes_read_as_docker_reads_them() {
        assert_eq!(parse_bytes("512m"), Some(512.0 * 1024.0 * 1024.0));
        assert_eq!(parse_bytes("1g"), Some(1024.0 * 1024.0 * 1024.0));
        assert_eq!(parse_bytes("1.5GB"), Some(1.5 * 1024.0 * 1024.0 * 1024.0));
        assert_eq!(parse_bytes("64MiB"), Some(64.0 * 1024.0 * 1024.0));
        assert_eq!(parse_bytes("1024"), Some(1024.0));
        assert_eq!(parse_bytes("512q"), None);
        assert_eq!(parse_bytes("m"), None);
        assert_eq!(parse_bytes(""), None);
    }

    #[test]
    fn durations_read_as_go_reads_them() {
        assert_eq!(parse_duration("30s"), Some(30.0));
        assert_eq!(parse_duration("1m30s"), Some(90.0));
        assert_eq!(parse_duration("1h"), Some(3600.0));
        assert_eq!(parse_duration("1500ms"), Some(1.5));
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("10x"), None);
        assert_eq!(parse_duration(""), None);
    }
}
