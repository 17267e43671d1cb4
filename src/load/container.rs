//! The container keys of a service (image, build, command, entrypoint, limits, health check,
//! ulimits, extra hosts, volumes, links, deploy) read from its merged mapping into a typed,
//! spanned model, so that `interpret` never walks the YAML tree. Structural values (sizes,
//! counts, durations, paths of the build) are substituted and checked here; free text is kept
//! as written ([`Written`]), to become deploy-time text in `interpret`. A little past 400
//! lines: the model's declarations (a third of it) beside the one reading that fills them;
//! the list-valued keys are read in `container_lists`.

use super::container_lists::{extra_hosts, links, ulimits, volumes};
use super::limits::{cpu_units, memory, whole};
use super::node::{Node, Value};
use super::{healthcheck, interpolate, shell_words};
use crate::diagnostic::{Code, Diagnostic};
use crate::load::interpolate::Segment;
use crate::source::{Span, Spanned};
use std::collections::BTreeMap;

/// Keys read here or elsewhere in `load`; `x-*` keys are extensions. Any other key is listed
/// in [`ContainerKeys::other_keys`] for `interpret` to explain or warn about.
const READ: &[&str] = &[
    "image",
    "build",
    "dockerfile",
    "command",
    "entrypoint",
    "environment",
    "env_file",
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
    "secrets",
    "scale",
];

/// Manifest text as written: literal parts and variable references, which `interpret` turns
/// into deploy-time parameters (never compile-time values).
#[derive(Clone, Debug, PartialEq)]
pub struct Written {
    /// Literal text and variable references, in order.
    pub segments: Vec<Segment>,
    /// Where it was written.
    pub span: Span,
}

impl Written {
    /// A scalar node's text; `None` for collections and already-reported values.
    pub fn of(node: &Node) -> Option<Written> {
        Some(Written { segments: node.segments()?.into_owned(), span: node.span })
    }

    /// Literal text placed at `span` (a keyword such as `CMD-SHELL`).
    pub fn literal(text: &str, span: Span) -> Written {
        Written { segments: vec![Segment::Literal(text.to_string())], span }
    }
}

/// What the deploy stage builds when the service names no image.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Build {
    /// The build context, written out.
    pub context: Option<String>,
    /// `build.dockerfile`, or v1's `dockerfile:` beside `build:`.
    pub dockerfile: Option<String>,
    /// `build.target`.
    pub target: Option<String>,
    /// `build.args` as written (`None`: a bare `KEY`).
    pub args: BTreeMap<String, Option<String>>,
}

/// One entry of `ulimits:`, unchecked: which names and values ECS accepts is `interpret`'s.
#[derive(Clone, Debug, PartialEq)]
pub struct UlimitEntry {
    /// The limit's name and where it was written.
    pub name: Spanned<String>,
    /// The soft limit, when a number was given.
    pub soft: Option<i64>,
    /// The hard limit, when a number was given.
    pub hard: Option<i64>,
    /// Where the value was written.
    pub span: Span,
}

/// One entry of `extra_hosts:`.
#[derive(Clone, Debug, PartialEq)]
pub struct ExtraHostEntry {
    /// The host name.
    pub hostname: Written,
    /// The address.
    pub ip: Written,
    /// Where the entry was written.
    pub span: Span,
}

/// The container's `healthcheck:`, its durations in whole seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct HealthCheckKeys {
    /// `CMD`/`CMD-SHELL` followed by the words.
    pub command: Vec<Written>,
    /// Seconds between checks.
    pub interval: u32,
    /// Seconds before a check fails.
    pub timeout: u32,
    /// Failures before unhealthy.
    pub retries: u32,
    /// Seconds of grace after start.
    pub start_period: u32,
}

/// One entry of `volumes:`.
#[derive(Clone, Debug, PartialEq)]
pub struct VolumeEntry {
    /// The volume name or host path (`""` for an anonymous volume, `/` for a non-volume type).
    pub source: String,
    /// The absolute path in the container.
    pub target: String,
    /// `:ro` or `read_only: true`.
    pub read_only: bool,
    /// Where the entry was written.
    pub span: Span,
}

/// One entry of `links:`, `service` or `service:alias`.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkEntry {
    /// The service linked to.
    pub target: String,
    /// The alias (the service name when none is given).
    pub alias: String,
    /// Where the link was written.
    pub span: Span,
}

