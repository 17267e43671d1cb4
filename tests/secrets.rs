//! Issue 10, secrets: a template is a function of the files and flags only. Values of the
//! environment and of `.env` never reach a template, a plan, a diff or a diagnostic (except as
//! validated numbers and keywords of the structure), the template does not depend on which
//! variables are set, and `.env` is read only from a regular file inside the project.
//!
//! The CLI tests run the built binary on the hostile inputs kept in tests/regressions/; the
//! property test at the end compiles generated manifests in-process and reads every output.

mod common;

use common::{ProjectDir, run_in};
use compose_cfn::diagnostic::{render_human, render_json};
use compose_cfn::load::dotenv::DotenvFile;
use compose_cfn::load::{Environment, Input};
use compose_cfn::review::report::{Github, Human, Json, Markdown, Report};
use compose_cfn::review::{self, StackView};
use compose_cfn::{CompileOptions, compile};
use proptest::prelude::*;
use serde_json::Value;
use std::path::Path;

/// A value no validated number or keyword can be: if it shows up, it leaked.
const SECRET: &str = "Zq7SecretValue-9x";

fn regression(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions").join(name)).unwrap()
}

fn project(files: &[(&str, &str)]) -> ProjectDir {
    let dir = ProjectDir::new();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn secret_env() -> Vec<(String, String)> {
    vec![("SECRET".into(), SECRET.into())]
}

/// Every command and format over `compose` (diff against a plain manifest), for both balancer
/// targets, in `env`; returns each run's name, exit code and all it printed.
fn every_output(dir: &Path, env: &[(String, String)]) -> Vec<(String, i32, String)> {
    std::fs::write(dir.join("base.yml"), "services:\n  web:\n    image: example/web\n    ports: [\"80:3000\"]\n")
        .unwrap();
    let mut runs = Vec::new();
    let mut run = |name: String, a: Vec<String>| {
        let r = run_in(dir, &a, env);
        runs.push((name, r.code, format!("{}{}", r.stdout, r.stderr)));
    };
    for b in ["classic", "v2"] {
        for format in ["human", "json"] {
            let argv = ["compile", "docker-compose.yml", "--format", format, "--balancer", b];
            run(format!("compile --format {format} --balancer {b}"), args(&argv));
        }
        for format in ["human", "json", "markdown"] {
            let argv = ["plan", "docker-compose.yml", "--format", format, "--balancer", b];
            run(format!("plan --format {format} --balancer {b}"), args(&argv));
            let argv = ["diff", "base.yml", "docker-compose.yml", "--format", format, "--balancer", b];
            run(format!("diff --format {format} --balancer {b}"), args(&argv));
        }
    }
    runs
}

#[test]
fn free_text_from_the_environment_reaches_no_output() {
    let dir = project(&[("docker-compose.yml", &regression("secrets-in-free-text.yml"))]);
    for (name, code, out) in every_output(dir.path(), &secret_env()) {
        assert!(!out.contains(SECRET), "{name} printed the secret:\n{out}");
        assert!(code == 0 || name.starts_with("diff") && code == 1, "{name} exit {code}:\n{out}");
    }
}

/// `$${…}` in Compose is a literal `${…}`: a secret written so under a secret-looking name is
/// a value, however much it reads like the reference to a parameter that diffs show.
#[test]
fn a_literal_that_reads_like_a_reference_is_hidden_under_a_secret_looking_name() {
    let compose = format!(
        "services:\n  web:\n    image: example/web\n    ports: [\"80:3000\"]\n    environment:\n      API_TOKEN: \"$${{{SECRET}}}\"\n"
    );
    let dir = project(&[("docker-compose.yml", &compose)]);
    for (name, _, out) in every_output(dir.path(), &[]).into_iter().filter(|(name, ..)| name.starts_with("diff")) {
        assert!(!out.contains(SECRET), "{name} printed the secret:\n{out}");
        assert!(out.contains("(hidden)"), "{name}:\n{out}");
    }
}

#[test]
fn env_file_values_reach_no_output_and_do_not_change_the_template() {
    let compose = "services:\n  web:\n    image: example/web\n    env_file: [web.env]\n    ports: [\"80:3000\"]\n";
    // A value, a quoted value, and a syntax error after them: placed, never quoted.
    let env_file = format!("DB_PASSWORD={SECRET}\nexport TOKEN=\"{SECRET}\"\nBROKEN {SECRET}\n");
    let dir = project(&[("docker-compose.yml", compose), ("web.env", &env_file)]);
    for (name, _, out) in every_output(dir.path(), &[]) {
        assert!(!out.contains(SECRET), "{name} printed a value of the env_file:\n{out}");
        let placed = out.contains("web.env:3:") || out.contains("\"file\":\"web.env\",\"line\":3");
        assert!(placed, "{name} does not place the env_file's error:\n{out}");
    }
    // Without the broken line it compiles, to the same template whatever the values are.
    let compile = |values: &str| {
        std::fs::write(dir.path().join("web.env"), values).unwrap();
        run_in(dir.path(), &args(&["compile", "docker-compose.yml"]), &[])
    };
    let first = compile(&format!("DB_PASSWORD={SECRET}\nTOKEN=a\n"));
    let second = compile("DB_PASSWORD=other\nTOKEN=b\n");
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(!first.stdout.contains(SECRET) && first.stdout.contains("\"EnvFile\": \"web.env\""));
    assert_eq!(first.stdout, second.stdout, "the template depends on the env_file's values");
}

/// The `EnvironmentParameters` of a compiled template, as `Parameter` → its `EnvFile` (or
/// `-` for the deploy environment), and the first container's `Environment`.
fn env_sources(template: &str) -> (Vec<(String, String)>, Value) {
    let t: Value = serde_json::from_str(template).expect("a template");
    let sources = t["Metadata"]["ComposeCfn"]["EnvironmentParameters"]
        .as_array()
        .expect("environment parameters")
        .iter()
        .map(|p| (p["Parameter"].as_str().unwrap().to_string(), p["EnvFile"].as_str().unwrap_or("-").to_string()))
        .collect();
    (sources, t["Resources"]["WebTaskDefinition"]["Properties"]["ContainerDefinitions"][0]["Environment"].clone())
}

#[test]
fn env_file_keys_follow_compose_precedence_a_later_file_and_environment_win() {
    // Compose: files are read in order, a later one overriding; `environment:` overrides them
    // all, a bare `KEY` there taking the deploy environment's value instead of the file's.
    let compose = "services:\n  web:\n    image: example/web\n    env_file: [first.env, second.env]\n    \
                   environment:\n      MODE: production\n      TOKEN:\n    ports: [\"80:3000\"]\n";
    let first = format!("SHARED={SECRET}\nONLY_FIRST=1\nMODE=development\nTOKEN={SECRET}\n");
    let dir = project(&[("docker-compose.yml", compose), ("first.env", &first), ("second.env", "SHARED=2\n")]);
    let r = run_in(dir.path(), &args(&["compile", "docker-compose.yml"]), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains(SECRET) && !r.stdout.contains("development"), "a value reached the template");
    let (sources, environment) = env_sources(&r.stdout);
    let expected = [("EnvOnlyFirst", "first.env"), ("EnvShared", "second.env"), ("EnvToken", "-")];
    assert_eq!(sources, expected.map(|(p, f)| (p.to_string(), f.to_string())));
    assert!(environment.as_array().unwrap().contains(&serde_json::json!({"Name": "MODE", "Value": "production"})));
}

#[test]
fn two_variables_meeting_in_one_parameter_name_are_a_located_error() {
    // `db_url` is not UpperCamel-able, so its parameter is `EnvDbUrl` + `Var` + its name's hash
    // (e169222d); the canonical `DB_URL_VARE169222D` is named `EnvDbUrlVare169222d` too.
    let compose = "services:\n  web:\n    image: example/web\n    env_file: web.env\n    \
                   environment:\n      - DB_URL_VARE169222D\n";
    let dir = project(&[("docker-compose.yml", compose), ("web.env", &format!("db_url={SECRET}\n"))]);
    let r = run_in(dir.path(), &args(&["compile", "docker-compose.yml"]), &[]);
    assert_eq!((r.code, r.stdout.as_str()), (1, ""), "{}", r.stderr);
    let expected = "error[environment]: variables `DB_URL_VARE169222D` and `db_url` both become deploy-time \
                    parameter `EnvDbUrlVare169222d`\n --> docker-compose.yml:2:3\n  |\n2 |   web:\n  |   ^^^\n";
    assert!(r.stderr.starts_with(expected), "{}", r.stderr);
    assert!(!r.stderr.contains(SECRET), "{}", r.stderr);
}

#[test]
fn one_variable_from_two_env_files_of_two_services_is_a_located_error_naming_both() {
    // Compose gives each service its own file's value; one parameter holds one value.
    let compose = "services:\n  web:\n    image: example/web\n    env_file: web.env\n  \
                   worker:\n    image: example/worker\n    env_file: worker.env\n  \
                   cron:\n    image: example/cron\n    environment: [DATABASE_URL]\n";
    let dir = project(&[
        ("docker-compose.yml", compose),
        ("web.env", &format!("DATABASE_URL={SECRET}\n")),
        ("worker.env", &format!("DATABASE_URL={SECRET}-2\n")),
    ]);
    let r = run_in(dir.path(), &args(&["compile", "docker-compose.yml"]), &[]);
    assert_eq!((r.code, r.stdout.as_str()), (1, ""), "{}", r.stderr);
    assert!(!r.stderr.contains(SECRET), "{}", r.stderr);
    for needed in [
        "variable `DATABASE_URL` is read from the deploy environment and from `web.env` and from `worker.env`, \
         but becomes one deploy-time parameter `EnvDatabaseUrl`, which holds one value",
        " --> docker-compose.yml:8:3",
        "^^^^ reads it from the deploy environment",
        "--- reads it from `web.env`",
        "------ reads it from `worker.env`",
        "help: read `DATABASE_URL` from the same place in these services",
    ] {
        assert!(r.stderr.contains(needed), "no `{needed}` in:\n{}", r.stderr);
    }
}

#[test]
fn structural_values_from_the_environment_are_reported_without_their_value() {
    let dir = project(&[("docker-compose.yml", &regression("error-secrets-in-structure.yml"))]);
    for (name, code, out) in every_output(dir.path(), &secret_env()) {
        assert!(!out.contains(SECRET), "{name} printed the secret:\n{out}");
        assert!(code == 1 || name.starts_with("diff") && code == 2, "{name} exit {code}:\n{out}");
    }
    let run = run_in(dir.path(), &args(&["compile", "docker-compose.yml"]), &secret_env());
    // Each bad value is placed and named as written.
    for expected in [
        "`mem_limit` is `${SECRET}`, not a memory size",
        "the value of `convox.health.timeout` (`${SECRET}`) is not valid",
        "`${SECRET}:3000` is not a valid port mapping",
        "required variable `MISSING` is not set: ${SECRET}",
        "the project `name:` comes from `${…}`",
        "unknown label `convox.health.${SECRET}`",
    ] {
        assert!(run.stderr.contains(expected), "missing `{expected}` in:\n{}", run.stderr);
    }
}

#[test]
fn the_template_is_the_same_whatever_the_environment_holds() {
    let dir = project(&[("docker-compose.yml", &regression("secrets-in-free-text.yml"))]);
    let compile = |env: &[(String, String)]| run_in(dir.path(), &args(&["compile", "docker-compose.yml"]), env);
    let without = compile(&[]);
    let with = compile(&secret_env());
    let empty = compile(&[("SECRET".into(), String::new())]);
    assert_eq!(without.code, 0, "{}", without.stderr);
    assert_eq!(without.stdout, with.stdout, "the template depends on whether SECRET is set");
    assert_eq!(without.stdout, empty.stdout, "the template depends on SECRET being empty");
    assert_eq!(without.stderr, with.stderr);
    assert!(!without.stderr.contains("not set"), "free text never warns about unset variables: {}", without.stderr);
    let t: Value = serde_json::from_str(&without.stdout).unwrap();
    // The bare `SECRET` key is kept (as a parameter), set or not.
    let env = &t["Resources"]["WebTaskDefinition"]["Properties"]["ContainerDefinitions"][0]["Environment"];
    let secret = env.as_array().unwrap().iter().find(|e| e["Name"] == "SECRET").expect("the bare key is kept");
    assert_eq!(secret["Value"], serde_json::json!({"Ref": "EnvSecret"}));
}

fn metadata_entry<'a>(t: &'a Value, parameter: &str) -> &'a Value {
    t["Metadata"]["ComposeCfn"]["EnvironmentParameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["Parameter"] == parameter)
        .unwrap_or_else(|| panic!("no metadata for {parameter}: {}", t["Metadata"]))
}

