//! The one error type of the certificate layer: each failure names its file and says how to fix it.
//!
//! Past 400 lines: every certificate failure with its message, its fix and its exit code, in
//! one enum, so that none can be added without them.

use crate::diagnostic::Code;
use std::io;

/// Which of the inputs a reader was looking for, so that messages can say what was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// A PEM file of certificates (`-----BEGIN CERTIFICATE-----`).
    Certificate,
    /// A PEM file holding one private key.
    PrivateKey,
}

impl Expected {
    fn noun(self) -> &'static str {
        match self {
            Expected::Certificate => "certificate",
            Expected::PrivateKey => "private key",
        }
    }
}

/// What a DER (binary) file turned out to hold, which decides the conversion command to suggest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DerContent {
    /// An X.509 certificate.
    Certificate,
    /// A PKCS#1, SEC1 or PKCS#8 private key.
    PrivateKey,
    /// A PKCS#12 (`.pfx`/`.p12`) archive, as Windows and IIS export them.
    Pkcs12,
    /// Binary ASN.1 that is none of the above.
    Unknown,
}

/// Everything that can go wrong while reading, checking or generating certificates.
///
/// Messages never contain private key material: key errors carry only the file name,
/// the key type and public-key fingerprints.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    /// The file could not be read (missing, permissions).
    #[error("cannot read {file}: {source}")]
    Read {
        /// The file as the user named it.
        file: String,
        /// What the operating system said.
        source: io::Error,
    },
    /// The file is larger than any PEM file needs to be (or a stream that does not end).
    #[error("{file} is larger than {cap} bytes, more than any certificate, chain or key file holds")]
    TooLarge {
        /// The file as the user named it.
        file: String,
        /// The cap that was passed.
        cap: u64,
    },
    /// An output file could not be written.
    #[error("cannot write {file}: {source}")]
    Write {
        /// The file as the user named it.
        file: String,
        /// What the operating system said.
        source: io::Error,
    },
    /// An output file exists and `--force` was not given.
    #[error("{file} already exists")]
    Exists {
        /// The file as the user named it.
        file: String,
    },
    /// Two files of a command (two outputs, or an input and an output) are the same.
    #[error("{first} and {second} are both {file}")]
    SameOutput {
        /// The file as the user named it.
        file: String,
        /// What the file is the first time, e.g. `--cert-out`.
        first: &'static str,
        /// What the file is the second time, e.g. `--key-out`.
        second: &'static str,
    },
    /// The file is empty or only whitespace.
    #[error("{file} is empty, expected a {}", expected.noun())]
    Empty {
        /// The file as the user named it.
        file: String,
        /// What the file should have held.
        expected: Expected,
    },
    /// The file is binary DER (or PKCS#12), not PEM text.
    #[error("{file} is binary DER, not PEM text{}", der_suffix(*content))]
    Der {
        /// The file as the user named it.
        file: String,
        /// What the DER holds, as far as it could be told.
        content: DerContent,
        /// What the file should have held.
        expected: Expected,
    },
    /// The file is text without any PEM block.
    #[error("{file} is not PEM: it has no `-----BEGIN ...-----` line")]
    NotPem {
        /// The file as the user named it.
        file: String,
        /// What the file should have held.
        expected: Expected,
    },
    /// A PEM block is malformed (no END line, bad base64, bad BEGIN line).
    #[error("{file} is damaged PEM: {detail}")]
    BadPem {
        /// The file as the user named it.
        file: String,
        /// What the PEM reader reported.
        detail: String,
    },
    /// A certificate was expected but the file holds only a private key.
    #[error("{file} holds a private key, not a certificate")]
    KeyNotCertificate {
        /// The file as the user named it.
        file: String,
    },
    /// A private key was expected but the file holds only certificates.
    #[error("{file} holds a certificate, not a private key")]
    CertificateNotKey {
        /// The file as the user named it.
        file: String,
    },
    /// The file holds PEM blocks of a kind that is neither wanted nor the swapped one.
    #[error("{file} holds {}, not a {}", found.join(", "), expected.noun())]
    UnexpectedPem {
        /// The file as the user named it.
        file: String,
        /// What the file should have held.
        expected: Expected,
        /// The PEM labels found, e.g. `CERTIFICATE REQUEST`.
        found: Vec<String>,
    },
    /// The private key is protected by a passphrase.
    #[error("{file} is encrypted with a passphrase")]
    EncryptedKey {
        /// The file as the user named it.
        file: String,
        /// The PEM label or header that showed it, e.g. `ENCRYPTED PRIVATE KEY`.
        marker: String,
    },
    /// A key file holds more than one private key.
    #[error("{file} holds {count} private keys, expected one")]
    MultipleKeys {
        /// The file as the user named it.
        file: String,
        /// How many private keys were found.
        count: usize,
    },
    /// A PEM certificate block does not decode as an X.509 certificate.
    #[error("certificate #{index} in {file} is not a valid X.509 certificate: {detail}")]
    InvalidCertificate {
        /// The file as the user named it.
        file: String,
        /// 1-based position of the block in the file.
        index: usize,
        /// What the parser reported.
        detail: String,
    },
    /// A PEM key block does not decode as the key format its label promises.
    #[error("{file} holds a {format} block that is not a valid key: {detail}")]
    InvalidKey {
        /// The file as the user named it.
        file: String,
        /// The format the label announced, e.g. `PKCS#1`.
        format: String,
        /// What the parser reported (never key material).
        detail: String,
    },
    /// The key type or size is one that ACM and the load balancers do not take.
    #[error("the {key} key in {file} is not accepted by ACM or the load balancers")]
    UnsupportedKey {
        /// The file as the user named it.
        file: String,
        /// The key type and size, e.g. `RSA 8192` or `Ed25519`.
        key: String,
    },
    /// The private key is not the one the certificate was issued for.
    #[error("{key_file} does not belong to the certificate in {cert_file}")]
    KeyMismatch {
        /// The certificate file.
        cert_file: String,
        /// The key file.
        key_file: String,
        /// SHA-256 of the certificate's SubjectPublicKeyInfo, lowercase hex.
        cert_fingerprint: String,
        /// SHA-256 of the key's SubjectPublicKeyInfo, lowercase hex.
        key_fingerprint: String,
    },
    /// The certificate's validity ended.
    #[error("the certificate for {subject} in {file} expired on {not_after}")]
    Expired {
        /// The file as the user named it.
        file: String,
        /// The certificate's name (CN or subject).
        subject: String,
        /// The end of validity, formatted.
        not_after: String,
    },
    /// The certificate's validity has not begun.
    #[error("the certificate for {subject} in {file} is not valid before {not_before}")]
    NotYetValid {
        /// The file as the user named it.
        file: String,
        /// The certificate's name (CN or subject).
        subject: String,
        /// The start of validity, formatted.
        not_before: String,
    },
    /// A certificate in the bundle is not part of the leaf's chain.
    #[error("the chain does not link up: {stray} in {file} is not in the chain of {leaf}")]
    ChainBroken {
        /// The file holding the stray certificate.
        file: String,
        /// The certificate that does not fit.
        stray: String,
        /// The leaf the chain was built from.
        leaf: String,
        /// The issuer the chain stopped at, which the bundle does not hold; `None` when the
        /// chain reached a self-signed root.
        missing_issuer: Option<String>,
    },
    /// A certificate names the next one as its issuer, but the signature does not verify.
    #[error("{subject} in {file} names {issuer} as issuer, but that certificate did not sign it")]
    ChainSignature {
        /// The file holding the signed certificate.
        file: String,
        /// The signed certificate.
        subject: String,
        /// The claimed issuer.
        issuer: String,
    },
    /// `--write-chain` was given for a self-signed certificate, which has no chain.
    #[error("{leaf} is self-signed: it has no chain to write to {file}")]
    NoChain {
        /// The `--write-chain` file.
        file: String,
        /// The self-signed certificate.
        leaf: String,
    },
    /// A domain given to `self-signed` is not a DNS name.
    #[error("{domain:?} is not a valid domain name: {reason}")]
    InvalidDomain {
        /// The domain as given.
        domain: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The certificate generator failed.
    #[error("could not generate the certificate: {detail}")]
    Generate {
        /// What rcgen reported.
        detail: String,
    },
}

