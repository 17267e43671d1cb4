//! The `ssl` workflows and `certs delete`: read a stack's https/tls listeners, apply a
//! certificate to one (an update of that parameter only, followed as a deploy is), and refuse
//! to delete a certificate a stack uses. Each step asks [`crate::deploy`] what to do.

use super::cfn::{self, Change};
use super::deploy::{Failed, Progress, seen_events, wait};
use super::{Clients, certs as aws_certs};
use crate::deploy::certs::{self as dc, CertInfo};
use crate::deploy::params;
use crate::deploy::stack::{self, LiveStack, StackAction, TlsTarget, Use};
use crate::diagnostic::{Code, Diagnostic};
use serde_json::Value;
use std::time::Duration;
use time::OffsetDateTime;

/// One row of `ssl`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SslRow {
    /// `service:port`.
    pub target: String,
    /// The certificate's ID (or ARN when it is not listed), if any.
    pub certificate: Option<String>,
    /// Its ARN.
    pub arn: Option<String>,
    /// Its domain.
    pub domain: Option<String>,
    /// Its expiry.
    #[serde(serialize_with = "dc::serialize_time")]
    pub expires: Option<OffsetDateTime>,
    /// True for the app's self-signed certificate.
    pub self_signed: bool,
}

/// The stack, its template and its TLS listeners; refuses a stack that does not exist.
async fn stack_targets(clients: &Clients, name: &str) -> Result<(LiveStack, Value, Vec<TlsTarget>), Failed> {
    let live =
        cfn::describe(&clients.cfn, name).await.map_err(|e| Failed::aws(e, "read the stack"))?.ok_or_else(|| {
            Failed::one(
                Diagnostic::error(Code::StackState, None, format!("there is no stack `{name}`"))
                    .with_help("deploy it first with `compose-cfn deploy --stack NAME`"),
                1,
            )
        })?;
    let template = cfn::template(&clients.cfn, name).await.map_err(|e| Failed::aws(e, "read the stack's template"))?;
    let targets = stack::tls_targets(&template, &live.parameters);
    Ok((live, template, targets))
}

/// `ssl`: one row per https/tls listener.
pub async fn ssl(clients: &Clients, name: &str) -> Result<Vec<SslRow>, Failed> {
    let (_, _, targets) = stack_targets(clients, name).await?;
    let listed = aws_certs::list(clients).await.map_err(|e| Failed::aws(e, "list certificates"))?;
    Ok(targets
        .into_iter()
        .map(|t| {
            let cert = t.arn.as_deref().and_then(|a| dc::find(&listed, a));
            SslRow {
                target: t.target,
                certificate: cert.map(|c| c.id.clone()).or(t.arn.clone()),
                arn: t.arn,
                domain: cert.and_then(|c| c.domain.clone()),
                expires: cert.and_then(|c| c.expires),
                self_signed: cert.is_some_and(|c| c.self_signed),
            }
        })
        .collect())
}

