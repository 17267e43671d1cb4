//! The compliance suite: every folder in fixtures/ compiled by the real binary for each balancer
//! target (Classic into `snapshots/`, v2 into `snapshots/v2/`), its template and its
//! diagnostics snapshotted, and the invariants every run must keep checked.

mod common;

use common::{case_name, compile_fixture, fixture_dirs};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// The arguments that select each target, and the snapshot folder of each.
const TARGETS: [(&[&str], &str); 2] = [(&[], "../snapshots"), (&["--balancer", "v2"], "../snapshots/v2")];

/// Fixtures that compile on Classic but ask for what an ELBv2 balancer cannot do, so on v2
/// they must fail like an `error-` fixture: `secure=true` on a tcp port (an NLB's TCP listener
/// cannot forward to a TLS target group).
const V2_ERRORS: [&str; 1] = ["secure-without-protocol"];

/// The snapshots a fixture's run must have: its template on success, its stderr when not empty.
fn expected_snapshots(dir: &Path, target: &[&str]) -> Vec<String> {
    let run = compile_fixture(dir, target);
    let case = case_name(dir);
    let mut names = Vec::new();
    if run.code == 0 {
        names.push(format!("{case}.template.snap"));
    }
    if !run.stderr.is_empty() {
        names.push(format!("{case}.stderr.snap"));
    }
    names
}

#[test]
fn no_snapshot_outlives_its_fixture() {
    for (target, folder) in TARGETS {
        let expected: BTreeSet<String> = fixture_dirs().iter().flat_map(|d| expected_snapshots(d, target)).collect();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(folder);
        let stale: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".snap") && !expected.contains(name))
            .collect();
        assert!(stale.is_empty(), "{folder}: snapshots no fixture produces any more (delete them): {stale:?}");
    }
}

#[test]
fn every_fixture_compiles_as_snapshotted() {
    every_fixture_compiles_as_snapshotted_for(TARGETS[0]);
}

#[test]
fn every_fixture_compiles_for_v2_as_snapshotted() {
    every_fixture_compiles_as_snapshotted_for(TARGETS[1]);
}

fn every_fixture_compiles_as_snapshotted_for((target, folder): (&[&str], &str)) {
    insta::glob!("../fixtures", "*/docker-compose.yml", |compose| {
        let dir = compose.parent().expect("fixture folder");
        let case = case_name(dir);
        let human = compile_fixture(dir, target);
        let json = compile_fixture(dir, &[target, &["--format", "json"]].concat());

        // The exit code, stdout and the JSON diagnostics must tell the same story.
        assert_eq!(human.code, json.code, "{case}: exit code depends on --format");
        assert_eq!(human.stdout, json.stdout, "{case}: template depends on --format");
        let diagnostics: Vec<Value> = json
            .stderr
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{case}: bad JSON diagnostic {l}: {e}")))
            .collect();
        let errors = diagnostics.iter().filter(|d| d["severity"] == "error").count();
        let v2_error = !target.is_empty() && V2_ERRORS.contains(&case.as_str());
        if case.starts_with("error-") || v2_error {
            assert_eq!(human.code, 1, "{case}: errors must exit 1\n{}", human.stderr);
            assert!(human.stdout.is_empty(), "{case}: no template may be printed when there is an error");
            assert!(errors > 0, "{case}: exit 1 without an error diagnostic");
        } else {
            assert_eq!(human.code, 0, "{case}: expected success\n{}", human.stderr);
            assert_eq!(errors, 0, "{case}: success with error diagnostics");
            let template: Value = serde_json::from_str(&human.stdout).expect("the template is JSON");
            assert!(template["Resources"].as_object().is_some_and(|r| !r.is_empty()), "{case}: no resources");
            // The validator compile used before the typed model, kept as an oracle: it must agree.
            // Its rules are the Classic ELB's; v2 templates have `lower::check` and cfn-lint.
            if target.is_empty() {
                let problems = compose_cfn::lower::oracle::validate(&template);
                assert!(problems.is_empty(), "{case}: the oracle finds problems: {problems:?}");
            }
        }
        // Every diagnostic about a file names a real line and column.
        for d in &diagnostics {
            if d.get("file").is_some() {
                assert!(d["line"].as_u64().is_some_and(|l| l >= 1), "{case}: {d}");
                assert!(d["column"].as_u64().is_some_and(|c| c >= 1), "{case}: {d}");
            }
            assert!(d["code"].is_string() && d["message"].is_string(), "{case}: {d}");
        }

        insta::with_settings!({
            snapshot_path => folder,
            prepend_module_to_snapshot => false,
            snapshot_suffix => "",
            omit_expression => true,
        }, {
            if human.code == 0 {
                insta::assert_snapshot!(format!("{case}.template"), human.stdout);
            }
            if !human.stderr.is_empty() {
                insta::assert_snapshot!(format!("{case}.stderr"), human.stderr);
            }
        });
    });
}

/// The names table the collision check reads (`lower::names::service_names`) is what each
/// lowering declares, for every fixture compiled through the library for both targets: a
/// name added to a lowering and not to the table would escape the check.
#[test]
fn every_fixture_declares_exactly_the_names_the_collision_check_knows() {
    use compose_cfn::load::{Environment, Input};
    use compose_cfn::lower::{Target, names};
    let mut checked = 0;
    for dir in fixture_dirs() {
        let bytes = std::fs::read(dir.join("docker-compose.yml")).expect("compose file");
        for target in [Target::Classic, Target::V2] {
            let input = Input { path: "docker-compose.yml".into(), bytes: bytes.clone() };
            let options = compose_cfn::CompileOptions {
                fallback_app: "fixture".into(),
                balancer: Some(target),
                project_dir: Some(dir.clone()),
                ..Default::default()
            };
            let c = compose_cfn::compile(vec![input], &Environment::default(), &options);
            let (Some(plan), Some(template)) = (&c.plan, &c.template) else { continue };
            let mismatches = names::table_mismatches(plan, target, template);
            assert!(mismatches.is_empty(), "{} ({}): {mismatches:?}", case_name(&dir), target.name());
            checked += 1;
        }
    }
    // Most fixtures compile without their `args` file: the test cannot pass by skipping them.
    assert!(checked >= 80, "only {checked} fixture compilations were checked");
}
