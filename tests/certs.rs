//! The certificate layer (issue 4): every bad input gives its own error, good input its facts.

#[path = "certs/support.rs"]
mod support;

use compose_cfn::certs::{
    self, CertError, Curve, DerContent, Expected, KeyChoice, KeyFormat, KeyType, SelfSignedRequest, Severity,
    SignatureCheck, build_chain, check_key_matches, read_certificates, read_private_key,
};
use support::{fixture, inspect, inspect_fixtures, now};
use time::Duration;

/// `openssl x509 -in F -noout -pubkey | openssl pkey -pubin -outform der | sha256sum`
const RSA_SPKI_SHA256: &str = "bec3d6847df49af4b55f7d03703c751676526fd3e8cb22657b158ef1da26d6b9";
const EC_SPKI_SHA256: &str = "3892d1a9e42b73fc01a5f9f185f8e69d953751193f126fc8acd7347cabe48964";
/// `openssl x509 -in rsa.pem -noout -fingerprint -sha256`
const RSA_CERT_SHA256: &str =
    "85:C9:53:C4:F8:45:61:89:8A:B5:F8:96:B9:4A:BA:BE:65:96:95:5C:B3:9C:0D:CC:F1:2C:15:22:D7:D8:AD:BE";

fn certs_err(name: &str) -> CertError {
    read_certificates(name, &fixture(name)).expect_err(name)
}

fn key_err(name: &str) -> CertError {
    read_private_key(name, &fixture(name)).expect_err(name)
}

fn has_error(report: &certs::Inspection, needle: &str) -> bool {
    report.diagnostics.iter().any(|d| d.severity == Severity::Error && d.message.contains(needle))
}

fn warnings(report: &certs::Inspection) -> Vec<&compose_cfn::diagnostic::Diagnostic> {
    report.diagnostics.iter().filter(|d| d.severity == Severity::Warning).collect()
}

// ---- facts about good certificates and keys ----

#[test]
fn certificate_facts_match_what_openssl_says() {
    let certs = read_certificates("rsa.pem", &fixture("rsa.pem")).unwrap();
    let [cert] = certs.as_slice() else { panic!("one certificate") };
    assert_eq!(cert.common_name.as_deref(), Some("rsa.example.test"));
    assert_eq!(cert.dns_names, ["rsa.example.test", "www.rsa.example.test"]);
    assert_eq!(cert.issuer, "CN=rsa.example.test");
    assert!(cert.self_signed);
    assert_eq!(cert.public_key.key_type, KeyType::Rsa { bits: 2048 });
    assert_eq!(cert.public_key.sha256, RSA_SPKI_SHA256);
    assert_eq!(cert.sha256, RSA_CERT_SHA256);
    assert!(cert.not_before < now() && now() < cert.not_after);
    assert!(cert.to_pem().starts_with("-----BEGIN CERTIFICATE-----"));
}

