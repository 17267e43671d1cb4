//! Reports of plans and diffs, one type per output format (as crate-ci/typos does): people
//! read [`Human`], scripts read [`Json`], pull requests get [`Markdown`].

use super::diff::{Action, Change, Diff, Subject};
use super::document::DiffDocument;
use super::markdown;
use super::table::{self, Row};
use crate::escape;
use crate::interpret::plan::PlanDocument;
use crate::interpret::{Plan, Target};
use crate::style::{ADDED, CHANGED, REMOVED, STRONG, WARNING, paint};

/// One output format.
pub trait Report {
    /// The plan: a table of every listener.
    fn plan(&self, plan: &Plan) -> String;
    /// The changes between two templates.
    fn diff(&self, diff: &Diff) -> String;
}

/// Aligned text for a terminal; warnings in yellow (the CLI strips colour where it does not belong).
/// The plan is a table when it fits in `width` columns, else one block per listener.
#[derive(Clone, Copy, Debug)]
pub struct Human {
    /// The columns the output should fit in.
    pub width: usize,
}

impl Human {
    /// The width assumed when neither the terminal nor `COLUMNS` says.
    pub const DEFAULT_WIDTH: usize = 120;
}

impl Default for Human {
    fn default() -> Self {
        Human { width: Human::DEFAULT_WIDTH }
    }
}

/// Pretty-printed JSON of the plan or the diff; their schemas come from `schema --plan`/`--diff`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Json;

/// For GitHub Actions: the [`Human`] report for the job's log, and for a diff each warning as
/// a workflow annotation (`::warning title=…::…`), which the run's summary and the pull
/// request show — on the line of its service when the change has a place ([`Diff::locate`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct Github;

/// GitHub-flavoured Markdown, ready to post as a pull-request comment.
#[derive(Clone, Copy, Debug, Default)]
pub struct Markdown;

/// The first line of every Markdown diff: a CI job finds its earlier comment by it and edits
/// that one instead of adding a new comment on every push.
pub const MARKDOWN_MARKER: &str = "<!-- compose-cfn diff -->";

pub(super) fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

pub(super) fn marker(action: Action) -> &'static str {
    match action {
        Action::Added => "+",
        Action::Removed => "-",
        Action::Changed | Action::Revised => "~",
        Action::Replaced => "-/+",
    }
}

/// A change's mark: a variable or container added to (or removed from) a task definition's
/// revision is marked as the addition (or removal) it is.
pub(super) fn mark(c: &Change) -> &'static str {
    match (c.action, &c.subject, &c.old, &c.new) {
        (Action::Revised, Subject::Service { .. }, None, Some(_)) => marker(Action::Added),
        (Action::Revised, Subject::Service { .. }, Some(_), None) => marker(Action::Removed),
        (action, ..) => marker(action),
    }
}

/// The section a change is listed under: the service for listeners and balancers.
fn group(subject: &Subject) -> String {
    match subject {
        Subject::Listener { service, .. } | Subject::Balancer { service } | Subject::Service { service } => {
            format!("service {service}")
        }
        Subject::Resource { .. } => "resources".into(),
        Subject::Parameter { .. } => "parameters".into(),
        Subject::Output { .. } => "outputs".into(),
        Subject::Template { .. } => "template".into(),
    }
}

/// The subject within its section.
pub(super) fn name(subject: &Subject) -> String {
    match subject {
        Subject::Listener { port, .. } => format!("port {port}"),
        Subject::Balancer { .. } => "balancer".into(),
        Subject::Service { .. } => "task".into(),
        Subject::Resource { logical_id, resource_type } => format!("{logical_id} ({resource_type})"),
        Subject::Parameter { name } | Subject::Output { name } => name.clone(),
        Subject::Template { key } => key.clone(),
    }
}

/// What changed, in words: `protocol: HTTPS→HTTP → SSL→TCP`.
pub(super) fn what(c: &Change) -> String {
    if let Subject::Resource { .. } = c.subject {
        let props = c.new.clone().unwrap_or_default();
        return match c.action {
            Action::Changed => format!("updated in place: {props}"),
            Action::Revised => format!("new revision: {props}"),
            Action::Replaced if c.field.as_deref() == Some("Type") => {
                format!("replaced: type {} → {}", c.old.as_deref().unwrap_or("?"), props)
            }
            Action::Replaced => format!("replaced: {props}"),
            Action::Added => "added".into(),
            Action::Removed => "removed".into(),
        };
    }
    let action = match (c.action, &c.old, &c.new) {
        (Action::Added, ..) | (Action::Revised, None, Some(_)) => "added",
        (Action::Removed, ..) | (Action::Revised, Some(_), None) => "removed",
        (Action::Changed, ..) => "changed",
        (Action::Revised, ..) => "new revision",
        (Action::Replaced, ..) => "replaced",
    };
    match (&c.field, &c.old, &c.new) {
        (Some(f), Some(a), Some(b)) => format!("{f}: {a} → {b}"),
        (Some(f), None, Some(b)) => format!("{f} {action}: {b}"),
        (Some(f), Some(a), None) => format!("{f} {action}: {a}"),
        (Some(f), None, None) => format!("{f} {action}"),
        (None, Some(a), Some(b)) => format!("{a} → {b}"),
        (None, _, _) => action.to_string(),
    }
}

