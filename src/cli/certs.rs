//! `compose-cfn certs …`: offline certificate inspection and generation; reads and writes the
//! files. The AWS subcommands (the listing, create, generate, delete) are in `aws_certs.rs`.
//!
//! A little past 400 lines: one argument type and one run per offline subcommand, the
//! subcommands sharing their output and failure paths.

use super::output::{stdout, write_stdout};
use super::report;
use super::{Format, INSPECT_FORMATS, REPORT_FORMATS};
use clap::{Args, Subcommand};
use compose_cfn::certs::{self, CertError, Input, KeyChoice, SelfSignedRequest};
use compose_cfn::diagnostic::{self, Code, Diagnostic, Diagnostics};
use compose_cfn::files;
use compose_cfn::source::Sources;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// `certs`: without a subcommand, the IAM and ACM certificates on AWS.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CertsArgs {
    #[command(subcommand)]
    command: Option<CertsCommand>,
    #[cfg(feature = "aws")]
    #[command(flatten)]
    list: super::aws_certs::ListArgs,
}

impl CertsArgs {
    /// Runs the subcommand, or lists the certificates on AWS.
    pub fn run(self) -> ExitCode {
        match self.command {
            Some(command) => command.run(),
            #[cfg(feature = "aws")]
            None => self.list.run(),
            #[cfg(not(feature = "aws"))]
            None => {
                super::report::usage_error("this build has no AWS commands: give a subcommand (inspect, self-signed)")
            }
        }
    }
}

/// Certificate subcommands.
#[derive(Debug, Subcommand)]
pub enum CertsCommand {
    /// Show what a certificate covers and whether its key and chain fit it.
    ///
    /// Checks what AWS checks on upload: PEM format, validity dates, key type and size,
    /// that the key belongs to the certificate, and that the chain links up. Exits 1 when
    /// any check fails, 2 when a file cannot be read.
    Inspect(InspectArgs),
    /// Generate a self-signed certificate and private key for DNS names.
    ///
    /// RSA 2048 by default, which every Classic ELB listener accepts. The key is written only
    /// to --key-out, with mode 0600, and never printed.
    SelfSigned(SelfSignedArgs),
    /// Upload a certificate and its key to IAM, after checking them as `inspect` does.
    ///
    /// It is named `cert-` and the start of its SHA-256 fingerprint (and of its chain's): the
    /// same certificate and chain uploaded again is found under that name and not sent twice.
    #[cfg(feature = "aws")]
    Create(super::aws_certs::CreateArgs),
    /// Request a certificate from ACM (free, renewed by AWS); prints DNS records with --validation dns.
    #[cfg(feature = "aws")]
    Generate(super::aws_certs::GenerateArgs),
    /// Delete a certificate from IAM or ACM; refused while a stack's listener uses it.
    #[cfg(feature = "aws")]
    Delete(super::aws_certs::DeleteArgs),
}

/// Arguments of `certs inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// PEM certificate; may also hold the intermediates, in any order.
    cert: PathBuf,
    /// PEM private key (PKCS#1, SEC1 or PKCS#8) to check against the certificate; also
    /// taken as a second argument, as `convox certs inspect CERT KEY` takes it.
    #[arg(long, value_name = "KEY")]
    key: Option<PathBuf>,
    #[arg(value_name = "KEY", conflicts_with = "key", hide = true)]
    key_positional: Option<PathBuf>,
    /// A domain the certificate must cover (may be repeated); a warning when it does not.
    #[arg(long = "domain", value_name = "NAME")]
    domains: Vec<String>,
    /// PEM file of intermediate certificates (in any order; an order other than AWS's is a warning).
    #[arg(long, value_name = "CHAIN")]
    chain: Option<PathBuf>,
    /// Write the site's certificate alone here, as ACM's `import-certificate --certificate`
    /// and IAM's `--certificate-body` take it (only when every check passes).
    #[arg(long, value_name = "FILE")]
    write_leaf: Option<PathBuf>,
    /// Write the chain here in the order ACM and IAM take for `--certificate-chain`: the
    /// leaf's issuer first, each certificate followed by its own issuer, without the leaf and
    /// without a self-signed root that clients already hold (only when every check passes).
    #[arg(long, value_name = "FILE")]
    write_chain: Option<PathBuf>,
    /// Output format: the report on stdout, and the findings on stderr for people or GitHub
    /// (JSON puts both in one object on stdout).
    #[arg(long, default_value = "human", value_parser = Format::accepting(INSPECT_FORMATS))]
    format: Format,
}

