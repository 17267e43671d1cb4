//! What depends on the balancer target (`--balancer classic|v2`): TLS policies and labels that
//! exist on one target only or that no listener takes, v2's redirects, v2's limits of five
//! target groups per service and 50 listeners per load balancer, and Classic's of 100 listeners.

use super::labels::{self, LabelValue};
use super::plan::{Balancer, Listener, Protocol, Target};
use super::service_labels::ServiceLabels;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::load::{Label, PortMapping};
use crate::source::Span;

/// The most target groups ECS attaches to one service; v2 gives each listener port one.
const MAX_TARGET_GROUPS: usize = 5;

/// The most listeners of one Application or Network Load Balancer (AWS's default quota, which
/// an NLB cannot raise). AWS, "Quotas for your Application Load Balancers":
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html>
/// and "Quotas for your Network Load Balancers":
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-limits.html>.
/// Only an ALB's redirecting listeners, which need no target group, can reach it.
const MAX_LISTENERS: usize = 50;

/// The most listeners of one Classic ELB: AWS's default quota, "Quotas for your Classic Load
/// Balancer" (<https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/elb-limits.html>:
/// "Listeners per Classic Load Balancer: 100", adjustable). An error all the same, not a
/// warning: each listener also adds two outputs, so a service of 101 listeners passes the 200
/// outputs CloudFormation allows a stack whatever the account's quota. Without this check a
/// port range compiled to such a template with only the unlocated `stack-limits` warning.
const MAX_CLASSIC_LISTENERS: usize = 100;

/// Labels and policies that belong to one target only, and the v2 rules on redirects and
/// target groups: each a located error that says which target the label is for.
pub(super) fn check_target_labels(
    service: &str,
    tcp: &[&PortMapping],
    listeners: &[Listener],
    labels: &ServiceLabels,
    target: Target,
    diags: &mut Diagnostics,
) {
    let policies = labels.balancer.get("convox.tls.policy").into_iter().chain(
        listeners
            .iter()
            .filter_map(|l| labels.port.get(&(l.balancer_port, "ssl_policy")))
            .filter(|_| target == Target::V2),
    );
    for (value, label) in policies {
        let LabelValue::Text(policy) = value else { continue };
        if !labels::fits_target(policy, target) {
            let other = match target {
                Target::Classic => "an ELBv2 policy",
                Target::V2 => "a Classic ELB policy",
            };
            diags.push(
                Diagnostic::error(
                    Code::WrongTarget,
                    label.value_span,
                    format!("`{policy}` is {other}, not one of `--balancer {}`", target.name()),
                )
                .with_label(format!("only on --balancer {}", target.other().name()))
                .with_help(format!(
                    "compile with `--balancer {}`, or choose a {} policy such as `{}`",
                    target.other().name(),
                    target.name(),
                    match target {
                        Target::Classic => labels::DEFAULT_TLS_POLICY,
                        Target::V2 => labels::DEFAULT_V2_TLS_POLICY,
                    }
                )),
            );
        }
    }
    for l in listeners {
        let at = |key: &'static str| labels.port.get(&(l.balancer_port, key)).map(|(_, label)| *label);
        if target == Target::Classic {
            for key in ["redirect", "ssl_policy"] {
                if let Some(label) = at(key) {
                    diags.push(
                        Diagnostic::error(
                            Code::WrongTarget,
                            label.key_span,
                            format!("`convox.port.{}.{key}` exists only on `--balancer v2`", l.balancer_port),
                        )
                        .with_label("an ELBv2 label")
                        .with_help(
                            "compile with `--balancer v2` (or `x-compose-cfn: {balancer: v2}`), or remove the label",
                        ),
                    );
                }
            }
            continue;
        }
        // A Network Load Balancer's TCP listener forwards only to a TCP (or TCP_UDP) target
        // group; re-encrypting to a TLS target group needs a TLS listener, which ends the
        // client's TLS with a certificate. AWS, "Create a target group for your Network Load
        // Balancer": https://docs.aws.amazon.com/elasticloadbalancing/latest/network/create-target-group.html
        if l.secure
            && l.protocol == Protocol::Tcp
            && let Some(label) = at("secure")
        {
            let port = l.balancer_port;
            diags.push(
                Diagnostic::error(
                    Code::WrongTarget,
                    label.key_span,
                    format!(
                        "`convox.port.{port}.secure=true` on tcp port {port} exists only on `--balancer classic`: a Network Load Balancer's TCP listener cannot open TLS to the container"
                    ),
                )
                .with_label("TLS to the container behind a TCP listener")
                .with_help(format!(
                    "add `convox.port.{port}.protocol=tls` to end TLS at the balancer and re-encrypt to the container, remove `secure` to pass the client's TLS through, or compile with `--balancer classic`"
                )),
            );
        }
        let (Some(to), Some(label)) = (l.redirect, at("redirect")) else { continue };
        let https = listeners.iter().any(|o| o.balancer_port == to && o.protocol == Protocol::Https);
        let problem = if l.protocol != Protocol::Http {
            Some((
                format!("only an http listener can redirect, and port {} is {}", l.balancer_port, l.protocol.label()),
                "not an http listener",
            ))
        } else if !https {
            Some((format!("port {to} is not an https port of `{service}`"), "no https listener to redirect to"))
        } else if listeners.iter().any(|o| o.balancer_port == to && o.internal != l.internal) {
            Some((
                format!("port {to} is not on the same balancer: one of the two ports is internal"),
                "an https listener of another balancer",
            ))
        } else {
            None
        };
        if let Some((problem, what)) = problem {
            diags.push(
                Diagnostic::error(Code::LabelValue, label.value_span, format!("cannot redirect port {}: {problem}", l.balancer_port))
                    .with_label(what)
                    .with_help("redirect an http port to an https port of the same service, e.g. `convox.port.80.redirect=443` with `convox.port.443.protocol=https`"),
            );
        }
    }
    if target == Target::V2 {
        if let Some((seconds, label)) = labels.number_at("convox.idle.timeout") {
            idle_timeout_on_nlb(service, listeners, seconds, label, diags);
        }
        // A redirecting listener forwards nowhere, so it has no target group.
        let groups: Vec<&Listener> = listeners.iter().filter(|l| l.redirect.is_none()).collect();
        if let Some((sixth, span)) = first_past(tcp, groups.iter().map(|l| l.balancer_port), MAX_TARGET_GROUPS) {
            diags.push(
                Diagnostic::error(
                    Code::TooManyTargetGroups,
                    span,
                    format!(
                        "`{service}` needs {} target groups on --balancer v2 (one per listener port), and ECS attaches at most {MAX_TARGET_GROUPS} to a service",
                        groups.len()
                    ),
                )
                .with_label(format!("port {sixth}: the sixth target group"))
                .with_help("move some ports to another service, or compile with `--balancer classic`"),
            );
        } else {
            // With five target groups or fewer, only redirects can pass the listener quota;
            // with more, that error already asks for fewer ports.
            too_many_listeners(service, tcp, listeners, diags);
        }
    }
    if target == Target::Classic
        && let Some((first_over, span)) =
            first_past(tcp, listeners.iter().map(|l| l.balancer_port), MAX_CLASSIC_LISTENERS)
    {
        diags.push(
            Diagnostic::error(
                Code::TooManyListeners,
                span,
                format!(
                    "the Classic ELB of `{service}` needs {} listeners (one per TCP port), and a Classic ELB takes at most {MAX_CLASSIC_LISTENERS}",
                    listeners.len()
                ),
            )
            .with_label(format!("port {first_over}: listener {} of this balancer", MAX_CLASSIC_LISTENERS + 1))
            .with_help("map fewer ports (a port range maps one listener per port), or move some to another service: each service has a balancer of its own"),
        );
    }
}

