//! The parts of every command's help and man page that clap does not derive: examples, exit
//! codes and the environment, kept in one table so that `--help` and `man` say the same and a
//! new subcommand without them fails the test that walks every command.

/// What `--help` and the man page add to one command.
pub struct Extra {
    /// The command's path under `compose-cfn`, e.g. `certs inspect` (empty: the top level).
    pub path: &'static str,
    /// Example invocations, `command  # what it does`.
    pub examples: &'static [&'static str],
    /// Exit codes and what they mean.
    pub exit: &'static [(u8, &'static str)],
    /// Whether the command compiles compose files (and so reads their environment variables).
    pub compose: bool,
}

const USAGE: (u8, &str) = (2, "a usage error, or a file that cannot be read or written");
const AWS_USAGE: (u8, &str) =
    (2, "a usage error, AWS unreachable, credentials missing or refused, or a file that cannot be read");

/// Every command's extra help.
pub const EXTRAS: &[Extra] = &[
    Extra {
        path: "",
        examples: &["compose-cfn compile -o template.json", "compose-cfn plan", "compose-cfn explain --list"],
        exit: &[(0, "success"), (1, "the input has an error"), USAGE],
        compose: true,
    },
    Extra {
        path: "compile",
        examples: &[
            "compose-cfn compile -o template.json    # docker-compose.yml and its override, here",
            "compose-cfn compile -f base.yml -f prod.yml --app shop",
            "cat docker-compose.yml | compose-cfn compile - --app shop",
            "compose-cfn compile -D warnings --format github    # in CI",
            "compose-cfn compile --adopt live.json --adopt-parameters stack.json    # take over a Convox stack",
        ],
        exit: &[
            (0, "the template was written (warnings may have been printed)"),
            (1, "the manifest has an error (or a warning denied with -D), or the --adopt stack cannot be adopted"),
            USAGE,
        ],
        compose: true,
    },
    Extra {
        path: "plan",
        examples: &[
            "compose-cfn plan",
            "COLUMNS=200 compose-cfn plan | less -S",
            "compose-cfn plan --format markdown > plan.md",
        ],
        exit: &[(0, "the plan was printed"), (1, "the manifest has an error"), USAGE],
        compose: true,
    },
    Extra {
        path: "diff",
        examples: &[
            "compose-cfn diff git:main:docker-compose.yml docker-compose.yml",
            "compose-cfn diff --against git:main --format markdown    # the files compile reads, override included",
            "compose-cfn diff -f docker-compose.yml -f prod.yml --against git:main",
            "compose-cfn diff stack.json docker-compose.yml    # aws cloudformation get-template output",
            "compose-cfn diff old.json new.json --format json",
        ],
        exit: &[
            (0, "no changes"),
            (1, "something changes"),
            (2, "a usage error, or a side that cannot be read or compiled"),
        ],
        compose: true,
    },
    Extra {
        path: "explain",
        examples: &[
            "compose-cfn explain convox.port.443.protocol",
            "compose-cfn explain unknown-protocol",
            "compose-cfn explain --list",
        ],
        exit: &[(0, "explained"), (2, "the argument names no label and no code")],
        compose: false,
    },
    Extra {
        path: "schema",
        examples: &["compose-cfn schema > compose-cfn.schema.json", "compose-cfn schema --plan"],
        exit: &[(0, "printed"), USAGE],
        compose: false,
    },
    Extra {
        path: "convox-env",
        examples: &[
            "convox env -a shop | compose-cfn convox-env -o convox.env    # then `env_file: convox.env`",
            "compose-cfn convox-env saved-output.txt -o convox.env",
        ],
        exit: &[
            (0, "the env file was written"),
            (1, "the input is not what `convox env` prints (nothing written)"),
            USAGE,
        ],
        compose: false,
    },
    Extra {
        path: "completions",
        examples: &[
            "compose-cfn completions bash > /etc/bash_completion.d/compose-cfn",
            "compose-cfn completions zsh > ~/.zfunc/_compose-cfn",
        ],
        exit: &[(0, "printed"), USAGE],
        compose: false,
    },
    Extra {
        path: "man",
        examples: &["compose-cfn man | man -l -", "compose-cfn man --out-dir target/man"],
        exit: &[(0, "printed or written"), USAGE],
        compose: false,
    },
    Extra {
        path: "certs",
        examples: &[
            "compose-cfn certs inspect site.crt --key site.key",
            "compose-cfn certs self-signed example.org --cert-out c.pem --key-out k.pem",
        ],
        exit: &[(0, "success"), (1, "a check failed"), USAGE],
        compose: false,
    },
    Extra {
        path: "certs inspect",
        examples: &[
            "compose-cfn certs inspect site.crt --key site.key --chain chain.pem",
            "compose-cfn certs inspect site.crt site.key --domain shop.example.org    # as convox certs takes them",
            "compose-cfn certs inspect bundle.pem --write-leaf leaf.pem --write-chain chain.pem    # in ACM's order",
            "compose-cfn certs inspect site.crt --format github -D warnings    # in CI",
        ],
        exit: &[(0, "every check passed"), (1, "a check failed"), USAGE],
        compose: false,
    },
    Extra {
        path: "certs self-signed",
        examples: &["compose-cfn certs self-signed example.org www.example.org --cert-out c.pem --key-out k.pem"],
        exit: &[(0, "the certificate and key were written"), (1, "they could not be generated"), USAGE],
        compose: false,
    },
    Extra {
        path: "certs create",
        examples: &["compose-cfn certs create example.org.pub example.org.key --chain chain.pem"],
        exit: &[
            (0, "uploaded, or uploaded before (the same certificate and chain are there)"),
            (1, "a check of the files failed, or AWS refused the upload"),
            AWS_USAGE,
        ],
        compose: false,
    },
    Extra {
        path: "certs generate",
        examples: &[
            "compose-cfn certs generate foo.example.org",
            "compose-cfn certs generate example.org www.example.org --validation dns",
        ],
        exit: &[(0, "requested"), (1, "AWS refused the request"), AWS_USAGE],
        compose: false,
    },
    Extra {
        path: "certs delete",
        examples: &[
            "compose-cfn certs delete cert-16c561ce18fad69b",
            "compose-cfn certs delete acm-01234567890 --force",
        ],
        exit: &[(0, "deleted"), (1, "in use by a stack's listener, or AWS refused"), AWS_USAGE],
        compose: false,
    },
    Extra {
        path: "deploy",
        examples: &[
            "compose-cfn deploy --stack shop --image web=registry/web:1.2 --param Cluster=prod",
            "compose-cfn deploy --stack shop --preview    # show what changes, change nothing",
            "compose-cfn deploy --stack httpd --preview    # a Convox-made stack: every adoption decision, with its reason",
        ],
        exit: &[
            (0, "deployed, or nothing to change (with --preview: no change)"),
            (
                1,
                "the manifest has an error, a value is missing, the stack change failed (or --preview: changes), or adopting a Convox-made stack would replace a resource without --allow-replacement or drop its `convox env` environment without --env-migrated (error[adopt]; nothing is changed, --preview included)",
            ),
            AWS_USAGE,
        ],
        compose: true,
    },
    Extra {
        path: "ssl",
        examples: &["compose-cfn ssl --stack shop", "compose-cfn ssl --stack shop --format json"],
        exit: &[(0, "listed"), (1, "the stack does not exist"), AWS_USAGE],
        compose: false,
    },
    Extra {
        path: "ssl update",
        examples: &["compose-cfn ssl update --stack shop web:443 cert-16c561ce18fad69b"],
        exit: &[(0, "applied"), (1, "the target or certificate does not fit, or the stack change failed"), AWS_USAGE],
        compose: false,
    },
];

