//! Adoption: taking over a live stack a Convox rack made, without replacing its balancers.
//!
//! Input: the live template and parameter values (as `aws cloudformation get-template` and
//! `describe-stacks` print them) and the template compose-cfn compiled for the same manifest.
//! Output: that template changed so that the update keeps what identifies the live resources
//! (balancer names and schemes, subnets, security groups, roles, instance ports, bound
//! certificates) and what it runs (each service's count, cpu and memory, unless the manifest
//! sets them), carries over what Convox owned that compose-cfn does not model (unless
//! removal is allowed), and a decision for every resource: what happens to it and why. Pure:
//! no I/O; `review::convox` reads Convox's templates, [`replacement`] says which properties
//! adoption keeps and why AWS would replace the resource otherwise.
//!
//! One file past 400 lines: reading the live stack, reconciling each resource and the
//! parameters, and the decisions they return are one algorithm read top to bottom, around
//! the `Live` and `Decision` types; its tests are in `tests.rs`.

pub mod convox_env;
pub mod precedence;
pub mod replacement;

use crate::review::convox;
use crate::review::view::{LOAD_BALANCER, scalar as text};
pub use precedence::env_precedence;
use replacement::Keep;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Why a stack cannot be adopted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AdoptError {
    /// The live template or parameters are not JSON of the expected shape.
    #[error("{0}")]
    Shape(String),
    /// The live template was not made by Convox.
    #[error(
        "the live template was not made by Convox: it has no `Balancer<Service>` Classic ELB with a `LoadBalancerName`, no `<Service>Port<N>Host` parameters with `Blank…Certificate` conditions, and no rack `CustomTopic`"
    )]
    NotConvox,
    /// A certificate bound on the live stack would be dropped by the manifest.
    #[error(
        "listener {service}:{port} of the live stack terminates TLS with {arn}, but the manifest makes it a plain listener: adopting would drop the certificate"
    )]
    CertificateDropped {
        /// The service.
        service: String,
        /// The balancer port.
        port: u16,
        /// The live certificate's ARN.
        arn: String,
    },
    /// The adoption replaces resources and replacement was not allowed: each resource, the
    /// property that forces it and AWS's reason.
    #[error("adopting would replace {}", replaced_list(.0))]
    Replaces(Vec<(String, String, String)>),
    /// The live app has a Convox environment (`convox env`), which the adopted task
    /// definitions would no longer receive, and its migration was not acknowledged.
    #[error(
        "the live stack gives its services the environment `convox env` set ({}), which Convox's task-definition function decrypted into every container; the adopted task definitions get only the manifest's `environment:` and `env_file:`, so every `convox env` variable would be lost on the first deploy",
        .0.place()
    )]
    ConvoxEnvironment(ConvoxEnvironment),
}

/// How to move a Convox environment into the manifest: the help of every refusal to drop it.
pub const ENV_MIGRATION: &str = "save the variables to a file the manifest reads: `convox env -a APP | compose-cfn convox-env -o convox.env` (which quotes each value so that Compose reads it as Convox stored it), add `env_file: convox.env` to every service that used them, keep convox.env out of git (add it to .gitignore), then run again with --env-migrated (an app without `convox env` variables needs only the flag)";

/// The environment a Convox gen1 app kept with `convox env set`: an encrypted file in the
/// rack's settings bucket, named by the stack's `Environment` parameter (its URL) and `Key`
/// (the KMS key it is encrypted with), which the rack's `Custom::ECSTaskDefinition` function
/// fetched and decrypted into every container's environment at each deploy. Only where it
/// is: its contents are never read (no S3, no KMS).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ConvoxEnvironment {
    /// The file's URL (`Environment`), when the live values are known.
    pub url: Option<String>,
    /// The KMS key's ARN (`Key`), when the live values are known and it has one.
    pub key: Option<String>,
}

impl ConvoxEnvironment {
    /// Where the environment was, in words: the URL and key, or the parameter that names them.
    pub fn place(&self) -> String {
        match (&self.url, &self.key) {
            (Some(url), Some(key)) => format!("the file {url}, encrypted with the KMS key {key}"),
            (Some(url), None) => format!("the file {url}"),
            _ => "the file its `Environment` parameter names; give --adopt-parameters to see which".to_string(),
        }
    }
}

fn replaced_list(replaced: &[(String, String, String)]) -> String {
    let each: Vec<String> =
        replaced.iter().map(|(name, property, why)| format!("{name} ({property} changes: {why})")).collect();
    each.join(", ")
}

