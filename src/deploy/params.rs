//! Which value each template parameter gets on a deploy: given, built image, environment,
//! self-signed certificate, previous value, or the template's default — or why none.
//!
//! Past 400 lines because of its tests: one per source of a value, next to the order they are
//! tried in.

use super::metadata::Metadata;
use crate::diagnostic::{Code, Diagnostic};
use crate::load::dotenv::{self, DotenvFile};
use crate::source::Sources;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The value a parameter gets.
#[derive(Clone, PartialEq, Eq)]
pub enum ParamValue {
    /// A value shown in previews.
    Plain(String),
    /// A value read from the environment: passed to AWS, never printed.
    Secret(String),
    /// Keep the live stack's value (`UsePreviousValue`).
    UsePrevious,
    /// The app's self-signed certificate, whose ARN is known only after it is found or uploaded.
    SelfSigned,
}

impl fmt::Debug for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Plain(v) => write!(f, "Plain({v:?})"),
            ParamValue::Secret(_) => f.write_str("Secret(<redacted>)"),
            ParamValue::UsePrevious => f.write_str("UsePrevious"),
            ParamValue::SelfSigned => f.write_str("SelfSigned"),
        }
    }
}

/// Why a deploy cannot go ahead with the parameters it has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamProblem {
    /// `--param NAME=…` names no parameter of the template.
    UnknownParam(String),
    /// `--image SERVICE=…` names no service whose image is built.
    UnknownImage(String),
    /// A parameter without a value; `hint` says how to give one.
    Missing {
        /// The parameter.
        parameter: String,
        /// How to give it a value.
        hint: String,
    },
}

impl fmt::Display for ParamProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamProblem::UnknownParam(p) => write!(f, "--param {p}: the template has no parameter `{p}`"),
            ParamProblem::UnknownImage(s) => write!(f, "--image {s}: no service `{s}` has an image built at deploy"),
            ParamProblem::Missing { parameter, hint } => write!(f, "{parameter}: {hint}"),
        }
    }
}

/// The parameters of one CreateStack/UpdateStack call, by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParamPlan {
    /// Every parameter passed; parameters left out take the template's default.
    pub values: BTreeMap<String, ParamValue>,
}

impl ParamPlan {
    /// True when some listener needs the app's self-signed certificate.
    pub fn needs_self_signed(&self) -> bool {
        self.values.values().any(|v| *v == ParamValue::SelfSigned)
    }

    /// The parameters whose values are secrets (environment values are NoEcho), in name
    /// order: they cannot be compared with the live ones, and are always passed.
    pub fn secret_names(&self) -> Vec<&str> {
        self.values.iter().filter(|(_, v)| matches!(v, ParamValue::Secret(_))).map(|(k, _)| k.as_str()).collect()
    }

    /// The values as a preview may show them: secrets masked, previous values looked up in `live`,
    /// the self-signed certificate as `self_signed` (its ARN, when known).
    pub fn shown(&self, live: &BTreeMap<String, String>, self_signed: Option<&str>) -> BTreeMap<String, String> {
        self.values
            .iter()
            .filter_map(|(k, v)| {
                let shown = match v {
                    ParamValue::Plain(v) => Some(v.clone()),
                    ParamValue::Secret(_) => Some(MASK.to_string()),
                    ParamValue::UsePrevious => live.get(k).cloned(),
                    ParamValue::SelfSigned => self_signed.map(String::from),
                };
                shown.map(|s| (k.clone(), s))
            })
            .collect()
    }
}

/// How CloudFormation shows NoEcho values, and how this tool shows secrets.
pub const MASK: &str = "****";

