//! Certificates: parsing, key matching, chain checks and self-signed generation.
//!
//! Everything here works on bytes and returns typed results; reading and writing files is
//! the CLI's job. Nothing touches the network: chains are built only from the certificates
//! given. Private key bytes are read only to take the public key out of them, and are not
//! kept, printed or put in any error.

mod certificate;
mod chain;
mod error;
mod generate;
mod inspect;
mod key;
mod pem;
pub mod render;
mod when;

/// The largest certificate, chain or key file read: a chain of ten 4096-bit certificates is
/// about 20 KiB, and the cap keeps `/dev/zero` or a pipe that never ends from filling memory.
pub const MAX_PEM_BYTES: u64 = 1024 * 1024;

pub use certificate::{Certificate, SignatureCheck, parse_certificate, read_certificates};
pub use chain::{Chain, build_chain};
pub use error::{ACCEPTED_KEYS, CertError, DerContent, Expected};
pub use generate::{KeyChoice, SecretPem, SelfSigned, SelfSignedRequest, self_signed, validate_domain};
pub use inspect::{Input, Inspection, Severity, check_key_type, check_validity, error_diagnostic, inspect};
pub use key::{Curve, KeyFormat, KeyType, PrivateKey, PublicKey, check_key_matches, read_private_key};
pub use when::{from_now, relative, rfc3339, utc};