/// What adoption does to one resource, parameter or output.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    /// Exists in both and nothing changes.
    Unchanged,
    /// Updated in place; `kept` lists the properties whose live values were kept.
    InPlace {
        /// Properties that change.
        changed: Vec<String>,
        /// Properties kept from the live stack (they would have forced a replacement or moved it).
        kept: Vec<String>,
    },
    /// A new revision (task definitions): expected on every deploy, not a replacement to fear.
    NewRevision,
    /// Replaced by AWS: `property` cannot change in place, `why`.
    Replaced {
        /// The property (or `Type`).
        property: String,
        /// AWS's reason.
        why: String,
    },
    /// Created by this deploy.
    Added,
    /// Owned by Convox, not modelled by compose-cfn: carried over as it is.
    Carried,
    /// Owned by Convox, not modelled by compose-cfn: deleted (only with `--allow-removal`).
    Removed,
    /// A parameter of the live stack nothing left in the template uses: not declared any more.
    Unused,
    /// Convox's environment (`convox env`) is no longer read: refused unless `--env-migrated`.
    EnvironmentNotRead {
        /// Where it was.
        #[serde(flatten)]
        environment: ConvoxEnvironment,
    },
    /// Kept at its live value.
    KeptValue {
        /// The live value.
        value: String,
    },
    /// The variables a Convox rack set in every container, kept where the manifest sets none.
    ConvoxVariables {
        /// `NAME=value`, by name.
        kept: Vec<String>,
    },
    /// A service's task count: the live one (`convox scale` wrote it into Convox's
    /// `<Svc>Formation` parameter) against the manifest's, and which one the deploy sets.
    Scale {
        /// The live count.
        live: u32,
        /// The count the manifest sets (`convox.scale`, `deploy.replicas`), if it sets one.
        manifest: Option<u32>,
        /// Where the live count was read from: the Convox parameter, or `its DesiredCount`.
        parameter: String,
    },
}

/// One decision of an adoption.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    /// `resource`, `scale` (a service's task count), `environment` (Convox's container
    /// variables), `parameter` or `output`.
    pub section: &'static str,
    /// The logical ID or name.
    pub name: String,
    /// The resource's type (empty for parameters and outputs).
    #[serde(rename = "type")]
    pub kind: String,
    /// What happens.
    #[serde(flatten)]
    pub action: Action,
}

impl Decision {
    /// The decision in one line, as the preview prints it.
    pub fn line(&self) -> String {
        let what = match self.kind.as_str() {
            "" => format!("{} {}", self.section, self.name),
            kind => format!("{} ({kind})", self.name),
        };
        match &self.action {
            Action::Unchanged => format!("  = {what}  unchanged"),
            Action::InPlace { changed, kept } if changed.is_empty() => {
                format!("  = {what}  unchanged; kept from the live stack: {}", kept.join(", "))
            }
            Action::InPlace { changed, kept } => {
                let mut s = format!("  ~ {what}  updated in place: {}", changed.join(", "));
                if !kept.is_empty() {
                    s += &format!("; kept from the live stack: {}", kept.join(", "));
                }
                s
            }
            Action::NewRevision => format!("  ~ {what}  new revision (the service rolls onto it)"),
            Action::Replaced { property, why } => format!("  ! {what}  REPLACED: {property} changes ({why})"),
            Action::Added => format!("  + {what}  added"),
            Action::Carried => format!("  = {what}  Convox's, kept as it is"),
            Action::Removed => format!("  - {what}  Convox's, REMOVED (--allow-removal)"),
            Action::Unused => format!("  - {what}  used by nothing left in the template: no longer declared"),
            Action::KeptValue { value } => format!("  = {what}  kept at its live value {value}"),
            Action::EnvironmentNotRead { environment } => format!(
                "  ! {what}  Convox's environment is no longer read: its `convox env` variables, in {}, reach no task definition; only the manifest's environment and env_file do (--env-migrated)",
                environment.place()
            ),
            Action::ConvoxVariables { kept } => format!(
                "  = {what}  keeps the variables Convox set in every container: {} (not RELEASE: no Convox release runs it any more)",
                kept.join(", ")
            ),
            Action::Scale { live, manifest: None, parameter } => format!(
                "  = {what}  DesiredCount kept at its live value {live} (from {parameter}; the manifest sets no count)"
            ),
            Action::Scale { live, manifest: Some(count), parameter } => format!(
                "  ~ {what}  DesiredCount {live} → {count}: the manifest's count wins over the live one (from {parameter}), as it is written there; remove `convox.scale`/`deploy.replicas` to keep {live}"
            ),
        }
    }
}

/// The result: the template to deploy and every decision taken.
#[derive(Clone, Debug, PartialEq)]
pub struct Adoption {
    /// The adopted template.
    pub template: Value,
    /// Decisions, resources first, each section by name.
    pub decisions: Vec<Decision>,
}

impl Adoption {
    /// The replacements, which a deploy refuses without `--allow-replacement`.
    pub fn replacements(&self) -> impl Iterator<Item = &Decision> {
        self.decisions.iter().filter(|d| matches!(d.action, Action::Replaced { .. }))
    }

