//! The Markdown reports (the pull-request comment of `plan` and `diff`) as minijinja templates:
//! text is the product here, so its layout lives in `templates/review/`, and the environment
//! owns the escaping — every value is written as Markdown text unless a template says `code`
//! (a code span) or `safe` (a marker of our own).

use super::diff::{Change, Diff, Subject};
use super::report::{MARKDOWN_MARKER, marker, summary, what};
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

/// The plan as a Markdown table.
pub fn plan(plan: &Plan) -> String {
    let rows: Vec<Vec<String>> = table::rows(plan).into_iter().map(|Row(cells)| cells.to_vec()).collect();
    let headings: Vec<String> = table::HEADINGS.iter().map(|h| h.to_lowercase()).collect();
    render(PLAN, &PlanContext { app: &plan.app, headings, rows })
}

/// What `plan.md.j2` reads.
#[derive(Serialize)]
struct PlanContext<'a> {
    app: &'a str,
    headings: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// What `diff.md.j2` reads.
#[derive(Serialize)]
struct DiffContext<'a> {
    marker: &'static str,
    old: &'a str,
    new: &'a str,
    summary: String,
    warnings: Vec<Warning>,
    balanced: Vec<Balanced>,
    other: Vec<Other>,
}

/// A warning above the tables.
#[derive(Serialize)]
struct Warning {
    subject: String,
    field: String,
    text: String,
}

/// A row of the listener and balancer table.
#[derive(Serialize)]
struct Balanced {
    icon: &'static str,
    service: String,
    listener: String,
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
    if c.warning.is_some() { "⚠️" } else { marker(c.action) }
}

/// The diff as a pull-request comment.
pub fn diff(diff: &Diff) -> String {
    let warnings: Vec<Warning> = diff
        .changes
        .iter()
        .filter_map(|c| {
            let subject = match &c.subject {
                Subject::Listener { service, port } => format!("{service}:{port}"),
                Subject::Balancer { service } => format!("{service} balancer"),
                other => super::report::name(other),
            };
            let field = c.field.as_deref().map(|f| format!(" {f}")).unwrap_or_default();
            Some(Warning { subject, field, text: c.warning.clone()? })
        })
        .collect();
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let mut balanced = Vec::new();
    let mut other = Vec::new();
    for c in &diff.changes {
        match &c.subject {
            Subject::Listener { .. } | Subject::Balancer { .. } => {
                let (service, listener) = match &c.subject {
                    Subject::Listener { service, port } => (service.clone(), port.to_string()),
                    Subject::Balancer { service } => (service.clone(), "balancer".to_string()),
                    _ => unreachable!("matched above"),
                };
                balanced.push(Balanced {
                    icon: icon(c),
                    service,
                    listener,
                    field: text(&c.field),
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
                    Subject::Listener { .. } | Subject::Balancer { .. } => unreachable!("matched above"),
                };
                other.push(Other { icon: icon(c), kind, name, resource_type, what: what(c), note: text(&c.note) });
            }
        }
    }
    let ctx = DiffContext {
        marker: MARKDOWN_MARKER,
        old: &diff.old,
        new: &diff.new,
        summary: summary(diff),
        warnings,
        balanced,
        other,
    };
    render(DIFF, &ctx)
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
}
