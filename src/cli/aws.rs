//! What the AWS commands share: where to reach AWS, the runtime (started only by them),
//! listing formats, failure printing, and progress on stderr (a spinner only on a terminal).

use super::{Format, report};
use clap::Args;
use compose_cfn::aws::cfn::Event;
use compose_cfn::aws::deploy::{Failed, MAX_WAIT, Progress};
use compose_cfn::aws::{self, Clients, Settings};
use compose_cfn::diagnostic::{Diagnostic, Diagnostics};
use compose_cfn::review::Diff;
use compose_cfn::review::diff::Place;
use compose_cfn::source::Sources;
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

/// Where to reach AWS (besides the environment and ~/.aws, read as the AWS CLI does).
#[derive(Clone, Debug, Args)]
pub struct AwsArgs {
    /// The AWS region [default: AWS_REGION, else the profile's region]
    #[arg(long)]
    region: Option<String>,
    /// Send AWS requests here instead (e.g. a local stand-in) [default: AWS_ENDPOINT_URL]
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
}

/// Starts a runtime, connects, and runs `work`; the runtime lives only for this command.
pub fn run<T>(args: &AwsArgs, work: impl AsyncFnOnce(&Clients) -> Result<T, Failed>) -> Result<T, Failed> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| Failed {
        diagnostics: vec![compose_cfn::diagnostic::Diagnostic::error(
            compose_cfn::diagnostic::Code::AwsEndpoint,
            None,
            format!("cannot start the async runtime: {e}"),
        )],
        exit: 2,
    })?;
    let settings = Settings { region: args.region.clone(), endpoint_url: args.endpoint_url.clone() };
    runtime.block_on(async {
        let clients = aws::connect(&settings).await.map_err(|e| Failed::aws(e, "connect to AWS"))?;
        work(&clients).await
    })
}

/// Prints diagnostics that have no place in a file; `what` ends "could not …".
pub fn print(diagnostics: Vec<compose_cfn::diagnostic::Diagnostic>, format: Format, what: &str) {
    if diagnostics.is_empty() {
        return;
    }
    let mut all = Diagnostics::new();
    all.extend(diagnostics);
    report::diagnostics(&all, &Sources::new(), format, what);
}

/// Prints a failure of `what` and returns its exit code.
pub fn fail(failed: Failed, format: Format, what: &str) -> ExitCode {
    print(failed.diagnostics, format, what);
    ExitCode::from(failed.exit)
}

/// Ends a one-step command as the seed prints it: `LABEL... OK, …` on stdout, or
/// `LABEL... failed` and the diagnostics of `what` on stderr.
pub fn step(label: &str, result: Result<String, Failed>, what: &str) -> ExitCode {
    match result {
        Ok(tail) => super::output::stdout(&format!("{label}... {tail}")),
        // The failure is said on stderr whether or not stdout takes the step's line.
        Err(failed) => {
            let _ = super::output::write_stdout(&format!("{label}... failed\n"));
            fail(failed, Format::Human, what)
        }
    }
}

/// Reads `30m`, `90s`, `2h`, `1h30m`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let mut total = 0u64;
    let mut number = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return Err(format!("`{s}`: use a number and s, m or h, e.g. 30m")),
        };
        let n: u64 = number.parse().map_err(|_| format!("`{s}`: a number must come before `{c}`"))?;
        total = total.saturating_add(n.saturating_mul(unit));
        number.clear();
    }
    if !number.is_empty() || total == 0 {
        return Err(format!("`{s}`: use a number and s, m or h, e.g. 30m"));
    }
    if total > MAX_WAIT.as_secs() {
        return Err(format!("`{s}`: at most {}h", MAX_WAIT.as_secs() / 3600));
    }
    Ok(Duration::from_secs(total))
}

/// Progress on stderr: a spinner with the stack status on a terminal, plain lines otherwise.
pub struct Printer {
    spinner: Option<ProgressBar>,
    /// How a deploy's changes are printed on stdout, before they are made.
    changes: Option<Format>,
    /// Where the compiled services are named, for annotations that point at them.
    places: BTreeMap<String, Place>,
    /// The compiled files, where warnings about the manifest are placed, and their format.
    sources: Option<(Sources, Format)>,
}

