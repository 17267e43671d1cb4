//! The whole pipeline in one call — load → interpret → lower — without any I/O.

use crate::cfn::Template;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::interpret::{self, Plan};
use crate::load::{self, Environment, Input};
use crate::lower::{self, Target};
use crate::source::Sources;
use std::io::{self, Write};

/// What `compile` needs besides the files.
#[derive(Clone, Debug, Default)]
pub struct CompileOptions {
    /// The app name; `None`: the project's `name:`, else `fallback_app`.
    pub app: Option<String>,
    /// Used when neither `app` nor the project names the app (the CLI passes the directory
    /// name); empty when there is no directory (standard input), which is then an error.
    pub fallback_app: String,
    /// Selected profiles.
    pub profiles: Vec<String>,
    /// Certificates bound to listeners.
    pub certificates: Vec<interpret::CertificateBinding>,
    /// The `.env` file beside the first compose file, read by [`load::dotenv::read_file`].
    pub dotenv: load::dotenv::DotenvFile,
    /// Warnings made errors or dropped (`-D warnings`, `--deny`, `--allow`); a warning made an
    /// error withholds the template like any error.
    pub levels: crate::diagnostic::Levels,
    /// Findings made before compiling (by [`load::discover`]), reported with the others.
    pub found: Vec<Diagnostic>,
    /// `--balancer`: overrides the manifest's `x-compose-cfn: {balancer: …}` (default classic).
    pub balancer: Option<Target>,
    /// The project directory, where `env_file:` files are read (their keys only); `None`
    /// (standard input, tests): an `env_file:` is an error.
    pub project_dir: Option<std::path::PathBuf>,
}

/// The result of compiling: the template only when there is no error.
#[derive(Debug)]
pub struct Compilation {
    /// Every file read, for rendering diagnostics.
    pub sources: Sources,
    /// Every finding, errors and warnings.
    pub diagnostics: Diagnostics,
    /// The plan, when interpretation ran (even with errors, for tools that show partial plans).
    pub plan: Option<Plan>,
    /// The typed template, present exactly when `diagnostics` has no error. Its text is made
    /// only when asked for: [`Compilation::write_template`] writes it straight to a file or a
    /// pipe, [`Compilation::template_text`] returns it as a `String`.
    pub template: Option<Template>,
    /// The balancer target compiled for.
    pub target: Target,
    /// The project directory compiled in (where the deploy stage reads `env_file:` files).
    pub project_dir: Option<std::path::PathBuf>,
    /// The `env_file:` keys an `environment:` entry overrides, of the services compiled (keys
    /// and paths only): adopting a Convox app whose `convox env` moved into an env_file warns
    /// of each, as Convox gave `convox env` the precedence.
    pub env_overrides: Vec<load::EnvOverride>,
}

impl Compilation {
    /// Writes the canonical template (pretty JSON with a final newline) to `out`, when there is
    /// one; `Ok(false)` when there is none. `out` should be buffered: the JSON is written in
    /// many small pieces.
    pub fn write_template(&self, out: impl Write) -> io::Result<bool> {
        self.template.as_ref().map(|t| t.write_to(out)).transpose().map(|written| written.is_some())
    }

    /// The canonical template as text, when there is one (for callers that need it whole:
    /// `diff`, `deploy`, tests).
    pub fn template_text(&self) -> Option<String> {
        self.template.as_ref().map(Template::to_text)
    }

    /// The canonical template as a JSON value, when there is one (for readers of its tree:
    /// the review), built from the typed template without a round trip through text.
    pub fn template_value(&self) -> Option<serde_json::Value> {
        self.template.as_ref().map(|t| serde_json::to_value(t).expect("every key of a template is a string"))
    }
}