/// What a deploy knows when it picks parameter values.
pub struct ParamInputs<'a> {
    /// The new template's parameters: name → its default, if it has one.
    pub template: &'a BTreeMap<String, Option<String>>,
    /// Its `Metadata.ComposeCfn`.
    pub metadata: &'a Metadata,
    /// `--param NAME=VALUE`, in order (the last of a name wins).
    pub given: &'a [(String, String)],
    /// `--image SERVICE=REF`.
    pub images: &'a [(String, String)],
    /// The live stack's parameters (name → value), `None` on a create.
    pub live: Option<&'a BTreeMap<String, String>>,
    /// Reads the deploying process's environment.
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

/// Picks a value for every parameter, or lists every problem at once (nothing is changed then).
pub fn decide_parameters(inputs: &ParamInputs) -> Result<ParamPlan, Vec<ParamProblem>> {
    let mut problems = Vec::new();
    let mut given: BTreeMap<&str, &str> = BTreeMap::new();
    for (k, v) in inputs.given {
        if inputs.template.contains_key(k) {
            given.insert(k, v);
        } else {
            problems.push(ParamProblem::UnknownParam(k.clone()));
        }
    }
    for (service, image) in inputs.images {
        match inputs.metadata.built_images.iter().find(|b| &b.service == service) {
            Some(b) => {
                given.entry(b.parameter.as_str()).or_insert(image);
            }
            None => problems.push(ParamProblem::UnknownImage(service.clone())),
        }
    }
    let env_params: BTreeMap<&str, _> =
        inputs.metadata.environment_parameters.iter().map(|e| (e.parameter.as_str(), e)).collect();
    let self_signed: BTreeSet<&str> =
        inputs.metadata.self_signed_certificates.iter().map(|s| s.parameter.as_str()).collect();
    let images: BTreeMap<&str, &str> =
        inputs.metadata.built_images.iter().map(|b| (b.parameter.as_str(), b.service.as_str())).collect();
    let live = |name: &str| inputs.live.and_then(|l| l.get(name));
    let mut values = BTreeMap::new();
    for (name, default) in inputs.template {
        let value = if let Some(v) = given.get(name.as_str()) {
            ParamValue::Plain(v.to_string())
        } else if let Some(e) = env_params.get(name.as_str()) {
            match e.value((inputs.env)(&e.variable)) {
                Some(v) => ParamValue::Secret(v),
                None => {
                    let why = e.required.clone().unwrap_or_else(|| "it is not set".into());
                    problems.push(ParamProblem::Missing {
                        parameter: name.clone(),
                        hint: format!("set the environment variable {} ({why})", e.variable),
                    });
                    continue;
                }
            }
        } else if self_signed.contains(name.as_str()) {
            // A certificate applied with `ssl update` (or the self-signed one) survives deploys.
            match live(name) {
                Some(v) if !v.is_empty() => ParamValue::UsePrevious,
                _ => ParamValue::SelfSigned,
            }
        } else if let Some(previous) = live(name) {
            match keep(previous, default.as_deref()) {
                Some(v) => v,
                None => continue,
            }
        } else if default.is_some() {
            continue;
        } else {
            let hint = match images.get(name.as_str()) {
                Some(service) => format!("the stack is new: give the image with --image {service}=REF"),
                None => format!("no value: give it with --param {name}=VALUE"),
            };
            problems.push(ParamProblem::Missing { parameter: name.clone(), hint });
            continue;
        };
        values.insert(name.clone(), value);
    }
    if problems.is_empty() { Ok(ParamPlan { values }) } else { Err(problems) }
}

/// How an update keeps a parameter's previous value: `UsePreviousValue`, or nothing when the
/// previous value is the template's default, which CloudFormation then applies — the same
/// value either way, and a stand-in that keeps no previous value for defaulted parameters
/// (moto) gets the same call as AWS.
fn keep(previous: &str, default: Option<&str>) -> Option<ParamValue> {
    if default == Some(previous) { None } else { Some(ParamValue::UsePrevious) }
}

