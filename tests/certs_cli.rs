//! `compose-cfn certs …` end to end: exit codes, files written, what reaches stdout and stderr.

#[path = "certs/support.rs"]
mod support;

use std::path::Path;
use std::process::{Command, Output};
use support::fixture_path;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_compose-cfn")).args(args).output().expect("run compose-cfn")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn fx(name: &str) -> String {
    fixture_path(name).display().to_string()
}

#[test]
fn inspect_exits_0_when_every_check_passes() {
    let out = run(&[
        "certs",
        "inspect",
        &fx("chain-leaf.pem"),
        "--chain",
        &fx("chain-bundle.pem"),
        "--key",
        &fx("chain-leaf-TEST-ONLY.key"),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Private key  matches"), "{stdout}");
    assert!(stdout.contains("Expires      in "), "relative expiry: {stdout}");
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn inspect_exits_1_on_a_failed_check_with_a_rustc_style_message() {
    let der = fx("rsa.der");
    let out = run(&["certs", "inspect", &der]);
    assert_eq!(code(&out), 1);
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with(&format!("error[cert-format]: {der} is binary DER, not PEM text")), "{stderr}");
    assert!(stderr.contains(&format!("\n  --> {der}\n")), "{stderr}");
    assert!(
        stderr.contains(&format!("  = help: convert it with `openssl x509 -inform der -in {der} -out {der}.pem`")),
        "{stderr}"
    );
}

#[test]
fn inspect_exits_2_for_an_unreadable_file_or_bad_usage() {
    let out = run(&["certs", "inspect", "/nonexistent/site.pem"]);
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).starts_with("error[cert-io]: cannot read /nonexistent/site.pem"));
    let out = run(&["certs", "inspect", &fx("rsa.pem"), "--key", "/nonexistent/site.key"]);
    assert_eq!(code(&out), 2);
    assert_eq!(code(&run(&["certs", "inspect"])), 2);
    assert_eq!(code(&run(&["certs", "inspect", &fx("rsa.pem"), "--format", "yaml"])), 2);
}

#[test]
fn inspect_json_is_one_object_on_stdout() {
    let out = run(&["certs", "inspect", &fx("rsa.pem"), "--key", &fx("ec-sec1-TEST-ONLY.key"), "--format", "json"]);
    assert_eq!(code(&out), 1);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["ok"], false);
    assert_eq!(json["key_matches"], false);
    assert_eq!(json["certificate"]["dns_names"][1], "www.rsa.example.test");
    assert_eq!(json["diagnostics"][0]["severity"], "error");
    assert!(out.stderr.is_empty());

    let out = run(&["certs", "inspect", "/nonexistent.pem", "--format", "json"]);
    assert_eq!(code(&out), 2);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["ok"], false);
    assert_eq!(json["diagnostics"][0]["file"], "/nonexistent.pem");
}

fn self_signed(dir: &Path, extra: &[&str]) -> Output {
    let cert = dir.join("site.pem").display().to_string();
    let key = dir.join("site.key").display().to_string();
    let mut args = vec!["certs", "self-signed", "example.org", "www.example.org"];
    args.extend(["--cert-out", &cert, "--key-out", &key]);
    args.extend(extra);
    run(&args)
}

#[test]
fn self_signed_writes_a_cert_and_a_private_key_that_inspect_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let out = self_signed(dir.path(), &["--days", "90"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Key type     RSA 2048"), "{stdout}");
    assert!(!stdout.contains("PRIVATE KEY") && out.stderr.is_empty(), "the key is never printed");
    let (cert, key) = (dir.path().join("site.pem"), dir.path().join("site.key"));
    assert!(std::fs::read_to_string(&key).unwrap().starts_with("-----BEGIN PRIVATE KEY-----"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "key mode {mode:o}");
    }
    let out = run(&["certs", "inspect", &cert.display().to_string(), "--key", &key.display().to_string()]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Expires      in 2 months"), "{}", text(&out.stdout));
}

#[test]
fn self_signed_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("site.key");
    std::fs::write(&key, "precious").unwrap();
    let out = self_signed(dir.path(), &[]);
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).contains("already exists"), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&key).unwrap(), "precious");
    assert!(!dir.path().join("site.pem").exists(), "nothing written when refusing");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let out = self_signed(dir.path(), &["--force", "--ecdsa"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("ECDSA P-256"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "a replaced key does not keep the old file's mode");
    }
}