#[test]
fn pkcs1_pkcs8_and_sec1_keys_are_read_and_match_their_certificates() {
    let rsa = &read_certificates("rsa.pem", &fixture("rsa.pem")).unwrap()[0];
    let ec = &read_certificates("ec.pem", &fixture("ec.pem")).unwrap()[0];
    for (name, format, cert) in [
        ("rsa-pkcs1-TEST-ONLY.key", KeyFormat::Pkcs1, rsa),
        ("rsa-pkcs8-TEST-ONLY.key", KeyFormat::Pkcs8, rsa),
        ("ec-sec1-TEST-ONLY.key", KeyFormat::Sec1, ec),
    ] {
        let key = read_private_key(name, &fixture(name)).unwrap();
        assert_eq!(key.format, format, "{name}");
        assert_eq!(key.public_key.as_ref().unwrap().sha256, cert.public_key.sha256, "{name}");
        check_key_matches(cert, &key).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    assert_eq!(ec.public_key.key_type, KeyType::Ecdsa { curve: Curve::P256 });
    assert_eq!(ec.public_key.sha256, EC_SPKI_SHA256);
}

#[test]
fn rcgen_pkcs8_ecdsa_key_matches_its_certificate() {
    let ca = support::root("Test Root");
    let leaf = support::leaf(&["app.example.test"], &ca);
    let report = inspect(
        ("app.pem", leaf.cert.as_bytes()),
        Some(("ca.pem", ca.pem().as_bytes())),
        Some(("app.key", leaf.key.as_bytes())),
    );
    assert_eq!(report.key_matches, Some(true), "{:?}", report.diagnostics);
    assert!(report.ok, "{:?}", report.diagnostics);
    assert_eq!(report.key.unwrap().format, KeyFormat::Pkcs8);
}

#[test]
fn inspect_of_a_self_signed_certificate_with_its_key() {
    let report = inspect_fixtures("rsa.pem", None, Some("rsa-pkcs1-TEST-ONLY.key"));
    assert!(report.ok);
    assert_eq!(report.exit_code(), 0);
    snapshot!("inspect_self_signed_with_key", support::human(&report), random = false);
}

#[test]
fn inspect_json_has_the_same_facts() {
    let report = inspect_fixtures("chain-leaf.pem", Some("chain-bundle.pem"), Some("chain-leaf-TEST-ONLY.key"));
    let json = serde_json::to_string_pretty(&report).unwrap();
    snapshot!("inspect_chain_json", json, random = false);
}

// ---- chains ----

#[test]
fn a_chain_file_in_aws_order_links_up_and_is_verified() {
    let report = inspect_fixtures("chain-leaf.pem", Some("chain-bundle.pem"), Some("chain-leaf-TEST-ONLY.key"));
    assert!(report.ok, "{:?}", report.diagnostics);
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    let names: Vec<&str> = report.chain.iter().map(|c| c.name()).collect();
    assert_eq!(names, ["shop.example.test", "Example Test Intermediate CA", "Example Test Root CA"]);
    assert_eq!(report.links, [SignatureCheck::Verified, SignatureCheck::Verified]);
    snapshot!("inspect_chain_human", support::human(&report), random = false);
}

#[test]
fn the_leaf_is_found_among_shuffled_certificates_in_one_file() {
    let root = support::root("Shuffle Root");
    let mid = support::intermediate("Shuffle Intermediate", &root);
    let leaf = support::leaf(&["shuffle.example.test"], &mid);
    let bundle = format!("{}{}{}", mid.pem(), root.pem(), leaf.cert);
    let certs = read_certificates("bundle.pem", bundle.as_bytes()).unwrap();
    let chain = build_chain(certs).unwrap();
    assert_eq!(chain.leaf().name(), "shuffle.example.test");
    assert_eq!(chain.leaf().index, 3, "the leaf was the third block of the file");
    let names: Vec<&str> = chain.intermediates().iter().map(|c| c.name()).collect();
    assert_eq!(names, ["Shuffle Intermediate", "Shuffle Root"]);
    assert_eq!(chain.missing_issuer(), None);
}

#[test]
fn a_chain_that_does_not_link_up_is_an_error_naming_the_stray_and_the_missing_issuer() {
    let root = support::root("Real Root");
    let real_mid = support::intermediate("Real Intermediate", &root);
    let other_mid = support::intermediate("Other Intermediate", &root);
    let leaf = support::leaf(&["site.example.test"], &real_mid);
    let certs = [
        read_certificates("site.pem", leaf.cert.as_bytes()).unwrap(),
        read_certificates("chain.pem", other_mid.pem().as_bytes()).unwrap(),
    ]
    .concat();
    let err = build_chain(certs).unwrap_err();
    match &err {
        CertError::ChainBroken { file, stray, leaf, missing_issuer } => {
            assert_eq!(file, "chain.pem");
            assert_eq!(stray, "Other Intermediate");
            assert_eq!(leaf, "site.example.test");
            assert_eq!(missing_issuer.as_deref(), Some("O=compose-cfn tests, CN=Real Intermediate"));
        }
        other => panic!("{other:?}"),
    }
    let report = inspect(("site.pem", leaf.cert.as_bytes()), Some(("chain.pem", other_mid.pem().as_bytes())), None);
    assert!(!report.ok && !report.chain_ordered);
    snapshot!("inspect_chain_broken", support::human(&report), random = true);
}

#[test]
fn a_stray_certificate_after_the_root_is_an_error_too() {
    let root = support::root("Root A");
    let leaf = support::leaf(&["a.example.test"], &root);
    let unrelated = support::root("Root B");
    let certs = [leaf.cert.clone(), root.pem(), unrelated.pem()].concat();
    let all = read_certificates("all.pem", certs.as_bytes()).unwrap();
    let err = build_chain(all).unwrap_err();
    assert!(matches!(&err, CertError::ChainBroken { stray, missing_issuer: None, .. } if stray == "Root B"), "{err:?}");
}

#[test]
fn an_issuer_with_the_right_name_but_the_wrong_key_is_caught_by_the_signature() {
    let real = support::root("Same Name CA");
    let impostor = support::root("Same Name CA");
    let leaf = support::leaf(&["sig.example.test"], &real);
    let certs = [leaf.cert, impostor.pem()].concat();
    let err = build_chain(read_certificates("b.pem", certs.as_bytes()).unwrap()).unwrap_err();
    assert!(
        matches!(&err, CertError::ChainSignature { subject, issuer, .. }
            if subject == "sig.example.test" && issuer == "Same Name CA"),
        "{err:?}"
    );
}

#[test]
fn a_missing_chain_is_a_warning_not_an_error() {
    let root = support::root("Lonely Root");
    let leaf = support::leaf(&["lonely.example.test"], &root);
    let report = inspect(("lonely.pem", leaf.cert.as_bytes()), None, None);
    assert!(report.ok);
    let w = warnings(&report);
    assert_eq!(w.len(), 1, "{:?}", report.diagnostics);
    assert!(w[0].message.starts_with("no chain: lonely.example.test is issued by"), "{}", w[0].message);
}

#[test]
fn a_chain_that_stops_before_its_root_is_a_warning() {
    let root = support::root("Distant Root");
    let mid = support::intermediate("Near Intermediate", &root);
    let leaf = support::leaf(&["near.example.test"], &mid);
    let report = inspect(("near.pem", leaf.cert.as_bytes()), Some(("mid.pem", mid.pem().as_bytes())), None);
    assert!(report.ok);
    assert_eq!(report.chain.len(), 2);
    assert_eq!(
        support::messages(&report.diagnostics),
        ["the chain ends at Near Intermediate, whose issuer O=compose-cfn tests, CN=Distant Root is not included"]
    );
}

#[test]
fn cloudflare_origin_certificates_get_a_hint_about_their_root() {
    let cloudflare = support::root("CloudFlare Origin SSL Certificate Authority");
    let leaf = support::leaf(&["origin.example.test"], &cloudflare);
    let report = inspect(("origin.pem", leaf.cert.as_bytes()), None, None);
    let help = warnings(&report)[0].help.clone().unwrap();
    assert!(help.contains("Cloudflare origin certificates are trusted only by Cloudflare"), "{help}");
}

#[test]
fn duplicates_and_a_leaf_in_the_chain_file_are_warned_about() {
    let root = support::root("Dup Root");
    let leaf = support::leaf(&["dup.example.test"], &root);
    let chain = format!("{}{}", leaf.cert, root.pem());
    let report = inspect(("root.pem", root.pem().as_bytes()), Some(("chain.pem", chain.as_bytes())), None);
    assert!(report.ok);
    assert_eq!(report.chain[0].name(), "dup.example.test");
    assert_eq!(
        support::messages(&report.diagnostics),
        [
            "the leaf certificate dup.example.test is in chain.pem, not in root.pem",
            "Dup Root appears more than once; the copy in chain.pem is ignored",
        ]
    );
}

// ---- bad input: each its own error ----

#[test]
fn der_certificate_says_der_and_gives_the_openssl_conversion() {
    let err = certs_err("rsa.der");
    assert!(matches!(err, CertError::Der { content: DerContent::Certificate, .. }), "{err:?}");
    assert_eq!(err.to_string(), "rsa.der is binary DER, not PEM text (it holds a certificate)");
    assert!(err.help().contains("`openssl x509 -inform der -in rsa.der -out rsa.der.pem`"));
    assert_eq!(err.exit_code(), 1);
}

#[test]
fn der_key_gives_the_openssl_pkey_conversion() {
    let err = key_err("rsa-TEST-ONLY.der.key");
    assert!(matches!(err, CertError::Der { content: DerContent::PrivateKey, .. }), "{err:?}");
    assert!(err.help().contains("openssl pkey -inform der -in rsa-TEST-ONLY.der.key"));
}

#[test]
fn pkcs12_archive_is_recognised_and_split_with_openssl() {
    let err = certs_err("rsa-TEST-ONLY.p12");
    assert!(matches!(err, CertError::Der { content: DerContent::Pkcs12, .. }), "{err:?}");
    assert!(err.help().contains("openssl pkcs12 -in rsa-TEST-ONLY.p12 -nokeys"));
}

#[test]
fn empty_and_blank_files_are_empty() {
    for bytes in [&b""[..], b" \n\r\n\t"] {
        let err = read_certificates("e.pem", bytes).unwrap_err();
        assert!(matches!(err, CertError::Empty { expected: Expected::Certificate, .. }), "{err:?}");
        let err = read_private_key("e.key", bytes).unwrap_err();
        assert!(matches!(err, CertError::Empty { expected: Expected::PrivateKey, .. }), "{err:?}");
    }
}

#[test]
fn text_without_pem_is_not_pem() {
    let err = read_certificates("page.html", b"<html>404 Not Found</html>").unwrap_err();
    assert!(matches!(err, CertError::NotPem { .. }), "{err:?}");
    assert!(err.help().contains("-----BEGIN CERTIFICATE-----"));
}

#[test]
fn truncated_or_corrupted_pem_is_damaged() {
    let pem = String::from_utf8(fixture("rsa.pem")).unwrap();
    let truncated = &pem[..pem.len() / 2];
    let err = read_certificates("cut.pem", truncated.as_bytes()).unwrap_err();
    assert!(matches!(err, CertError::BadPem { .. }), "{err:?}");
    let corrupted = pem.replacen("MII", "M!I", 1);
    let err = read_certificates("bad.pem", corrupted.as_bytes()).unwrap_err();
    assert!(matches!(err, CertError::BadPem { .. }), "{err:?}");
    let garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let err = read_certificates("junk.pem", garbage.as_bytes()).unwrap_err();
    assert!(matches!(err, CertError::InvalidCertificate { index: 1, .. }), "{err:?}");
}

#[test]
fn a_key_where_a_certificate_is_expected_and_vice_versa() {
    let err = certs_err("rsa-pkcs1-TEST-ONLY.key");
    assert!(matches!(err, CertError::KeyNotCertificate { .. }), "{err:?}");
    assert!(err.help().contains("swap"));
    // An encrypted key is still a key, not something else.
    let err = certs_err("rsa-encrypted-pkcs8-TEST-ONLY.key");
    assert!(matches!(err, CertError::KeyNotCertificate { .. }), "{err:?}");
    let err = key_err("rsa.pem");
    assert!(matches!(err, CertError::CertificateNotKey { .. }), "{err:?}");
}

#[test]
fn a_certificate_request_is_told_apart_from_a_certificate() {
    let key = rcgen::KeyPair::generate().unwrap();
    let csr = rcgen::CertificateParams::new(vec!["csr.example.test".to_string()])
        .unwrap()
        .serialize_request(&key)
        .unwrap()
        .pem()
        .unwrap();
    let err = read_certificates("site.csr", csr.as_bytes()).unwrap_err();
    assert!(matches!(&err, CertError::UnexpectedPem { found, .. } if found == &["CERTIFICATE REQUEST"]), "{err:?}");
    assert!(err.help().contains("certificate signing request"));
}

#[test]
fn passphrase_protected_keys_say_how_to_decrypt_them() {
    for name in ["rsa-encrypted-pkcs8-TEST-ONLY.key", "rsa-encrypted-pkcs1-TEST-ONLY.key"] {
        let err = key_err(name);
        assert!(matches!(err, CertError::EncryptedKey { .. }), "{name}: {err:?}");
        assert!(err.help().contains(&format!("openssl pkey -in {name} -out {name}.dec")), "{name}");
    }
}

#[test]
fn a_file_with_two_keys_is_refused() {
    let two = [fixture("rsa-pkcs1-TEST-ONLY.key"), fixture("ec-sec1-TEST-ONLY.key")].concat();
    let err = read_private_key("two.key", &two).unwrap_err();
    assert!(matches!(err, CertError::MultipleKeys { count: 2, .. }), "{err:?}");
}

#[test]
fn a_key_that_does_not_match_shows_both_fingerprints() {
    let report = inspect_fixtures("rsa.pem", None, Some("ec-sec1-TEST-ONLY.key"));
    assert!(!report.ok);
    assert_eq!(report.exit_code(), 1);
    assert_eq!(report.key_matches, Some(false));
    let mismatch = &report.diagnostics[0];
    assert_eq!(mismatch.message, "ec-sec1-TEST-ONLY.key does not belong to the certificate in rsa.pem");
    assert_eq!(
        mismatch.notes,
        [
            format!("certificate's public key SHA-256: {RSA_SPKI_SHA256}"),
            format!("private key's public key SHA-256: {EC_SPKI_SHA256}"),
        ]
    );
    snapshot!("inspect_key_mismatch", support::human(&report), random = false);
}

#[test]
fn expired_and_not_yet_valid_certificates_are_errors() {
    let expired = support::self_signed_leaf("old.example.test", now() - Duration::days(400), 365);
    let report = inspect(("old.pem", expired.cert.as_bytes()), None, Some(("old.key", expired.key.as_bytes())));
    assert!(
        has_error(&report, "the certificate for old.example.test in old.pem expired on"),
        "{:?}",
        report.diagnostics
    );
    assert_eq!(report.key_matches, Some(true), "the rest is still checked");
    snapshot!("inspect_expired", support::human(&report), random = true);

    let future = support::self_signed_leaf("new.example.test", now() + Duration::days(3), 90);
    let certs = read_certificates("new.pem", future.cert.as_bytes()).unwrap();
    let err = certs::check_validity(&certs[0], now()).unwrap_err();
    assert!(matches!(err, CertError::NotYetValid { .. }), "{err:?}");
    assert!(err.to_string().contains("(in 2 days)") || err.to_string().contains("(in 3 days)"), "{err}");
}

#[test]
fn key_types_aws_refuses_are_errors_that_say_what_it_accepts() {
    for (name, key) in [("rsa8192.pem", "RSA 8192"), ("ed25519.pem", "Ed25519")] {
        let report = inspect((name, &fixture(name)), None, None);
        let expected = format!("the {key} key in {name} is not accepted by ACM or the load balancers");
        assert!(has_error(&report, &expected), "{name}: {:?}", report.diagnostics);
        let help = report.diagnostics[0].help.as_deref().unwrap();
        assert!(help.contains("1024, 2048, 3072 or 4096") && help.contains("P-256, P-384 or P-521"), "{help}");
    }
    let report = inspect_fixtures("rsa1024.pem", None, None);
    assert!(report.ok, "RSA 1024 is imported by ACM");
    assert_eq!(warnings(&report).len(), 1);
}

#[test]
fn an_ed25519_key_is_refused_without_printing_it() {
    let key = read_private_key("ed25519-TEST-ONLY.key", &fixture("ed25519-TEST-ONLY.key")).unwrap();
    assert_eq!(key.key_type, KeyType::Ed25519);
    let report = inspect_fixtures("rsa.pem", None, Some("ed25519-TEST-ONLY.key"));
    assert!(has_error(&report, "the Ed25519 key in ed25519-TEST-ONLY.key is not accepted"));
    assert!(has_error(&report, "does not belong to the certificate"));
    // The same refused type on both sides is said once, for the certificate.
    let report = inspect_fixtures("ed25519.pem", None, Some("ed25519-TEST-ONLY.key"));
    assert_eq!(report.diagnostics.len(), 1, "{:?}", report.diagnostics);
}

#[test]
fn no_private_key_material_appears_in_any_output() {
    let secrets: Vec<(String, Vec<u8>)> = [
        "rsa-pkcs1-TEST-ONLY.key",
        "rsa-pkcs8-TEST-ONLY.key",
        "ec-sec1-TEST-ONLY.key",
        "ed25519-TEST-ONLY.key",
        "chain-leaf-TEST-ONLY.key",
    ]
    .iter()
    .map(|n| (n.to_string(), fixture(n)))
    .collect();
    for (name, bytes) in &secrets {
        let text = String::from_utf8(bytes.clone()).unwrap();
        let body: Vec<&str> = text.lines().filter(|l| !l.starts_with("-----")).collect();
        let key = read_private_key(name, bytes).unwrap();
        let report = inspect(("rsa.pem", &fixture("rsa.pem")), None, Some((name, bytes)));
        let outputs = [
            format!("{key:?}"),
            serde_json::to_string(&key).unwrap(),
            serde_json::to_string(&report).unwrap(),
            support::human(&report),
        ];
        for out in &outputs {
            for line in &body {
                let probe = &line[..line.len().min(24)];
                assert!(!out.contains(probe), "{name}: key text {probe:?} leaked into {out}");
            }
            assert!(!out.contains("PRIVATE KEY-----"), "{name}: PEM leaked");
        }
    }
}

// ---- self-signed generation ----

#[test]
fn self_signed_rsa_by_default_and_ecdsa_on_request() {
    for (choice, key_type) in [
        (KeyChoice::Rsa2048, KeyType::Rsa { bits: 2048 }),
        (KeyChoice::EcdsaP256, KeyType::Ecdsa { curve: Curve::P256 }),
    ] {
        let request =
            SelfSignedRequest { domains: vec!["example.org".into(), "*.example.org".into()], days: 30, key: choice };
        let made = certs::self_signed(&request, now(), "site.pem").unwrap();
        assert!(!format!("{made:?}").contains("PRIVATE KEY"), "Debug hides the key");
        let cert = &made.certificate;
        assert_eq!(cert.public_key.key_type, key_type);
        assert_eq!(cert.dns_names, ["example.org", "*.example.org"]);
        assert_eq!(cert.common_name.as_deref(), Some("example.org"));
        assert!(cert.self_signed && !cert.is_ca);
        assert!(cert.not_before < now(), "backdated against clock skew");
        let lifetime = cert.not_after - now();
        assert!(lifetime > Duration::days(29) && lifetime <= Duration::days(30), "{lifetime}");
        let report =
            inspect(("site.pem", made.cert_pem.as_bytes()), None, Some(("site.key", made.key_pem.expose().as_bytes())));
        assert!(report.ok && report.key_matches == Some(true), "{:?}", report.diagnostics);
        assert_eq!(report.key.unwrap().format, KeyFormat::Pkcs8);
    }
}

#[test]
fn self_signed_serials_differ_between_runs() {
    let request = SelfSignedRequest { domains: vec!["a.example".into()], days: 1, key: KeyChoice::EcdsaP256 };
    let a = certs::self_signed(&request, now(), "a.pem").unwrap();
    let b = certs::self_signed(&request, now(), "b.pem").unwrap();
    assert_ne!(a.certificate.serial, b.certificate.serial);
}

#[test]
fn self_signed_refuses_bad_domains() {
    let request = SelfSignedRequest {
        domains: vec!["ok.example".into(), "bad domain".into()],
        days: 1,
        key: KeyChoice::EcdsaP256,
    };
    let err = certs::self_signed(&request, now(), "x.pem").unwrap_err();
    assert!(matches!(&err, CertError::InvalidDomain { domain, .. } if domain == "bad domain"), "{err:?}");
    assert_eq!(err.exit_code(), 2);
}

#[test]
fn self_signed_output_is_rendered() {
    let request = SelfSignedRequest {
        domains: vec!["example.org".into(), "www.example.org".into()],
        days: 365,
        key: KeyChoice::Rsa2048,
    };
    let made = certs::self_signed(&request, now(), "site.pem").unwrap();
    let text = certs::render::self_signed(&made, "site.pem", "site.key", now());
    snapshot!("self_signed_human", text, random = true);
}

#[test]
fn a_leaf_expiring_within_30_days_or_an_intermediate_as_the_leaf_is_a_warning() {
    let root = support::root("Soon Root");
    let soon = support::leaf_from(&["soon.example.test"], &root, support::now() - Duration::days(80), 100);
    let chain = root.pem();
    let report = support::inspect(("soon.pem", soon.cert.as_bytes()), Some(("root.pem", chain.as_bytes())), None);
    let said: Vec<(Severity, &str)> = report.diagnostics.iter().map(|d| (d.severity, d.message.as_str())).collect();
    assert!(report.ok, "a warning, not an error: {said:?}");
    assert!(
        said.iter().any(|(s, m)| *s == Severity::Warning && m.starts_with("soon.example.test expires in ")),
        "{said:?}"
    );

    let fine = support::leaf(&["fine.example.test"], &root);
    let report = support::inspect(("fine.pem", fine.cert.as_bytes()), Some(("root.pem", chain.as_bytes())), None);
    assert!(report.diagnostics.is_empty(), "90 days left: nothing to say: {:?}", report.diagnostics);

    let mid = support::intermediate("Swapped Intermediate", &root);
    let report = support::inspect(("mid.pem", mid.pem().as_bytes()), Some(("root.pem", chain.as_bytes())), None);
    let said: Vec<&str> = report.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert!(
        said.contains(&"Swapped Intermediate is a CA certificate, used here as the site's certificate"),
        "{said:?}"
    );
}

// ---- order: reported, and the files AWS takes written in its order ----

#[test]
fn a_chain_in_the_wrong_order_is_a_warning_at_the_certificate_out_of_place() {
    let leaf = fixture("chain-leaf.pem");
    let (mid, root) = (fixture("chain-intermediate.pem"), fixture("chain-root.pem"));
    let root_first = [root.as_slice(), mid.as_slice()].concat();
    let report = inspect(("leaf.pem", &leaf), Some(("chain.pem", &root_first)), None);
    assert!(report.ok, "a warning: {:?}", report.diagnostics);
    let [warning] = warnings(&report)[..] else { panic!("one warning: {:?}", report.diagnostics) };
    assert_eq!(
        warning.message,
        "the chain is out of order: Example Test Root CA comes after shop.example.test, whose issuer is \
         Example Test Intermediate CA"
    );
    let place = warning.file.as_ref().map(|f| (f.path.as_str(), f.line));
    assert_eq!(place, Some(("chain.pem", Some((1, "-----BEGIN CERTIFICATE-----")))));
    assert_eq!(
        warning.notes,
        [
            "read in this order: shop.example.test, Example Test Root CA, Example Test Intermediate CA",
            "in order: shop.example.test, Example Test Intermediate CA, Example Test Root CA",
        ]
    );
    assert!(warning.help.as_deref().unwrap().contains("--write-chain"), "{:?}", warning.help);
    let names: Vec<&str> = report.chain.iter().map(|c| c.name()).collect();
    assert_eq!(names, ["shop.example.test", "Example Test Intermediate CA", "Example Test Root CA"]);

    // In the order AWS takes: nothing to say.
    let in_order = [mid.as_slice(), root.as_slice()].concat();
    let report = inspect(("leaf.pem", &leaf), Some(("chain.pem", &in_order)), None);
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
}

#[test]
fn a_bundle_that_does_not_start_with_the_leaf_is_located_at_its_first_certificate() {
    let (leaf, mid) = (fixture("chain-leaf.pem"), fixture("chain-intermediate.pem"));
    // The intermediate first, then the leaf, as some CAs' `fullchain` downloads are misread.
    let bundle = [mid.as_slice(), b"\n", leaf.as_slice()].concat();
    let report = inspect(("bundle.pem", &bundle), None, None);
    let order: Vec<_> = warnings(&report).into_iter().filter(|w| w.message.contains("starts with")).collect();
    let [warning] = order[..] else { panic!("{:?}", report.diagnostics) };
    assert_eq!(
        warning.message,
        "bundle.pem starts with Example Test Intermediate CA, not with the site's certificate shop.example.test"
    );
    assert_eq!(warning.file.as_ref().and_then(|f| f.line).map(|(line, _)| line), Some(1));
    // The leaf's own line is found past the blank line: the second certificate's BEGIN line.
    assert_eq!(report.chain[0].line, Some(mid.split(|b| *b == b'\n').count() + 1));
}

#[test]
fn the_chain_for_upload_holds_the_issuers_in_order_without_the_leaf_or_a_root_clients_hold() {
    let root = support::root("Upload Root");
    let mid = support::intermediate("Upload Intermediate", &root);
    let leaf = support::leaf(&["upload.example.test"], &mid);
    let all = format!("{}{}{}", root.pem(), leaf.cert, mid.pem());
    let report = inspect(("all.pem", all.as_bytes()), None, None);
    let names = |certs: &[certs::Certificate]| certs.iter().map(|c| c.name().to_string()).collect::<Vec<_>>();
    assert_eq!(names(report.chain_for_upload().unwrap()), ["Upload Intermediate"]);

    // A leaf issued by the root itself (a private CA): the root is the chain, as ACM wants it.
    let direct = support::leaf(&["direct.example.test"], &root);
    let report = inspect(("direct.pem", direct.cert.as_bytes()), Some(("root.pem", root.pem().as_bytes())), None);
    assert_eq!(names(report.chain_for_upload().unwrap()), ["Upload Root"]);

    // Self-signed: no chain at all; and certificates that do not link up: no chain to write.
    let report = inspect_fixtures("rsa.pem", None, None);
    assert_eq!(report.chain_for_upload().map(<[_]>::len), Some(0));
    let stranger = support::root("Stranger Root");
    let broken = format!("{}{}", leaf.cert, stranger.pem());
    let report = inspect(("broken.pem", broken.as_bytes()), None, None);
    assert!(!report.ok && report.chain_for_upload().is_none(), "{:?}", report.diagnostics);
}
