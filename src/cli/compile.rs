//! `compose-cfn compile`: compose files in, CloudFormation template out (stdout or `-o`).

use super::output::write_stdout_with;
use super::report;
use super::{DIAGNOSTIC_FORMATS, Format};
use clap::Args;
use compose_cfn::adopt;
use compose_cfn::diagnostic::{Code, Diagnostic};
use compose_cfn::files;
use compose_cfn::interpret::{CertificateBinding, Target};
use compose_cfn::load::{self, Environment, Input};
use compose_cfn::{Compilation, CompileOptions, compile};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The manifest to compile: files, or the default ones of the current directory, and the
/// options that shape the compilation (shared by `compile` and `plan`).
#[derive(Debug, Args)]
pub struct ManifestArgs {
    /// Compose files, merged in order; `-` reads standard input [default: docker-compose.yml (or compose.yaml, …) in the
    /// current directory, plus docker-compose.override.yml beside it]
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// A compose file (may be repeated; read after the positional files)
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    more_files: Vec<PathBuf>,
    #[command(flatten)]
    pub options: CompileFlags,
}

/// Options of a compilation besides its files (shared by `compile`, `plan` and `diff`).
#[derive(Clone, Debug, Args)]
pub struct CompileFlags {
    /// App name for tags and descriptions [default: the file's `name:`, else the first file's directory name]
    #[arg(long, value_parser = app_name)]
    app: Option<String>,
    /// Bind a certificate ARN to an https/tls listener, e.g. web:443=arn:aws:acm:…
    #[arg(long = "certificate", value_name = "SERVICE:PORT=ARN", value_parser = CertificateParser)]
    certificates: Vec<CertificateBinding>,
    /// Enable services of this profile (may be repeated; also read from COMPOSE_PROFILES)
    #[arg(long = "profile", value_name = "NAME")]
    profiles: Vec<String>,
    /// Balancer target: classic (one Classic ELB per service) or v2 (Application and Network
    /// Load Balancers) [default: the manifest's `x-compose-cfn: {balancer: …}`, else classic]
    #[arg(long, value_name = "TARGET", value_parser = balancer_target)]
    balancer: Option<Target>,
}

/// `--certificate` as clap reads it. clap's own message for a refused value quotes it
/// ("invalid value '…'"); this one does not, as a secret pasted where the ARN goes must not
/// reach the log (the binding's own errors quote nothing of it either).
#[derive(Clone)]
struct CertificateParser;

impl clap::builder::TypedValueParser for CertificateParser {
    type Value = CertificateBinding;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<CertificateBinding, clap::Error> {
        let refuse = |why: &str| {
            let message = format!("invalid value for '--certificate <SERVICE:PORT=ARN>' (not shown): {why}\n");
            clap::Error::raw(clap::error::ErrorKind::ValueValidation, message).with_cmd(cmd)
        };
        let text = value.to_str().ok_or_else(|| refuse("it is not UTF-8 text"))?;
        text.parse().map_err(|why: String| refuse(&why))
    }
}

/// `--balancer` as clap reads it.
fn balancer_target(name: &str) -> Result<Target, String> {
    Target::from_name(name).ok_or_else(|| format!("`{name}` is not a balancer target: use classic or v2"))
}

/// Arguments of `compile`.
#[derive(Debug, Args)]
pub struct CompileArgs {
    #[command(flatten)]
    manifest: ManifestArgs,
    /// Write the template here instead of stdout (only when compilation succeeds; `-` is stdout)
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,
    /// How diagnostics are printed on stderr
    #[arg(long, default_value = "human", value_parser = Format::accepting(DIAGNOSTIC_FORMATS))]
    format: Format,
    #[command(flatten)]
    adopt: super::adopt::AdoptArgs,
}