/// Arguments of `certs self-signed`.
#[derive(Debug, Args)]
pub struct SelfSignedArgs {
    /// DNS names to cover; the first is also the common name. `*.example.org` is allowed.
    #[arg(required = true, value_name = "DOMAIN")]
    domains: Vec<String>,
    /// Where to write the certificate (PEM).
    #[arg(long, value_name = "FILE")]
    cert_out: PathBuf,
    /// Where to write the private key (PEM, PKCS#8, mode 0600).
    #[arg(long, value_name = "FILE")]
    key_out: PathBuf,
    /// Lifetime in days.
    #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=36500))]
    days: u32,
    /// Use an ECDSA P-256 key instead of RSA 2048.
    #[arg(long)]
    ecdsa: bool,
    /// Replace existing output files.
    #[arg(long)]
    force: bool,
    /// Output format.
    #[arg(long, default_value = "human", value_parser = Format::accepting(REPORT_FORMATS))]
    format: Format,
}

impl CertsCommand {
    /// Runs the subcommand.
    pub fn run(self) -> ExitCode {
        let now = OffsetDateTime::now_utc();
        match self {
            CertsCommand::Inspect(args) => args.run(now),
            CertsCommand::SelfSigned(args) => args.run(now),
            #[cfg(feature = "aws")]
            CertsCommand::Create(args) => args.run(),
            #[cfg(feature = "aws")]
            CertsCommand::Generate(args) => args.run(),
            #[cfg(feature = "aws")]
            CertsCommand::Delete(args) => args.run(),
        }
    }
}

fn name(path: &Path) -> String {
    path.display().to_string()
}

/// Reads a whole file, up to [`certs::MAX_PEM_BYTES`]; zeroized on drop because it may be a
/// private key.
pub(super) fn read(path: &Path) -> Result<Zeroizing<Vec<u8>>, CertError> {
    files::read_file_capped(path, certs::MAX_PEM_BYTES).map(Zeroizing::new).map_err(|e| match e {
        files::ReadError::Io(source) => CertError::Read { file: name(path), source },
        files::ReadError::TooLarge { cap, .. } => CertError::TooLarge { file: name(path), cap },
    })
}

/// Pairs an optional file's name with its contents.
fn named<'a>(file: &'a Option<String>, bytes: &'a Option<Zeroizing<Vec<u8>>>) -> Option<Input<'a>> {
    file.as_deref().zip(bytes.as_deref()).map(|(file, bytes)| Input { file, bytes })
}

/// Prints errors that stopped a command before it had a report, and returns its exit code.
/// `what`: what could not be done, for the human report's last line.
pub(super) fn fail(format: Format, errors: &[CertError], what: &str) -> ExitCode {
    let diagnostics: Diagnostics = errors.iter().map(certs::error_diagnostic).collect();
    let code = ExitCode::from(errors.iter().map(CertError::exit_code).max().unwrap_or(1));
    match format {
        Format::Human | Format::Github | Format::Markdown => {
            report::diagnostics(&diagnostics, &Sources::new(), format, what);
            code
        }
        Format::Json => write_stdout(&json_text(&failure_json(&diagnostics))).map_or_else(|failed| failed, |()| code),
    }
}

/// The JSON object of a command that stopped: `ok` false and its diagnostics, in the JSON
/// form every command gives them.
fn failure_json(diagnostics: &Diagnostics) -> serde_json::Value {
    let sources = Sources::new();
    let list: Vec<_> = diagnostics.iter().map(|d| diagnostic::to_json(d, &sources)).collect();
    serde_json::json!({ "ok": false, "diagnostics": list })
}

/// A command line `certs inspect --format json` or `certs self-signed --format json` could
/// not be parsed: said in the JSON object those commands print, exit 2.
pub(super) fn usage_error(message: &str) -> ExitCode {
    let diagnostic = Diagnostic::error(Code::Usage, None, message)
        .with_help("`compose-cfn certs --help` lists the subcommands, and each one's --help its options");
    let json = failure_json(&Diagnostics::from_iter([diagnostic]));
    write_stdout(&json_text(&json)).map_or_else(|failed| failed, |()| ExitCode::from(2))
}

