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
    // Rendered as every command's diagnostics are, file named but not quoted, with the summary line.
    assert!(stderr.contains(&format!("\n--> {der}\n")), "{stderr}");
    assert!(
        stderr.contains(&format!(" = help: convert it with `openssl x509 -inform der -in {der} -out {der}.pem`")),
        "{stderr}"
    );
    assert!(stderr.ends_with("\nerror: could not inspect the certificate due to 1 error\n"), "{stderr}");
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

/// `compose-cfn ARGS` run in `dir`, so that relative paths are relative to it.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_compose-cfn")).args(args).current_dir(dir).output().expect("run compose-cfn")
}

#[test]
fn two_outputs_that_are_one_file_are_refused_however_they_are_spelled() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let absolute = dir.path().join("c.pem").display().to_string();
    // Neither file exists yet: text comparison and `canonicalize` both missed these, and the
    // key was written over the certificate.
    for (cert, key) in [("c.pem", "./c.pem"), ("sub/../c.pem", "c.pem"), ("c.pem", absolute.as_str())] {
        let out = run_in(dir.path(), &["certs", "self-signed", "a.example", "--cert-out", cert, "--key-out", key]);
        assert_eq!(code(&out), 2, "{cert} {key}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains(&format!("--cert-out and --key-out are both {cert}")),
            "{}",
            text(&out.stderr)
        );
        assert!(!dir.path().join("c.pem").exists(), "{cert} {key}: nothing is written");
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.path().join("sub"), dir.path().join("link")).unwrap();
        let out = run_in(
            dir.path(),
            &["certs", "self-signed", "a.example", "--cert-out", "sub/c.pem", "--key-out", "link/c.pem"],
        );
        assert_eq!(code(&out), 2, "{}", text(&out.stderr));
        assert!(!dir.path().join("sub/c.pem").exists());
    }

    let leaf = fx("chain-leaf.pem");
    let chain = root_first_chain(dir.path());
    let argv = ["certs", "inspect", &leaf, "--chain", &chain, "--write-leaf", "out.pem", "--write-chain", "./out.pem"];
    let out = run_in(dir.path(), &argv);
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--write-leaf and --write-chain are both ./out.pem"), "{}", text(&out.stderr));
    assert!(!dir.path().join("out.pem").exists());
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
    let quiet = run(&["certs", "inspect", &cert, "-q"]);
    assert_eq!((code(&quiet), text(&quiet.stderr)), (0, String::new()), "-q: errors only");
    let quiet_denied = run(&["-q", "certs", "inspect", &cert, "-D", "warnings"]);
    assert!(text(&quiet_denied.stderr).contains("error[cert-key-type]"), "{}", text(&quiet_denied.stderr));
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

/// The certificates of a PEM file, by name, in file order.
fn names_in(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let certs = compose_cfn::certs::read_certificates("written", &bytes).expect("PEM certificates");
    certs.iter().map(|c| c.name().to_string()).collect()
}

/// The chain fixtures in the order a user often has them: root first.
fn root_first_chain(dir: &Path) -> String {
    let path = dir.join("chain.pem");
    let bytes = [support::fixture("chain-root.pem"), support::fixture("chain-intermediate.pem")].concat();
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

/// `certs inspect chain-leaf.pem --chain CHAIN --write-leaf LEAF --write-chain CHAIN_OUT EXTRA…`.
fn inspect_writing(chain: &str, leaf_out: &Path, chain_out: &Path, extra: &[&str]) -> Output {
    let leaf = fx("chain-leaf.pem");
    let mut argv = vec!["certs", "inspect", &leaf, "--chain", chain];
    argv.extend(["--write-leaf", leaf_out.to_str().unwrap(), "--write-chain", chain_out.to_str().unwrap()]);
    argv.extend(extra);
    run(&argv)
}

#[test]
fn a_chain_out_of_order_is_reported_and_write_leaf_and_write_chain_put_it_in_aws_order() {
    let dir = tempfile::tempdir().unwrap();
    let chain = root_first_chain(dir.path());
    let (leaf_out, chain_out) = (dir.path().join("leaf.pem"), dir.path().join("intermediates.pem"));
    let out = inspect_writing(&chain, &leaf_out, &chain_out, &[]);
    assert_eq!(code(&out), 0, "a warning: {}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with(
            "warning[cert-chain]: the chain is out of order: Example Test Root CA comes after shop.example.test"
        ),
        "{stderr}"
    );
    assert!(stderr.contains(&format!(" --> {chain}:1:1\n  |\n1 | -----BEGIN CERTIFICATE-----\n")), "{stderr}");
    let stdout = text(&out.stdout);
    assert!(stdout.contains(&format!("Wrote        {} (1 certificate)\n", leaf_out.display())), "{stdout}");
    assert_eq!(names_in(&leaf_out), ["shop.example.test"]);
    // The intermediate only: no leaf, and no self-signed root (clients hold their roots).
    assert_eq!(names_in(&chain_out), ["Example Test Intermediate CA"]);
    let written = std::fs::read_to_string(&chain_out).unwrap();
    assert!(!written.contains('\r') && written.ends_with("-----END CERTIFICATE-----\n"), "{written:?}");

    // -D warnings makes the order an error, and nothing is written then.
    let (leaf_again, chain_again) = (dir.path().join("l2.pem"), dir.path().join("c2.pem"));
    let denied = inspect_writing(&chain, &leaf_again, &chain_again, &["-D", "warnings"]);
    assert_eq!(code(&denied), 1, "{}", text(&denied.stderr));
    assert!(text(&denied.stdout).contains("Wrote        nothing: a check failed"), "{}", text(&denied.stdout));
    assert!(!leaf_again.exists() && !chain_again.exists());
}