fn der_suffix(content: DerContent) -> &'static str {
    match content {
        DerContent::Certificate => " (it holds a certificate)",
        DerContent::PrivateKey => " (it holds a private key)",
        DerContent::Pkcs12 => " (it is a PKCS#12 .pfx/.p12 archive)",
        DerContent::Unknown => "",
    }
}

/// What ACM imports (its documented list) and what works everywhere, said once for every
/// message about key types.
pub const ACCEPTED_KEYS: &str = "ACM imports RSA keys of 1024, 2048, 3072 or 4096 bits and \
ECDSA keys on P-256, P-384 or P-521; RSA 2048 works with every Classic ELB listener and client";

impl CertError {
    /// The diagnostic code of this error.
    pub fn code(&self) -> Code {
        use CertError::*;
        match self {
            Read { .. } | TooLarge { .. } | Write { .. } => Code::CertIo,
            Exists { .. } | SameOutput { .. } => Code::CertExists,
            Empty { .. }
            | Der { .. }
            | NotPem { .. }
            | BadPem { .. }
            | KeyNotCertificate { .. }
            | CertificateNotKey { .. }
            | UnexpectedPem { .. }
            | MultipleKeys { .. }
            | InvalidCertificate { .. }
            | InvalidKey { .. } => Code::CertFormat,
            EncryptedKey { .. } => Code::CertEncryptedKey,
            UnsupportedKey { .. } => Code::CertKeyType,
            KeyMismatch { .. } => Code::CertKeyMismatch,
            Expired { .. } | NotYetValid { .. } => Code::CertValidity,
            ChainBroken { .. } | ChainSignature { .. } | NoChain { .. } => Code::CertChain,
            InvalidDomain { .. } => Code::CertDomain,
            Generate { .. } => Code::CertGenerate,
        }
    }