#[test]
fn free_text_variables_become_parameters_the_deploy_stage_fills() {
    let dir = project(&[("docker-compose.yml", &regression("secrets-in-free-text.yml"))]);
    let run = run_in(dir.path(), &args(&["compile", "docker-compose.yml"]), &[]);
    assert_eq!(run.code, 0, "`${{SECRET:?…}}` no longer fails an offline compile: {}", run.stderr);
    let t: Value = serde_json::from_str(&run.stdout).unwrap();
    let container = &t["Resources"]["WebTaskDefinition"]["Properties"]["ContainerDefinitions"][0];
    assert_eq!(container["Image"], serde_json::json!({"Fn::Sub": "example/web:${EnvSecret}"}));
    assert_eq!(container["WorkingDirectory"], serde_json::json!({"Fn::Sub": "/srv/${EnvSecret}"}));
    assert_eq!(container["Command"][2], serde_json::json!({"Ref": "EnvSecret"}));
    // A reference stays inside its word of a shell-split command line.
    assert_eq!(container["EntryPoint"][1], serde_json::json!({"Fn::Sub": "--key=${EnvSecret}"}));
    assert_eq!(container["EntryPoint"][2], serde_json::json!({"Fn::Sub": "quoted ${EnvSecret}"}));
    let value = |name: &str| {
        container["Environment"].as_array().unwrap().iter().find(|e| e["Name"] == name).unwrap()["Value"].clone()
    };
    assert_eq!(value("URL"), serde_json::json!({"Fn::Sub": "postgres://app:${EnvSecret}@db/app"}));
    assert_eq!(value("LITERAL_BRACES"), serde_json::json!("${not_a_variable}"), "`$$` is a literal `$`");
    let target = &t["Resources"]["BalancerWeb"]["Properties"]["HealthCheck"]["Target"]["Fn::Join"][1];
    assert_eq!(target[2], serde_json::json!({"Fn::Sub": "/h/${EnvSecret}"}));

    // One parameter per (variable, modifier), each NoEcho, described for the deploy stage.
    let plain = metadata_entry(&t, "EnvSecret");
    assert_eq!(plain["Variable"], "SECRET");
    assert_eq!(plain["Services"], serde_json::json!(["web"]));
    assert_eq!(plain["EmptyIsUnset"], false);
    assert!(plain.get("Default").is_none() && plain.get("Required").is_none());
    let token = value("TOKEN");
    let default_id = token["Ref"].as_str().unwrap();
    assert!(default_id.starts_with("EnvSecretDefault"), "{default_id}");
    assert_eq!(metadata_entry(&t, default_id)["Default"], "fallback");
    assert_eq!(metadata_entry(&t, default_id)["EmptyIsUnset"], true);
    assert_eq!(t["Parameters"][default_id]["Default"], "fallback");
    let needed = value("NEEDED");
    let required = metadata_entry(&t, needed["Ref"].as_str().unwrap());
    assert_eq!(required["Required"], "set SECRET before deploying");
    let flag = metadata_entry(&t, value("FLAG")["Ref"].as_str().unwrap());
    assert_eq!(flag["Alternative"], "on");
    for (id, p) in t["Parameters"].as_object().unwrap().iter().filter(|(id, _)| id.starts_with("Env")) {
        assert_eq!(p["NoEcho"], true, "{id}");
        assert_eq!(p["Type"], "String", "{id}");
    }
}