impl ManifestArgs {
    /// Finds and reads the files, then compiles them; `Err` holds the exit code of a usage error.
    ///
    /// Without file arguments, `COMPOSE_FILE` (paths joined by the path separator) names them,
    /// else the default file of the current directory and its override, as in Compose.
    pub fn compile(self) -> Result<Compilation, ExitCode> {
        let (paths, found) = manifest_paths(self.files.into_iter().chain(self.more_files).collect())?;
        let inputs = load::read_inputs(&paths).map_err(|e| report::usage_error(&e.to_string()))?;
        // `docker-compose.yml` has the parent "", which names no directory.
        let dir = paths[0]
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let env = Environment::from_pairs(std::env::vars());
        // Standard input has no directory to name the app after (`/dev/stdin` named it `dev`).
        let from_stdin = paths[0].as_os_str() == load::STDIN || paths[0].starts_with("/dev");
        let fallback = if from_stdin { String::new() } else { directory_name(&dir) };
        let dotenv = load::dotenv::read_file(&dir);
        report::note(&match &dotenv {
            load::dotenv::DotenvFile::Absent => format!("no `.env` in `{}`", dir.display()),
            load::dotenv::DotenvFile::Read { path, .. } => format!("reading variables from `{path}`"),
            load::dotenv::DotenvFile::Refused { path, .. } => format!("not reading `{path}`"),
        });
        let mut profiles = self.options.profiles.clone();
        profiles
            .extend(env.get("COMPOSE_PROFILES").into_iter().flat_map(|p| p.split(',')).map(|p| p.trim().to_string()));
        profiles.retain(|p| !p.is_empty());
        report::note(&match profiles.is_empty() {
            true => "no profile is active: services with `profiles:` are left out".to_string(),
            false => format!("active profiles: {}", profiles.join(", ")),
        });
        Ok(self.options.compile(inputs, &env, dotenv, fallback, found))
    }
}

/// The files of a manifest: those given, else `COMPOSE_FILE`'s, else the default file of the
/// current directory and its override (with the diagnostics of that search), as in Compose —
/// noted for `-v` in the order they are read. Shared by `compile`, `plan` and `diff -f`.
pub fn manifest_paths(given: Vec<PathBuf>) -> Result<(Vec<PathBuf>, Vec<Diagnostic>), ExitCode> {
    let mut paths = given;
    let mut found = Vec::new();
    let mut how = "given";
    if let Some(list) = std::env::var_os("COMPOSE_FILE").filter(|_| paths.is_empty()) {
        paths = std::env::split_paths(&list).filter(|p| !p.as_os_str().is_empty()).collect();
        how = "from COMPOSE_FILE";
    }
    if paths.is_empty() {
        let Some(discovered) = load::discover(Path::new(".")) else {
            return Err(report::usage_error(&format!(
                "no compose file given, and none of {} in the current directory",
                load::DEFAULT_FILES.join(", ")
            )));
        };
        paths =
            discovered.files.into_iter().map(|p| p.strip_prefix("./").map(Path::to_path_buf).unwrap_or(p)).collect();
        found = discovered.found;
        how = if paths.len() > 1 { "found here, the override merged over the first" } else { "found here" };
    }
    let shown: Vec<String> = paths.iter().map(|p| format!("`{}`", p.display())).collect();
    report::note(&format!("reading {} ({how}), in this order", shown.join(", then ")));
    Ok((paths, found))
}

/// `--app` as clap reads it: an invalid name is a usage error (exit 2) with a valid one to use.
fn app_name(name: &str) -> Result<String, String> {
    use compose_cfn::interpret::names;
    match names::app_name_problem(name) {
        None => Ok(name.to_string()),
        Some(problem) => Err(format!("{problem}; e.g. `--app {}`", names::suggest_app_name(name))),
    }
}

impl CompileFlags {
    /// Compiles `inputs` with these options, in `env` over `dotenv`; `fallback_app` names the
    /// app when nothing else does.
    pub fn compile(
        &self,
        inputs: Vec<Input>,
        env: &Environment,
        dotenv: load::dotenv::DotenvFile,
        fallback_app: String,
        mut found: Vec<Diagnostic>,
    ) -> Compilation {
        // Compose's COMPOSE_PROJECT_NAME names the project over `name:`, below `-p` (`--app`).
        let from_env = env.get("COMPOSE_PROJECT_NAME").filter(|n| !n.is_empty() && self.app.is_none());
        let app = match from_env.map(|n| (n, app_name(n))) {
            Some((_, Ok(name))) => Some(name),
            Some((written, Err(problem))) => {
                let problem = problem.replace("--app ", "COMPOSE_PROJECT_NAME=");
                found.push(Diagnostic::error(
                    Code::AppName,
                    None,
                    format!("COMPOSE_PROJECT_NAME `{written}`: {problem}"),
                ));
                None
            }
            None => self.app.clone(),
        };
        let options = CompileOptions {
            app,
            fallback_app,
            profiles: self.profiles.clone(),
            certificates: self.certificates.clone(),
            dotenv,
            levels: super::global::settings().levels.clone(),
            found,
            balancer: self.balancer,
            // Compose's project directory: the first file's (`env_file:` is read there).
            project_dir: inputs.first().filter(|i| i.path != load::STDIN_SHOWN).map(|i| {
                Path::new(&i.path)
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
            }),
        };
        compile(inputs, env, &options)
    }
}

