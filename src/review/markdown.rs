//! The Markdown reports (the pull-request comment of `plan` and `diff`) as minijinja templates:
//! text is the product here, so its layout lives in `templates/review/`, and the environment
//! owns the escaping — every value is written as Markdown text unless a template says `code`
//! (a code span) or `safe` (a marker of our own).

use super::diff::{Change, Diff, Subject};
use super::report::{MARKDOWN_MARKER, mark, summary, what};
use super::table::{self, Row};
use crate::escape;
use crate::interpret::Plan;
use minijinja::value::{Serde, Value};
use minijinja::{Environment, Error, ErrorKind, Output, State, UndefinedBehavior};
use serde::Serialize;

const PLAN: &str = "plan.md.j2";
const DIFF: &str = "diff.md.j2";

/// The environment: the two templates, strict about undefined values, Markdown-escaping.
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_formatter(markdown_formatter);
    env.add_filter("code", |text: &str| Value::from_safe_string(escape::markdown_code(text)));
    env.add_template(PLAN, include_str!("../../templates/review/plan.md.j2")).expect("plan.md.j2 parses");
    env.add_template(DIFF, include_str!("../../templates/review/diff.md.j2")).expect("diff.md.j2 parses");
    env
}

/// Writes a value as Markdown text (see [`escape::markdown_text`]), or as it is when marked safe.
fn markdown_formatter(out: &mut Output, _state: &mut State, value: &Value) -> Result<(), Error> {
    let text = if value.is_safe() {
        value.to_string()
    } else if let Some(s) = value.as_str() {
        escape::markdown_text(s)
    } else {
        escape::markdown_text(&value.to_string())
    };
    out.write_str(&text).map_err(|e| Error::new(ErrorKind::WriteFailure, "cannot write the report").with_source(e))
}

fn render(name: &str, ctx: &impl Serialize) -> String {
    environment()
        .get_template(name)
        .and_then(|t| t.render(Serde(ctx)))
        .unwrap_or_else(|e| panic!("templates/review/{name} does not render: {e:#}"))
}

/// The plan as a Markdown table, then the services and ports no balancer carries.
pub fn plan(plan: &Plan) -> String {
    let rows: Vec<Vec<String>> = table::rows(plan).into_iter().map(|Row(cells)| cells.to_vec()).collect();
    let headings: Vec<String> = table::HEADINGS.iter().map(|h| h.to_lowercase()).collect();
    render(PLAN, &PlanContext { app: &plan.app, headings, rows, unbalanced: table::unbalanced(plan) })
}

/// What `plan.md.j2` reads.
#[derive(Serialize)]
struct PlanContext<'a> {
    app: &'a str,
    headings: Vec<String>,
    rows: Vec<Vec<String>>,
    unbalanced: Vec<String>,
}

/// Tables longer than this fold into `<details>`: the summary and warnings stay in view.
const LONG: usize = 10;

/// What `diff.md.j2` reads.
#[derive(Serialize)]
struct DiffContext<'a> {
    marker: &'static str,
    old: &'a str,
    new: &'a str,
    summary: String,
    kinds: String,
    warnings: Vec<Warning>,
    services: Vec<ServiceRow>,
    services_summary: String,
    service_notes: bool,
    other: Vec<Other>,
    other_summary: String,
    other_notes: bool,
    long: usize,
}

/// A warning above the tables; the same warning of several subjects is given once.
#[derive(Serialize)]
struct Warning {
    subjects: String,
    field: String,
    text: String,
}

/// A row of the services table: listeners, balancers and tasks.
#[derive(Serialize)]
struct ServiceRow {
    icon: &'static str,
    service: String,
    field: String,
    old: String,
    new: String,
    note: String,
}

/// A row of the resource, parameter and output table.
#[derive(Serialize)]
struct Other {
    icon: &'static str,
    kind: &'static str,
    name: String,
    resource_type: String,
    what: String,
    note: String,
}

fn icon(c: &Change) -> &'static str {
    if c.warning.is_some() { "⚠️" } else { mark(c) }
}

/// The warnings, each text once with every subject it applies to.
fn warnings(diff: &Diff) -> Vec<Warning> {
    let mut out: Vec<Warning> = Vec::new();
    for c in &diff.changes {
        let Some(text) = c.warning.clone() else { continue };
        let subject = match &c.subject {
            Subject::Listener { service, port } => format!("{service}:{port}"),
            Subject::Balancer { service } => format!("{service} balancer"),
            Subject::Service { service } => service.clone(),
            other => super::report::name(other),
        };
        let field = c.field.as_deref().map(|f| format!(" {f}")).unwrap_or_default();
        match out.iter_mut().find(|w| w.text == text && w.field == field) {
            Some(w) => w.subjects = format!("{}, {subject}", w.subjects),
            None => out.push(Warning { subjects: subject, field, text }),
        }
    }
    out
}

