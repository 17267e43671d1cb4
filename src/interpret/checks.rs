//! Checks of the names every target shares: service names that become one name in
//! CloudFormation, and deploy-time parameters given one name twice. The names each target
//! declares (resources, outputs, instance ports) are checked where they are chosen, in
//! `lower::names`.

use super::names;
use super::plan::Plan;
use super::text::DeployParameter;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::load::Service;
use crate::source::Span;
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn check_name_collisions(services: &[&Service], diags: &mut Diagnostics) {
    let mut seen: BTreeMap<String, &Service> = BTreeMap::new();
    for service in services {
        let upper = names::upper_name(&service.name.value);
        match seen.get(&upper) {
            Some(first) => diags.push(name_collision(
                (&first.name.value, Some(first.name.span)),
                (&service.name.value, Some(service.name.span)),
                &upper,
            )),
            None => {
                seen.insert(upper, service);
            }
        }
    }
}

/// The error for two services (each its name and where it is written) whose derived names
/// meet in `name`.
pub fn name_collision(first: (&str, Option<Span>), second: (&str, Option<Span>), name: &str) -> Diagnostic {
    let d = Diagnostic::error(
        Code::ServiceNameCollision,
        second.1,
        format!("services `{}` and `{}` both become `{name}` in CloudFormation names", first.0, second.0),
    )
    .with_label("this name");
    let d = match first.1 {
        Some(span) => d.with_related(span, "collides with this one"),
        None => d,
    };
    d.with_help("rename one of the services")
}

/// Deploy-time parameters are named after their variables: two that get one name cannot both
/// exist. Either two variables meet in one name (a hash collision), or one variable is read
/// from two places (two `env_file:`s, or a file and the deploy environment) by different
/// services, which Compose allows but one parameter cannot hold. (One named like a resource
/// of a service is found by the lowering, which names the resources.)
pub(super) fn check_deploy_parameters(plan: &Plan, diags: &mut Diagnostics) {
    for (id, uses) in plan.deploy_parameters() {
        if uses.len() < 2 {
            continue;
        }
        let service_span =
            |services: &BTreeSet<&str>| services.first().and_then(|s| plan.workload_of(s)).and_then(|w| w.name_span);
        let span = service_span(&uses[0].1);
        let variable = &uses[0].0.variable;
        if uses.iter().any(|(p, _)| &p.variable != variable) {
            let variables: Vec<String> = uses.iter().map(|(p, _)| format!("`{}`", p.variable)).collect();
            let clash = format!("variables {} both become deploy-time parameter `{id}`", variables.join(" and "));
            diags.push(deploy_parameter_clash(span, clash));
            continue;
        }
        // One name, so one variable with the same modifiers: only where it is read differs.
        let from = |p: &DeployParameter| match &p.env_file {
            Some(file) => format!("`{file}`"),
            None => "the deploy environment".to_string(),
        };
        let sources: Vec<String> = uses.iter().map(|(p, _)| from(p)).collect();
        let message = format!(
            "variable `{variable}` is read from {}, but becomes one deploy-time parameter `{id}`, which holds one value",
            sources.join(" and from ")
        );
        let mut d =
            Diagnostic::error(Code::Environment, span, message).with_label(format!("reads it from {}", sources[0]));
        for ((_, services), source) in uses.iter().zip(&sources).skip(1) {
            if let Some(other) = service_span(services) {
                d = d.with_related(other, format!("reads it from {source}"));
            }
        }
        diags.push(d.with_help(format!(
            "read `{variable}` from the same place in these services (one env file, or the environment), or rename it in one of them"
        )));
    }
}

/// The error for a deploy-time parameter whose name is taken, said at the service using it.
pub fn deploy_parameter_clash(span: Option<Span>, clash: String) -> Diagnostic {
    Diagnostic::error(Code::Environment, span, clash)
        .with_help("rename the variable (or the service): parameter names keep only letters and digits")
}
