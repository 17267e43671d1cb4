//! Render: plan → CloudFormation template text, through an embedded minijinja template,
//! parsed back, checked by [`validate`], and printed canonically.

pub mod container;
pub mod validate;

use crate::interpret::{CERTIFICATE_ARN_PATTERN, Image, Plan, Scheme};
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

/// The template's name; `.json.j2` turns on JSON auto-escaping.
pub const STACK_TEMPLATE: &str = "stack.json.j2";
const STACK_SOURCE: &str = include_str!("../../templates/stack.json.j2");

/// Why a plan could not be rendered. Each is a bug in this tool, not in the manifest.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The template engine failed.
    #[error("template {STACK_TEMPLATE} failed to render: {0:#}")]
    Template(#[from] minijinja::Error),
    /// The rendered text is not JSON.
    #[error("template {STACK_TEMPLATE} rendered invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The template breaks a load balancer rule.
    #[error("the generated template breaks load balancer rules:\n  {}", .0.join("\n  "))]
    Invalid(Vec<String>),
}

#[derive(Serialize)]
struct Context<'a> {
    plan: &'a Plan,
    any_internal: bool,
    self_signed: Vec<SelfSigned>,
    built_images: Vec<BuiltImage>,
    env_parameters: Vec<EnvParameter>,
    arn_pattern: &'static str,
}

/// A service whose image the deploy stage builds and passes in.
#[derive(Serialize)]
struct BuiltImage {
    parameter: String,
    service: String,
    build: Option<String>,
}

/// A `NoEcho` parameter the deploy stage fills from a variable of its environment, and its
/// `Metadata.ComposeCfn.EnvironmentParameters` entry (the contract with the deploy stage).
#[derive(Serialize)]
struct EnvParameter {
    parameter: String,
    variable: String,
    default: Option<String>,
    metadata: serde_json::Value,
}

/// An https/tls listener whose certificate the deploy step must supply.
#[derive(Serialize)]
struct SelfSigned {
    parameter: String,
    target: String,
}

/// Renders the plan to a canonical, pretty-printed CloudFormation template (with a final newline).
pub fn render(plan: &Plan) -> Result<Rendered, RenderError> {
    let template = render_value(plan)?;
    let problems = validate::validate(&template);
    if !problems.is_empty() {
        return Err(RenderError::Invalid(problems));
    }
    let mut text = serde_json::to_string_pretty(&template)?;
    text.push('\n');
    let over_limits = stack_limits(&template, text.len());
    Ok(Rendered { text, over_limits })
}

/// A rendered template and the CloudFormation quotas it exceeds.
#[derive(Debug)]
pub struct Rendered {
    /// The canonical template text.
    pub text: String,
    /// Quotas the template exceeds, one sentence each: the template is valid, but
    /// CloudFormation will refuse to create a stack from it.
    pub over_limits: Vec<String>,
}

/// CloudFormation's per-template quotas (resources, parameters, outputs per stack; the body
/// size when uploaded through S3).
pub const STACK_LIMITS: [(&str, usize); 3] = [("Resources", 500), ("Parameters", 200), ("Outputs", 200)];

/// The largest template body CloudFormation accepts (through S3; 51,200 bytes when inline).
pub const MAX_TEMPLATE_BYTES: usize = 1_000_000;

fn stack_limits(template: &serde_json::Value, bytes: usize) -> Vec<String> {
    let mut over: Vec<String> = STACK_LIMITS
        .iter()
        .filter_map(|(section, limit)| {
            let count = template.get(*section).and_then(serde_json::Value::as_object).map_or(0, |m| m.len());
            (count > *limit).then(|| {
                format!(
                    "the template has {count} {}, more than the {limit} CloudFormation allows in a stack",
                    section.to_lowercase()
                )
            })
        })
        .collect();
    if bytes > MAX_TEMPLATE_BYTES {
        over.push(format!("the template is {bytes} bytes, more than the {MAX_TEMPLATE_BYTES} CloudFormation accepts"));
    }
    over
}

/// Renders the plan to a JSON value, without validating it.
pub fn render_value(plan: &Plan) -> Result<serde_json::Value, RenderError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_template(STACK_TEMPLATE, STACK_SOURCE)?;
    let self_signed = plan
        .balancers
        .iter()
        .flat_map(|b| {
            b.listeners.iter().filter_map(move |l| {
                let cert = l.certificate.as_ref().filter(|c| c.arn.is_none())?;
                Some(SelfSigned {
                    parameter: cert.parameter.clone(),
                    target: format!("{}:{}", b.service, l.balancer_port),
                })
            })
        })
        .collect();
    let built_images = plan
        .services
        .iter()
        .filter_map(|w| match &w.image {
            Image::Parameter { parameter, build } => {
                Some(BuiltImage { parameter: parameter.clone(), service: w.service.clone(), build: build.clone() })
            }
            Image::Literal { .. } => None,
        })
        .collect();
    let env_parameters = plan
        .deploy_parameters()
        .into_iter()
        .map(|(id, uses)| {
            // One entry per ID: the interpreter refuses a plan where two parameters share one.
            let (p, services) = &uses[0];
            let mut metadata = serde_json::json!({
                "Parameter": id,
                "Variable": p.variable,
                "Services": services,
                "EmptyIsUnset": p.empty_is_unset,
            });
            for (key, value) in [("Default", &p.default), ("Required", &p.required), ("Alternative", &p.alternative)] {
                if let Some(value) = value {
                    metadata[key] = serde_json::json!(value);
                }
            }
            EnvParameter {
                parameter: id.to_string(),
                variable: p.variable.clone(),
                default: p.default.clone(),
                metadata,
            }
        })
        .collect();
    let context = Context {
        plan,
        any_internal: plan.balancers.iter().any(|b| b.scheme == Scheme::Internal),
        self_signed,
        built_images,
        env_parameters,
        arn_pattern: CERTIFICATE_ARN_PATTERN,
    };
    let text = env.get_template(STACK_TEMPLATE)?.render(minijinja::value::Serde(&context))?;
    let mut template: serde_json::Value = serde_json::from_str(&text)?;
    // Container definitions go in as values: passing them through the template would write
    // them out as text only to parse them back, which was a fifth of the time of a large app.
    for w in &plan.services {
        let slot = template
            .pointer_mut(&format!("/Resources/{}/Properties/ContainerDefinitions", w.task_definition_id))
            .ok_or_else(|| {
                RenderError::Invalid(vec![format!(
                    "{}: the template has no ContainerDefinitions",
                    w.task_definition_id
                )])
            })?;
        *slot = serde_json::Value::Array(vec![container::container_definition(w)]);
    }
    // A health path is deploy-time text (a string, or `Fn::Sub` over parameters): it goes in
    // as a value, after the protocol and the instance port the template joins it to.
    for b in &plan.balancers {
        let Some(path) = &b.health_check.path else { continue };
        let pointer = format!("/Resources/{}/Properties/HealthCheck/Target/Fn::Join/1", b.logical_id);
        let parts = template.pointer_mut(&pointer).and_then(serde_json::Value::as_array_mut).ok_or_else(|| {
            RenderError::Invalid(vec![format!("{}: the template has no health check target", b.logical_id)])
        })?;
        // Always a string or `Fn::Sub`: a bare `Ref` in the join would read as a port.
        parts.push(match path.parts.as_slice() {
            [crate::interpret::Part::Parameter(p)] => serde_json::json!({ "Fn::Sub": format!("${{{}}}", p.parameter) }),
            _ => container::text_value(path),
        });
    }
    Ok(template)
}
