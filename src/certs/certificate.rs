//! X.509 certificates: reading PEM bundles and extracting what a user needs to know about each.

use super::error::{CertError, Expected};
use super::key::{KeyType, PublicKey, sha256_hex};
use super::pem;
use super::when;
use rustls_pki_types::pem::SectionKind;
use serde::Serialize;
use time::OffsetDateTime;
use x509_parser::error::X509Error;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// One certificate and the facts about it, owned so that it outlives the file's bytes.
#[derive(Debug, Clone, Serialize)]
pub struct Certificate {
    /// The file it was read from.
    pub file: String,
    /// 1-based position in that file.
    pub index: usize,
    /// The line of its `-----BEGIN CERTIFICATE-----`, when read from a PEM file.
    #[serde(skip)]
    pub line: Option<usize>,
    /// The subject's common name, if it has one.
    pub common_name: Option<String>,
    /// Every DNS name of the Subject Alternative Name extension, in order.
    pub dns_names: Vec<String>,
    /// The subject, e.g. `CN=R3, O=Let's Encrypt, C=US`.
    pub subject: String,
    /// The issuer's name.
    pub issuer: String,
    /// The serial number as colon-separated hex.
    pub serial: String,
    /// Start of validity.
    #[serde(serialize_with = "when::serialize_rfc3339")]
    pub not_before: OffsetDateTime,
    /// End of validity.
    #[serde(serialize_with = "when::serialize_rfc3339")]
    pub not_after: OffsetDateTime,
    /// The certificate's public key.
    pub public_key: PublicKey,
    /// Issued by itself: same subject and issuer, and its own key verifies its signature.
    pub self_signed: bool,
    /// A CA certificate (basic constraints `CA:TRUE`).
    pub is_ca: bool,
    /// SHA-256 of the DER certificate, as `openssl x509 -fingerprint -sha256` prints it.
    pub sha256: String,
    #[serde(skip)]
    der: Vec<u8>,
    #[serde(skip)]
    subject_raw: Vec<u8>,
    #[serde(skip)]
    issuer_raw: Vec<u8>,
}

/// The outcome of checking that one certificate's signature was made by another's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureCheck {
    /// The signature verifies with the issuer's public key.
    Verified,
    /// The signature algorithm is one the verifier does not implement; the names match.
    Unchecked,
    /// The signature does not verify.
    Failed,
}

