//! Helpers shared by the integration tests: run the built binary on a fixture folder.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// What one run of the binary printed.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The fixture folders, sorted.
pub fn fixture_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("docker-compose.yml").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// The arguments a fixture is compiled with: its `args` file (one per line), else its compose file.
pub fn fixture_args(dir: &Path) -> Vec<String> {
    match std::fs::read_to_string(dir.join("args")) {
        Ok(text) => text.lines().filter(|l| !l.is_empty()).map(String::from).collect(),
        Err(_) => vec!["docker-compose.yml".to_string()],
    }
}

/// The environment a fixture is compiled in: only its `env` file's variables.
pub fn fixture_env(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(dir.join("env"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Runs `compose-cfn ARGS` in `dir` with exactly `env` as its environment.
pub fn run_in(dir: &Path, args: &[String], env: &[(String, String)]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_compose-cfn"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().cloned())
        .output()
        .expect("run compose-cfn");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// Compiles a fixture with extra arguments (e.g. `--format json`).
pub fn compile_fixture(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["compile".to_string()];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(fixture_args(dir));
    run_in(dir, &args, &fixture_env(dir))
}

/// The fixture's name (its folder name).
pub fn case_name(dir: &Path) -> String {
    dir.file_name().expect("folder name").to_string_lossy().into_owned()
}

/// A temporary project folder named `app`: the app name comes from the folder, and the
/// temporary folder's own random name (`.tmpXyZ…`) is not a valid app name.
pub struct ProjectDir {
    _tmp: tempfile::TempDir,
    path: PathBuf,
}

impl ProjectDir {
    /// A new, empty project folder.
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().expect("temporary folder");
        let path = tmp.path().join("app");
        std::fs::create_dir(&path).expect("project folder");
        ProjectDir { _tmp: tmp, path }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A Python tool `.ci/run` installs into target/pytools: `$ENV_VAR` if set, else the venv's,
/// else `name` on PATH (a missing tool then fails its test with a clear message).
pub fn python_tool(name: &str, env_var: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env_var) {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pytools/bin").join(name);
    if venv.is_file() { venv } else { PathBuf::from(name) }
}
