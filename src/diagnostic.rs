//! Diagnostics: what is wrong with an input, where, and how to fix it, rendered for people or as
//! JSON. The registry of codes, with their explanations, is in `diagnostic/codes.rs`.
//!
//! Past 400 lines: the diagnostic and its renderings (human, JSON, GitHub annotations), which
//! must say the same things and are kept side by side, with their tests.

use crate::escape;
use crate::source::{LineCol, Sources, Span};
use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use serde::Serialize;

/// How bad a diagnostic is: any error means no template is produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The input cannot be compiled.
    Error,
    /// The input compiles, but probably not as the author meant.
    Warning,
}

impl Severity {
    /// `error` or `warning`, as a diagnostic's first line starts.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

mod codes;

pub use codes::Code;

/// A secondary location shown with a diagnostic, e.g. the first of two duplicate keys.
#[derive(Clone, Debug, PartialEq)]
pub struct Related {
    /// Where.
    pub span: Span,
    /// What is there.
    pub label: String,
}

/// A file a finding is about that is not among the [`Sources`] and whose text is never
/// quoted: a certificate bundle or a private key. Reports name the file, and show a line only
/// as the marker written there (`-----BEGIN CERTIFICATE-----`), never as read.
#[derive(Clone, Debug, PartialEq)]
pub struct FilePlace {
    /// The file, as the user named it.
    pub path: String,
    /// The line the finding is about (1-based), with the marker shown for it.
    pub line: Option<(usize, &'static str)>,
}

/// One finding about the input.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The stable kind of finding.
    pub code: Code,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where it is wrong, if it has a place in a file.
    pub span: Option<Span>,
    /// Text under the caret.
    pub label: Option<String>,
    /// Other places that matter.
    pub related: Vec<Related>,
    /// The file it is about when that file's text is not shown (no `span` then).
    pub file: Option<FilePlace>,
    /// Facts that back the message, such as fingerprints.
    pub notes: Vec<String>,
    /// How to fix it, where known.
    pub help: Option<String>,
}

impl Diagnostic {
    /// Its first line alone, `warning[code]: message`, where no file is at hand to show it in.
    pub fn headline(&self) -> String {
        format!("{}[{}]: {}", self.severity.name(), self.code.as_str(), self.message)
    }

    /// An error at `span`.
    pub fn error(code: Code, span: impl Into<Option<Span>>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, span.into(), message.into())
    }