#[test]
fn an_unset_tag_is_a_parameter_not_an_empty_tag() {
    let compose = "services:\n  web:\n    image: myorg/web:${TAG}\n    ports: [\"80:3000\"]\n";
    let dir = project(&[("docker-compose.yml", compose)]);
    let run = run_in(dir.path(), &args(&["compile", "docker-compose.yml"]), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("\"myorg/web:\""), "the tag vanished");
    assert!(run.stdout.contains("myorg/web:${EnvTag}"), "{}", run.stdout);
}

#[test]
fn a_dotenv_link_out_of_the_project_is_not_followed() {
    // The chain of the issue: `.env` made a link to the CI user's AWS credentials, and a
    // health path that interpolates a key from it, reviewed with `diff --format markdown`.
    let outside = tempfile::tempdir().unwrap();
    let credentials = outside.path().join("credentials");
    std::fs::write(&credentials, format!("[default]\naws_secret_access_key={SECRET}\n")).unwrap();
    let compose = "services:\n  web:\n    image: example/web\n    labels:\n      - convox.health.path=/h/${aws_secret_access_key}\n    ports: [\"80:3000\"]\n";
    let dir = project(&[("docker-compose.yml", compose)]);
    std::os::unix::fs::symlink(&credentials, dir.path().join(".env")).unwrap();
    for (name, code, out) in every_output(dir.path(), &[]) {
        assert!(!out.contains(SECRET), "{name} printed the key:\n{out}");
        assert!(out.contains("outside the project directory"), "{name}: the link is not reported:\n{out}");
        assert_ne!(code, 0, "{name}");
    }
}

