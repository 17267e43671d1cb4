//! checkov (installed by .ci/run into target/pytools, run offline with `--skip-download`) on
//! every v2 template that terminates TLS: CKV_AWS_2 (the listener uses HTTPS/TLS or redirects
//! to HTTPS) and CKV_AWS_103 (TLS 1.2 at least) fail only where the manifest asks for it — a
//! plain `http` port without `redirect`, or a TLS policy label that admits TLS below 1.2 — and
//! never with the defaults.

mod common;

use common::{case_name, compile_fixture, fixture_dirs, python_tool};
use compose_cfn::interpret::labels::requires_tls12;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn checkov() -> PathBuf {
    python_tool("checkov", "CHECKOV")
}

/// Why a failed check on this listener is what the manifest asked for, or `None`.
fn asked_for(listener: &Value) -> Option<&'static str> {
    let p = &listener["Properties"];
    let action = &p["DefaultActions"][0]["Type"];
    if p["Protocol"] == "HTTP" && action == "forward" {
        return Some("a plain http port without convox.port.N.redirect");
    }
    match p["SslPolicy"].as_str() {
        Some(policy) if !requires_tls12(policy) => Some("a TLS policy label admitting TLS below 1.2"),
        _ => None,
    }
}

#[test]
fn v2_tls_listeners_pass_ckv_aws_2_and_103_unless_the_manifest_weakens_them() {
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("checkov-v2");
    let _ = std::fs::remove_dir_all(&out_dir);
    std::fs::create_dir_all(&out_dir).expect("create output dir");
    let mut templates: BTreeMap<String, Value> = BTreeMap::new();
    for dir in fixture_dirs() {
        let run = compile_fixture(&dir, &["--balancer", "v2"]);
        if run.code != 0
            || !(run.stdout.contains("\"Protocol\": \"HTTPS\"") || run.stdout.contains("\"Protocol\": \"TLS\""))
        {
            continue;
        }
        let name = format!("{}.json", case_name(&dir));
        std::fs::write(out_dir.join(&name), &run.stdout).expect("write template");
        templates.insert(format!("/{name}"), serde_json::from_str(&run.stdout).expect("JSON"));
    }
    assert!(templates.len() >= 10, "expected the fixtures to give TLS templates, got {}", templates.len());
    // One call for all files: checkov's start-up dominates its run time.
    let output = Command::new(checkov())
        .args(["--skip-download", "--framework", "cloudformation", "--check", "CKV_AWS_2,CKV_AWS_103", "-o", "json"])
        .arg("-d")
        .arg(&out_dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run checkov ({e}); `bash .ci/run` installs it into target/pytools"));
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("checkov printed no JSON ({e}):\n{}", String::from_utf8_lossy(&output.stderr)));
    let results = &report["results"];
    let passed = results["passed_checks"].as_array().map_or(0, Vec::len);
    let failed = results["failed_checks"].as_array().cloned().unwrap_or_default();
    assert!(passed >= templates.len(), "checkov passed only {passed} checks: did it read the templates?");
    let mut weakened = Vec::new();
    for f in &failed {
        let (file, resource) = (f["file_path"].as_str().unwrap(), f["resource"].as_str().unwrap());
        let id = resource.rsplit('.').next().unwrap();
        let listener = &templates[file]["Resources"][id];
        match asked_for(listener) {
            Some(why) => weakened.push(format!("{file} {id}: {why}")),
            None => panic!("{} fails on {file} {id}, which the manifest did not weaken: {listener}", f["check_id"]),
        }
    }
    // The checks can fail: all-labels asks for TLS 1.1, and checkov says so.
    assert!(weakened.iter().any(|w| w.starts_with("/all-labels.json") && w.contains("TLS policy")), "{weakened:?}");
    // The seed, its redirect variant and the tls variant pass with the defaults.
    for clean in ["seed-ssl", "v2-seed-redirect", "v2-tls-secure-proxy", "ecs-realistic-app"] {
        assert!(templates.contains_key(&format!("/{clean}.json")), "{clean} was not checked");
        assert!(!weakened.iter().any(|w| w.starts_with(&format!("/{clean}.json"))), "{clean}: {weakened:?}");
    }
}
