//! The template's `Metadata.ComposeCfn` section: what the deploy step must supply (self-signed
//! certificates, built images, values from the deploy environment). It is a contract with
//! `deploy`, so its shape is typed here once.

use serde::Serialize;

/// The template's `Metadata`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Metadata {
    /// `ComposeCfn`.
    #[serde(rename = "ComposeCfn")]
    pub compose_cfn: ComposeCfn,
}

/// What compose-cfn records for the deploy step.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
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
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SelfSigned {
    /// The certificate parameter.
    pub parameter: String,
    /// `service:port`.
    pub target: String,
}

/// A service whose image the deploy stage builds and passes in.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BuiltImage {
    /// The image parameter.
    pub parameter: String,
    /// The compose service.
    pub service: String,
    /// The build context, when the manifest names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
    /// The Dockerfile to build with, relative to the context (`build.dockerfile`, v1
    /// `dockerfile:`); absent: the context's `Dockerfile`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<String>,
    /// The multi-stage target to build (`build.target`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Build arguments in name order, as written in the manifest: `${VAR}` is left for the
    /// deploy stage to expand from its environment, and no `Value` (a bare `KEY`) means the
    /// variable of that name. (A list, not a mapping: CloudFormation refuses `null` values.)
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<BuildArg>,
}

/// One build argument of a built image.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BuildArg {
    /// The argument's name.
    pub name: String,
    /// Its value as written; absent: taken from the deploy environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A `NoEcho` parameter the deploy stage fills from a variable of its environment.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnvParameter {
    /// The parameter.
    pub parameter: String,
    /// The deploy environment's variable it is filled from.
    pub variable: String,
    /// The compose services whose text uses it.
    pub services: Vec<String>,
    /// True when an empty value counts as unset (the `:` forms of `${…}`).
    pub empty_is_unset: bool,
    /// Used when the variable is unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// The deploy stage fails with this message when the variable is unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<String>,
    /// The value when the variable is set (else empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternative: Option<String>,
}