/// TLS policy labels that no listener takes: `convox.tls.policy` where no https/tls listener
/// uses the balancer's policy, and on v2 `convox.port.N.ssl_policy` on a port that does not end
/// TLS. Each a warning at the label; not an error, as a manifest may carry the label for a
/// protocol it later turns on. Convox had neither label (convox-gen1.md: "no way to choose the
/// TLS security policy"), so it ignored them as it ignored every label it did not know; on
/// Classic, `ssl_policy` is already a `wrong-target` error.
pub(super) fn unused_tls_policies(
    service: &str,
    labels: &ServiceLabels,
    balancer: Option<&Balancer>,
    target: Target,
    diags: &mut Diagnostics,
) {
    let listeners = balancer.map_or(&[][..], |b| b.listeners.as_slice());
    if let Some((_, label)) = labels.balancer.get("convox.tls.policy")
        && let Some((why, help)) = why_no_listener_takes(service, labels, balancer, target)
    {
        diags.push(
            Diagnostic::warning(
                Code::UnusedTlsPolicy,
                label.key_span,
                format!("`convox.tls.policy` has no effect: {why}"),
            )
            .with_label("no listener takes this policy")
            .with_help(help),
        );
    }
    if target == Target::V2 {
        for l in listeners.iter().filter(|l| !l.protocol.terminates_tls()) {
            let port = l.balancer_port;
            let Some((_, label)) = labels.port.get(&(port, "ssl_policy")) else { continue };
            diags.push(
                Diagnostic::warning(
                    Code::UnusedTlsPolicy,
                    label.key_span,
                    format!(
                        "`convox.port.{port}.ssl_policy` has no effect: port {port} is {}, and only an https or tls listener negotiates TLS",
                        l.protocol.label()
                    ),
                )
                .with_label("not a TLS listener")
                .with_help(format!(
                    "add `convox.port.{port}.protocol=https` (or `tls`) to end TLS on port {port}, or remove the label"
                )),
            );
        }
    }
}