/// `value` as pretty JSON and a newline.
fn json_text(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("\"{e}\"")) + "\n"
}

impl InspectArgs {
    fn run(mut self, now: OffsetDateTime) -> ExitCode {
        self.key = self.key.take().or(self.key_positional.take());
        if let Err(e) = self.check_outputs() {
            return self.fail(&[e]);
        }
        let (cert_name, key_name, chain_name) =
            (name(&self.cert), self.key.as_deref().map(name), self.chain.as_deref().map(name));
        let cert = read(&self.cert);
        let key = self.key.as_deref().map(read).transpose();
        let chain = self.chain.as_deref().map(read).transpose();
        let (cert, key, chain) = match (cert, key, chain) {
            (Ok(cert), Ok(key), Ok(chain)) => (cert, key, chain),
            (cert, key, chain) => {
                let errors: Vec<CertError> = [cert.err(), key.err(), chain.err()].into_iter().flatten().collect();
                return self.fail(&errors);
            }
        };
        let report = certs::inspect(
            Input { file: &cert_name, bytes: &cert },
            named(&chain_name, &chain),
            named(&key_name, &key),
            now,
        )
        .with_domains(&self.domains)
        .with_levels(&super::global::settings().levels);
        let written = match self.write(&report) {
            Ok(written) => written,
            Err(e) => return self.fail(&[e]),
        };
        let printed = match self.format {
            Format::Human | Format::Github | Format::Markdown => {
                let mut text = certs::render::inspection(&report, now);
                let requested = self.write_leaf.is_some() || self.write_chain.is_some();
                text.push_str(&render_written(&written, requested));
                let printed = write_stdout(&text);
                // As every command prints them: `-q` keeps errors only, `--format github` places them.
                let diagnostics: Diagnostics = report.diagnostics.iter().cloned().collect();
                report::diagnostics(&diagnostics, &Sources::new(), self.format, "inspect the certificate");
                printed
            }
            Format::Json => {
                let mut json = serde_json::to_value(&report).unwrap_or_default();
                json["written"] = serde_json::json!(written.iter().map(|w| w.file.clone()).collect::<Vec<_>>());
                write_stdout(&json_text(&json))
            }
        };
        printed.map_or_else(|failed| failed, |()| ExitCode::from(report.exit_code()))
    }

    /// Prints errors that stopped the command, in its format.
    fn fail(&self, errors: &[CertError]) -> ExitCode {
        fail(self.format, errors, "inspect the certificate")
    }

    /// Refuses, before anything is read, outputs that would land on each other, on an input
    /// (writing the leaf over the bundle it came from, or over the key, loses that file) or on
    /// stdout, where the report goes.
    fn check_outputs(&self) -> Result<(), CertError> {
        let outputs = [("--write-leaf", &self.write_leaf), ("--write-chain", &self.write_chain)];
        let inputs = [("CERT", Some(&self.cert)), ("--key", self.key.as_ref()), ("--chain", self.chain.as_ref())];
        for (i, (flag, path)) in outputs.iter().enumerate() {
            let Some(path) = path else { continue };
            if path.as_os_str() == "-" {
                return Err(CertError::Write {
                    file: "-".into(),
                    source: io::Error::other(format!("{flag} takes a file name: the report is what goes to stdout")),
                });
            }
            let earlier = outputs[..i].iter().filter_map(|(f, p)| p.as_ref().map(|p| (*f, p)));
            let inputs = inputs.iter().filter_map(|(f, p)| p.map(|p| (*f, p)));
            if let Some((other, _)) = inputs.chain(earlier).find(|(_, other)| files::same_file(path, other)) {
                return Err(CertError::SameOutput { file: name(path), first: other, second: flag });
            }
        }
        Ok(())
    }