/// The parameters of an update that changes one parameter and keeps the others
/// (`ssl update`): `live` values, the template's `defaults`, and the one `change`.
pub fn change_one(
    live: &BTreeMap<String, String>,
    defaults: &BTreeMap<String, Option<String>>,
    change: (&str, &str),
) -> BTreeMap<String, ParamValue> {
    let mut values: BTreeMap<String, ParamValue> = live
        .iter()
        .filter_map(|(k, v)| keep(v, defaults.get(k).cloned().flatten().as_deref()).map(|p| (k.clone(), p)))
        .collect();
    values.insert(change.0.to_string(), ParamValue::Plain(change.1.to_string()));
    values
}

/// The parameters of a template with their defaults.
pub fn defaults(template: &serde_json::Value) -> BTreeMap<String, Option<String>> {
    template
        .get("Parameters")
        .and_then(serde_json::Value::as_object)
        .map(|p| p.iter().map(|(k, v)| (k.clone(), v.get("Default").map(crate::review::view::scalar))).collect())
        .unwrap_or_default()
}

/// The values of the variables that the template's `env_file:` parameters name, read from
/// those files (`read` reads one by its recorded path: inside the project directory, capped,
/// as `.env`); `${…}` in a value expands from `env`. The problems are diagnostics placed in
/// the returned sources, which hold the files masked, as `.env` is shown: a line, a column
/// and a caret, never a value. A file that cannot be read, is not UTF-8 or does not parse.
pub fn env_file_values(
    metadata: &Metadata,
    read: &dyn Fn(&str) -> DotenvFile,
    env: &dyn Fn(&str) -> Option<String>,
) -> (BTreeMap<String, String>, Vec<Diagnostic>, Sources) {
    let files: BTreeSet<&str> = metadata.environment_parameters.iter().filter_map(|e| e.env_file.as_deref()).collect();
    let (mut values, mut problems, mut sources) = (BTreeMap::new(), Vec::new(), Sources::new());
    for file in files {
        let bytes = match read(file) {
            DotenvFile::Read { bytes, .. } => bytes,
            DotenvFile::Absent => {
                let message = format!("`{file}` (an env_file of the template) does not exist here");
                problems.push(Diagnostic::error(Code::EnvFile, None, message));
                continue;
            }
            DotenvFile::Refused { reason, .. } => {
                problems.push(Diagnostic::error(Code::EnvFile, None, format!("`{file}` {reason}")));
                continue;
            }
        };
        let Some((text, id)) = crate::load::dotenv_source(&mut sources, file, &bytes, &mut problems) else {
            continue;
        };
        let (vars, found) = dotenv::parse(&text, file, id, env);
        problems.extend(found);
        // Later files win, as in Compose.
        values.extend(vars);
    }
    (values, problems, sources)
}