    /// Refuses the replacements unless `allowed` (`--allow-replacement`): a replaced balancer
    /// gets a new DNS name, so it is never a side effect.
    pub fn check_replacements(&self, allowed: bool) -> Result<(), AdoptError> {
        let replaced: Vec<(String, String, String)> = self
            .decisions
            .iter()
            .filter_map(|d| match &d.action {
                Action::Replaced { property, why } => Some((d.name.clone(), property.clone(), why.clone())),
                _ => None,
            })
            .collect();
        if replaced.is_empty() || allowed { Ok(()) } else { Err(AdoptError::Replaces(replaced)) }
    }

    /// Refuses to drop the live app's Convox environment unless `migrated` (`--env-migrated`:
    /// the user moved `convox env` into an `env_file:`): no deploy may lose it silently.
    pub fn check_environment(&self, migrated: bool) -> Result<(), AdoptError> {
        match self.decisions.iter().find_map(|d| match &d.action {
            Action::EnvironmentNotRead { environment } => Some(environment),
            _ => None,
        }) {
            Some(environment) if !migrated => Err(AdoptError::ConvoxEnvironment(environment.clone())),
            _ => Ok(()),
        }
    }

    /// True when the live app's Convox environment is no longer read.
    pub fn drops_environment(&self) -> bool {
        self.decisions.iter().any(|d| matches!(d.action, Action::EnvironmentNotRead { .. }))
    }

    /// The removals, made only with `--allow-removal`.
    pub fn removals(&self) -> impl Iterator<Item = &Decision> {
        self.decisions.iter().filter(|d| d.action == Action::Removed)
    }
}

/// The live stack: its template (conditions resolved with its values) and parameter values.
#[derive(Clone, Debug, PartialEq)]
pub struct Live {
    /// The template with every decidable condition resolved.
    pub template: Value,
    /// Every parameter's value (live, else the default).
    pub values: BTreeMap<String, String>,
    /// The app's Convox environment (`convox env`), when the stack has one.
    pub environment: Option<ConvoxEnvironment>,
}

impl Live {
    /// Reads the live template (`{"TemplateBody": …}` as get-template prints it, the body as
    /// a JSON string as the SDK returns it, or the bare template) and its parameters
    /// (`{"Stacks":[{"Parameters":[…]}]}` as describe-stacks prints it, `{"Parameters":[…]}`,
    /// or the bare list of `{ParameterKey, ParameterValue}`); refuses a template Convox did not make.
    pub fn read(template: &Value, parameters: Option<&Value>) -> Result<Live, AdoptError> {
        let template = template_body(template)?;
        if !convox::is_adoptable(&template) {
            return Err(AdoptError::NotConvox);
        }
        let given = match parameters {
            None => BTreeMap::new(),
            Some(p) => parameter_list(p)?,
        };
        let environment = convox_environment(&template, parameters.map(|_| &given));
        let values = convox::parameter_values(&template, &given);
        Ok(Live { template: convox::resolve(&template, &values), values, environment })
    }

    /// The certificates bound to the live stack's TLS listeners, as `service:port=arn` bindings
    /// for the compilation (a Convox certificate parameter names the port, its balancer the service).
    pub fn certificate_bindings(&self) -> Vec<(String, u16, String)> {
        let services: BTreeMap<String, String> = convox::balancer_services(&self.template)
            .into_iter()
            .map(|(id, svc)| {
                let upper = id.strip_prefix("Balancer").unwrap_or(&id);
                (upper.strip_suffix("Internal").unwrap_or(upper).to_string(), svc)
            })
            .collect();
        self.values
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .filter_map(|(name, arn)| {
                let (upper, port) = convox::port_parameter(name, "Certificate")?;
                Some((services.get(upper)?.clone(), port, arn.clone()))
            })
            .collect()
    }
}

/// The Convox environment of a stack Convox made: its template declares the `Environment`
/// parameter (which every `Custom::ECSTaskDefinition` passes to the rack's function) and the
/// live value, when `given`, is not blank. Without values the template alone says the app had
/// one. A stack adopted before has none: its first adoption was the one acknowledged.
fn convox_environment(template: &Value, given: Option<&BTreeMap<String, String>>) -> Option<ConvoxEnvironment> {
    template.pointer("/Parameters/Environment")?;
    if !convox::is_convox(template) {
        return None;
    }
    let Some(given) = given else { return Some(ConvoxEnvironment::default()) };
    let value = |name: &str| given.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()).map(String::from);
    match given.get("Environment") {
        // Listed and blank: the rack stored no environment file for this release.
        Some(_) if value("Environment").is_none() => None,
        _ => Some(ConvoxEnvironment { url: value("Environment"), key: value("Key") }),
    }
}