    /// The file the error is about, for the `--> FILE` line.
    pub fn file(&self) -> Option<&str> {
        use CertError::*;
        match self {
            Read { file, .. }
            | TooLarge { file, .. }
            | Write { file, .. }
            | Exists { file }
            | SameOutput { file, .. }
            | Empty { file, .. }
            | Der { file, .. }
            | NotPem { file, .. }
            | BadPem { file, .. }
            | KeyNotCertificate { file }
            | CertificateNotKey { file }
            | UnexpectedPem { file, .. }
            | EncryptedKey { file, .. }
            | MultipleKeys { file, .. }
            | InvalidCertificate { file, .. }
            | InvalidKey { file, .. }
            | UnsupportedKey { file, .. }
            | Expired { file, .. }
            | NotYetValid { file, .. }
            | ChainBroken { file, .. }
            | ChainSignature { file, .. }
            | NoChain { file, .. } => Some(file),
            KeyMismatch { key_file, .. } => Some(key_file),
            InvalidDomain { .. } | Generate { .. } => None,
        }
    }

    /// The exit code this error should end the command with: 2 for the environment or the
    /// command line (unreadable file, refused overwrite, bad argument), 1 for a failed check.
    pub fn exit_code(&self) -> u8 {
        match self {
            CertError::Read { .. }
            | CertError::TooLarge { .. }
            | CertError::Write { .. }
            | CertError::Exists { .. }
            | CertError::SameOutput { .. }
            | CertError::InvalidDomain { .. } => 2,
            _ => 1,
        }
    }

    /// Facts that back the message, one `= note:` line each.
    pub fn notes(&self) -> Vec<String> {
        match self {
            CertError::KeyMismatch { cert_fingerprint, key_fingerprint, .. } => vec![
                format!("certificate's public key SHA-256: {cert_fingerprint}"),
                format!("private key's public key SHA-256: {key_fingerprint}"),
            ],
            _ => Vec::new(),
        }
    }

