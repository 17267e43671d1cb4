//! The template's `Metadata.ComposeCfn` section: what the deploy step must supply (self-signed
//! certificates, built images, values from the deploy environment). It is a contract with
//! `deploy`, so its shape is typed here once: `lower` writes it and `deploy` reads it back with
//! the same types (two copies had drifted: the reader ignored `Alternative` and the build
//! settings).

use serde::{Deserialize, Deserializer, Serialize};

/// The template's `Metadata`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// `ComposeCfn`.
    #[serde(rename = "ComposeCfn")]
    pub compose_cfn: ComposeCfn,
}

/// What compose-cfn records for the deploy step.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ComposeCfn {
    /// The app name.
    pub app: String,
    /// Listeners whose certificate parameter has no default: deploy supplies a self-signed one.
    pub self_signed_certificates: Vec<SelfSigned>,
    /// Services whose image deploy builds and passes in.
    pub built_images: Vec<BuiltImage>,
    /// Deploy-time values, each passed in as a `NoEcho` parameter.
    pub environment_parameters: Vec<EnvParameter>,
}

/// An https/tls listener whose certificate the deploy step must supply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SelfSigned {
    /// The certificate parameter.
    pub parameter: String,
    /// `service:port`.
    pub target: String,
}

/// A service whose image the deploy stage builds and passes in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BuiltImage {
    /// The image parameter.
    pub parameter: String,
    /// The compose service.
    pub service: String,
    /// The build context, when the manifest names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
    /// The Dockerfile to build with, relative to the context (`build.dockerfile`, v1
    /// `dockerfile:`); absent: the context's `Dockerfile`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<String>,
    /// The multi-stage target to build (`build.target`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Build arguments in name order, as written in the manifest: `${VAR}` is left for the
    /// deploy stage to expand from its environment, and no `Value` (a bare `KEY`) means the
    /// variable of that name. (A list, not a mapping: CloudFormation refuses `null` values.)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<BuildArg>,
}

/// One build argument of a built image.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BuildArg {
    /// The argument's name.
    pub name: String,
    /// Its value as written; absent: taken from the deploy environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A `NoEcho` parameter the deploy stage fills from a variable of its environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnvParameter {
    /// The parameter.
    pub parameter: String,
    /// The deploy environment's variable it is filled from.
    pub variable: String,
    /// The compose services whose text uses it (templates before 0.3 wrote one `Service`).
    #[serde(default, alias = "Service", deserialize_with = "one_or_many")]
    pub services: Vec<String>,
    /// True when an empty value counts as unset (the `:` forms of `${…}`).
    #[serde(default)]
    pub empty_is_unset: bool,
    /// Used when the variable is unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// The deploy stage fails with this message when the variable is unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<String>,
    /// The value when the variable is set (else empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternative: Option<String>,
    /// The `env_file:` (relative to the project directory) the deploy stage reads the
    /// variable from, instead of its environment: the template never carries its values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_file: Option<String>,
}

impl ComposeCfn {
    /// Reads `Metadata.ComposeCfn` of a template; `None` when the template was not made by
    /// this tool (or the block does not have the expected shape).
    pub fn of(template: &serde_json::Value) -> Option<ComposeCfn> {
        let block = template.get("Metadata")?.get("ComposeCfn")?;
        serde_json::from_value(block.clone()).ok()
    }
}

/// `Services: [..]`, or the single `Service: ".."` older templates wrote.
fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(one) => vec![one],
        OneOrMany::Many(many) => many,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> ComposeCfn {
        ComposeCfn {
            app: "shop".into(),
            self_signed_certificates: vec![SelfSigned {
                parameter: "WebPort443Certificate".into(),
                target: "web:443".into(),
            }],
            built_images: vec![
                BuiltImage {
                    parameter: "WebImage".into(),
                    service: "web".into(),
                    build: Some("./web".into()),
                    dockerfile: Some("Dockerfile.prod".into()),
                    target: Some("release".into()),
                    args: vec![
                        BuildArg { name: "CI".into(), value: None },
                        BuildArg { name: "TOKEN".into(), value: Some("${TOKEN}".into()) },
                    ],
                },
                BuiltImage {
                    parameter: "JobsImage".into(),
                    service: "jobs".into(),
                    build: None,
                    dockerfile: None,
                    target: None,
                    args: Vec::new(),
                },
            ],
            environment_parameters: vec![
                EnvParameter {
                    parameter: "EnvA".into(),
                    variable: "A".into(),
                    services: vec!["web".into(), "worker".into()],
                    empty_is_unset: true,
                    default: Some("x".into()),
                    required: Some("set A".into()),
                    alternative: None,
                    env_file: None,
                },
                EnvParameter {
                    parameter: "EnvBAlt".into(),
                    variable: "B".into(),
                    services: vec!["web".into()],
                    empty_is_unset: false,
                    default: None,
                    required: None,
                    alternative: Some("yes".into()),
                    env_file: Some("web.env".into()),
                },
            ],
        }
    }

    #[test]
    fn what_lower_writes_deploy_reads_back_whole() {
        let meta = full();
        let template = serde_json::json!({ "Metadata": Metadata { compose_cfn: meta.clone() } });
        assert_eq!(ComposeCfn::of(&template), Some(meta));
    }

    #[test]
    fn the_old_single_service_shape_is_still_read() {
        let template = serde_json::json!({"Metadata": {"ComposeCfn": {"App": "shop",
            "EnvironmentParameters": [{"Parameter": "EnvB", "Service": "web", "Variable": "B"}]}}});
        let meta = ComposeCfn::of(&template).unwrap();
        assert_eq!(meta.environment_parameters[0].services, ["web"]);
        assert!(!meta.environment_parameters[0].empty_is_unset);
    }
}