/// The environment every command reads.
const COLOR_ENV: &[(&str, &str)] = &[
    ("NO_COLOR", "no colour, unless --color always"),
    ("CLICOLOR_FORCE", "colour even into a pipe, unless --color never"),
];

/// What `plan` lays its table out for, when stdout is not a terminal.
const COLUMNS_ENV: &[(&str, &str)] = &[("COLUMNS", "the width to fit when stdout is not a terminal (default 120)")];

/// The environment a compiling command also reads.
const COMPOSE_ENV: &[(&str, &str)] = &[
    ("COMPOSE_FILE", "the compose files when none is given, joined by the path separator (`:`)"),
    ("COMPOSE_PROJECT_NAME", "the app name, unless --app is given"),
    ("COMPOSE_PROFILES", "profiles to enable, comma-separated (also read from .env)"),
    ("(any)", "variables the compose files interpolate, over those of .env"),
];

/// The extra help of the command at `path`, if it has one.
pub fn extra(path: &str) -> Option<&'static Extra> {
    EXTRAS.iter().find(|e| e.path == path)
}

impl Extra {
    /// The environment variables this command reads, with what they do.
    pub fn environment(&self) -> Vec<(&'static str, &'static str)> {
        let compose = if self.compose { COMPOSE_ENV } else { &[] };
        let columns = if self.path == "plan" { COLUMNS_ENV } else { &[] };
        compose.iter().chain(columns).chain(COLOR_ENV).copied().collect()
    }