    /// A warning at `span`.
    pub fn warning(code: Code, span: impl Into<Option<Span>>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, span.into(), message.into())
    }

    fn new(severity: Severity, code: Code, span: Option<Span>, message: String) -> Self {
        Diagnostic {
            severity,
            code,
            message,
            span,
            label: None,
            related: Vec::new(),
            file: None,
            notes: Vec::new(),
            help: None,
        }
    }

    /// Says which file it is about, for a file whose text is never shown.
    pub fn in_file(mut self, path: impl Into<String>) -> Self {
        self.file = Some(FilePlace { path: path.into(), line: None });
        self
    }

    /// Says which line of that file ([`Diagnostic::in_file`]) it is about, shown as `marker`.
    pub fn at_line(mut self, line: usize, marker: &'static str) -> Self {
        if let Some(file) = &mut self.file {
            file.line = Some((line, marker));
        }
        self
    }

    /// Adds a fact that backs the message.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Sets the text shown under the caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Adds a secondary location.
    pub fn with_related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push(Related { span, label: label.into() });
        self
    }

    /// Sets the fix.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Every finding of one run, in the order of the input.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    /// No findings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a finding.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// Records several findings.
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    /// True when any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// The number of errors and of warnings.
    pub fn counts(&self) -> (usize, usize) {
        let errors = self.0.iter().filter(|d| d.is_error()).count();
        (errors, self.0.len() - errors)
    }

    /// The findings, sorted by file and position so reports read top to bottom.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut all: Vec<&Diagnostic> = self.0.iter().collect();
        // Findings without a place (command-line problems) come first; the sort is stable.
        all.sort_by_key(|d| d.span.map(|s| (s.source, s.start)));
        all
    }

    /// Iterates in the order recorded.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// Drops a help text already given with a diagnostic of the same code shown earlier (in
    /// the order of [`Diagnostics::sorted`]): ten untranslated keys need the list of
    /// translated ones once, not ten times.
    pub fn help_once(self) -> Self {
        let mut all = self.0;
        let mut order: Vec<usize> = (0..all.len()).collect();
        order.sort_by_key(|&i| all[i].span.map(|s| (s.source, s.start)));
        let mut seen = std::collections::HashSet::new();
        for i in order {
            let d = &mut all[i];
            if let Some(help) = &d.help
                && !seen.insert((d.code, help.clone()))
            {
                d.help = None;
            }
        }
        Diagnostics(all)
    }

    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What the user asked of warnings (`-D warnings`, `--deny CODE`, `--allow CODE`, clippy's
/// spelling): CI wants warnings to fail the build, and a team wants to silence one it accepts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Levels {
    /// Every warning becomes an error (`-D warnings`).
    pub deny_warnings: bool,
    /// Warnings of these codes become errors.
    pub deny: Vec<Code>,
    /// Warnings of these codes are dropped; errors are kept whatever is allowed, because an
    /// error means there is no correct template to produce.
    pub allow: Vec<Code>,
}

impl Levels {
    /// What becomes of a warning of `code`: `Some(Error)`, `Some(Warning)`, or `None` when it
    /// is allowed (dropped); `--deny` wins over `--allow`. Shared by compose diagnostics and
    /// those of `certs inspect`.
    pub fn warning(&self, code: Code) -> Option<Severity> {
        if self.deny_warnings || self.deny.contains(&code) {
            Some(Severity::Error)
        } else if self.allow.contains(&code) {
            None
        } else {
            Some(Severity::Warning)
        }
    }

