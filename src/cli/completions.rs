//! `compose-cfn completions SHELL` and `compose-cfn man`: generated from the command-line
//! definition itself, so they list exactly the commands and options there are.

use super::Cli;
use super::output::stdout;
use super::report;
use clap::{Args, CommandFactory};
use clap_complete::Shell;
use compose_cfn::files;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    shell: Shell,
}

impl CompletionsArgs {
    /// Prints the completion script.
    pub fn run(self) -> ExitCode {
        let mut out = Vec::new();
        clap_complete::generate(self.shell, &mut Cli::command(), BIN, &mut out);
        let script = String::from_utf8_lossy(&out);
        match self.shell {
            Shell::Bash => stdout(&bash_fixed(&script)),
            _ => stdout(&script),
        }
    }
}

const BIN: &str = "compose-cfn";

/// clap_complete's bash script names a subcommand's state `compose__cfn__subcmd__compile` in
/// one place and matches `compose__subcmd__cfn__subcmd__compile` in the other (the hyphen of
/// the binary's name is mangled twice), so nothing completed past the first word; the
/// matched names are rewritten to the assigned ones.
fn bash_fixed(script: &str) -> String {
    let wrong = format!("{}__", BIN.replace('-', "__subcmd__"));
    let right = format!("{}__", BIN.replace('-', "__"));
    script.replace(&wrong, &right)
}

/// Arguments of `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write compose-cfn.1 and one page per subcommand (compose-cfn-plan.1, …) into DIR
    /// instead of printing compose-cfn.1, e.g. `--out-dir target/man`
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

impl ManArgs {
    /// Renders the man page(s) with clap_mangen.
    pub fn run(self) -> ExitCode {
        let command = Cli::command();
        let Some(dir) = self.out_dir else {
            return stdout(&render(&command));
        };
        let mut pages = vec![("compose-cfn.1".to_string(), render(&command))];
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            let name = format!("compose-cfn-{}", sub.get_name());
            pages.push((format!("{name}.1"), render(&sub.clone().display_name(name.clone()).bin_name(name))));
        }
        if let Err(e) = std::fs::create_dir_all(&dir) {
            return report::usage_error(&format!("cannot write man pages to `{}`: {e}", dir.display()));
        }
        for (file, text) in &pages {
            let path = dir.join(file);
            if let Err(e) = files::write_file(files::Output { path: &path, bytes: text.as_bytes(), mode: 0o644 }) {
                return report::usage_error(&format!("cannot write `{}`: {e}", path.display()));
            }
        }
        ExitCode::SUCCESS
    }
}

/// One page in roff.
fn render(command: &clap::Command) -> String {
    let mut out = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut out).expect("writing to memory");
    String::from_utf8(out).expect("roff is UTF-8")
}
