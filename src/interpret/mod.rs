//! Interpret: Convox semantics over the compose model → a [`Plan`] of balancers and
//! listeners, with a diagnostic at the label or port line for everything that does not fit.
//!
//! One pass over the services, by concern: `service_labels` reads each service's labels,
//! `balancers` builds its balancer, [`workload`] its ECS side; then `host_ports` hands out
//! instance ports, `certificates` binds `--certificate` options, and `checks` looks for service
//! names that meet in one CloudFormation name. The names of what each target declares, and
//! their checks, are the lowering's (`lower::names`).

mod balancers;
mod certificates;
mod checks;
mod host_ports;
pub mod labels;
mod links;
pub mod names;
mod no_meaning;
pub mod plan;
mod secrets;
mod service_labels;
mod targets;
pub mod text;
pub mod volumes;
pub mod workload;

pub use certificates::{CERTIFICATE_ARN_PATTERN, CertificateBinding, is_certificate_arn};
pub use checks::{deploy_parameter_clash, name_collision};
pub use plan::{
    Balancer, CertificateRef, Container, EnvSource, HealthCheck, HostPort, Image, Listener, Plan, Protocol, Scheme,
    Target, Workload,
};
pub use text::{DeployParameter, Part, Text};

use balancers::{balancer_for, unique_tcp_ports};
use certificates::bind_certificates;
use checks::{check_deploy_parameters, check_name_collisions};
use host_ports::{
    assign_instance_ports, check_fixed_host_ports, check_instance_port_capacity, fixed_bindings,
    preferred_instance_ports,
};
use service_labels::read_labels;

use crate::diagnostic::Diagnostics;
use crate::load::{Project, Service, Transport};
use std::collections::BTreeSet;

/// What the interpreter needs besides the compose model.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The app name.
    pub app: String,
    /// Selected profiles (`--profile`, `COMPOSE_PROFILES`).
    pub profiles: Vec<String>,
    /// Certificates bound on the command line.
    pub certificates: Vec<CertificateBinding>,
    /// The balancer target: which labels apply, and whether one internal port makes a
    /// service's whole balancer internal.
    pub target: Target,
}

/// Interprets a project: one balancer per service that maps a TCP port, in service-name order.
pub fn interpret(project: &Project, options: &Options) -> (Plan, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut services: Vec<&Service> = project.services.iter().filter(|s| enabled(s, &options.profiles)).collect();
    services.sort_by(|a, b| a.name.value.cmp(&b.name.value));
    check_name_collisions(&services, &mut diags);
    no_meaning::explain(&services, &mut diags);
    secrets::check_names(&project.secrets, &mut diags);

    let service_names: Vec<&str> = services.iter().map(|s| s.name.value.as_str()).collect();
    let mut balancers = Vec::new();
    let mut read = Vec::with_capacity(services.len());
    let mut fixed = Vec::new();
    let mut preferred = Vec::new();
    for service in &services {
        let tcp = unique_tcp_ports(service, &mut diags);
        let labels = read_labels(service, &tcp, &mut diags);
        let balancer = balancer_for(service, &tcp, &labels, options.target, &mut diags);
        // The workload names its listeners' instance port parameters; their values come later.
        let (mut w, links) =
            workload::read(&options.app, service, &tcp, &labels, balancer.as_ref(), &service_names, &mut diags);
        w.container.secrets = secrets::read(&service.container.secrets, &project.secrets, &mut diags);
        read.push((w, links));
        fixed.extend(fixed_bindings(service, balancer.is_some()));
        if let Some(b) = &balancer {
            preferred.extend(preferred_instance_ports(&options.app, b));
        }
        balancers.extend(balancer);
    }
    // Ports that unbalanced services bind are not handed out as instance ports.
    let bound: BTreeSet<u16> = fixed
        .iter()
        .filter(|b| b.port.1 == Transport::Tcp && names::INSTANCE_PORTS.contains(&b.port.0))
        .map(|b| b.port.0)
        .collect();
    if check_instance_port_capacity(&balancers, &services, bound.len(), &mut diags) {
        assign_instance_ports(&mut balancers, &preferred, &bound);
    }
    bind_certificates(&mut balancers, &options.certificates, &services, &mut diags);
    let link_env = links::link_env(&read.iter().map(|(w, _)| w).collect::<Vec<_>>());
    let workloads: Vec<Workload> = read
        .into_iter()
        .map(|(mut w, pending)| {
            links::resolve_links(&mut w, pending, &balancers, &services, &link_env, &mut diags);
            w
        })
        .collect();
    check_fixed_host_ports(&fixed, &mut diags);
    let plan = Plan { app: options.app.clone(), target: options.target, balancers, services: workloads };
    check_deploy_parameters(&plan, &mut diags);
    (plan, diags)
}

fn enabled(service: &Service, selected: &[String]) -> bool {
    match &service.profiles {
        None => true,
        Some(profiles) => profiles.is_empty() || profiles.iter().any(|p| selected.iter().any(|s| s == p || s == "*")),
    }
}
