//! The options every subcommand takes (`--color`, `-q`, `-v`, `-D`/`--deny`, `-A`/`--allow`), in one
//! place so that a new subcommand gets them by being a subcommand; they are set once, before
//! the subcommand runs, and read where output is written and where a compilation is made.

use clap::{Args, ValueEnum};
use compose_cfn::diagnostic::{Code, Levels};
use std::sync::OnceLock;

/// When to colour output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// On a terminal, unless NO_COLOR is set (CLICOLOR_FORCE forces it).
    #[default]
    Auto,
    /// Always, even into a pipe or a file.
    Always,
    /// Never.
    Never,
}

/// `-D warnings` or `-D CODE`, as clippy spells it.
#[derive(Clone, Debug)]
enum Deny {
    Warnings,
    Code(Code),
}

/// The global options, as clap reads them.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// When to colour output
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = Color::Auto)]
    color: Color,
    /// Print errors only: no warnings, no summary line
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Say which files are read, in which order, which `.env` and which profiles are active
    #[arg(short, long, global = true)]
    verbose: bool,
    /// Make warnings errors: `warnings` for all of them, or a code (may be repeated)
    #[arg(short = 'D', long = "deny", global = true, value_name = "warnings|CODE", value_parser = deny)]
    deny: Vec<Deny>,
    /// Do not report warnings of this code (may be repeated; errors are always reported)
    #[arg(short = 'A', long = "allow", global = true, value_name = "CODE", value_parser = code)]
    allow: Vec<Code>,
}

/// The global options once read.
#[derive(Debug, Default)]
pub struct Settings {
    /// `-q`.
    pub quiet: bool,
    /// `-v`.
    pub verbose: bool,
    /// `-D` and `-A`.
    pub levels: Levels,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

impl GlobalArgs {
    /// Makes these options the ones [`settings`] returns, and sets the colour choice of every
    /// stream written through `anstream`.
    pub fn install(self) {
        let choice = match self.color {
            Color::Auto => anstream::ColorChoice::Auto,
            Color::Always => anstream::ColorChoice::Always,
            Color::Never => anstream::ColorChoice::Never,
        };
        choice.write_global();
        let mut levels = Levels { allow: self.allow, ..Levels::default() };
        for d in self.deny {
            match d {
                Deny::Warnings => levels.deny_warnings = true,
                Deny::Code(code) => levels.deny.push(code),
            }
        }
        let _ = SETTINGS.set(Settings { quiet: self.quiet, verbose: self.verbose, levels });
    }
}

/// The global options of this run (the defaults before [`GlobalArgs::install`]).
pub fn settings() -> &'static Settings {
    SETTINGS.get_or_init(Settings::default)
}

fn code(name: &str) -> Result<Code, String> {
    Code::parse(name)
        .ok_or_else(|| format!("`{name}` is not a diagnostic code; `compose-cfn explain --list` lists them"))
}

fn deny(name: &str) -> Result<Deny, String> {
    if name == "warnings" { Ok(Deny::Warnings) } else { code(name).map(Deny::Code) }
}
