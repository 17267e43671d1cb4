//! Key types, public keys and private keys (PKCS#1, SEC1, PKCS#8), and proof that a key fits a certificate.

use super::certificate::Certificate;
use super::error::{CertError, Expected};
use super::pem::{self, ENCRYPTED_PKCS8};
use pkcs8::der::asn1::{AnyRef, BitStringRef};
use pkcs8::der::{Decode, Encode};
use pkcs8::{AlgorithmIdentifierRef, ObjectIdentifier, SubjectPublicKeyInfoRef};
use rustls_pki_types::pem::SectionKind;
use serde::Serialize;
use std::fmt;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey as ParsedKey;
use x509_parser::x509::SubjectPublicKeyInfo;

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_ED25519: &str = "1.3.101.112";
const OID_ED448: &str = "1.3.101.113";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_P521: &str = "1.3.132.0.35";
const OID_SECP256K1: &str = "1.3.132.0.10";

/// An elliptic curve, named as AWS and browsers name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Curve {
    /// NIST P-256 (prime256v1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// NIST P-521 (secp521r1).
    P521,
    /// Any other curve, by name where known, else by OID.
    Other(String),
}

impl Curve {
    fn from_oid(oid: &str) -> Curve {
        match oid {
            OID_P256 => Curve::P256,
            OID_P384 => Curve::P384,
            OID_P521 => Curve::P521,
            OID_SECP256K1 => Curve::Other("secp256k1".into()),
            other => Curve::Other(format!("OID {other}")),
        }
    }
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Curve::P256 => f.write_str("P-256"),
            Curve::P384 => f.write_str("P-384"),
            Curve::P521 => f.write_str("P-521"),
            Curve::Other(name) => f.write_str(name),
        }
    }
}

impl Serialize for Curve {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The algorithm and size of a key, e.g. RSA 2048 or ECDSA P-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "algorithm")]
pub enum KeyType {
    /// RSA with its modulus size in bits.
    #[serde(rename = "RSA")]
    Rsa {
        /// Modulus size in bits.
        bits: usize,
    },
    /// ECDSA on a named curve.
    #[serde(rename = "ECDSA")]
    Ecdsa {
        /// The curve.
        curve: Curve,
    },
    /// Ed25519.
    Ed25519,
    /// Ed448.
    Ed448,
    /// Anything else (DSA, RSA-PSS, GOST ...), by algorithm OID.
    Other {
        /// The algorithm OID, dotted.
        oid: String,
    },
}

impl KeyType {
    /// Whether ACM imports this key type, and so the load balancers can use it.
    pub fn accepted_by_aws(&self) -> bool {
        match self {
            KeyType::Rsa { bits } => matches!(bits, 1024 | 2048 | 3072 | 4096),
            KeyType::Ecdsa { curve } => matches!(curve, Curve::P256 | Curve::P384 | Curve::P521),
            _ => false,
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyType::Rsa { bits } => write!(f, "RSA {bits}"),
            KeyType::Ecdsa { curve } => write!(f, "ECDSA {curve}"),
            KeyType::Ed25519 => f.write_str("Ed25519"),
            KeyType::Ed448 => f.write_str("Ed448"),
            KeyType::Other { oid } => write!(f, "unknown ({oid})"),
        }
    }
}

/// The parts of a public key that must be equal for two keys to be the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Material {
    /// Modulus and exponent without leading zero bytes, so that encodings compare equal.
    Rsa {
        modulus: Vec<u8>,
        exponent: Vec<u8>,
    },
    Ec {
        curve: String,
        point: Vec<u8>,
    },
    Other {
        algorithm: String,
        bits: Vec<u8>,
    },
}

/// A public key, from a certificate or derived from a private key.
#[derive(Debug, Clone, Serialize)]
pub struct PublicKey {
    /// Algorithm and size.
    #[serde(rename = "type")]
    pub key_type: KeyType,
    /// SHA-256 of the DER SubjectPublicKeyInfo, lowercase hex: what
    /// `openssl pkey -pubout -outform der | sha256sum` prints.
    pub sha256: String,
    #[serde(skip)]
    material: Material,
}

