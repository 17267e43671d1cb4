//! Reading the `convox.*` labels of one service: each parsed and checked by the label table,
//! port labels matched to the service's mappings through a port index.

use super::balancers::{MAX_RUNS_SHOWN, port_runs};
use super::labels::{self, LabelValue, Scope};
use super::text::{self, Part, Text};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::load::{self, Label, PortMapping, Service, Transport};
use std::collections::{BTreeMap, BTreeSet};

/// The labels of one service that this tool reads, parsed and checked.
#[derive(Default)]
pub(super) struct ServiceLabels<'a> {
    /// Balancer- and service-scope labels by key.
    pub(super) balancer: BTreeMap<&'static str, (LabelValue, &'a Label)>,
    pub(super) port: BTreeMap<(u16, &'static str), (LabelValue, &'a Label)>,
    /// `convox.health.path`: free text, so its variables are filled at deploy time.
    pub(super) health_path: Option<Text>,
}

impl<'a> ServiceLabels<'a> {
    /// A number-valued service label and where it was written.
    pub(super) fn number_at(&self, key: &str) -> Option<(u32, &'a Label)> {
        match self.balancer.get(key) {
            Some((LabelValue::Number(n), label)) => Some((*n, *label)),
            _ => None,
        }
    }

    /// A number-valued service label.
    pub(super) fn number(&self, key: &str) -> Option<u32> {
        self.number_at(key).map(|(n, _)| n)
    }

    /// A choice-valued service label.
    pub(super) fn text(&self, key: &str) -> Option<&str> {
        match self.balancer.get(key) {
            Some((LabelValue::Text(t), _)) => Some(t),
            _ => None,
        }
    }

    /// A true/false service label and where it was written.
    pub(super) fn flag_at(&self, key: &str) -> Option<(bool, &'a Label)> {
        match self.balancer.get(key) {
            Some((LabelValue::Bool(b), label)) => Some((*b, *label)),
            _ => None,
        }
    }

    /// True when `convox.balancer=false` asks for no balancer.
    pub(super) fn balancer_disabled(&self) -> bool {
        matches!(self.balancer.get("convox.balancer"), Some((LabelValue::Bool(false), _)))
    }
}

/// A service's TCP and UDP mappings by port number, built once per service: port labels were
/// each checked by scanning the mappings, so 2,000 labels on a 10,000-port range took 3.4 s
/// and printed 140 MB (each error listed every balancer port).
pub(super) struct PortIndex<'s> {
    /// Balancer ports of the TCP mappings (one mapping each).
    pub(super) balancer: BTreeSet<u16>,
    /// The first UDP mapping per balancer port.
    pub(super) udp: BTreeMap<u16, &'s PortMapping>,
    /// TCP mappings by container port, in file order.
    pub(super) by_container: BTreeMap<u16, Vec<&'s PortMapping>>,
    /// The balancer ports as runs, for help texts.
    pub(super) runs: String,
}

impl<'s> PortIndex<'s> {
    pub(super) fn new(service: &'s Service, tcp: &[&'s PortMapping]) -> Self {
        let mut udp = BTreeMap::new();
        for m in service.ports.iter().filter(|m| m.transport == Transport::Udp) {
            udp.entry(m.balancer_port()).or_insert(m);
        }
        let mut by_container: BTreeMap<u16, Vec<&PortMapping>> = BTreeMap::new();
        for m in tcp {
            by_container.entry(m.target).or_default().push(m);
        }
        let ports: Vec<u16> = tcp.iter().map(|m| m.balancer_port()).collect();
        PortIndex { balancer: ports.iter().copied().collect(), udp, by_container, runs: port_runs(&ports) }
    }
}

