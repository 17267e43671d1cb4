//! The Markdown reports (the pull-request comment of `plan` and `diff`) as minijinja templates:
//! text is the product here, so its layout lives in `templates/review/`, and the environment
//! owns the escaping — every value is written as Markdown text unless a template says `code`
//! (a code span) or `safe` (a marker of our own). A report is kept within GitHub's comment
//! limit ([`COMMENT_LIMIT`]): the rows that fit are shown, and the report says what it left out.
//!
//! Past 400 lines with its tests: the contexts the templates read, the budget that cuts them
//! and the escaping are one contract, and the tests check them together on whole reports.

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

/// The plan as a Markdown table, then the services and ports no balancer carries; cut to
/// [`COMMENT_LIMIT`] with a notice when a manifest has more listeners than a comment holds.
pub fn plan(plan: &Plan) -> String {
    let mut rows: Vec<Vec<String>> =
        table::rows(plan).into_iter().map(|Row(cells)| cells.into_iter().map(shorten).collect()).collect();
    let mut unbalanced: Vec<String> = table::unbalanced(plan).into_iter().map(shorten).collect();
    let headings: Vec<String> = table::HEADINGS.iter().map(|h| h.to_lowercase()).collect();
    let app = shorten(plan.app.clone());
    let row_cost = |r: &Vec<String>| r.iter().map(|c| text_len(c) + 3).sum::<usize>() + 2;
    let line_cost = |u: &String| text_len(u) + 4;
    let mut hidden = 0;
    let room = COMMENT_LIMIT - FRAME - code_len(&app);
    if rows.iter().map(row_cost).sum::<usize>() + unbalanced.iter().map(line_cost).sum::<usize>() > room {
        let mut budget = Budget::new(room);
        hidden = budget.fit(&mut rows, row_cost) + budget.fit(&mut unbalanced, line_cost);
    }
    let ctx = PlanContext { app, headings, rows, unbalanced, hidden };
    render(PLAN, &ctx)
}

/// What `plan.md.j2` reads.
#[derive(Serialize)]
struct PlanContext {
    app: String,
    headings: Vec<String>,
    rows: Vec<Vec<String>>,
    unbalanced: Vec<String>,
    /// Rows and lines left out to keep within [`COMMENT_LIMIT`].
    hidden: usize,
}

/// GitHub refuses a comment longer than 65,536 characters (the API answers 422 and the job
/// posts nothing). Reports are kept to as many bytes, which are never fewer than characters
/// (nor UTF-16 units), however many changes there are.
pub const COMMENT_LIMIT: usize = 65_536;

/// Room kept for everything but the rows: headings, table heads, `<details>`, the notices of
/// a cut report. Generous, as the rows' sizes are counted exactly.
const FRAME: usize = 4_096;

/// A value shows at most this many characters (then `…`): one long image, command or
/// variable name cannot take the whole comment.
const CELL_CHARS: usize = 300;

/// `text` cut to [`CELL_CHARS`] characters, the cut marked with `…`.
fn shorten(text: String) -> String {
    match text.char_indices().nth(CELL_CHARS) {
        None => text,
        Some((end, _)) => format!("{}…", &text[..end]),
    }
}

/// The bytes a value takes as Markdown text (an upper bound of what the template writes).
fn text_len(text: &str) -> usize {
    escape::markdown_text(text).len()
}

/// The bytes a value takes as a code span.
fn code_len(text: &str) -> usize {
    escape::markdown_code(text).len()
}

/// What is left of the comment's room as lists are filled in order: once an item does not
/// fit, it and everything after it (in this list and the later ones) is left out, so a cut
/// report shows a prefix of the changes.
struct Budget {
    left: usize,
    full: bool,
}

impl Budget {
    fn new(left: usize) -> Self {
        Budget { left, full: false }
    }

    /// Keeps the items of `items` that fit, in order; returns how many were left out.
    fn fit<T>(&mut self, items: &mut Vec<T>, cost: impl Fn(&T) -> usize) -> usize {
        let mut kept = 0;
        for item in items.iter() {
            let c = cost(item);
            if self.full || c > self.left {
                self.full = true;
                break;
            }
            self.left -= c;
            kept += 1;
        }
        let hidden = items.len() - kept;
        items.truncate(kept);
        hidden
    }
}

/// Tables longer than this fold into `<details>`: the summary and warnings stay in view.
const LONG: usize = 10;