/// `2 listener, 3 resource` changes in words: what the diff touches, at a glance.
fn kinds(diff: &Diff) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for c in &diff.changes {
        let kind = match c.subject {
            Subject::Listener { .. } => "listener",
            Subject::Balancer { .. } => "balancer setting",
            Subject::Service { .. } => "task setting",
            Subject::Resource { .. } => "resource",
            Subject::Parameter { .. } => "parameter",
            Subject::Output { .. } => "output",
            Subject::Template { .. } => "template key",
        };
        match counts.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => counts.push((kind, 1)),
        }
    }
    counts.iter().map(|(k, n)| super::report::plural(*n, k)).collect::<Vec<_>>().join(", ")
}

/// Blanks a note given on a row above: the table says each thing once.
fn once(notes: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    notes.map(|n| if seen.insert(n.clone()) { n } else { String::new() }).collect()
}

/// The diff as a pull-request comment.
pub fn diff(diff: &Diff) -> String {
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let mut services = Vec::new();
    let mut other = Vec::new();
    let mut last_service = String::new();
    for c in &diff.changes {
        match &c.subject {
            Subject::Listener { service, .. } | Subject::Balancer { service } | Subject::Service { service } => {
                // A whole service added or removed has no aspect: the action says it all.
                let aspect = c.field.clone().unwrap_or_else(|| what(c));
                let field = match &c.subject {
                    Subject::Listener { port, .. } => format!("port {port} {aspect}"),
                    Subject::Balancer { .. } => format!("balancer {aspect}"),
                    _ => aspect,
                };
                let shown_service = if *service == last_service { String::new() } else { service.clone() };
                last_service = service.clone();
                services.push(ServiceRow {
                    icon: icon(c),
                    service: shown_service,
                    field: field.trim().to_string(),
                    old: text(&c.old),
                    new: text(&c.new),
                    note: text(&c.note),
                });
            }
            subject => {
                let (kind, name, resource_type) = match subject {
                    Subject::Resource { logical_id, resource_type } => {
                        ("resource", logical_id.clone(), resource_type.clone())
                    }
                    Subject::Parameter { name } => ("parameter", name.clone(), String::new()),
                    Subject::Output { name } => ("output", name.clone(), String::new()),
                    Subject::Template { key } => ("template", key.clone(), String::new()),
                    Subject::Listener { .. } | Subject::Balancer { .. } | Subject::Service { .. } => {
                        unreachable!("matched above")
                    }
                };
                other.push(Other { icon: icon(c), kind, name, resource_type, what: what(c), note: text(&c.note) });
            }
        }
    }
    for (row, note) in services.iter_mut().zip(once(diff_notes(&diff.changes, true))) {
        row.note = note;
    }
    for (row, note) in other.iter_mut().zip(once(diff_notes(&diff.changes, false))) {
        row.note = note;
    }
    let ctx = DiffContext {
        marker: MARKDOWN_MARKER,
        old: &diff.old,
        new: &diff.new,
        summary: summary(diff),
        kinds: kinds(diff),
        warnings: warnings(diff),
        service_notes: services.iter().any(|r| !r.note.is_empty()),
        services_summary: super::report::plural(services.len(), "change"),
        other_summary: super::report::plural(other.len(), "change"),
        services,
        other_notes: other.iter().any(|r| !r.note.is_empty()),
        other,
        long: LONG,
    };
    render(DIFF, &ctx)
}

/// The notes of the services table's changes (`services`) or of the other table's, in order.
fn diff_notes(changes: &[Change], services: bool) -> impl Iterator<Item = String> + '_ {
    changes
        .iter()
        .filter(move |c| {
            matches!(c.subject, Subject::Listener { .. } | Subject::Balancer { .. } | Subject::Service { .. })
                == services
        })
        .map(|c| c.note.clone().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_markdown_text_unless_a_template_writes_code_or_safe() {
        let mut env = environment();
        env.add_template("t", "{{ a }} {{ a | code }} {{ b | safe }}").unwrap();
        let out = env.get_template("t").unwrap().render(minijinja::context! { a => "<b>|*", b => "~" }).unwrap();
        assert_eq!(out, r"&lt;b&gt;\|\* `<b>\|*` ~");
    }

    fn changes(n: usize) -> Diff {
        let change = |i: usize| Change {
            subject: Subject::Service { service: "web".into() },
            action: super::super::diff::Action::Revised,
            field: Some(format!("environment VAR{i}")),
            old: Some("a".into()),
            new: Some("b".into()),
            warning: None,
            risks: Vec::new(),
            note: Some("the same note".into()),
            place: None,
        };
        Diff { old: "a.yml".into(), new: "b.yml".into(), changes: (0..n).map(change).collect() }
    }

    #[test]
    fn a_long_services_table_folds_and_a_repeated_note_is_given_once() {
        let short = diff(&changes(LONG));
        assert!(!short.contains("<details>"), "{short}");
        assert_eq!(short.matches("the same note").count(), 1, "{short}");
        assert_eq!(short.matches("| web |").count(), 1, "the service is named on its first row only:\n{short}");
        let long = diff(&changes(LONG + 1));
        assert!(long.contains("<details><summary>Services: 11 changes</summary>\n\n| | service |"), "{long}");
        assert!(long.trim_end().ends_with("</details>"), "{long}");
    }
}
