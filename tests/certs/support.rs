//! Shared helpers for the certificate tests: rcgen-made PKIs, committed fixtures, snapshot filters.
#![allow(dead_code)] // each test crate uses a different part

use compose_cfn::certs::{self, Input, Inspection};
use compose_cfn::diagnostic::{self, Diagnostic};
use compose_cfn::source::Sources;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use std::path::PathBuf;
use time::{Duration, OffsetDateTime};

/// The committed fixture `fixtures/certs/NAME`.
pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/certs").join(name)
}

/// The bytes of the committed fixture `fixtures/certs/NAME`.
pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// The real time: the committed fixtures are valid for a century from when they were made.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn distinguished(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "compose-cfn tests");
    dn.push(DnType::CommonName, cn);
    dn
}

fn validity(params: &mut CertificateParams, from: OffsetDateTime, days: i64) {
    params.not_before = from;
    params.not_after = from + Duration::days(days);
}

/// A certificate authority made with rcgen, ECDSA P-256.
pub type Ca = CertifiedIssuer<'static, KeyPair>;

fn ca_params(cn: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = distinguished(cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    validity(&mut params, now() - Duration::days(30), 3650);
    params
}

/// A self-signed root CA named `cn`.
pub fn root(cn: &str) -> Ca {
    let key = KeyPair::generate().expect("key");
    CertifiedIssuer::self_signed(ca_params(cn), key).expect("root")
}

/// An intermediate CA named `cn`, issued by `issuer`.
pub fn intermediate(cn: &str, issuer: &Ca) -> Ca {
    let key = KeyPair::generate().expect("key");
    CertifiedIssuer::signed_by(ca_params(cn), key, issuer).expect("intermediate")
}

/// A leaf certificate and its key, in PEM.
pub struct Leaf {
    pub cert: String,
    pub key: String,
}

/// A leaf for `domains`, issued by `issuer`, valid from `from` for `days`.
pub fn leaf_from(domains: &[&str], issuer: &Ca, from: OffsetDateTime, days: i64) -> Leaf {
    let key = KeyPair::generate().expect("key");
    let names: Vec<String> = domains.iter().map(|d| d.to_string()).collect();
    let mut params = CertificateParams::new(names).expect("params");
    params.distinguished_name = distinguished(domains[0]);
    validity(&mut params, from, days);
    let cert = params.signed_by(&key, issuer).expect("leaf");
    Leaf { cert: cert.pem(), key: key.serialize_pem() }
}

/// A leaf for `domains` issued by `issuer`, valid from a day ago for 90 days.
pub fn leaf(domains: &[&str], issuer: &Ca) -> Leaf {
    leaf_from(domains, issuer, now() - Duration::days(1), 90)
}

/// A self-signed ECDSA leaf for `domain`, valid from `from` for `days`.
pub fn self_signed_leaf(domain: &str, from: OffsetDateTime, days: i64) -> Leaf {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(vec![domain.to_string()]).expect("params");
    params.distinguished_name = distinguished(domain);
    validity(&mut params, from, days);
    let cert = params.self_signed(&key).expect("self-signed");
    Leaf { cert: cert.pem(), key: key.serialize_pem() }
}

/// Runs the library's inspect on named in-memory files.
pub fn inspect(cert: (&str, &[u8]), chain: Option<(&str, &[u8])>, key: Option<(&str, &[u8])>) -> Inspection {
    certs::inspect(
        Input { file: cert.0, bytes: cert.1 },
        chain.map(|(file, bytes)| Input { file, bytes }),
        key.map(|(file, bytes)| Input { file, bytes }),
        now(),
    )
}

/// Runs the library's inspect on committed fixtures, named as the fixtures are.
pub fn inspect_fixtures(cert: &str, chain: Option<&str>, key: Option<&str>) -> Inspection {
    let (chain, key) = (chain.map(|n| (n, fixture(n))), key.map(|n| (n, fixture(n))));
    inspect(
        (cert, &fixture(cert)),
        chain.as_ref().map(|(n, b)| (*n, b.as_slice())),
        key.as_ref().map(|(n, b)| (*n, b.as_slice())),
    )
}

/// What the human renderer prints: the report on stdout, then the diagnostics on stderr.
pub fn human(report: &Inspection) -> String {
    format!(
        "{}--- stderr ---\n{}",
        certs::render::inspection(report, now()),
        diagnostic::render_human(&report.diagnostics.iter().cloned().collect(), &Sources::new(), false)
    )
}

/// The diagnostics' messages, errors and warnings alike.
pub fn messages(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics.iter().map(|d| d.message.clone()).collect()
}

/// Insta filters that hide what changes from run to run: dates and relative times always;
/// with `random`, also fingerprints and serials (for rcgen-made certificates).
pub fn filters(random: bool) -> Vec<(&'static str, &'static str)> {
    let mut filters = vec![
        (r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}( UTC|Z)", "[DATE]"),
        (
            r"(in \d+ (minute|hour|day|month|year)s?|\d+ (minute|hour|day|month|year)s? ago|in less than a minute|less than a minute ago)",
            "[RELATIVE]",
        ),
    ];
    if random {
        filters.push((r"([0-9A-F]{2}:){31}[0-9A-F]{2}", "[SHA-256]"));
        filters.push((r"\b[0-9a-f]{64}\b", "[SHA-256]"));
        filters.push((r"\b([0-9a-f]{2}:){3,}[0-9a-f]{2}\b", "[SERIAL]"));
    }
    filters
}

/// Asserts a snapshot stored under `snapshots/certs/`, with [`filters`] applied.
#[macro_export]
macro_rules! snapshot {
    ($name:expr, $value:expr, random = $random:expr) => {
        insta::with_settings!({
            snapshot_path => "../snapshots/certs",
            prepend_module_to_snapshot => false,
            filters => support::filters($random),
        }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}
