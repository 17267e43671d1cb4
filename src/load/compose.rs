//! The typed compose model — services, their ports and labels — read from a node tree.
//!
//! One file past 400 lines: the model's declarations and the one walk that fills them, with
//! the merge of later files into it, read together.

use super::container::ContainerKeys;
use super::container_env::{EnvOverride, EnvVar, read_environment};
use super::interpolate;
use super::node::{Key, MergeTag, Node, Text, Value};
use super::ports::{PortMapping, Transport, read_port_item};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{Span, Spanned};
use foldhash::{HashMap, HashMapExt, HashSet};
use indexmap::IndexMap;
use std::borrow::Cow;

/// Label values longer than this are refused: no Convox label needs more, and a multi-megabyte
/// value is a mistake (or an attack) that would otherwise flow into the template.
pub const MAX_LABEL_VALUE_BYTES: usize = 64 * 1024;

/// Port mappings one file may expand to, ranges counted port by port. A range multiplies a
/// few bytes into up to 65,535 mappings, so without a bound a 16 MiB file of `1-65535` items
/// asks for terabytes; far more than the 20,000 listeners an app can have in any case.
pub const MAX_PORT_MAPPINGS: usize = 100_000;

/// The services of one compose project (one file, or several merged).
#[derive(Clone, Debug, Default)]
pub struct Project {
    /// The top-level `name:`, if given.
    pub name: Option<Spanned<String>>,
    /// Services in file order.
    pub services: Vec<Service>,
    /// `x-compose-cfn: {balancer: …}`: the balancer target the manifest asks for, as written
    /// (checked by the compiler, which knows the targets).
    pub balancer: Option<Spanned<String>>,
    /// The top-level `secrets:`.
    pub secrets: Vec<super::secrets::SecretDef>,
}

/// A service's labels or variables by name, in file order. Hashed with foldhash (randomly
/// seeded): SipHash cost more than the lookups it guards, and each service has only a few.
pub type Keyed<T> = IndexMap<String, T, foldhash::fast::RandomState>;

/// One service and the parts of it this tool interprets.
#[derive(Clone, Debug)]
pub struct Service {
    /// The service name as written.
    pub name: Spanned<String>,
    /// Its port mappings, ranges expanded, in file order.
    pub ports: Vec<PortMapping>,
    /// False when a port item could not be read: checks that a label's port is mapped are
    /// then skipped, since the missing mapping was already reported.
    pub ports_complete: bool,
    /// Its labels, by key.
    pub labels: Keyed<Label>,
    /// Its container environment, by name.
    pub environment: Keyed<EnvVar>,
    /// The `env_file:` keys its `environment:` overrides, in the order they were read.
    pub env_overrides: Vec<EnvOverride>,
    /// The profiles that enable it (`None`: always enabled).
    pub profiles: Option<Vec<String>>,
    /// Keys of `environment:` (mapping form) tagged `KEY: !reset`: removed from the earlier
    /// files' environment when this service is merged over them.
    pub environment_resets: Vec<String>,
    /// Keys of `labels:` (mapping form) tagged `!reset`, likewise.
    pub label_resets: Vec<String>,
    /// Its container keys, typed; read once the files are merged.
    pub container: ContainerKeys,
    /// The whole service mapping, for merging later files into it; later stages read the
    /// typed fields, never this tree.
    pub node: Node,
}

/// One label of a service.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    /// Where the key was written.
    pub key_span: Span,
    /// The key as written (with any `${…}` unsubstituted), for messages.
    pub key_written: String,
    /// The value (an empty string for a bare list item): read as a structural value or as
    /// deploy-time text, depending on the label.
    pub value: Scalar,
    /// Where the value was written (the whole item in list form).
    pub value_span: Span,
}

/// A scalar of the file (string, number, boolean or null) and where it was written, as a
/// label holds it: the scalar readings of a [`Node`], never a tree to walk.
#[derive(Clone, Debug, PartialEq)]
pub struct Scalar(Node);

impl Scalar {
    /// See [`Node::structural`].
    pub fn structural(&self, diags: &mut impl Extend<Diagnostic>) -> Option<String> {
        self.0.structural(diags)
    }

    /// See [`Node::structural_quiet`].
    pub fn structural_quiet(&self) -> Option<String> {
        self.0.structural_quiet()
    }

