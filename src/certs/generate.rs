//! Self-signed certificates for load balancers: RSA-2048 by default, ECDSA P-256 on request.

use super::certificate::{Certificate, parse_certificate};
use super::error::CertError;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, SanType,
    SerialNumber,
};
use std::fmt;
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

/// The key algorithm of a generated certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyChoice {
    /// RSA 2048: every Classic ELB listener and client takes it.
    #[default]
    Rsa2048,
    /// ECDSA on P-256: smaller and faster, for clients known to support it.
    EcdsaP256,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct SelfSignedRequest {
    /// DNS names; the first is also the common name.
    pub domains: Vec<String>,
    /// Lifetime in days from now.
    pub days: u32,
    /// Key algorithm.
    pub key: KeyChoice,
}

/// A private key in PEM, kept out of `Debug` output and zeroized on drop.
pub struct SecretPem(Zeroizing<String>);

impl SecretPem {
    /// The PEM text, to be written to the file the user named and nowhere else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretPem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretPem(<redacted>)")
    }
}

/// A generated certificate, its key, and the certificate read back for reporting.
#[derive(Debug)]
pub struct SelfSigned {
    /// The certificate in PEM.
    pub cert_pem: String,
    /// The PKCS#8 private key in PEM.
    pub key_pem: SecretPem,
    /// The certificate as [`parse_certificate`] reads it, with the file name `cert_file`.
    pub certificate: Certificate,
}

/// Validity starts this long before `now`, so that a machine clock a little ahead of AWS's
/// does not produce a certificate that AWS calls not yet valid.
const BACKDATE: Duration = Duration::hours(1);

/// Generates a self-signed server certificate for `request.domains`, valid from about `now`.
/// `cert_file` only names the certificate in the returned [`Certificate`].
pub fn self_signed(request: &SelfSignedRequest, now: OffsetDateTime, cert_file: &str) -> Result<SelfSigned, CertError> {
    let first = request.domains.first().ok_or_else(|| CertError::InvalidDomain {
        domain: String::new(),
        reason: "at least one domain is needed".into(),
    })?;
    let mut names = Vec::with_capacity(request.domains.len());
    for domain in &request.domains {
        validate_domain(domain)?;
        let ia5 = domain
            .as_str()
            .try_into()
            .map_err(|e: rcgen::Error| CertError::InvalidDomain { domain: domain.clone(), reason: e.to_string() })?;
        names.push(SanType::DnsName(ia5));
    }
    let generate_error = |e: rcgen::Error| CertError::Generate { detail: e.to_string() };
    let (algorithm, key_usages) = match request.key {
        KeyChoice::Rsa2048 => {
            (&rcgen::PKCS_RSA_SHA256, vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment])
        }
        KeyChoice::EcdsaP256 => (&rcgen::PKCS_ECDSA_P256_SHA256, vec![KeyUsagePurpose::DigitalSignature]),
    };
    let key = KeyPair::generate_for(algorithm).map_err(generate_error)?;

    let mut params = CertificateParams::default();
    let mut subject = DistinguishedName::new();
    subject.push(DnType::CommonName, first.as_str());
    params.distinguished_name = subject;
    params.subject_alt_names = names;
    let start = now.replace_nanosecond(0).unwrap_or(now) - BACKDATE;
    params.not_before = start;
    params.not_after = start + BACKDATE + Duration::days(i64::from(request.days));
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = key_usages;
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    // Browsers (Firefox) refuse two certificates with the same issuer and serial, which
    // regenerating for the same domain would otherwise produce.
    params.serial_number = Some(random_serial()?);
    let cert = params.self_signed(&key).map_err(generate_error)?;

    let certificate = parse_certificate(cert_file, 1, cert.der())?;
    Ok(SelfSigned { cert_pem: cert.pem(), key_pem: SecretPem(Zeroizing::new(key.serialize_pem())), certificate })
}

fn random_serial() -> Result<SerialNumber, CertError> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| CertError::Generate { detail: "no random numbers".into() })?;
    bytes[0] &= 0x7f; // serials are positive
    bytes[0] |= 0x01; // and keep their full length
    Ok(SerialNumber::from_slice(&bytes))
}

/// Accepts host names and one leading wildcard label, as certificate authorities do.
pub fn validate_domain(domain: &str) -> Result<(), CertError> {
    let invalid = |reason: &str| Err(CertError::InvalidDomain { domain: domain.into(), reason: reason.into() });
    let host = domain.strip_prefix("*.").unwrap_or(domain);
    if host.is_empty() {
        return invalid("it is empty");
    }
    if domain.len() > 253 {
        return invalid("it is longer than 253 characters");
    }
    if host.parse::<std::net::IpAddr>().is_ok() {
        return invalid("it is an IP address; load balancers are reached by name");
    }
    for label in host.split('.') {
        if label.is_empty() {
            return invalid("it has an empty label (two dots, or a dot at an end)");
        }
        if label.len() > 63 {
            return invalid("a label is longer than 63 characters");
        }
        if !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return invalid("only letters, digits, hyphens and a leading `*.` are allowed");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return invalid("a label starts or ends with a hyphen");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_checked_like_a_certificate_authority_would() {
        for ok in ["example.org", "*.example.org", "a-b.example", "localhost", "xn--bcher-kva.ch"] {
            assert!(validate_domain(ok).is_ok(), "{ok}");
        }
        for bad in ["", "*.", "a..b", "exa mple.org", "-a.org", "a-.org", "a.*.org", "10.0.0.1"] {
            assert!(matches!(validate_domain(bad), Err(CertError::InvalidDomain { .. })), "{bad}");
        }
        assert!(validate_domain(&"a".repeat(64)).is_err());
    }

    #[test]
    fn secret_pem_debug_hides_the_key() {
        let secret = SecretPem(Zeroizing::new("-----BEGIN PRIVATE KEY-----".into()));
        assert_eq!(format!("{secret:?}"), "SecretPem(<redacted>)");
    }
}