impl PublicKey {
    /// Reads a DER SubjectPublicKeyInfo.
    pub(crate) fn from_spki_der(spki: &[u8]) -> Result<PublicKey, String> {
        let (_, info) = SubjectPublicKeyInfo::from_der(spki).map_err(|e| e.to_string())?;
        let algorithm = info.algorithm.algorithm.to_id_string();
        let curve_oid = info.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok()).map(|oid| oid.to_id_string());
        let parsed = info.parsed().map_err(|e| e.to_string())?;
        let (key_type, material) = match (algorithm.as_str(), parsed) {
            (OID_RSA, ParsedKey::RSA(rsa)) => {
                let modulus = strip_zeros(rsa.modulus).to_vec();
                let bits = bit_length(&modulus);
                let exponent = strip_zeros(rsa.exponent).to_vec();
                (KeyType::Rsa { bits }, Material::Rsa { modulus, exponent })
            }
            (OID_EC, ParsedKey::EC(point)) => {
                let curve = curve_oid.ok_or("EC key without a named curve")?;
                let key_type = KeyType::Ecdsa { curve: Curve::from_oid(&curve) };
                (key_type, Material::Ec { curve, point: point.data().to_vec() })
            }
            (algorithm, _) => {
                let key_type = key_type_of_oid(algorithm);
                let bits = info.subject_public_key.data.to_vec();
                (key_type, Material::Other { algorithm: algorithm.into(), bits })
            }
        };
        Ok(PublicKey { key_type, sha256: sha256_hex(spki), material })
    }
}

fn key_type_of_oid(oid: &str) -> KeyType {
    match oid {
        OID_ED25519 => KeyType::Ed25519,
        OID_ED448 => KeyType::Ed448,
        other => KeyType::Other { oid: other.into() },
    }
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// Bits of a big-endian unsigned integer without leading zero bytes.
fn bit_length(bytes: &[u8]) -> usize {
    match bytes.first() {
        Some(first) => bytes.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

/// SHA-256 as lowercase hex, the way `sha256sum` prints it.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The container format a private key was stored in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum KeyFormat {
    /// `-----BEGIN RSA PRIVATE KEY-----`
    #[serde(rename = "PKCS#1")]
    Pkcs1,
    /// `-----BEGIN EC PRIVATE KEY-----`
    #[serde(rename = "SEC1")]
    Sec1,
    /// `-----BEGIN PRIVATE KEY-----`
    #[serde(rename = "PKCS#8")]
    Pkcs8,
}

impl fmt::Display for KeyFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyFormat::Pkcs1 => "PKCS#1",
            KeyFormat::Sec1 => "SEC1",
            KeyFormat::Pkcs8 => "PKCS#8",
        })
    }
}

/// What is known about a private key file once read.
///
/// It holds only the public half: the secret bytes are zeroized as soon as the public key
/// has been taken from them, so this type can be logged, printed and serialised safely.
#[derive(Debug, Clone, Serialize)]
pub struct PrivateKey {
    /// The file it was read from.
    pub file: String,
    /// PKCS#1, SEC1 or PKCS#8.
    pub format: KeyFormat,
    /// Algorithm and size.
    #[serde(rename = "type")]
    pub key_type: KeyType,
    /// The public key, for the types whose public key can be read without crypto
    /// (RSA and ECDSA); `None` for the others, which AWS refuses anyway.
    pub public_key: Option<PublicKey>,
}

/// Reads the single private key of a PEM file.
pub fn read_private_key(file: &str, bytes: &[u8]) -> Result<PrivateKey, CertError> {
    let blocks = pem::split(file, bytes, Expected::PrivateKey)?;
    if blocks.labels.iter().any(|l| l == ENCRYPTED_PKCS8) {
        return Err(CertError::EncryptedKey { file: file.into(), marker: ENCRYPTED_PKCS8.into() });
    }
    let keys: Vec<_> = blocks.blocks.iter().filter(|b| pem::is_private_key(b.kind)).collect();
    match keys.as_slice() {
        [key] => parse_key(file, key.kind, &key.der),
        [] if blocks.blocks.iter().any(|b| b.kind == SectionKind::Certificate) => {
            Err(CertError::CertificateNotKey { file: file.into() })
        }
        [] => Err(CertError::UnexpectedPem { file: file.into(), expected: Expected::PrivateKey, found: blocks.labels }),
        many => Err(CertError::MultipleKeys { file: file.into(), count: many.len() }),
    }
}

fn parse_key(file: &str, kind: SectionKind, der: &[u8]) -> Result<PrivateKey, CertError> {
    let format = match kind {
        SectionKind::RsaPrivateKey => KeyFormat::Pkcs1,
        SectionKind::EcPrivateKey => KeyFormat::Sec1,
        _ => KeyFormat::Pkcs8,
    };
    let invalid = |detail: String| CertError::InvalidKey { file: file.into(), format: format.to_string(), detail };
    let spki = match format {
        KeyFormat::Pkcs1 => rsa_spki(der),
        KeyFormat::Sec1 => ec_spki(der, None, None),
        KeyFormat::Pkcs8 => pkcs8_spki(der),
    }
    .map_err(invalid)?;
    let (key_type, public_key) = match spki {
        Spki::Der(spki) => {
            let public = PublicKey::from_spki_der(&spki).map_err(invalid)?;
            (public.key_type.clone(), Some(public))
        }
        Spki::Unavailable(key_type) => (key_type, None),
    };
    Ok(PrivateKey { file: file.into(), format, key_type, public_key })
}

