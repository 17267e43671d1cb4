//! `--adopt`: reading the live Convox stack's template and parameters that `compile` is asked
//! to take over, and reporting the adoption's decisions; the decisions are `compose_cfn::adopt`'s.

use super::Format;
use super::output::stderr;
use super::report;
use clap::Args;
use compose_cfn::adopt::{self, AdoptError, AdoptOptions, Adoption, Live};
use compose_cfn::diagnostic::{Code, Diagnostic, Diagnostics};
use compose_cfn::files;
use compose_cfn::interpret::plan::Plan;
use compose_cfn::source::{SourceId, Sources, Span};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The options that take over a live stack made by Convox.
#[derive(Clone, Debug, Default, Args)]
pub struct AdoptArgs {
    /// Take over the live Convox stack whose template this is (the JSON `aws cloudformation
    /// get-template` prints): keep its balancers, names, instance ports and certificates
    #[arg(long, value_name = "TEMPLATE")]
    pub adopt: Option<PathBuf>,
    /// The live stack's parameter values for --adopt (the JSON `aws cloudformation describe-stacks` prints)
    #[arg(long, value_name = "FILE", requires = "adopt")]
    pub adopt_parameters: Option<PathBuf>,
    /// With --adopt: delete what Convox owned that compose-cfn does not model, instead of keeping it
    #[arg(long, requires = "adopt")]
    pub allow_removal: bool,
    /// With --adopt: write the template although it replaces resources (as `deploy --allow-replacement`)
    #[arg(long, requires = "adopt")]
    pub allow_replacement: bool,
    /// With --adopt: the app's `convox env` variables are in an env_file (`convox env -a APP | compose-cfn convox-env -o convox.env`);
    /// adopt although the stack's task definitions will no longer read Convox's environment
    #[arg(long, requires = "adopt")]
    pub env_migrated: bool,
}

/// One file read for adoption: its path, text and JSON.
struct Read {
    id: SourceId,
    text: String,
    json: Value,
}

impl AdoptArgs {
    /// Adopts the live stack into `template` (the compiled one); `Ok(None)` without `--adopt`.
    /// Errors are printed as located diagnostics; the `Err` is the exit code (1, or 2 for a
    /// file that cannot be read).
    /// `plan`: what `template` was compiled from (what the manifest sets itself).
    pub fn apply(
        &self,
        template: &str,
        plan: Option<&Plan>,
        format: Format,
    ) -> Result<Option<(String, Adoption)>, ExitCode> {
        let Some(path) = &self.adopt else { return Ok(None) };
        let mut sources = Sources::new();
        let live = read_json(path, &mut sources, format, false)?;
        let params = match &self.adopt_parameters {
            Some(p) => Some(read_json(p, &mut sources, format, true)?),
            None => None,
        };
        let diagnostic = |e: AdoptError| {
            let (file, needle) = match &e {
                AdoptError::CertificateDropped { arn, .. } => match &params {
                    Some(p) if p.1.text.contains(arn.as_str()) => (&p.1, format!("\"{arn}\"")),
                    _ => (&live.1, "\"Parameters\"".to_string()),
                },
                // The first resource replaced, where the live template declares it.
                AdoptError::Replaces(replaced) => match replaced.first() {
                    Some((name, ..)) if live.1.text.contains(&format!("\"{name}\": {{")) => {
                        (&live.1, format!("\"{name}\": {{"))
                    }
                    _ => (&live.1, "\"Resources\"".to_string()),
                },
                // The template's declaration of the parameter (the values file may hold secrets).
                AdoptError::ConvoxEnvironment(_) => (&live.1, "\"Environment\"".to_string()),
                _ => (&live.1, "\"Resources\"".to_string()),
            };
            // A parameter is found after `"Parameters"`: resources name `Environment` too.
            let from = match e {
                AdoptError::ConvoxEnvironment(_) => file.text.find("\"Parameters\"").unwrap_or(0),
                _ => 0,
            };
            let at = file.text[from..].find(&needle).map_or(0, |i| from + i);
            let span = Span::new(file.id, at, needle.len().min(file.text.len() - at));
            let help = match e {
                AdoptError::CertificateDropped { port, .. } => {
                    format!("label the port `convox.port.{port}.protocol=tls` (or `https`) to keep its certificate")
                }
                AdoptError::Replaces(_) => {
                    "change the manifest so that they stay, or pass --allow-replacement to write the template anyway"
                        .to_string()
                }
                AdoptError::ConvoxEnvironment(_) => adopt::ENV_MIGRATION.to_string(),
                _ => "pass the template of a Convox app stack: `aws cloudformation get-template --stack-name APP`"
                    .to_string(),
            };
            Diagnostic::error(Code::Adopt, span, e.to_string()).with_help(help)
        };
        let fail = |errors: Vec<AdoptError>, sources: &Sources| {
            let mut diags = Diagnostics::new();
            errors.into_iter().for_each(|e| diags.push(diagnostic(e)));
            report::diagnostics(&diags, sources, format, "adopt the stack");
            ExitCode::from(1)
        };
        let live_stack =
            Live::read(&live.1.json, params.as_ref().map(|p| &p.1.json)).map_err(|e| fail(vec![e], &sources))?;
        let ours: Value = serde_json::from_str(template).expect("compile produces JSON");
        let adoption = adopt::adopt(&live_stack, &ours, AdoptOptions::for_plan(plan, self.allow_removal))
            .map_err(|e| fail(vec![e], &sources))?;
        let refused: Vec<AdoptError> =
            [adoption.check_environment(self.env_migrated), adoption.check_replacements(self.allow_replacement)]
                .into_iter()
                .filter_map(Result::err)
                .collect();
        if !refused.is_empty() {
            // The decisions first: they are the review of what the refusal is about.
            print_decisions(&adoption, path, format);
            return Err(fail(refused, &sources));
        }
        let mut text = serde_json::to_string_pretty(&adoption.template).expect("JSON values serialize");
        text.push('\n');
        Ok(Some((text, adoption)))
    }
}

