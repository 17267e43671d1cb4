//! Interpret: links between services. ECS links only join containers of one task, and each
//! compose service is a task of its own, so a link becomes variables pointing at the linked
//! service's balancer, as Convox made them.

use super::plan::{Balancer, EnvEntry, EnvSource, Workload};
use super::text::Text;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::load::Service;
use crate::load::container::LinkEntry;
use std::collections::BTreeMap;

/// A link to another service, resolved once every balancer exists.
pub(super) struct PendingLink {
    /// The service linked to.
    pub(super) target: String,
    /// The variable prefix (the alias, upper-cased).
    pub(super) prefix: String,
    /// Where the link was written.
    pub(super) span: crate::source::Span,
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

/// The links of one service to services of this project; a link to any other is an error.
/// `service_names` are the project's services, sorted.
pub(super) fn pending(links: &[LinkEntry], service_names: &[&str], diags: &mut Diagnostics) -> Vec<PendingLink> {
    let mut out = Vec::new();
    for LinkEntry { target, alias, span } in links {
        let target = target.as_str();
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
                    *span,
                    format!("`links` names `{target}`, which is not a service of this project"),
                )
                .with_label("no such service")
                .with_help(help),
            );
            continue;
        }
        let prefix: String =
            alias.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
        out.push(PendingLink { target: target.to_string(), prefix, span: *span });
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
            service: b.service.clone(),
            scheme: scheme.clone(),
            port: listener.balancer_port,
            user_info,
            path: path.clone(),
        };
        let entries = [
            ("HOST", EnvSource::BalancerHost { service: b.service.clone(), port: b.health_check.listener_port }),
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