    /// `diagnostics` with these levels applied to their warnings.
    pub fn apply(&self, diagnostics: Diagnostics) -> Diagnostics {
        let kept = diagnostics.into_iter().filter_map(|mut d| {
            if d.severity == Severity::Warning {
                d.severity = self.warning(d.code)?;
            }
            Some(d)
        });
        Diagnostics(kept.collect())
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Diagnostics(iter.into_iter().collect())
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<I: IntoIterator<Item = Diagnostic>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Renders diagnostics as rustc does: header, `--> file:line:col`, the line, a caret, `help:`.
pub fn render_human(diagnostics: &Diagnostics, sources: &Sources, color: bool) -> String {
    let renderer = if color { Renderer::styled() } else { Renderer::plain() };
    let mut out = String::new();
    for d in diagnostics.sorted() {
        let level = match d.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        // Messages, labels and help quote input text: no control character of it reaches the terminal.
        let message = escape::terminal(&d.message, false);
        let title = level.primary_title(message.as_str()).id(d.code.as_str());
        let mut group = Group::with_title(title);
        let label = d.label.as_deref().map(|l| escape::terminal(l, false));
        let related: Vec<String> = d.related.iter().map(|r| escape::terminal(&r.label, false)).collect();
        let mut places: Vec<(Span, Option<&str>, bool)> = Vec::new();
        // Where each snippet's `-->` / `:::` line points, in the order the snippets are added:
        // the renderer counts columns from a long line's window, not from the line's start.
        let mut origins: Vec<(&str, LineCol)> = Vec::new();
        if let Some(span) = d.span {
            places.push((span, label.as_deref(), true));
        }
        places.extend(d.related.iter().zip(&related).map(|(r, label)| (r.span, Some(label.as_str()), false)));
        // One snippet per file, the primary file first, as rustc groups them.
        let mut files: Vec<_> = places.iter().map(|p| p.0.source).collect();
        files.dedup();
        let mut seen = Vec::new();
        for file in files {
            if seen.contains(&file) {
                continue;
            }
            seen.push(file);
            let source = sources.get(file);
            // Only the lines the annotations cover go to the renderer: it scans all the text it
            // is given, so handing it the whole file made N diagnostics cost N file scans
            // (20,000 errors in a 0.5 MB file took 34 s).
            // Annotations far apart get snippets of their own, so the text given stays small
            // even when a related place is thousands of lines away.
            let mut ranges: Vec<_> = places
                .iter()
                .filter(|p| p.0.source == file)
                .map(|(span, label, primary)| (display_range(&source.text, *span), *label, *primary))
                .collect();
            ranges.sort_by_key(|r| r.0.start);
            // On a long line, places further apart than two windows' context are clusters of
            // their own too: one window spanning both would be as long as the text between.
            let mut clusters: Vec<Vec<Annotated>> = Vec::new();
            for r in ranges {
                match clusters.last_mut() {
                    Some(c)
                        if source.line_col(r.0.start).line
                            <= source.line_col(c[c.len() - 1].0.end).line + NEAR_LINES
                            && (r.0.start.saturating_sub(c[c.len() - 1].0.end) <= 2 * LINE_CONTEXT
                                || source.line_bounds(r.0.end).end - source.line_bounds(c[0].0.start).start
                                    <= LONG_LINE) =>
                    {
                        c.push(r)
                    }
                    _ => clusters.push(vec![r]),
                }
            }
            // The primary place comes first: its `-->` line is the one editors jump to.
            clusters.sort_by_key(|c| !c.iter().any(|r| r.2));
            for cluster in clusters {
                let from = cluster.iter().map(|r| r.0.start).min().unwrap_or(0);
                let to = cluster.iter().map(|r| r.0.end).max().unwrap_or(0);
                let (first, last) = (source.line_bounds(from).start, source.line_bounds(to).end);
                // On a long line (a minified JSON file, a generated flow mapping) only a window
                // around the places is shown: the renderer scans all the text it is given, so
                // handing it the whole line made N findings on one line cost N times its length.
                // A cluster's places are at most two contexts apart on long lines, so the window
                // holds no long line whole, even when it spans a line break.
                let window = (last - first > LONG_LINE).then(|| {
                    let mut lo = from.saturating_sub(LINE_CONTEXT).max(first);
                    while !source.text.is_char_boundary(lo) {
                        lo += 1;
                    }
                    let mut hi = (to + LINE_CONTEXT).min(last);
                    while !source.text.is_char_boundary(hi) {
                        hi -= 1;
                    }
                    (lo, hi)
                });
                let (shown, start, shift) = match window {
                    Some((lo, hi)) => {
                        let cut = |yes: bool| if yes { ELLIPSIS } else { "" };
                        let text = format!("{}{}{}", cut(lo > first), &source.text[lo..hi], cut(hi < last));
                        (std::borrow::Cow::Owned(text), lo, cut(lo > first).len())
                    }
                    None => (std::borrow::Cow::Borrowed(&source.text[first..last]), first, 0),
                };
                // An annotation's place in `shown`: its offset from where `shown` starts in the
                // file, after the leading ellipsis if any.
                let place = |offset: usize| offset - start + shift;
                // The snippet's `-->` or `:::` line names the primary place, else the first.
                let named = cluster.iter().find(|r| r.2).unwrap_or(&cluster[0]).0.start;
                origins.push((source.path.as_str(), source.line_col(named)));
                let mut snippet = Snippet::source(shown)
                    .line_start(source.line_col(first).line)
                    .path(source.path.as_str())
                    .fold(true);
                for (range, label, primary) in cluster {
                    let kind = if primary { AnnotationKind::Primary } else { AnnotationKind::Context };
                    snippet = snippet.annotation(kind.span(place(range.start)..place(range.end)).label(label));
                }
                group = group.element(snippet);
            }
        }
        let path = d.file.as_ref().map(|f| escape::terminal(&f.path, false));
        if let (Some(file), Some(path)) = (d.file.as_ref().filter(|_| d.span.is_none()), &path) {
            group = match file.line {
                Some((line, marker)) => group.element(
                    Snippet::source(marker)
                        .line_start(line)
                        .path(path.as_str())
                        .annotation(AnnotationKind::Primary.span(0..marker.len())),
                ),
                None => group.element(Origin::path(path.as_str())),
            };
        }
        let notes: Vec<String> = d.notes.iter().map(|n| escape::terminal(n, true)).collect();
        for note in &notes {
            group = group.element(Level::NOTE.message(note.as_str()));
        }
        let help = d.help.as_deref().map(|h| escape::terminal(h, true));
        if let Some(help) = &help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        // The renderer shows C0 controls and DEL in source lines as visible symbols, but passes
        // C1 controls (`\u{9b}` is a terminal's CSI) through: they become U+FFFD, one column
        // wide like the character they replace, so carets stay aligned.
        let rendered = with_origins(&renderer.render(&[group]), &origins);
        out.extend(rendered.chars().map(|c| if ('\u{80}'..='\u{9f}').contains(&c) { '\u{fffd}' } else { c }));
        out.push_str("\n\n");
    }
    out
}

/// `rendered` with its first `origins.len()` origin lines (`--> path:line:column`, `:::` for
/// the snippets after the first) saying the file's line and column. The renderer counts a
/// column from the start of the text it is given, which on a long line is a window, and for
/// a snippet after the first it may name another of its places than the first: every origin
/// is written from the file instead. Only origin lines are touched, never a quoted line that
/// happens to hold the same text.
fn with_origins(rendered: &str, origins: &[(&str, LineCol)]) -> String {
    let mut pending = origins.iter();
    let mut out = String::with_capacity(rendered.len());
    for line in rendered.split_inclusive('\n') {
        let plain = without_styles(line);
        let is_origin = ["--> ", "::: "].iter().any(|arrow| plain.trim_start().starts_with(arrow));
        let rewritten = is_origin.then(|| pending.next()).flatten().and_then(|(path, at)| {
            let arrow = line.find("--> ").or_else(|| line.find("::: "))?;
            let after = arrow + 4 + line[arrow + 4..].find(&format!("{path}:"))? + path.len() + 1;
            let digits =
                line[after..].find(|c: char| !c.is_ascii_digit() && c != ':').map_or(line.len(), |n| after + n);
            Some(format!("{}{}:{}{}", &line[..after], at.line, at.column, &line[digits..]))
        });
        out.push_str(rewritten.as_deref().unwrap_or(line));
    }
    out
}

/// `line` without the renderer's colour sequences (`ESC [ … letter`).
fn without_styles(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            chars.by_ref().find(char::is_ascii_alphabetic);
        } else {
            out.push(c);
        }
    }
    out
}

