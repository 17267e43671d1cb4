//! IAM server certificates and ACM certificates: list them as [`CertInfo`], upload, request,
//! delete, and wait until IAM serves a new upload.

use super::{AwsError, from_sdk, to_time};
use crate::certs::Certificate;
use crate::deploy::certs::{CertInfo, CertSource, acm_id, self_signed_prefix, upload_name};
use crate::diagnostic::Code;
use aws_config::retry::RetryConfig;
use aws_sdk_acm::types::ValidationMethod;
use std::time::Duration;

/// Reads an IAM certificate's body for its names and dates: the listing's `Expiration`
/// alone gives no domain, and the body is what listeners serve.
async fn iam_info(iam: &aws_sdk_iam::Client, name: &str, arn: &str) -> Result<CertInfo, AwsError> {
    let out = iam.get_server_certificate().server_certificate_name(name).send().await.map_err(from_sdk)?;
    let body = out.server_certificate().map(|c| c.certificate_body()).unwrap_or_default();
    let parsed = crate::certs::read_certificates(name, body.as_bytes()).ok().and_then(|c| c.into_iter().next());
    let expires = match &parsed {
        Some(c) => Some(c.not_after),
        None => out
            .server_certificate()
            .and_then(|c| c.server_certificate_metadata())
            .and_then(|m| m.expiration())
            .and_then(to_time),
    };
    Ok(CertInfo {
        id: name.to_string(),
        arn: arn.to_string(),
        source: CertSource::Iam,
        domain: parsed.as_ref().and_then(|c| c.common_name.clone().or_else(|| c.dns_names.first().cloned())),
        names: parsed.map(|c| c.dns_names).unwrap_or_default(),
        expires,
        status: "ISSUED".into(),
        self_signed: name.starts_with("compose-cfn-") && name.contains("-self-signed-"),
    })
}

/// Every IAM server certificate, read in full.
pub async fn list_iam(iam: &aws_sdk_iam::Client) -> Result<Vec<CertInfo>, AwsError> {
    let mut names = Vec::new();
    let (mut marker, mut pages) = (None, super::Pages::default());
    loop {
        let out = iam.list_server_certificates().set_marker(marker).send().await.map_err(from_sdk)?;
        names.extend(
            out.server_certificate_metadata_list()
                .iter()
                .map(|m| (m.server_certificate_name().to_string(), m.arn().to_string())),
        );
        marker = pages.next(out.marker().filter(|_| out.is_truncated()), "list the IAM certificates")?;
        if marker.is_none() {
            break;
        }
    }
    let mut out = Vec::with_capacity(names.len());
    for (name, arn) in names {
        out.push(iam_info(iam, &name, &arn).await?);
    }
    Ok(out)
}

/// One ACM certificate, described.
async fn acm_info(acm: &aws_sdk_acm::Client, arn: &str) -> Result<CertInfo, AwsError> {
    let out = acm.describe_certificate().certificate_arn(arn).send().await.map_err(from_sdk)?;
    let c = out.certificate();
    Ok(CertInfo {
        id: acm_id(arn),
        arn: arn.to_string(),
        source: CertSource::Acm,
        domain: c.and_then(|c| c.domain_name()).map(String::from),
        names: c.map(|c| c.subject_alternative_names().to_vec()).unwrap_or_default(),
        expires: c.and_then(|c| c.not_after()).and_then(to_time),
        status: c.and_then(|c| c.status()).map(|s| s.as_str().to_string()).unwrap_or_default(),
        self_signed: false,
    })
}

/// Every ACM certificate, described.
pub async fn list_acm(acm: &aws_sdk_acm::Client) -> Result<Vec<CertInfo>, AwsError> {
    let mut arns = Vec::new();
    let (mut token, mut pages) = (None, super::Pages::default());
    loop {
        let out = acm.list_certificates().set_next_token(token).send().await.map_err(from_sdk)?;
        arns.extend(out.certificate_summary_list().iter().filter_map(|s| s.certificate_arn().map(String::from)));
        token = pages.next(out.next_token(), "list the ACM certificates")?;
        if token.is_none() {
            break;
        }
    }
    let mut out = Vec::with_capacity(arns.len());
    for arn in arns {
        out.push(acm_info(acm, &arn).await?);
    }
    Ok(out)
}

/// IAM then ACM certificates, each sorted by ID.
pub async fn list(clients: &super::Clients) -> Result<Vec<CertInfo>, AwsError> {
    let mut iam = list_iam(&clients.iam).await?;
    iam.sort_by(|a, b| a.id.cmp(&b.id));
    let mut acm = list_acm(&clients.acm).await?;
    acm.sort_by(|a, b| a.id.cmp(&b.id));
    iam.extend(acm);
    Ok(iam)
}

/// The app's self-signed certificates only (no ACM calls).
pub async fn list_self_signed(iam: &aws_sdk_iam::Client, app: &str) -> Result<Vec<CertInfo>, AwsError> {
    let prefix = self_signed_prefix(app);
    Ok(list_iam(iam).await?.into_iter().filter(|c| c.id.starts_with(&prefix)).collect())
}

/// Uploads a server certificate to IAM; returns its ARN. The key goes to IAM and nowhere else.
pub async fn upload(
    iam: &aws_sdk_iam::Client,
    name: &str,
    body: &str,
    key: &str,
    chain: Option<&str>,
) -> Result<String, AwsError> {
    let out = iam
        .upload_server_certificate()
        .server_certificate_name(name)
        .certificate_body(body)
        .private_key(key)
        .set_certificate_chain(chain.map(String::from))
        // Not retried: a retry of an upload that reached IAM fails on its own name, and the
        // first answer is the one to report.
        .customize()
        .config_override(aws_sdk_iam::config::Builder::default().retry_config(RetryConfig::disabled()))
        .send()
        .await
        .map_err(from_sdk)?;
    Ok(out.server_certificate_metadata().map(|m| m.arn().to_string()).unwrap_or_default())
}