/// The template inside get-template's output, or the template itself.
fn template_body(v: &Value) -> Result<Value, AdoptError> {
    let body = v.get("TemplateBody").unwrap_or(v);
    let body = match body {
        Value::String(text) => serde_json::from_str(text)
            .map_err(|e| AdoptError::Shape(format!("`TemplateBody` is not a JSON template: {e}")))?,
        other => other.clone(),
    };
    if body.get("Resources").and_then(Value::as_object).is_none() {
        return Err(AdoptError::Shape("not a CloudFormation template: no `Resources` object".into()));
    }
    Ok(body)
}

/// Parameter values from describe-stacks' output, `{"Parameters": […]}` or the bare list of
/// `{ParameterKey, ParameterValue}` (a `ResolvedValue` wins, as the stack used it).
pub fn parameter_list(v: &Value) -> Result<BTreeMap<String, String>, AdoptError> {
    let list =
        v.pointer("/Stacks/0/Parameters").or_else(|| v.get("Parameters")).unwrap_or(v).as_array().ok_or_else(|| {
            AdoptError::Shape(
                "parameters: expected describe-stacks JSON or a list of {ParameterKey, ParameterValue}".into(),
            )
        })?;
    list.iter()
        .enumerate()
        .map(|(i, p)| {
            let key = p.get("ParameterKey").and_then(Value::as_str);
            let value = p.get("ResolvedValue").or_else(|| p.get("ParameterValue")).and_then(Value::as_str);
            // The entry is named by its place and key, never shown: its other fields are values.
            match (key, value) {
                (Some(k), Some(v)) => Ok((k.to_string(), v.to_string())),
                (Some(k), None) => {
                    Err(AdoptError::Shape(format!("parameters: entry {} (`{k}`) has no text ParameterValue", i + 1)))
                }
                (None, _) => Err(AdoptError::Shape(format!("parameters: entry {} has no text ParameterKey", i + 1))),
            }
        })
        .collect()
}

/// What [`adopt`] may do besides keeping.
#[derive(Clone, Debug, Default)]
pub struct AdoptOptions {
    /// Delete what Convox owned that compose-cfn does not model, instead of carrying it over.
    pub allow_removal: bool,
    /// The ECS services (logical IDs) whose count the manifest sets (`convox.scale`,
    /// `deploy.replicas`): their compiled `DesiredCount` wins over the live one. Every other
    /// service keeps its live count: the manifest's default of 1 must not shrink a scaled app.
    pub scaled: BTreeSet<String>,
    /// The ECS services (logical IDs) whose container the manifest sizes (`cpu_shares`,
    /// `mem_limit`, `mem_reservation`): they take the manifest's cpu and memory. Every other
    /// keeps the live ones (as a reservation).
    pub sized: BTreeSet<String>,
}

impl AdoptOptions {
    /// The options for a template compiled from `plan` (`None` for a template given as it is:
    /// every service then keeps its live count, cpu and memory).
    pub fn for_plan(plan: Option<&crate::interpret::plan::Plan>, allow_removal: bool) -> AdoptOptions {
        AdoptOptions {
            allow_removal,
            scaled: ecs_services(plan.map(|p| p.scaled_services())),
            sized: ecs_services(plan.map(|p| p.sized_services())),
        }
    }
}

/// The logical IDs of the ECS services of `services` (every target names them alike).
fn ecs_services(services: Option<BTreeSet<&str>>) -> BTreeSet<String> {
    services.into_iter().flatten().map(crate::lower::names::ecs_service).collect()
}

