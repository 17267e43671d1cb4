//! `compose-cfn deploy`: compile, show what changes on the live stack, then create or update
//! it and follow it to the end (or stop after the preview).

use super::aws::{self, AwsArgs, Printer};
use super::compile::ManifestArgs;
use super::output::write_stdout;
use super::{Format, REVIEW_FORMATS, report};
use clap::Args;
use compose_cfn::aws::deploy::{self as workflow, DeployRequest, Outcome};
use compose_cfn::deploy::Metadata;
use compose_cfn::deploy::params::{env_file_values, parse_pair};
use compose_cfn::load;
use compose_cfn::source::Sources;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Arguments of `deploy`.
#[derive(Debug, Args)]
pub struct DeployArgs {
    #[command(flatten)]
    manifest: ManifestArgs,
    /// Deploy a template compiled earlier (e.g. a CI artifact) instead of compiling compose files
    #[arg(long, value_name = "FILE", conflicts_with_all = ["files", "more_files"])]
    template: Option<PathBuf>,
    /// The CloudFormation stack to create or update
    #[arg(long, value_name = "NAME")]
    stack: String,
    /// A template parameter's value, e.g. Cluster=production (may be repeated)
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_pair)]
    params: Vec<(String, String)>,
    /// The image of a service built by the pipeline, e.g. web=123.dkr.ecr…/web:abc (may be repeated)
    #[arg(long = "image", value_name = "SERVICE=REF", value_parser = parse_pair)]
    images: Vec<(String, String)>,
    /// Show what would change on the stack and change nothing (exit 0: no change, 1: changes)
    #[arg(long)]
    preview: bool,
    /// When the live stack was made by Convox: allow adopting it to replace resources (see --preview)
    #[arg(long)]
    allow_replacement: bool,
    /// When the live stack was made by Convox: delete what Convox owned that compose-cfn does not model
    #[arg(long)]
    allow_removal: bool,
    /// When the live stack was made by Convox: its `convox env` variables are in an env_file
    /// (`convox env -a APP | compose-cfn convox-env -o convox.env`); adopt although Convox's environment is no longer read
    #[arg(long)]
    env_migrated: bool,
    /// Start the change and return without waiting for it
    #[arg(long)]
    no_wait: bool,
    /// The longest wait for the stack, e.g. 30m, 1h
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = aws::parse_duration)]
    timeout: Duration,
    /// How the changes are printed
    #[arg(long, default_value = "human", value_parser = Format::accepting(REVIEW_FORMATS))]
    format: Format,
    #[command(flatten)]
    aws: AwsArgs,
}

impl DeployArgs {
    /// Runs the deploy; exit 0 on success, 1 when it failed or was refused, 2 on bad input.
    pub fn run(self) -> ExitCode {
        let format = self.format;
        // Where `env_file:` paths are read: the compiled files' directory, or here.
        let mut project_dir = PathBuf::from(".");
        // Where the compiled services are named, so that `--format github` annotations of the
        // changes point at them (none for a template given as it is).
        let (template, plan, places, overrides, sources) = match &self.template {
            Some(path) => match read_template(path, format) {
                Ok(t) => (t, None, BTreeMap::new(), Vec::new(), None),
                Err(code) => return code,
            },
            None => {
                let result = match self.manifest.compile() {
                    Ok(result) => result,
                    Err(code) => return code,
                };
                report::diagnostics(&result.diagnostics, &result.sources, format.diagnostics(), "deploy");
                let Some(template) = result.template_text() else {
                    return ExitCode::from(1);
                };
                let places = report::service_places(&result);
                project_dir = result.project_dir.unwrap_or(project_dir);
                (template, result.plan, places, result.env_overrides, Some(result.sources))
            }
        };
        let process_env = |name: &str| std::env::var(name).ok();
        // The template's `env_file:` parameters take their variables from those files (read
        // here, never written anywhere); every other variable from the environment.
        let metadata = serde_json::from_str(&template).ok().and_then(|t| Metadata::of(&t)).unwrap_or_default();
        let read = |path: &str| load::dotenv::read_in(&project_dir, path);
        let (from_files, problems, env_sources) = env_file_values(&metadata, &read, &process_env);
        if !problems.is_empty() {
            report::diagnostics(
                &problems.into_iter().collect(),
                &env_sources,
                format.diagnostics(),
                "read the env_file values",
            );
            return ExitCode::from(2);
        }
        let env = |name: &str| from_files.get(name).cloned().or_else(|| process_env(name));
        let request = DeployRequest {
            stack: &self.stack,
            template: &template,
            given: &self.params,
            images: &self.images,
            preview: self.preview,
            wait: !self.no_wait,
            timeout: self.timeout,
            env: &env,
            now: time::OffsetDateTime::now_utc(),
            allow_replacement: self.allow_replacement,
            allow_removal: self.allow_removal,
            env_migrated: self.env_migrated,
            plan: plan.as_ref(),
            env_overrides: &overrides,
            levels: &super::global::settings().levels,
        };
        let mut printer = Printer::new().with_changes(format).with_places(places.clone());
        if let Some(sources) = sources {
            printer = printer.with_sources(sources, format.diagnostics());
        }
        let outcome = aws::run(&self.aws, async |clients| workflow::deploy(clients, &request, &mut printer).await);
        drop(printer);
        let outcome = match outcome {
            Ok(o) => o,
            Err(failed) => return aws::fail(failed, format.diagnostics(), "deploy"),
        };
        let (text, code) = match &outcome {
            Outcome::Preview(d) => (format.report().diff(&d.clone().locate(&places)), if d.is_empty() { 0 } else { 1 }),
            Outcome::NoChange(_) => (format!("Stack {} is up to date: nothing to change.\n", self.stack), 0),
            Outcome::Started => (format!("Stack {} is changing; not waiting (--no-wait).\n", self.stack), 0),
            Outcome::Done(endpoints) => {
                let mut text = format!("Stack {} deployed.\n", self.stack);
                for e in endpoints {
                    text.push_str(&format!("  {:<10} {}\n", e.target, e.url));
                }
                (text, 0)
            }
        };
        // Scripts reading JSON get the diff alone.
        let text = if format == Format::Json && !matches!(outcome, Outcome::Preview(_)) { String::new() } else { text };
        match write_stdout(&text) {
            Ok(()) => ExitCode::from(code),
            Err(c) => c,
        }
    }
}

/// Reads a compiled template (with the size cap compose files have) and checks it is one;
/// bytes that are not UTF-8 are placed as a compose file's are. Each refusal is exit 2.
fn read_template(path: &Path, format: Format) -> Result<String, ExitCode> {
    let name = path.display().to_string();
    let bytes = compose_cfn::files::read_file_capped(path, load::MAX_FILE_BYTES)
        .map_err(|e| report::usage_error(&format!("cannot read `{name}`: {e}")))?;
    let mut sources = Sources::new();
    let text = load::utf8_text(&mut sources, &name, bytes, false).map_err(|bad| {
        report::diagnostics(&[*bad].into_iter().collect(), &sources, format.diagnostics(), "read the template");
        ExitCode::from(2)
    })?;
    if !compose_cfn::review::view::is_template(&text) {
        return Err(report::usage_error(&format!(
            "`{name}` is not a CloudFormation template in JSON (compile one with `compose-cfn compile -o`)"
        )));
    }
    Ok(text)
}
