//! `Metadata.ComposeCfn` of a compiled template, as the deploy reads it: the one contract type
//! of `cfn::metadata` (what lower writes), plus the deploy's reading of an entry's value.

/// What the compiled template asks of the deploy: `Metadata.ComposeCfn`.
pub use crate::cfn::metadata::ComposeCfn as Metadata;
pub use crate::cfn::metadata::{BuildArg, BuiltImage, EnvParameter, SelfSigned};

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn reads_the_new_and_the_old_environment_shapes_and_every_build_setting() {
        let t = json!({"Metadata": {"ComposeCfn": {
        "App": "shop",
        "SelfSignedCertificates": [{"Parameter": "WebPort443Certificate", "Target": "web:443"}],
        "BuiltImages": [{"Parameter": "WebImage", "Service": "web", "Build": ".", "Dockerfile": "Dockerfile.prod",
                         "Target": "release", "Args": [{"Name": "CI"}]}],
        "EnvironmentParameters": [
            {"Parameter": "EnvA", "Variable": "A", "Services": ["web", "worker"], "Default": "x",
             "Required": "set A", "EmptyIsUnset": true},
            {"Parameter": "EnvB", "Service": "web", "Variable": "B"}
        ]}}});
        let m = Metadata::of(&t).unwrap();
        assert_eq!(m.app, "shop");
        assert_eq!(m.self_signed_certificates[0].target, "web:443");
        assert_eq!(m.built_images[0].parameter, "WebImage");
        assert_eq!(
            (m.built_images[0].dockerfile.as_deref(), m.built_images[0].target.as_deref()),
            (Some("Dockerfile.prod"), Some("release"))
        );
        assert_eq!(m.built_images[0].args, [BuildArg { name: "CI".into(), value: None }]);
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
    fn a_compiled_template_is_read_back_with_its_build_settings() {
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/build-options/docker-compose.yml"));
        let input = crate::load::Input { path: "docker-compose.yml".into(), bytes: bytes.unwrap() };
        let options = crate::CompileOptions { fallback_app: "demo".into(), ..Default::default() };
        let compiled = crate::compile(vec![input], &crate::load::Environment::default(), &options);
        let template: Value = serde_json::from_str(&compiled.template.expect("the fixture compiles")).unwrap();
        let m = Metadata::of(&template).expect("the template has its metadata");
        let web = m.built_images.iter().find(|b| b.service == "web").unwrap();
        assert_eq!((web.dockerfile.as_deref(), web.target.as_deref()), (Some("Dockerfile.prod"), Some("release")));
        let token = web.args.iter().find(|a| a.name == "BUNDLE_TOKEN").unwrap();
        assert_eq!(token.value.as_deref(), Some("${BUNDLE_TOKEN}"));
        let worker = m.built_images.iter().find(|b| b.service == "worker").unwrap();
        assert_eq!(worker.dockerfile.as_deref(), Some("Dockerfile.worker"));
    }

    #[test]
    fn a_template_without_the_block_is_not_ours() {
        assert_eq!(Metadata::of(&json!({"Resources": {}})), None);
        assert_eq!(Metadata::of(&json!({"Metadata": {"ComposeCfn": {"BuiltImages": 3}}})), None);
    }
}