/// `ssl update`: checks the target and the certificate, then updates only that parameter.
pub async fn ssl_update(
    clients: &Clients,
    name: &str,
    target: &str,
    id: &str,
    now: OffsetDateTime,
    wait_for: Option<Duration>,
    progress: &mut dyn Progress,
) -> Result<Vec<Diagnostic>, Failed> {
    let Some((service, port)) = target.split_once(':').filter(|(s, p)| !s.is_empty() && p.parse::<u16>().is_ok())
    else {
        return Err(Failed::one(
            Diagnostic::error(Code::SslTarget, None, format!("`{target}`: expected SERVICE:PORT, e.g. web:443")),
            2,
        ));
    };
    let target = format!("{service}:{port}");
    let (live, template, targets) = stack_targets(clients, name).await?;
    stack::stack_action(name, Some(&live.status))
        .map_err(|r| Failed::one(Diagnostic::error(Code::StackState, None, r.message).with_help(r.help), 1))?;
    let known: Vec<&str> = targets.iter().map(|t| t.target.as_str()).collect();
    let Some(found) = targets.iter().find(|t| t.target == target) else {
        return Err(Failed::one(
            Diagnostic::error(Code::SslTarget, None, format!("stack `{name}` has no https/tls listener {target}"))
                .with_help(if known.is_empty() {
                    "the stack has no https/tls listener: label a port `convox.port.N.protocol=https` (or tls) and deploy".to_string()
                } else {
                    format!("its https/tls listeners: {}", known.join(", "))
                }),
            1,
        ));
    };
    let Some(parameter) = &found.parameter else {
        return Err(Failed::one(
            Diagnostic::error(Code::SslTarget, None, format!("{target}'s certificate is fixed in the template"))
                .with_help("compile with --certificate SERVICE:PORT=ARN and deploy instead"),
            1,
        ));
    };
    let listed = aws_certs::list(clients).await.map_err(|e| Failed::aws(e, "list certificates"))?;
    let Some(cert) = dc::find(&listed, id) else {
        return Err(Failed::one(
            Diagnostic::error(Code::CertificateNotFound, None, format!("no certificate `{id}`"))
                .with_help("`compose-cfn certs` lists the certificates"),
            1,
        ));
    };
    dc::check_usable(cert, now)
        .map_err(|why| Failed::one(Diagnostic::error(Code::CertificateUnusable, None, why), 1))?;
    let mut warnings = Vec::new();
    // The domains the listener already answers for, unless the certificate is the self-signed one.
    let current = found.arn.as_deref().and_then(|a| dc::find(&listed, a)).filter(|c| !c.self_signed);
    if let Some(current) = current {
        let missing = dc::uncovered(&cert.names, &current.names);
        if !missing.is_empty() {
            warnings.push(
                Diagnostic::warning(
                    Code::CertificateUnusable,
                    None,
                    format!(
                        "{} does not cover {}, which {target}'s current certificate covers",
                        cert.id,
                        missing.join(", ")
                    ),
                )
                .with_help("clients reaching the app by those names will see a certificate error"),
            );
        }
    }
    let values = params::change_one(&live.parameters, &params::defaults(&template), (parameter, &cert.arn));
    let app = live.tags.get(stack::APP_TAG).cloned().unwrap_or_default();
    let change = Change { name, template: None, values: &values, self_signed: None, app: &app };
    let seen = seen_events(clients, name, StackAction::Update).await;
    progress.note(&format!("Updating certificate of {target} to {}", cert.id));
    if !cfn::update(&clients.cfn, &change)
        .await
        .map_err(|e| Failed::aws_change(e, "update the stack", super::deploy::LOOK_AT_STACK))?
    {
        return Ok(warnings);
    }
    if let Some(timeout) = wait_for {
        wait(clients, name, seen, timeout, progress).await?;
    }
    Ok(warnings)
}

/// `certs delete`: refuses a certificate a stack of this tool uses, unless `force`.
pub async fn delete_certificate(clients: &Clients, id: &str, force: bool) -> Result<CertInfo, Failed> {
    let listed = aws_certs::list(clients).await.map_err(|e| Failed::aws(e, "list certificates"))?;
    let cert = dc::find(&listed, id).cloned().ok_or_else(|| {
        Failed::one(
            Diagnostic::error(Code::CertificateNotFound, None, format!("no certificate `{id}`"))
                .with_help("`compose-cfn certs` lists the certificates"),
            1,
        )
    })?;
    if !force {
        let stacks = cfn::our_stacks(&clients.cfn).await.map_err(|e| Failed::aws(e, "read the stacks"))?;
        let uses: Vec<Use> = stack::uses_of(&cert.arn, &stacks);
        if !uses.is_empty() {
            let places: Vec<String> = uses.iter().map(|u| format!("{} of stack {}", u.target, u.stack)).collect();
            return Err(Failed::one(
                Diagnostic::error(
                    Code::CertificateInUse,
                    None,
                    format!("{} is in use by {}", cert.id, places.join(", ")),
                )
                .with_help(format!(
                    "apply another certificate first (`compose-cfn ssl update --stack {} {} ID`), or give --force",
                    uses[0].stack, uses[0].target
                )),
                1,
            ));
        }
    }
    aws_certs::delete(clients, &cert)
        .await
        .map_err(|e| Failed::aws_change(e, "delete the certificate", super::deploy::LOOK_FOR_CERTIFICATE))?;
    Ok(cert)
}