pub(super) fn read_labels<'a>(
    service: &'a Service,
    tcp: &[&'a PortMapping],
    diags: &mut Diagnostics,
) -> ServiceLabels<'a> {
    let mut out = ServiceLabels::default();
    let ports = PortIndex::new(service, tcp);
    let balanced_false =
        service.labels.get("convox.balancer").is_some_and(|l| l.value.structural_quiet().as_deref() == Some("false"));
    for (key, label) in &service.labels {
        let Some(rest) = key.strip_prefix("convox.") else {
            continue;
        };
        // Messages quote the key as written: one built from `${…}` is never shown substituted.
        let shown = label.key_written.as_str();
        if let Some(port_part) = rest.strip_prefix("port.") {
            read_port_label(service, shown, port_part, label, &ports, balanced_false, &mut out, diags);
        } else if let Some(spec) = labels::service_label(key) {
            if spec.kind == labels::ValueKind::Path {
                out.health_path = health_path(spec, label, diags);
            } else if let Some(value) = label_value(spec, label, diags) {
                out.balancer.insert(spec.key, (value, label));
            }
        } else if labels::OWNED_PREFIXES.iter().any(|p| key.starts_with(p)) {
            let known: Vec<&str> = labels::LABELS.iter().filter(|l| l.scope != Scope::Port).map(|l| l.key).collect();
            let mut d = Diagnostic::error(Code::UnknownLabel, label.key_span, format!("unknown label `{shown}`"))
                .with_label("not a known key");
            d = match labels::nearest(key, &known) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help("run `compose-cfn explain convox` for the labels this tool reads"),
            };
            diags.push(d);
        } else {
            // Labels of other Convox features (cron, scale, agent, …) are not ours to judge,
            // but a near-miss of one of ours is almost certainly a typo.
            let known: Vec<&str> = labels::LABELS.iter().filter(|l| l.scope != Scope::Port).map(|l| l.key).collect();
            // Only a label within two edits of one of ours is reported, and an edit distance is
            // at least the difference in length: most other labels are ruled out without
            // computing any (the search was 8% of compiling an app of many such labels).
            let length = key.chars().count();
            let near = |k: &&str| k.chars().count().abs_diff(length) <= 2 && labels::within_edits(key, k, 2);
            let suggestion = if known.iter().any(near) { labels::nearest(key, &known) } else { None };
            if let Some(s) = suggestion.filter(|s| labels::edit_distance(key, s) <= 2) {
                diags.push(
                    Diagnostic::warning(
                        Code::UnknownLabel,
                        label.key_span,
                        format!("unknown label `{shown}` is ignored"),
                    )
                    .with_help(format!("did you mean `{s}`?")),
                );
            }
        }
    }
    out
}

/// A structural label value (a keyword, boolean or number), substituted and checked by the
/// label's grammar. A value from `${…}` that does not fit is reported without being shown.
pub(super) fn label_value(spec: &labels::LabelSpec, label: &Label, diags: &mut Diagnostics) -> Option<LabelValue> {
    let value = label.value.structural(diags)?;
    match labels::parse_value(spec, &label.key_written, &value) {
        Ok(v) => Some(v),
        Err(_) if label.value.is_interpolated() => {
            diags.push(substituted_value_error(spec, label));
            None
        }
        Err(e) => {
            diags.push(value_error(spec, e, label));
            None
        }
    }
}

pub(super) fn substituted_value_error(spec: &labels::LabelSpec, label: &Label) -> Diagnostic {
    Diagnostic::error(
        Code::LabelValue,
        label.value_span,
        format!(
            "the value of `{}` (`{}`) is not valid once its variables are substituted",
            label.key_written,
            label.value.scalar_text().unwrap_or_default()
        ),
    )
    .with_label("the variables' values do not fit here")
    .with_help(format!(
        "it takes {}; check the variables it uses (their values are not shown, since they may be secrets)",
        labels::values_text(spec.kind)
    ))
}

