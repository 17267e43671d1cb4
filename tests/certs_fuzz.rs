//! No input makes the certificate readers panic: arbitrary bytes, arbitrary PEM blocks, and
//! valid certificates and keys with bytes flipped all end in a value or a typed error.

#[path = "certs/support.rs"]
mod support;

use compose_cfn::certs::{self, CertError, Input, read_certificates, read_private_key};
use proptest::prelude::*;
use support::{fixture, now};

const LABELS: &[&str] = &[
    "CERTIFICATE",
    "PRIVATE KEY",
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
    "CERTIFICATE REQUEST",
    "PUBLIC KEY",
    "X509 CRL",
    "NONSENSE",
];

fn armor(label: &str, der: &[u8]) -> Vec<u8> {
    pem::encode(&pem::Pem::new(label, der.to_vec())).into_bytes()
}

/// The DER inside the first PEM block of a committed fixture.
fn fixture_der(name: &str) -> Vec<u8> {
    pem::parse(fixture(name)).expect("fixture PEM").into_contents()
}

fn assert_typed(result: Result<impl Sized, CertError>) {
    if let Err(e) = result {
        assert!(!e.to_string().is_empty());
        assert!(!e.help().is_empty());
        assert!(matches!(e.exit_code(), 1 | 2));
    }
}

/// Runs every reader and the whole inspection on the same bytes.
fn read_everything(bytes: &[u8]) {
    assert_typed(read_certificates("fuzz.pem", bytes));
    assert_typed(read_private_key("fuzz.key", bytes));
    let input = Input { file: "fuzz", bytes };
    let report = certs::inspect(input, Some(input), Some(input), now());
    let _ = certs::render::inspection(&report, now());
    let diagnostics = report.diagnostics.iter().cloned().collect();
    let _ = compose_cfn::diagnostic::render_human(&diagnostics, &compose_cfn::source::Sources::new(), false);
    assert_eq!(report.ok, report.diagnostics.iter().all(|d| d.severity != certs::Severity::Error));
}

fn mutate(mut der: Vec<u8>, flips: &[(usize, u8)], cut: usize) -> Vec<u8> {
    for (at, byte) in flips {
        let len = der.len();
        der[at % len] ^= byte;
    }
    der.truncate(der.len() - cut % (der.len() / 4));
    der
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        read_everything(&bytes);
    }

    #[test]
    fn arbitrary_text_with_pem_lines(
        lines in proptest::collection::vec(
            prop_oneof![
                Just("-----BEGIN CERTIFICATE-----".to_string()),
                Just("-----END CERTIFICATE-----".to_string()),
                Just("-----BEGIN PRIVATE KEY-----".to_string()),
                Just("-----END PRIVATE KEY-----".to_string()),
                Just("Proc-Type: 4,ENCRYPTED".to_string()),
                "[A-Za-z0-9+/=]{0,80}",
                ".{0,40}",
            ],
            0..20,
        )
    ) {
        read_everything(lines.join("\n").as_bytes());
    }

    #[test]
    fn arbitrary_der_in_every_pem_label(
        label in proptest::sample::select(LABELS),
        der in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        read_everything(&armor(label, &der));
    }

    #[test]
    fn damaged_certificates(
        name in proptest::sample::select(&["rsa.pem", "ec.pem", "ed25519.pem", "chain-intermediate.pem"][..]),
        flips in proptest::collection::vec((any::<usize>(), 1u8..), 1..6),
        cut in any::<usize>(),
    ) {
        let der = mutate(fixture_der(name), &flips, cut);
        read_everything(&armor("CERTIFICATE", &der));
        read_everything(&der);
    }

    #[test]
    fn damaged_keys(
        (name, label) in proptest::sample::select(&[
            ("rsa-pkcs1-TEST-ONLY.key", "RSA PRIVATE KEY"),
            ("rsa-pkcs8-TEST-ONLY.key", "PRIVATE KEY"),
            ("ed25519-TEST-ONLY.key", "PRIVATE KEY"),
        ][..]),
        flips in proptest::collection::vec((any::<usize>(), 1u8..), 1..6),
        cut in any::<usize>(),
    ) {
        let der = mutate(fixture_der(name), &flips, cut);
        read_everything(&armor(label, &der));
    }
}

#[test]
fn damaged_sec1_key_after_its_parameters_block() {
    // The SEC1 fixture starts with an EC PARAMETERS block; damage the key block behind it.
    let text = String::from_utf8(fixture("ec-sec1-TEST-ONLY.key")).unwrap();
    let blocks = pem::parse_many(&text).unwrap();
    let key = blocks.iter().find(|b| b.tag() == "EC PRIVATE KEY").unwrap();
    for cut in 1..key.contents().len() {
        read_everything(&armor("EC PRIVATE KEY", &key.contents()[..cut]));
    }
}