/// Adopts `live` with `ours`, the template compiled for the same manifest.
pub fn adopt(live: &Live, ours: &Value, options: AdoptOptions) -> Result<Adoption, AdoptError> {
    let mut out = ours.clone();
    let mut decisions = Vec::new();
    let empty = Map::new();
    let live_resources = live.template.get("Resources").and_then(Value::as_object).unwrap_or(&empty);
    let our_resources = ours.get("Resources").and_then(Value::as_object).cloned().unwrap_or_default();
    check_certificates(live, &our_resources)?;
    let scales = scale(live, &mut out, &our_resources, &options.scaled);
    let sized = sizes(live, &mut out, &our_resources, &options.sized);
    let variables = convox_variables(live, &mut out, &our_resources);

    for (id, ours_r) in &our_resources {
        let kind = type_of(ours_r);
        let action = match live_resources.get(id) {
            None => Action::Added,
            Some(l) if type_of(l) != kind => Action::Replaced {
                property: "Type".into(),
                why: format!("the live resource is a {}, a type cannot change", type_of(l)),
            },
            Some(l) => {
                let props = out["Resources"][id].as_object_mut().expect("a resource object").entry("Properties");
                let props = props.or_insert_with(|| Value::Object(Map::new()));
                reconcile(&kind, l.get("Properties").unwrap_or(&Value::Null), props)
            }
        };
        let action = match action {
            // A kept count is not a change, whatever the live template's expression for it.
            Action::InPlace { mut changed, mut kept } if scales.iter().any(|s| s.0 == *id && s.3.is_none()) => {
                changed.retain(|p| p != "DesiredCount");
                kept.push("DesiredCount".into());
                kept.sort();
                Action::InPlace { changed, kept }
            }
            other => other,
        };
        decisions.push(Decision { section: "resource", name: id.clone(), kind, action });
    }
    for (id, live_count, parameter, manifest) in scales {
        if manifest != Some(live_count) {
            let action = Action::Scale { live: live_count, manifest, parameter };
            decisions.push(Decision { section: "scale", name: id, kind: "AWS::ECS::Service".into(), action });
        }
    }
    decisions.extend(sized);
    decisions.extend(variables);
    for (id, l) in live_resources.iter().filter(|(id, _)| !our_resources.contains_key(*id)) {
        let action = if options.allow_removal { Action::Removed } else { Action::Carried };
        if action == Action::Carried {
            out["Resources"][id] = l.clone();
        }
        decisions.push(Decision { section: "resource", name: id.clone(), kind: type_of(l), action });
    }
    carry_section(live, &mut out, "Outputs", &options, &mut decisions);
    if !options.allow_removal {
        // Only the maps something kept looks up: an unused map is a lint warning, not a resource.
        let used = references(&out);
        let maps: Map<String, Value> = live
            .template
            .get("Mappings")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(name, _)| used.contains(*name))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !maps.is_empty() && out.get("Mappings").is_none() {
            out["Mappings"] = Value::Object(maps);
        }
        if let Some(c) = live.template.get("Conditions").and_then(Value::as_object) {
            let ours_c =
                out.as_object_mut().expect("object").entry("Conditions").or_insert_with(|| Value::Object(Map::new()));
            for (k, v) in c {
                ours_c.as_object_mut().expect("object").entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    }
    parameters(live, &mut out, &mut decisions);
    if let Some(environment) = &live.environment {
        let action = Action::EnvironmentNotRead { environment: environment.clone() };
        decisions.push(Decision { section: "parameter", name: "Environment".into(), kind: String::new(), action });
    }
    let metadata = out.as_object_mut().expect("object").entry("Metadata").or_insert_with(|| Value::Object(Map::new()));
    metadata[convox::ADOPTED] = Value::String("convox".into());
    Ok(Adoption { template: out, decisions })
}

/// The live count of every ECS service both stacks have, read from Convox's `<Svc>Formation`
/// parameter (`count,cpu,memory`) that the live service's `DesiredCount` selects from, or from
/// a plain `DesiredCount` (a stack adopted before keeps its count on every deploy); where the
/// manifest sets no count, `out` is given the live one. Returns (service, live count,
/// parameter, the manifest's count if it sets one).
fn scale(
    live: &Live,
    out: &mut Value,
    ours: &Map<String, Value>,
    scaled: &BTreeSet<String>,
) -> Vec<(String, u32, String, Option<u32>)> {
    let mut found = Vec::new();
    for (id, r) in ours.iter().filter(|(_, r)| type_of(r) == "AWS::ECS::Service") {
        let Some(desired) = live.template.pointer(&format!("/Resources/{id}/Properties/DesiredCount")) else {
            continue;
        };
        let (parameter, count) = match desired.pointer("/Fn::Select/1/Ref").and_then(Value::as_str) {
            Some(p) if desired.pointer("/Fn::Select/0").is_some_and(|i| text(i) == "0") => {
                (p, live.values.get(p).and_then(|v| v.split(',').next()?.trim().parse::<u32>().ok()))
            }
            // A stack adopted before (or made without the rack's formation): a plain count.
            Some(_) => continue,
            None => ("its DesiredCount", text(desired).parse::<u32>().ok()),
        };
        let (Some(count), Some(compiled)) = (count, r.pointer("/Properties/DesiredCount")) else { continue };
        let manifest = scaled.contains(id).then(|| compiled.as_u64().and_then(|c| u32::try_from(c).ok())).flatten();
        if manifest.is_none() {
            out["Resources"][id]["Properties"]["DesiredCount"] = Value::from(count);
        }
        found.push((id.clone(), count, parameter.to_string(), manifest));
    }
    found
}

/// The live cpu and memory of every ECS service whose manifest sizes nothing, written into our
/// task definition's container: from Convox's `<Svc>Formation` (`count,cpu,memory`; the memory
/// becomes a reservation, which never stops a task the way a hard limit can), or, for a stack
/// adopted before, from its task definition as it is.
fn sizes(live: &Live, out: &mut Value, ours: &Map<String, Value>, sized: &BTreeSet<String>) -> Vec<Decision> {
    let mut found = Vec::new();
    for (id, r) in ours.iter().filter(|(id, r)| type_of(r) == "AWS::ECS::Service" && !sized.contains(*id)) {
        let (Some(task), Some(live_service)) = (
            r.pointer("/Properties/TaskDefinition/Ref").and_then(Value::as_str),
            live.template.pointer(&format!("/Resources/{id}/Properties")),
        ) else {
            continue;
        };
        let formation = live_service.pointer("/DesiredCount/Fn::Select/1/Ref").and_then(Value::as_str);
        let (from, cpu, memory, reservation) =
            match formation {
                Some(p) => {
                    let parts: Vec<u32> = live
                        .values
                        .get(p)
                        .into_iter()
                        .flat_map(|v| v.split(','))
                        .filter_map(|n| n.trim().parse().ok())
                        .collect();
                    let &[_, cpu, memory] = parts.as_slice() else { continue };
                    let from = format!("{p} {}", live.values[p]);
                    (from, Some(cpu).filter(|c| *c > 0).map(Value::from), None, Some(Value::from(memory)))
                }
                None => {
                    let Some(c) = live_service.pointer("/TaskDefinition/Ref").and_then(Value::as_str).and_then(|t| {
                        live.template.pointer(&format!("/Resources/{t}/Properties/ContainerDefinitions/0"))
                    }) else {
                        continue;
                    };
                    (
                        "its task definition".to_string(),
                        c.get("Cpu").cloned(),
                        c.get("Memory").cloned(),
                        c.get("MemoryReservation").cloned(),
                    )
                }
            };
        let Some(container) = out
            .pointer_mut(&format!("/Resources/{task}/Properties/ContainerDefinitions/0"))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let mut shown = Vec::new();
        for (name, value) in [("Cpu", cpu), ("Memory", memory), ("MemoryReservation", reservation)] {
            match value {
                Some(v) => {
                    shown.push(format!("{name} {}", text(&v)));
                    container.insert(name.to_string(), v);
                }
                None => {
                    container.remove(name);
                }
            }
        }
        let value = format!(
            "{} (from {from}; the manifest sets no cpu_shares, mem_limit or mem_reservation)",
            shown.join(", ")
        );
        found.push(Decision {
            section: "scale",
            name: task.to_string(),
            kind: "AWS::ECS::TaskDefinition".into(),
            action: Action::KeptValue { value },
        });
    }
    found
}

/// The variables a Convox gen1 rack's task-definition function gave every container from the
/// template (`Tasks[].Environment`; convox/rack's `ECSTaskDefinitionCreate`), which apps read
/// (`$PROCESS` in log lines, `$APP` in metrics). `RELEASE`, which the function added too, is not
/// kept: it named a Convox release, and none runs the stack once compose-cfn deploys it.
const CONVOX_VARIABLES: [&str; 5] = ["APP", "AWS_REGION", "LOG_GROUP", "PROCESS", "RACK"];

/// Gives each adopted container the [`CONVOX_VARIABLES`] its live task definition set and the
/// manifest does not. They are read from Convox's `Custom::ECSTaskDefinition` (its
/// `Tasks[0].Environment` map, conditions resolved with the stack's values), which a stack
/// adopted before still carries; where `--allow-removal` removed it, from the container the
/// adoption gave them to. A value is kept when it is text or a `Ref` to a pseudo parameter or
/// to a resource the adopted template has (`LOG_GROUP` names the app's log group, which
/// compose-cfn's `LogGroup` keeps); `AWS::NoValue` (`LOG_GROUP` with native logging) sets
/// nothing.
fn convox_variables(live: &Live, out: &mut Value, ours: &Map<String, Value>) -> Vec<Decision> {
    let keepable = |v: &Value| match v {
        Value::String(_) => true,
        _ => v
            .pointer("/Ref")
            .and_then(Value::as_str)
            .is_some_and(|r| r != "AWS::NoValue" && (r.starts_with("AWS::") || ours.contains_key(r))),
    };
    let name_of = |e: &Value| e.get("Name").and_then(Value::as_str).map(str::to_string);
    let mut found = Vec::new();
    for (id, r) in ours.iter().filter(|(_, r)| type_of(r) == "AWS::ECS::Service") {
        let (Some(task), Some(live_task)) = (
            r.pointer("/Properties/TaskDefinition/Ref").and_then(Value::as_str),
            live.template.pointer(&format!("/Resources/{id}/Properties/TaskDefinition/Ref")).and_then(Value::as_str),
        ) else {
            continue;
        };
        // Convox's own task definition: the one the live service runs, or (a stack adopted
        // before) the one carried beside it, `Service<Name>` → `<Name>ECSTaskDefinition`;
        // else the live service's task definition, which an adoption made.
        let props = |name: &str| live.template.pointer(&format!("/Resources/{name}/Properties"));
        let convox = |p: &&Value| p.get("Tasks").is_some();
        let carried = id.strip_prefix("Service").and_then(|n| props(&format!("{n}ECSTaskDefinition")));
        let Some(live_props) = props(live_task).filter(convox).or(carried.filter(convox)).or(props(live_task)) else {
            continue;
        };
        let set: Vec<(String, Value)> = match live_props.pointer("/Tasks/0/Environment").and_then(Value::as_object) {
            Some(map) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            None => live_props
                .pointer("/ContainerDefinitions/0/Environment")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|e| Some((name_of(e)?, e.get("Value")?.clone())))
                .collect(),
        };
        let Some(container) = out
            .pointer_mut(&format!("/Resources/{task}/Properties/ContainerDefinitions/0"))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        // What the manifest sets wins.
        let set_here: BTreeSet<String> =
            container.get("Environment").and_then(Value::as_array).into_iter().flatten().filter_map(name_of).collect();
        let added: Vec<(String, Value)> = set
            .into_iter()
            .filter(|(n, v)| CONVOX_VARIABLES.contains(&n.as_str()) && keepable(v) && !set_here.contains(n))
            .collect();
        if added.is_empty() {
            continue;
        }
        let Some(list) = container.entry("Environment").or_insert_with(|| Value::Array(Vec::new())).as_array_mut()
        else {
            continue;
        };
        let mut kept: Vec<String> = added
            .iter()
            .map(|(name, value)| match value.as_str() {
                Some(text) => format!("{name}={text}"),
                None => format!("{name}=!Ref {}", value["Ref"].as_str().unwrap_or_default()),
            })
            .collect();
        kept.sort();
        list.extend(added.into_iter().map(|(name, value)| serde_json::json!({"Name": name, "Value": value})));
        // The compiled environment is sorted by name; so is what is added to it.
        list.sort_by_key(name_of);
        found.push(Decision {
            section: "environment",
            name: task.to_string(),
            kind: "AWS::ECS::TaskDefinition".into(),
            action: Action::ConvoxVariables { kept },
        });
    }
    found
}