    /// See [`Node::is_interpolated`].
    pub fn is_interpolated(&self) -> bool {
        self.0.is_interpolated()
    }

    /// See [`Node::scalar_text`].
    pub fn scalar_text(&self) -> Option<String> {
        self.0.scalar_text()
    }

    /// See [`Node::segments`].
    pub fn segments(&self) -> Option<Cow<'_, [interpolate::Segment]>> {
        self.0.segments()
    }

    /// Where the value was written.
    pub fn span(&self) -> Span {
        self.0.span
    }
}

const TOP_LEVEL_KEYS: &[&str] =
    &["version", "services", "networks", "volumes", "secrets", "configs", "name", "include", "models"];

/// A `version:` Convox accepted: 1, 2 or 2.x.
fn convox_version(v: &str) -> bool {
    v == "1" || v == "2" || v.strip_prefix("2.").is_some_and(|minor| minor.chars().all(|c| c.is_ascii_digit()))
}

/// Reads one file's tree (its strings already parsed for `$`) into a project; `extends` is
/// left to follow (it may read other files). Each service keeps its own part of the tree,
/// moved rather than copied: copying, then freeing, a large app's tree were two more walks
/// through memory that no longer fits in the cache.
pub fn read_project(root: Node, diags: &mut Vec<Diagnostic>) -> Project {
    let Some(entries) = root.as_map() else {
        diags.push(
            root.wrong_type("a compose file", "a mapping")
                .with_help("a compose file is a mapping with a `services:` key"),
        );
        return Project::default();
    };
    let mut project = Project::default();
    // Its services would silently vanish: refused until it is implemented.
    if let Some((key, _)) = root.get_entry("include") {
        diags.push(
            Diagnostic::error(Code::Unsupported, key.span, "`include` is not supported")
                .with_label("not read")
                .with_help("merge the files with -f instead: `compose-cfn compile -f base.yml -f this.yml`"),
        );
    }
    // Read in both file forms: Compose v1 files have their services at the top level too.
    if let Some(value) = root.get("x-compose-cfn") {
        project.balancer = extension(value, diags);
    }
    let under_services = root.get("services").is_some();
    if under_services {
        for (key, value) in entries {
            match key.name.as_str() {
                // Convox required `version: "2"` (or the v1 format), so its apps' files are
                // right to carry it: warning there is noise on every compile.
                "version" if value.scalar_text().is_some_and(|v| convox_version(&v)) => {}
                "version" => diags.push(
                    Diagnostic::warning(Code::ObsoleteVersion, key.span, "`version` is obsolete and ignored")
                        .with_help("remove the `version:` line; today's Compose ignores it too"),
                ),
                "name" => project.name = project_name(value, diags).map(|n| Spanned::new(n, value.span)),
                "secrets" => project.secrets = super::secrets::read_definitions(value, diags),
                k if k.starts_with("x-") || TOP_LEVEL_KEYS.contains(&k) => {}
                k => diags.push(
                    Diagnostic::warning(Code::UnknownKey, key.span, format!("unknown top-level key `{k}` is ignored"))
                        .with_help("top-level keys are services, networks, volumes, secrets, configs, name, include and x-* extensions"),
                ),
            }
        }
    } else if let Some((key, _)) = root.get_entry("version") {
        diags.push(
            Diagnostic::error(Code::MissingServices, key.span, "the file has `version:` but no `services:`")
                .with_help("put the services under a top-level `services:` key"),
        );
        return project;
    }
    let services_node = match under_services {
        true => {
            let Value::Map(entries) = root.value else { unreachable!("`services` was found in a mapping") };
            // The first `services` key, as `get` finds it (a repeated key was an error).
            entries.into_iter().find(|(k, _)| k.name == "services").map(|(_, v)| v).expect("found above")
        }
        // Compose v1: services at the top level, as the Convox documentation wrote them.
        false => root,
    };
    if !matches!(services_node.value, Value::Map(_) | Value::Null) {
        diags.push(services_node.wrong_type("`services`", "a mapping of service names to services"));
    }
    let Value::Map(services) = services_node.value else { return project };
    // Sized once: a `Service` is large, and growing a vector of ten thousand of them copies
    // it several times over memory that no longer fits in the cache.
    project.services.reserve_exact(services.len());
    let mut port_budget = MAX_PORT_MAPPINGS;
    for (key, node) in services {
        if (key.name.starts_with("x-") || key.name == "include") && !under_services {
            continue;
        }
        if let Some(service) = read_service(&key, node, &mut port_budget, diags) {
            project.services.push(service);
        }
    }
    project
}

