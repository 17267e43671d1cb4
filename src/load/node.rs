//! A YAML document as a tree of spanned nodes, read with serde-saphyr (YAML 1.2).
//!
//! One file past 400 lines: the node type, its conversion from the parser's tree (spans,
//! merge tags, duplicate keys) and the parser's error messages are one piece of code, and a
//! third of it is the serde visitor that cannot live elsewhere.
//!
//! Compose files are read into this generic tree rather than straight into typed structs so
//! that interpolation and multi-file merging can run first, and so that every problem in a
//! file is reported in one run instead of stopping at serde's first error.

use super::interpolate::{self, Segment};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{Source, SourceId, Span};
use foldhash::{HashMap, HashMapExt};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::options::DuplicateKeyPolicy;
use std::borrow::Cow;
use std::fmt;

/// One YAML value and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where the value was written (for aliases and merge keys: where it was defined).
    pub span: Span,
    /// Compose's merge tag on the value, if any.
    pub tag: Option<MergeTag>,
}

/// The YAML tags Compose defines for merging several files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MergeTag {
    /// `!reset`: the key is removed, here and from the files before.
    Reset,
    /// `!override`: the value replaces the earlier one instead of merging with it.
    Override,
}

/// A YAML value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false` (YAML 1.2 spellings only).
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string; when it holds `$`, its parsed form too.
    Str(Text),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in file order.
    Map(Vec<(Key, Node)>),
    /// A value whose problem was already reported (e.g. failed interpolation): readers skip
    /// it without a second diagnostic, so one mistake is reported once.
    Invalid,
}

/// A string value. A string with `$` keeps the text *as written* (never a substituted value,
/// so messages that quote it cannot leak one) and its parsed form: readers ask for a
/// structural value ([`Node::structural`]) or for the segments ([`Node::segments`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    /// The string as written in the file.
    pub text: String,
    /// Its parsed form, when it holds `$`.
    pub segments: Option<Vec<Segment>>,
}

/// A mapping key.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    /// The key as text (numbers and booleans are written out).
    pub name: String,
    /// Where the key was written.
    pub span: Span,
}

impl Node {
    /// An untagged node.
    pub fn new(value: Value, span: Span) -> Self {
        Node { value, span, tag: None }
    }

    /// True when the value is tagged `!reset`: readers treat it as absent.
    pub fn is_reset(&self) -> bool {
        self.tag == Some(MergeTag::Reset)
    }

    /// The first tagged node strictly inside this one, if any.
    pub fn nested_tag(&self) -> Option<&Node> {
        let children: Box<dyn Iterator<Item = &Node>> = match &self.value {
            Value::Seq(items) => Box::new(items.iter()),
            Value::Map(entries) => Box::new(entries.iter().map(|(_, v)| v)),
            _ => return None,
        };
        for child in children {
            if child.tag.is_some() {
                return Some(child);
            }
            if let Some(found) = child.nested_tag() {
                return Some(found);
            }
        }
        None
    }

    /// Removes every `!reset` value (map entries and list items), once merging is done.
    pub fn strip_resets(&mut self) {
        match &mut self.value {
            Value::Seq(items) => {
                items.retain(|i| !i.is_reset());
                items.iter_mut().for_each(Node::strip_resets);
            }
            Value::Map(entries) => {
                entries.retain(|(_, v)| !v.is_reset());
                entries.iter_mut().for_each(|(_, v)| v.strip_resets());
            }
            _ => {}
        }
    }