    /// The text `--help` prints after the options.
    pub fn after_help(&self) -> String {
        let mut out = String::from("Examples:\n");
        out.extend(self.examples.iter().map(|e| format!("  {e}\n")));
        out.push_str("\nExit status:\n");
        out.extend(self.exit.iter().map(|(code, what)| format!("  {code}  {what}\n")));
        out.push_str("\nEnvironment:\n");
        let env = self.environment();
        let width = env.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
        out.extend(env.iter().map(|(name, what)| format!("  {name:width$}  {what}\n")));
        out
    }
}

/// `command` with every (sub)command's extra help set as its `after_help`, recursively.
pub fn with_extras(command: clap::Command) -> clap::Command {
    walk(command, "")
}

fn walk(command: clap::Command, path: &str) -> clap::Command {
    let command = match extra(path) {
        Some(e) => command.after_help(e.after_help()),
        None => command,
    };
    command.mut_subcommands(|sub| {
        let name = sub.get_name().to_string();
        let sub_path = if path.is_empty() { name } else { format!("{path} {name}") };
        walk(sub, &sub_path)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(command: &clap::Command, path: &str, out: &mut Vec<String>) {
        out.push(path.to_string());
        for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
            let name = sub.get_name();
            paths(sub, &if path.is_empty() { name.to_string() } else { format!("{path} {name}") }, out);
        }
    }

    #[test]
    fn every_command_has_examples_exit_codes_and_no_stale_entry() {
        let mut all = Vec::new();
        paths(&crate::cli::command(), "", &mut all);
        for path in &all {
            let e = extra(path).unwrap_or_else(|| panic!("`compose-cfn {path}` has no examples in cli/help.rs"));
            assert!(!e.examples.is_empty() && !e.exit.is_empty(), "{path}");
            assert!(e.examples.iter().all(|x| x.contains(format!("compose-cfn {path}").trim_end())), "{path}");
        }
        // Without the `aws` feature the AWS commands are not built while their entries stay:
        // stale entries are looked for in the full build only.
        if cfg!(feature = "aws") {
            for e in EXTRAS {
                assert!(all.iter().any(|p| p == e.path), "`{}` is no command", e.path);
            }
        }
    }

    #[test]
    fn every_example_parses() {
        let mut all = Vec::new();
        paths(&crate::cli::command(), "", &mut all);
        // The commands of this build (the AWS ones need the `aws` feature).
        for e in EXTRAS.iter().filter(|e| all.iter().any(|p| p == e.path)) {
            for example in e.examples {
                // The command alone: from `compose-cfn` to a comment, pipe or redirection.
                let command = example.split(['#', '|', '>']).find(|part| part.contains("compose-cfn")).unwrap();
                let words: Vec<&str> = command.split_whitespace().skip_while(|w| *w != "compose-cfn").collect();
                let parsed = crate::cli::command().try_get_matches_from(&words);
                assert!(parsed.is_ok(), "`{example}`: {}", parsed.unwrap_err());
            }
        }
    }
}