/// A certificate bound on the live stack must stay bound: the manifest must make that listener
/// TLS (adoption then gives its certificate parameter the live ARN).
fn check_certificates(live: &Live, ours: &Map<String, Value>) -> Result<(), AdoptError> {
    // One pass over our balancers: every (service, port) whose listener has a certificate.
    let tls: BTreeSet<(String, String)> = ours
        .values()
        .filter(|r| type_of(r) == LOAD_BALANCER)
        .flat_map(|r| {
            let tags = r.pointer("/Properties/Tags").and_then(Value::as_array).into_iter().flatten();
            let service = tags.filter(|t| t["Key"] == "Service").find_map(|t| t["Value"].as_str()).unwrap_or_default();
            let listeners = r.pointer("/Properties/Listeners").and_then(Value::as_array).into_iter().flatten();
            listeners
                .filter(|l| l.get("SSLCertificateId").is_some())
                .filter_map(move |l| Some((service.to_string(), text(l.get("LoadBalancerPort")?))))
        })
        .collect();
    for (service, port, arn) in live.certificate_bindings() {
        if !tls.contains(&(service.clone(), port.to_string())) {
            return Err(AdoptError::CertificateDropped { service, port, arn });
        }
    }
    Ok(())
}

/// Makes `ours` keep what identifies the live resource; returns what the update does to it.
fn reconcile(kind: &str, live: &Value, ours: &mut Value) -> Action {
    if replacement::is_revisioned(kind) {
        return if *live == *ours { Action::Unchanged } else { Action::NewRevision };
    }
    let empty = Map::new();
    let live = live.as_object().unwrap_or(&empty);
    let ours = ours.as_object_mut().expect("Properties is an object");
    let names: BTreeSet<String> = live.keys().chain(ours.keys()).cloned().collect();
    // CloudFormation cannot replace a resource that keeps its custom name ("cannot update a
    // stack when a custom-named resource requires replacing"): a replaced resource gets our
    // own name back (none: CloudFormation names it), never the live one.
    let own_names: Vec<(&str, Option<Value>)> =
        replacement::PHYSICAL_NAMES.iter().map(|n| (*n, ours.get(*n).cloned())).collect();
    let (mut changed, mut kept) = (Vec::new(), Vec::new());
    for name in names {
        let l = live.get(&name);
        if l == ours.get(&name) {
            continue;
        }
        match replacement::replacement_only(kind, &name) {
            Some((Keep::Manifest, why)) if !same_scheme(&name, l, ours.get(&name)) => {
                for (physical, own) in own_names {
                    match own {
                        Some(v) => ours.insert(physical.to_string(), v),
                        None => ours.remove(physical),
                    };
                }
                return Action::Replaced { property: name, why };
            }
            Some(_) => set(ours, &name, l, &mut kept),
            None if replacement::KEPT_IN_PLACE.contains(&(kind, name.as_str())) => set(ours, &name, l, &mut kept),
            None => changed.push(name),
        }
    }
    if changed.is_empty() && kept.is_empty() { Action::Unchanged } else { Action::InPlace { changed, kept } }
}