/// A place to mark in a snippet: its byte range, its label, and whether it is the primary one.
type Annotated<'a> = (std::ops::Range<usize>, Option<&'a str>, bool);

/// Annotations within this many lines of each other share one snippet.
const NEAR_LINES: usize = 8;

/// A line longer than this many bytes is shown as a window around the place.
const LONG_LINE: usize = 4096;

/// How many bytes of a long line are shown on each side of the place.
const LINE_CONTEXT: usize = 120;

/// What stands for the part of a long line left out.
const ELLIPSIS: &str = "…";

/// A span widened to at least one character so the caret is visible, kept on char boundaries.
fn display_range(text: &str, span: Span) -> std::ops::Range<usize> {
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span.end.clamp(start, text.len());
    if end == start && end < text.len() {
        end += text[end..].chars().next().map_or(0, char::len_utf8);
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// The JSON form of one diagnostic (one object per line on stderr with `--format json`).
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    /// `error` or `warning`.
    pub severity: Severity,
    /// The diagnostic code.
    pub code: &'static str,
    /// What is wrong.
    pub message: &'a str,
    /// The file, when the finding has a place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<&'a str>,
    /// 1-based line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column in characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// 1-based line where the offending text ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_line: Option<usize>,
    /// 1-based column just past the offending text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_column: Option<usize>,
    /// Text under the caret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<&'a str>,
    /// The fix, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<&'a str>,
    /// Other places that matter.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<JsonRelated<'a>>,
    /// Facts that back the message.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub notes: &'a [String],
}

/// A secondary location in JSON form.
#[derive(Debug, Serialize)]
pub struct JsonRelated<'a> {
    /// The file.
    pub file: &'a str,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is there.
    pub label: &'a str,
}

