//! `certs inspect` as a pure function: read a certificate, its chain and key, run every check AWS
//! would, and collect the results as data for the human and JSON renderers.
//!
//! Past 400 lines: every check of one inspection, in one pass, with their tests.

use super::certificate::{Certificate, SignatureCheck, read_certificates};
use super::chain::{Chain, build_chain};
use super::error::{ACCEPTED_KEYS, CertError};
use super::key::{KeyType, PrivateKey, check_key_matches, read_private_key};
use super::when;
use crate::diagnostic::Code;
use serde::Serialize;
use time::OffsetDateTime;

/// A file's name, as the user gave it, and its contents.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The name to show in messages.
    pub file: &'a str,
    /// The bytes read from it.
    pub bytes: &'a [u8],
}

/// How bad a [`Diagnostic`] is: errors (the certificate would be refused, or would not work)
/// fail the command, warnings (worth fixing, but AWS would take it) do not. The one severity
/// of every diagnostic.
pub use crate::diagnostic::Severity;

// The one diagnostic type of every command. Findings here are located by file (and, for a
// certificate, by the line where it starts): certificate and key files are never quoted.
use crate::diagnostic::Diagnostic;

/// The marker shown at a certificate's line: the only line of these files a report shows.
const CERTIFICATE_MARKER: &str = "-----BEGIN CERTIFICATE-----";

/// The diagnostic of an error that stopped a check.
pub fn error_diagnostic(e: &CertError) -> Diagnostic {
    let d = Diagnostic::error(e.code(), None, e.to_string()).with_help(e.help());
    let d = e.notes().into_iter().fold(d, Diagnostic::with_note);
    match e.file() {
        Some(file) => d.in_file(file),
        None => d,
    }
}

fn warning(code: Code, message: String, file: &str, help: String) -> Diagnostic {
    Diagnostic::warning(code, None, message).in_file(file).with_help(help)
}

/// The report's diagnostics in their JSON form, the form `--format json` gives every
/// command's diagnostics.
fn diagnostics_json<S: serde::Serializer>(list: &[Diagnostic], s: S) -> Result<S::Ok, S::Error> {
    let sources = crate::source::Sources::new();
    s.collect_seq(list.iter().map(|d| crate::diagnostic::to_json(d, &sources)))
}

/// Everything `certs inspect` found out.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    /// No error among the diagnostics.
    pub ok: bool,
    /// The leaf: the chain's first certificate, or the certificate file's first one when the
    /// chain does not link up.
    pub certificate: Option<Certificate>,
    /// The leaf's expiry relative to the time of inspection, e.g. "in 2 months".
    pub expires: Option<String>,
    /// The private key, when one was given and could be read.
    pub key: Option<PrivateKey>,
    /// Whether the key belongs to the certificate; `None` when that could not be checked.
    pub key_matches: Option<bool>,
    /// The key file passed, whether or not it could be read (so the report never asks for a
    /// key it was given).
    #[serde(skip)]
    pub key_file: Option<String>,
    /// The certificates leaf first when they link up, else in the order read.
    pub chain: Vec<Certificate>,
    /// Whether `chain` is ordered and each certificate was issued by the next.
    pub chain_ordered: bool,
    /// `links[i]`: how `chain[i]`'s signature by `chain[i + 1]` was checked.
    pub links: Vec<SignatureCheck>,
    /// Errors and warnings, in the order the checks ran.
    #[serde(serialize_with = "diagnostics_json")]
    pub diagnostics: Vec<Diagnostic>,
}

impl Inspection {
    /// The report with a warning for each of `domains` that none of the leaf's names covers
    /// (the listener would serve a certificate browsers refuse for that name).
    pub fn with_domains(mut self, domains: &[String]) -> Self {
        let Some(leaf) = &self.certificate else {
            return self;
        };
        let mut names: Vec<&str> = leaf.dns_names.iter().map(String::as_str).collect();
        // The common name counts only for a certificate without DNS names (and is usually one).
        if names.is_empty() {
            names.extend(leaf.common_name.as_deref());
        }
        for domain in domains.iter().filter(|d| !names.iter().any(|n| covers(n, d))) {
            self.diagnostics.push(warning(
                Code::CertDomain,
                format!("{} does not cover {domain}: its names are {}", leaf.name(), names.join(", ")),
                &leaf.file,
                format!("reissue the certificate with {domain} among its names"),
            ));
        }
        self
    }