/// The SubjectPublicKeyInfo of a private key, or only its type when it cannot be had
/// without crypto (e.g. Ed25519 in PKCS#8 v1 stores no public key).
enum Spki {
    Der(Vec<u8>),
    Unavailable(KeyType),
}

fn rsa_spki(der: &[u8]) -> Result<Spki, String> {
    let key = pkcs1::RsaPrivateKey::from_der(der).map_err(|e| e.to_string())?;
    let public = key.public_key().to_der().map_err(|e| e.to_string())?;
    encode_spki(pkcs1::ALGORITHM_ID, &public)
}

/// `curve` comes from the PKCS#8 wrapper when the inner SEC1 key omits it; `outer_public`
/// from a PKCS#8 v2 wrapper.
fn ec_spki(der: &[u8], curve: Option<ObjectIdentifier>, outer_public: Option<&[u8]>) -> Result<Spki, String> {
    let key = sec1::EcPrivateKey::from_der(der).map_err(|e| e.to_string())?;
    let curve = key.parameters.and_then(|p| p.named_curve()).or(curve).ok_or("the key does not name its curve")?;
    let point = key
        .public_key
        .or(outer_public)
        .ok_or("the key does not store its public key; `openssl pkey -in KEY -out KEY.pem` adds it")?;
    let algorithm =
        AlgorithmIdentifierRef { oid: ObjectIdentifier::new_unwrap(OID_EC), parameters: Some(AnyRef::from(&curve)) };
    encode_spki(algorithm, point)
}

fn pkcs8_spki(der: &[u8]) -> Result<Spki, String> {
    let info = pkcs8::PrivateKeyInfo::from_der(der).map_err(|e| e.to_string())?;
    match info.algorithm.oid.to_string().as_str() {
        OID_RSA => rsa_spki(info.private_key),
        OID_EC => {
            let curve = info.algorithm.parameters_oid().ok();
            ec_spki(info.private_key, curve, info.public_key)
        }
        other => match info.public_key {
            Some(public) => encode_spki(info.algorithm, public),
            None => Ok(Spki::Unavailable(key_type_of_oid(other))),
        },
    }
}

fn encode_spki(algorithm: AlgorithmIdentifierRef<'_>, public: &[u8]) -> Result<Spki, String> {
    let subject_public_key = BitStringRef::from_bytes(public).map_err(|e| e.to_string())?;
    let spki = SubjectPublicKeyInfoRef { algorithm, subject_public_key };
    spki.to_der().map(Spki::Der).map_err(|e| e.to_string())
}

/// Proves that `key` is the private key of `cert` by comparing their public keys.
pub fn check_key_matches(cert: &Certificate, key: &PrivateKey) -> Result<(), CertError> {
    let mismatch = |key_fingerprint: String| CertError::KeyMismatch {
        cert_file: cert.file.clone(),
        key_file: key.file.clone(),
        cert_fingerprint: cert.public_key.sha256.clone(),
        key_fingerprint,
    };
    match &key.public_key {
        Some(public) if public.material == cert.public_key.material => Ok(()),
        Some(public) => Err(mismatch(public.sha256.clone())),
        None => Err(mismatch(format!("unknown ({} key)", key.key_type))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_length_counts_from_the_highest_set_bit() {
        assert_eq!(bit_length(&[0x80, 0]), 16);
        assert_eq!(bit_length(&[0x01, 0]), 9);
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(strip_zeros(&[0, 0, 1]), &[1]);
    }

    #[test]
    fn aws_accepts_the_documented_key_types_only() {
        for bits in [1024, 2048, 3072, 4096] {
            assert!(KeyType::Rsa { bits }.accepted_by_aws());
        }
        assert!(!KeyType::Rsa { bits: 8192 }.accepted_by_aws());
        assert!(!KeyType::Rsa { bits: 2047 }.accepted_by_aws());
        assert!(KeyType::Ecdsa { curve: Curve::P384 }.accepted_by_aws());
        assert!(!KeyType::Ecdsa { curve: Curve::Other("secp256k1".into()) }.accepted_by_aws());
        assert!(!KeyType::Ed25519.accepted_by_aws());
    }
}
