//! Reports of plans and diffs, one type per output format (as crate-ci/typos does): people
//! read [`Human`], scripts read [`Json`], pull requests get [`Markdown`].

use super::diff::{Action, Change, Diff, Subject};
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
#[derive(Clone, Copy, Debug, Default)]
pub struct Human;

/// Pretty-printed JSON of the plan or the diff; their schemas come from `schema --plan`/`--diff`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Json;

/// GitHub-flavoured Markdown, ready to post as a pull-request comment.
#[derive(Clone, Copy, Debug, Default)]
pub struct Markdown;

/// The first line of every Markdown diff: a CI job finds its earlier comment by it and edits
/// that one instead of adding a new comment on every push.
pub const MARKDOWN_MARKER: &str = "<!-- compose-cfn diff -->";

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

pub(super) fn marker(action: Action) -> &'static str {
    match action {
        Action::Added => "+",
        Action::Removed => "-",
        Action::Changed => "~",
        Action::Replaced => "-/+",
    }
}

/// The section a change is listed under: the service for listeners and balancers.
fn group(subject: &Subject) -> String {
    match subject {
        Subject::Listener { service, .. } | Subject::Balancer { service } => format!("service {service}"),
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
            Action::Replaced if c.field.as_deref() == Some("Type") => {
                format!("replaced: type {} → {}", c.old.as_deref().unwrap_or("?"), props)
            }
            Action::Replaced => format!("replaced: {props}"),
            Action::Added => "added".into(),
            Action::Removed => "removed".into(),
        };
    }
    let action = match c.action {
        Action::Added => "added",
        Action::Removed => "removed",
        Action::Changed => "changed",
        Action::Replaced => "replaced",
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
        if rows.is_empty() {
            return format!("app {}: no load balancers\n", plain(&plan.app));
        }
        let mut lines: Vec<[String; 8]> = vec![table::HEADINGS.map(String::from)];
        lines.extend(rows.into_iter().map(|Row(cells)| cells.map(|c| plain(&c))));
        let widths: Vec<usize> =
            (0..8).map(|i| lines.iter().map(|l| l[i].chars().count()).max().unwrap_or(0)).collect();
        let target = match plan.target {
            Target::Classic => "",
            Target::V2 => " (--balancer v2: Application and Network Load Balancers)",
        };
        let mut out = format!("app {}{target}\n", plain(&plan.app));
        for line in &lines {
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
                Action::Changed => CHANGED,
            };
            let mark = paint(colour, format!("{:<3}", marker(c.action)));
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
        serde_json::to_string_pretty(diff).expect("a diff serialises") + "\n"
    }
}

/// Text for the terminal, on one line.
fn plain(text: &str) -> String {
    escape::terminal(text, false)
}

impl Report for Markdown {
    fn plan(&self, plan: &Plan) -> String {
        markdown::plan(plan)
    }

    fn diff(&self, diff: &Diff) -> String {
        markdown::diff(diff)
    }
}