    /// The report with `-D`/`--deny`/`--allow` applied to its warnings: a denied warning fails
    /// the inspection like an error.
    pub fn with_levels(mut self, levels: &crate::diagnostic::Levels) -> Self {
        let found = std::mem::take(&mut self.diagnostics).into_iter().collect();
        self.diagnostics = levels.apply(found).into_iter().collect();
        self.ok = !self.diagnostics.iter().any(|d| d.severity == Severity::Error);
        self
    }

    /// The certificates of the `--certificate-chain` file ACM and IAM take, in order: the
    /// leaf's issuer, then that issuer's issuer, without the leaf (ACM: "Do not include your
    /// end-entity certificate in the intermediate certificate chain", and "Each certificate in
    /// the chain must directly certify the one preceding",
    /// <https://docs.aws.amazon.com/acm/latest/userguide/troubleshoot-import.html>). A
    /// self-signed root at the end is left out, as clients hold their own roots, unless it
    /// issued the leaf itself: ACM's format page says to copy the root certificate last when
    /// importing a private CA's certificate
    /// (<https://docs.aws.amazon.com/acm/latest/userguide/import-certificate-format.html>).
    /// IAM's `UploadServerCertificate` takes "an optional certificate chain", PEM-encoded, and
    /// documents no other order (<https://docs.aws.amazon.com/goto/WebAPI/iam/UploadServerCertificate>),
    /// so both get ACM's. `None` when the certificates do not form a chain.
    pub fn chain_for_upload(&self) -> Option<&[Certificate]> {
        if !self.chain_ordered {
            return None;
        }
        let issuers = self.chain.get(1..)?;
        Some(match issuers.split_last() {
            Some((root, rest)) if root.self_signed && !rest.is_empty() => rest,
            _ => issuers,
        })
    }

    /// 0 when every check passed, 1 when any failed.
    pub fn exit_code(&self) -> u8 {
        if self.ok { 0 } else { 1 }
    }
}

/// Inspects a certificate (optionally bundled with its chain), a separate chain file and a key.
pub fn inspect(cert: Input<'_>, chain: Option<Input<'_>>, key: Option<Input<'_>>, now: OffsetDateTime) -> Inspection {
    let mut diagnostics: Vec<Diagnostic> = Vec::new();

    let mut certs = read_certificates(cert.file, cert.bytes).unwrap_or_else(|e| {
        diagnostics.push(error_diagnostic(&e));
        Vec::new()
    });
    let from_cert_file = certs.len();
    if let Some(chain) = chain {
        match read_certificates(chain.file, chain.bytes) {
            Ok(more) => certs.extend(more),
            Err(e) => diagnostics.push(error_diagnostic(&e)),
        }
    }

    let (ordered, chain_ok) = if from_cert_file == 0 {
        (None, false) // without the certificate itself there is no chain to speak of
    } else {
        match build_chain(certs.clone()) {
            Ok(c) => (Some(c), true),
            Err(e) => {
                diagnostics.push(error_diagnostic(&e));
                (None, false)
            }
        }
    };
    let leaf = match &ordered {
        Some(c) => c.certs.first().cloned(),
        None if from_cert_file > 0 => certs.first().cloned(),
        None => None,
    };

    if let Some(leaf) = &leaf {
        push(&mut diagnostics, check_validity(leaf, now));
        push(&mut diagnostics, check_key_type(&leaf.file, &leaf.public_key.key_type));
        if let Some(w) = weak_key_warning(&leaf.file, &leaf.public_key.key_type) {
            diagnostics.push(w);
        }
        diagnostics.extend(leaf_warnings(leaf, now));
    }
    if let Some(c) = &ordered {
        diagnostics.extend(order_warning(&certs, c, cert.file));
        diagnostics.extend(chain_warnings(c, cert.file, now));
    }

    let mut key_matches = None;
    let key_file = key.as_ref().map(|k| k.file.to_string());
    let key = key.and_then(|k| match read_private_key(k.file, k.bytes) {
        Ok(key) => Some(key),
        Err(e) => {
            diagnostics.push(error_diagnostic(&e));
            None
        }
    });
    if let Some(key) = &key {
        let same_type = leaf.as_ref().map(|l| &l.public_key.key_type) == Some(&key.key_type);
        // The certificate's error already says the type is refused; do not say it twice.
        if !same_type {
            push(&mut diagnostics, check_key_type(&key.file, &key.key_type));
        }
        if let Some(leaf) = &leaf
            && (key.public_key.is_some() || !same_type)
        {
            let result = check_key_matches(leaf, key);
            key_matches = Some(result.is_ok());
            push(&mut diagnostics, result);
        }
    }

    let ok = !diagnostics.iter().any(|d| d.severity == Severity::Error);
    let (chain, links) = match ordered {
        Some(c) => (c.certs, c.links),
        None => (certs, Vec::new()),
    };
    Inspection {
        ok,
        expires: leaf.as_ref().map(|l| when::relative(now, l.not_after)),
        certificate: leaf,
        key,
        key_matches,
        key_file,
        chain,
        chain_ordered: chain_ok,
        links,
        diagnostics,
    }
}