    /// The YAML type name, for "expected a mapping, found a list" messages.
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
            Value::Invalid => "an invalid value",
        }
    }

    /// The entries when this is a mapping.
    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// Looks a key up in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?.iter().find(|(k, _)| k.name == key).map(|(_, v)| v)
    }

    /// The key entry itself, with its span, when this is a mapping.
    pub fn get_entry(&self, key: &str) -> Option<(&Key, &Node)> {
        self.as_map()?.iter().find(|(k, _)| k.name == key).map(|(k, v)| (k, v))
    }

    /// A scalar written out as Compose reads it in string context (`80` → "80", null → "");
    /// a string with `$` as written, variables unsubstituted.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Null => Some(String::new()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Str(t) => Some(t.text.clone()),
            Value::Seq(_) | Value::Map(_) | Value::Invalid => None,
        }
    }

    /// True when this is a string that refers to a variable.
    pub fn is_interpolated(&self) -> bool {
        matches!(&self.value, Value::Str(Text { segments: Some(s), .. }) if interpolate::has_variables(s))
    }

    /// A scalar as text and variable references, for values that reach the template only as
    /// deploy-time parameters; `None` for collections and invalid values.
    pub fn segments(&self) -> Option<Cow<'_, [Segment]>> {
        if let Value::Str(Text { segments: Some(s), .. }) = &self.value {
            return Some(Cow::Borrowed(s));
        }
        let text = self.scalar_text()?;
        Some(Cow::Owned(if text.is_empty() { Vec::new() } else { vec![Segment::Literal(text)] }))
    }

    /// The value at compile time, for *structural* values only (ports, numbers, keywords),
    /// which the caller must validate by their grammar and never print: messages quote
    /// [`Node::scalar_text`], the text as written. Unset variables are warned about and a
    /// failed `${V:?msg}` is an error; `None` then, and for collections.
    pub fn structural(&self, diags: &mut impl Extend<Diagnostic>) -> Option<String> {
        let Value::Str(Text { segments: Some(segments), .. }) = &self.value else {
            return self.scalar_text();
        };
        match interpolate::resolve(segments) {
            Ok(result) => {
                diags.extend(result.unset.iter().map(|name| {
                    Diagnostic::warning(
                        Code::UnsetVariable,
                        self.span,
                        format!("variable `{name}` is not set; it becomes an empty string"),
                    )
                    .with_help(format!(
                        "set `{name}` in the environment or in `.env`, or give a default: `${{{name}:-value}}`"
                    ))
                }));
                Some(result.text)
            }
            Err(e) => {
                diags.extend([interpolation_error(e, self.span)]);
                None
            }
        }
    }

    /// [`Node::structural`] without its diagnostics, for a first look at a value that is read
    /// (and reported on) again later.
    pub fn structural_quiet(&self) -> Option<String> {
        self.structural(&mut Vec::new())
    }

    /// A boolean as Compose reads one: `true`/`false`, or a string (often `${…}`) that
    /// compose-go casts (`true`, `false`, and the YAML 1.1 `y`/`yes`/`on`, `n`/`no`/`off`, in
    /// any case, which it warns about). `None` (with an error) for anything else.
    pub fn boolean(&self, what: &str, diags: &mut Vec<Diagnostic>) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => return Some(*b),
            Value::Str(_) => {}
            Value::Invalid => return None,
            _ => {
                diags.push(self.wrong_type(what, "true or false"));
                return None;
            }
        }
        let text = self.structural(diags)?;
        // Messages quote the file, never a substituted value (it could be a secret).
        let written = self.scalar_text().unwrap_or_default();
        let value = match text.to_ascii_lowercase().as_str() {
            "true" => return Some(true),
            "false" => return Some(false),
            "y" | "yes" | "on" => true,
            "n" | "no" | "off" => false,
            _ => {
                let (message, label) = match self.is_interpolated() {
                    true => (
                        format!("{what} (`{written}`) is not true or false once its variables are substituted"),
                        "the variables' values do not fit here".to_string(),
                    ),
                    false => {
                        (format!("{what} must be true or false, not `{written}`"), "expected true or false".to_string())
                    }
                };
                diags.push(Diagnostic::error(Code::WrongType, self.span, message).with_label(label));
                return None;
            }
        };
        let spelled = match self.is_interpolated() {
            true => format!("{what} (`{written}`) is a YAML 1.1 spelling of {value} once substituted"),
            false => format!("{what} is `{written}`, a YAML 1.1 spelling of {value}"),
        };
        diags.push(
            Diagnostic::warning(Code::WrongType, self.span, spelled)
                .with_label(format!("read as {value}"))
                .with_help(format!("write `{value}`: YAML 1.2 knows only true and false, and Compose warns too")),
        );
        Some(value)
    }

    /// An error saying this node should have been of another kind.
    pub fn wrong_type(&self, what: &str, expected: &str) -> Diagnostic {
        Diagnostic::error(Code::WrongType, self.span, format!("{what} must be {expected}, found {}", self.kind()))
            .with_label(format!("expected {expected}"))
    }
}

