//! Splitting a PEM file into decoded blocks, and telling the user what a file is when it is not PEM.

use super::error::{CertError, DerContent, Expected};
use pkcs8::der::Decode;
use rustls_pki_types::pem::{PemObject, SectionKind};
use zeroize::Zeroizing;

/// One decoded PEM block of a kind rustls-pki-types knows.
pub(crate) struct Block {
    pub kind: SectionKind,
    /// Zeroized on drop because the block may be a private key.
    pub der: Zeroizing<Vec<u8>>,
}

/// The decoded blocks of a file, and every `BEGIN` label it has (known or not), in order.
pub(crate) struct Blocks {
    pub blocks: Vec<Block>,
    pub labels: Vec<String>,
}

/// Whether a block is a private key of a kind rustls-pki-types decodes.
pub(crate) fn is_private_key(kind: SectionKind) -> bool {
    matches!(kind, SectionKind::RsaPrivateKey | SectionKind::EcPrivateKey | SectionKind::PrivateKey)
}

/// The label that marks a PKCS#8 key encrypted with a passphrase.
pub(crate) const ENCRYPTED_PKCS8: &str = "ENCRYPTED PRIVATE KEY";

/// Decodes every PEM block of `bytes`; `file` and `expected` only shape the errors.
pub(crate) fn split(file: &str, bytes: &[u8], expected: Expected) -> Result<Blocks, CertError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(CertError::Empty { file: file.into(), expected });
    }
    let labels = begin_labels(bytes);
    if labels.is_empty() {
        return Err(if bytes[0] == 0x30 {
            CertError::Der { file: file.into(), content: sniff_der(bytes), expected }
        } else {
            CertError::NotPem { file: file.into(), expected }
        });
    }
    // Legacy OpenSSL encryption puts headers inside the block, which the PEM reader would
    // report as bad base64; catch it first so the user hears the real reason.
    if let Some(marker) = legacy_encryption_header(bytes) {
        return Err(CertError::EncryptedKey { file: file.into(), marker });
    }
    let blocks = <(SectionKind, Vec<u8>)>::pem_slice_iter(bytes)
        .map(|item| {
            item.map(|(kind, der)| Block { kind, der: Zeroizing::new(der) })
                .map_err(|e| CertError::BadPem { file: file.into(), detail: e.to_string() })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Blocks { blocks, labels })
}

/// The label of each line that starts a PEM block, e.g. `CERTIFICATE`.
fn begin_labels(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|b| *b == b'\n' || *b == b'\r')
        .filter_map(|line| {
            let rest = line.strip_prefix(b"-----BEGIN ")?;
            let end = rest.windows(5).position(|w| w == b"-----")?;
            Some(String::from_utf8_lossy(&rest[..end]).into_owned())
        })
        .collect()
}

/// The 1-based line numbers of the lines `-----BEGIN {label}-----`, in order.
pub(crate) fn begin_lines(bytes: &[u8], label: &str) -> Vec<usize> {
    let begin = format!("-----BEGIN {label}-----");
    // Lines as a text editor counts them: `\n` ends a line (a `\r` before it is part of it).
    bytes
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, line)| line.trim_ascii() == begin.as_bytes())
        .map(|(i, _)| i + 1)
        .collect()
}

fn legacy_encryption_header(bytes: &[u8]) -> Option<String> {
    bytes
        .split(|b| *b == b'\n' || *b == b'\r')
        .find(|line| line.starts_with(b"Proc-Type:") && line.ends_with(b"ENCRYPTED"))
        .map(|line| String::from_utf8_lossy(line).into_owned())
}

/// Guesses what a binary file holds, to suggest the right `openssl` conversion.
fn sniff_der(bytes: &[u8]) -> DerContent {
    if x509_parser::parse_x509_certificate(bytes).is_ok() {
        DerContent::Certificate
    } else if pkcs8::PrivateKeyInfo::from_der(bytes).is_ok()
        || pkcs1::RsaPrivateKey::from_der(bytes).is_ok()
        || sec1::EcPrivateKey::from_der(bytes).is_ok()
    {
        DerContent::PrivateKey
    } else if is_pkcs12(bytes) {
        DerContent::Pkcs12
    } else {
        DerContent::Unknown
    }
}

/// PKCS#12 starts `SEQUENCE { INTEGER 3, ... }`; nothing else users upload does.
fn is_pkcs12(bytes: &[u8]) -> bool {
    let header = match bytes.get(1) {
        Some(0x80) => 2,                                        // indefinite length (BER)
        Some(&n) if n & 0x80 != 0 => 2 + usize::from(n & 0x7f), // long form
        Some(_) => 2,                                           // short form
        None => return false,
    };
    bytes.get(header..header + 3) == Some(&[0x02, 0x01, 0x03])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_read_with_crlf_and_unknown_kinds() {
        let text = b"-----BEGIN EC PARAMETERS-----\r\nBggqhkjOPQMBBw==\r\n-----END EC PARAMETERS-----\r\n";
        assert_eq!(begin_labels(text), vec!["EC PARAMETERS".to_string()]);
    }

    #[test]
    fn pkcs12_header_is_recognised_in_all_length_forms() {
        assert!(is_pkcs12(&[0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x03]));
        assert!(is_pkcs12(&[0x30, 0x80, 0x02, 0x01, 0x03]));
        assert!(is_pkcs12(&[0x30, 0x10, 0x02, 0x01, 0x03]));
        assert!(!is_pkcs12(&[0x30, 0x10, 0x02, 0x01, 0x00]));
        assert!(!is_pkcs12(&[0x30]));
    }
}