/// `convox.health.path`: deploy-time text. Written out, it is checked now; the literal parts
/// of one with `${…}` are checked as far as they go (a leading `/`, no white space).
pub(super) fn health_path(spec: &labels::LabelSpec, label: &Label, diags: &mut Diagnostics) -> Option<Text> {
    if !label.value.is_interpolated() {
        let value = label.value.segments().and_then(|s| load::interpolate::literal(&s)).unwrap_or_default();
        return match labels::parse_value(spec, &label.key_written, &value) {
            Ok(_) => Some(Text::literal(value)),
            Err(e) => {
                diags.push(value_error(spec, e, label));
                None
            }
        };
    }
    let path = text::of_segments(&label.value.segments()?, label.value.span(), diags)?;
    let literal_ok = path.parts.iter().enumerate().all(|(i, part)| match part {
        Part::Literal { text } => {
            (i > 0 || text.starts_with('/')) && !text.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        Part::Parameter(_) => true,
    });
    if literal_ok {
        Some(path)
    } else {
        diags.push(substituted_value_error(spec, label));
        None
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn read_port_label<'a>(
    service: &Service,
    key: &str,
    port_part: &str,
    label: &'a Label,
    ports: &PortIndex,
    balanced_false: bool,
    out: &mut ServiceLabels<'a>,
    diags: &mut Diagnostics,
) {
    let (port_text, name) = port_part.split_once('.').unwrap_or((port_part, ""));
    let Some(port) = labels::digits(port_text).and_then(|d| d.parse::<u16>().ok()).filter(|p| *p > 0) else {
        // A key of the mapping form is never interpolated (Compose interpolates values only),
        // so its `${…}` is still there: say so, and where Compose does interpolate a key.
        if port_text.contains('$') {
            diags.push(
                Diagnostic::error(
                    Code::UnknownLabel,
                    label.key_span,
                    format!("`{key}`: a label key in mapping form is not interpolated"),
                )
                .with_label("`${…}` stays as written in a key")
                .with_help(format!(
                    "write the label in list form, where Compose substitutes the key: `- {key}={}`",
                    label.value.scalar_text().unwrap_or_default()
                )),
            );
            return;
        }
        // A port part from `${…}` is not quoted: the key as written says where it came from.
        let port_shown = if key.contains('$') { "the port" } else { port_text };
        diags.push(
            Diagnostic::error(
                Code::UnknownLabel,
                label.key_span,
                format!("`{key}`: `{port_shown}` is not a port number"),
            )
            .with_help("port labels are written `convox.port.<balancer port>.<protocol|secure|proxy>`"),
        );
        return;
    };
    let Some(spec) = labels::port_label(name) else {
        let keys: Vec<&str> = labels::LABELS.iter().filter_map(|l| l.port_key()).collect();
        let help = match labels::nearest(name, &keys) {
            Some(s) => format!("did you mean `convox.port.{port}.{s}`?"),
            None => format!("port labels are convox.port.{port}.protocol, .secure and .proxy"),
        };
        diags.push(
            Diagnostic::error(Code::UnknownLabel, label.key_span, format!("unknown port label `{key}`"))
                .with_label("unknown key")
                .with_help(help),
        );
        return;
    };
    let Some(value) = label_value(spec, label, diags) else {
        return;
    };
    if balanced_false {
        diags.push(
            Diagnostic::warning(
                Code::UnmappedPort,
                label.key_span,
                format!("`{key}` has no effect: the service has `convox.balancer=false`"),
            )
            .with_help("remove the label, or the `convox.balancer=false` label"),
        );
        return;
    }
    if ports.balancer.contains(&port) {
        out.port.insert((port, spec.port_key().expect("port label")), (value, label));
        return;
    }
    if let Some(udp) = ports.udp.get(&port) {
        // A warning, as the Compose grammar has it: Convox ignored the label, and a manifest
        // that deployed with it must compile the same.
        let message = format!("`{key}` names UDP port {port}, which gets no listener: the label does nothing");
        diags.push(
            Diagnostic::warning(Code::UdpPortLabel, label.key_span, message)
                .with_related(udp.span, "mapped as UDP here")
                .with_help("remove the label, or map the port as TCP if it should have a listener"),
        );
        return;
    }
    if let Some(mappings) = ports.by_container.get(&port) {
        let mapping = mappings[0];
        let first = mapping.balancer_port();
        let alternatives: Vec<String> = mappings
            .iter()
            .take(MAX_RUNS_SHOWN)
            .map(|m| format!("`convox.port.{}.{name}`", m.balancer_port()))
            .collect();
        diags.push(
            Diagnostic::error(
                Code::ContainerPortLabel,
                label.key_span,
                format!("`{key}` is keyed by container port {port}; port labels are keyed by the balancer port"),
            )
            .with_label(format!("container port {port}"))
            .with_related(mapping.span, format!("balancer port {first} forwards to container port {port} here"))
            .with_help(format!("write {}", alternatives.join(" or "))),
        );
        return;
    }
    if !service.ports_complete {
        // The mapping this label names may be the one that failed to load, already reported.
        return;
    }
    let help = if ports.balancer.is_empty() {
        format!("the service maps no TCP port; add one, e.g. `ports: [\"{port}:3000\"]`")
    } else {
        format!("the service's balancer ports are {}; map port {port} or fix the label", ports.runs)
    };
    diags.push(
        Diagnostic::error(
            Code::UnmappedPort,
            label.key_span,
            format!("`{key}` names port {port}, which service `{}` does not map", service.name.value),
        )
        .with_label("no such balancer port")
        .with_help(help),
    );
}

pub(super) fn value_error(spec: &labels::LabelSpec, e: labels::ValueError, label: &Label) -> Diagnostic {
    let code = if spec.kind == labels::ValueKind::Choice(labels::PROTOCOLS) {
        Code::UnknownProtocol
    } else {
        Code::LabelValue
    };
    Diagnostic::error(code, label.value_span, e.message).with_label("invalid value").with_help(e.help)
}