/// Runs the pipeline over `inputs` (merged in order).
pub fn compile(inputs: Vec<Input>, env: &Environment, options: &CompileOptions) -> Compilation {
    let mut sources = Sources::new();
    let mut diagnostics: Diagnostics = options.found.iter().cloned().collect();
    let env = load::with_dotenv(&mut sources, &options.dotenv, env, &mut diagnostics);
    let (project, found) = load::load_project_in(&mut sources, inputs, &env, options.project_dir.as_deref());
    diagnostics.extend(found);
    let named = project.name.as_ref().filter(|n| !n.value.is_empty());
    let app =
        options.app.clone().or_else(|| named.map(|n| n.value.clone())).unwrap_or_else(|| options.fallback_app.clone());
    if let Some(problem) = interpret::names::app_name_problem(&app) {
        let suggestion = interpret::names::suggest_app_name(&app);
        // Said where the name came from: the file's `name:`, else the option or the directory.
        let d = match (&options.app, named) {
            (None, Some(name)) => Diagnostic::error(Code::AppName, name.span, problem)
                .with_label("not a valid app name")
                .with_help(format!("write `name: {suggestion}`")),
            (Some(_), _) => Diagnostic::error(Code::AppName, None, problem)
                .with_help(format!("pass a valid name, e.g. `--app {suggestion}`")),
            // No directory names the app when the first file is standard input.
            (None, None) if options.fallback_app.is_empty() => {
                Diagnostic::error(Code::AppName, None, "nothing names the app: the compose file is standard input")
                    .with_help("pass `--app NAME`, or set `name: NAME` in the compose file")
            }
            (None, None) => Diagnostic::error(Code::AppName, None, format!("{problem} (it is the directory's name)"))
                .with_help(format!("pass `--app {suggestion}`, or set `name: {suggestion}` in the compose file")),
        };
        diagnostics.push(d);
    }
    let mut profiles = options.profiles.clone();
    // Compose reads COMPOSE_PROFILES from the environment and from `.env`.
    if let Some(p) = env.get("COMPOSE_PROFILES") {
        profiles.extend(p.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from));
    }
    // After an error the project may be partial, and its profiles with it.
    if !diagnostics.has_errors() {
        diagnostics.extend(unknown_profiles(&project, &profiles));
    }
    // Checked even when `--balancer` overrides it: a wrong value in the file stays wrong.
    let written = manifest_target(project.balancer.as_ref(), &mut diagnostics);
    let target = options.balancer.unwrap_or(written);
    let interpret_options = interpret::Options { app, profiles, certificates: options.certificates.clone(), target };
    let (plan, found) = interpret::interpret(&project, &interpret_options);
    // Only the services that override an env_file are looked up among the compiled ones:
    // hashing every name of a large app again cost more than the rest of this step.
    let env_overrides = project
        .services
        .iter()
        .filter(|s| !s.env_overrides.is_empty() && plan.workload_of(&s.name.value).is_some())
        .flat_map(|s| s.env_overrides.iter().cloned())
        .collect();
    // The compose tree is not needed past this point; freeing it before lowering lowers the
    // peak memory of a large app by the size of that tree.
    drop(project);
    diagnostics.extend(found);
    // The names the target gives what it declares, checked with every other finding: a
    // collision is an error at a service's name, not a template the builder refuses.
    diagnostics.extend(lower::names::check(&plan, target));
    // Said only of a clean manifest: after an error, missing services are a consequence.
    if plan.services.is_empty() && !diagnostics.has_errors() {
        diagnostics.push(
            Diagnostic::warning(Code::NoServices, None, "no service is enabled: the template deploys nothing")
                .with_help("add a service, or select a profile with --profile"),
        );
    }
    let template = if diagnostics.has_errors() {
        None
    } else {
        match lower::lower(&plan, target) {
            Ok(lowered) => {
                for limit in lowered.over_limits {
                    diagnostics.push(
                        Diagnostic::warning(Code::StackLimits, None, limit)
                            .with_help("split the app into several compose files, and so several stacks"),
                    );
                }
                Some(lowered.template)
            }
            Err(e) => {
                diagnostics.push(
                    Diagnostic::error(Code::InvalidTemplate, None, e.to_string())
                        .with_help("this is a bug in compose-cfn: please report it with the compose file"),
                );
                None
            }
        }
    };
    let diagnostics = options.levels.apply(diagnostics).help_once();
    let template = template.filter(|_| !diagnostics.has_errors());
    let project_dir = options.project_dir.clone();
    Compilation { sources, diagnostics, plan: Some(plan), template, target, project_dir, env_overrides }
}

/// The target `x-compose-cfn: {balancer: …}` names (classic when absent); an unknown name is an
/// error at its value.
fn manifest_target(written: Option<&crate::source::Spanned<String>>, diagnostics: &mut Diagnostics) -> Target {
    let Some(written) = written else { return Target::Classic };
    Target::from_name(&written.value).unwrap_or_else(|| {
        diagnostics.push(
            Diagnostic::error(
                Code::BalancerTarget,
                written.span,
                format!("unknown balancer target `{}`", written.value),
            )
            .with_label("not a balancer target")
            .with_help(
                "write `balancer: classic` (Classic ELB) or `balancer: v2` (Application and Network Load Balancers)",
            ),
        );
        Target::Classic
    })
}

/// An error for each selected profile no service uses (a typo enables nothing, silently),
/// listing the ones the services do use; `*` (every profile) is always known.
fn unknown_profiles(project: &load::Project, selected: &[String]) -> Vec<Diagnostic> {
    // Nothing to check (`*` selects them all): no walk through every service's profiles.
    if selected.iter().all(|p| p == "*") {
        return Vec::new();
    }
    let known: std::collections::BTreeSet<&str> =
        project.services.iter().flat_map(|s| s.profiles.iter().flatten()).map(String::as_str).collect();
    let listed = if known.is_empty() {
        "no service has `profiles:`".to_string()
    } else {
        format!("the services use {}", known.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", "))
    };
    let mut unknown: Vec<&String> = selected.iter().filter(|p| *p != "*" && !known.contains(p.as_str())).collect();
    unknown.dedup();
    unknown
        .into_iter()
        .map(|p| {
            Diagnostic::error(Code::UnknownProfile, None, format!("no service uses the profile `{p}`"))
                .with_help(format!("{listed}; check --profile and COMPOSE_PROFILES"))
        })
        .collect()
}