/// The container keys of one service, typed. Values with a problem are reported once, here,
/// and left out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContainerKeys {
    /// `image:`, when it names one.
    pub image: Option<Written>,
    /// `build:` (read only when no image is named).
    pub build: Build,
    /// `command:`, as words.
    pub command: Option<Vec<Written>>,
    /// `entrypoint:`, as words.
    pub entrypoint: Option<Vec<Written>>,
    /// `mem_limit` or `deploy.resources.limits.memory`, in MiB.
    pub memory_mib: Option<u32>,
    /// `mem_reservation` or `deploy.resources.reservations.memory`, in MiB.
    pub memory_reservation_mib: Option<u32>,
    /// `cpu_shares`, else `cpus` (or `deploy.resources`) at 1024 units a CPU.
    pub cpu_shares: Option<u32>,
    /// `working_dir:`.
    pub working_dir: Option<Written>,
    /// `user:`.
    pub user: Option<Written>,
    /// `privileged:`.
    pub privileged: bool,
    /// `ulimits:`.
    pub ulimits: Vec<UlimitEntry>,
    /// `extra_hosts:`.
    pub extra_hosts: Vec<ExtraHostEntry>,
    /// `healthcheck:` (`None` when absent, disabled or `NONE`).
    pub health_check: Option<HealthCheckKeys>,
    /// `volumes:`.
    pub volumes: Vec<VolumeEntry>,
    /// `links:`.
    pub links: Vec<LinkEntry>,
    /// `secrets:`.
    pub secrets: Vec<super::secrets::SecretUse>,
    /// The replica count: `deploy.replicas`, else `scale` (Compose's two spellings of it),
    /// when valid.
    pub replicas: Option<u32>,
    /// Where that count was written, valid or not, and under which key (`deploy.replicas`
    /// or `scale`).
    pub replicas_span: Option<Spanned<&'static str>>,
    /// The service's other keys (not read by `load`, not `x-*`), in file order.
    pub other_keys: Vec<Spanned<String>>,
    /// Keys of `deploy:` other than `replicas` and `resources`.
    pub other_deploy_keys: Vec<Spanned<String>>,
    /// Keys of `deploy.resources` other than `memory` and `cpus` of `limits`/`reservations`.
    pub other_resource_keys: Vec<Spanned<String>>,
}

/// Reads the container keys of one service's merged mapping.
pub fn read(node: &Node, diags: &mut Vec<Diagnostic>) -> ContainerKeys {
    let image = image_name(node, diags);
    let build = if image.is_none() { built_image(node, diags) } else { Build::default() };
    let deploy = node.get("deploy").filter(|d| mapping_or_null(d, "`deploy`", diags));
    let (other_keys, other_deploy_keys, other_resource_keys) = other_keys(node);
    ContainerKeys {
        image,
        build,
        command: node.get("command").and_then(|n| command(n, "command", diags)),
        entrypoint: node.get("entrypoint").and_then(|n| command(n, "entrypoint", diags)),
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
        privileged: node.get("privileged").and_then(|n| n.boolean("`privileged`", diags)).unwrap_or(false),
        ulimits: node.get("ulimits").map(|n| ulimits(n, diags)).unwrap_or_default(),
        extra_hosts: node.get("extra_hosts").map(|n| extra_hosts(n, diags)).unwrap_or_default(),
        health_check: node
            .get("healthcheck")
            .filter(|n| mapping_or_null(n, "`healthcheck`", diags))
            .and_then(|n| healthcheck::read(n, diags)),
        volumes: node.get("volumes").map(|n| volumes(n, diags)).unwrap_or_default(),
        links: node.get("links").map(|n| links(n, diags)).unwrap_or_default(),
        secrets: node.get("secrets").map(|n| super::secrets::read_uses(n, diags)).unwrap_or_default(),
        replicas: replicas(node, deploy, diags),
        replicas_span: deploy
            .and_then(|d| d.get("replicas"))
            .map(|n| Spanned::new("deploy.replicas", n.span))
            .or_else(|| node.get("scale").map(|n| Spanned::new("scale", n.span))),
        other_keys,
        other_deploy_keys,
        other_resource_keys,
    }
}

/// The replica count from `deploy.replicas` or `scale`. Compose reads both as the same
/// count and refuses two different values ("can't set distinct values on 'scale' and
/// 'deploy.replicas'"), so an unequal pair is an error here too, not a silent choice.
fn replicas(node: &Node, deploy: Option<&Node>, diags: &mut Vec<Diagnostic>) -> Option<u32> {
    let replicas_node = deploy.and_then(|d| d.get("replicas"));
    let replicas = replicas_node.and_then(|n| whole(n, "deploy.replicas", 0, 1000, diags));
    let scale_node = node.get("scale").filter(|n| !matches!(n.value, Value::Null));
    let scale = scale_node.and_then(|n| whole(n, "scale", 0, 1000, diags));
    match (replicas_node.zip(replicas), scale_node.zip(scale)) {
        (Some((r_node, r)), Some((s_node, s))) if r != s => {
            diags.push(
                Diagnostic::error(
                    Code::ContainerValue,
                    s_node.span,
                    format!("`scale: {s}` and `deploy.replicas: {r}` set two different replica counts"),
                )
                .with_label("one count here")
                .with_related(r_node.span, "another here")
                .with_help(
                    "Compose refuses distinct values too: keep one of them (`deploy.replicas` is the usual one)",
                ),
            );
            None
        }
        _ => replicas.or(scale),
    }
}

