//! The README is the user's guide and `docs/` the developer's: its first screen names the
//! commands a Convox user runs, "Coming from Convox" maps every command of Convox's SSL page
//! and every label, and every relative link in README.md and docs/*.md leads to a file (and a
//! heading) that exists, so moving a section cannot leave a dead link behind.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The `convox` commands of Convox's SSL page (the seed users followed), in its order.
const SEED_COMMANDS: [&str; 7] = [
    "convox deploy",
    "convox certs generate",
    "convox certs create",
    "convox ssl update",
    "convox ssl",
    "convox certs",
    "convox certs delete",
];

#[test]
fn the_readme_first_screen_tells_a_convox_user_what_to_run() {
    let readme = read(&root().join("README.md"));
    let first_screen: Vec<&str> = readme.lines().take(40).collect();
    let first_screen = first_screen.join("\n");
    for needed in [
        "compose-cfn compile",
        "compose-cfn plan",
        "compose-cfn diff",
        "compose-cfn deploy",
        "compose-cfn certs generate",
        "compose-cfn certs create",
        "compose-cfn ssl update",
        "cargo install --path .",
        "](#coming-from-convox)",
    ] {
        assert!(first_screen.contains(needed), "the README's first 40 lines lack `{needed}`:\n{first_screen}");
    }
}

/// The text of the README's `## Coming from Convox` section, up to the next `## ` heading.
fn coming_from_convox() -> String {
    let readme = read(&root().join("README.md"));
    let start = readme.find("\n## Coming from Convox\n").expect("the README has a `## Coming from Convox` section");
    let rest = &readme[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    rest[..end].to_string()
}

#[test]
fn coming_from_convox_maps_every_seed_command_to_a_compose_cfn_command() {
    let section = coming_from_convox();
    for command in SEED_COMMANDS {
        // The row whose first cell is exactly this command (`convox ssl` is not `convox ssl update`).
        let row = section
            .lines()
            .find(|line| {
                line.strip_prefix("| `")
                    .and_then(|cell| cell.strip_prefix(command))
                    .is_some_and(|after| after.starts_with('`') || after.starts_with(' '))
            })
            .unwrap_or_else(|| panic!("`Coming from Convox` has no row for `{command}`"));
        let verb = command.trim_start_matches("convox ");
        assert!(
            row.contains(&format!("`compose-cfn {verb}")),
            "the row of `{command}` names no `compose-cfn {verb}`: {row}"
        );
    }
}

#[test]
fn coming_from_convox_says_what_every_label_becomes() {
    let section = coming_from_convox();
    for label in compose_cfn::interpret::labels::LABELS {
        assert!(section.contains(&format!("`{}`", label.key)), "`Coming from Convox` lacks label {}", label.key);
    }
}

/// GitHub's anchor for a heading: lower case, spaces as `-`, punctuation other than `-` and
/// `_` dropped.
fn slug(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Every anchor of a Markdown text: its headings' slugs, repeated ones numbered as GitHub does.
fn anchors(markdown: &str) -> BTreeSet<String> {
    let mut anchors = BTreeSet::new();
    let mut heading: Option<String> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::Text(text) | Event::Code(text) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&text);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                let base = slug(&heading.take().unwrap_or_default());
                let mut anchor = base.clone();
                let mut n = 0;
                while !anchors.insert(anchor.clone()) {
                    n += 1;
                    anchor = format!("{base}-{n}");
                }
            }
            _ => {}
        }
    }
    anchors
}

/// The broken relative links of `markdown`, a file in `dir`: each as `target: reason`.
fn broken_links(markdown: &str, dir: &Path, own_anchors: &BTreeSet<String>) -> Vec<String> {
    let mut broken = Vec::new();
    for event in Parser::new(markdown) {
        let dest = match event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => dest_url,
            _ => continue,
        };
        if dest.contains("://") || dest.starts_with("mailto:") {
            continue;
        }
        let (path, anchor) = dest.split_once('#').map_or((&*dest, None), |(p, a)| (p, Some(a)));
        let anchors = if path.is_empty() {
            own_anchors.clone()
        } else {
            let target: PathBuf = dir.join(path);
            if !target.exists() {
                broken.push(format!("{dest}: no file {}", target.display()));
                continue;
            }
            if anchor.is_none() || target.extension().is_none_or(|e| e != "md") {
                continue;
            }
            anchors(&read(&target))
        };
        if let Some(anchor) = anchor.filter(|a| !anchors.contains(*a)) {
            broken.push(format!("{dest}: no heading with anchor #{anchor}"));
        }
    }
    broken
}

#[test]
fn every_relative_link_of_the_readme_and_docs_leads_somewhere() {
    let mut files = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    assert!(docs.iter().any(|p| p.ends_with("docs/README.md")), "docs/ has an index, docs/README.md");
    files.extend(docs);
    let mut broken = Vec::new();
    for file in &files {
        let text = read(file);
        for b in broken_links(&text, file.parent().unwrap(), &anchors(&text)) {
            broken.push(format!("{}: {b}", file.strip_prefix(root()).unwrap().display()));
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_link_checker_finds_missing_files_and_anchors() {
    let text = "# Top `a-b` (c)\n\n## Top a-b c\n\n[ok](#top-a-b-c) [ok](#top-a-b-c-1) [ok](tests/docs.rs) \
                [ok](README.md#coming-from-convox) [web](https://example.org/x#y)\n\
                [gone](#nowhere) [gone](no-such-file.md) [gone](README.md#no-such-heading)\n";
    let broken = broken_links(text, root(), &anchors(text));
    assert_eq!(
        broken,
        [
            "#nowhere: no heading with anchor #nowhere".to_string(),
            format!("no-such-file.md: no file {}", root().join("no-such-file.md").display()),
            "README.md#no-such-heading: no heading with anchor #no-such-heading".to_string(),
        ]
    );
}

#[test]
fn slugs_follow_github() {
    assert_eq!(
        slug("`--balancer v2`: Application and Network Load Balancers"),
        "--balancer-v2-application-and-network-load-balancers"
    );
    assert_eq!(slug("Labels (keyed by the balancer port)"), "labels-keyed-by-the-balancer-port");
    assert_eq!(
        slug("Names AWS accepts, text shown as text, nothing silently ignored"),
        "names-aws-accepts-text-shown-as-text-nothing-silently-ignored"
    );
}
