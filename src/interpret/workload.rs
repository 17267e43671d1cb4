//! Interpret: the ECS side of a service — its container (image, command, environment, limits,
//! health check, port mappings) and its ECS service settings — from the typed container keys
//! `load` read: free text becomes deploy-time text, and ECS's own rules are checked.

use super::host_ports::udp_host_port;
use super::links::PendingLink;
use super::names;
use super::no_meaning::is_explained;
use super::plan::{
    Balancer, BalancerTarget, Container, ContainerHealthCheck, EnvEntry, EnvSource, ExtraHost, HostPort, Image,
    PortMap, Ulimit, Workload,
};
use super::service_labels::ServiceLabels;
use super::text::{self, Part, Text};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::load::container::{ExtraHostEntry, UlimitEntry, Written};
use crate::load::{PortMapping, Service, Transport};
use crate::source::{Span, Spanned};
use std::collections::HashSet;

/// ECS needs a memory figure per container on EC2; Convox gave each process 256 MiB.
pub const DEFAULT_MEMORY_RESERVATION_MIB: u32 = 256;

/// Convox kept every old task running during a deploy ("by default, 100% of the processes on
/// the old release stay running"); 50 halved the capacity of every service while deploying.
pub const DEFAULT_MINIMUM_HEALTHY_PERCENT: u32 = 100;

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
    let keys = &service.container;
    warn_untranslated(service, diags);
    let image = match keys.image.as_ref().and_then(|w| deploy_text(w, diags)).filter(|t| !t.parts.is_empty()) {
        Some(image) => Image::Literal { name: image },
        None => Image::Parameter {
            parameter: names::image_parameter(name),
            build: keys.build.context.clone(),
            dockerfile: keys.build.dockerfile.clone(),
            target: keys.build.target.clone(),
            args: keys.build.args.clone(),
        },
    };
    let mut container = Container {
        command: keys.command.as_ref().and_then(|words| words_text(words, diags)),
        entrypoint: keys.entrypoint.as_ref().and_then(|words| words_text(words, diags)),
        environment: environment(service, diags),
        memory_mib: keys.memory_mib,
        memory_reservation_mib: keys.memory_reservation_mib,
        cpu_shares: keys.cpu_shares,
        working_dir: keys.working_dir.as_ref().and_then(|w| deploy_text(w, diags)),
        user: keys.user.as_ref().and_then(|w| deploy_text(w, diags)),
        privileged: keys.privileged,
        ulimits: ulimits(&keys.ulimits, diags),
        extra_hosts: extra_hosts(&keys.extra_hosts, diags),
        health_check: keys.health_check.as_ref().and_then(|h| {
            Some(ContainerHealthCheck {
                command: words_text(&h.command, diags)?,
                interval: h.interval,
                timeout: h.timeout,
                retries: h.retries,
                start_period: h.start_period,
            })
        }),
        port_mappings: port_mappings(service, balancer, labels.balancer_disabled(), diags),
        volumes: super::volumes::read(app, &keys.volumes, diags),
        // Filled with the project's secret definitions at hand (`secrets::read`).
        secrets: Vec::new(),
    };
    let sized =
        container.cpu_shares.is_some() || container.memory_mib.is_some() || container.memory_reservation_mib.is_some();
    if container.memory_mib.is_none() && container.memory_reservation_mib.is_none() {
        container.memory_reservation_mib = Some(DEFAULT_MEMORY_RESERVATION_MIB);
    }
    let links = super::links::pending(&keys.links, service_names, diags);
    let daemon = daemon(labels, keys.replicas_span.clone(), diags);
    let workload = Workload {
        service: name.to_string(),
        name_span: Some(service.name.span),
        image,
        desired_count: labels.number("convox.scale").or(keys.replicas).unwrap_or(1),
        count_set: labels.number("convox.scale").or(keys.replicas).is_some(),
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
fn daemon(labels: &ServiceLabels, replicas: Option<Spanned<&'static str>>, diags: &mut Diagnostics) -> bool {
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
    if let Some(replicas) = replicas {
        conflict(replicas.span, format!("`{}`", replicas.value), count_help);
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

/// Keys of the service nothing translates: explained once per file when ECS has no meaning
/// for them (`no_meaning`), else warned about where they are written.
fn warn_untranslated(service: &Service, diags: &mut Diagnostics) {
    let keys = &service.container;
    for key in keys.other_keys.iter().filter(|k| !is_explained(&k.value)) {
        diags.push(
            Diagnostic::warning(Code::UntranslatedKey, key.span, format!("`{}` is not translated to ECS and is ignored", key.value))
                .with_label("ignored")
                .with_help("compose-cfn translates image, build, command, entrypoint, environment, mem_limit, mem_reservation, cpu_shares, cpus, working_dir, user, privileged, ulimits, extra_hosts, links, healthcheck, scale, deploy.replicas, deploy.resources, ports, named volumes and labels"),
        );
    }
    for key in &keys.other_deploy_keys {
        diags.push(
            Diagnostic::warning(
                Code::UntranslatedKey,
                key.span,
                format!("`deploy.{}` is not translated to ECS and is ignored", key.value),
            )
            .with_label("ignored")
            .with_help(
                "of `deploy:`, only `replicas` and `resources` are translated (to the desired count, memory and CPU)",
            ),
        );
    }
    for key in &keys.other_resource_keys {
        diags.push(
            Diagnostic::warning(Code::UntranslatedKey, key.span, format!("`{}` of `deploy.resources` is not translated to ECS and is ignored", key.value))
                .with_label("ignored")
                .with_help("of `deploy.resources`, `limits` and `reservations` of `memory` and `cpus` are translated (to Memory, MemoryReservation and Cpu)"),
        );
    }
}

/// Text as written, as deploy-time text (`None`, with an error, when it cannot be filled).
fn deploy_text(written: &Written, diags: &mut Diagnostics) -> Option<Text> {
    text::of_segments(&written.segments, written.span, diags)
}

/// Words of a command, each as deploy-time text; `None` when any cannot be.
fn words_text(words: &[Written], diags: &mut Diagnostics) -> Option<Vec<Text>> {
    words.iter().map(|w| deploy_text(w, diags)).collect()
}

fn environment(service: &Service, diags: &mut Diagnostics) -> Vec<EnvEntry> {
    let mut entries: Vec<EnvEntry> = service
        .environment
        .iter()
        .filter_map(|(name, var)| {
            let mut text = text::of_segments(&var.value, var.span, diags)?;
            // A key of an `env_file:`: the deploy stage reads its value from that file.
            for part in &mut text.parts {
                if let Part::Parameter(p) = part {
                    p.env_file.clone_from(&var.env_file);
                }
            }
            Some(EnvEntry { name: name.clone(), value: EnvSource::Text { text } })
        })
        .collect();
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    entries
}

fn container_error(span: Span, message: String, help: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Code::ContainerValue, span, message).with_label("invalid value").with_help(help)
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

fn ulimits(entries: &[UlimitEntry], diags: &mut Diagnostics) -> Vec<Ulimit> {
    let mut out = Vec::new();
    for UlimitEntry { name, soft, hard, span } in entries {
        let key = &name.value;
        if !ULIMITS.contains(&key.as_str()) {
            let help = match super::labels::nearest(key, ULIMITS) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("ulimits are {}", ULIMITS.join(", ")),
            };
            diags.push(
                Diagnostic::error(Code::ContainerValue, name.span, format!("unknown ulimit `{key}`")).with_help(help),
            );
            continue;
        }
        match (*soft, *hard) {
            (Some(soft), Some(hard)) if soft <= hard => out.push(Ulimit { name: key.clone(), soft, hard }),
            (Some(_), Some(_)) => diags.push(container_error(
                *span,
                format!("ulimit `{key}`: soft limit above hard limit"),
                "make `soft` at most `hard`",
            )),
            _ => diags.push(container_error(
                *span,
                format!("ulimit `{key}` needs a number, or `soft:` and `hard:` numbers"),
                format!("e.g. `{key}: {{soft: 20000, hard: 40000}}`"),
            )),
        }
    }
    out
}

fn extra_hosts(entries: &[ExtraHostEntry], diags: &mut Diagnostics) -> Vec<ExtraHost> {
    entries
        .iter()
        .filter_map(|entry| {
            let hostname = text::of_segments(&entry.hostname.segments, entry.span, diags)?;
            let mut ip = text::of_segments(&entry.ip.segments, entry.span, diags)?;
            // An address written out is checked now; one from a variable by ECS at deploy.
            if let Some(literal) = ip.as_literal() {
                let trimmed = literal.trim_matches(['[', ']']);
                if trimmed.parse::<std::net::IpAddr>().is_err() {
                    diags.push(container_error(
                        entry.span,
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
            host_port: HostPort::Listener { balancer_port: l.balancer_port },
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
