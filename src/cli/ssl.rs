//! `compose-cfn ssl`: the certificates on a stack's https/tls listeners, and `ssl update` to
//! apply another one (a stack update of that one parameter, so the next deploy keeps it).

use super::aws::{self, AwsArgs, Printer};
use super::{Format, LIST_FORMATS};
use clap::{Args, Subcommand};
use compose_cfn::aws::ssl as workflow;
use compose_cfn::certs::from_now;
use std::process::ExitCode;
use std::time::Duration;

/// Arguments of `ssl`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SslArgs {
    #[command(subcommand)]
    command: Option<SslCommand>,
    /// The stack
    #[arg(long, value_name = "NAME", required = true)]
    stack: Option<String>,
    /// How the listing is printed
    #[arg(long, default_value = "human", value_parser = Format::accepting(LIST_FORMATS))]
    format: Format,
    #[command(flatten)]
    aws: AwsArgs,
}

/// `ssl` subcommands.
#[derive(Debug, Subcommand)]
pub enum SslCommand {
    /// Apply a certificate (cert-…, acm-… or an ARN) to an https/tls listener, e.g. web:443.
    Update(UpdateArgs),
}

/// Arguments of `ssl update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The stack
    #[arg(long, value_name = "NAME")]
    stack: String,
    /// The listener, SERVICE:PORT
    #[arg(value_name = "SERVICE:PORT")]
    target: String,
    /// The certificate: cert-…, acm-… (see `compose-cfn certs`) or an ARN
    #[arg(value_name = "ID")]
    id: String,
    /// Start the update and return without waiting for it
    #[arg(long)]
    no_wait: bool,
    /// The longest wait for the stack, e.g. 30m
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = aws::parse_duration)]
    timeout: Duration,
    #[command(flatten)]
    aws: AwsArgs,
}

impl SslArgs {
    /// Lists the listeners' certificates, or runs `ssl update`.
    pub fn run(self) -> ExitCode {
        if let Some(SslCommand::Update(args)) = self.command {
            return args.run();
        }
        let stack = self.stack.unwrap_or_default();
        let rows = match aws::run(&self.aws, async |clients| workflow::ssl(clients, &stack).await) {
            Ok(rows) => rows,
            Err(failed) => return aws::fail(failed, self.format, "list the certificates of the stack"),
        };
        let now = time::OffsetDateTime::now_utc();
        aws::listing(self.format, &rows, |rows| {
            let mut table = vec![["TARGET", "CERTIFICATE", "DOMAIN", "EXPIRES"].map(String::from).to_vec()];
            for r in rows {
                let mut cert = r.certificate.clone().unwrap_or_else(|| "-".into());
                if r.self_signed {
                    cert.push_str(" (self-signed)");
                }
                table.push(vec![
                    r.target.clone(),
                    cert,
                    r.domain.clone().unwrap_or_else(|| "-".into()),
                    r.expires.map(|e| from_now(now, e)).unwrap_or_else(|| "-".into()),
                ]);
            }
            table
        })
    }
}

impl UpdateArgs {
    fn run(self) -> ExitCode {
        let now = time::OffsetDateTime::now_utc();
        let wait = (!self.no_wait).then_some(self.timeout);
        let mut printer = Printer::new();
        let result = aws::run(&self.aws, async |clients| {
            workflow::ssl_update(clients, &self.stack, &self.target, &self.id, now, wait, &mut printer).await
        });
        drop(printer);
        match result {
            Ok(warnings) => {
                aws::print(warnings, Format::Human, "update the certificate");
                super::output::stdout("Updating certificate... OK\n")
            }
            Err(failed) => aws::fail(failed, Format::Human, "update the certificate"),
        }
    }
}