fn push(diagnostics: &mut Vec<Diagnostic>, result: Result<(), CertError>) {
    if let Err(e) = result {
        diagnostics.push(error_diagnostic(&e));
    }
}

/// Fails for a certificate outside its validity period at `now`, as ACM does on import.
pub fn check_validity(cert: &Certificate, now: OffsetDateTime) -> Result<(), CertError> {
    let (file, subject) = (cert.file.clone(), cert.name().to_string());
    let when = |t| format!("{} ({})", when::utc(t), when::relative(now, t));
    if now > cert.not_after {
        return Err(CertError::Expired { file, subject, not_after: when(cert.not_after) });
    }
    if now < cert.not_before {
        return Err(CertError::NotYetValid { file, subject, not_before: when(cert.not_before) });
    }
    Ok(())
}

/// Fails for key types and sizes ACM does not import.
pub fn check_key_type(file: &str, key_type: &KeyType) -> Result<(), CertError> {
    if key_type.accepted_by_aws() {
        Ok(())
    } else {
        Err(CertError::UnsupportedKey { file: file.into(), key: key_type.to_string() })
    }
}

fn weak_key_warning(file: &str, key_type: &KeyType) -> Option<Diagnostic> {
    (*key_type == KeyType::Rsa { bits: 1024 }).then(|| {
        warning(
            Code::CertKeyType,
            format!("{file} has an RSA 1024 key, which ACM imports but browsers distrust"),
            file,
            format!("{ACCEPTED_KEYS}; reissue the certificate for an RSA 2048 key"),
        )
    })
}

/// A leaf that still works today but will bite later: it expires within
/// [`EXPIRY_WARNING_DAYS`], or it is an issued CA certificate (clients refuse an
/// intermediate as a site's certificate; usually the files were swapped).
fn leaf_warnings(leaf: &Certificate, now: OffsetDateTime) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    let left = leaf.not_after - now;
    if left >= time::Duration::ZERO && left < time::Duration::days(EXPIRY_WARNING_DAYS) {
        warnings.push(warning(
            Code::CertValidity,
            format!("{} expires {} ({})", leaf.name(), when::relative(now, leaf.not_after), when::utc(leaf.not_after)),
            &leaf.file,
            "renew it now: a listener with an expired certificate fails every TLS handshake".into(),
        ));
    }
    // `openssl req -x509` marks its self-signed certificates as CAs: only an issued CA
    // certificate (an intermediate) in the site's place is the swapped-files mistake.
    if leaf.is_ca && !leaf.self_signed {
        warnings.push(warning(
            Code::CertChain,
            format!("{} is a CA certificate, used here as the site's certificate", leaf.name()),
            &leaf.file,
            "pass the site's own certificate as CERT and the CA certificates with --chain".into(),
        ));
    }
    warnings
}

/// Whether the certificate name `name` covers `domain`: equal ignoring case, or a wildcard
/// `*.rest` for exactly one more label.
fn covers(name: &str, domain: &str) -> bool {
    let (name, domain) = (name.to_ascii_lowercase(), domain.to_ascii_lowercase());
    match name.strip_prefix("*.") {
        Some(rest) => domain.split_once('.').is_some_and(|(label, tail)| !label.is_empty() && tail == rest),
        None => name == domain,
    }
}

