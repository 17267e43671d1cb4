//! `compose-cfn certs` on AWS: list IAM and ACM certificates, upload one (checked locally
//! first), request one from ACM, delete one that no stack uses.

use super::aws::{self, AwsArgs};
use super::output::stderr;
use super::{Format, LIST_FORMATS};
use clap::{Args, ValueEnum};
use compose_cfn::aws::certs as aws_certs;
use compose_cfn::aws::deploy::Failed;
use compose_cfn::aws::ssl as workflow;
use compose_cfn::certs::{self, CertError, Input, from_now};
use compose_cfn::deploy::certs::{acm_id, upload_name};
use compose_cfn::diagnostic::{self, Code, Diagnostic, Diagnostics};
use compose_cfn::source::Sources;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zeroize::Zeroizing;

/// Arguments of `certs` without a subcommand: the listing.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// How the listing is printed
    #[arg(long, default_value = "human", value_parser = Format::accepting(LIST_FORMATS))]
    format: Format,
    #[command(flatten)]
    aws: AwsArgs,
}

/// Arguments of `certs create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The certificate (PEM); may also hold the intermediates
    #[arg(value_name = "PUB")]
    cert: PathBuf,
    /// Its private key (PEM); sent to IAM only, never printed or written
    #[arg(value_name = "KEY")]
    key: PathBuf,
    /// Intermediate certificates (PEM), in any order: they are uploaded leaf-first, as AWS needs, and a
    /// self-signed root at the end is left out
    #[arg(long, value_name = "FILE")]
    chain: Option<PathBuf>,
    #[command(flatten)]
    aws: AwsArgs,
}

/// How ACM validates a requested certificate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Validation {
    /// An e-mail to the domain's contacts.
    #[default]
    Email,
    /// DNS records to create (printed).
    Dns,
}

/// Arguments of `certs generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Domains to cover; the first is the main one
    #[arg(required = true, value_name = "DOMAIN")]
    domains: Vec<String>,
    /// How ACM checks that the domains are yours
    #[arg(long, value_enum, default_value_t)]
    validation: Validation,
    #[command(flatten)]
    aws: AwsArgs,
}

/// Arguments of `certs delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The certificate: cert-…, acm-… or an ARN
    #[arg(value_name = "ID")]
    id: String,
    /// Delete it even if a stack's listener uses it
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    aws: AwsArgs,
}

impl ListArgs {
    /// `certs`: `ID DOMAIN EXPIRES`.
    pub fn run(self) -> ExitCode {
        let listed = match aws::run(&self.aws, async |clients| {
            aws_certs::list(clients).await.map_err(|e| Failed::aws(e, "list certificates"))
        }) {
            Ok(l) => l,
            Err(failed) => return aws::fail(failed, self.format, "list certificates"),
        };
        let now = time::OffsetDateTime::now_utc();
        aws::listing(self.format, &listed, |listed| {
            let mut rows = vec![["ID", "DOMAIN", "EXPIRES"].map(String::from).to_vec()];
            rows.extend(listed.iter().map(|c| {
                let expires = match (c.expires, c.status.as_str()) {
                    (_, s) if s != "ISSUED" => s.to_ascii_lowercase().replace('_', " "),
                    (Some(e), _) => from_now(now, e),
                    (None, _) => "-".into(),
                };
                vec![c.id.clone(), c.domain.clone().unwrap_or_else(|| "-".into()), expires]
            }));
            rows
        })
    }
}