#[test]
fn a_dotenv_that_never_ends_or_is_too_large_is_refused_before_it_is_read() {
    let compose = "services:\n  web:\n    image: example/web\n    ports: [\"80:3000\"]\n";
    let dir = project(&[("docker-compose.yml", compose)]);
    std::os::unix::fs::symlink("/dev/zero", dir.path().join(".env")).unwrap();
    let run = run_in(dir.path(), &args(&["compile", "docker-compose.yml"]), &[]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("error[dotenv]"), "{}", run.stderr);

    // A regular file inside the project, one byte over the cap.
    std::fs::remove_file(dir.path().join(".env")).unwrap();
    let big = "A=".to_string() + &"x".repeat(1024 * 1024);
    std::fs::write(dir.path().join(".env"), big).unwrap();
    let run = run_in(dir.path(), &args(&["compile", "docker-compose.yml"]), &[]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("bytes; `.env` files over 1048576 bytes are refused"), "{}", run.stderr);
}

#[test]
fn dotenv_problems_are_placed_and_never_show_its_values() {
    let compose = "services:\n  web:\n    image: example/web\n    ports: [\"${PORT}:3000\"]\n";
    let cases: [(&[u8], &str); 3] = [
        (b"PORT=8080\nTOKEN=Zq7SecretValue-9x\xff\n", ".env:2:"),
        (b"PORT=8080\nTOKEN Zq7SecretValue-9x\n", ".env:2:7"),
        (b"PORT=8080\nTOKEN='Zq7SecretValue-9x\n", ".env:2:7"),
    ];
    for (dotenv, place) in cases {
        let dir = project(&[("docker-compose.yml", compose)]);
        std::fs::write(dir.path().join(".env"), dotenv).unwrap();
        let run = run_in(dir.path(), &args(&["compile", "docker-compose.yml"]), &[]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(run.stderr.contains(place), "expected {place} in:\n{}", run.stderr);
        assert!(!run.stderr.contains(SECRET), "the value is shown:\n{}", run.stderr);
    }
}

#[test]
fn dotenv_is_read_as_compose_reads_it() {
    let compose = "services:\n  web:\n    image: example/web\n    ports: [\"${PORT}:3000\", \"${OTHER}:3001\"]\n";
    let dotenv = "\u{feff}PORT = \"8080\" # the web port\nBASE=90\nOTHER=\"${BASE}90\"\n";
    let dir = project(&[("docker-compose.yml", compose), (".env", dotenv)]);
    let run = run_in(dir.path(), &args(&["compile", "docker-compose.yml"]), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("WebPort8080Host") && run.stdout.contains("WebPort9090Host"), "{}", run.stderr);
}

#[test]
fn references_without_a_parameter_form_or_name_are_located_errors() {
    let cases = [
        // A default that refers to another variable cannot be filled by the deploy stage.
        ("    environment:\n      URL: ${A:-${B}}\n", "interpolation", "5:12"),
        // A parameter named like another parameter of the template.
        ("    build: .\n    environment:\n      X: ${IMAGE}\n", "environment", "2:3"),
        // A variable name from the environment.
        ("    environment:\n      - ${NAME}=1\n", "environment", "5:9"),
        ("    build: ${CONTEXT}\n", "container-value", "3:12"),
        ("    links: [\"${LINK}\"]\n", "unknown-link", "4:13"),
    ];
    for (lines, code, place) in cases {
        let compose = format!("services:\n  env:\n    image: example/web\n{lines}    ports: [\"80:3000\"]\n");
        let compose = if lines.contains("build") { compose.replace("    image: example/web\n", "") } else { compose };
        let dir = project(&[("docker-compose.yml", &compose)]);
        let run = run_in(dir.path(), &args(&["compile", "docker-compose.yml"]), &secret_env());
        assert_eq!(run.code, 1, "{compose}\n{}", run.stderr);
        assert!(run.stderr.contains(&format!("error[{code}]")), "{compose}\n{}", run.stderr);
        assert!(run.stderr.contains(&format!("docker-compose.yml:{place}")), "{compose}\n{}", run.stderr);
    }
}

#[test]
fn diff_shows_a_deploy_time_health_path_by_its_parameter() {
    let dir = project(&[("docker-compose.yml", &regression("secrets-in-free-text.yml"))]);
    std::fs::write(
        dir.path().join("base.yml"),
        "services:\n  web:\n    image: x\n    labels: [convox.health.path=/old]\n    ports: [\"80:3000\"]\n",
    )
    .unwrap();
    let run = run_in(dir.path(), &args(&["diff", "base.yml", "docker-compose.yml"]), &secret_env());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("HTTP on port 80 /old → HTTP on port 80 /h/${EnvSecret}"), "{}", run.stdout);
}