/// A Classic ELB without `Scheme` is internet-facing: writing it out changes nothing.
fn same_scheme(name: &str, live: Option<&Value>, ours: Option<&Value>) -> bool {
    let scheme = |v: Option<&Value>| v.map_or_else(|| "internet-facing".to_string(), text);
    name == "Scheme" && scheme(live) == scheme(ours)
}

/// Sets `name` to the live value (or removes it, as the live resource has none).
fn set(ours: &mut Map<String, Value>, name: &str, live: Option<&Value>, kept: &mut Vec<String>) {
    match live {
        Some(v) => ours.insert(name.to_string(), v.clone()),
        None => ours.remove(name),
    };
    kept.push(name.to_string());
}

/// Outputs: ours win; Convox's others are carried over, or removed with `--allow-removal`.
fn carry_section(live: &Live, out: &mut Value, section: &str, options: &AdoptOptions, decisions: &mut Vec<Decision>) {
    let Some(items) = live.template.get(section).and_then(Value::as_object) else { return };
    for (name, v) in items {
        if out.get(section).and_then(|s| s.get(name)).is_some() {
            continue;
        }
        let action = if options.allow_removal { Action::Removed } else { Action::Carried };
        if action == Action::Carried {
            out.as_object_mut().expect("object").entry(section).or_insert_with(|| Value::Object(Map::new()))[name] =
                v.clone();
        }
        decisions.push(Decision { section: "output", name: name.clone(), kind: String::new(), action });
    }
}

