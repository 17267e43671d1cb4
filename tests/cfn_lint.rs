//! Every template the fixtures compile to, for both balancer targets, must pass cfn-lint
//! (installed by .ci/run into target/pytools) with no error and no warning.

mod common;

use common::{case_name, compile_fixture, fixture_dirs, python_tool};
use std::path::{Path, PathBuf};
use std::process::Command;

fn cfn_lint() -> PathBuf {
    python_tool("cfn-lint", "CFN_LINT")
}

#[test]
fn every_compiled_fixture_passes_cfn_lint() {
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cfn-lint-fixtures");
    let _ = std::fs::remove_dir_all(&out_dir);
    std::fs::create_dir_all(&out_dir).expect("create output dir");
    let mut files = Vec::new();
    for dir in fixture_dirs() {
        for (target, suffix) in [(&[][..], ""), (&["--balancer", "v2"][..], "-v2")] {
            let run = compile_fixture(&dir, target);
            if run.code == 0 {
                let file = out_dir.join(format!("{}{suffix}.json", case_name(&dir)));
                std::fs::write(&file, run.stdout).expect("write template");
                files.push(file);
            }
        }
    }
    assert!(files.len() >= 40, "expected the fixtures to produce templates, got {}", files.len());
    // One call for all files: cfn-lint's start-up dominates its run time.
    let output = Command::new(cfn_lint())
        .arg("--format")
        .arg("parseable")
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run cfn-lint ({e}); `bash .ci/run` installs it into target/pytools"));
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "cfn-lint exit {:?} (bit 2 = error, 4 = warning):\n{report}{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
}