#[test]
fn self_signed_usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let same = dir.path().join("both.pem").display().to_string();
    let out = run(&["certs", "self-signed", "a.example", "--cert-out", &same, "--key-out", &same]);
    assert_eq!(code(&out), 2);
    let out = run(&[
        "certs",
        "self-signed",
        "not a domain",
        "--cert-out",
        &dir.path().join("c").display().to_string(),
        "--key-out",
        &dir.path().join("k").display().to_string(),
    ]);
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).contains("is not a valid domain name"));
    let out = self_signed(dir.path(), &["--days", "0"]);
    assert_eq!(code(&out), 2);
    assert!(!dir.path().join("site.key").exists());
}

#[test]
fn self_signed_json_reports_the_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let out = self_signed(dir.path(), &["--format", "json", "--ecdsa"]);
    assert_eq!(code(&out), 0);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["certificate"]["public_key"]["type"]["curve"], "P-256");
    assert!(!text(&out.stdout).contains("PRIVATE KEY"));
}

#[test]
fn certificate_errors_carry_registry_codes_that_explain_knows() {
    let out = run(&["certs", "inspect", &fx("rsa.der"), "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&text(&out.stdout)).expect("JSON");
    assert_eq!(report["diagnostics"][0]["code"], "cert-format", "{report}");
    let explained = run(&["explain", "cert-format"]);
    assert_eq!(code(&explained), 0);
    assert!(text(&explained.stdout).contains("PKCS#12"), "{}", text(&explained.stdout));
}

#[test]
fn inspect_takes_the_key_as_a_second_argument_as_convox_does() {
    let (cert, key) = (fx("chain-leaf.pem"), fx("chain-leaf-TEST-ONLY.key"));
    let out = run(&["certs", "inspect", &cert, &key, "--chain", &fx("chain-bundle.pem")]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Private key  matches"), "{}", text(&out.stdout));
    let both = run(&["certs", "inspect", &cert, &key, "--key", &key]);
    assert_eq!(code(&both), 2, "a key twice is a usage error");
}

#[test]
fn a_key_that_was_passed_is_never_asked_for() {
    // A certificate passed as the key: read, but not a private key.
    let out = run(&["certs", "inspect", &fx("rsa.pem"), "--key", &fx("rsa.pem")]);
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("pass --key"), "{stdout}");
    assert!(stdout.contains("could not be read as a private key"), "{stdout}");
}

#[test]
fn a_der_file_in_the_wrong_place_gets_the_command_for_what_it_holds_and_where_it_belongs() {
    let out = run(&["certs", "inspect", &fx("rsa.pem"), "--key", &fx("rsa.der")]);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("openssl x509 -inform der"), "a DER certificate is converted as one:\n{stderr}");
    assert!(stderr.contains("it is a certificate, not a private key"), "{stderr}");
    let out = run(&["certs", "inspect", &fx("rsa-TEST-ONLY.der.key")]);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("openssl pkey -inform der") && stderr.contains("pass it with --key"), "{stderr}");
    let out = run(&["certs", "inspect", &fx("rsa.der")]);
    assert!(!text(&out.stderr).contains("not a private key"), "in its place, only the conversion is said");
}

#[test]
fn certificate_warnings_fail_under_deny_warnings_and_go_under_allow() {
    let cert = fx("rsa1024.pem");
    let plain = run(&["certs", "inspect", &cert]);
    assert_eq!(code(&plain), 0);
    assert!(text(&plain.stderr).contains("warning[cert-key-type]"), "{}", text(&plain.stderr));
    let denied = run(&["certs", "inspect", &cert, "-D", "warnings"]);
    assert_eq!(code(&denied), 1);
    assert!(text(&denied.stderr).contains("error[cert-key-type]"), "{}", text(&denied.stderr));
    let allowed = run(&["certs", "inspect", &cert, "--allow", "cert-key-type"]);
    assert_eq!((code(&allowed), text(&allowed.stderr)), (0, String::new()));
}

#[test]
fn a_domain_the_certificate_does_not_cover_is_a_warning() {
    let cert = fx("rsa.pem");
    let covered = run(&["certs", "inspect", &cert, "--domain", "WWW.rsa.example.test", "--domain", "rsa.example.test"]);
    assert_eq!(code(&covered), 0);
    assert!(!text(&covered.stderr).contains("cert-domain"), "{}", text(&covered.stderr));
    let missing = run(&["certs", "inspect", &cert, "--domain", "shop.example.test"]);
    assert_eq!(code(&missing), 0, "a warning");
    let stderr = text(&missing.stderr);
    assert!(stderr.contains("warning[cert-domain]") && stderr.contains("does not cover shop.example.test"), "{stderr}");
    let denied = run(&["certs", "inspect", &cert, "--domain", "shop.example.test", "-D", "warnings"]);
    assert_eq!(code(&denied), 1);
}