// ---------------------------------------------------------------------------------------
// The property: whatever the manifest does with variables, no value appears in any output.

/// Where a generated reference is written, and how.
fn reference(var: usize, form: usize) -> String {
    let name = format!("V{var}");
    match form {
        0 => format!("${{{name}}}"),
        1 => format!("${name}"),
        2 => format!("${{{name}:-dflt}}"),
        3 => format!("${{{name}-dflt}}"),
        4 => format!("${{{name}:?needs {name}}}"),
        5 => format!("${{{name}:+alt}}"),
        6 => format!("${{{name}:-${{V0}}}}"),
        _ => format!("${{MISSING:?${{{name}}}}}"),
    }
}

/// Positions in a service, each a line of YAML given a reference.
fn place(position: usize, r: &str) -> String {
    match position {
        0 => format!("    image: \"example/web:{r}\"\n"),
        1 => format!("    command: \"serve --token {r}\"\n"),
        2 => format!("    entrypoint: [\"/bin/run\", \"{r}\"]\n"),
        3 => format!("    working_dir: \"/srv/{r}\"\n"),
        4 => format!("    user: \"{r}\"\n"),
        5 => format!("    extra_hosts: [\"host:{r}\"]\n"),
        6 => format!("    healthcheck:\n      test: \"curl {r}\"\n      interval: \"{r}\"\n"),
        7 => format!("    environment:\n      URL: \"x://{r}@db\"\n      V1:\n"),
        8 => format!("    mem_limit: \"{r}\"\n"),
        9 => format!("    cpu_shares: \"{r}\"\n"),
        10 => format!("    deploy:\n      replicas: \"{r}\"\n"),
        11 => format!("    profiles: [\"{r}\"]\n"),
        _ => format!("    links: [\"{r}\"]\n"),
    }
}

