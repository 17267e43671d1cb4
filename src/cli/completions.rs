//! `compose-cfn completions SHELL` and `compose-cfn man`: generated from the command-line
//! definition itself, so they list exactly the commands and options there are.

use super::command;
use super::output::stdout;
use super::report;
use clap::Args;
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
        clap_complete::generate(self.shell, &mut command(), BIN, &mut out);
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
    /// Renders the man page(s) with clap_mangen, one per command and subcommand.
    pub fn run(self) -> ExitCode {
        let mut command = command();
        // Built, so that every subcommand has the global options too (`--color`, `-D`, …).
        command.build();
        let Some(dir) = self.out_dir else {
            return stdout(&render(&command, ""));
        };
        let mut pages = Vec::new();
        collect(&command, "", &mut pages);
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

/// The pages of `command` (at `path`) and of every subcommand under it, e.g.
/// `compose-cfn-certs-inspect.1`.
fn collect(command: &clap::Command, path: &str, pages: &mut Vec<(String, String)>) {
    let name = if path.is_empty() { BIN.to_string() } else { format!("{BIN}-{}", path.replace(' ', "-")) };
    let named = command.clone().display_name(name.clone()).bin_name(format!("{BIN} {path}").trim_end().to_string());
    pages.push((format!("{name}.1"), render(&named, path)));
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        let sub_path = if path.is_empty() { sub.get_name().to_string() } else { format!("{path} {}", sub.get_name()) };
        collect(sub, &sub_path, pages);
    }
}

/// One page in roff: clap_mangen's sections, then EXAMPLES, EXIT STATUS and ENVIRONMENT from
/// [`super::help`] (in place of clap_mangen's EXTRA section, which would repeat them as prose).
fn render(command: &clap::Command, path: &str) -> String {
    let man = clap_mangen::Man::new(command.clone());
    let mut out = Vec::new();
    let sections = |out: &mut Vec<u8>| -> std::io::Result<()> {
        man.render_title(out)?;
        man.render_name_section(out)?;
        out.extend_from_slice(synopsis(command).as_bytes());
        man.render_description_section(out)?;
        if command.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(out)?;
        }
        if command.get_subcommands().next().is_some() {
            man.render_subcommands_section(out)?;
        }
        Ok(())
    };
    sections(&mut out).expect("writing to memory");
    let mut page = String::from_utf8(out).expect("roff is UTF-8");
    if let Some(extra) = super::help::extra(path) {
        page.push_str(
            ".SH EXAMPLES
",
        );
        for e in extra.examples {
            page.push_str(&format!(
                ".TP
.B {}
",
                roff(e)
            ));
        }
        page.push_str(".SH \"EXIT STATUS\"\n");
        for (code, what) in extra.exit {
            page.push_str(&format!(
                ".TP
.B {code}
{}
",
                roff(what)
            ));
        }
        page.push_str(
            ".SH ENVIRONMENT
",
        );
        for (name, what) in extra.environment() {
            page.push_str(&format!(
                ".TP
.B {}
{}
",
                roff(name),
                roff(what)
            ));
        }
    }
    let mut version = Vec::new();
    if command.get_version().is_some() {
        man.render_version_section(&mut version).expect("writing to memory");
    }
    page + &String::from_utf8(version).expect("roff is UTF-8")
}

/// The SYNOPSIS in clap_mangen's layout, but with each option's value (`--cert-out FILE`),
/// which clap_mangen 0.3 leaves out: without it a reader cannot tell a flag from an option.
fn synopsis(command: &clap::Command) -> String {
    use clap::ArgAction;
    let mut words = vec![format!("\\fB{}\\fR", roff(command.get_bin_name().unwrap_or(command.get_name())))];
    let value = |arg: &clap::Arg| {
        let names = arg.get_value_names().map(|v| v.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(" "));
        let name = names.unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
        format!("\\fI{}\\fR", roff(&name))
    };
    let repeated = |arg: &clap::Arg| if matches!(arg.get_action(), ArgAction::Append) { "..." } else { "" };
    let mut options: Vec<&clap::Arg> =
        command.get_arguments().filter(|a| !a.is_hide_set() && !a.is_positional()).collect();
    options.sort_by_key(|a| a.is_required_set()); // optional first, as clap_mangen has them
    for arg in options {
        let short = arg.get_short().map(|s| format!("\\fB\\-{}\\fR", roff(&s.to_string())));
        let long = arg.get_long().map(|l| format!("\\fB\\-\\-{}\\fR", roff(l)));
        let flag = short.into_iter().chain(long).collect::<Vec<_>>().join("|");
        let takes = if arg.get_action().takes_values() { format!(" {}", value(arg)) } else { String::new() };
        let (open, close) = if arg.is_required_set() { ("", "") } else { ("[", "]") };
        words.push(format!("{open}{flag}{takes}{close}{}", repeated(arg)));
    }
    for arg in command.get_positionals().filter(|a| !a.is_hide_set()) {
        let (open, close) = if arg.is_required_set() { ("<", ">") } else { ("[", "]") };
        words.push(format!("{open}{}{close}{}", value(arg), repeated(arg)));
    }
    if command.has_subcommands() {
        let (open, close) = if command.is_subcommand_required_set() { ("<", ">") } else { ("[", "]") };
        words.push(format!("{open}\\fICOMMAND\\fR{close}"));
    }
    format!(".SH SYNOPSIS\n{}\n", words.join(" "))
}

/// `text` as one line of roff: backslashes and hyphens escaped, no line starting a request.
fn roff(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) { format!("\\&{escaped}") } else { escaped }
}
