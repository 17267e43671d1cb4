//! Checks across services of the names CloudFormation gets: collisions of service names,
//! names too long for logical IDs, and logical IDs or deploy-time parameters given twice.

use super::names;
use super::plan::{Balancer, Image, Plan, Workload};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::load::Service;
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn check_name_collisions(services: &[&Service], diags: &mut Diagnostics) {
    let mut seen: BTreeMap<String, &Service> = BTreeMap::new();
    for service in services {
        let upper = names::upper_name(&service.name.value);
        match seen.get(&upper) {
            Some(first) => diags.push(collision(first, service, &upper)),
            None => {
                seen.insert(upper, service);
            }
        }
    }
}

/// The security group description the template gives a balancer is
/// `<service> balancer of app <app>`, and EC2 takes at most 255 characters there.
pub(super) const GROUP_DESCRIPTION_WORDS: usize = " balancer of app ".len();

/// Service names long enough to make a logical ID or a security group description that
/// CloudFormation refuses are reported at the name, with a shorter name to use.
pub(super) fn check_name_lengths(services: &[&Service], app: &str, diags: &mut Diagnostics) {
    for service in services {
        let name = &service.name.value;
        if !name.is_ascii() {
            continue; // an invalid name, reported on load
        }
        let id = names::longest_logical_id(name);
        let description = name.len() + GROUP_DESCRIPTION_WORDS + app.len();
        let id_over = id.len().saturating_sub(names::MAX_LOGICAL_ID);
        let description_over = description.saturating_sub(names::MAX_LOGICAL_ID);
        let why = match (id_over, description_over) {
            (0, 0) => continue,
            (i, d) if i >= d => format!(
                "its longest CloudFormation logical ID, `{}…{}`, would be {} characters",
                &id[..12],
                &id[id.len() - 21..],
                id.len()
            ),
            _ => format!(
                "its balancer's security group description (name and app name) would be {description} characters"
            ),
        };
        let over = id_over.max(description_over);
        // Names are ASCII (checked on load), so byte lengths are character counts.
        let keep = name.len().saturating_sub(over).max(1);
        let shorter = name[..keep].trim_end_matches(['-', '_', '.']);
        diags.push(
            Diagnostic::error(
                Code::ServiceName,
                service.name.span,
                format!("service name is {} characters long: {why}, past AWS's limit of 255", name.len()),
            )
            .with_label("too long")
            .with_help(format!("use a name of at most {keep} characters, e.g. `{shorter}`")),
        );
    }
}

pub(super) fn collision(first: &Service, second: &Service, name: &str) -> Diagnostic {
    Diagnostic::error(
        Code::ServiceNameCollision,
        second.name.span,
        format!(
            "services `{}` and `{}` both become `{name}` in CloudFormation names",
            first.name.value, second.name.value
        ),
    )
    .with_label("this name")
    .with_related(first.name.span, "collides with this one")
    .with_help("rename one of the services")
}

/// Collisions between different kinds of names: `web` with an internal balancer and a
/// service `web-internal` are both `BalancerWebInternal`. Returns every logical ID used.
pub(super) fn check_logical_ids(
    balancers: &[Balancer],
    workloads: &[Workload],
    services: &[&Service],
    diags: &mut Diagnostics,
) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    let mut reported: BTreeSet<(&str, &str)> = BTreeSet::new();
    // Services are sorted by name: a binary search, as many collisions could each scan them.
    let service = |name: &str| {
        let i =
            services.binary_search_by(|s| s.name.value.as_str().cmp(name)).expect("plan entries come from services");
        services[i]
    };
    let balancer_ids = balancers.iter().flat_map(|b| {
        [b.logical_id.clone(), b.security_group_id.clone()]
            .into_iter()
            .chain(b.listeners.iter().map(|l| l.instance_port.parameter.clone()))
            .chain(b.listeners.iter().filter_map(|l| l.certificate.as_ref().map(|c| c.parameter.clone())))
            .map(move |id| (id, b.service.as_str()))
    });
    let workload_ids = workloads.iter().flat_map(|w| {
        let image = match &w.image {
            Image::Parameter { parameter, .. } => Some(parameter.clone()),
            Image::Literal { .. } => None,
        };
        [w.task_definition_id.clone(), w.service_id.clone()]
            .into_iter()
            .chain(image)
            .map(move |id| (id, w.service.as_str()))
    });
    for (id, owner) in balancer_ids.chain(workload_ids) {
        match seen.get(&id) {
            None => {
                seen.insert(id, owner);
            }
            // Names derived from one service never repeat within it.
            Some(first) if *first == owner => {}
            Some(first) => {
                // One error per pair; equal upper names were reported by `check_name_collisions`.
                let same_upper = names::upper_name(first) == names::upper_name(owner);
                if !same_upper && reported.insert((first, owner)) {
                    diags.push(collision(service(first), service(owner), &id));
                }
            }
        }
    }
    seen.into_keys().collect()
}

/// Deploy-time parameters are named after their variables: two that get one name (a hash
/// collision), or one named like a resource or parameter of a service, cannot both exist.
pub(super) fn check_deploy_parameters(
    plan: &Plan,
    taken: &BTreeSet<String>,
    services: &[&Service],
    diags: &mut Diagnostics,
) {
    for (id, uses) in plan.deploy_parameters() {
        let (first, users) = &uses[0];
        let clash = if uses.len() > 1 {
            let variables: Vec<String> = uses.iter().map(|(p, _)| format!("`{}`", p.variable)).collect();
            format!("variables {} both become deploy-time parameter `{id}`", variables.join(" and "))
        } else if taken.contains(id) {
            format!("variable `{}` becomes parameter `{id}`, a name the template already uses", first.variable)
        } else {
            continue;
        };
        // Looked up for a clash only: a scan per parameter would be quadratic in large apps.
        let span = users.first().and_then(|u| services.iter().find(|s| s.name.value == *u)).map(|s| s.name.span);
        diags.push(
            Diagnostic::error(Code::Environment, span, clash)
                .with_help("rename the variable (or the service): parameter names keep only letters and digits"),
        );
    }
}