fn valid_service_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// The project `name:`. The app name reaches tags, descriptions and every review, so it is
/// never taken from the environment: a `${…}` in it is an error (`--app` names the app instead).
fn project_name(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<String> {
    if !node.is_interpolated() {
        return node.segments().and_then(|s| interpolate::literal(&s));
    }
    diags.push(
        Diagnostic::error(Code::WrongType, node.span, "the project `name:` comes from `${…}`")
            .with_label("a name from the environment")
            .with_help("write the name out, or pass `--app NAME`: the app name is in every template and review"),
    );
    None
}

/// This tool's own extension, `x-compose-cfn: {balancer: classic|v2}`: its `balancer` as written.
fn extension(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Spanned<String>> {
    let Some(entries) = node.as_map() else {
        diags.push(node.wrong_type("`x-compose-cfn`", "a mapping such as `{balancer: v2}`"));
        return None;
    };
    let mut balancer = None;
    for (key, value) in entries {
        if key.name != "balancer" {
            diags.push(
                Diagnostic::warning(
                    Code::UnknownKey,
                    key.span,
                    format!("unknown key `{}` in `x-compose-cfn` is ignored", key.name),
                )
                .with_help("`x-compose-cfn` takes `balancer: classic` or `balancer: v2`"),
            );
            continue;
        }
        match value.segments().and_then(|s| interpolate::literal(&s)) {
            Some(text) if !value.is_interpolated() => balancer = Some(Spanned::new(text, value.span)),
            _ => diags.push(value.wrong_type("`x-compose-cfn.balancer`", "`classic` or `v2`, written out")),
        }
    }
    balancer
}

fn read_service(key: &Key, node: Node, port_budget: &mut usize, diags: &mut Vec<Diagnostic>) -> Option<Service> {
    if !valid_service_name(&key.name) {
        diags.push(
            Diagnostic::error(Code::ServiceName, key.span, format!("invalid service name `{}`", key.name)).with_help(
                "service names start with a letter or digit and contain only letters, digits, `_`, `.` and `-`",
            ),
        );
    }
    let node = match &node.value {
        Value::Map(_) => node,
        Value::Null => Node { value: Value::Map(Vec::new()), span: node.span, tag: node.tag },
        Value::Invalid => return None,
        _ => {
            diags.push(node.wrong_type(&format!("service `{}`", key.name), "a mapping"));
            return None;
        }
    };
    // The keys read into typed fields honour `!reset` and `!override` on the whole value, and
    // `!reset` on an entry of `environment` or `labels` in mapping form (Compose's own
    // example: `FOO: !reset null`).
    let (environment_kept, environment_resets) = without_entry_resets(node.get("environment"));
    let (labels_kept, label_resets) = without_entry_resets(node.get("labels"));
    let (ports_node, labels_node, environment_node, profiles_node) = (
        typed("ports", node.get("ports"), diags),
        typed("labels", labels_kept.as_ref().or(node.get("labels")), diags),
        typed("environment", environment_kept.as_ref().or(node.get("environment")), diags),
        typed("profiles", node.get("profiles"), diags),
    );
    let mut ports_complete = true;
    let ports = match ports_node {
        None | Some(Node { value: Value::Null, .. }) => Vec::new(),
        Some(Node { value: Value::Seq(items), .. }) => items
            .iter()
            .flat_map(|item| {
                // Once the file's budget is spent (and reported), no item is expanded any more.
                if *port_budget == 0 {
                    ports_complete = false;
                    return Vec::new();
                }
                // Every readable item yields at least one mapping.
                let read = read_port_item(item, diags);
                ports_complete &= !read.is_empty();
                if read.len() > *port_budget {
                    *port_budget = 0;
                    ports_complete = false;
                    diags.push(
                        Diagnostic::error(
                            Code::TooManyPorts,
                            item.span,
                            format!("the ports of this file expand to more than {MAX_PORT_MAPPINGS} mappings"),
                        )
                        .with_label("the limit is passed here")
                        .with_help("map fewer or shorter port ranges; a Classic ELB listens on a handful of ports"),
                    );
                    return Vec::new();
                }
                *port_budget -= read.len();
                read
            })
            .collect(),
        Some(other) => {
            ports_complete = false;
            if other.value != Value::Invalid {
                diags.push(other.wrong_type("`ports`", "a list"));
            }
            Vec::new()
        }
    };
    let labels = labels_node.map(|l| read_labels(l, diags)).unwrap_or_default();
    let environment = environment_node.map(|e| read_environment(e, diags)).unwrap_or_default();
    let profiles = profiles_node.map(|p| match &p.value {
        Value::Seq(items) => items.iter().filter_map(|i| i.structural(diags)).collect(),
        _ => {
            diags.push(p.wrong_type("`profiles`", "a list of profile names"));
            Vec::new()
        }
    });
    Some(Service {
        name: Spanned::new(key.name.clone(), key.span),
        ports,
        ports_complete,
        labels,
        environment,
        env_overrides: Vec::new(),
        profiles,
        environment_resets,
        label_resets,
        container: ContainerKeys::default(),
        node,
    })
}

/// The value of a key read into a typed field, `None` when `!reset`; a merge tag inside it
/// is an error.
fn typed<'a>(key: &str, value: Option<&'a Node>, diags: &mut Vec<Diagnostic>) -> Option<&'a Node> {
    let value = value.filter(|n| !n.is_reset());
    if let Some(tagged) = value.and_then(Node::nested_tag) {
        diags.push(
            Diagnostic::error(Code::Unsupported, tagged.span, format!("a merge tag inside `{key}` is not supported"))
                .with_label("tagged here")
                .with_help(format!("tag the whole value instead: `{key}: !override …` or `{key}: !reset`")),
        );
    }
    value
}