/// The decisions, one a line, on stderr (people) or as JSON lines (`--format json`).
pub fn print_decisions(adoption: &Adoption, source: &Path, format: Format) {
    let text: String = match format {
        Format::Json => {
            adoption.decisions.iter().map(|d| serde_json::to_string(d).expect("decisions serialize") + "\n").collect()
        }
        _ => {
            let mut text = format!("adopting the Convox stack of `{}`:\n", source.display());
            for d in &adoption.decisions {
                text += &compose_cfn::escape::terminal(&d.line(), false);
                text.push('\n');
            }
            let (r, m) = (adoption.replacements().count(), adoption.removals().count());
            text += &format!("{r} replaced, {m} removed");
            if adoption.drops_environment() {
                text += "; `convox env` no longer read";
            }
            text.push('\n');
            text
        }
    };
    stderr(&text);
}

/// Reads a JSON file with the size cap of compose files. A syntax error is a located `adopt`
/// diagnostic (exit 1), shown with its line for the template; a parameters file (`values`)
/// is only named by line and column, as its values may be secrets. A file that cannot be
/// read is a usage error, and one that is not UTF-8 an `invalid-utf8` error at its line and
/// column (masked for a parameters file) (exit 2).
fn read_json(path: &Path, sources: &mut Sources, format: Format, values: bool) -> Result<(PathBuf, Read), ExitCode> {
    let name = path.display().to_string();
    match files::json::read(path, compose_cfn::load::MAX_FILE_BYTES) {
        Ok(json) => {
            // A values file is shown masked, as `.env` is: a snippet at one of its values
            // shows the line, and a one-line file holds every other value on that line.
            let shown = if values { compose_cfn::load::dotenv::masked(&json.text) } else { json.text.clone() };
            let id = sources.add(name, shown);
            Ok((path.to_path_buf(), Read { id, text: json.text, json: json.value }))
        }
        Err(files::json::JsonError::Syntax { text, at, message, .. }) => {
            let mut diags = Diagnostics::new();
            let help = "pass the output of `aws cloudformation get-template` / `describe-stacks` as it is";
            let diagnostic = if values {
                let message = format!("{name}:{}:{}: not JSON: {message}", at.line, at.column);
                Diagnostic::error(Code::Adopt, None, message)
            } else {
                let id = sources.add(name.clone(), text);
                Diagnostic::error(Code::Adopt, Span::new(id, at.offset, 0), format!("`{name}` is not JSON: {message}"))
            };
            diags.push(diagnostic.with_help(help));
            report::diagnostics(&diags, sources, format, "adopt the stack");
            Err(ExitCode::from(1))
        }
        Err(files::json::JsonError::NotUtf8 { file, bytes }) => {
            // Placed as a compose file's bad byte is; a values file is shown masked.
            if let Err(bad) = compose_cfn::load::utf8_text(sources, &file, bytes, values) {
                report::diagnostics(&[*bad].into_iter().collect(), sources, format, "adopt the stack");
            }
            Err(ExitCode::from(2))
        }
        Err(e) => Err(report::usage_error(&e.to_string())),
    }
}