/// How close an expiry must be for `certs inspect` to warn.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// A warning when the certificates were not given in the order AWS takes them (the leaf, then
/// each certificate's issuer after it), located at the first one out of place. The report
/// shows the chain in order, but the files are what a user uploads with other tools: ACM's
/// import "Each certificate in the chain must directly certify the one preceding"
/// (<https://docs.aws.amazon.com/acm/latest/userguide/troubleshoot-import.html>).
fn order_warning(read: &[Certificate], chain: &Chain, cert_file: &str) -> Option<Diagnostic> {
    // A leaf found in the chain file has a warning of its own, which says what to do.
    if chain.leaf().file != cert_file {
        return None;
    }
    let mut seen = std::collections::HashSet::new();
    let read: Vec<&Certificate> = read.iter().filter(|c| seen.insert(c.sha256.as_str())).collect();
    let at = read.iter().zip(&chain.certs).position(|(r, c)| r.sha256 != c.sha256)?;
    let misplaced = read[at];
    let message = if at == 0 {
        format!(
            "{} starts with {}, not with the site's certificate {}",
            misplaced.file,
            misplaced.name(),
            chain.leaf().name()
        )
    } else {
        let before = &chain.certs[at - 1];
        format!(
            "the chain is out of order: {} comes after {}, whose issuer is {}",
            misplaced.name(),
            before.name(),
            chain.certs[at].name()
        )
    };
    let names = |certs: &mut dyn Iterator<Item = &Certificate>| certs.map(|c| c.name()).collect::<Vec<_>>().join(", ");
    let warning = warning(
        Code::CertChain,
        message,
        &misplaced.file,
        "ACM and IAM take the site's certificate alone and the chain as its issuer, then that \
         issuer's issuer: `--write-leaf FILE --write-chain FILE` writes the two files in that order \
         (`compose-cfn certs create` uploads them in order already)"
            .into(),
    );
    let warning = match misplaced.line {
        Some(line) => warning.at_line(line, CERTIFICATE_MARKER),
        None => warning,
    };
    Some(
        warning
            .with_note(format!("read in this order: {}", names(&mut read.iter().copied())))
            .with_note(format!("in order: {}", names(&mut chain.certs.iter()))),
    )
}

fn chain_warnings(chain: &Chain, cert_file: &str, now: OffsetDateTime) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    let leaf = chain.leaf();
    if leaf.file != cert_file {
        warnings.push(warning(
            Code::CertChain,
            format!("the leaf certificate {} is in {}, not in {cert_file}", leaf.name(), leaf.file),
            &leaf.file,
            "pass the site's own certificate first and its intermediates with --chain".into(),
        ));
    }
    for dup in &chain.duplicates {
        warnings.push(warning(
            Code::CertChain,
            format!("{} appears more than once; the copy in {} is ignored", dup.name(), dup.file),
            &dup.file,
            "remove the repeated certificate".into(),
        ));
    }
    for cert in chain.intermediates() {
        if check_validity(cert, now).is_err() {
            warnings.push(warning(
                Code::CertValidity,
                format!(
                    "the chain certificate {} is outside its validity ({} to {})",
                    cert.name(),
                    when::utc(cert.not_before),
                    when::utc(cert.not_after)
                ),
                &cert.file,
                "clients may refuse the chain: get the current intermediate from your \
                 certificate authority"
                    .into(),
            ));
        }
    }
    if let Some(missing) = chain.missing_issuer() {
        let last = chain.certs.last().unwrap_or(leaf);
        let cloudflare = if missing.to_ascii_lowercase().contains("cloudflare origin") {
            " Cloudflare origin certificates are trusted only by Cloudflare's proxy; its \
             Origin CA root certificate, from Cloudflare's documentation, is the chain."
        } else {
            ""
        };
        warnings.push(if chain.certs.len() == 1 {
            warning(
                Code::CertChain,
                format!("no chain: {} is issued by {missing}, and no intermediate is given", leaf.name()),
                &leaf.file,
                format!(
                    "pass the intermediate certificates your certificate authority sent with \
                     --chain (or append them to the certificate file); without them many \
                     clients cannot verify the certificate.{cloudflare}"
                ),
            )
        } else {
            warning(
                Code::CertChain,
                format!("the chain ends at {}, whose issuer {missing} is not included", last.name()),
                &last.file,
                format!(
                    "that is fine when {missing} is a root that clients trust; otherwise add \
                     its certificate to the chain.{cloudflare}"
                ),
            )
        });
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::covers;

    #[test]
    fn a_wildcard_covers_exactly_one_more_label() {
        assert!(covers("*.example.org", "www.EXAMPLE.org"));
        assert!(!covers("*.example.org", "example.org"));
        assert!(!covers("*.example.org", "a.b.example.org"));
        assert!(!covers("*.example.org", ".example.org"));
        assert!(covers("Example.org", "example.org"));
        assert!(!covers("example.org", "www.example.org"));
    }
}
