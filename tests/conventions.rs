//! CLI conventions that no other test file proves end to end: completion past the first word
//! in every shell, man pages whose SYNOPSIS names each option's value, and one help text per
//! code however often the code is reported.

mod common;

use common::{ProjectDir, run_in};
use std::path::Path;
use std::process::Command;

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn script(shell: &str) -> String {
    let run = run_in(root(), &args(&["completions", shell]), &[]);
    assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
    run.stdout
}

/// What bash completes for `words`, the last one being completed, with the generated script.
fn bash_completes(words: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("compose-cfn.bash");
    std::fs::write(&path, script("bash")).unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{}'\nCOMP_POINT=${{#COMP_LINE}}\n\
         complete=($(complete -p compose-cfn))\n\
         \"${{complete[@]: -2:1}}\" compose-cfn '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        path.display(),
        quoted.join(" "),
        words.len() - 1,
        words.join(" "),
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let out = Command::new("bash").args(["--norc", "--noprofile", "-c", &program]).output().expect("bash runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect()
}

#[test]
fn bash_completes_options_of_a_subcommand_and_of_a_nested_one() {
    let compile = bash_completes(&["compose-cfn", "compile", "--"]);
    for option in ["--format", "--output", "--profile", "--app"] {
        assert!(compile.iter().any(|c| c == option), "`compose-cfn compile --<TAB>` lacks {option}: {compile:?}");
    }
    let inspect = bash_completes(&["compose-cfn", "certs", "inspect", "--"]);
    for option in ["--key", "--chain", "--write-chain", "--write-leaf", "--domain"] {
        assert!(inspect.iter().any(|c| c == option), "`certs inspect --<TAB>` lacks {option}: {inspect:?}");
    }
    let subcommands = bash_completes(&["compose-cfn", "certs", ""]);
    assert!(subcommands.iter().any(|c| c == "self-signed"), "{subcommands:?}");
}

#[test]
fn every_other_shell_ties_subcommand_options_to_their_subcommand() {
    // zsh, fish, elvish and PowerShell are not installed where the tests run: what each script
    // says about `certs inspect` is checked in the script's own terms.
    let fish = script("fish");
    assert!(
        fish.lines().any(|l| l.contains("__fish_compose_cfn_using_subcommand certs")
            && l.contains("__fish_seen_subcommand_from inspect")
            && l.contains("-l write-chain")),
        "fish: no --write-chain under `certs inspect`"
    );
    let zsh = script("zsh");
    let inspect = zsh.find("(inspect)").expect("zsh: a case for `inspect`");
    let end = zsh[inspect..].find(";;").unwrap() + inspect;
    assert!(zsh[inspect..end].contains("--write-chain="), "zsh: no --write-chain under `certs inspect`");
    let elvish = script("elvish");
    let inspect = elvish.find("'compose-cfn;certs;inspect'= {").expect("elvish: a case for `certs inspect`");
    let end = elvish[inspect..].find('}').unwrap() + inspect;
    assert!(elvish[inspect..end].contains("--write-chain"), "elvish: no --write-chain under `certs inspect`");
    let powershell = script("powershell");
    let inspect = powershell.find("'compose-cfn;certs;inspect' {").expect("powershell: a case for `certs inspect`");
    let end = powershell[inspect..].find("break").unwrap() + inspect;
    assert!(powershell[inspect..end].contains("'--write-chain'"), "powershell: no --write-chain under `certs inspect`");
}

/// The SYNOPSIS section of a man page, as roff.
fn synopsis(page: &str) -> &str {
    let start = page.find(".SH SYNOPSIS").expect("a SYNOPSIS");
    let end = page[start + 1..].find(".SH ").map_or(page.len(), |e| e + start + 1);
    &page[start..end]
}

#[test]
fn every_man_page_names_option_values_in_its_synopsis_and_has_examples_exit_status_and_environment() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man");
    let run = run_in(root(), &args(&["man", "--out-dir", out.to_str().unwrap()]), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut pages = 0;
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        let page = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for section in [".SH SYNOPSIS", ".SH EXAMPLES", ".SH \"EXIT STATUS\"", ".SH ENVIRONMENT"] {
            assert!(page.contains(section), "{name} has no {section}");
        }
        let synopsis = synopsis(&page);
        // clap_mangen writes a value-taking option as `[\fB\-\-opt\fR \fIVALUE\fR]`; a bare
        // `[\fB\-\-opt\fR]` is right only for a flag.
        for option in
            ["cert\\-out", "key\\-out", "write\\-chain", "write\\-leaf", "format", "output", "chain", "domain"]
        {
            let bare = format!("[\\fB\\-\\-{option}\\fR]");
            assert!(!synopsis.contains(&bare), "{name}: `--{option}` without its value in\n{synopsis}");
        }
        pages += 1;
    }
    assert!(pages >= 10, "one page per command: {pages}");
    let page = std::fs::read_to_string(out.join("compose-cfn-certs-self-signed.1")).unwrap();
    assert!(synopsis(&page).contains("\\fB\\-\\-cert\\-out\\fR \\fIFILE\\fR"), "{}", synopsis(&page));
    let page = std::fs::read_to_string(out.join("compose-cfn-certs-inspect.1")).unwrap();
    assert!(synopsis(&page).contains("\\fB\\-\\-write\\-chain\\fR \\fIFILE\\fR"), "{}", synopsis(&page));
    assert!(page.contains("compose\\-cfn certs inspect"), "examples of the command itself");
}

#[test]
fn a_help_text_repeated_by_one_code_is_printed_once_per_run() {
    let file =
        "services:\n  web:\n    image: x\n    tty: true\n    stdin_open: true\n  db:\n    image: y\n    tty: true\n";
    let dir = ProjectDir::new();
    std::fs::write(dir.path().join("docker-compose.yml"), file).unwrap();
    let run = run_in(dir.path(), &args(&["compile"]), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let warnings = run.stderr.matches("warning[untranslated-key]").count();
    assert!(warnings >= 3, "each key is still reported: {}", run.stderr);
    let helps = run.stderr.matches("= help: compose-cfn translates image").count();
    assert_eq!(helps, 1, "the same help once:\n{}", run.stderr);
}