/// The diagnostic of a string whose `$` expression is malformed, or whose required variable
/// is unset. It quotes only what the file says, never a value.
pub fn interpolation_error(e: interpolate::InterpolationError, span: Span) -> Diagnostic {
    match e {
        interpolate::InterpolationError::Syntax { message, .. } => {
            Diagnostic::error(Code::Interpolation, span, format!("invalid interpolation: {message}"))
                .with_help("write `$$` for a literal `$`")
        }
        interpolate::InterpolationError::Required { name, message } => {
            let why = if message.is_empty() { String::new() } else { format!(": {message}") };
            Diagnostic::error(Code::RequiredVariable, span, format!("required variable `{name}` is not set{why}"))
                .with_help(format!("set `{name}` in the environment or in `.env` beside the compose file"))
        }
    }
}

/// Safety limits for parsing one file.
#[derive(Clone, Copy, Debug)]
pub struct ParseLimits {
    /// Events replayed from aliases across the whole file (stops "billion laughs").
    pub max_alias_events: usize,
    /// Nesting depth of collections.
    pub max_depth: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        // Real compose files replay a few thousand events at most; an alias bomb needs billions.
        ParseLimits { max_alias_events: 250_000, max_depth: 64 }
    }
}

/// Parses one YAML document into a node tree, or one diagnostic saying why it could not (a
/// file of several documents among them: an `extends:` file is read as one document).
pub fn parse(source: &Source, id: SourceId, limits: ParseLimits) -> Result<Node, Vec<Diagnostic>> {
    check_not_empty(source, id)?;
    let raw: Raw = serde_saphyr::from_str_with_options(&source.text, options(limits))
        .map_err(|e| vec![yaml_error(&e, source, id)])?;
    let mut problems = Vec::new();
    let node = convert(raw, source, id, &mut problems);
    if problems.is_empty() { Ok(node) } else { Err(problems) }
}

/// Parses every YAML document of a compose file, in order. Compose reads the documents of one
/// file (`---` between them) as successive files, each merged over the ones before; empty
/// documents are skipped, as Compose's decoder skips them.
pub fn parse_documents(source: &Source, id: SourceId, limits: ParseLimits) -> Result<Vec<Node>, Vec<Diagnostic>> {
    check_not_empty(source, id)?;
    let raws: Vec<Raw> = serde_saphyr::from_multiple_with_options(&source.text, options(limits))
        .map_err(|e| vec![yaml_error(&e, source, id)])?;
    if raws.is_empty() {
        return Err(vec![empty_file(id)]);
    }
    let mut problems = Vec::new();
    let nodes = raws.into_iter().map(|raw| convert(raw, source, id, &mut problems)).collect();
    if problems.is_empty() { Ok(nodes) } else { Err(problems) }
}

fn options(limits: ParseLimits) -> serde_saphyr::Options {
    let mut options = serde_saphyr::options! {
        strict_booleans: true,
        with_snippet: false,
        duplicate_keys: DuplicateKeyPolicy::PassThrough,
    };
    options.alias_limits.max_total_replayed_events = limits.max_alias_events;
    options.alias_limits.max_replay_stack_depth = limits.max_depth;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = limits.max_depth;
    options.budget = Some(budget);
    options
}

fn check_not_empty(source: &Source, id: SourceId) -> Result<(), Vec<Diagnostic>> {
    if source.text.trim().is_empty() { Err(vec![empty_file(id)]) } else { Ok(()) }
}

fn empty_file(id: SourceId) -> Diagnostic {
    Diagnostic::error(Code::WrongType, Span::new(id, 0, 0), "the file is empty")
        .with_help("a compose file is a mapping with a `services:` key")
}

