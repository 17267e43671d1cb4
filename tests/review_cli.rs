//! The review commands end to end with the real binary: plan, diff (files, templates and
//! `git:` inputs from a repository made here), explain, schema, completions and man — every
//! format, snapshotted under snapshots/review/.

mod common;

use common::{ProjectDir, Run, run_in};
use std::path::Path;
use std::process::Command;

const SEED: &str = include_str!("../fixtures/seed-ssl/docker-compose.yml");
const ARN: &str = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";

fn run(dir: &Path, argv: &[&str]) -> Run {
    let args: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
    // PATH only, for git: nothing else of the environment may leak into the output.
    run_in(dir, &args, &[("PATH".to_string(), std::env::var("PATH").unwrap_or_default())])
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            snapshot_path => "../snapshots/review",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

/// The seed's variants, each a manifest change a reviewer must see.
fn variants() -> ProjectDir {
    let dir = ProjectDir::new();
    let files = [
        ("seed.yml", SEED.to_string()),
        ("tls.yml", SEED.replace("protocol=https", "protocol=tls")),
        ("internal.yml", SEED.replace("    - 80:3000\n    - 443:3000\n", "    - 80\n    - 443\n")),
        ("ports.yml", SEED.replace("    - 80:3000\n", "    - 8443:3000\n")),
    ];
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn plan_in_every_format() {
    let seed = root().join("fixtures/seed-ssl/docker-compose.yml");
    let seed = seed.to_str().unwrap();
    for format in ["human", "json", "markdown"] {
        let r = run(root(), &["plan", seed, "--format", format]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stderr.is_empty(), "{}", r.stderr);
        snapshot!(format!("plan-seed.{format}"), r.stdout);
    }
    let all = run(root(), &["plan", "fixtures/all-labels/docker-compose.yml"]);
    assert_eq!(all.code, 0);
    snapshot!("plan-all-labels.human", all.stdout);
    let bound = run(
        root(),
        &["plan", "fixtures/certificate-bound/docker-compose.yml", "--certificate", &format!("web:443={ARN}")],
    );
    assert!(bound.stdout.contains(ARN) && bound.stdout.contains("self-signed at deploy"), "{}", bound.stdout);
}

#[test]
fn plan_for_v2_names_each_listener_balancer() {
    let dir = variants();
    let r = run(dir.path(), &["plan", "internal.yml", "--app", "seed-ssl", "--balancer", "v2"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("app seed-ssl (--balancer v2"), "{}", r.stdout);
    assert!(r.stdout.contains("BalancerWebNlbInternal (internal)  80 → 80"), "{}", r.stdout);
    assert!(r.stdout.contains("BalancerWebAlbInternal (internal)  443 → 443  https (HTTPS→HTTP)"), "{}", r.stdout);
    let json = run(dir.path(), &["plan", "seed.yml", "--balancer", "v2", "--format", "json"]);
    assert!(json.stdout.contains("\"balancer\": \"v2\""), "{}", json.stdout);
}

#[test]
fn plan_json_follows_its_schema() {
    let plan = run(root(), &["plan", "fixtures/all-labels/docker-compose.yml", "--format", "json"]);
    let schema = run(root(), &["schema", "--plan"]);
    let schema: serde_json::Value = serde_json::from_str(&schema.stdout).unwrap();
    let plan: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&plan));
    assert!(!validator.is_valid(&serde_json::json!({"app": 1})));
    // The JSON form is a contract: it carries its version, and the schema requires it.
    assert_eq!(plan["version"], compose_cfn::interpret::plan::PLAN_VERSION);
    let mut unversioned = plan.clone();
    unversioned.as_object_mut().unwrap().remove("version");
    assert!(!validator.is_valid(&unversioned));
}

#[test]
fn plan_of_a_broken_manifest_prints_diagnostics_and_exits_1() {
    let r = run(root(), &["plan", "fixtures/error-unknown-protocol/docker-compose.yml"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("error[unknown-protocol]"), "{}", r.stderr);
    let r = run(root(), &["plan", "missing.yml"]);
    assert_eq!(r.code, 2);
}

#[test]
fn diff_https_to_tls_in_every_format() {
    let dir = variants();
    for format in ["human", "json", "markdown"] {
        let r = run(dir.path(), &["diff", "seed.yml", "tls.yml", "--app", "seed-ssl", "--format", format]);
        assert_eq!(r.code, 1, "changes exit 1: {}", r.stderr);
        snapshot!(format!("diff-https-to-tls.{format}"), r.stdout);
    }
    let diff = run(dir.path(), &["diff", "seed.yml", "tls.yml", "--app", "seed-ssl", "--format", "json"]);
    let schema = run(dir.path(), &["schema", "--diff"]);
    let validator = jsonschema::validator_for(&serde_json::from_str(&schema.stdout).unwrap()).unwrap();
    assert!(validator.is_valid(&serde_json::from_str(&diff.stdout).unwrap()));
}

#[test]
fn diff_marks_the_risky_changes() {
    let dir = variants();
    let md = |old: &str, new: &str, extra: &[&str]| {
        let mut argv = vec!["diff", old, new, "--app", "seed-ssl", "--format", "markdown"];
        argv.extend(extra);
        let r = run(dir.path(), &argv);
        assert_eq!(r.code, 1, "{}", r.stderr);
        r.stdout
    };
    let internal = md("seed.yml", "internal.yml", &[]);
    assert!(internal.contains("new DNS name"), "{internal}");
    snapshot!("diff-public-to-internal.markdown", internal);
    let widened = md("internal.yml", "seed.yml", &[]);
    assert!(widened.contains("exposure widened"), "{widened}");
    let ports = md("seed.yml", "ports.yml", &[]);
    assert!(ports.contains("opens port 8443 to the internet") && ports.contains("clients of port 80 lose service"));
    snapshot!("diff-port-added-removed.markdown", ports);

    // Certificate bound → unbound, with a compiled template as the old side.
    let bound =
        run(dir.path(), &["compile", "seed.yml", "--app", "seed-ssl", "--certificate", &format!("web:443={ARN}")]);
    std::fs::write(dir.path().join("bound.json"), bound.stdout).unwrap();
    let unbound = md("bound.json", "seed.yml", &[]);
    assert!(unbound.contains("the bound certificate is removed"), "{unbound}");
    snapshot!("diff-certificate-unbound.markdown", unbound);

    // TLS turned off.
    std::fs::write(dir.path().join("plain.yml"), SEED.replace("protocol=https", "protocol=http")).unwrap();
    assert!(md("seed.yml", "plain.yml", &[]).contains("TLS is turned off"));
}

#[test]
fn diff_between_classic_and_v2_explains_the_move_and_a_v2_template_reads_back() {
    let dir = variants();
    let classic = run(dir.path(), &["compile", "seed.yml", "--app", "seed-ssl"]);
    std::fs::write(dir.path().join("classic.json"), classic.stdout).unwrap();
    let v2 = run(dir.path(), &["compile", "seed.yml", "--app", "seed-ssl", "--balancer", "v2"]);
    std::fs::write(dir.path().join("v2.json"), v2.stdout).unwrap();
    let r = run(dir.path(), &["diff", "classic.json", "v2.json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.contains("balancer: BalancerWeb (Classic ELB) → BalancerWebAlb, BalancerWebNlb (Application/Network Load Balancers (ELBv2))"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("new DNS names"), "{}", r.stdout);
    // Listeners are matched by port across the move: the same ports, now on dynamic host ports.
    assert!(!r.stdout.contains("listener removed") && r.stdout.contains("port 443  instance port: "), "{}", r.stdout);
    // The v2 template and its manifest compiled for v2 mean the same.
    let same = run(dir.path(), &["diff", "v2.json", "seed.yml", "--app", "seed-ssl", "--balancer", "v2"]);
    assert_eq!(same.code, 0, "{}", same.stdout);
    let back = run(dir.path(), &["diff", "v2.json", "seed.yml", "--app", "seed-ssl"]);
    assert!(back.stdout.contains("(Classic ELB)"), "{}", back.stdout);
}

#[test]
fn diff_without_changes_exits_0_and_errors_exit_2() {
    let dir = variants();
    let same = run(dir.path(), &["diff", "seed.yml", "seed.yml"]);
    assert_eq!(same.code, 0, "{}", same.stderr);
    assert!(same.stdout.contains("no changes"));
    let template = run(dir.path(), &["compile", "seed.yml"]);
    std::fs::write(dir.path().join("seed.json"), template.stdout).unwrap();
    let r = run(dir.path(), &["diff", "seed.json", "seed.yml"]);
    assert_eq!(r.code, 0, "a template and its manifest mean the same: {}", r.stdout);

    std::fs::write(dir.path().join("broken.yml"), SEED.replace("https", "htps")).unwrap();
    for (argv, expected) in [
        (vec!["diff", "seed.yml", "broken.yml"], "error[unknown-protocol]"),
        (vec!["diff", "seed.yml", "missing.yml"], "cannot read `missing.yml`"),
        (vec!["diff", "git:nope", "seed.yml"], "expected git:REV:PATH"),
    ] {
        let r = run(dir.path(), &argv);
        assert_eq!(r.code, 2, "{argv:?}: {}", r.stderr);
        assert!(r.stderr.contains(expected), "{argv:?}: {}", r.stderr);
        assert!(r.stdout.is_empty());
    }
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(status.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&status.stderr));
}

#[test]
fn diff_reads_git_revisions_without_checking_them_out() {
    let repo = tempfile::tempdir().unwrap();
    let app = repo.path().join("shop");
    std::fs::create_dir(&app).unwrap();
    git(repo.path(), &["init", "-q", "-b", "main"]);
    std::fs::write(app.join("docker-compose.yml"), SEED).unwrap();
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-q", "-m", "seed"]);
    std::fs::write(app.join("docker-compose.yml"), SEED.replace("protocol=https", "protocol=tls")).unwrap();
    git(repo.path(), &["commit", "-q", "-am", "tls"]);
    std::fs::write(app.join("docker-compose.yml"), "not: [valid").unwrap();

    let r = run(repo.path(), &["diff", "git:HEAD~1:shop/docker-compose.yml", "git:HEAD:shop/docker-compose.yml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    snapshot!("diff-git.human", r.stdout);
    // The app is named after the file's directory, as when it is checked out: no spurious change.
    assert!(!r.stdout.contains("GroupDescription"), "{}", r.stdout);
    // From a subdirectory, ./PATH is relative to it.
    let sub = run(&app, &["diff", "git:HEAD~1:./docker-compose.yml", "git:HEAD:./docker-compose.yml"]);
    assert_eq!((sub.code, sub.stdout.lines().count()), (1, r.stdout.lines().count()), "{}", sub.stderr);
    assert_eq!(std::fs::read_to_string(app.join("docker-compose.yml")).unwrap(), "not: [valid", "no checkout");
    let missing = run(repo.path(), &["diff", "git:HEAD:nope.yml", "git:HEAD:shop/docker-compose.yml"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("git show failed"), "{}", missing.stderr);
}

#[test]
fn explain_labels_prefixes_and_codes() {
    for (name, arg) in [
        ("explain-port-protocol", "convox.port.443.protocol"),
        ("explain-health-timeout", "convox.health.timeout"),
        ("explain-convox", "convox"),
        ("explain-unknown-protocol", "unknown-protocol"),
    ] {
        let r = run(root(), &["explain", arg]);
        assert_eq!(r.code, 0, "{arg}: {}", r.stderr);
        snapshot!(name, r.stdout);
    }
    assert!(run(root(), &["explain", "error[label-value]"]).stdout.starts_with("label-value"));
    let r = run(root(), &["explain", "convox.port.443.protcol"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("did you mean `convox.port.443.protocol`?"), "{}", r.stderr);
    let r = run(root(), &["explain", "unknwn-protocol"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("did you mean `unknown-protocol`?"), "{}", r.stderr);
}

#[test]
fn schema_for_compose_files_plans_and_diffs() {
    let compose = run(root(), &["schema"]);
    assert_eq!(compose.code, 0);
    let value: serde_json::Value = serde_json::from_str(&compose.stdout).unwrap();
    assert_eq!(value["$schema"], "http://json-schema.org/draft-07/schema#");
    snapshot!("schema-compose.json", compose.stdout);
    for flag in ["--plan", "--diff"] {
        let r = run(root(), &["schema", flag]);
        assert_eq!(r.code, 0);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert!(v["properties"].is_object(), "{flag}");
    }
    assert_eq!(run(root(), &["schema", "--plan", "--diff"]).code, 2);
}

#[test]
fn completions_for_every_shell_list_the_commands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let r = run(root(), &["completions", shell]);
        assert_eq!(r.code, 0, "{shell}");
        for command in ["plan", "diff", "explain", "schema", "compile"] {
            assert!(r.stdout.contains(command), "{shell} completes no `{command}`");
        }
    }
    assert_eq!(run(root(), &["completions", "tcsh"]).code, 2);
}

#[test]
fn man_pages_render() {
    let page = run(root(), &["man"]);
    assert_eq!(page.code, 0);
    assert!(page.stdout.contains(".TH compose-cfn 1"), "{}", page.stdout);
    for command in ["compile", "plan", "diff", "explain", "schema", "completions"] {
        assert!(page.stdout.contains(command), "the page lists no `{command}`");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man");
    let r = run(root(), &["man", "--out-dir", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let diff = std::fs::read_to_string(out.join("compose-cfn-diff.1")).unwrap();
    assert!(diff.contains(".TH compose-cfn-diff 1") && diff.contains("\\-\\-format"), "{diff}");
    // Where a roff formatter is installed, every page must format without complaint
    // (`-k`: the pages are UTF-8, as `man` itself reads them).
    for page in std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().path()) {
        let Ok(o) = Command::new("groff").args(["-k", "-man", "-Tutf8", "-ww", "-z"]).arg(&page).output() else {
            return;
        };
        assert!(o.status.success() && o.stderr.is_empty(), "{page:?}: {}", String::from_utf8_lossy(&o.stderr));
    }
}

#[test]
fn the_example_workflow_is_yaml_and_runs_real_commands() {
    let text = std::fs::read_to_string(root().join("examples/load-balancer-review.yml")).unwrap();
    let workflow: serde_json::Value = serde_saphyr::from_str(&text).expect("the workflow is YAML");
    assert!(workflow["jobs"]["diff"]["steps"].as_array().is_some_and(|s| s.len() >= 5));
    let commands = text.lines().filter(|l| !l.trim_start().starts_with('#'));
    let calls: Vec<&str> = commands.filter_map(|l| l.split("compose-cfn ").nth(1)).collect();
    assert!(calls.iter().any(|c| c.starts_with("diff") && c.contains("--format markdown")), "{calls:?}");
    for call in calls {
        let sub = call.split_whitespace().next().unwrap();
        let r = run(root(), &[sub, "--help"]);
        assert_eq!(r.code, 0, "`compose-cfn {call}`: no subcommand `{sub}`");
        for flag in call.split_whitespace().filter(|w| w.starts_with("--")) {
            assert!(r.stdout.contains(flag), "`compose-cfn {sub}` has no {flag}");
        }
    }
}

#[test]
fn the_readme_shows_the_real_seed_diff() {
    let argv = [
        "diff",
        "--app",
        "seed-ssl",
        "fixtures/seed-ssl/docker-compose.yml",
        "examples/seed-tls/docker-compose.yml",
        "--format",
        "markdown",
    ];
    let r = run(root(), &argv);
    assert_eq!(r.code, 1);
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains(&r.stdout), "README.md shows another output than:\n{}", r.stdout);
}

/// The text of `script` from `start` to the end of that subcommand's block (`end` after it).
fn section<'a>(script: &'a str, start: &str, end: &str) -> &'a str {
    let from = script.find(start).unwrap_or_else(|| panic!("no `{start}` in:\n{script}"));
    let rest = &script[from..];
    rest.find(end).map_or(rest, |to| &rest[..to])
}

#[test]
fn completions_complete_a_subcommand_option_in_every_shell() {
    let script = |shell: &str| run(root(), &["completions", shell]).stdout;
    // Bash: run the script as bash would on `compose-cfn compile --fo<TAB>`.
    let bash = script("bash");
    let dir = ProjectDir::new();
    std::fs::write(dir.path().join("c.bash"), &bash).unwrap();
    let complete = "source c.bash; COMP_WORDS=(compose-cfn compile --fo); COMP_CWORD=2; \
                    _compose__cfn compose-cfn --fo compile; echo \"${COMPREPLY[@]}\"";
    match Command::new("bash").arg("-c").arg(complete).current_dir(dir.path()).output() {
        Ok(out) => assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "--format", "{bash}"),
        Err(e) => eprintln!("bash not runnable ({e}); its script is checked as text only"),
    }
    assert!(section(&bash, "compose__cfn__subcmd__compile)", ";;").contains("--format"));
    // The others, as text: compile's own block offers --format.
    for (shell, start, end) in [
        ("zsh", "(compile)", "&& ret=0"),
        ("fish", "__fish_compose_cfn_using_subcommand compile\" -l format", "\n"),
        ("elvish", "&'compose-cfn;compile'= {", "\n        }"),
        ("powershell", "'compose-cfn;compile' {", "break"),
    ] {
        let text = script(shell);
        assert!(section(&text, start, end).contains("format"), "{shell}: compile completes no --format");
    }
}

#[test]
fn every_command_has_a_man_page_and_help_with_examples_exit_status_and_environment() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man");
    let r = run(root(), &["man", "--out-dir", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut names: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    for nested in ["compose-cfn-certs-inspect.1", "compose-cfn-certs-self-signed.1"] {
        assert!(names.iter().any(|n| n == nested), "no {nested} in {names:?}");
    }
    for name in &names {
        let page = std::fs::read_to_string(out.join(name)).unwrap();
        for section in [".SH EXAMPLES", ".SH \"EXIT STATUS\"", ".SH ENVIRONMENT"] {
            assert!(page.contains(section), "{name} has no {section}");
        }
        // The page's command, run with --help, says the same things.
        let path = name.trim_end_matches(".1").trim_start_matches("compose-cfn").replace("self-signed", "self_signed");
        let mut argv: Vec<String> = path.split('-').filter(|s| !s.is_empty()).map(|s| s.replace('_', "-")).collect();
        argv.push("--help".into());
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let help = run(root(), &argv);
        assert_eq!(help.code, 0, "{argv:?}");
        for heading in ["Examples:", "Exit status:", "Environment:"] {
            assert!(help.stdout.contains(heading), "{argv:?} --help has no {heading}");
        }
    }
}