/// What `diff.md.j2` reads.
#[derive(Serialize)]
struct DiffContext {
    marker: &'static str,
    old: String,
    new: String,
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
    /// Warnings and rows left out to keep within [`COMMENT_LIMIT`]: each list says how many
    /// it lost, and the top of the report how many changes it shows.
    hidden_warnings: usize,
    hidden_services: usize,
    hidden_other: usize,
    shown: usize,
    total: usize,
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

/// The warnings, each text once with every subject it applies to (found by index, not by a
/// search of the list: a diff of a thousand services stays linear).
fn warnings(diff: &Diff) -> Vec<Warning> {
    let mut found: std::collections::HashMap<(String, String), Vec<String>> = std::collections::HashMap::new();
    let mut order: Vec<(String, String)> = Vec::new();
    for c in &diff.changes {
        let Some(text) = c.warning.clone() else { continue };
        let subject = match &c.subject {
            Subject::Listener { service, port } => format!("{service}:{port}"),
            Subject::Balancer { service } => format!("{service} balancer"),
            Subject::Service { service } => service.clone(),
            other => super::report::name(other),
        };
        let field = c.field.as_deref().map(|f| format!(" {f}")).unwrap_or_default();
        let subjects = found.entry((text.clone(), field.clone())).or_insert_with(|| {
            order.push((text, field));
            Vec::new()
        });
        subjects.push(subject);
    }
    order
        .into_iter()
        .map(|key| {
            let subjects = found.remove(&key).unwrap_or_default();
            let (text, field) = key;
            Warning { subjects: listed(&subjects), field: shorten(field), text: shorten(text) }
        })
        .collect()
}

/// `a, b, c`, or as many as fit in a cell and `and 12 more`: a warning of a thousand services
/// names the first ones and counts the rest.
fn listed(subjects: &[String]) -> String {
    let mut out = String::new();
    for (i, s) in subjects.iter().enumerate() {
        if out.len() + s.len() > CELL_CHARS && i > 0 {
            return format!("{out} and {} more", subjects.len() - i);
        }
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(s);
    }
    shorten(out)
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
    let (old, new) = (shorten(diff.old.clone()), shorten(diff.new.clone()));
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
                    service: shorten(shown_service),
                    field: shorten(field.trim().to_string()),
                    old: shorten(text(&c.old)),
                    new: shorten(text(&c.new)),
                    note: String::new(),
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
                other.push(Other {
                    icon: icon(c),
                    kind,
                    name: shorten(name),
                    resource_type: shorten(resource_type),
                    what: shorten(what(c)),
                    note: String::new(),
                });
            }
        }
    }
    for (row, note) in services.iter_mut().zip(once(diff_notes(&diff.changes, true))) {
        row.note = shorten(note);
    }
    for (row, note) in other.iter_mut().zip(once(diff_notes(&diff.changes, false))) {
        row.note = shorten(note);
    }
    let mut warnings = warnings(diff);
    let services_summary = super::report::plural(services.len(), "change");
    let other_summary = super::report::plural(other.len(), "change");
    // The bytes of a line as the template writes it: the values, and the punctuation around them.
    let warning_cost = |w: &Warning| text_len(&w.subjects) + text_len(&w.field) + text_len(&w.text) + 10;
    let service_cost = |r: &ServiceRow| {
        let values = text_len(&r.service) + text_len(&r.field) + code_len(&r.old) + code_len(&r.new);
        r.icon.len() + values + text_len(&r.note) + 20
    };
    let other_cost = |r: &Other| {
        let values = code_len(&r.name) + text_len(&r.resource_type) + text_len(&r.what) + text_len(&r.note);
        r.icon.len() + values + r.kind.len() + 20
    };
    let room = COMMENT_LIMIT - FRAME - code_len(&old) - code_len(&new);
    let whole = warnings.iter().map(warning_cost).sum::<usize>()
        + services.iter().map(service_cost).sum::<usize>()
        + other.iter().map(other_cost).sum::<usize>();
    let (mut hidden_warnings, mut hidden_services, mut hidden_other) = (0, 0, 0);
    if whole > room {
        // The warnings first, then the services: the resource table is the one to lose.
        let mut budget = Budget::new(room);
        hidden_warnings = budget.fit(&mut warnings, warning_cost);
        hidden_services = budget.fit(&mut services, service_cost);
        hidden_other = budget.fit(&mut other, other_cost);
    }
    let ctx = DiffContext {
        marker: MARKDOWN_MARKER,
        old,
        new,
        summary: summary(diff),
        kinds: kinds(diff),
        warnings,
        service_notes: services.iter().any(|r| !r.note.is_empty()),
        services_summary,
        other_summary,
        shown: services.len() + other.len(),
        total: diff.changes.len(),
        services,
        other_notes: other.iter().any(|r| !r.note.is_empty()),
        other,
        long: LONG,
        hidden_warnings,
        hidden_services,
        hidden_other,
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

    /// A service's change of one variable, its values `value`.
    fn variable(service: &str, name: &str, value: &str, warning: Option<&str>) -> Change {
        Change {
            subject: Subject::Service { service: service.into() },
            action: super::super::diff::Action::Revised,
            field: Some(format!("environment {name}")),
            old: Some(value.into()),
            new: Some(format!("{value}2")),
            warning: warning.map(String::from),
            risks: Vec::new(),
            note: None,
            place: None,
        }
    }

    #[test]
    fn a_diff_longer_than_a_comment_is_cut_to_what_github_takes_and_says_so() {
        let resource = |i: usize| Change {
            subject: Subject::Resource { logical_id: format!("R{i}"), resource_type: "AWS::X::Y".into() },
            ..variable("x", "X", "x", None)
        };
        let changes: Vec<Change> = (0..3000)
            .map(|i| variable(&format!("svc{i}"), "LOG_LEVEL", &"v".repeat(i % 50), None))
            .chain(
                (0..3000)
                    .map(|i| variable(&format!("gone{i}"), "A", "a", Some(&format!("the service gone{i} is deleted")))),
            )
            .chain((0..3000).map(resource))
            .collect();
        let out = diff(&Diff { old: "a.yml".into(), new: "b.yml".into(), changes });
        assert!(out.len() <= COMMENT_LIMIT, "{} bytes", out.len());
        assert!(out.len() > COMMENT_LIMIT * 3 / 4, "the room is used: {} bytes", out.len());
        assert!(out.contains("> This comment shows "), "{out}");
        assert!(out.contains("of the 9000 changes: GitHub takes at most 65,536 characters"), "{out}");
        assert!(out.contains("> - … and "), "the warnings cut say so:\n{out}");
        assert!(out.contains("\n… and 6000 more, not shown\n"), "the services table cut says so:\n{out}");
        assert!(out.contains("\n… and 3000 more, not shown\n"), "the resources cut say so:\n{out}");
        assert_eq!(out.matches("<details>").count(), out.matches("</details>").count(), "{out}");

        let long = "x".repeat(100_000);
        let one = diff(&Diff {
            old: long.clone(),
            new: "b".into(),
            changes: vec![variable(&long, &long, &long, Some(&long))],
        });
        assert!(one.len() < 8 * CELL_CHARS * 4, "every value is cut: {} bytes", one.len());
        assert!(one.contains(&format!("{}…", "x".repeat(CELL_CHARS))), "{one}");
        assert!(!one.contains("This comment shows"), "nothing is left out, so nothing is said:\n{one}");
    }

    #[test]
    fn a_warning_of_many_services_names_the_first_and_counts_the_rest() {
        let changes = (0..1000).map(|i| variable(&format!("s{i}"), "A", "a", Some("the same"))).collect();
        let out = diff(&Diff { old: "a".into(), new: "b".into(), changes });
        let line = out.lines().find(|l| l.starts_with("> - **s0, s1,")).unwrap_or_else(|| panic!("{out}"));
        assert!(line.len() < 2 * CELL_CHARS && line.contains(" more** environment A: the same"), "{line}");
    }

    #[test]
    fn a_plan_longer_than_a_comment_is_cut_and_says_so() {
        let services: String =
            (0..1000).map(|i| format!("  s{i}:\n    image: x\n    ports: ['{}:80']\n", 1000 + i)).collect();
        let text = format!("services:\n{services}");
        let input = crate::load::Input { path: "docker-compose.yml".into(), bytes: text.into_bytes() };
        let options = crate::compile::CompileOptions { app: Some("app".into()), ..Default::default() };
        let result = crate::compile::compile(vec![input], &crate::load::Environment::from_pairs([]), &options);
        let out = plan(result.plan.as_ref().expect("a plan"));
        assert!(out.len() <= COMMENT_LIMIT, "{} bytes", out.len());
        assert!(out.contains("> The last ") && out.contains(" lines of the plan are not shown"), "{out}");
        assert!(out.trim_end().ends_with("more, not shown"), "{out}");
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