/// Splits `NAME=VALUE` (for `--param`, `--image`).
pub fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected NAME=VALUE, got `{s}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::metadata::{BuiltImage, EnvParameter, SelfSigned};

    fn env_param(parameter: &str, variable: &str, default: Option<&str>, required: Option<&str>) -> EnvParameter {
        serde_json::from_value(serde_json::json!({
            "Parameter": parameter, "Variable": variable, "Services": ["web"],
            "Default": default, "Required": required, "EmptyIsUnset": true,
        }))
        .unwrap()
    }

    fn metadata() -> Metadata {
        Metadata {
            app: "shop".into(),
            self_signed_certificates: vec![SelfSigned {
                parameter: "WebPort443Certificate".into(),
                target: "web:443".into(),
            }],
            built_images: vec![BuiltImage {
                parameter: "WebImage".into(),
                service: "web".into(),
                build: None,
                dockerfile: None,
                target: None,
                args: Vec::new(),
            }],
            environment_parameters: vec![
                env_param("EnvDbPassword", "DB_PASSWORD", None, Some("the database password")),
                env_param("EnvMode", "MODE", Some("prod"), None),
            ],
        }
    }

    fn template() -> BTreeMap<String, Option<String>> {
        [
            ("Cluster", None),
            ("EnvDbPassword", None),
            ("EnvMode", None),
            ("LogRetention", Some("30")),
            ("WebImage", None),
            ("WebPort443Certificate", None),
            ("WebPort443Host", Some("19254")),
        ]
        .into_iter()
        .map(|(k, d)| (k.to_string(), d.map(String::from)))
        .collect()
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn decide(
        given: &[(&str, &str)],
        images: &[(&str, &str)],
        live: Option<&BTreeMap<String, String>>,
        env: &[(&str, &str)],
    ) -> Result<ParamPlan, Vec<ParamProblem>> {
        let env: BTreeMap<String, String> = pairs(env).into_iter().collect();
        let read = move |k: &str| env.get(k).cloned();
        decide_parameters(&ParamInputs {
            template: &template(),
            metadata: &metadata(),
            given: &pairs(given),
            images: &pairs(images),
            live,
            env: &read,
        })
    }

    #[test]
    fn a_create_fills_given_images_environment_and_self_signed_and_leaves_defaults_out() {
        let plan = decide(&[("Cluster", "c1")], &[("web", "nginx:1")], None, &[("DB_PASSWORD", "hunter2")]).unwrap();
        let v = &plan.values;
        assert_eq!(v["Cluster"], ParamValue::Plain("c1".into()));
        assert_eq!(v["WebImage"], ParamValue::Plain("nginx:1".into()));
        assert_eq!(v["EnvDbPassword"], ParamValue::Secret("hunter2".into()));
        assert_eq!(v["EnvMode"], ParamValue::Secret("prod".into()), "the ${{MODE:-prod}} default");
        assert_eq!(v["WebPort443Certificate"], ParamValue::SelfSigned);
        assert!(!v.contains_key("WebPort443Host"), "a default is left to the template");
        assert!(plan.needs_self_signed() && !plan.secret_names().is_empty());
        assert!(!format!("{plan:?}").contains("hunter2"), "Debug never shows secrets");
        let shown = plan.shown(&BTreeMap::new(), None);
        assert_eq!(shown["EnvDbPassword"], MASK);
        assert!(!shown.contains_key("WebPort443Certificate"));
    }

    #[test]
    fn every_missing_value_is_listed_at_once() {
        let problems = decide(&[("Nope", "1")], &[("db", "x")], None, &[("DB_PASSWORD", "")]).unwrap_err();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "--param Nope: the template has no parameter `Nope`",
                "--image db: no service `db` has an image built at deploy",
                "Cluster: no value: give it with --param Cluster=VALUE",
                "EnvDbPassword: set the environment variable DB_PASSWORD (the database password)",
                "WebImage: the stack is new: give the image with --image web=REF",
            ]
        );
    }

    #[test]
    fn an_update_keeps_previous_values_and_applied_certificates() {
        let live: BTreeMap<String, String> = [
            ("Cluster", "c1"),
            ("WebImage", "nginx:1"),
            ("WebPort443Certificate", "arn:aws:iam::123456789012:server-certificate/cert-1"),
            ("WebPort443Host", "20000"),
            ("LogRetention", "30"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let plan = decide(&[], &[], Some(&live), &[("DB_PASSWORD", "pw")]).unwrap();
        for name in ["Cluster", "WebImage", "WebPort443Certificate", "WebPort443Host"] {
            assert_eq!(plan.values[name], ParamValue::UsePrevious, "{name}");
        }
        assert!(!plan.values.contains_key("LogRetention"), "a previous value equal to the default is left to it");
        assert!(!plan.needs_self_signed());
        let plan = decide(&[], &[("web", "nginx:2")], Some(&live), &[("DB_PASSWORD", "pw")]).unwrap();
        assert_eq!(plan.values["WebImage"], ParamValue::Plain("nginx:2".into()));
        assert_eq!(plan.shown(&live, None)["WebPort443Host"], "20000");
    }

    #[test]
    fn an_empty_live_certificate_gets_the_self_signed_one() {
        let live: BTreeMap<String, String> = [("Cluster", "c"), ("WebImage", "i"), ("WebPort443Certificate", "")]
            .map(|(k, v)| (k.into(), v.into()))
            .into();
        let plan = decide(&[], &[], Some(&live), &[("DB_PASSWORD", "pw")]).unwrap();
        assert_eq!(plan.values["WebPort443Certificate"], ParamValue::SelfSigned);
        assert_eq!(plan.shown(&live, Some("arn:x"))["WebPort443Certificate"], "arn:x");
    }

    #[test]
    fn change_one_keeps_everything_else() {
        let live: BTreeMap<String, String> = [
            ("Cluster", "c"),
            ("LogRetention", "30"),
            ("WebPort443Host", "20000"),
            ("WebPort443Certificate", "arn:old"),
        ]
        .map(|(k, v)| (k.into(), v.into()))
        .into();
        let v = change_one(&live, &template(), ("WebPort443Certificate", "arn:new"));
        assert_eq!(v["WebPort443Certificate"], ParamValue::Plain("arn:new".into()));
        assert_eq!(v["Cluster"], ParamValue::UsePrevious);
        assert_eq!(v["WebPort443Host"], ParamValue::UsePrevious, "a pinned port differs from the default");
        assert!(!v.contains_key("LogRetention"));
        let t = serde_json::json!({"Parameters": {"A": {"Type": "Number", "Default": 30}, "B": {"Type": "String"}}});
        assert_eq!(defaults(&t), [("A".to_string(), Some("30".to_string())), ("B".to_string(), None)].into());
    }

    #[test]
    fn pairs_need_a_name_and_an_equals_sign() {
        assert_eq!(parse_pair("A=b=c"), Ok(("A".into(), "b=c".into())));
        assert!(parse_pair("A").is_err() && parse_pair("=b").is_err());
    }

    #[test]
    fn env_file_parameters_take_their_values_from_the_file_and_problems_quote_none() {
        let mut meta = metadata();
        let mut from_file = env_param("EnvToken", "TOKEN", None, None);
        from_file.env_file = Some("web.env".into());
        meta.environment_parameters.push(from_file);
        let read = |path: &str| match path {
            "web.env" => DotenvFile::Read { path: path.into(), bytes: b"TOKEN=s3cret-${HOME_DIR}\nOTHER=1\n".to_vec() },
            _ => DotenvFile::Absent,
        };
        let env = |name: &str| (name == "HOME_DIR").then(|| "/home/ci".to_string());
        let (values, problems, _) = env_file_values(&meta, &read, &env);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(values.get("TOKEN").map(String::as_str), Some("s3cret-/home/ci"));
        let shown = |problems: Vec<Diagnostic>, sources: &Sources| {
            crate::diagnostic::render_human(&problems.into_iter().collect(), sources, false)
        };
        let broken = |_: &str| DotenvFile::Read { path: "web.env".into(), bytes: b"TOKEN s3cret\n".to_vec() };
        let (_, problems, sources) = env_file_values(&meta, &broken, &env);
        assert_eq!(problems.len(), 1);
        let out = shown(problems, &sources);
        assert!(out.contains("--> web.env:1:") && !out.contains("s3cret"), "{out}");
        let latin1 = |_: &str| DotenvFile::Read { path: "web.env".into(), bytes: b"A=1\nTOKEN=caf\xe9\n".to_vec() };
        let (_, problems, sources) = env_file_values(&meta, &latin1, &env);
        let out = shown(problems, &sources);
        assert!(out.contains("error[invalid-utf8]") && out.contains("--> web.env:2:10\n"), "{out}");
        assert!(
            out.contains("2 | *********\u{fffd}") || out.contains("^ not UTF-8"),
            "a caret under a masked line:\n{out}"
        );
        assert!(!out.contains("caf"), "{out}");
        let (_, problems, _) = env_file_values(&meta, &|_: &str| DotenvFile::Absent, &env);
        assert_eq!(problems[0].message, "`web.env` (an env_file of the template) does not exist here");
    }
}