/// Converts a diagnostic to its JSON form.
pub fn to_json<'a>(d: &'a Diagnostic, sources: &'a Sources) -> JsonDiagnostic<'a> {
    let place = d.span.map(|span| {
        let source = sources.get(span.source);
        (source.path.as_str(), source.line_col(span.start), source.line_col(span.end))
    });
    // A file whose text is not shown has no columns: its line is where a certificate starts.
    let file = d.file.as_ref().filter(|_| place.is_none());
    let line = file.and_then(|f| f.line).map(|(line, _)| line);
    JsonDiagnostic {
        severity: d.severity,
        code: d.code.as_str(),
        message: &d.message,
        file: place.map(|p| p.0).or(file.map(|f| f.path.as_str())),
        line: place.map(|p| p.1.line).or(line),
        column: place.map(|p| p.1.column).or(line.map(|_| 1)),
        end_line: place.map(|p| p.2.line),
        end_column: place.map(|p| p.2.column),
        label: d.label.as_deref(),
        help: d.help.as_deref(),
        related: d
            .related
            .iter()
            .map(|r| {
                let source = sources.get(r.span.source);
                let at = source.line_col(r.span.start);
                JsonRelated { file: &source.path, line: at.line, column: at.column, label: &r.label }
            })
            .collect(),
        notes: &d.notes,
    }
}

/// Renders diagnostics as GitHub workflow commands (`::error file=…,line=…,col=…::message`),
/// which a pull request shows on the lines they name, as ruff's `--output-format github` does.
pub fn render_github(diagnostics: &Diagnostics, sources: &Sources) -> String {
    render_github_in(diagnostics, sources, &|file| file.to_string())
}

/// [`render_github`], each file named as `file_in_checkout` says: GitHub places an annotation
/// by the file's path in the repository, which is not the path given when the job runs in a
/// subdirectory (the CLI knows the checkout; this stays pure).
pub fn render_github_in(
    diagnostics: &Diagnostics,
    sources: &Sources,
    file_in_checkout: &dyn Fn(&str) -> String,
) -> String {
    let mut out = String::new();
    for d in diagnostics.sorted() {
        let j = to_json(d, sources);
        let level = if d.is_error() { "error" } else { "warning" };
        let file = j.file.map(file_in_checkout);
        let place = match (file.as_deref(), j.line, j.column) {
            (Some(file), Some(line), Some(column)) => {
                Some(GithubPlace { file, line, column, end: j.end_line.zip(j.end_column) })
            }
            _ => None,
        };
        // Notes and help go into the message, after it, as a pull request shows nothing else.
        let notes = j.notes.iter().map(|n| format!("note: {n}"));
        let help = j.help.iter().map(|h| format!("help: {h}"));
        let message = std::iter::once(j.message.to_string()).chain(notes).chain(help).collect::<Vec<_>>().join("\n");
        out.push_str(&github_command(level, place, &format!("compose-cfn {}", j.code), &message));
    }
    out
}