impl Certificate {
    /// A short name for messages: the common name, else the first DNS name, else the subject.
    pub fn name(&self) -> &str {
        self.common_name.as_deref().or(self.dns_names.first().map(String::as_str)).unwrap_or(&self.subject)
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate as a PEM block, as AWS wants it uploaded: 64-character lines ending
    /// in `\n`, as openssl writes them (the pem crate's default is `\r\n`).
    pub fn to_pem(&self) -> String {
        let config = ::pem::EncodeConfig::new().set_line_ending(::pem::LineEnding::LF);
        ::pem::encode_config(&::pem::Pem::new("CERTIFICATE", self.der.clone()), config)
    }

    /// Whether `self` names `other` as the certificate it was issued by.
    pub(crate) fn names_as_issuer(&self, other: &Certificate) -> bool {
        self.issuer_raw == other.subject_raw
    }

    /// Checks that `issuer`'s key made this certificate's signature.
    pub fn verify_signed_by(&self, issuer: &Certificate) -> SignatureCheck {
        let (Ok((_, this)), Ok((_, by))) =
            (X509Certificate::from_der(&self.der), X509Certificate::from_der(&issuer.der))
        else {
            return SignatureCheck::Failed; // unreachable: both were parsed before
        };
        check_signature(&this, &by, &issuer.public_key.key_type)
    }
}

/// Reads every certificate of a PEM file, in file order; other blocks (keys) are ignored.
pub fn read_certificates(file: &str, bytes: &[u8]) -> Result<Vec<Certificate>, CertError> {
    let blocks = pem::split(file, bytes, Expected::Certificate)?;
    let ders: Vec<&[u8]> =
        blocks.blocks.iter().filter(|b| b.kind == SectionKind::Certificate).map(|b| b.der.as_slice()).collect();
    let lines = pem::begin_lines(bytes, "CERTIFICATE");
    // The i-th `BEGIN CERTIFICATE` line is the i-th certificate's only when each was found.
    let lines_fit = lines.len() == ders.len();
    let certs = ders
        .iter()
        .enumerate()
        .map(|(i, der)| {
            let line = lines.get(i).copied().filter(|_| lines_fit);
            parse_certificate(file, i + 1, der).map(|cert| Certificate { line, ..cert })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if !certs.is_empty() {
        return Ok(certs);
    }
    let holds_key = blocks.blocks.iter().any(|b| pem::is_private_key(b.kind))
        || blocks.labels.iter().any(|l| l == pem::ENCRYPTED_PKCS8);
    Err(if holds_key {
        CertError::KeyNotCertificate { file: file.into() }
    } else {
        CertError::UnexpectedPem { file: file.into(), expected: Expected::Certificate, found: blocks.labels }
    })
}

/// Parses one DER certificate; `file` and `index` say where it came from.
pub fn parse_certificate(file: &str, index: usize, der: &[u8]) -> Result<Certificate, CertError> {
    let invalid = |detail: String| CertError::InvalidCertificate { file: file.into(), index, detail };
    let (rest, x509) = X509Certificate::from_der(der).map_err(|e| invalid(e.to_string()))?;
    if !rest.is_empty() {
        return Err(invalid(format!("{} bytes of trailing data", rest.len())));
    }
    let public_key = PublicKey::from_spki_der(x509.public_key().raw).map_err(|e| invalid(e.to_string()))?;
    let common_name = x509.subject().iter_common_name().next().and_then(|cn| cn.as_str().ok()).map(str::to_string);
    // A malformed SAN extension reads as no names; the user sees an empty list.
    let dns_names = match x509.subject_alternative_name() {
        Ok(Some(san)) => san
            .value
            .general_names
            .iter()
            .filter_map(|name| match name {
                GeneralName::DNSName(dns) => Some(dns.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let same_name = x509.subject().as_raw() == x509.issuer().as_raw();
    let self_signed = same_name && check_signature(&x509, &x509, &public_key.key_type) != SignatureCheck::Failed;
    Ok(Certificate {
        file: file.into(),
        index,
        line: None,
        common_name,
        dns_names,
        subject: x509.subject().to_string(),
        issuer: x509.issuer().to_string(),
        serial: x509.raw_serial_as_string(),
        not_before: x509.validity().not_before.to_datetime(),
        not_after: x509.validity().not_after.to_datetime(),
        public_key,
        self_signed,
        is_ca: x509.is_ca(),
        sha256: colon_hex(&sha256_hex(der)),
        der: der.to_vec(),
        subject_raw: x509.subject().as_raw().to_vec(),
        issuer_raw: x509.issuer().as_raw().to_vec(),
    })
}

/// Checks `this`'s signature with `by`'s key, of type `by_key`.
fn check_signature(this: &X509Certificate, by: &X509Certificate, by_key: &KeyType) -> SignatureCheck {
    // aws-lc verifies RSA signatures only for keys of 2048 bits and more; a smaller key
    // would read as a forged signature.
    if matches!(by_key, KeyType::Rsa { bits } if *bits < 2048) {
        return SignatureCheck::Unchecked;
    }
    match this.verify_signature(Some(by.public_key())) {
        Ok(()) => SignatureCheck::Verified,
        Err(X509Error::SignatureUnsupportedAlgorithm) => SignatureCheck::Unchecked,
        Err(_) => SignatureCheck::Failed,
    }
}

/// `ab12cd` → `AB:12:CD`, the fingerprint style of openssl and browsers.
fn colon_hex(hex: &str) -> String {
    hex.as_bytes().chunks(2).map(|pair| String::from_utf8_lossy(pair).to_uppercase()).collect::<Vec<_>>().join(":")
}
