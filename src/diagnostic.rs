//! Diagnostics: what is wrong with an input, where, and how to fix it, rendered for people or as JSON.
//!
//! One file past 400 lines: the registry of codes and both renderers share the one
//! [`Diagnostic`] type; splitting them would only add imports.

use crate::escape;
use crate::source::{Sources, Span};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
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

macro_rules! codes {
    ($($variant:ident = $name:literal : $summary:literal,)*) => {
        /// A stable identifier for each kind of diagnostic (shown as `error[code]`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($variant,)* }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as written in reports, e.g. `unknown-protocol`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// One sentence on what the code means.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }
        }
    };
}

codes! {
    InvalidUtf8 = "invalid-utf8": "A file is not valid UTF-8 text.",
    YamlSyntax = "yaml-syntax": "The file is not valid YAML.",
    YamlLimit = "yaml-limit": "The YAML exceeds a safety limit (alias expansion, nesting or size).",
    DuplicateKey = "duplicate-key": "A mapping names the same key twice.",
    WrongType = "wrong-type": "A value has the wrong YAML type (e.g. a list where a mapping belongs).",
    MissingServices = "missing-services": "The file declares no services.",
    ObsoleteVersion = "obsolete-version": "The top-level `version:` key is obsolete and ignored.",
    UnknownKey = "unknown-key": "A key this tool does not know; it is ignored.",
    ServiceName = "service-name": "A service name Compose would reject, or one too long for CloudFormation's names.",
    AppName = "app-name": "An app name that is not lower-case letters, digits and `-`, or is too long.",
    Unsupported = "unsupported": "A Compose feature this tool does not implement (`include:`, custom YAML tags); refused rather than ignored.",
    ServiceNameCollision = "service-name-collision": "Two service names map to the same CloudFormation name.",
    Interpolation = "interpolation": "A `$` expression is malformed.",
    RequiredVariable = "required-variable": "A `${VAR:?message}` variable that a structural value (port, number, keyword) needs is not set.",
    UnsetVariable = "unset-variable": "A variable without a default that a structural value needs is not set; it becomes empty.",
    Dotenv = "dotenv": "The `.env` file is not read (a link out of the project, not a regular file, too large) or has a malformed line.",
    PortSyntax = "port-syntax": "A port mapping does not follow Compose's port grammar.",
    PortRange = "port-range": "A port number is 0 or above 65535, or a range runs backwards.",
    PortRangeMismatch = "port-range-mismatch": "Host and container port ranges have different lengths.",
    PortPool = "port-pool": "A host port range maps to one container port; a listener needs one port.",
    TooManyPorts = "too-many-ports": "Port ranges expand to more mappings, or the app to more listeners, than one template can hold.",
    MissingHostPort = "missing-host-port": "A public mapping has an empty host port.",
    PortProtocol = "port-protocol": "A transport protocol a load balancer cannot carry.",
    HostIp = "host-ip": "A host IP in a port mapping has no meaning on a load balancer.",
    DuplicatePort = "duplicate-port": "Two mappings use the same load balancer port.",
    InternalBalancer = "internal-balancer": "An internal port makes the whole Classic ELB internal.",
    UnknownProtocol = "unknown-protocol": "A `convox.port.N.protocol` value that is not http, https, tcp or tls.",
    UnmappedPort = "unmapped-port": "A `convox.port.N.*` label names a port the service does not map.",
    ContainerPortLabel = "container-port-label": "A `convox.port.N.*` label is keyed by the container port, not the balancer port.",
    UdpPortLabel = "udp-port-label": "A `convox.port.N.*` label names a UDP port, which gets no listener.",
    UnknownLabel = "unknown-label": "A `convox.*` label this tool does not know.",
    LabelValue = "label-value": "A label value is not of the expected kind or is out of range.",
    DuplicateLabel = "duplicate-label": "A label is given twice in list form; the last one wins.",
    ProxyOnHttp = "proxy-on-http": "Proxy protocol on an http/https listener, which already sends X-Forwarded-For.",
    Certificate = "certificate": "A `--certificate` option that does not fit the manifest.",
    NoServices = "no-services": "No service is enabled, so the template deploys nothing.",
    Environment = "environment": "An `environment:` entry that is not `KEY=VALUE` or `KEY` (or names its variable with `${…}`), or two variables that become one parameter name.",
    ContainerValue = "container-value": "A container setting (memory, CPU, health check, ulimit, host, command) that does not parse or is out of range.",
    UnknownLink = "unknown-link": "`links:` names a service that does not exist, or one without a balancer to point at.",
    UntranslatedKey = "untranslated-key": "A Compose key this tool does not translate to ECS; it is ignored.",
    HostPortConflict = "host-port-conflict": "Two services bind the same fixed host port, so ECS cannot place them on one container instance.",
    StackLimits = "stack-limits": "The template exceeds a CloudFormation quota (500 resources, 200 parameters, 200 outputs, 1 MB): it is valid but cannot be deployed as one stack.",
    InvalidTemplate = "invalid-template": "The generated template broke a load balancer rule (a bug in this tool).",
    AwsEndpoint = "aws-endpoint": "The AWS endpoint cannot be reached (network, region, or --endpoint-url).",
    AwsCredentials = "aws-credentials": "No AWS credentials were found, or AWS rejected them.",
    AwsAccessDenied = "aws-access-denied": "The AWS credentials are not allowed to make a call this command needs.",
    AwsThrottled = "aws-throttled": "AWS throttled the requests, even after retries.",
    AwsRequest = "aws-request": "AWS refused a request (its error code and message are shown).",
    AwsTimeout = "aws-timeout": "A stack change did not finish within --timeout.",
    StackState = "stack-state": "The stack is in a state that cannot be changed now (in progress, or failed).",
    StackFailed = "stack-failed": "A stack create or update failed; CloudFormation rolled it back.",
    DeployParameter = "deploy-parameter": "A deploy-time parameter has no value, or a --param/--image names nothing.",
    CertificateNotFound = "certificate-not-found": "No IAM or ACM certificate has that ID or ARN.",
    CertificateUnusable = "certificate-unusable": "The certificate cannot serve a listener: pending validation, failed or expired.",
    CertificateInUse = "certificate-in-use": "The certificate is applied to a listener of a stack, so it is not deleted.",
    SslTarget = "ssl-target": "The `SERVICE:PORT` is not an https/tls listener of the stack.",
}