/// A mapping without its `!reset` entries (`None` when it has none) and their keys.
fn without_entry_resets(node: Option<&Node>) -> (Option<Node>, Vec<String>) {
    let Some(Node { value: Value::Map(entries), span, tag }) = node else { return (None, Vec::new()) };
    let resets: Vec<String> = entries.iter().filter(|(_, v)| v.is_reset()).map(|(k, _)| k.name.clone()).collect();
    if resets.is_empty() {
        return (None, resets);
    }
    let kept = entries.iter().filter(|(_, v)| !v.is_reset()).cloned().collect();
    (Some(Node { value: Value::Map(kept), span: *span, tag: *tag }), resets)
}

/// Reads `labels:` in mapping form or list (`key=value`) form. A key holding `${…}` (list
/// form) is structural: it is substituted here, and messages show it as written.
pub fn read_labels(node: &Node, diags: &mut Vec<Diagnostic>) -> Keyed<Label> {
    let mut labels: Keyed<Label> = Keyed::default();
    let mut add = |key: String, label: Label, diags: &mut Vec<Diagnostic>, list_form: bool| {
        let len = label.value.scalar_text().map_or(0, |t| t.len());
        if len > MAX_LABEL_VALUE_BYTES {
            diags.push(
                Diagnostic::error(
                    Code::LabelValue,
                    label.value_span,
                    format!("the value of label `{}` is {len} bytes long", label.key_written),
                )
                .with_help(format!("label values are limited to {MAX_LABEL_VALUE_BYTES} bytes")),
            );
            return;
        }
        if list_form && let Some(previous) = labels.get(&key) {
            diags.push(
                Diagnostic::warning(
                    Code::DuplicateLabel,
                    label.key_span,
                    format!("label `{}` is given twice; the last one wins", label.key_written),
                )
                .with_label("this value is used")
                .with_related(previous.key_span, "this value is ignored")
                .with_help("remove one of the two"),
            );
        }
        labels.insert(key, label);
    };
    match &node.value {
        Value::Map(entries) => {
            for (key, value) in entries {
                if matches!(value.value, Value::Seq(_) | Value::Map(_) | Value::Invalid) {
                    if value.value != Value::Invalid {
                        diags.push(value.wrong_type(&format!("label `{}`", key.name), "a string, number or boolean"));
                    }
                    continue;
                }
                let label = Label {
                    key_span: key.span,
                    key_written: key.name.clone(),
                    value: Scalar(value.clone()),
                    value_span: value.span,
                };
                add(key.name.clone(), label, diags, false);
            }
        }
        Value::Seq(items) => {
            for item in items {
                let Value::Str(_) = &item.value else {
                    if item.value != Value::Invalid {
                        diags.push(item.wrong_type("a label in list form", "a string `key=value`"));
                    }
                    continue;
                };
                let segments = item.segments().map(|s| s.into_owned()).unwrap_or_default();
                let (key, value) = interpolate::split_once(&segments, '=').unwrap_or((segments, Vec::new()));
                let key_node = text_node(key, item);
                let Some(key_text) = key_node.structural(diags) else { continue };
                let label = Label {
                    key_span: item.span,
                    key_written: key_node.scalar_text().unwrap_or_default(),
                    value: Scalar(text_node(value, item)),
                    value_span: item.span,
                };
                add(key_text, label, diags, true);
            }
        }
        Value::Null => {}
        _ => diags.push(node.wrong_type("`labels`", "a mapping or a list of `key=value` strings")),
    }
    labels
}

