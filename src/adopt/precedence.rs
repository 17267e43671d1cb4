//! The precedence flip of a Convox environment moved into an env_file: Convox's
//! task-definition function put `convox env` over the manifest's `environment:`, Compose (and
//! this stack) puts `environment:` over `env_file:`, so a variable set in both changes value
//! on the takeover deploy. Each is a located warning, keys and paths only (never a value).

use super::Adoption;
use crate::diagnostic::{Code, Diagnostic};
use crate::load::EnvOverride;
use crate::source::Span;
use std::collections::BTreeSet;

/// A warning at each `environment:` entry that overrides an env_file key, when `adoption`
/// stops reading the app's Convox environment (it proceeds with `--env-migrated`); nothing
/// otherwise, as overriding an env_file default with `environment:` is ordinary Compose.
/// `overrides` are the compiled services' (`Compilation::env_overrides`).
pub fn env_precedence(adoption: &Adoption, overrides: &[EnvOverride]) -> Vec<Diagnostic> {
    if !adoption.drops_environment() {
        return Vec::new();
    }
    // One per entry, key and file (services built with `extends` share entries), in file order.
    let unique: BTreeSet<(Span, &str, &str)> =
        overrides.iter().map(|o| (o.span, o.key.as_str(), o.env_file.as_str())).collect();
    unique
        .into_iter()
        .map(|(span, key, env_file)| {
            Diagnostic::warning(
                Code::EnvPrecedence,
                span,
                format!(
                    "`{key}` is set by `environment:` and by env_file `{env_file}`: Compose (and this stack) takes `environment:`'s, Convox took `convox env`'s"
                ),
            )
            .with_label("overrides the env_file")
            .with_help(format!(
                "remove `{key}` from `environment:` to keep the value Convox used (or from `{env_file}`, if the manifest's value is the one to deploy)"
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adopt::{Action, ConvoxEnvironment, Decision};
    use crate::diagnostic::Severity;
    use crate::source::SourceId;

    fn adoption(drops_environment: bool) -> Adoption {
        let action = match drops_environment {
            true => Action::EnvironmentNotRead { environment: ConvoxEnvironment::default() },
            false => Action::Unused,
        };
        let decisions =
            vec![Decision { section: "parameter", name: "Environment".into(), kind: String::new(), action }];
        Adoption { template: serde_json::json!({}), decisions }
    }

    fn at(start: usize, key: &str) -> EnvOverride {
        EnvOverride { key: key.into(), env_file: "convox.env".into(), span: Span::new(SourceId(0), start, 4) }
    }

    #[test]
    fn each_overridden_key_is_a_warning_at_its_entry_once_in_file_order() {
        let overrides = [at(40, "B"), at(10, "A"), at(40, "B")];
        let warnings = env_precedence(&adoption(true), &overrides);
        let shown: Vec<(usize, &str)> =
            warnings.iter().map(|d| (d.span.unwrap().start, d.message.split('`').nth(1).unwrap())).collect();
        assert_eq!(shown, [(10, "A"), (40, "B")]);
        let d = &warnings[0];
        assert_eq!((d.code, d.severity), (Code::EnvPrecedence, Severity::Warning));
        assert_eq!(
            d.message,
            "`A` is set by `environment:` and by env_file `convox.env`: Compose (and this stack) takes `environment:`'s, Convox took `convox env`'s"
        );
        assert!(d.help.as_deref().unwrap().starts_with("remove `A` from `environment:` to keep the value Convox used"));
    }

    #[test]
    fn an_adoption_that_keeps_no_convox_environment_says_nothing() {
        assert!(env_precedence(&adoption(false), &[at(10, "A")]).is_empty());
    }
}