/// Where a GitHub annotation points: a file, line and column, and where the span ends.
#[derive(Clone, Copy, Debug)]
pub struct GithubPlace<'a> {
    /// The file, as the workflow's checkout names it.
    pub file: &'a str,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// End line and column, when the span has one.
    pub end: Option<(usize, usize)>,
}

/// One GitHub workflow command (`::warning file=…,line=…,title=…::message`), escaped so that no
/// text can end it or start a command of its own: `%`, CR and LF everywhere, and `:` and `,`
/// in properties. `diff --format github` writes its warnings through it too, with titles that
/// name a template's resources: the title loses control characters and shows invisible ones
/// by code point, as the message does ([`escape::terminal`]); the file is named as it is, so
/// that the annotation finds it.
pub fn github_command(level: &str, place: Option<GithubPlace>, title: &str, message: &str) -> String {
    let data = |s: &str| s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    let property = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    let mut props = Vec::new();
    if let Some(p) = place {
        props.push(format!("file={}", property(p.file)));
        props.push(format!("line={},col={}", p.line, p.column));
        if let Some((end_line, end_col)) = p.end {
            props.push(format!("endLine={end_line},endColumn={end_col}"));
        }
    }
    props.push(format!("title={}", property(&escape::terminal(title, false))));
    let message = escape::terminal(message, true);
    format!("::{level} {}::{}\n", props.join(","), data(&message))
}

