//! The command line's contract with scripts: exit codes, stdout only for the template,
//! `-o` never leaving half a file, usage errors, and no colour when not on a terminal.

mod common;

use common::{ProjectDir, run_in};
use std::path::Path;

const SEED: &str = "web:\n  labels:\n    - convox.port.443.protocol=https\n  ports:\n    - 80:3000\n    - 443:3000\n";
const BROKEN: &str = "web:\n  labels:\n    - convox.port.443.protocol=htps\n  ports:\n    - 443:3000\n";

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn dir_with(files: &[(&str, &str)]) -> ProjectDir {
    let dir = ProjectDir::new();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn output_file_is_written_on_success_and_left_alone_on_error() {
    let dir = dir_with(&[("good.yml", SEED), ("bad.yml", BROKEN)]);
    let run = run_in(dir.path(), &args(&["compile", "good.yml", "-o", "out.json"]), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "with -o nothing goes to stdout");
    let written = std::fs::read_to_string(dir.path().join("out.json")).unwrap();
    assert!(written.contains("\"BalancerWeb\""));

    let run = run_in(dir.path(), &args(&["compile", "bad.yml", "-o", "out.json"]), &[]);
    assert_eq!(run.code, 1);
    assert_eq!(std::fs::read_to_string(dir.path().join("out.json")).unwrap(), written, "the old template survives");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file is left behind");
}

#[test]
fn o_never_writes_the_template_over_a_file_the_compilation_reads() {
    let dir =
        dir_with(&[("docker-compose.yml", SEED), ("docker-compose.override.yml", "web:\n  ports:\n    - 8080:3000\n")]);
    for argv in [
        &["compile", "-o", "./docker-compose.yml"][..],
        &["compile", "docker-compose.yml", "-o", "docker-compose.yml"],
        &["compile", "-o", "docker-compose.override.yml"],
    ] {
        let run = run_in(dir.path(), &args(argv), &[]);
        assert_eq!(run.code, 2, "{argv:?}: {}", run.stderr);
        assert!(run.stderr.contains("which this command reads; give -o another file"), "{}", run.stderr);
        assert_eq!(std::fs::read_to_string(dir.path().join("docker-compose.yml")).unwrap(), SEED, "{argv:?}");
    }
}

#[test]
fn help_and_version_go_to_stdout_with_exit_0_and_a_missing_subcommand_to_stderr_with_exit_2() {
    let dir = ProjectDir::new();
    let version = run_in(dir.path(), &args(&["--version"]), &[]);
    assert_eq!((version.code, version.stderr.as_str()), (0, ""));
    assert_eq!(version.stdout, format!("compose-cfn {}\n", env!("CARGO_PKG_VERSION")));
    for argv in [&["--help"][..], &["help", "plan"], &["plan", "--help"]] {
        let help = run_in(dir.path(), &args(argv), &[]);
        assert_eq!((help.code, help.stderr.as_str()), (0, ""), "{argv:?}");
        assert!(
            help.stdout.contains("Usage: compose-cfn") && !help.stdout.contains('\x1b'),
            "{argv:?}: {}",
            help.stdout
        );
    }
    let bare = run_in(dir.path(), &args(&[]), &[]);
    assert_eq!((bare.code, bare.stdout.as_str()), (2, ""));
    assert!(bare.stderr.contains("Usage: compose-cfn"), "{}", bare.stderr);
}

#[test]
fn without_a_file_argument_the_default_file_and_its_override_are_read() {
    let dir =
        dir_with(&[("docker-compose.yml", SEED), ("docker-compose.override.yml", "web:\n  ports:\n    - 8080:3000\n")]);
    let run = run_in(dir.path(), &args(&["compile"]), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("WebPort8080Host"), "the override's port is merged in");
    let app = dir.path().file_name().unwrap().to_string_lossy().to_string();
    assert!(run.stdout.contains(&format!("\"App\": \"{app}\"")), "the app is named after the directory");
}

#[test]
fn usage_and_environment_errors_exit_2() {
    let dir = dir_with(&[("good.yml", SEED)]);
    for (argv, expected) in [
        (vec!["compile", "missing.yml"], "cannot read `missing.yml`"),
        (vec!["compile"], "no compose file given"),
        (vec!["compile", "good.yml", "--certificate", "web:443=not-an-arn"], "is not a certificate ARN"),
        (
            vec!["compile", "good.yml", "--certificate", "web:http=arn:aws:acm:us-east-1:123456789012:certificate/x"],
            "not a port number",
        ),
        (
            vec!["compile", "good.yml", "--certificate", "web=arn:aws:acm:us-east-1:123456789012:certificate/x"],
            "SERVICE:PORT",
        ),
        (vec!["compile", "good.yml", "--format", "xml"], "invalid value 'xml'"),
    ] {
        let run = run_in(dir.path(), &args(&argv), &[]);
        assert_eq!(run.code, 2, "{argv:?}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{argv:?}: {}", run.stderr);
        assert!(run.stdout.is_empty());
    }
}

#[test]
fn a_refused_certificate_option_quotes_nothing_of_its_value() {
    let dir = dir_with(&[("good.yml", SEED)]);
    // A private key pasted where the ARN goes, and a token where the port goes.
    for value in ["web:443=-----BEGIN PRIVATE KEY-----MIIEvSECRETKEY", "web:SECRETTOKEN=arn:aws:acm:x", "SECRETTOKEN"] {
        let run = run_in(dir.path(), &args(&["compile", "good.yml", "--certificate", value]), &[]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains("--certificate"), "{}", run.stderr);
        assert!(!run.stderr.contains("SECRET"), "the value reached stderr: {}", run.stderr);
        assert!(run.stdout.is_empty());
    }
}

#[test]
fn files_over_the_size_limit_are_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.yml");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(16 * 1024 * 1024 + 1).unwrap();
    let run = run_in(dir.path(), &args(&["compile", "big.yml"]), &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("over 16777216 bytes are refused"), "{}", run.stderr);
}