pub(super) fn summary(diff: &Diff) -> String {
    if diff.is_empty() {
        return "no changes".into();
    }
    let warnings = diff.warnings();
    let mut s = plural(diff.changes.len(), "change");
    if warnings > 0 {
        s.push_str(&format!(", {}", plural(warnings, "warning")));
    }
    s
}

impl Report for Human {
    fn plan(&self, plan: &Plan) -> String {
        let rows = table::rows(plan);
        let target = match plan.target {
            Target::Classic => "",
            Target::V2 => " (--balancer v2: Application and Network Load Balancers)",
        };
        let mut out = if rows.is_empty() {
            format!("app {}: no load balancers\n", plain(&plan.app))
        } else {
            let cells: Vec<[String; 8]> = rows.into_iter().map(|Row(cells)| cells.map(|c| plain(&c))).collect();
            let table = aligned(&cells);
            let fits = table.lines().all(|l| l.chars().count() <= self.width);
            format!("app {}{target}\n{}", plain(&plan.app), if fits { table } else { vertical(&cells) })
        };
        let unbalanced = table::unbalanced(plan);
        if !unbalanced.is_empty() {
            out.push_str("\nwithout a balancer:\n");
            for line in unbalanced {
                out.push_str(&format!("  {}\n", plain(&line)));
            }
        }
        out
    }

    fn diff(&self, diff: &Diff) -> String {
        let mut out = format!("{}\n", paint(STRONG, format!("--- {}\n+++ {}", plain(&diff.old), plain(&diff.new))));
        let mut current = String::new();
        for c in &diff.changes {
            let g = plain(&group(&c.subject));
            if g != current {
                out.push_str(&format!("\n{}\n", paint(STRONG, &g)));
                current = g;
            }
            let colour = match c.action {
                Action::Added => ADDED,
                Action::Removed | Action::Replaced => REMOVED,
                Action::Changed | Action::Revised => CHANGED,
            };
            let mark = paint(colour, format!("{:<3}", mark(c)));
            out.push_str(&format!("  {mark} {}  {}\n", plain(&name(&c.subject)), plain(&what(c))));
            if let Some(w) = &c.warning {
                out.push_str(&format!("      {}: {}\n", paint(WARNING, "warning"), plain(w)));
            }
            if let Some(n) = &c.note {
                out.push_str(&format!("      note: {}\n", plain(n)));
            }
        }
        out.push_str(&format!("\n{}\n", summary(diff)));
        out
    }
}

impl Report for Json {
    fn plan(&self, plan: &Plan) -> String {
        serde_json::to_string_pretty(&PlanDocument::new(plan)).expect("a plan serialises") + "\n"
    }

    fn diff(&self, diff: &Diff) -> String {
        serde_json::to_string_pretty(&DiffDocument::new(diff)).expect("a diff serialises") + "\n"
    }
}

/// The plan's rows as a table under its headings, columns aligned.
fn aligned(rows: &[[String; 8]]) -> String {
    let headings = table::HEADINGS.map(String::from);
    let lines: Vec<&[String; 8]> = std::iter::once(&headings).chain(rows).collect();
    let widths: Vec<usize> = (0..8).map(|i| lines.iter().map(|l| l[i].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for line in lines {
        let mut text = String::new();
        for (i, cell) in line.iter().enumerate() {
            text.push_str(cell);
            if i + 1 < line.len() {
                text.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

/// The plan's rows for a narrow terminal: a block per listener, a line per non-empty cell.
fn vertical(rows: &[[String; 8]]) -> String {
    let label = |i: usize| table::HEADINGS[i].to_lowercase();
    let pad = (1..8).map(|i| label(i).len()).max().unwrap_or(0);
    let mut out = String::new();
    for [service, rest @ ..] in rows {
        if !service.is_empty() {
            out.push_str(&format!("{service}\n"));
        }
        // The port is the block's title; the other cells are its lines.
        out.push_str(&format!("  port {}\n", rest[1]));
        for (i, cell) in rest.iter().enumerate().filter(|(i, c)| *i != 1 && !c.is_empty() && *c != "-") {
            out.push_str(&format!("    {:<pad$}  {cell}\n", label(i + 1)));
        }
    }
    out
}

/// Text for the terminal, on one line.
fn plain(text: &str) -> String {
    escape::terminal(text, false)
}

impl Report for Github {
    fn plan(&self, plan: &Plan) -> String {
        Human::default().plan(plan)
    }

    fn diff(&self, diff: &Diff) -> String {
        let mut out = Human::default().diff(diff);
        for c in diff.changes.iter().filter(|c| c.warning.is_some()) {
            let field = c.field.as_deref().map(|f| format!(" {f}")).unwrap_or_default();
            let title = format!("compose-cfn diff: {} {}{field}", group(&c.subject), name(&c.subject));
            let place = c.place.as_ref().map(|p| crate::diagnostic::GithubPlace {
                file: &p.file,
                line: p.line,
                column: p.column,
                end: None,
            });
            out.push_str(&crate::diagnostic::github_command(
                "warning",
                place,
                &title,
                c.warning.as_deref().unwrap_or_default(),
            ));
        }
        out
    }
}

impl Report for Markdown {
    fn plan(&self, plan: &Plan) -> String {
        markdown::plan(plan)
    }

    fn diff(&self, diff: &Diff) -> String {
        markdown::diff(diff)
    }
}
