//! Issue 10, "bounded work, safe I/O, no panics": each test runs the built binary the way a
//! hostile pull request or a careless pipeline would, and checks the exit code, the one-line
//! message and that nothing outside the target was touched. Inputs live in tests/regressions/.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

// `name:`: the temporary directory's name (`.tmpXXXX`) is not a valid app name.
const SEED: &str = "name: demo\nservices:\n  web:\n    ports: [\"80:3000\"]\n";

fn regression(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions").join(name)
}

/// `compose-cfn ARGS` in `dir`, with PATH (for git) and nothing else of the environment.
fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_compose-cfn"));
    cmd.args(args).current_dir(dir).env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default());
    cmd
}

fn run(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().expect("run compose-cfn")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A panic prints "panicked" and exits 101; neither may ever happen.
fn assert_no_panic(out: &Output, what: &str) {
    let err = stderr(out);
    assert!(!err.contains("panicked") && out.status.code() != Some(101), "{what}: {err}");
}

/// Runs `args` in `dir` and expects exit `code` with `needle` in stderr, and no panic.
fn expect_failure(dir: &Path, args: &[&str], code: i32, needle: &str) -> Output {
    let out = run(dir, args);
    assert_no_panic(&out, &args.join(" "));
    assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
    assert!(stderr(&out).contains(needle), "{args:?}: no `{needle}` in {}", stderr(&out));
    out
}

/// A directory with a compose file, a self-signed certificate and its key.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("docker-compose.yml"), SEED).unwrap();
    let out = run(dir.path(), &["certs", "self-signed", "example.org", "--cert-out", "c.pem", "--key-out", "k.pem"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    dir
}

/// Every command that prints a result, with arguments that make it print one.
const PRINTING: &[&[&str]] = &[
    &["compile", "docker-compose.yml"],
    &["plan", "docker-compose.yml"],
    &["plan", "docker-compose.yml", "--format", "json"],
    &["diff", "docker-compose.yml", "docker-compose.yml", "--format", "markdown"],
    &["explain", "convox.port.443.protocol"],
    &["schema"],
    &["completions", "bash"],
    &["man"],
    // Help and version are printed by clap, whose own `exit` ignored a failed write.
    &["--help"],
    &["--version"],
    &["help", "plan"],
    &["plan", "--help"],
    &["certs", "inspect", "c.pem", "--key", "k.pem"],
    &["certs", "inspect", "c.pem", "--format", "json"],
    &["certs", "self-signed", "example.org", "--cert-out", "c.pem", "--key-out", "k.pem", "--force"],
    &[
        "certs",
        "self-signed",
        "example.org",
        "--cert-out",
        "c.pem",
        "--key-out",
        "k.pem",
        "--force",
        "--format",
        "json",
    ],
];

#[test]
fn a_closed_pipe_on_stdout_is_one_line_and_exit_2_for_every_command() {
    let dir = workspace();
    for args in PRINTING {
        // The read end is closed before the command starts, so its first write fails (EPIPE:
        // Rust ignores SIGPIPE) however little it prints.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = command(dir.path(), args).stdout(writer).stderr(Stdio::piped()).output().unwrap();
        assert_no_panic(&out, &args.join(" "));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        let lines: Vec<&str> = err.lines().filter(|l| l.contains("standard output")).collect();
        // One line: `error: …` for people, a JSON object under `--format json`.
        let said = "cannot write to standard output: the reader closed the pipe";
        assert!(lines.len() == 1 && lines[0].contains(said), "{args:?}: {lines:?}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_on_stdout_is_one_line_and_exit_2_for_every_command() {
    let dir = workspace();
    for args in PRINTING {
        let full = fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let out = command(dir.path(), args).stdout(full).output().unwrap();
        assert_no_panic(&out, &args.join(" "));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("cannot write to standard output: No space left on device"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn non_ascii_words_where_a_suggestion_is_made_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let file = regression("error-non-ascii-words.yml");
    let file = file.to_str().unwrap();
    for args in [vec!["compile", file], vec!["plan", file], vec!["diff", file, file]] {
        let expected = if args[0] == "diff" { 2 } else { 1 };
        let out = expect_failure(dir.path(), &args, expected, "error[unknown-label]");
        for code in ["unknown-label", "unknown-protocol", "label-value", "container-value", "unknown-link"] {
            assert!(stderr(&out).contains(&format!("error[{code}]")), "{args:?}: no {code} in {}", stderr(&out));
        }
    }
    for topic in ["éx", "convox.port.443.ñame", "日本"] {
        expect_failure(dir.path(), &["explain", topic], 2, "is neither a label");
    }
}

#[cfg(unix)]
#[test]
fn pem_files_that_never_end_stop_at_the_cap() {
    let dir = workspace();
    for args in [
        vec!["certs", "inspect", "/dev/zero"],
        vec!["certs", "inspect", "c.pem", "--key", "/dev/zero"],
        vec!["certs", "inspect", "c.pem", "--chain", "/dev/zero"],
    ] {
        expect_failure(dir.path(), &args, 2, "/dev/zero is larger than 1048576 bytes");
    }
}

#[cfg(unix)]
#[test]
fn compile_o_refuses_symlinks_devices_and_directories() {
    let dir = workspace();
    let victim = dir.path().join("victim");
    fs::write(&victim, "keep").unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join("link.json")).unwrap();
    let fifo = dir.path().join("fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    fs::create_dir(dir.path().join("sub")).unwrap();
    for (target, what) in [
        ("link.json", "a symlink"),
        ("fifo", "a device or other special file"),
        ("sub", "a directory"),
        ("/dev/null", "a device or other special file"),
    ] {
        let needle = format!("cannot write `{target}`: it is {what}, not a regular file");
        expect_failure(dir.path(), &["compile", "docker-compose.yml", "-o", target], 2, &needle);
    }
    assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
    assert!(fs::symlink_metadata(dir.path().join("link.json")).unwrap().file_type().is_symlink());
    assert!(!fs::symlink_metadata(&fifo).unwrap().file_type().is_file());
    // A regular file is replaced, and no temporary file is left beside it.
    fs::write(dir.path().join("out.json"), "old").unwrap();
    let out = run(dir.path(), &["compile", "docker-compose.yml", "-o", "out.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(fs::read_to_string(dir.path().join("out.json")).unwrap().contains("AWSTemplateFormatVersion"));
    let temps: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(temps.is_empty(), "{temps:?}");
}

#[test]
fn diff_refuses_a_git_revision_that_git_would_take_as_an_option() {
    let dir = tempfile::tempdir().unwrap();
    let planted = dir.path().join("written-by-git");
    // Run inside this repository, so that git would get as far as writing the file.
    let spec = format!("git:--output={}:README.md", planted.display());
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    expect_failure(repo, &["diff", &spec, "README.md"], 2, "starts with `-`; give a branch, tag or commit");
    assert!(!planted.exists(), "git wrote {}", planted.display());
}

#[test]
fn certs_self_signed_writes_both_files_or_neither() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["certs", "self-signed", "example.org", "--cert-out", "c.pem", "--key-out"];
    expect_failure(dir.path(), &[&args[..], &["missing/k.pem"]].concat(), 2, "cannot write missing/k.pem");
    let left: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    // So the next run, with a key path that works, is not refused as "already exists".
    let out = run(dir.path(), &[&args[..], &["k.pem"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(dir.path().join("c.pem").is_file() && dir.path().join("k.pem").is_file());
}

#[test]
fn a_git_blob_over_the_compose_file_cap_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(["-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(dir.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", dir.path())
            .output()
            .expect("run git");
        assert!(status.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&status.stderr));
    };
    git(&["init", "-q"]);
    // One byte past the 16 MiB cap: a YAML comment, so only the size can refuse it.
    let cap = compose_cfn::load::MAX_FILE_BYTES as usize;
    fs::write(dir.path().join("big.yml"), vec![b'#'; cap + 1]).unwrap();
    fs::write(dir.path().join("docker-compose.yml"), SEED).unwrap();
    git(&["add", "big.yml"]);
    git(&["commit", "-q", "-m", "big"]);
    let needle = format!("the file is larger than {cap} bytes");
    expect_failure(dir.path(), &["diff", "git:HEAD:big.yml", "docker-compose.yml"], 2, &needle);
}