#[test]
fn no_colour_when_stderr_is_not_a_terminal() {
    let dir = dir_with(&[("bad.yml", BROKEN)]);
    let run = run_in(dir.path(), &args(&["compile", "bad.yml"]), &[]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("error[unknown-protocol]"));
    assert!(!run.stderr.contains('\x1b'), "escape codes in piped output: {:?}", run.stderr);
    let forced = run_in(dir.path(), &args(&["compile", "bad.yml"]), &[("CLICOLOR_FORCE".into(), "1".into())]);
    assert!(forced.stderr.contains('\x1b'), "CLICOLOR_FORCE=1 asks for colour");
}

#[test]
fn the_process_environment_wins_over_dotenv() {
    let compose = "web:\n  ports:\n    - \"${PORT}:3000\"\n";
    let dir = dir_with(&[("docker-compose.yml", compose), (".env", "PORT=8080\n")]);
    let from_dotenv = run_in(dir.path(), &args(&["compile"]), &[]);
    assert!(from_dotenv.stdout.contains("WebPort8080Host"), "{}", from_dotenv.stderr);
    let from_process = run_in(dir.path(), &args(&["compile"]), &[("PORT".into(), "9090".into())]);
    assert!(from_process.stdout.contains("WebPort9090Host"), "{}", from_process.stderr);
}

#[test]
fn the_seed_example_gives_https_to_http_on_443_and_tcp_on_80() {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seed-ssl");
    let run = run_in(&seed, &args(&["compile", "docker-compose.yml"]), &[]);
    assert_eq!(run.code, 0);
    let t: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let listeners = t["Resources"]["BalancerWeb"]["Properties"]["Listeners"].as_array().unwrap();
    let by_port = |p: &str| listeners.iter().find(|l| l["LoadBalancerPort"] == p).unwrap();
    assert_eq!(
        (by_port("80")["Protocol"].as_str(), by_port("80")["InstanceProtocol"].as_str()),
        (Some("TCP"), Some("TCP"))
    );
    assert_eq!(
        (by_port("443")["Protocol"].as_str(), by_port("443")["InstanceProtocol"].as_str()),
        (Some("HTTPS"), Some("HTTP"))
    );
    assert_eq!(by_port("443")["SSLCertificateId"]["Ref"], "WebPort443Certificate");
    assert!(t["Parameters"]["WebPort443Certificate"].get("Default").is_none(), "self-signed at deploy: no default");
}