/// Renders diagnostics as JSON Lines, sorted like the human report.
pub fn render_json(diagnostics: &Diagnostics, sources: &Sources) -> String {
    let mut out = String::new();
    for d in diagnostics.sorted() {
        out.push_str(&serde_json::to_string(&to_json(d, sources)).expect("diagnostics serialise"));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn far_apart_places_get_snippets_of_their_own_with_the_primary_first() {
        let mut sources = Sources::new();
        let text: String = (1..=100).map(|i| format!("line{i}: x\n")).collect();
        let id = sources.add("f.yml", text.as_str());
        let at = |line: usize| Span::new(id, text.find(&format!("line{line}:")).unwrap(), 5);
        let mut diags = Diagnostics::new();
        diags.push(Diagnostic::warning(Code::HostPortConflict, at(90), "again").with_related(at(2), "first"));
        let out = render_human(&diags, &sources, false);
        assert!(out.contains("--> f.yml:90:1"), "{out}");
        assert!(out.find("line90").unwrap() < out.find("line2:").unwrap(), "the primary place comes first:\n{out}");
        assert!(!out.contains("line50"), "lines between distant places are not shown:\n{out}");
    }

    #[test]
    fn github_annotations_place_each_finding_and_cannot_be_split_into_other_commands() {
        let mut sources = Sources::new();
        let id = sources.add("a,b:c.yml", "services:\n  web: 1\n");
        let mut diags = Diagnostics::new();
        diags.push(
            Diagnostic::error(Code::WrongType, Span::new(id, 12, 3), "100% wrong\n::error::forged")
                .with_help("write a mapping"),
        );
        diags.push(Diagnostic::warning(Code::NoServices, None, "nothing"));
        assert_eq!(
            render_github(&diags, &sources),
            "::warning title=compose-cfn no-services::nothing\n\
             ::error file=a%2Cb%3Ac.yml,line=2,col=3,endLine=2,endColumn=6,title=compose-cfn wrong-type::\
             100%25 wrong%0A::error::forged%0Ahelp: write a mapping\n"
        );
    }

    #[test]
    fn a_github_annotation_title_shows_no_control_or_invisible_character() {
        // `diff --format github` titles name a template's logical IDs, which anyone can write.
        let out = github_command("warning", None, "resources A\u{1b}[2J\u{202e}B", "m\u{2066}");
        assert_eq!(out, "::warning title=resources A[2J<U+202E>B::m<U+2066>\n");
    }

    #[test]
    fn a_file_that_is_never_quoted_is_named_with_its_marker_line_notes_and_help_in_every_format() {
        let sources = Sources::new();
        let mut diags = Diagnostics::new();
        diags.push(
            Diagnostic::warning(Code::CertChain, None, "out of order")
                .in_file("ca-bundle.crt")
                .at_line(18, "-----BEGIN CERTIFICATE-----")
                .with_note("read in this order: a, b")
                .with_help("reorder it"),
        );
        diags.push(Diagnostic::error(Code::CertFormat, None, "not PEM").in_file("site.key"));
        let human = render_human(&diags, &sources, false);
        assert!(human.contains("--> ca-bundle.crt:18:1\n"), "{human}");
        assert!(human.contains("18 | -----BEGIN CERTIFICATE-----\n"), "{human}");
        let note = human.find("= note: read in this order: a, b").expect(&human);
        assert!(note < human.find("= help: reorder it").expect(&human), "notes before help:\n{human}");
        assert!(human.contains("error[cert-format]: not PEM\n--> site.key\n"), "{human}");
        assert!(!human.contains("site.key:"), "no line of a file without one:\n{human}");

        let json: Vec<serde_json::Value> =
            render_json(&diags, &sources).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(
            json[0],
            serde_json::json!({
                "severity": "warning", "code": "cert-chain", "message": "out of order",
                "file": "ca-bundle.crt", "line": 18, "column": 1, "help": "reorder it",
                "notes": ["read in this order: a, b"],
            })
        );
        assert_eq!(
            json[1],
            serde_json::json!({"severity": "error", "code": "cert-format", "message": "not PEM", "file": "site.key"})
        );

        assert_eq!(
            render_github(&diags, &sources),
            "::warning file=ca-bundle.crt,line=18,col=1,title=compose-cfn cert-chain::\
             out of order%0Anote: read in this order: a, b%0Ahelp: reorder it\n\
             ::error title=compose-cfn cert-format::not PEM\n"
        );
    }

    #[test]
    fn a_long_line_is_shown_as_a_window_around_the_place_with_the_files_column() {
        let mut sources = Sources::new();
        let text = format!("{{\"services\": {{{}\"web\": {{\"bad\": 1}}}}}}\n", "\"pad\": 0, ".repeat(2000));
        let id = sources.add("c.json", text.as_str());
        let at = text.find("\"bad\"").unwrap();
        let mut diags = Diagnostics::new();
        diags.push(Diagnostic::warning(Code::UnknownKey, Span::new(id, at, 5), "bad key").with_label("here"));
        let out = render_human(&diags, &sources, false);
        let column = text[..at].chars().count() + 1;
        assert!(out.contains(&format!("--> c.json:1:{column}\n")), "the file's column:\n{out}");
        assert!(out.len() < 1000, "a window, not the {}-byte line:\n{out}", text.len());
        let line = out.lines().find(|l| l.starts_with("1 |")).expect(&out);
        let caret = out.lines().find(|l| l.contains("^^^^^ here")).expect(&out);
        // Compared by characters: the `…` that starts the window is one column, three bytes.
        let under: String = line.chars().skip(caret.chars().position(|c| c == '^').unwrap()).take(5).collect();
        assert_eq!(under, "\"bad\"", "the caret under the place:\n{out}");
    }

    #[test]
    fn places_far_apart_on_one_long_line_get_windows_of_their_own_each_with_its_column() {
        let mut sources = Sources::new();
        // Minified JSON: a key given twice 10 kB apart, and a third place further on, all on
        // line 2; `é` before them makes byte and character columns differ.
        let pad = "\"pad\": 0, ".repeat(1000);
        let text = format!("{{\n\"é\": 0, \"a\": 1, {pad}\"a\": 2, {pad}\"b\": 3}}\n");
        let id = sources.add("c.json", text.as_str());
        let (first, again) = (text.find("\"a\"").unwrap(), text.rfind("\"a\"").unwrap());
        let third = text.find("\"b\"").unwrap();
        let column = |at: usize| {
            text[..at].chars().count() - text[..at].rfind('\n').map_or(0, |n| text[..=n].chars().count()) + 1
        };
        let mut diags = Diagnostics::new();
        diags.push(
            Diagnostic::error(Code::DuplicateKey, Span::new(id, again, 3), "duplicate key `a`")
                .with_label("given again here")
                .with_related(Span::new(id, first, 3), "first given here")
                .with_related(Span::new(id, third, 3), "and this"),
        );
        for color in [false, true] {
            let out = render_human(&diags, &sources, color);
            let plain = without_styles(&out);
            assert!(out.len() < 3000, "three windows, not the {}-byte line:\n{out}", text.len());
            assert!(plain.contains(&format!("--> c.json:2:{}\n", column(again))), "{plain}");
            // The other places follow in the file's order, each at its own column.
            let origins: Vec<&str> = plain.lines().filter(|l| l.trim_start().starts_with(":::")).collect();
            assert_eq!(
                origins,
                [format!(" ::: c.json:2:{}", column(first)), format!(" ::: c.json:2:{}", column(third))],
                "{plain}"
            );
            for label in ["^^^ given again here", "--- first given here", "--- and this"] {
                assert!(plain.contains(label), "{label} is shown:\n{plain}");
            }
        }
        // A quoted line holding the text of an origin is left alone.
        let quoted = "services: {web: {labels: {x: \"c.json:2:1\"}}}\n";
        let q = sources.add("c.json", quoted);
        let mut diags = Diagnostics::new();
        diags.push(Diagnostic::warning(Code::UnknownKey, Span::new(q, quoted.find("x:").unwrap(), 1), "x"));
        assert!(render_human(&diags, &sources, false).contains("\"c.json:2:1\""));
    }

    #[test]
    fn a_help_text_is_given_once_per_code() {
        let mut diags = Diagnostics::new();
        for code in [Code::UntranslatedKey, Code::UntranslatedKey, Code::UnknownKey] {
            diags.push(Diagnostic::warning(code, None, "m").with_help("the same help"));
        }
        diags.push(Diagnostic::warning(Code::UntranslatedKey, None, "m").with_help("another help"));
        let once = diags.help_once();
        let helps: Vec<Option<&str>> = once.iter().map(|d| d.help.as_deref()).collect();
        assert_eq!(helps, [Some("the same help"), None, Some("the same help"), Some("another help")]);
    }

    #[test]
    fn levels_deny_warnings_deny_or_allow_codes_but_never_drop_an_error() {
        let mut diags = Diagnostics::new();
        diags.push(Diagnostic::warning(Code::ObsoleteVersion, None, "v"));
        diags.push(Diagnostic::warning(Code::UnknownKey, None, "k"));
        diags.push(Diagnostic::error(Code::UnknownProtocol, None, "p"));
        let severities = |levels: Levels| -> Vec<(Code, Severity)> {
            levels.apply(diags.clone()).iter().map(|d| (d.code, d.severity)).collect()
        };
        use Severity::{Error, Warning};
        assert_eq!(
            severities(Levels::default()),
            [(Code::ObsoleteVersion, Warning), (Code::UnknownKey, Warning), (Code::UnknownProtocol, Error)]
        );
        assert_eq!(
            severities(Levels { deny_warnings: true, ..Levels::default() }),
            [(Code::ObsoleteVersion, Error), (Code::UnknownKey, Error), (Code::UnknownProtocol, Error)]
        );
        let allow = vec![Code::ObsoleteVersion, Code::UnknownProtocol];
        assert_eq!(
            severities(Levels { deny: vec![Code::UnknownKey], allow, ..Levels::default() }),
            [(Code::UnknownKey, Error), (Code::UnknownProtocol, Error)]
        );
    }
}