type Keys = Vec<Spanned<String>>;

/// The keys nothing in `load` reads: of the service, of `deploy:` and of `deploy.resources`.
fn other_keys(node: &Node) -> (Keys, Keys, Keys) {
    let spanned = |name: &str, span| Spanned::new(name.to_string(), span);
    let service = node.as_map().unwrap_or_default().iter();
    let others = service
        .filter(|(k, _)| !READ.contains(&k.name.as_str()) && !k.name.starts_with("x-"))
        .map(|(k, _)| spanned(&k.name, k.span));
    let deploy = node.get("deploy").and_then(Node::as_map).unwrap_or_default().iter();
    let deploy_others =
        deploy.filter(|(k, _)| k.name != "replicas" && k.name != "resources").map(|(k, _)| spanned(&k.name, k.span));
    // Of `deploy.resources`, memory and cpus of `limits` and `reservations` are read.
    let resources = node.get("deploy").and_then(|d| d.get("resources")).and_then(Node::as_map).unwrap_or_default();
    let mut resource_others = Vec::new();
    for (key, value) in resources {
        let inner = if ["limits", "reservations"].contains(&key.name.as_str()) { value.as_map() } else { None };
        match inner {
            Some(entries) => resource_others.extend(
                entries
                    .iter()
                    .filter(|(k, _)| k.name != "memory" && k.name != "cpus")
                    .map(|(k, _)| spanned(&k.name, k.span)),
            ),
            None => resource_others.push(spanned(&key.name, key.span)),
        }
    }
    (others.collect(), deploy_others.collect(), resource_others)
}

/// `deploy.resources.<section>.<key>`.
pub(super) fn resource<'n>(node: &'n Node, section: &str, key: &str) -> Option<&'n Node> {
    node.get("deploy")?.get("resources")?.get(section)?.get(key)
}

/// An error in the value of a container key.
pub(super) fn container_error(span: Span, message: String, help: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Code::ContainerValue, span, message).with_label("invalid value").with_help(help)
}

/// `image:` when it names one; a list, mapping or empty string is an error rather than "no
/// image", which would silently build instead.
fn image_name(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Written> {
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
        _ => Written::of(image).filter(|w| !w.segments.is_empty()),
    }
}

/// An image the deploy stage builds: the context, Dockerfile, target and arguments it needs
/// (a deploy that built `Dockerfile` when the file names `Dockerfile.prod` ships the wrong image).
fn built_image(node: &Node, diags: &mut Vec<Diagnostic>) -> Build {
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
    Build {
        context: context.and_then(|c| literal_path(c, "the build context", diags)),
        dockerfile: dockerfile.and_then(|d| literal_path(d, "the Dockerfile", diags)),
        target: map.and_then(|b| b.get("target")).and_then(|t| literal_path(t, "the build target", diags)),
        args: map.and_then(|b| b.get("args")).map(|a| build_args(a, diags)).unwrap_or_default(),
    }
}

/// A build setting written out: the template records it for the deploy stage, so it must not
/// depend on the environment compose-cfn runs in.
fn literal_path(node: &Node, what: &str, diags: &mut Vec<Diagnostic>) -> Option<String> {
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
fn build_args(node: &Node, diags: &mut Vec<Diagnostic>) -> BTreeMap<String, Option<String>> {
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
fn mapping_or_null(node: &Node, what: &str, diags: &mut Vec<Diagnostic>) -> bool {
    match &node.value {
        Value::Map(_) => true,
        Value::Null | Value::Invalid => false,
        _ => {
            diags.push(node.wrong_type(what, "a mapping"));
            false
        }
    }
}

/// `command:` / `entrypoint:` as a list, or a string split as a POSIX shell splits words.
fn command(node: &Node, key: &str, diags: &mut Vec<Diagnostic>) -> Option<Vec<Written>> {
    match &node.value {
        Value::Null | Value::Invalid => None,
        Value::Seq(items) => {
            if items.iter().any(|i| matches!(i.value, Value::Seq(_) | Value::Map(_))) {
                diags.push(node.wrong_type(&format!("`{key}`"), "a string or a list of strings"));
                return None;
            }
            items.iter().map(Written::of).collect()
        }
        Value::Str(_) => match shell_words::split_segments(&node.segments()?) {
            Ok(words) => Some(words.into_iter().map(|segments| Written { segments, span: node.span }).collect()),
            Err(message) => {
                diags.push(container_error(
                    node.span,
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

fn text(node: &Node, key: &str, diags: &mut Vec<Diagnostic>) -> Option<Written> {
    let value = node.get(key)?;
    match &value.value {
        Value::Str(_) | Value::Int(_) => Written::of(value),
        Value::Null | Value::Invalid => None,
        _ => {
            diags.push(value.wrong_type(&format!("`{key}`"), "a string"));
            None
        }
    }
}
