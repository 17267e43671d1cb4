//! Interpret: a service's Compose `secrets:` as ECS container `Secrets` — variables ECS fills
//! at task start from an SSM parameter or a Secrets Manager secret whose ARN is a template
//! parameter, so that no secret passes through the template. A `file:` or `environment:`
//! secret would have to be copied into the template or onto the instances: refused.

use super::names;
use super::plan::ContainerSecret;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::load::secrets::{SecretDef, SecretSource, SecretUse};
use foldhash::{HashMap, HashMapExt};

/// The container secrets of one service's `secrets:` entries.
pub(super) fn read(uses: &[SecretUse], defs: &[SecretDef], diags: &mut Diagnostics) -> Vec<ContainerSecret> {
    // Definitions and variables looked up by name, not by a scan per use: a service using
    // 40,000 secrets took 10.6 s. The first definition of a name is the one used, as before.
    let mut by_name: HashMap<&str, &SecretDef> = HashMap::new();
    for def in defs {
        by_name.entry(def.name.value.as_str()).or_insert(def);
    }
    let mut first_use: HashMap<&str, &SecretUse> = HashMap::new();
    let mut out: Vec<ContainerSecret> = Vec::new();
    for u in uses {
        let Some(def) = by_name.get(u.source.as_str()) else {
            diags.push(
                Diagnostic::error(Code::Secret, u.span, format!("secret `{}` is not defined", u.source))
                    .with_label("no top-level definition")
                    .with_help(format!("define it at the top level: `secrets: {{{}: {{external: true}}}}`", u.source)),
            );
            continue;
        };
        let (kind, at) = match def.source {
            SecretSource::External => ("", None),
            SecretSource::File(at) => ("`file:`", Some(at)),
            SecretSource::Environment(at) => ("`environment:`", Some(at)),
        };
        if let Some(at) = at {
            diags.push(
                Diagnostic::error(Code::Secret, u.span, format!("secret `{}` comes from {kind}, which ECS cannot read", u.source))
                    .with_label("used here")
                    .with_related(at, "defined from here")
                    .with_help("store the value in SSM Parameter Store or Secrets Manager and declare the secret `external: true`: the deploy passes its ARN, and ECS fills the variable at task start"),
            );
            continue;
        }
        if u.target.contains('/') || u.target.is_empty() {
            diags.push(
                Diagnostic::error(
                    Code::Secret,
                    u.target_span,
                    format!("`{}` is a path, not a variable name", u.target),
                )
                .with_label("a file path: ECS gives secrets as variables")
                .with_help(
                    "on ECS a secret is an environment variable of the container: name it, e.g. `target: DB_PASSWORD`",
                ),
            );
            continue;
        }
        // Two secrets cannot fill one variable: keeping the first dropped the second silently.
        // Compose refuses the file too, as both would be mounted at `/run/secrets/<target>`.
        if let Some(first) = first_use.get(u.target.as_str()) {
            diags.push(
                Diagnostic::error(Code::Secret, u.target_span, format!("two secrets set the variable `{}`", u.target))
                    .with_label(format!("`{}` set again here", u.target))
                    .with_related(first.target_span, format!("first set here, from secret `{}`", first.source))
                    .with_help("give each secret its own `target:` (Compose refuses the file too: both would be mounted at one path under `/run/secrets/`)"),
            );
            continue;
        }
        first_use.insert(&u.target, u);
        out.push(ContainerSecret {
            name: u.target.clone(),
            secret: u.source.clone(),
            parameter: names::secret_parameter(&u.source),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Two secrets whose names give one parameter (`db-pass`, `db_pass`) would read one store:
/// an error at the second.
pub(super) fn check_names(defs: &[SecretDef], diags: &mut Diagnostics) {
    let mut seen: HashMap<String, &SecretDef> = HashMap::new();
    for def in defs {
        let parameter = names::secret_parameter(&def.name.value);
        if let Some(first) = seen.get(&parameter) {
            diags.push(
                Diagnostic::error(
                    Code::Secret,
                    def.name.span,
                    format!(
                        "secrets `{}` and `{}` would share the parameter {parameter}",
                        first.name.value, def.name.value
                    ),
                )
                .with_related(first.name.span, "the first is defined here")
                .with_help("rename one: names differing only in `-`, `_` or `.` give one CloudFormation name"),
            );
            continue;
        }
        seen.insert(parameter, def);
    }
}
