//! `compose-cfn certs …`: offline certificate inspection and generation; reads and writes the
//! files. The AWS subcommands (the listing, create, generate, delete) are in `aws_certs.rs`.

use clap::{Args, Subcommand, ValueEnum};
use compose_cfn::certs::{self, CertError, Diagnostic, Input, KeyChoice, SelfSignedRequest};
use std::fs;
use std::io::{self, Write};
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
    #[cfg(feature = "aws")]
    Create(super::aws_certs::CreateArgs),
    /// Request a certificate from ACM (free, renewed by AWS); prints DNS records with --validation dns.
    #[cfg(feature = "aws")]
    Generate(super::aws_certs::GenerateArgs),
    /// Delete a certificate from IAM or ACM; refused while a stack's listener uses it.
    #[cfg(feature = "aws")]
    Delete(super::aws_certs::DeleteArgs),
}

/// How to print results.
#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum Format {
    /// Aligned fields on stdout; errors and warnings on stderr.
    #[default]
    Human,
    /// One JSON object on stdout.
    Json,
}

/// Arguments of `certs inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// PEM certificate; may also hold the intermediates, in any order.
    cert: PathBuf,
    /// PEM private key (PKCS#1, SEC1 or PKCS#8) to check against the certificate.
    #[arg(long, value_name = "KEY")]
    key: Option<PathBuf>,
    /// PEM file of intermediate certificates, in any order.
    #[arg(long, value_name = "CHAIN")]
    chain: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
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
    #[arg(long, value_enum, default_value_t)]
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

/// Reads a whole file; zeroized on drop because it may be a private key.
fn read(path: &Path) -> Result<Zeroizing<Vec<u8>>, CertError> {
    fs::read(path).map(Zeroizing::new).map_err(|source| CertError::Read { file: name(path), source })
}

/// Pairs an optional file's name with its contents.
fn named<'a>(file: &'a Option<String>, bytes: &'a Option<Zeroizing<Vec<u8>>>) -> Option<Input<'a>> {
    file.as_deref().zip(bytes.as_deref()).map(|(file, bytes)| Input { file, bytes })
}

/// Prints errors that stopped a command before it had a report, and returns its exit code.
fn fail(format: Format, errors: &[CertError]) -> ExitCode {
    let diagnostics: Vec<Diagnostic> = errors.iter().map(Diagnostic::from).collect();
    match format {
        Format::Human => eprint!("{}", certs::render::diagnostics(&diagnostics)),
        Format::Json => print_json(&serde_json::json!({ "ok": false, "diagnostics": diagnostics })),
    }
    ExitCode::from(errors.iter().map(CertError::exit_code).max().unwrap_or(1))
}

fn print_json(value: &serde_json::Value) {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("\"{e}\""));
    println!("{text}");
}

impl InspectArgs {
    fn run(self, now: OffsetDateTime) -> ExitCode {
        let (cert_name, key_name, chain_name) =
            (name(&self.cert), self.key.as_deref().map(name), self.chain.as_deref().map(name));
        let cert = read(&self.cert);
        let key = self.key.as_deref().map(read).transpose();
        let chain = self.chain.as_deref().map(read).transpose();
        let (cert, key, chain) = match (cert, key, chain) {
            (Ok(cert), Ok(key), Ok(chain)) => (cert, key, chain),
            (cert, key, chain) => {
                let errors: Vec<CertError> = [cert.err(), key.err(), chain.err()].into_iter().flatten().collect();
                return fail(self.format, &errors);
            }
        };
        let report = certs::inspect(
            Input { file: &cert_name, bytes: &cert },
            named(&chain_name, &chain),
            named(&key_name, &key),
            now,
        );
        match self.format {
            Format::Human => {
                print!("{}", certs::render::inspection(&report, now));
                let _ = io::stdout().flush();
                eprint!("{}", certs::render::diagnostics(&report.diagnostics));
            }
            Format::Json => print_json(&serde_json::to_value(&report).unwrap_or_default()),
        }
        ExitCode::from(report.exit_code())
    }
}

impl SelfSignedArgs {
    fn run(self, now: OffsetDateTime) -> ExitCode {
        match self.generate(now) {
            Ok(code) => code,
            Err(e) => fail(self.format, &[e]),
        }
    }

    fn generate(&self, now: OffsetDateTime) -> Result<ExitCode, CertError> {
        let (cert_out, key_out) = (name(&self.cert_out), name(&self.key_out));
        if self.cert_out == self.key_out {
            return Err(CertError::SameOutput { file: cert_out });
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
        write_new(&self.cert_out, generated.cert_pem.as_bytes(), 0o644, self.force)?;
        write_new(&self.key_out, generated.key_pem.expose().as_bytes(), 0o600, self.force)?;
        match self.format {
            Format::Human => print!("{}", certs::render::self_signed(&generated, &cert_out, &key_out, now)),
            Format::Json => print_json(&serde_json::json!({
                "ok": true,
                "cert_out": cert_out,
                "key_out": key_out,
                "certificate": generated.certificate,
                "expires": certs::relative(now, generated.certificate.not_after),
            })),
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// Creates `path` with `mode` (on unix) and writes `bytes`. With `replace`, an existing file
/// is removed first rather than truncated, so that the new file never inherits looser
/// permissions or follows a symlink planted where the key goes.
fn write_new(path: &Path, bytes: &[u8], mode: u32, replace: bool) -> Result<(), CertError> {
    let error = |source| CertError::Write { file: name(path), source };
    if replace {
        match fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(error(e)),
            _ => {}
        }
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(|e| match e.kind() {
        io::ErrorKind::AlreadyExists => CertError::Exists { file: name(path) },
        _ => error(e),
    })?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(error)
}