/// What [`upload_once`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Uploaded {
    /// The certificate was uploaded now.
    Now,
    /// IAM held it under its name already, with the same chain: nothing was sent.
    Before,
}

/// Uploads `leaf` with its `chain` (intermediates, leaf-first) under `name`, which
/// [`upload_name`] derives from them, unless IAM holds them there already. IAM names are
/// unique and AWS refuses a second upload under one, so the same certificate uploaded twice
/// is found and said ([`Uploaded::Before`]), not failed; a name holding something else (made
/// by hand, or a fingerprint prefix shared by chance) is refused with what to do.
pub async fn upload_once(
    iam: &aws_sdk_iam::Client,
    name: &str,
    leaf: &Certificate,
    chain: &[Certificate],
    key: &str,
) -> Result<Uploaded, AwsError> {
    if held_as(iam, name).await?.is_some() {
        return same_or_refused(iam, name).await;
    }
    let intermediates: String = chain.iter().map(Certificate::to_pem).collect();
    match upload(iam, name, &leaf.to_pem(), key, (!chain.is_empty()).then_some(&intermediates)).await {
        Ok(_) => Ok(Uploaded::Now),
        // Another run uploaded it between the look and the upload.
        Err(e) if e.aws_code.as_deref() == Some("EntityAlreadyExists") => same_or_refused(iam, name).await,
        Err(e) => Err(e),
    }
}

/// The name [`upload_name`] gives what IAM holds under `name`, or `None` when it holds nothing.
async fn held_as(iam: &aws_sdk_iam::Client, name: &str) -> Result<Option<String>, AwsError> {
    let out = match iam.get_server_certificate().server_certificate_name(name).send().await.map_err(from_sdk) {
        Ok(out) => out,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e),
    };
    let held = out.server_certificate();
    let read = |text: &str| crate::certs::read_certificates(name, text.as_bytes()).unwrap_or_default();
    let leaf = held.map(|c| read(c.certificate_body())).unwrap_or_default();
    let chain = held.and_then(|c| c.certificate_chain()).map(read).unwrap_or_default();
    // Something unreadable is held: a name no upload of this tool gives it.
    Ok(Some(leaf.first().map_or_else(String::new, |leaf| upload_name(leaf, &chain))))
}

/// [`Uploaded::Before`] when IAM holds under `name` what that name is derived from.
async fn same_or_refused(iam: &aws_sdk_iam::Client, name: &str) -> Result<Uploaded, AwsError> {
    match held_as(iam, name).await? {
        Some(held) if held == name => Ok(Uploaded::Before),
        _ => Err(AwsError {
            code: Code::AwsRequest,
            aws_code: Some("EntityAlreadyExists".into()),
            message: format!(
                "IAM holds another certificate under the name {name}: delete it (`compose-cfn certs delete {name}`) if it is not in use, then upload again"
            ),
            unanswered: false,
        }),
    }
}

/// Waits until IAM has served the certificate three reads in a row: a new upload is not
/// visible everywhere at once, and a listener given it too early fails (Convox did the same).
pub async fn wait_served(iam: &aws_sdk_iam::Client, name: &str, deadline: std::time::Instant) -> Result<(), AwsError> {
    let mut in_a_row = 0;
    while in_a_row < 3 {
        if std::time::Instant::now() > deadline {
            return Err(AwsError::new(Code::AwsTimeout, format!("IAM did not serve certificate {name} in time")));
        }
        match iam.get_server_certificate().server_certificate_name(name).send().await.map_err(from_sdk) {
            Ok(_) => in_a_row += 1,
            Err(e) if e.is_not_found() => in_a_row = 0,
            Err(e) => return Err(e),
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    Ok(())
}

/// Asks ACM for a certificate; returns its ARN.
pub async fn request(acm: &aws_sdk_acm::Client, domains: &[String], dns: bool) -> Result<String, AwsError> {
    let out = acm
        .request_certificate()
        .domain_name(&domains[0])
        .set_subject_alternative_names((domains.len() > 1).then(|| domains.to_vec()))
        .validation_method(if dns { ValidationMethod::Dns } else { ValidationMethod::Email })
        .send()
        .await
        .map_err(from_sdk)?;
    Ok(out.certificate_arn().unwrap_or_default().to_string())
}

/// The DNS records ACM wants for validation: (name, type, value).
pub async fn dns_records(acm: &aws_sdk_acm::Client, arn: &str) -> Result<Vec<(String, String, String)>, AwsError> {
    let out = acm.describe_certificate().certificate_arn(arn).send().await.map_err(from_sdk)?;
    Ok(out
        .certificate()
        .map(|c| c.domain_validation_options())
        .unwrap_or_default()
        .iter()
        .filter_map(|o| o.resource_record())
        .map(|r| (r.name().to_string(), r.r#type().as_str().to_string(), r.value().to_string()))
        .collect())
}

/// Deletes a certificate from where it lives.
pub async fn delete(clients: &super::Clients, cert: &CertInfo) -> Result<(), AwsError> {
    match cert.source {
        CertSource::Iam => {
            clients.iam.delete_server_certificate().server_certificate_name(&cert.id).send().await.map_err(from_sdk)?;
        }
        CertSource::Acm => {
            clients.acm.delete_certificate().certificate_arn(&cert.arn).send().await.map_err(from_sdk)?;
        }
    }
    Ok(())
}
