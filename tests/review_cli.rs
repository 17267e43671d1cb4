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
    run_env(dir, argv, &[])
}

/// `run` with these variables besides PATH.
fn run_env(dir: &Path, argv: &[&str], env: &[(&str, &str)]) -> Run {
    let args: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
    // PATH only, for git: nothing else of the environment may leak into the output.
    let mut vars = vec![("PATH".to_string(), std::env::var("PATH").unwrap_or_default())];
    vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    run_in(dir, &args, &vars)
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
    let r =
        run_env(dir.path(), &["plan", "internal.yml", "--app", "seed-ssl", "--balancer", "v2"], &[("COLUMNS", "300")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("app seed-ssl (--balancer v2"), "{}", r.stdout);
    assert!(r.stdout.contains("BalancerWebNlbInternal (internal)  80 → 80"), "{}", r.stdout);
    assert!(r.stdout.contains("BalancerWebAlbInternal (internal)  443 → 443  https (HTTPS→HTTP)"), "{}", r.stdout);
    let json = run(dir.path(), &["plan", "seed.yml", "--balancer", "v2", "--format", "json"]);
    assert!(json.stdout.contains("\"balancer\": \"v2\""), "{}", json.stdout);
}

#[test]
fn plan_fits_the_width_given_and_lists_workers_and_udp_ports() {
    let seed = ["plan", "fixtures/seed-ssl/docker-compose.yml"];
    let wide = run_env(root(), &seed, &[("COLUMNS", "200")]);
    let narrow = run_env(root(), &seed, &[("COLUMNS", "80")]);
    let default = run(root(), &seed);
    assert!(
        wide.stdout.lines().any(|l| l.starts_with("SERVICE  BALANCER")),
        "a table in 200 columns:\n{}",
        wide.stdout
    );
    assert!(wide.stdout.lines().all(|l| l.chars().count() <= 200));
    for (name, r, width) in [("narrow", &narrow, 80), ("default", &default, 120)] {
        assert!(!r.stdout.contains("SERVICE  BALANCER"), "{name}: no table:\n{}", r.stdout);
        let longest = r.stdout.lines().map(|l| l.chars().count()).max().unwrap();
        assert!(longest <= width, "{name}: a line of {longest} columns:\n{}", r.stdout);
    }
    assert_eq!(
        default.stdout,
        run_env(root(), &seed, &[("COLUMNS", "junk")]).stdout,
        "an unreadable COLUMNS is ignored"
    );
    snapshot!("plan-seed.human-wide", wide.stdout);

    let args = ["plan", "docker-compose.yml", "--format"];
    let dir = root().join("fixtures/ecs-realistic-app");
    let env = [("DB_PASSWORD", "x"), ("SECRET_KEY_BASE", "y")];
    let human = run_env(&dir, &[&args[..], &["human"]].concat(), &env);
    assert_eq!(human.code, 0, "{}", human.stderr);
    for expected in [
        "without a balancer:",
        "statsd: worker, 1 task, 8126/tcp → not published; 8125/udp → host port 8125 of each instance, not balanced",
        "worker: worker, 2 tasks, no ports",
    ] {
        assert!(human.stdout.contains(expected), "no `{expected}` in:\n{}", human.stdout);
    }
    let markdown = run_env(&dir, &[&args[..], &["markdown"]].concat(), &env);
    assert!(markdown.stdout.contains("- worker: worker, 2 tasks, no ports"), "{}", markdown.stdout);
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
    // For GitHub: annotations on the manifest's lines, as compile writes them.
    let github = run(root(), &["plan", "fixtures/error-unknown-protocol/docker-compose.yml", "--format", "github"]);
    assert_eq!(github.code, 1);
    assert!(
        github.stderr.starts_with("::error file=fixtures/error-unknown-protocol/docker-compose.yml,line="),
        "{}",
        github.stderr
    );
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
    let document: serde_json::Value = serde_json::from_str(&diff.stdout).unwrap();
    assert!(validator.is_valid(&document));
    // For machines: a version, counts per kind, risks as codes; the sentences are for people.
    assert_eq!((document["version"].as_u64(), document["warnings"].as_u64()), (Some(1), Some(1)));
    assert_eq!(document["counts"], serde_json::json!({"listener": 1, "resource": 2}));
    assert_eq!(document["changes"][0]["risk"], serde_json::json!(["headers-lost"]));
    assert!(!diff.stdout.contains("X-Forwarded"), "no sentence in the JSON: {}", diff.stdout);
    let mut unversioned = document.clone();
    unversioned.as_object_mut().unwrap().remove("version");
    assert!(!validator.is_valid(&unversioned));
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

/// On v2 each target group checks as its port allows (the health path only on the
/// health-checked container port), so `diff` lists the checks by port: moving
/// `convox.health.port` between two ports that are not the first target group is a change.
#[test]
fn diff_on_v2_lists_each_target_groups_health_check_by_port() {
    let dir = ProjectDir::new();
    let manifest = |checked: u16| {
        format!(
            "x-compose-cfn: {{balancer: v2}}\nservices:\n  web:\n    image: example/web\n    labels:\n      - convox.health.path=/health\n      - convox.health.port={checked}\n      - convox.port.80.protocol=http\n      - convox.port.81.protocol=http\n    ports: [\"10:3000\", \"80:3001\", \"81:3002\"]\n"
        )
    };
    std::fs::write(dir.path().join("a.yml"), manifest(3001)).unwrap();
    std::fs::write(dir.path().join("b.yml"), manifest(3002)).unwrap();
    let r = run(dir.path(), &["diff", "a.yml", "b.yml", "--app", "web"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(
            "health check: TCP on port 10; HTTP /health on port 80; HTTP / (any answer) on port 81 → TCP on port 10; HTTP / (any answer) on port 80; HTTP /health on port 81"
        ),
        "{}",
        r.stdout
    );
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

#[test]
fn diff_refuses_a_template_that_is_not_utf8_at_its_first_bad_byte_as_a_compose_file() {
    let dir = variants();
    let template = run(dir.path(), &["compile", "seed.yml"]).stdout;
    // One byte of the description's `App` replaced by one that is not UTF-8 on line 3.
    let line = template.lines().position(|l| l.contains("\"Description\"")).unwrap() + 1;
    let column = template.lines().nth(line - 1).unwrap().find("App").unwrap() + 2;
    let mut bytes = template.clone().into_bytes();
    let at = template.find("App").unwrap() + 1;
    bytes[at] = 0xff;
    std::fs::write(dir.path().join("seed.json"), template).unwrap();
    std::fs::write(dir.path().join("bad.json"), bytes).unwrap();
    for argv in [["diff", "seed.json", "bad.json"], ["diff", "bad.json", "seed.yml"]] {
        let r = run(dir.path(), &argv);
        assert_eq!(r.code, 2, "{argv:?}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.is_empty(), "no change is shown: {}", r.stdout);
        assert!(r.stderr.starts_with("error[invalid-utf8]: `bad.json` is not valid UTF-8"), "{}", r.stderr);
        assert!(r.stderr.contains(&format!(" --> bad.json:{line}:{column}\n")), "{}", r.stderr);
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
    let job = &workflow["jobs"]["review"];
    let steps = job["steps"].as_array().expect("steps");
    let scripts: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    let calls: Vec<&str> = scripts
        .iter()
        .flat_map(|s| s.lines())
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split("compose-cfn ").nth(1))
        .filter(|c| c.starts_with(|ch: char| ch.is_ascii_lowercase()))
        .collect();
    assert!(calls.iter().any(|c| c.starts_with("diff") && c.contains("--format markdown")), "{calls:?}");
    for call in &calls {
        let sub = call.split_whitespace().next().unwrap();
        let r = run(root(), &[sub, "--help"]);
        assert_eq!(r.code, 0, "`compose-cfn {call}`: no subcommand `{sub}`");
        let flags = call.split_whitespace().filter(|w| w.starts_with("--") && w[2..].starts_with(char::is_alphabetic));
        for flag in flags {
            assert!(r.stdout.contains(flag), "`compose-cfn {sub}` has no {flag}");
        }
        // Every command reads the deploy's files from COMPOSE_FILE: no file argument of its own.
        assert!(!call.contains(" -f ") && !call.contains(".yml"), "`{call}` names its own files");
    }
    // The files the deploy compiles, override included, on both sides of the diff.
    let files = job["env"]["COMPOSE_FILE"].as_str().expect("COMPOSE_FILE for every step");
    assert!(files.contains("docker-compose.override.yml"), "{files}");
    // A prebuilt binary before any build: the cache, then the release asset, then cargo install.
    let install = text.find("actions/cache").zip(text.find("gh release download")).zip(text.find("cargo install"));
    assert!(install.is_some_and(|((cache, asset), build)| cache < asset && asset < build), "install order");
    // The diagnostics are posted when the manifest is wrong, and the comment is found by its
    // marker among the workflow's own comments: anyone can write the marker.
    assert!(text.contains("cat diagnostics.txt") && text.contains("if: always() && hashFiles('comment.md')"));
    assert!(
        text.contains(
            "select(.user.login == \"github-actions[bot]\" and (.body | startswith(\"<!-- compose-cfn diff -->\")))"
        ) && text.contains("--method PATCH")
    );

    // The diff step as it runs: a pull request that changes the override file.
    let repo = tempfile::tempdir().unwrap();
    git(repo.path(), &["init", "-q", "-b", "main"]);
    std::fs::write(repo.path().join("docker-compose.yml"), SEED).unwrap();
    std::fs::write(repo.path().join("docker-compose.override.yml"), "web:\n  labels:\n    - convox.scale=2\n").unwrap();
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-q", "-m", "base"]);
    std::fs::write(repo.path().join("docker-compose.override.yml"), "web:\n  labels:\n    - convox.scale=3\n").unwrap();
    let env = [("COMPOSE_FILE", files), ("APP", "shop")];
    let argv = ["diff", "--app", "shop", "--against", "git:main", "--format", "markdown"];
    let r = run_env(repo.path(), &argv, &env);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("<!-- compose-cfn diff -->") && r.stdout.contains("| desired count | `2` | `3` |"),
        "{}",
        r.stdout
    );
    // A wrong manifest: compile fails with diagnostics for the comment.
    std::fs::write(
        repo.path().join("docker-compose.override.yml"),
        "web:\n  labels:\n    - convox.port.443.protocol=htps\n",
    )
    .unwrap();
    let wrong =
        run_env(repo.path(), &["compile", "--app", "shop", "--color", "never", "-o", "head.template.json"], &env);
    assert_eq!(wrong.code, 1);
    assert!(wrong.stderr.contains("docker-compose.override.yml:3:"), "{}", wrong.stderr);
}

#[test]
fn diff_takes_files_like_compile_against_another_side() {
    let dir = variants();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    std::fs::write(dir.path().join("extra.yml"), "web:\n  labels:\n    - convox.scale=2\n").unwrap();
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    std::fs::write(dir.path().join("extra.yml"), "web:\n  labels:\n    - convox.scale=5\n").unwrap();
    let files = ["diff", "-f", "seed.yml", "-f", "extra.yml", "--app", "seed-ssl"];
    let r = run(dir.path(), &[&files[..], &["--against", "git:main"]].concat());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("--- git:main:seed.yml + git:main:extra.yml\n+++ seed.yml + extra.yml\n"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("desired count: 2 → 5"), "{}", r.stdout);
    // Any other side: a file, a template, git:REV:PATH.
    let r = run(dir.path(), &[&files[..], &["--against", "tls.yml"]].concat());
    assert!(
        r.stdout.contains("protocol: SSL→TCP → HTTPS→HTTP") && r.stdout.contains("desired count: 1 → 5"),
        "{}",
        r.stdout
    );
    // Without -f, the files compile would read.
    std::fs::write(dir.path().join("docker-compose.yml"), SEED).unwrap();
    let r = run(dir.path(), &["diff", "--against", "seed.yml"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // The two forms do not mix, and one of them is needed.
    for argv in [
        vec!["diff", "seed.yml", "tls.yml", "-f", "seed.yml"],
        vec!["diff", "seed.yml", "tls.yml", "--against", "git:main"],
        vec!["diff"],
    ] {
        let r = run(dir.path(), &argv);
        assert_eq!(r.code, 2, "{argv:?}: {}", r.stdout);
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
    // And its GitHub annotation, placed on the service in the new compose file.
    let github = run(root(), &[&argv[..argv.len() - 1], &["github"]].concat());
    let annotation = github.stdout.lines().last().unwrap_or_default();
    assert!(annotation.starts_with("::warning file=examples/seed-tls/docker-compose.yml,line=1,col=1,"));
    assert!(readme.contains(&format!("\n{annotation}\n")), "README.md shows another annotation than:\n{annotation}");
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
        let path = name
            .trim_end_matches(".1")
            .trim_start_matches("compose-cfn")
            .replace("self-signed", "self_signed")
            .replace("convox-env", "convox_env");
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

const REALISTIC: &str = include_str!("../fixtures/ecs-realistic-app/docker-compose.yml");
/// Values that must never reach a report: deploy-time secrets and a secret-looking literal.
const SECRET_VALUES: [&str; 4] = ["s3cret-from-env", "kb-from-env", "tok-old111", "tok-new222"];

/// The realistic app before and after a change inside its services: image, scale, memory,
/// command, health check, environment (a secret-looking literal among it), a service removed.
fn services_changed() -> ProjectDir {
    let dir = ProjectDir::new();
    let before = REALISTIC.replace("      PORT: 3000\n", "      PORT: 3000\n      API_TOKEN: tok-old111\n");
    let mut after = before
        .replace("LOG_LEVEL: info", "LOG_LEVEL: debug")
        .replace("convox.scale=3", "convox.scale=4")
        .replace("mem_limit: 1g", "mem_limit: 2g")
        .replace("command: bin/puma -C config/puma.rb", "command: bin/puma -t 5")
        .replace("retries: 3", "retries: 5")
        .replace("image: postgres:16", "image: postgres:17")
        .replace("tok-old111", "tok-new222");
    let (statsd, volumes) = (after.find("  statsd:").unwrap(), after.find("volumes:\n  pgdata").unwrap());
    after.replace_range(statsd..volumes, "");
    std::fs::write(dir.path().join("before.yml"), before).unwrap();
    std::fs::write(dir.path().join("after.yml"), after).unwrap();
    dir
}

fn run_with_secrets(dir: &Path, argv: &[&str]) -> Run {
    run_env(dir, argv, &[("DB_PASSWORD", "s3cret-from-env"), ("SECRET_KEY_BASE", "kb-from-env")])
}

#[test]
fn diff_explains_changes_inside_services_as_a_revision_without_secret_values() {
    let dir = services_changed();
    let mut outputs = Vec::new();
    for format in ["human", "json", "markdown", "github"] {
        let r = run_with_secrets(dir.path(), &["diff", "before.yml", "after.yml", "--app", "shop", "--format", format]);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        for secret in SECRET_VALUES {
            assert!(
                !r.stdout.contains(secret) && !r.stderr.contains(secret),
                "{format} shows `{secret}`:\n{}",
                r.stdout
            );
        }
        outputs.push(r.stdout);
    }
    let human = &outputs[0];
    for expected in [
        "service database\n  ~   task  image: postgres:16 → postgres:17",
        "desired count: 3 → 4",
        "memory: 1024 → 2048",
        "command: bin/puma -C config/puma.rb → bin/puma -t 5",
        "retries 3, start period 60s → CMD curl -f http://localhost:3000/health, interval 30s, timeout 5s, retries 5",
        "environment LOG_LEVEL: info → debug",
        "environment API_TOKEN: (hidden) → (hidden)",
        "the value changed (hidden: the name looks like a secret)",
        "warning: the service statsd is deleted: its tasks stop",
        "WebTaskDefinition (AWS::ECS::TaskDefinition)  new revision: ContainerDefinitions",
    ] {
        assert!(human.contains(expected), "no `{expected}` in:\n{human}");
    }
    assert!(!human.contains("replaced"), "a new task definition revision is not a replacement:\n{human}");
    // Parameters by name: the deploy-time secret is shown as the parameter that carries it.
    let json: serde_json::Value = serde_json::from_str(&outputs[1]).unwrap();
    let record = |resource: &str, field: &str| {
        json["changes"].as_array().unwrap().iter().find(|c| c["resource"] == resource && c["field"] == field).cloned()
    };
    let scale = record("web", "desired count").expect("a desired count change");
    assert_eq!(
        (scale["kind"].as_str(), scale["before"].as_str(), scale["after"].as_str()),
        (Some("service"), Some("3"), Some("4"))
    );
    let removed =
        json["changes"].as_array().unwrap().iter().find(|c| c["resource"] == "statsd" && c["kind"] == "service");
    assert_eq!(removed.unwrap()["risk"], serde_json::json!(["service-removed"]));
    snapshot!("diff-services.markdown", outputs[2].clone());
    assert!(
        outputs[3].contains("::warning title=compose-cfn diff%3A service statsd task::the service statsd is deleted"),
        "{}",
        outputs[3]
    );
}

#[test]
fn diff_shows_parameters_by_name_never_their_values() {
    let dir = ProjectDir::new();
    let text = REALISTIC
        .replace("DATABASE_URL: postgres://app:${DB_PASSWORD}@database:5432/app", "DATABASE_URL: ${DB_PASSWORD}");
    std::fs::write(dir.path().join("a.yml"), REALISTIC).unwrap();
    std::fs::write(dir.path().join("b.yml"), text).unwrap();
    let r = run_with_secrets(dir.path(), &["diff", "a.yml", "b.yml", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("\"after\": \"${EnvDbPassword}\""), "{}", r.stdout);
    assert!(!r.stdout.contains("s3cret-from-env"), "{}", r.stdout);
}

/// A template written back as YAML with the short-form tags, in flow style below the top level.
fn short_form(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Object(o) if o.len() == 1 => {
            let (k, arg) = o.iter().next().unwrap();
            match (k.as_str(), arg) {
                ("Ref", Value::String(name)) => format!("!Ref {}", Value::from(name.as_str())),
                ("Fn::GetAtt", Value::Array(p)) => {
                    format!("!GetAtt \"{}.{}\"", p[0].as_str().unwrap(), p[1].as_str().unwrap())
                }
                (f, arg) if f.starts_with("Fn::") => format!("!{} {}", &f[4..], short_form(arg)),
                _ => format!("{{{}: {}}}", Value::from(k.as_str()), short_form(arg)),
            }
        }
        Value::Object(o) => {
            let entries: Vec<String> =
                o.iter().map(|(k, v)| format!("{}: {}", Value::from(k.as_str()), short_form(v))).collect();
            format!("{{{}}}", entries.join(", "))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(short_form).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

#[test]
fn diff_reads_yaml_templates_with_short_form_tags_and_get_template_output() {
    let dir = services_changed();
    let compiled = run_with_secrets(dir.path(), &["compile", "before.yml", "--app", "shop"]);
    assert_eq!(compiled.code, 0, "{}", compiled.stderr);
    let template: serde_json::Value = serde_json::from_str(&compiled.stdout).unwrap();
    let yaml: String = template.as_object().unwrap().iter().map(|(k, v)| format!("{k}: {}\n", short_form(v))).collect();
    assert!(yaml.contains("!Ref ") && yaml.contains("!GetAtt ") && yaml.contains("!Sub "), "{yaml}");
    std::fs::write(dir.path().join("before.yaml"), &yaml).unwrap();
    // `aws cloudformation get-template` prints a JSON template as an object, a YAML one as text.
    let object = serde_json::json!({ "TemplateBody": template, "StagesAvailable": ["Original", "Processed"] });
    std::fs::write(dir.path().join("stack.json"), object.to_string()).unwrap();
    std::fs::write(dir.path().join("stack-yaml.json"), serde_json::json!({ "TemplateBody": yaml }).to_string())
        .unwrap();
    for side in ["before.yaml", "stack.json", "stack-yaml.json"] {
        let same = run_with_secrets(dir.path(), &["diff", side, "before.yml", "--app", "shop"]);
        assert_eq!(same.code, 0, "{side} means what its manifest means: {}{}", same.stdout, same.stderr);
        let changed = run_with_secrets(dir.path(), &["diff", side, "after.yml", "--app", "shop"]);
        assert_eq!(changed.code, 1, "{side}: {}", changed.stderr);
        assert!(changed.stdout.contains("image: postgres:16 → postgres:17"), "{side}: {}", changed.stdout);
    }
    // Two app names make false replacements: said first, as a warning.
    let other = run_with_secrets(dir.path(), &["diff", "before.yaml", "before.yml", "--app", "shop2"]);
    assert_eq!(other.code, 1);
    assert!(
        other.stdout.contains("app: shop → shop2") && other.stdout.contains("pass the same --app"),
        "{}",
        other.stdout
    );
    // A file that says it is a template but is not readable as one is an error, not a compose file.
    std::fs::write(dir.path().join("bad.yaml"), "Resources:\n  A: !Bogus-Tag x\n").unwrap();
    let bad = run(dir.path(), &["diff", "bad.yaml", "before.yml"]);
    assert_eq!(bad.code, 2, "{}", bad.stdout);
    assert!(bad.stderr.contains("`!Bogus-Tag` is not a CloudFormation function"), "{}", bad.stderr);
}

/// Every `$ compose-cfn …` block of the README's review section is that command's output,
/// run here (a `NAME=value` before it is set in its environment; a `| head -N` or `| tail -N`
/// after it keeps those lines, as a shell would).
#[test]
fn the_readme_review_section_shows_real_runs() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme.find("\n## Review in pull requests").expect("the README's review section") + 1;
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let mut checked = 0;
    for block in section.split("```text\n").skip(1) {
        let block = &block[..block.find("```").expect("a closed block")];
        let Some((line, expected)) = block.strip_prefix("$ ").and_then(|b| b.split_once('\n')) else { continue };
        let (command, filter) = line.split_once(" | ").map_or((line, None), |(c, f)| (c, Some(f)));
        let mut words: Vec<&str> = command.split_whitespace().collect();
        let env: Vec<(&str, &str)> = words.iter().map_while(|w| w.split_once('=')).collect();
        words.drain(..env.len());
        assert_eq!(words.remove(0), "compose-cfn", "{line}");
        let r = run_env(root(), &words, &env);
        let output = if r.stdout.is_empty() { r.stderr } else { r.stdout };
        let lines: Vec<&str> = output.lines().collect();
        let kept = match filter.map(|f| f.split_whitespace().collect::<Vec<_>>()).as_deref() {
            None => &lines[..],
            Some(["head", n]) => &lines[..n.trim_start_matches('-').parse::<usize>().unwrap().min(lines.len())],
            Some(["tail", n]) => &lines[lines.len().saturating_sub(n.trim_start_matches('-').parse().unwrap())..],
            Some(other) => panic!("`{line}`: the test cannot apply `{}`", other.join(" ")),
        };
        assert_eq!(expected.trim_end(), kept.join("\n").trim_end(), "README block `$ {line}` is not what it prints");
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} blocks checked");
}

/// `diff --format github` puts a risky change of a service on the line of that service's key
/// in the new side's compose file; a new side without a file in the checkout (a template,
/// standard input) gives annotations without a place.
#[test]
fn diff_github_annotations_point_at_the_service_in_the_new_compose_file() {
    let dir = ProjectDir::new();
    let old = "services:\n  web:\n    image: nginx\n    labels:\n      - convox.port.443.protocol=https\n    ports:\n      - 80:3000\n      - 443:3000\n";
    // `web` moves to line 4, after a new service.
    let new = format!(
        "services:\n  redis:\n    image: redis\n{}",
        old.replace("https", "tcp").replacen("services:\n", "", 1)
    );
    std::fs::write(dir.path().join("old.yml"), old).unwrap();
    std::fs::write(dir.path().join("docker-compose.yml"), &new).unwrap();
    let title = "title=compose-cfn diff%3A service web port 443 protocol::TLS is turned off";
    let placed = format!("::warning file=docker-compose.yml,line=4,col=3,{title}");
    let annotations = |r: &Run| r.stdout.lines().filter(|l| l.starts_with("::")).map(String::from).collect::<Vec<_>>();

    let r = run(dir.path(), &["diff", "old.yml", "docker-compose.yml", "--format", "github"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let found = annotations(&r);
    assert_eq!(found.len(), 1, "{}", r.stdout);
    assert!(found[0].starts_with(&placed), "{}", found[0]);
    let r = run(dir.path(), &["diff", "-f", "docker-compose.yml", "--against", "old.yml", "--format", "github"]);
    assert!(annotations(&r).first().is_some_and(|a| a.starts_with(&placed)), "{}", r.stdout);

    // The new side as a template: no file to point at.
    let compiled = run(dir.path(), &["compile", "docker-compose.yml"]);
    std::fs::write(dir.path().join("new.json"), compiled.stdout).unwrap();
    let r = run(dir.path(), &["diff", "old.yml", "new.json", "--format", "github"]);
    let found = annotations(&r);
    assert_eq!(found.len(), 1, "{}", r.stdout);
    assert!(found[0].starts_with(&format!("::warning {title}")), "{}", r.stdout);
    // Standard input is not in the checkout either.
    let mut child = Command::new(env!("CARGO_BIN_EXE_compose-cfn"))
        .args(["diff", "old.yml", "-", "--app", "app", "--format", "github"])
        .current_dir(dir.path())
        .env_clear()
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), new.as_bytes()).unwrap();
    let out = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
    assert!(out.contains(&format!("\n::warning {title}")), "{out}");
    assert!(!out.contains("file="), "{out}");
}

/// `diff --format github` run in a subdirectory of the checkout places its annotation on the
/// compose file's path in the repository (`GITHUB_WORKSPACE`), as `compile` does.
#[test]
fn diff_github_annotations_in_a_subdirectory_name_the_file_from_the_checkout() {
    let dir = ProjectDir::new();
    let deploy = dir.path().join("deploy");
    std::fs::create_dir(&deploy).unwrap();
    let old = "services:\n  web:\n    image: nginx\n    labels:\n      - convox.port.443.protocol=https\n    ports:\n      - 443:3000\n";
    std::fs::write(deploy.join("old.yml"), old).unwrap();
    std::fs::write(deploy.join("docker-compose.yml"), old.replace("https", "tcp")).unwrap();
    let workspace = dir.path().display().to_string();
    let r = run_env(
        &deploy,
        &["diff", "old.yml", "docker-compose.yml", "--format", "github"],
        &[("GITHUB_WORKSPACE", workspace.as_str())],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let annotation = r.stdout.lines().find(|l| l.starts_with("::")).unwrap_or_default();
    assert!(annotation.starts_with("::warning file=deploy/docker-compose.yml,line=2,col=3,"), "{}", r.stdout);
}