impl CreateArgs {
    /// `certs create`: checks locally, then uploads to IAM.
    pub fn run(self) -> ExitCode {
        let now = time::OffsetDateTime::now_utc();
        let read = |p: &Path| super::certs::read(p);
        let (cert, key, chain) = match (read(&self.cert), read(&self.key), self.chain.as_deref().map(read).transpose())
        {
            (Ok(c), Ok(k), Ok(ch)) => (c, k, ch),
            (c, k, ch) => {
                let errors: Vec<CertError> = [c.err(), k.err(), ch.err()].into_iter().flatten().collect();
                return super::certs::fail(super::Format::Human, &errors, "upload the certificate");
            }
        };
        let (cert_name, key_name) = (self.cert.display().to_string(), self.key.display().to_string());
        let chain_name = self.chain.as_ref().map(|c| c.display().to_string());
        let report = certs::inspect(
            Input { file: &cert_name, bytes: &cert },
            chain_name.as_deref().zip(chain.as_deref()).map(|(file, bytes)| Input { file, bytes }),
            Some(Input { file: &key_name, bytes: &key }),
            now,
        );
        let diagnostics: Diagnostics = report.diagnostics.iter().cloned().collect();
        stderr(&diagnostic::render_human(&diagnostics, &Sources::new(), true));
        if !report.ok || report.chain.is_empty() {
            stderr(
                "error: the certificate was not uploaded: fix the errors above (`compose-cfn certs inspect` shows more)\n",
            );
            return ExitCode::from(1);
        }
        // The chain `certs inspect --write-chain` writes: the intermediates, leaf-first,
        // without a self-signed root at the end (ACM and IAM want the path to the root, not
        // the root clients already hold).
        let Some(issuers) = report.chain_for_upload() else {
            stderr(
                "error: the certificate was not uploaded: its chain does not link up (`compose-cfn certs inspect` shows why)\n",
            );
            return ExitCode::from(1);
        };
        if let Some(root) = report.chain[1..].get(issuers.len()) {
            stderr(&format!(
                "note: the self-signed root `{}` is not uploaded: AWS wants the intermediates only, and clients hold their own roots\n",
                compose_cfn::escape::terminal(root.name(), false)
            ));
        }
        // Sent as it was read: PEM is ASCII, and a byte that is not UTF-8 (outside the key's
        // block, or `inspect` would have refused it) would reach IAM as a replacement character.
        let key_text = match std::str::from_utf8(&key) {
            Ok(text) => Zeroizing::new(text.to_string()),
            Err(e) => {
                let detail = format!("byte {} is not UTF-8 text, and PEM files are ASCII", e.valid_up_to());
                let error = CertError::BadPem { file: key_name.clone(), detail };
                return super::certs::fail(super::Format::Human, &[error], "upload the certificate");
            }
        };
        let leaf = &report.chain[0];
        let name = upload_name(leaf, issuers);
        let result = aws::run(&self.aws, async |clients| {
            aws_certs::upload_once(&clients.iam, &name, leaf, issuers, &key_text).await.map_err(|e| {
                Failed::aws_change(e, "upload the certificate", compose_cfn::aws::deploy::LOOK_FOR_CERTIFICATE)
            })
        });
        let said = result.map(|uploaded| match uploaded {
            aws_certs::Uploaded::Now => format!("OK, {name}\n"),
            aws_certs::Uploaded::Before => format!("OK, {name} (uploaded before: the same certificate and chain)\n"),
        });
        aws::step("Uploading certificate", said, "upload the certificate")
    }
}

impl GenerateArgs {
    /// `certs generate`: an ACM request.
    pub fn run(self) -> ExitCode {
        for d in &self.domains {
            if let Err(e) = certs::validate_domain(d) {
                return aws::fail(
                    Failed { diagnostics: vec![Diagnostic::error(Code::Certificate, None, e.to_string())], exit: 2 },
                    Format::Human,
                    "request the certificate",
                );
            }
        }
        let dns = self.validation == Validation::Dns;
        let result = aws::run(&self.aws, async |clients| {
            let arn = aws_certs::request(&clients.acm, &self.domains, dns)
                .await
                .map_err(|e| Failed::aws(e, "request the certificate"))?;
            let records = if dns {
                aws_certs::dns_records(&clients.acm, &arn).await.map_err(|e| Failed::aws(e, "read the DNS records"))?
            } else {
                Vec::new()
            };
            Ok((arn, records))
        });
        let text = result.map(|(arn, records)| {
            let mut text = format!("OK, {}\n", acm_id(&arn));
            if dns {
                text.push_str("Create these DNS records to validate it:\n");
                let mut rows = vec![["NAME", "TYPE", "VALUE"].map(String::from).to_vec()];
                rows.extend(records.into_iter().map(|(n, t, v)| vec![n, t, v]));
                text.push_str(&aws::table(&rows));
            } else {
                text.push_str("Approve the e-mail sent to the domain's contacts to activate it.\n");
            }
            text
        });
        aws::step("Requesting certificate", text, "request the certificate")
    }
}

impl DeleteArgs {
    /// `certs delete`: refuses a certificate in use unless `--force`.
    pub fn run(self) -> ExitCode {
        let result =
            aws::run(&self.aws, async |clients| workflow::delete_certificate(clients, &self.id, self.force).await);
        aws::step("Removing certificate", result.map(|_| "OK\n".to_string()), "delete the certificate")
    }
}