#[test]
fn values_from_the_ci_environment_never_reach_the_template_or_the_log() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ecs-realistic-app");
    let env = common::fixture_env(&dir);
    assert!(!env.is_empty(), "the fixture sets secrets in its env file");
    for format in ["human", "json"] {
        let run = run_in(&dir, &args(&["compile", "docker-compose.yml", "--format", format]), &env);
        assert_eq!(run.code, 0, "{}", run.stderr);
        for (name, secret) in &env {
            assert!(!run.stdout.contains(secret.as_str()), "{name}'s value is in the template");
            assert!(!run.stderr.contains(secret.as_str()), "{name}'s value is in the diagnostics");
        }
        let t: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        // `${DB_PASSWORD}` in DATABASE_URL and POSTGRES_PASSWORD is one NoEcho parameter.
        assert_eq!(t["Parameters"]["EnvDbPassword"]["NoEcho"], true);
        assert!(t["Parameters"]["EnvDbPassword"].get("Default").is_none());
        let url = &t["Resources"]["WebTaskDefinition"]["Properties"]["ContainerDefinitions"][0]["Environment"];
        let url = url.as_array().unwrap().iter().find(|e| e["Name"] == "DATABASE_URL").unwrap();
        assert_eq!(url["Value"]["Fn::Sub"], "postgres://app:${EnvDbPassword}@database:5432/app");
    }
}

const WARNED: &str = "version: \"3.8\"\nservices:\n  web:\n    image: x\n    ports: [\"80:3000\"]\n    foo: 1\n";

#[test]
fn deny_and_allow_change_what_warnings_do_as_clippy_spells_it() {
    let dir = dir_with(&[("docker-compose.yml", WARNED)]);
    let run = run_in(dir.path(), &args(&["compile"]), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("warning[obsolete-version]") && run.stderr.contains("warning[untranslated-key]"));

    let run = run_in(dir.path(), &args(&["compile", "-D", "warnings", "-o", "out.json"]), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("error[obsolete-version]"), "{}", run.stderr);
    assert!(run.stderr.contains("could not compile due to 2 errors"), "{}", run.stderr);
    assert!(!dir.path().join("out.json").exists(), "a denied warning withholds the template");

    let run = run_in(dir.path(), &args(&["compile", "--deny", "untranslated-key", "--allow", "obsolete-version"]), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("error[untranslated-key]"), "{}", run.stderr);
    assert!(!run.stderr.contains("obsolete-version"), "an allowed warning is not reported:\n{}", run.stderr);

    // Global options go before the subcommand or after it.
    let run = run_in(dir.path(), &args(&["-A", "obsolete-version", "-A", "untranslated-key", "plan"]), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "", "both warnings allowed");

    let run = run_in(dir.path(), &args(&["compile", "--deny", "no-such-code"]), &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("explain --list"), "{}", run.stderr);
}