    /// Writes `--write-leaf` and `--write-chain`, both or neither, when every check passed.
    fn write(&self, report: &certs::Inspection) -> Result<Vec<Written<'_>>, CertError> {
        if self.write_leaf.is_none() && self.write_chain.is_none() || !report.ok {
            return Ok(Vec::new());
        }
        let (Some(leaf), Some(chain)) = (&report.certificate, report.chain_for_upload()) else {
            return Ok(Vec::new());
        };
        let leaf_pem = leaf.to_pem();
        let chain_pem: String = chain.iter().map(certs::Certificate::to_pem).collect();
        let mut written = Vec::new();
        if let Some(path) = &self.write_leaf {
            written.push(Written { path, file: name(path), pem: leaf_pem, count: 1 });
        }
        if let Some(path) = &self.write_chain {
            if chain.is_empty() {
                return Err(CertError::NoChain { file: name(path), leaf: leaf.name().to_string() });
            }
            written.push(Written { path, file: name(path), pem: chain_pem, count: chain.len() });
        }
        let outputs: Vec<files::Output<'_>> =
            written.iter().map(|w| files::Output { path: w.path, bytes: w.pem.as_bytes(), mode: 0o644 }).collect();
        files::write_files(&outputs, true).map_err(|(i, e)| write_error(outputs[i].path, e))?;
        Ok(written)
    }
}

/// A file `certs inspect` wrote.
struct Written<'a> {
    path: &'a Path,
    file: String,
    pem: String,
    count: usize,
}

/// The `Wrote` lines after the report, or why nothing was written.
fn render_written(written: &[Written<'_>], requested: bool) -> String {
    if requested && written.is_empty() {
        return "Wrote        nothing: a check failed\n".into();
    }
    written
        .iter()
        .map(|w| {
            let what = if w.count == 1 { "1 certificate".to_string() } else { format!("{} certificates", w.count) };
            format!("Wrote        {} ({what})\n", w.file)
        })
        .collect()
}

/// A failed write as the error `certs` reports.
fn write_error(path: &Path, e: files::WriteError) -> CertError {
    let file = name(path);
    match e {
        files::WriteError::Exists => CertError::Exists { file },
        files::WriteError::Io(source) => CertError::Write { file, source },
        other => CertError::Write { file, source: io::Error::other(other.to_string()) },
    }
}

impl SelfSignedArgs {
    fn run(self, now: OffsetDateTime) -> ExitCode {
        match self.generate(now) {
            Ok(code) => code,
            Err(e) => fail(self.format, &[e], "make the certificate"),
        }
    }

    fn generate(&self, now: OffsetDateTime) -> Result<ExitCode, CertError> {
        let (cert_out, key_out) = (name(&self.cert_out), name(&self.key_out));
        // Compared as files, not as text: `c.pem` and `./c.pem` put the key over the certificate.
        if files::same_file(&self.cert_out, &self.key_out) {
            return Err(CertError::SameOutput { file: cert_out, first: "--cert-out", second: "--key-out" });
        }
        if !self.force {
            for (path, file) in [(&self.cert_out, &cert_out), (&self.key_out, &key_out)] {
                if path.symlink_metadata().is_ok() {
                    return Err(CertError::Exists { file: file.clone() });
                }
            }
        }
        let request = SelfSignedRequest {
            domains: self.domains.clone(),
            days: self.days,
            key: if self.ecdsa { KeyChoice::EcdsaP256 } else { KeyChoice::Rsa2048 },
        };
        let generated = certs::self_signed(&request, now, &cert_out)?;
        // Both files or neither: a certificate left without its key made the next run refuse
        // because it "already exists".
        let outputs = [
            files::Output { path: &self.cert_out, bytes: generated.cert_pem.as_bytes(), mode: 0o644 },
            files::Output { path: &self.key_out, bytes: generated.key_pem.expose().as_bytes(), mode: 0o600 },
        ];
        files::write_files(&outputs, self.force).map_err(|(i, e)| write_error(outputs[i].path, e))?;
        Ok(match self.format {
            Format::Human | Format::Github | Format::Markdown => {
                stdout(&certs::render::self_signed(&generated, &cert_out, &key_out, now))
            }
            Format::Json => stdout(&json_text(&serde_json::json!({
                "ok": true,
                "cert_out": cert_out,
                "key_out": key_out,
                "certificate": generated.certificate,
                "expires": certs::relative(now, generated.certificate.not_after),
            }))),
        })
    }
}