impl Printer {
    /// A spinner only when stderr is a terminal.
    pub fn new() -> Self {
        let spinner = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Printer { spinner, changes: None, places: BTreeMap::new(), sources: None }
    }

    /// Prints a deploy's changes on stdout in `format` before they are made.
    pub fn with_changes(mut self, format: Format) -> Self {
        self.changes = Some(format);
        self
    }

    /// Points the changes of each service at `places` (where the compose file names it).
    pub fn with_places(mut self, places: BTreeMap<String, Place>) -> Self {
        self.places = places;
        self
    }

    /// Shows warnings about the manifest located in `sources` (the compiled files), in `format`.
    pub fn with_sources(mut self, sources: Sources, format: Format) -> Self {
        self.sources = Some((sources, format));
        self
    }

    fn line(&self, text: &str) {
        match &self.spinner {
            Some(bar) => bar.println(text),
            None => super::output::stderr(&format!("{text}\n")),
        }
    }
}

impl Drop for Printer {
    fn drop(&mut self) {
        if let Some(bar) = &self.spinner {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Printer {
    fn note(&mut self, text: &str) {
        self.line(&format!("{text}..."));
    }

    fn detail(&mut self, text: &str) {
        self.line(text);
    }

    fn warning(&mut self, diagnostic: &Diagnostic) {
        let Some((sources, format)) = &self.sources else {
            return self.detail(&diagnostic.headline());
        };
        let one: Diagnostics = std::iter::once(diagnostic.clone()).collect();
        match &self.spinner {
            Some(bar) => bar.suspend(|| report::diagnostics(&one, sources, *format, "deploy")),
            None => report::diagnostics(&one, sources, *format, "deploy"),
        }
    }

    fn event(&mut self, e: &Event) {
        let reason = e.reason.as_deref().map(|r| format!("  {r}")).unwrap_or_default();
        self.line(&format!("{}  {:<28} {:<24} {}{reason}", e.time, e.status, e.logical_id, e.resource_type));
    }

    fn status(&mut self, status: &str) {
        if let Some(bar) = &self.spinner {
            bar.set_message(status.to_string());
        }
    }

    fn changes(&mut self, diff: &Diff) -> Result<(), Failed> {
        let Some(format) = self.changes else { return Ok(()) };
        let text = format.report().diff(&diff.clone().locate(&self.places));
        let written = match &self.spinner {
            Some(bar) => bar.suspend(|| super::output::write_stdout(&text)),
            None => super::output::write_stdout(&text),
        };
        // The write failure is said already; the deploy stops with its exit code, unmade.
        written.map_err(|_| Failed { diagnostics: Vec::new(), exit: 2 })
    }
}

/// Prints a listing: `rows` as a JSON array, or the table `human` makes (header first).
pub fn listing<T: serde::Serialize>(
    format: Format,
    rows: &[T],
    human: impl FnOnce(&[T]) -> Vec<Vec<String>>,
) -> ExitCode {
    let text = match format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(rows).unwrap_or_default()),
        Format::Human | Format::Github | Format::Markdown => table(&human(rows)),
    };
    super::output::stdout(&text)
}

/// Pads columns to their widest cell, two spaces apart, as the seed's tables are.
pub fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| rows.iter().filter_map(|r| r.get(i)).map(|c| c.chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in rows {
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, c)| if i + 1 == r.len() { c.clone() } else { format!("{c:<w$}", w = widths[i]) })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_the_aws_cli_docs_write_them() {
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("168h"), Ok(Duration::from_secs(168 * 3600)));
        for bad in ["", "30", "m", "0s", "3x", "1.5h", "169h", "18446744073709551615s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tables_align_like_the_seed() {
        let rows = vec![
            vec!["ID".into(), "DOMAIN".into(), "EXPIRES".into()],
            vec!["cert-1234567890".into(), "example.org".into(), "in 2 months".into()],
        ];
        assert_eq!(table(&rows), "ID               DOMAIN       EXPIRES\ncert-1234567890  example.org  in 2 months\n");
    }
}
