//! Issue 10, hostile text: what a manifest or template says is shown as text in pull-request
//! comments and terminals (never as HTML, Markdown structure or control sequences); app names
//! and `--certificate` options are checked where they are given.

mod common;

use common::{ProjectDir, Run, run_in};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use std::path::Path;

fn run(dir: &Path, argv: &[&str]) -> Run {
    let args: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
    run_in(dir, &args, &[])
}

/// A project folder holding `files`; the folder (kept alive by the first value) and its path.
fn project(files: &[(&str, &str)]) -> (ProjectDir, std::path::PathBuf) {
    let project = ProjectDir::new();
    for (name, text) in files {
        std::fs::write(project.path().join(name), text).unwrap();
    }
    let path = project.path().to_path_buf();
    (project, path)
}

/// A health path that closes a one-backtick code span, opens an HTML comment, embeds an image
/// and ends a table cell, as a hostile pull request would write it.
const HOSTILE_PATH: &str = "/h``<!--x-->`<img/src=x>|";

fn compose(health_path: &str) -> String {
    format!(
        "services:\n  web:\n    image: nginx\n    ports: [\"80:3000\"]\n    labels:\n      convox.health.path: '{health_path}'\n"
    )
}

/// Parses Markdown as GitHub does (tables on) and returns the text of each table row's cells;
/// fails on any raw HTML, which GitHub would render or hide.
fn table_rows(markdown: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut cells: Vec<String> = Vec::new();
    let mut cell = String::new();
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            // The one comment the tool writes itself: CI jobs find their earlier comment by it.
            Event::Html(h) if h.trim_end() == compose_cfn::review::report::MARKDOWN_MARKER => {}
            // The folds the tool writes around long tables: words and counts of its own only.
            Event::Html(h) if is_own_fold(&h) => {}
            Event::Html(h) | Event::InlineHtml(h) => panic!("live HTML {h:?} in:\n{markdown}"),
            Event::Start(Tag::TableCell) => cell.clear(),
            Event::End(TagEnd::TableCell) => cells.push(cell.clone()),
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => rows.push(std::mem::take(&mut cells)),
            Event::Text(t) | Event::Code(t) => cell.push_str(&t),
            _ => {}
        }
    }
    rows
}

/// `<details><summary>Words: 3 changes</summary>` or `</details>`, and nothing else.
fn is_own_fold(html: &str) -> bool {
    let html = html.trim_end();
    let summary = html.strip_prefix("<details><summary>").and_then(|s| s.strip_suffix("</summary>"));
    html == "</details>" || summary.is_some_and(|s| s.chars().all(|c| c.is_ascii_alphanumeric() || " ,:".contains(c)))
}