/// A string node made of part of another's segments, placed where that one was written.
fn text_node(segments: Vec<interpolate::Segment>, at: &Node) -> Node {
    let text = interpolate::written(&segments);
    // A `$$` written back is `$$` again, so the segments are kept whenever `$` appears.
    let segments = text.contains('$').then_some(segments);
    Node { value: Value::Str(Text { text, segments }), span: at.span, tag: None }
}

/// Merges `later` into `earlier` as Compose merges several `-f` files: services by name,
/// labels by key (later wins), ports appended without duplicates, other keys recursively.
pub fn merge_projects(earlier: &mut Project, later: Project) {
    if later.name.is_some() {
        earlier.name = later.name;
    }
    if later.balancer.is_some() {
        earlier.balancer = later.balancer;
    }
    // A later file's definition of a secret replaces the earlier one. By a set, not a scan per
    // secret: two files of 40,000 secrets took 6 s.
    let redefined: HashSet<&str> = later.secrets.iter().map(|s| s.name.value.as_str()).collect();
    earlier.secrets.retain(|s| !redefined.contains(s.name.value.as_str()));
    earlier.secrets.extend(later.secrets);
    // Looked up by name once per service, not by a scan: overrides of large apps stay linear.
    let mut index: HashMap<String, usize> =
        earlier.services.iter().enumerate().map(|(i, s)| (s.name.value.clone(), i)).collect();
    // Services a `!reset` removes are marked and dropped in one pass at the end: removing each
    // at once shifted the others and meant rebuilding the index (20,000 resets took 36 s).
    let mut reset = vec![false; earlier.services.len()];
    for service in later.services {
        match (index.get(&service.name.value).copied(), service.node.tag) {
            (Some(i), Some(MergeTag::Reset)) => {
                reset[i] = true;
                // A service of that name defined again after the reset is a new one, at the end.
                index.remove(&service.name.value);
            }
            (None, Some(MergeTag::Reset)) => {}
            (Some(i), Some(MergeTag::Override)) => earlier.services[i] = service,
            (None, _) => {
                index.insert(service.name.value.clone(), earlier.services.len());
                earlier.services.push(service);
            }
            (Some(i), None) => merge_service(&mut earlier.services[i], service),
        }
    }
    reset.resize(earlier.services.len(), false);
    let mut marks = reset.into_iter();
    earlier.services.retain(|_| !marks.next().unwrap_or(false));
}

/// Merges one service of a later file into the same service of the files before.
pub(super) fn merge_service(existing: &mut Service, service: Service) {
    let tag = |key: &str| service.node.get(key).and_then(|n| n.tag);
    match tag("ports") {
        Some(_) => {
            existing.ports = service.ports;
            existing.ports_complete = service.ports_complete;
        }
        None => {
            // By a set, not a scan per port: two files each mapping `1-65535/udp` were
            // four billion comparisons.
            let mut known: HashSet<MappingKey> = existing.ports.iter().map(mapping_key).collect();
            for port in service.ports {
                if known.insert(mapping_key(&port)) {
                    existing.ports.push(port);
                }
            }
            existing.ports_complete &= service.ports_complete;
        }
    }
    match tag("labels") {
        Some(_) => existing.labels = service.labels,
        None => existing.labels.extend(service.labels),
    }
    for key in &service.label_resets {
        existing.labels.shift_remove(key);
    }
    match tag("environment") {
        Some(_) => existing.environment = service.environment,
        None => existing.environment.extend(service.environment),
    }
    for key in &service.environment_resets {
        existing.environment.shift_remove(key);
    }
    match (tag("profiles"), service.profiles) {
        (Some(_), profiles) => existing.profiles = profiles,
        // A later list adds to the earlier one, as Compose merges sequences: a service in
        // `debug` that an override also puts in `test` is in both.
        (None, Some(later)) => {
            let profiles = existing.profiles.get_or_insert_with(Vec::new);
            for p in later {
                if !profiles.contains(&p) {
                    profiles.push(p);
                }
            }
        }
        (None, None) => {}
    }
    let mut later = service.node;
    append_sequences(&existing.node, &mut later);
    merge_nodes(&mut existing.node, later);
}