impl CompileArgs {
    /// Compiles and writes the template; diagnostics go to stderr.
    pub fn run(self) -> ExitCode {
        report::set_format(self.format);
        let result = match self.manifest.compile() {
            Ok(result) => result,
            Err(code) => return code,
        };
        report::diagnostics(&result.diagnostics, &result.sources, self.format, "compile");
        let Some(template) = &result.template else {
            return ExitCode::from(1);
        };
        if let Some(refused) = output_over_input(self.output.as_deref(), &self.adopt, &result.sources) {
            return refused;
        }
        let code = if self.adopt.adopt.is_some() {
            // Adoption rewrites the template as JSON text; only this path holds it whole.
            match self.adopt.apply(&template.to_text(), result.plan.as_ref(), self.format) {
                Ok(Some((adopted, adoption))) => {
                    super::adopt::print_decisions(
                        &adoption,
                        self.adopt.adopt.as_deref().unwrap_or(Path::new("")),
                        self.format,
                    );
                    // Located in the manifest, so reported with its sources; `-D warnings`
                    // makes them errors that withhold the template like any other.
                    let warnings = super::global::settings()
                        .levels
                        .apply(adopt::env_precedence(&adoption, &result.env_overrides).into_iter().collect());
                    report::diagnostics(&warnings, &result.sources, self.format, "adopt the stack");
                    if warnings.has_errors() {
                        ExitCode::from(1)
                    } else {
                        write(&self.output, |w| w.write_all(adopted.as_bytes()))
                    }
                }
                Ok(None) => write(&self.output, |w| template.write_to(w)),
                Err(code) => code,
            }
        } else {
            // Serialized once, straight into the pipe or the temporary file: the text is never
            // held whole beside the typed template.
            write(&self.output, |w| template.write_to(w))
        };
        // The process ends here, and the OS takes its memory back at once; freeing the
        // compilation's millions of small allocations one by one would only add to a large
        // compile's time. Leaking on purpose, as many CLIs do at exit.
        std::mem::forget(result);
        code
    }
}

/// Refuses an `-o` that names a file the compilation read (a compose file, an `extends:` or
/// `env_file:` file, `.env`) or an `--adopt` file: the template would replace it.
fn output_over_input(
    output: Option<&Path>,
    adopt: &super::adopt::AdoptArgs,
    sources: &compose_cfn::source::Sources,
) -> Option<ExitCode> {
    let out = output.filter(|o| o.as_os_str() != load::STDIN)?;
    let input = sources
        .iter()
        .map(|s| s.path.as_str())
        .filter(|p| *p != load::STDIN_SHOWN && !p.starts_with("git:"))
        .map(Path::new)
        .chain(adopt.adopt.as_deref())
        .chain(adopt.adopt_parameters.as_deref())
        .find(|input| files::same_file(out, input))?;
    Some(report::usage_error(&format!(
        "cannot write `{}`: it is `{}`, which this command reads; give -o another file",
        out.display(),
        input.display()
    )))
}

/// Writes the template `content` writes to stdout, or to `output` (`-o`) through a temporary file.
fn write(output: &Option<PathBuf>, content: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> ExitCode {
    match output {
        Some(out) if out.as_os_str() != "-" => match files::write_file_with(out, 0o644, content) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => report::usage_error(&format!("cannot write `{}`: {e}", out.display())),
        },
        _ => write_stdout_with(content).err().unwrap_or(ExitCode::SUCCESS),
    }
}

/// The name of the directory holding the first file, as the default app name, as Convox
/// derived it (lower-cased, dots → hyphens).
pub fn directory_name(dir: &Path) -> String {
    std::fs::canonicalize(dir)
        .ok()
        .and_then(|d| d.file_name().map(|n| compose_cfn::interpret::names::app_from_directory(&n.to_string_lossy())))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "app".to_string())
}