/// Label lines of the web service, given a reference.
fn label(kind: usize, r: &str) -> String {
    match kind {
        0 => format!("      - convox.health.path=/h/{r}\n"),
        1 => format!("      - convox.health.timeout={r}\n"),
        2 => format!("      - convox.port.443.protocol={r}\n"),
        3 => format!("      - convox.{r}=1\n"),
        4 => format!("      - convox.port.{r}.secure=true\n"),
        _ => format!("      - convox.tls.policy={r}\n"),
    }
}

fn outputs_of(compose: &str, env: &Environment, dotenv: &str) -> Vec<(String, String)> {
    let options = CompileOptions {
        fallback_app: "prop".into(),
        dotenv: DotenvFile::Read { path: ".env".into(), bytes: dotenv.as_bytes().to_vec() },
        ..Default::default()
    };
    let input = || vec![Input { path: "docker-compose.yml".into(), bytes: compose.as_bytes().to_vec() }];
    let result = compile(input(), env, &options);
    let mut out = vec![
        ("diagnostics".to_string(), render_human(&result.diagnostics, &result.sources, false)),
        ("json diagnostics".to_string(), render_json(&result.diagnostics, &result.sources)),
        ("template".to_string(), result.template_text().unwrap_or_default()),
    ];
    let reports: [(&str, Box<dyn Report>); 4] = [
        ("human", Box::new(Human::default())),
        ("json", Box::new(Json)),
        ("markdown", Box::new(Markdown)),
        ("github", Box::new(Github)),
    ];
    if let Some(plan) = result.plan.as_ref().filter(|_| !result.diagnostics.has_errors()) {
        let base = StackView::parse(
            &compile(
                vec![Input {
                    path: "base.yml".into(),
                    bytes: b"services:\n  web:\n    image: x\n    ports: [\"80:3000\"]\n".to_vec(),
                }],
                &Environment::default(),
                &CompileOptions { fallback_app: "prop".into(), ..Default::default() },
            )
            .template_text()
            .unwrap(),
        )
        .unwrap();
        let view = review::view_of(&result).unwrap();
        let diff = review::diff(&base, &view, "base.yml", "docker-compose.yml");
        for (name, report) in &reports {
            out.push((format!("plan {name}"), report.plan(plan)));
            out.push((format!("diff {name}"), report.diff(&diff)));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_value_of_a_variable_reaches_any_output(
        values in proptest::collection::vec("Zq[a-z]{3}[A-Z0-9]{6}", 3),
        in_dotenv in proptest::collection::vec(any::<bool>(), 3),
        lines in proptest::collection::vec((0usize..13, 0usize..3, 0usize..8), 1..6),
        labels in proptest::collection::vec((0usize..6, 0usize..3, 0usize..8), 0..4),
    ) {
        let mut compose = String::from("services:\n  web:\n");
        let mut seen = std::collections::BTreeSet::new();
        for (position, var, form) in &lines {
            if seen.insert(*position) {
                compose.push_str(&place(*position, &reference(*var, *form)));
            }
        }
        compose.push_str("    labels:\n      - convox.port.443.protocol=https\n");
        for (kind, var, form) in &labels {
            compose.push_str(&label(*kind, &reference(*var, *form)));
        }
        compose.push_str("    ports: [\"80:3000\", \"443:3000\"]\n");
        let process: Vec<(String, String)> = values
            .iter()
            .enumerate()
            .filter(|(i, _)| !in_dotenv[*i])
            .map(|(i, v)| (format!("V{i}"), v.clone()))
            .collect();
        let dotenv: String = values
            .iter()
            .enumerate()
            .filter(|(i, _)| in_dotenv[*i])
            .map(|(i, v)| format!("V{i}=\"{v}\"\n"))
            .collect();
        for (name, text) in outputs_of(&compose, &Environment::from_pairs(process), &dotenv) {
            for value in &values {
                prop_assert!(!text.contains(value.as_str()), "{} shows a value:\n{}\n--- compose:\n{}", name, text, compose);
            }
        }
    }
}