/// A secondary location shown with a diagnostic, e.g. the first of two duplicate keys.
#[derive(Clone, Debug, PartialEq)]
pub struct Related {
    /// Where.
    pub span: Span,
    /// What is there.
    pub label: String,
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
    /// How to fix it, where known.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(code: Code, span: impl Into<Option<Span>>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, span.into(), message.into())
    }

    /// A warning at `span`.
    pub fn warning(code: Code, span: impl Into<Option<Span>>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, span.into(), message.into())
    }

    fn new(severity: Severity, code: Code, span: Option<Span>, message: String) -> Self {
        Diagnostic { severity, code, message, span, label: None, related: Vec::new(), help: None }
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

    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
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
            let mut clusters: Vec<Vec<Annotated>> = Vec::new();
            for r in ranges {
                match clusters.last_mut() {
                    Some(c)
                        if source.line_col(r.0.start).line
                            <= source.line_col(c[c.len() - 1].0.end).line + NEAR_LINES =>
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
                let first = source.text[..from].rfind('\n').map_or(0, |i| i + 1);
                let last = source.text[to..].find('\n').map_or(source.text.len(), |i| to + i);
                let mut snippet = Snippet::source(&source.text[first..last])
                    .line_start(source.line_col(first).line)
                    .path(source.path.as_str())
                    .fold(true);
                for (range, label, primary) in cluster {
                    let kind = if primary { AnnotationKind::Primary } else { AnnotationKind::Context };
                    snippet = snippet.annotation(kind.span(range.start - first..range.end - first).label(label));
                }
                group = group.element(snippet);
            }
        }
        let help = d.help.as_deref().map(|h| escape::terminal(h, true));
        if let Some(help) = &help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        // The renderer shows C0 controls and DEL in source lines as visible symbols, but passes
        // C1 controls (`\u{9b}` is a terminal's CSI) through: they become U+FFFD, one column
        // wide like the character they replace, so carets stay aligned.
        let rendered = renderer.render(&[group]);
        out.extend(rendered.chars().map(|c| if ('\u{80}'..='\u{9f}').contains(&c) { '\u{fffd}' } else { c }));
        out.push_str("\n\n");
    }
    out
}

/// A place to mark in a snippet: its byte range, its label, and whether it is the primary one.
type Annotated<'a> = (std::ops::Range<usize>, Option<&'a str>, bool);

/// Annotations within this many lines of each other share one snippet.
const NEAR_LINES: usize = 8;

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
    JsonDiagnostic {
        severity: d.severity,
        code: d.code.as_str(),
        message: &d.message,
        file: place.map(|p| p.0),
        line: place.map(|p| p.1.line),
        column: place.map(|p| p.1.column),
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
    }
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
}