#[test]
fn write_leaf_and_write_chain_refuse_symlinks_inputs_stdout_and_a_self_signed_chain() {
    let dir = tempfile::tempdir().unwrap();
    let leaf = fx("chain-leaf.pem");
    let chain = root_first_chain(dir.path());
    let at = |name: &str| dir.path().join(name).display().to_string();

    #[cfg(unix)]
    {
        let target = dir.path().join("elsewhere");
        std::os::unix::fs::symlink(&target, dir.path().join("link.pem")).unwrap();
        let out = run(&[
            "certs",
            "inspect",
            &leaf,
            "--chain",
            &chain,
            "--write-leaf",
            &at("l.pem"),
            "--write-chain",
            &at("link.pem"),
        ]);
        assert_eq!(code(&out), 2, "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains("is a symlink, not a regular file"), "{}", text(&out.stderr));
        assert!(!target.exists() && !dir.path().join("l.pem").exists(), "neither file is written");
    }

    // Writing over an input would lose it; over the other output, one of the two.
    let out = run(&["certs", "inspect", &leaf, "--chain", &chain, "--write-chain", &chain]);
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).contains("--chain and --write-chain are both"), "{}", text(&out.stderr));
    let out = run(&["certs", "inspect", &leaf, "--write-leaf", &at("x.pem"), "--write-chain", &at("x.pem")]);
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).contains("--write-leaf and --write-chain are both"), "{}", text(&out.stderr));
    let out = run(&["certs", "inspect", &leaf, "--write-leaf", "-"]);
    assert_eq!(code(&out), 2);
    assert!(!Path::new("-").exists());

    // A self-signed certificate has no chain to write.
    let out = run(&["certs", "inspect", &fx("rsa.pem"), "--write-chain", &at("none.pem")]);
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("rsa.example.test is self-signed: it has no chain to write"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.path().join("none.pem").exists());
}

#[test]
fn inspect_json_lists_the_files_written() {
    let dir = tempfile::tempdir().unwrap();
    let leaf_out = dir.path().join("leaf.pem").display().to_string();
    let out = run(&["certs", "inspect", &fx("chain-leaf.pem"), "--write-leaf", &leaf_out, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["written"], serde_json::json!([leaf_out]), "{json}");
}

#[test]
fn inspect_format_github_writes_annotations_at_the_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let chain = root_first_chain(dir.path());
    let out = run(&["certs", "inspect", &fx("chain-leaf.pem"), "--chain", &chain, "--format", "github"]);
    assert_eq!(code(&out), 0);
    let stderr = text(&out.stderr);
    let chain_prop = chain.replace(':', "%3A").replace(',', "%2C");
    assert!(
        stderr.starts_with(&format!(
            "::warning file={chain_prop},line=1,col=1,title=compose-cfn cert-chain::the chain is out of order: "
        )),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line per finding, notes and help inside it: {stderr}");
    assert!(stderr.contains("%0Anote: read in this order: ") && stderr.contains("%0Ahelp: "), "{stderr}");
    assert!(text(&out.stdout).contains("Certificate  shop.example.test"), "the report stays on stdout");

    let out = run(&["certs", "inspect", "/nonexistent.pem", "--format", "github"]);
    assert_eq!(code(&out), 2);
    assert!(
        text(&out.stderr).starts_with("::error title=compose-cfn cert-io::cannot read /nonexistent.pem"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn format_json_makes_usage_errors_json_too() {
    for argv in [
        vec!["certs", "inspect", "--format", "json"],
        vec!["certs", "inspect", "site.pem", "--format=json", "--no-such-option"],
        vec!["--color", "never", "certs", "self-signed", "example.org", "--format", "json"],
    ] {
        let out = run(&argv);
        assert_eq!(code(&out), 2, "{argv:?}");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("{argv:?}: {e}: {}{}", text(&out.stdout), text(&out.stderr));
        });
        assert_eq!(json["ok"], false);
        assert_eq!(json["diagnostics"][0]["code"], "usage", "{json}");
        assert!(json["diagnostics"][0]["message"].as_str().unwrap().len() > 10, "{json}");
        assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    }
    // Commands whose JSON diagnostics are lines on stderr get a line there.
    let out = run(&["compile", "--format", "json", "--no-such-option"]);
    assert_eq!(code(&out), 2);
    let stderr = text(&out.stderr);
    let line: serde_json::Value = serde_json::from_str(stderr.trim()).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert_eq!((line["severity"].as_str(), line["code"].as_str()), (Some("error"), Some("usage")));
    assert!(line["message"].as_str().unwrap().contains("--no-such-option"), "{line}");
    // Help is still help.
    assert_eq!(code(&run(&["certs", "inspect", "--format", "json", "--help"])), 0);
}

/// `certs --format json` (the listing on AWS) fails in JSON too: here AWS is a closed port.
#[cfg(feature = "aws")]
#[test]
fn the_certificate_listing_says_its_failures_in_json_when_asked() {
    let out = Command::new(env!("CARGO_BIN_EXE_compose-cfn"))
        .args(["certs", "--format", "json", "--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9"])
        .env_clear()
        .envs([
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_MAX_ATTEMPTS", "1"),
        ])
        .output()
        .expect("run compose-cfn");
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    for line in stderr.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {stderr}"));
        assert_eq!(value["severity"], "error", "{value}");
    }
    assert!(!stderr.is_empty() && out.stdout.is_empty(), "{stderr}");
}