fn yaml_error(e: &serde_saphyr::Error, source: &Source, id: SourceId) -> Diagnostic {
    // The parser's messages for users, not its developer messages ("use from_str_multiple…",
    // "weak recursion types"), which name its Rust API.
    let developer = e.to_string();
    let lower = developer.to_ascii_lowercase();
    let code = if ["budget", "limit", "depth", "exceeded"].iter().any(|w| lower.contains(w)) {
        Code::YamlLimit
    } else {
        Code::YamlSyntax
    };
    // A limit's own message says which limit; the user formatter only says "too complex".
    let message = match code {
        Code::YamlLimit => developer,
        _ => e.render_with_formatter(&serde_saphyr::UserMessageFormatter),
    };
    let message = message.lines().next().unwrap_or("invalid YAML").trim();
    // The report shows the location itself.
    let message = message.split(" at line ").next().unwrap_or(message).to_string();
    let (message, help) = match message.as_str() {
        m if m.contains("multiple") && m.contains("document") => (
            "the file holds more than one YAML document".to_string(),
            Some(
                "a compose file is one document: remove the `---` line, or put the second part in its own file and pass both with -f",
            ),
        ),
        m if m.to_ascii_lowercase().contains("recursive reference") => (
            "an alias refers to the collection it is inside, which would repeat forever".to_string(),
            Some("write the repeated part out instead of the alias"),
        ),
        // "invalid u64": Rust's type names mean nothing to the author of a compose file.
        m if ["u8", "u16", "u32", "u64", "u128", "i64", "i128", "f32", "f64", "usize"]
            .iter()
            .any(|t| m.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| w == *t)) =>
        {
            (
                "a value tagged as a number (`!!int`, `!!float`) is not one".to_string(),
                Some("remove the tag, or write a number"),
            )
        }
        _ => (message, None),
    };
    let span = e.location().map_or(Span::new(id, 0, 0), |loc| span_of(&loc, source, id));
    let d = Diagnostic::error(code, span, format!("invalid YAML: {message}"));
    let d = match help {
        Some(help) => d.with_help(help),
        None => d,
    };
    match code {
        Code::YamlLimit => d.with_help(
            "the document expands aliases or nests collections far beyond any real compose file; \
             write the repeated parts out or use fewer levels of anchors",
        ),
        _ => d,
    }
}

fn span_of(loc: &serde_saphyr::Location, source: &Source, id: SourceId) -> Span {
    let s = loc.span();
    match (s.byte_offset(), s.byte_len()) {
        (Some(off), Some(len)) if loc.line() > 0 => Span::new(id, off as usize, len as usize),
        _ => {
            let off = source.offset_of(loc.line() as usize, loc.column() as usize);
            Span::new(id, off, 0)
        }
    }
}

fn location_span(raw: &Raw, source: &Source, id: SourceId) -> Span {
    // `defined` is where the user wrote the value (inside the anchor for an alias);
    // fall back to `referenced` where the parser knows only that.
    let loc = if raw.defined.line() > 0 { &raw.defined } else { &raw.referenced };
    span_of(loc, source, id)
}