/// Keys whose later list replaces the earlier one (Compose's merge rules: shell commands), or
/// that are merged from their typed fields above.
const REPLACED_LISTS: [&str; 6] = ["command", "entrypoint", "ports", "labels", "environment", "profiles"];

/// Makes each list of the later service (`volumes`, `extra_hosts`, `links`, `env_file`, …) the
/// earlier list followed by the later items, as Compose merges sequences, so that
/// [`merge_nodes`], which replaces a list, keeps both: an override file adding a volume must
/// not drop the base file's. A `volumes` item replaces the earlier one at its container path,
/// a `secrets` (or `configs`) item the earlier one of its target, as in Compose's "unique
/// resources". `!override` and `!reset` on the later list keep their meaning.
fn append_sequences(earlier: &Node, later: &mut Node) {
    let Value::Map(entries) = &mut later.value else { return };
    for (key, value) in entries.iter_mut() {
        if value.tag.is_some() || REPLACED_LISTS.contains(&key.name.as_str()) {
            continue;
        }
        let (Some(Value::Seq(before)), Value::Seq(after)) = (earlier.get(&key.name).map(|n| &n.value), &value.value)
        else {
            continue;
        };
        let replaced: HashSet<String> = after.iter().filter_map(|item| unique_key(&key.name, item)).collect();
        let kept = before.iter().filter(|item| unique_key(&key.name, item).is_none_or(|k| !replaced.contains(&k)));
        let merged: Vec<Node> = kept.cloned().chain(after.iter().cloned()).collect();
        value.value = Value::Seq(merged);
    }
}

/// What makes a list item unique in Compose's merge (`volumes` by container path, `secrets`
/// and `configs` by target, else source); `None` for lists whose items are all kept.
fn unique_key(list: &str, item: &Node) -> Option<String> {
    let field = |names: &[&str]| names.iter().find_map(|n| item.get(n)).and_then(Node::scalar_text);
    let key = match (list, &item.value) {
        // Read as the container keys read it; a malformed entry has no key here, and is
        // reported when the merged service is read.
        ("volumes", _) => super::container_lists::volume(item, &mut Vec::new())?.1,
        ("secrets" | "configs", Value::Map(_)) => field(&["target", "source"])?,
        ("secrets" | "configs", _) => item.scalar_text()?,
        _ => return None,
    };
    Some(key.trim_end_matches('/').to_string())
}

/// What makes two mappings the same: published port, container port, transport and host IP.
type MappingKey = (Option<u16>, u16, Transport, Option<String>);

fn mapping_key(m: &PortMapping) -> MappingKey {
    (m.published, m.target, m.transport, m.host_ip.clone())
}

/// Recursive merge: mappings merge by key, anything else is replaced by the later value;
/// `!override` replaces a mapping too, and `!reset` removes the key (see [`Node::strip_resets`]).
pub fn merge_nodes(earlier: &mut Node, later: Node) {
    match (&mut earlier.value, later.value) {
        (Value::Map(a), Value::Map(b)) if later.tag.is_none() => {
            // Keys found by an index, not a scan per key, so large mappings merge in linear time.
            let mut index: HashMap<String, usize> = HashMap::new();
            for (i, (k, _)) in a.iter().enumerate() {
                index.entry(k.name.clone()).or_insert(i);
            }
            for (key, value) in b {
                match index.get(&key.name).copied() {
                    Some(i) => merge_nodes(&mut a[i].1, value),
                    None => {
                        index.insert(key.name.clone(), a.len());
                        a.push((key, value));
                    }
                }
            }
        }
        (slot, value) => {
            *slot = value;
            earlier.span = later.span;
            // A reset value stays in the tree, marked, until merging is over.
            earlier.tag = later.tag;
        }
    }
}