#[test]
fn quiet_prints_errors_only() {
    let dir = dir_with(&[("docker-compose.yml", WARNED), ("bad.yml", BROKEN)]);
    let run = run_in(dir.path(), &args(&["compile", "-q"]), &[]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert!(run.stdout.contains("AWSTemplateFormatVersion"));
    let run = run_in(dir.path(), &args(&["compile", "--quiet", "bad.yml"]), &[]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("error[unknown-protocol]"), "{}", run.stderr);
}

#[test]
fn color_always_and_never_override_the_terminal_guess() {
    let dir = dir_with(&[("docker-compose.yml", WARNED)]);
    let run = run_in(dir.path(), &args(&["--color", "always", "compile"]), &[]);
    assert!(run.stderr.contains("\x1b["), "colour into a pipe when asked: {:?}", run.stderr);
    let force = [("CLICOLOR_FORCE".to_string(), "1".to_string())];
    let run = run_in(dir.path(), &args(&["compile", "--color", "never"]), &force);
    assert!(run.stderr.contains("warning[") && !run.stderr.contains('\x1b'), "{:?}", run.stderr);
    let run = run_in(dir.path(), &args(&["compile"]), &force);
    assert!(run.stderr.contains('\x1b'), "CLICOLOR_FORCE still works under auto: {:?}", run.stderr);
}

#[test]
fn explain_list_names_every_diagnostic_code() {
    let dir = ProjectDir::new();
    let run = run_in(dir.path(), &args(&["explain", "--list"]), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for code in compose_cfn::diagnostic::Code::ALL {
        let line = format!("{} ", code.as_str());
        assert!(run.stdout.lines().any(|l| l.starts_with(&line) && l.contains(code.summary())), "{code:?}");
    }
    let bare = run_in(dir.path(), &args(&["explain"]), &[]);
    assert_eq!((bare.code, bare.stdout), (0, run.stdout), "without an argument, explain lists the codes");
}

/// Runs `compose-cfn ARGS` in `dir` with `input` on its standard input.
fn run_with_stdin(dir: &Path, argv: &[&str], input: &str) -> common::Run {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_compose-cfn"))
        .args(argv)
        .current_dir(dir)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that fails before reading its input closes the pipe: that is not the test's failure.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    let out = child.wait_with_output().unwrap();
    common::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

#[test]
fn dash_is_stdin_for_inputs_and_stdout_for_output_and_stdin_needs_an_app_name() {
    let dir = ProjectDir::new();
    let run = run_with_stdin(dir.path(), &["compile", "-", "--app", "shop", "-o", "-"], SEED);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("\"App\": \"shop\""), "{}", run.stdout);
    assert!(!dir.path().join("-").exists(), "`-o -` is stdout, not a file named `-`");

    let named = format!("name: shop\nservices:\n  {}", SEED.replace('\n', "\n  "));
    let run = run_with_stdin(dir.path(), &["compile", "-f", "-"], &named);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("\"App\": \"shop\""));

    let run = run_with_stdin(dir.path(), &["compile", "-"], SEED);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("nothing names the app") && run.stderr.contains("--app NAME"), "{}", run.stderr);

    let run = run_with_stdin(dir.path(), &["compile", "--app", "shop", "-"], BROKEN);
    assert!(run.stderr.contains("--> <stdin>:3:7"), "diagnostics name standard input:\n{}", run.stderr);

    let run = run_with_stdin(dir.path(), &["compile", "--app", "shop", "-", "-"], SEED);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("`-` is given twice"), "{}", run.stderr);
}

#[test]
fn a_convox_era_version_line_is_not_noise_but_a_later_one_is_still_said() {
    for (version, warned) in [("\"2\"", false), ("'2.1'", false), ("1", false), ("\"3.8\"", true)] {
        let dir =
            dir_with(&[("docker-compose.yml", &format!("version: {version}\nservices:\n  web:\n    image: x\n"))]);
        let run = run_in(dir.path(), &args(&["compile"]), &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stderr.contains("obsolete-version"), warned, "version {version}:\n{}", run.stderr);
    }
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn compose_file_and_compose_project_name_are_honoured_as_in_compose() {
    let dir = dir_with(&[("base.yml", SEED), ("extra.yml", "web:\n  ports:\n    - 8080:3000\n")]);
    let vars = env(&[("COMPOSE_FILE", "base.yml:extra.yml"), ("COMPOSE_PROJECT_NAME", "shop")]);
    let run = run_in(dir.path(), &args(&["compile", "-v"]), &vars);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("WebPort8080Host") && run.stdout.contains("\"App\": \"shop\""));
    assert!(run.stderr.contains("reading `base.yml`, then `extra.yml` (from COMPOSE_FILE)"), "{}", run.stderr);

    let run = run_in(dir.path(), &args(&["compile", "base.yml", "--app", "other"]), &vars);
    assert!(run.stdout.contains("\"App\": \"other\""), "--app wins over COMPOSE_PROJECT_NAME");
    let run = run_in(dir.path(), &args(&["compile", "base.yml"]), &env(&[("COMPOSE_PROJECT_NAME", "Shop")]));
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("COMPOSE_PROJECT_NAME `Shop`"), "{}", run.stderr);
}