fn convert(raw: Raw, source: &Source, id: SourceId, problems: &mut Vec<Diagnostic>) -> Node {
    let span = location_span(&raw, source, id);
    let serde_saphyr::Tagged(raw_value, raw_tag) = raw.value;
    let tag = match raw_tag.as_deref() {
        None => None,
        // Core-schema tags (`!!str`, `!!int`…) were applied by the parser already.
        Some(t) if t.starts_with("tag:yaml.org,2002:") => None,
        Some("!reset") => Some(MergeTag::Reset),
        Some("!override") => Some(MergeTag::Override),
        Some(other) => {
            // The node's place is its value; the tag is written just before it.
            let text = source.text.as_str();
            let end = span.start.min(text.len());
            let mut from = end.saturating_sub(256);
            while !text.is_char_boundary(from) {
                from += 1;
            }
            let before = text.get(from..end).unwrap_or_default();
            let at = match before.rfind(other) {
                Some(i) => Span::new(id, span.start - before.len() + i, other.len()),
                None => span,
            };
            problems.push(
                Diagnostic::error(Code::Unsupported, at, format!("the YAML tag `{other}` is not supported"))
                    .with_label("unknown tag")
                    .with_help("Compose defines only `!reset` and `!override`; remove the tag"),
            );
            None
        }
    };
    let value = match raw_value {
        RawNode::Null => Value::Null,
        RawNode::Bool(b) => Value::Bool(b),
        RawNode::Int(i) => Value::Int(i),
        RawNode::Float(f) => Value::Float(f),
        RawNode::Str(s) => Value::Str(Text { text: s, segments: None }),
        RawNode::Seq(items) => Value::Seq(items.into_iter().map(|i| convert(i, source, id, problems)).collect()),
        RawNode::Map(entries) => {
            let mut out: Vec<(Key, Node)> = Vec::with_capacity(entries.len());
            // Big mappings (the services of a large app) find duplicates through an index: a
            // scan of `out` per key made 20,000 services cost 200 million string comparisons.
            let indexed = entries.len() > 16;
            let mut index: HashMap<String, usize> = HashMap::new();
            for (k, v) in entries {
                let key_span = span_of(&k.referenced, source, id);
                let key_node = convert(k, source, id, problems);
                if key_node.tag.is_some() {
                    problems.push(
                        Diagnostic::error(Code::Unsupported, key_span, "a tag on a mapping key is not supported")
                            .with_help("put `!reset` or `!override` on the value, after the colon"),
                    );
                }
                let Some(name) = key_node.scalar_text() else {
                    problems.push(
                        Diagnostic::error(Code::WrongType, key_span, "a mapping key must be a plain value")
                            .with_label("a collection used as a key"),
                    );
                    continue;
                };
                let value = convert(v, source, id, problems);
                let first = match indexed {
                    true => index.get(&name).map(|&i| &out[i]),
                    false => out.iter().find(|(k, _)| k.name == name),
                };
                if let Some((first, _)) = first {
                    problems.push(
                        Diagnostic::error(Code::DuplicateKey, key_span, format!("duplicate key `{name}`"))
                            .with_label("given again here")
                            .with_related(first.span, "first given here")
                            .with_help("YAML mappings need unique keys: remove one of the two, or merge them"),
                    );
                    continue;
                }
                if indexed {
                    index.insert(name.clone(), out.len());
                }
                out.push((Key { name, span: key_span }, value));
            }
            Value::Map(out)
        }
    };
    Node { value, span, tag }
}

/// A node as serde-saphyr hands it over: with its places and its tag.
type Raw = serde_saphyr::Spanned<serde_saphyr::Tagged<RawNode>>;

/// The tree as serde-saphyr hands it over, before spans are turned into [`Span`]s.
enum RawNode {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Raw>),
    Map(Vec<(Raw, Raw)>),
}

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawNode;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<RawNode, E> {
        Ok(RawNode::Null)
    }
    fn visit_none<E>(self) -> Result<RawNode, E> {
        Ok(RawNode::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawNode, D::Error> {
        RawNode::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<RawNode, E> {
        Ok(RawNode::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<RawNode, E> {
        Ok(RawNode::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawNode, E> {
        // Beyond i64 only as a number's text: port and label checks then reject it with context.
        Ok(i64::try_from(v).map_or_else(|_| RawNode::Str(v.to_string()), RawNode::Int))
    }
    fn visit_i128<E>(self, v: i128) -> Result<RawNode, E> {
        Ok(i64::try_from(v).map_or_else(|_| RawNode::Str(v.to_string()), RawNode::Int))
    }
    fn visit_u128<E>(self, v: u128) -> Result<RawNode, E> {
        Ok(i64::try_from(v).map_or_else(|_| RawNode::Str(v.to_string()), RawNode::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<RawNode, E> {
        Ok(RawNode::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<RawNode, E> {
        Ok(RawNode::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<RawNode, E> {
        Ok(RawNode::Str(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<RawNode, E> {
        Ok(RawNode::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawNode, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(RawNode::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawNode, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(RawNode::Map(entries))
    }
}