/// Why no listener of `service` takes `convox.tls.policy`, and the fix; `None` when one does.
fn why_no_listener_takes(
    service: &str,
    labels: &ServiceLabels,
    balancer: Option<&Balancer>,
    target: Target,
) -> Option<(String, &'static str)> {
    let remove = "remove the label";
    if labels.balancer_disabled() {
        return Some((format!("`{service}` has `convox.balancer=false`, so no listener ends TLS"), remove));
    }
    let Some(balancer) = balancer else {
        return Some((format!("`{service}` maps no TCP port, so it has no load balancer"), remove));
    };
    let mut tls = balancer.listeners.iter().filter(|l| l.protocol.terminates_tls()).peekable();
    if tls.peek().is_none() {
        let help = "label the port that should end TLS `convox.port.N.protocol=https` (or `tls`), or remove the label";
        return Some((format!("no port of `{service}` is https or tls, so no listener ends TLS"), help));
    }
    // On v2 a port's own `ssl_policy` overrides the balancer's.
    match target == Target::V2 && tls.all(|l| l.ssl_policy.is_some()) {
        true => Some((
            format!("every https/tls port of `{service}` sets its own `convox.port.N.ssl_policy`"),
            "remove the label, or the `ssl_policy` label of a port that should take it",
        )),
        false => None,
    }
}

/// v2 gives a service up to four load balancers (ALB and NLB, public and internal), each with
/// the listeners of its ports: one past [`MAX_LISTENERS`] is an error at the first port too many.
fn too_many_listeners(service: &str, tcp: &[&PortMapping], listeners: &[Listener], diags: &mut Diagnostics) {
    for (internal, http) in [(false, true), (true, true), (false, false), (true, false)] {
        let on: Vec<&Listener> =
            listeners.iter().filter(|l| l.internal == internal && l.protocol.is_http() == http).collect();
        let Some((first_over, span)) = first_past(tcp, on.iter().map(|l| l.balancer_port), MAX_LISTENERS) else {
            continue;
        };
        let scheme = if internal { "internal" } else { "public" };
        let kind = if http { "Application" } else { "Network" };
        let redirects = on.iter().filter(|l| l.redirect.is_some()).count();
        diags.push(
            Diagnostic::error(
                Code::TooManyListeners,
                span,
                format!(
                    "the {scheme} {kind} Load Balancer of `{service}` needs {} listeners ({redirects} of them redirects), and ELBv2 allows at most {MAX_LISTENERS} per load balancer",
                    on.len()
                ),
            )
            .with_label(format!("port {first_over}: listener {} of this balancer", MAX_LISTENERS + 1))
            .with_help("redirect fewer ports, or move some ports to another service: each service has balancers of its own"),
        );
    }
}

/// The first of `ports` (listeners' balancer ports, sorted) past a quota of `limit`, and the
/// place of its mapping, where the quota's error points; `None` within the quota.
fn first_past(tcp: &[&PortMapping], mut ports: impl Iterator<Item = u16>, limit: usize) -> Option<(u16, Option<Span>)> {
    let port = ports.nth(limit)?;
    Some((port, tcp.iter().find(|m| m.balancer_port() == port).map(|m| m.span)))
}

/// `convox.idle.timeout` as an NLB takes it: each TCP listener's `tcp.idle_timeout.seconds`
/// is 60–6000 s, and a TLS listener's idle timeout is fixed at 350 s. AWS, "Update the TCP
/// idle timeout for your Network Load Balancer listener":
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/update-idle-timeout.html>
fn idle_timeout_on_nlb(service: &str, listeners: &[Listener], seconds: u32, label: &Label, diags: &mut Diagnostics) {
    let ports = |protocol: Protocol| -> Vec<String> {
        listeners.iter().filter(|l| l.protocol == protocol).map(|l| l.balancer_port.to_string()).collect()
    };
    let (tcp, tls) = (ports(Protocol::Tcp), ports(Protocol::Tls));
    if seconds < 60 && !tcp.is_empty() {
        diags.push(
            Diagnostic::error(
                Code::NlbIdleTimeout,
                label.value_span,
                format!(
                    "idle timeout {seconds}s is shorter than a Network Load Balancer's TCP listeners take (60–6000 s), and `{service}` has tcp port(s) {}",
                    tcp.join(", ")
                ),
            )
            .with_label("below 60 seconds")
            .with_help("set `convox.idle.timeout` to 60 or more, or move the tcp ports to a service of their own"),
        );
    }
    if !tls.is_empty() {
        diags.push(
            Diagnostic::warning(
                Code::NlbIdleTimeout,
                label.value_span,
                format!(
                    "idle timeout {seconds}s does not reach tls port(s) {} of `{service}`: a Network Load Balancer's TLS listeners keep a fixed 350 s",
                    tls.join(", ")
                ),
            )
            .with_label("not for the tls ports")
            .with_help("end TLS in the container behind a tcp port to choose its idle timeout, or accept 350 s for the tls ports"),
        );
    }
}