/// Parameters: instance ports and certificates keep their live values; Convox's parameters
/// still referenced (by what was kept or carried) are declared again; others, Convox's or ours
/// (whose place a kept live value took), are no longer declared: a parameter nothing uses
/// changes nothing on the stack.
fn parameters(live: &Live, out: &mut Value, decisions: &mut Vec<Decision>) {
    let live_params = live.template.get("Parameters").and_then(Value::as_object).cloned().unwrap_or_default();
    let used = references(out);
    let params = out.as_object_mut().expect("object").entry("Parameters").or_insert_with(|| Value::Object(Map::new()));
    let params = params.as_object_mut().expect("Parameters is an object");
    params.retain(|name, _| used.contains(name));
    for (name, p) in params.iter_mut() {
        let live_value = live.values.get(name).filter(|v| !v.is_empty());
        let port =
            convox::port_parameter(name, "Host").is_some() || convox::port_parameter(name, "Certificate").is_some();
        if let Some(value) = live_value.filter(|_| port) {
            p["Default"] = Value::String(value.clone());
            decisions.push(Decision {
                section: "parameter",
                name: name.clone(),
                kind: String::new(),
                action: Action::KeptValue { value: value.clone() },
            });
        }
    }
    // A certificate the live stack has is no longer one to make self-signed at deploy.
    let bound: Vec<String> = params
        .iter()
        .filter(|(n, p)| n.ends_with("Certificate") && p.get("Default").is_some())
        .map(|(n, _)| n.clone())
        .collect();
    for (name, p) in live_params {
        if params.contains_key(&name) {
            continue;
        }
        if used.contains(&name) {
            // An empty default stood for "the rack passes a value": the stack has that value.
            let mut p = p;
            if p.get("Default").is_some_and(|d| d == "") {
                p.as_object_mut().map(|o| o.remove("Default"));
            }
            params.insert(name, p);
        } else {
            decisions.push(Decision { section: "parameter", name, kind: String::new(), action: Action::Unused });
        }
    }
    if let Some(list) = out.pointer_mut("/Metadata/ComposeCfn/SelfSignedCertificates").and_then(Value::as_array_mut) {
        list.retain(|e| !e.get("Parameter").and_then(Value::as_str).is_some_and(|p| bound.iter().any(|b| b == p)));
    }
}

/// Every name a template refers to: `Ref`, `Fn::Sub`, a map of `Fn::FindInMap`, a condition.
fn references(template: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for section in ["Resources", "Outputs", "Conditions"] {
        walk(template.get(section).unwrap_or(&Value::Null), &mut out);
    }
    out
}

fn walk(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(o) => {
            for (k, v) in o {
                match (k.as_str(), v) {
                    ("Ref", Value::String(name)) | ("Condition", Value::String(name)) => {
                        out.insert(name.clone());
                    }
                    ("Fn::FindInMap" | "Fn::If", Value::Array(args)) => {
                        out.extend(args.first().and_then(Value::as_str).map(String::from));
                    }
                    ("Fn::Sub", _) => {
                        let body = v.as_str().or_else(|| v.get(0).and_then(Value::as_str)).unwrap_or_default();
                        for part in body.split("${").skip(1) {
                            out.insert(part.split(['}', '.']).next().unwrap_or_default().to_string());
                        }
                    }
                    _ => {}
                }
                walk(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
        _ => {}
    }
}

fn type_of(r: &Value) -> String {
    r.get("Type").and_then(Value::as_str).unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests;