#[test]
fn plan_markdown_shows_a_hostile_health_path_as_text_in_its_cell() {
    let (_tmp, dir) = project(&[("docker-compose.yml", &compose(HOSTILE_PATH))]);
    let r = run(&dir, &["plan", "--format", "markdown"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows = table_rows(&r.stdout);
    assert_eq!(rows.len(), 2, "heading and one listener:\n{}", r.stdout);
    assert!(rows.iter().all(|r| r.len() == 8), "every row keeps its 8 cells: {rows:?}");
    assert!(rows[1][6].contains(HOSTILE_PATH), "the path is shown as written: {:?}", rows[1][6]);
}

#[test]
fn diff_markdown_shows_a_hostile_health_path_in_a_code_span_that_holds() {
    let (_tmp, dir) = project(&[("old.yml", &compose("/health")), ("new.yml", &compose(HOSTILE_PATH))]);
    let r = run(&dir, &["diff", "old.yml", "new.yml", "--format", "markdown"]);
    assert_eq!(r.code, 1, "a change: {}", r.stderr);
    let rows = table_rows(&r.stdout);
    let row = rows.iter().find(|r| r.iter().any(|c| c == "balancer health check")).expect("the health check row");
    assert_eq!(row.len(), 5, "{row:?}");
    assert!(row[4].ends_with(HOSTILE_PATH), "after: {:?}", row[4]);
    // The rows after the hostile one are still there, not swallowed by a comment.
    assert!(
        rows.iter().any(|r| r.iter().any(|c| c.contains("AWS::ElasticLoadBalancing::LoadBalancer"))),
        "{}",
        r.stdout
    );
}

/// A template whose health-check target holds an escape sequence, DEL and a C1 CSI: `diff`
/// reads templates from anyone, and must not pass these to a terminal or a comment.
#[test]
fn diff_of_templates_strips_control_characters() {
    let (_tmp, dir) = project(&[("docker-compose.yml", &compose("/health"))]);
    let c = run(&dir, &["compile"]);
    assert_eq!(c.code, 0, "{}", c.stderr);
    let hostile = c.stdout.replace("/health", "/h\\u001b]0;title\\u0007\\u007f\\u009b2J");
    assert_ne!(hostile, c.stdout);
    std::fs::write(dir.join("old.json"), &c.stdout).unwrap();
    std::fs::write(dir.join("new.json"), &hostile).unwrap();
    for format in ["human", "markdown"] {
        let r = run(&dir, &["diff", "old.json", "new.json", "--format", format]);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        let bad: Vec<char> = r.stdout.chars().filter(|c| c.is_control() && !matches!(c, '\n' | '\t')).collect();
        assert!(bad.is_empty(), "{format}: control characters {bad:?} in\n{}", r.stdout);
        assert!(r.stdout.contains("/h]0;title2J"), "{format}: the rest of the text is kept:\n{}", r.stdout);
    }
}

#[test]
fn diagnostics_quote_input_without_its_control_characters() {
    let text = "services:\n  web:\n    image: nginx\n    ports: [\"80:3000\"]\n    labels:\n      convox.port.80.protocol: \"ht\\x7ftp\\u009b2J\"\n";
    let (_tmp, dir) = project(&[("docker-compose.yml", text)]);
    let r = run(&dir, &["compile"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("unknown-protocol"), "{}", r.stderr);
    let bad: Vec<char> = r.stderr.chars().filter(|c| c.is_control() && !matches!(c, '\n' | '\t')).collect();
    assert!(bad.is_empty(), "control characters {bad:?} in\n{}", r.stderr);
}

#[test]
fn an_invalid_app_option_is_a_usage_error_with_a_valid_name() {
    let (_tmp, dir) = project(&[("docker-compose.yml", &compose("/health"))]);
    for bad in ["My App", "a\"b", "x<y", "caf\u{e9}", "a\nb"] {
        let r = run(&dir, &["compile", "--app", bad]);
        assert_eq!(r.code, 2, "{bad:?}: {}", r.stderr);
        assert!(r.stdout.is_empty());
        assert!(r.stderr.contains("--app "), "{bad:?}: a valid name is suggested:\n{}", r.stderr);
    }
    assert_eq!(run(&dir, &["compile", "--app", "my-app-2"]).code, 0);
}

/// A project folder of that name holding one compose file, for app names from the directory.
fn folder_named(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("docker-compose.yml"), compose("/health")).unwrap();
    (tmp, dir)
}

#[test]
fn a_directory_name_is_lower_cased_with_dots_as_hyphens_as_convox_did() {
    let (_tmp, dir) = folder_named("My.Project");
    let r = run(&dir, &["compile"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("my-project"), "{}", r.stdout);
    assert!(!r.stdout.contains("My.Project"), "{}", r.stdout);
}

#[test]
fn a_directory_name_still_invalid_after_that_asks_for_app() {
    let (_tmp, dir) = folder_named("My Project_2");
    let r = run(&dir, &["compile"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("error[app-name]"), "{}", r.stderr);
    assert!(r.stderr.contains("pass `--app my-project-2`"), "{}", r.stderr);
    assert_eq!(run(&dir, &["compile", "--app", "my-project-2"]).code, 0);
}

#[test]
fn two_arns_for_one_listener_are_an_error_and_the_same_one_twice_is_not() {
    let text = "services:\n  web:\n    image: nginx\n    ports: [\"443:3000\"]\n    labels:\n      convox.port.443.protocol: https\n";
    let (_tmp, dir) = project(&[("docker-compose.yml", text)]);
    let arn = |id: &str| format!("web:443=arn:aws:acm:us-east-1:123456789012:certificate/{id}");
    let (a, b) = (arn("aaaa"), arn("bbbb"));
    let r = run(&dir, &["compile", "--certificate", &a, "--certificate", &b]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("given twice, with two different ARNs"), "{}", r.stderr);
    let r = run(&dir, &["compile", "--certificate", &a, "--certificate", &a]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("certificate/aaaa"));
}

#[test]
fn a_certificate_for_no_listener_points_at_the_service() {
    let (_tmp, dir) = project(&[("docker-compose.yml", &compose("/health"))]);
    let arn = "web:80=arn:aws:acm:us-east-1:123456789012:certificate/aaaa";
    let r = run(&dir, &["compile", "--certificate", arn, "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let d: serde_json::Value = serde_json::from_str(r.stderr.lines().next().unwrap()).unwrap();
    assert_eq!(d["code"], "certificate");
    assert_eq!(d["related"][0]["line"], 2, "the service `web` is on line 2: {d}");
}

/// Names a pull request can choose: a team to notify, an issue to link, a link, and a name
/// that reads `web` but holds a right-to-left override and a zero-width space (Trojan Source).
fn noisy(env: &str, health_path: &str) -> String {
    format!(
        "services:\n  web:\n    image: nginx\n    ports: [\"80:3000\"]\n    environment:\n{env}    labels:\n      convox.health.path: '{health_path}'\n"
    )
}

#[test]
fn markdown_reports_notify_no_one_link_nothing_and_show_hidden_characters() {
    let env = "      \"@org/team\": a\n      \"#12\": b\n      \"https://evil.example/x\": c\n      \"DEBUG\\u202e\\u200bGOL\": d\n";
    let (_tmp, dir) =
        project(&[("old.yml", &compose("/health")), ("new.yml", &noisy(env, "/@org/team/#3/www.evil.example"))]);
    let diff = run(&dir, &["diff", "old.yml", "new.yml", "--format", "markdown"]);
    assert_eq!(diff.code, 1, "{}", diff.stderr);
    let plan = run(&dir, &["plan", "new.yml", "--format", "markdown"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let human = run(&dir, &["diff", "old.yml", "new.yml"]);
    // (A health path is printable ASCII: the variable names carry the hidden characters.)
    for (what, out, shown) in
        [("diff", &diff.stdout, "&lt;U+202E&gt;&lt;U+200B&gt;"), ("human diff", &human.stdout, "<U+202E><U+200B>")]
    {
        assert!(!out.contains(['\u{202e}', '\u{200b}']), "{what}: a hidden character as it is:\n{out}");
        assert!(out.contains(&format!("DEBUG{shown}GOL")), "{what}: shown by code point:\n{out}");
    }
    for (what, out) in [("diff", &diff.stdout), ("plan", &plan.stdout)] {
        // The text GitHub would see once Markdown is rendered, outside code spans, where it
        // looks for mentions, issue references and links.
        let text: String = Parser::new_ext(out, Options::ENABLE_TABLES)
            .filter_map(|e| match e {
                Event::Text(t) => Some(t.to_string()),
                _ => None,
            })
            .collect();
        for live in ["@org", "#12", "#3", "https://", "www.evil"] {
            assert!(!text.contains(live), "{what}: `{live}` would be a mention, reference or link:\n{out}");
        }
        assert!(text.contains("@\u{200b}org/team"), "{what}: the name is still shown:\n{out}");
    }
}

#[test]
fn a_diff_or_plan_of_a_thousand_services_fits_in_a_comment_and_says_what_it_left_out() {
    let services = |image: &str| -> String {
        let list: String =
            (0..1000).map(|i| format!("  s{i}:\n    image: {image}\n    ports: [\"{}:3000\"]\n", 1000 + i)).collect();
        format!("services:\n{list}")
    };
    let (_tmp, dir) = project(&[("old.yml", &services("nginx")), ("new.yml", &services("nginx:2"))]);
    let diff = run(&dir, &["diff", "old.yml", "new.yml", "--format", "markdown"]);
    assert_eq!(diff.code, 1, "{}", diff.stderr);
    let plan = run(&dir, &["plan", "new.yml", "--format", "markdown"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    for (what, out) in [("diff", &diff.stdout), ("plan", &plan.stdout)] {
        // GitHub's limit is 65,536 characters; bytes are never fewer.
        assert!(out.len() <= 65_536, "{what}: {} bytes", out.len());
        assert!(out.contains("GitHub takes at most 65,536 characters in a comment"), "{what}:\n{out}");
        assert!(out.contains("more, not shown\n"), "{what}:\n{out}");
        assert!(table_rows(out).len() > 100, "{what}: the rows that fit are shown");
    }
    assert!(diff.stdout.contains("of the 2000 changes"), "{}", diff.stdout);
}
