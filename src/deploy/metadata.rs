//! `Metadata.ComposeCfn` of a compiled template: what the deploy must fill in
//! (self-signed certificates, built images, environment-sourced parameters).

use serde::Deserialize;
use serde_json::Value;

/// An https/tls listener whose certificate parameter the deploy fills when it has no value.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SelfSignedEntry {
    /// The certificate parameter, e.g. `WebPort443Certificate`.
    pub parameter: String,
    /// `service:port`.
    pub target: String,
}

/// A service whose image the deploy stage builds and passes with `--image SERVICE=REF`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BuiltImage {
    /// The image parameter, e.g. `WebImage`.
    pub parameter: String,
    /// The compose service.
    pub service: String,
}

/// A parameter whose value comes from the deploying process's environment.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnvParameter {
    /// The template parameter (NoEcho).
    pub parameter: String,
    /// The environment variable to read.
    pub variable: String,
    /// The services using it (older templates name one `Service`).
    #[serde(default)]
    pub services: Vec<String>,
    #[serde(default)]
    service: Option<String>,
    /// `${VAR:-default}`: the value when the variable is unset.
    #[serde(default)]
    pub default: Option<String>,
    /// `${VAR:?message}`: the message when it is unset.
    #[serde(default)]
    pub required: Option<String>,
    /// `${VAR:+alt}`: the value is `alt` when the variable is set, else empty.
    #[serde(default)]
    pub alternative: Option<String>,
    /// `:-`, `:?` and `:+` treat an empty value as unset.
    #[serde(default)]
    pub empty_is_unset: bool,
}

impl EnvParameter {
    /// The parameter's value given what the deploy environment holds for its variable, as
    /// Compose would substitute it; `None` when it has none (unset, without a default).
    pub fn value(&self, read: Option<String>) -> Option<String> {
        let set = read.filter(|v| !(self.empty_is_unset && v.is_empty()));
        match &self.alternative {
            // The variable's own value never reaches the parameter, only whether it is set.
            Some(alt) => Some(if set.is_some() { alt.clone() } else { String::new() }),
            None => set.or_else(|| self.default.clone()),
        }
    }
}

/// What the compiled template asks of the deploy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Metadata {
    /// The app name.
    #[serde(default)]
    pub app: String,
    /// Listeners that get the app's self-signed certificate when theirs is empty.
    #[serde(default)]
    pub self_signed_certificates: Vec<SelfSignedEntry>,
    /// Images built by the deploy stage.
    #[serde(default)]
    pub built_images: Vec<BuiltImage>,
    /// Environment-sourced parameters, sorted by parameter.
    #[serde(default)]
    pub environment_parameters: Vec<EnvParameter>,
}

impl Metadata {
    /// Reads `Metadata.ComposeCfn` of a template; `None` when the template was not made by
    /// this tool (or the block does not have the expected shape).
    pub fn of(template: &Value) -> Option<Metadata> {
        let block = template.get("Metadata")?.get("ComposeCfn")?;
        let mut meta: Metadata = serde_json::from_value(block.clone()).ok()?;
        for e in &mut meta.environment_parameters {
            if let Some(s) = e.service.take().filter(|_| e.services.is_empty()) {
                e.services.push(s);
            }
        }
        Some(meta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_new_and_the_old_environment_shapes() {
        let t = json!({"Metadata": {"ComposeCfn": {
        "App": "shop",
        "SelfSignedCertificates": [{"Parameter": "WebPort443Certificate", "Target": "web:443"}],
        "BuiltImages": [{"Parameter": "WebImage", "Service": "web", "Build": "."}],
        "EnvironmentParameters": [
            {"Parameter": "EnvA", "Variable": "A", "Services": ["web", "worker"], "Default": "x",
             "Required": "set A", "EmptyIsUnset": true},
            {"Parameter": "EnvB", "Service": "web", "Variable": "B"}
        ]}}});
        let m = Metadata::of(&t).unwrap();
        assert_eq!(m.app, "shop");
        assert_eq!(m.self_signed_certificates[0].target, "web:443");
        assert_eq!(m.built_images[0].parameter, "WebImage");
        let a = &m.environment_parameters[0];
        assert_eq!((a.default.as_deref(), a.required.as_deref(), a.empty_is_unset), (Some("x"), Some("set A"), true));
        assert_eq!(a.services, ["web", "worker"]);
        let b = &m.environment_parameters[1];
        assert_eq!(
            (b.services.as_slice(), b.default.as_deref(), b.empty_is_unset),
            (&["web".to_string()][..], None, false)
        );
    }

    #[test]
    fn values_follow_compose_substitution_and_an_alternative_never_passes_the_variable_on() {
        let entry = |extra: serde_json::Value| -> EnvParameter {
            let mut e = json!({"Parameter": "EnvA", "Variable": "A", "Services": ["web"]});
            e.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            serde_json::from_value(e).unwrap()
        };
        let set = |v: &str| Some(v.to_string());
        let alt = entry(json!({"Alternative": "yes", "EmptyIsUnset": true}));
        assert_eq!(alt.value(set("s3cret")), set("yes"));
        assert_eq!(alt.value(set("")), set(""));
        assert_eq!(alt.value(None), set(""));
        let alt_plain = entry(json!({"Alternative": "yes"}));
        assert_eq!(alt_plain.value(set("")), set("yes"));
        let default = entry(json!({"Default": "d", "EmptyIsUnset": true}));
        assert_eq!(
            (default.value(set("v")), default.value(set("")), default.value(None)),
            (set("v"), set("d"), set("d"))
        );
        let plain = entry(json!({}));
        assert_eq!((plain.value(set("")), plain.value(None)), (set(""), None));
    }

    #[test]
    fn a_template_without_the_block_is_not_ours() {
        assert_eq!(Metadata::of(&json!({"Resources": {}})), None);
        assert_eq!(Metadata::of(&json!({"Metadata": {"ComposeCfn": {"BuiltImages": 3}}})), None);
    }
}