#[test]
fn verbose_says_which_files_env_and_profiles_and_two_default_files_are_warned_about() {
    let dir = dir_with(&[
        ("compose.yaml", SEED),
        ("docker-compose.yml", "web:\n  image: stale\n"),
        ("docker-compose.override.yml", "web:\n  ports:\n    - 8080:3000\n"),
        (".env", "TAG=1\n"),
    ]);
    let run = run_in(dir.path(), &args(&["compile", "--verbose"]), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for said in [
        "note: reading `compose.yaml`, then `docker-compose.override.yml` (found here, the override merged",
        "note: reading variables from `.env`",
        "note: no profile is active",
        "warning[two-compose-files]: found both `compose.yaml` and `docker-compose.yml`; only `compose.yaml` is read",
    ] {
        assert!(run.stderr.contains(said), "{said}\n{}", run.stderr);
    }
    let run = run_in(dir.path(), &args(&["compile"]), &[]);
    assert!(!run.stderr.contains("note:"), "notes only under -v:\n{}", run.stderr);
}

#[test]
fn an_unknown_profile_is_an_error_listing_the_known_ones() {
    let file = "services:\n  web:\n    image: x\n    profiles: [debug]\n  db:\n    image: y\n    profiles: [tools]\n";
    let dir = dir_with(&[("docker-compose.yml", file)]);
    let run = run_in(dir.path(), &args(&["compile", "--profile", "debgu"]), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("error[unknown-profile]: no service uses the profile `debgu`"), "{}", run.stderr);
    assert!(run.stderr.contains("the services use `debug`, `tools`"), "{}", run.stderr);
    let run = run_in(dir.path(), &args(&["compile", "--profile", "debug"]), &env(&[("COMPOSE_PROFILES", "tools")]));
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn format_github_writes_workflow_annotations() {
    let dir = dir_with(&[("bad.yml", BROKEN)]);
    let run = run_in(dir.path(), &args(&["compile", "--format", "github", "bad.yml"]), &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with("::error file=bad.yml,line=3,col=7,")
            && run.stderr.contains("title=compose-cfn unknown-protocol::"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "one line per finding, no summary:\n{}", run.stderr);
}

#[test]
fn format_json_makes_io_and_usage_errors_json_too() {
    let dir = ProjectDir::new();
    for argv in [vec!["compile", "--format", "json", "missing.yml"], vec!["plan", "--format", "json", "missing.yml"]] {
        let run = run_in(dir.path(), &args(&argv), &[]);
        assert_eq!(run.code, 2, "{argv:?}");
        let value: serde_json::Value = serde_json::from_str(run.stderr.trim()).expect(&run.stderr);
        assert_eq!(value["severity"], "error");
        assert_eq!(value["code"], "usage");
        assert!(value["message"].as_str().unwrap().contains("cannot read `missing.yml`"), "{value}");
    }
    let run = run_in(dir.path(), &args(&["diff", "--format", "json", "a.yml", "b.yml"]), &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("{\"severity\":\"error\",\"code\":\"usage\""), "{}", run.stderr);
}

#[test]
fn convox_env_writes_a_private_env_file_and_shows_no_value() {
    let dir = ProjectDir::new();
    let printed = "API_KEY=k3y$ecret\nGREETING='hello'\nPLAIN=abc\n";
    let run = run_with_stdin(dir.path(), &["convox-env", "-o", "convox.env"], printed);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.contains("wrote 3 variables to convox.env (mode 600)")
            && run.stderr.contains("Compose would have read 2 of them differently: API_KEY, GREETING"),
        "{}",
        run.stderr
    );
    for value in ["k3y", "ecret", "hello", "abc"] {
        assert!(!run.stderr.contains(value), "a value on stderr: {}", run.stderr);
    }
    let path = dir.path().join("convox.env");
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.contains("\nAPI_KEY='k3y$ecret'\nGREETING=\"'hello'\"\nPLAIN='abc'\n"), "{written}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // A service reads it as an env_file: `compile` finds its keys (it reads no value).
    std::fs::write(
        dir.path().join("docker-compose.yml"),
        "services:\n  web:\n    image: nginx\n    env_file: convox.env\n",
    )
    .unwrap();
    let compiled = run_in(dir.path(), &args(&["compile", "--app", "app"]), &[]);
    assert_eq!(compiled.code, 0, "{}", compiled.stderr);
    assert!(!compiled.stdout.contains("k3y"), "no value reaches the template");

    // A line `convox env` never prints: exit 1, its place, no text, no file.
    let bad = run_with_stdin(dir.path(), &["convox-env", "-o", "bad.env"], "A=1\nsecret-line\n");
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(bad.stderr.contains("<stdin>:2:1") && !bad.stderr.contains("secret"), "{}", bad.stderr);
    assert!(!dir.path().join("bad.env").exists());
    // Capped as an env file is, and UTF-8 only, each a usage error that writes nothing.
    std::fs::write(dir.path().join("huge.txt"), "A=1\n".repeat(300_000)).unwrap();
    let huge = run_in(dir.path(), &args(&["convox-env", "huge.txt", "-o", "huge.env"]), &[]);
    assert_eq!(huge.code, 2, "{}", huge.stderr);
    assert!(huge.stderr.contains("`huge.txt` is over 1048576 bytes"), "{}", huge.stderr);
    std::fs::write(dir.path().join("latin1.txt"), b"A=caf\xe9\n").unwrap();
    let latin1 = run_in(dir.path(), &args(&["convox-env", "latin1.txt", "-o", "latin1.env"]), &[]);
    assert_eq!(latin1.code, 2, "{}", latin1.stderr);
    assert!(latin1.stderr.contains("--> latin1.txt:1:6\n") && !latin1.stderr.contains("caf"), "{}", latin1.stderr);
    assert!(!dir.path().join("huge.env").exists() && !dir.path().join("latin1.env").exists());
    // Never standard output.
    let dash = run_with_stdin(dir.path(), &["convox-env", "-o", "-"], printed);
    assert_eq!(dash.code, 2, "{}", dash.stderr);
    assert!(dash.stdout.is_empty() && !dash.stderr.contains("k3y"), "{}", dash.stderr);
}

/// In a workflow whose job runs in a subdirectory (`working-directory: deploy`), annotations
/// name files by their path in the checkout (`GITHUB_WORKSPACE`), where GitHub places them; the
/// human report keeps the path as given.
#[test]
fn github_annotations_name_files_by_their_path_in_the_checkout() {
    let dir = ProjectDir::new();
    let deploy = dir.path().join("deploy");
    std::fs::create_dir(&deploy).unwrap();
    std::fs::write(deploy.join("docker-compose.yml"), BROKEN).unwrap();
    let workspace = vec![("GITHUB_WORKSPACE".to_string(), dir.path().display().to_string())];
    let github = |env: &[(String, String)]| {
        let run = run_in(&deploy, &args(&["compile", "--format", "github"]), env);
        assert_eq!(run.code, 1, "{}", run.stderr);
        run.stderr.lines().next().unwrap_or_default().to_string()
    };
    assert!(github(&workspace).starts_with("::error file=deploy/docker-compose.yml,line=3,"), "{}", github(&workspace));
    assert!(github(&[]).starts_with("::error file=docker-compose.yml,line=3,"), "outside a workflow: as given");
    // An absolute path inside the checkout is named from its root as well.
    let absolute = deploy.join("docker-compose.yml").display().to_string();
    let run = run_in(&deploy, &args(&["compile", &absolute, "--format", "github"]), &workspace);
    assert!(run.stderr.starts_with("::error file=deploy/docker-compose.yml,"), "{}", run.stderr);
    let human = run_in(&deploy, &args(&["compile"]), &workspace);
    assert!(human.stderr.contains(" --> docker-compose.yml:3:"), "{}", human.stderr);
}

/// Every file read as text places its first bad byte as a YAML compose file's errors are
/// placed: `--> file:line:column`, the line (masked where it may hold secrets) and a caret;
/// never a byte offset, never a value.
#[test]
fn every_file_read_as_text_places_a_bad_byte_by_line_and_column_with_a_caret() {
    // The bad byte is on line 2, after `TOKEN=s3cret` or JSON text.
    let bad = |before: &str, after: &str| [before.as_bytes(), b"\xff", after.as_bytes()].concat();
    let compose = "services:\n  web:\n    image: nginx\n";
    let json = "{\"services\":\n {\"web\": {\"image\": \"s3cret";
    let env = "A=1\nTOKEN=s3cret";
    let params = "[{\"ParameterKey\": \"A\",\n \"ParameterValue\": \"s3cret";
    let template = "{\"Resources\":\n {\"A\": \"s3cret";
    let cases: Vec<(&str, Vec<u8>, &str, Vec<&str>)> = vec![
        ("docker-compose.yml", bad(json, "\"}}}"), json, vec!["compile"]),
        (".env", bad(env, "\n"), env, vec!["compile"]),
        ("web.env", bad(env, "\n"), env, vec!["compile", "with-env-file.yml"]),
        (
            "live.json",
            bad(template, "\"}}"),
            template,
            vec!["compile", "--app", "a", "plain.yml", "--adopt", "live.json"],
        ),
        (
            "values.json",
            bad(params, "\"}]"),
            params,
            vec!["compile", "--app", "a", "plain.yml", "--adopt", "ok.json", "--adopt-parameters", "values.json"],
        ),
        (
            "values.json",
            bad(params, "\"}]"),
            params,
            vec!["diff", "--old-parameters", "values.json", "plain.yml", "plain.yml"],
        ),
        ("old.json", bad(template, "\"}}"), template, vec!["diff", "old.json", "plain.yml"]),
        ("in.txt", bad(env, "\n"), env, vec!["convox-env", "in.txt", "-o", "out.env"]),
    ];
    #[cfg(feature = "aws")]
    let cases = {
        let mut cases = cases;
        cases.push(("t.json", bad(template, "\"}}"), template, vec!["deploy", "--template", "t.json", "--stack", "s"]));
        // The template's env_file, read again at deploy time (`t.json` is compiled below).
        cases.push(("web.env", bad(env, "\n"), env, vec!["deploy", "--template", "compiled.json", "--stack", "s"]));
        cases
    };
    for (file, bytes, before, argv) in cases {
        let dir = dir_with(&[
            ("docker-compose.yml", compose),
            ("plain.yml", compose),
            ("with-env-file.yml", "services:\n  web:\n    image: nginx\n    env_file: web.env\n"),
            ("ok.json", "{}"),
        ]);
        std::fs::write(dir.path().join("web.env"), "TOKEN=1\n").unwrap();
        let compiled = run_in(dir.path(), &args(&["compile", "with-env-file.yml", "-o", "compiled.json"]), &[]);
        assert_eq!(compiled.code, 0, "{}", compiled.stderr);
        std::fs::write(dir.path().join(file), &bytes).unwrap();
        let r = run_in(dir.path(), &args(&argv), &[]);
        let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
        let context = format!("{argv:?} reading {file}:\n{}", r.stderr);
        assert_ne!(r.code, 0, "{context}");
        assert!(r.stderr.contains("error[invalid-utf8]"), "{context}");
        assert!(r.stderr.contains(&format!("--> {file}:2:{column}\n")), "{context}");
        assert!(r.stderr.contains("^ not UTF-8"), "a caret: {context}");
        assert!(!r.stderr.contains("offset"), "{context}");
        if !["docker-compose.yml", "old.json", "live.json", "t.json"].contains(&file) {
            assert!(!r.stderr.contains("s3cret"), "masked: {context}");
        }
    }
}
