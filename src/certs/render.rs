//! Human-readable output: certificate summaries as aligned fields. Diagnostics are rendered
//! as every command's are (`crate::diagnostic`).

use super::certificate::{Certificate, SignatureCheck};
use super::generate::SelfSigned;
use super::inspect::Inspection;
use super::when;
use std::fmt::Write;
use time::OffsetDateTime;

const LABEL_WIDTH: usize = 13;

fn field(out: &mut String, label: &str, value: &str) {
    let _ = writeln!(out, "{label:<LABEL_WIDTH$}{value}");
}

/// The fields every certificate summary shows, from names to fingerprint.
fn certificate_fields(out: &mut String, cert: &Certificate, now: OffsetDateTime) {
    field(out, "Certificate", cert.name());
    let domains = if cert.dns_names.is_empty() {
        "(none: the certificate has no DNS names)".to_string()
    } else {
        cert.dns_names.join(", ")
    };
    field(out, "Domains", &domains);
    field(out, "Issuer", &cert.issuer);
    let expiry = if now > cert.not_after { "Expired" } else { "Expires" };
    let relative = when::relative(now, cert.not_after);
    field(out, expiry, &format!("{relative} ({})", when::utc(cert.not_after)));
    field(out, "Valid from", &when::utc(cert.not_before));
    field(out, "Key type", &cert.public_key.key_type.to_string());
    field(out, "Self-signed", if cert.self_signed { "yes" } else { "no" });
    field(out, "Serial", &cert.serial);
    field(out, "SHA-256", &cert.sha256);
}

/// The report of `certs inspect`, for stdout; the diagnostics are rendered separately.
pub fn inspection(report: &Inspection, now: OffsetDateTime) -> String {
    let mut out = String::new();
    let Some(cert) = &report.certificate else {
        return out;
    };
    certificate_fields(&mut out, cert, now);
    field(&mut out, "File", &cert.file);
    let key = match (&report.key, report.key_matches) {
        (None, _) => match &report.key_file {
            Some(file) => format!("not checked ({file} could not be read as a private key)"),
            None => "not checked (pass --key KEY)".to_string(),
        },
        (Some(k), Some(true)) => format!("matches ({}, {} {})", k.file, k.format, k.key_type),
        (Some(k), Some(false)) => {
            format!("DOES NOT MATCH ({}, {} {})", k.file, k.format, k.key_type)
        }
        (Some(k), None) => format!("not checked ({}, {} {})", k.file, k.format, k.key_type),
    };
    field(&mut out, "Private key", &key);
    let count = report.chain.len();
    if count == 1 {
        let only = if cert.self_signed { "none (self-signed)" } else { "none given" };
        field(&mut out, "Chain", only);
        return out;
    }
    let summary = if report.chain_ordered {
        format!("{count} certificates, leaf first")
    } else {
        format!("{count} certificates that do not link up, as read")
    };
    field(&mut out, "Chain", &summary);
    let width = report.chain.iter().map(|c| c.name().len()).max().unwrap_or(0);
    for (i, c) in report.chain.iter().enumerate() {
        let mut notes = Vec::new();
        if i == 0 && report.chain_ordered {
            notes.push("leaf".to_string());
        }
        if c.self_signed {
            notes.push("self-signed".into());
        }
        if i > 0 && report.chain_ordered {
            notes.push(match report.links.get(i - 1) {
                Some(SignatureCheck::Verified) => format!("issued {i}, signature verified"),
                _ => format!("issued {i} by name, signature not checked"),
            });
        }
        let place = format!("{} #{}", c.file, c.index);
        let line = format!("  {}. {:<width$}  {place}  {}", i + 1, c.name(), notes.join(", "));
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

/// What `certs self-signed` prints after writing its two files.
pub fn self_signed(generated: &SelfSigned, cert_out: &str, key_out: &str, now: OffsetDateTime) -> String {
    let mut out = String::new();
    field(&mut out, "Wrote", &format!("{cert_out} (certificate)"));
    field(&mut out, "Wrote", &format!("{key_out} (private key, mode 0600; keep it private)"));
    certificate_fields(&mut out, &generated.certificate, now);
    out
}