    /// How to fix it, as one paragraph for the `= help:` line.
    pub fn help(&self) -> String {
        use CertError::*;
        match self {
            Read { .. } => "check the path and that you may read the file".into(),
            TooLarge { .. } => {
                "check that you passed the right file: PEM certificates, chains and keys are a few kilobytes".into()
            }
            Write { .. } => "check that the directory exists and that you may write to it".into(),
            Exists { file } => {
                format!("choose another file name, or pass --force to replace {file}")
            }
            SameOutput { first, second, .. } => format!("give {first} and {second} different files"),
            Empty { expected, .. } => format!(
                "a {} file is text that starts with `-----BEGIN {}-----`; \
                 check that you passed the right file",
                expected.noun(),
                pem_example(*expected)
            ),
            Der { file, content, expected } => der_help(file, *content, *expected),
            NotPem { expected, .. } => format!(
                "expected text with a `-----BEGIN {}-----` line; check that you passed the \
                 file your certificate authority sent, not a web page or an archive",
                pem_example(*expected)
            ),
            BadPem { .. } => "the file looks truncated or edited; copy it again, keeping every \
                              line from `-----BEGIN` to `-----END` unchanged"
                .into(),
            KeyNotCertificate { .. } => "pass the certificate first and the key with --key; \
                                         did you swap the two files?"
                .into(),
            CertificateNotKey { .. } => "pass the private key you created the certificate \
                                         request with; did you swap the two files?"
                .into(),
            UnexpectedPem { file, found, .. } => unexpected_help(file, found),
            EncryptedKey { file, .. } => format!(
                "AWS needs the key without a passphrase: decrypt it with \
                 `openssl pkey -in {file} -out {file}.dec` (or `openssl rsa` for an old RSA key), \
                 use the .dec file, and keep it private"
            ),
            MultipleKeys { .. } => "keep only the key that belongs to the certificate; \
                                    `compose-cfn certs inspect CERT --key KEY` tells which one"
                .into(),
            InvalidCertificate { .. } => "the certificate is damaged; download it again from \
                                          your certificate authority"
                .into(),
            InvalidKey { .. } => "the key is damaged or in an unusual format; \
                                  `openssl pkey -in KEY -out KEY.pem` rewrites it as PKCS#8"
                .into(),
            UnsupportedKey { .. } => format!(
                "{ACCEPTED_KEYS}: issue a new certificate for a key made with \
                 `openssl req -new -newkey rsa:2048 -nodes -keyout KEY -out CSR`"
            ),
            KeyMismatch { cert_file, key_file, .. } => format!(
                "use the key you made the certificate request with; openssl prints the same \
                 fingerprints with `openssl x509 -in {cert_file} -noout -pubkey | openssl pkey \
                 -pubin -outform der | sha256sum` and `openssl pkey -in {key_file} -pubout \
                 -outform der | sha256sum`"
            ),
            Expired { .. } => "AWS refuses expired certificates: renew it with your \
                               certificate authority, or make a new one with \
                               `compose-cfn certs self-signed`"
                .into(),
            NotYetValid { .. } => "AWS refuses certificates before their start date: wait \
                                   until then, or check this machine's clock"
                .into(),
            ChainBroken { leaf, missing_issuer: Some(missing), .. } => format!(
                "{leaf} was issued by {missing}, which the bundle does not hold; a chain holds \
                 the leaf's issuer, then that issuer's issuer, and so on: get the missing \
                 intermediate from your certificate authority and remove certificates of \
                 other sites"
            ),
            ChainBroken { leaf, missing_issuer: None, .. } => {
                format!("{leaf}'s chain already reaches its root; remove certificates of other sites")
            }
            ChainSignature { .. } => "two different CAs share that name; get the \
                                      intermediate that issued this certificate from your \
                                      certificate authority"
                .into(),
            NoChain { .. } => "leave out --write-chain, and import the certificate without \
                               --certificate-chain"
                .into(),
            InvalidDomain { .. } => "give DNS names such as example.org or *.example.org".into(),
            Generate { .. } => "this is a bug in compose-cfn or its crypto library; \
                                please report it"
                .into(),
        }
    }
}

fn pem_example(expected: Expected) -> &'static str {
    match expected {
        Expected::Certificate => "CERTIFICATE",
        Expected::PrivateKey => "PRIVATE KEY",
    }
}

fn der_help(file: &str, content: DerContent, expected: Expected) -> String {
    let content = match content {
        DerContent::Unknown => match expected {
            Expected::Certificate => DerContent::Certificate,
            Expected::PrivateKey => DerContent::PrivateKey,
        },
        known => known,
    };
    // The right command converts what the file holds, and says where it belongs when that is
    // not where it was passed.
    let misplaced = match (content, expected) {
        (DerContent::Certificate, Expected::PrivateKey) => {
            "; it is a certificate, not a private key: pass it as the certificate, and the key with --key"
        }
        (DerContent::PrivateKey, Expected::Certificate) => {
            "; it is a private key, not a certificate: pass it with --key"
        }
        _ => "",
    };
    let convert = match content {
        DerContent::Pkcs12 => format!(
            "extract the certificates with `openssl pkcs12 -in {file} -nokeys -out cert.pem` \
             and the key with `openssl pkcs12 -in {file} -nocerts -nodes -out key.pem`"
        ),
        DerContent::PrivateKey => {
            format!("convert it with `openssl pkey -inform der -in {file} -out {file}.pem`")
        }
        _ => format!("convert it with `openssl x509 -inform der -in {file} -out {file}.pem`"),
    };
    convert + misplaced
}

fn unexpected_help(file: &str, found: &[String]) -> String {
    let has = |label: &str| found.iter().any(|f| f == label);
    if has("CERTIFICATE REQUEST") || has("NEW CERTIFICATE REQUEST") {
        "that is a certificate signing request (CSR): send it to your certificate authority \
         and use the certificate it returns"
            .into()
    } else if has("PKCS7") {
        format!("extract the certificates with `openssl pkcs7 -print_certs -in {file} -out {file}.pem`")
    } else if has("PUBLIC KEY") || has("RSA PUBLIC KEY") {
        "that is a public key; the private key is the file you generated alongside the \
         certificate request"
            .into()
    } else {
        "check that you passed the right file".into()
    }
}
