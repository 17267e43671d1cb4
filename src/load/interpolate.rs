//! Compose variable interpolation: `$V`, `${V}`, `${V:-d}`, `${V-d}`, `${V:?m}`, `${V?m}`,
//! `${V:+r}`, `${V+r}` and `$$`, with defaults that may themselves contain `${…}`.
//!
//! A string is first [`parse`]d into literal text and variable references (each holding the
//! value it had at compile time, hidden from `Debug`); [`resolve`] then computes the text as
//! Compose would. Structural values (ports, numbers, keywords) are resolved at compile time;
//! everything else keeps the references, which become deploy-time parameters. One file
//! (with its tests, past 400 lines): parsing and resolving are two readings of one grammar.

/// A value taken from the environment or `.env`. It is kept only to compute *structural*
/// values (port numbers, enumerated label values, sizes), and its `Debug` never shows it, so a
/// debug dump of a node tree cannot leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The value itself: callers validate what they take from it by its grammar.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(hidden)")
    }
}

/// What a `${…}` operator does when the variable is unset (or, for the `:` forms, empty).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Op {
    /// `$V` / `${V}`: the value, or nothing.
    Plain,
    /// `${V:-word}` / `${V-word}`: the word instead.
    Default,
    /// `${V:?message}` / `${V?message}`: an error with the message.
    Required,
    /// `${V:+word}` / `${V+word}`: the word when set, else nothing.
    Alternative,
}

/// One `${…}` reference, as written and with the value the environment gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarRef {
    /// The variable's name.
    pub name: String,
    /// The operator.
    pub op: Op,
    /// True for the `:` forms, where an empty value counts as unset.
    pub empty_is_unset: bool,
    /// The operator's word (default, message or alternative), parsed; it may hold references.
    pub word: Vec<Segment>,
    /// The word exactly as written in the file (for messages: it holds no value).
    pub word_written: String,
    /// The variable's value at compile time, if set.
    pub value: Option<Secret>,
}

impl VarRef {
    fn is_unset(&self) -> bool {
        match &self.value {
            None => true,
            Some(v) => self.empty_is_unset && v.expose().is_empty(),
        }
    }

    /// The reference written back as `${…}` (its word as written), for messages.
    pub fn written(&self) -> String {
        let op = match (self.op, self.empty_is_unset) {
            (Op::Plain, _) => "",
            (Op::Default, true) => ":-",
            (Op::Default, false) => "-",
            (Op::Required, true) => ":?",
            (Op::Required, false) => "?",
            (Op::Alternative, true) => ":+",
            (Op::Alternative, false) => "+",
        };
        format!("${{{}{op}{}}}", self.name, self.word_written)
    }
}

/// A string with `$` in it, parsed: literal text (with `$$` already turned into `$`) and
/// variable references.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Text as written.
    Literal(String),
    /// A variable reference.
    Var(Box<VarRef>),
}

/// What interpolating one string produced.
#[derive(Debug, PartialEq, Eq)]
pub struct Interpolated {
    /// The resulting text.
    pub text: String,
    /// True when at least one variable (or a default) was substituted.
    pub substituted: bool,
    /// Variables referenced without a default that were not set (each becomes empty).
    pub unset: Vec<String>,
}

/// Why a string could not be interpolated.
#[derive(Debug, PartialEq, Eq)]
pub enum InterpolationError {
    /// The `$` expression at this byte offset is malformed.
    Syntax {
        /// Byte offset of the `$` in the original string.
        offset: usize,
        /// What is wrong.
        message: String,
    },
    /// `${NAME:?message}` or `${NAME?message}` with NAME unset (or empty, for `:?`).
    Required {
        /// The variable.
        name: String,
        /// The author's message as written (never expanded: it could name a secret).
        message: String,
    },
}

/// Substitutes variables in `input` using `lookup`: [`parse`] then [`resolve`].
pub fn interpolate(input: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Interpolated, InterpolationError> {
    resolve(&parse(input, lookup)?)
}

/// Parses `input` into segments, looking each variable's value up once.
pub fn parse(input: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Segment>, InterpolationError> {
    let mut out = Vec::new();
    parse_into(input, 0, lookup, &mut out)?;
    Ok(out)
}

/// True when the segments hold at least one variable reference.
pub fn has_variables(segments: &[Segment]) -> bool {
    segments.iter().any(|s| matches!(s, Segment::Var(_)))
}

/// The segments written back as text (`$` as `$$`, references as `${…}` with their words as
/// written): what the file says, never a value.
pub fn written(segments: &[Segment]) -> String {
    segments
        .iter()
        .map(|s| match s {
            Segment::Literal(text) => text.replace('$', "$$"),
            Segment::Var(var) => var.written(),
        })
        .collect()
}

/// The text of segments that hold no variable.
pub fn literal(segments: &[Segment]) -> Option<String> {
    segments
        .iter()
        .map(|s| match s {
            Segment::Literal(text) => Some(text.as_str()),
            Segment::Var(_) => None,
        })
        .collect()
}

/// Splits segments at the first `separator` written outside a reference (`KEY=${VALUE}`).
pub fn split_once(segments: &[Segment], separator: char) -> Option<(Vec<Segment>, Vec<Segment>)> {
    segments.iter().enumerate().find_map(|(i, s)| {
        let Segment::Literal(text) = s else { return None };
        let (before, after) = text.split_once(separator)?;
        let mut head = segments[..i].to_vec();
        push_literal(&mut head, before);
        let mut tail = Vec::new();
        push_literal(&mut tail, after);
        tail.extend(segments[i + 1..].iter().cloned());
        Some((head, tail))
    })
}

/// Computes the compile-time text of parsed segments, as Compose does.
pub fn resolve(segments: &[Segment]) -> Result<Interpolated, InterpolationError> {
    let mut out = Interpolated { text: String::new(), substituted: false, unset: Vec::new() };
    resolve_into(segments, &mut out)?;
    Ok(out)
}

fn resolve_into(segments: &[Segment], out: &mut Interpolated) -> Result<(), InterpolationError> {
    for segment in segments {
        let var = match segment {
            Segment::Literal(text) => {
                out.text.push_str(text);
                continue;
            }
            Segment::Var(var) => var,
        };
        out.substituted = true;
        match var.op {
            Op::Plain => match &var.value {
                Some(v) => out.text.push_str(v.expose()),
                None => {
                    if !out.unset.contains(&var.name) {
                        out.unset.push(var.name.clone());
                    }
                }
            },
            Op::Default if var.is_unset() => resolve_into(&var.word, out)?,
            Op::Required if var.is_unset() => {
                return Err(InterpolationError::Required { name: var.name.clone(), message: var.word_written.clone() });
            }
            Op::Default | Op::Required => out.text.push_str(var.value.as_ref().map_or("", Secret::expose)),
            Op::Alternative if !var.is_unset() => resolve_into(&var.word, out)?,
            Op::Alternative => {}
        }
    }
    Ok(())
}

fn push_literal(out: &mut Vec<Segment>, text: &str) {
    if text.is_empty() {
        return;
    }
    match out.last_mut() {
        Some(Segment::Literal(last)) => last.push_str(text),
        _ => out.push(Segment::Literal(text.to_string())),
    }
}

fn parse_into(
    input: &str,
    base: usize,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut Vec<Segment>,
) -> Result<(), InterpolationError> {
    let bytes = input.as_bytes();
    let mut i = 0;
    let mut literal_start = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        push_literal(out, &input[literal_start..i]);
        let dollar = i;
        match bytes.get(i + 1) {
            Some(b'$') => {
                push_literal(out, "$");
                i += 2;
            }
            Some(b'{') => {
                let close = matching_brace(bytes, i + 1)
                    .map_err(|message| InterpolationError::Syntax { offset: base + dollar, message: message.into() })?;
                let var = braced(&input[i + 2..close], base + i + 2, base + dollar, lookup)?;
                out.push(Segment::Var(Box::new(var)));
                i = close + 1;
            }
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                let end = name_end(bytes, i + 1);
                out.push(Segment::Var(Box::new(plain(&input[i + 1..end], lookup))));
                i = end;
            }
            _ => {
                return Err(InterpolationError::Syntax {
                    offset: base + dollar,
                    message: "`$` must be followed by a variable name, `{`, or another `$`".into(),
                });
            }
        }
        literal_start = i;
    }
    push_literal(out, &input[literal_start..]);
    Ok(())
}

fn plain(name: &str, lookup: &dyn Fn(&str) -> Option<String>) -> VarRef {
    VarRef {
        name: name.to_string(),
        op: Op::Plain,
        empty_is_unset: false,
        word: Vec::new(),
        word_written: String::new(),
        value: lookup(name).map(Secret),
    }
}

/// The body of `${…}`: a name, optionally followed by an operator and a word.
fn braced(
    body: &str,
    body_offset: usize,
    dollar: usize,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<VarRef, InterpolationError> {
    let bytes = body.as_bytes();
    let end = if bytes.first().is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_') { name_end(bytes, 0) } else { 0 };
    let name = &body[..end];
    if name.is_empty() {
        return Err(InterpolationError::Syntax {
            offset: dollar,
            message: "`${…}` does not start with a variable name".to_string(),
        });
    }
    let rest = &body[end..];
    let (op, word) = [":-", ":?", ":+", "-", "?", "+"]
        .into_iter()
        .find_map(|o| rest.strip_prefix(o).map(|w| (o, w)))
        .unwrap_or(("", rest));
    if op.is_empty() && !rest.is_empty() {
        return Err(InterpolationError::Syntax {
            offset: dollar,
            message: format!("unexpected text after `${{{name}`; use `:-`, `-`, `:?`, `?`, `:+` or `+`"),
        });
    }
    let mut var = plain(name, lookup);
    var.empty_is_unset = op.starts_with(':');
    var.op = match op.trim_start_matches(':') {
        "" => Op::Plain,
        "-" => Op::Default,
        "?" => Op::Required,
        _ => Op::Alternative,
    };
    if var.op != Op::Plain {
        parse_into(word, body_offset + end + op.len(), lookup, &mut var.word)?;
        var.word_written = word.to_string();
    }
    Ok(var)
}

fn name_end(bytes: &[u8], start: usize) -> usize {
    let mut end = start;
    while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
        end += 1;
    }
    end
}

/// How deeply `${…}` may nest inside defaults. Each level is one recursion of [`expand`], so
/// without a bound a hostile value (`${A:-${A:-…}}` a million deep) overflows the stack, and
/// the rescan of every level makes it quadratic first. Real files nest one or two levels.
pub const MAX_NESTING: usize = 32;

/// Index of the `}` closing the `${` whose `{` is at `open`, allowing nested `${…}` in
/// defaults. Only `${` opens a level, as in compose-go: a plain `{` in a default
/// (`${JSON:-{}`) is text, and the first `}` after it closes the reference.
fn matching_brace(bytes: &[u8], open: usize) -> Result<usize, &'static str> {
    let mut depth = 0usize;
    for (i, &b) in bytes.iter().enumerate().skip(open) {
        let opens = b == b'{' && i > 0 && bytes[i - 1] == b'$';
        match b {
            b'{' if opens && depth == MAX_NESTING => return Err("`${` is nested more than 32 levels deep"),
            b'{' if opens => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Ok(i);
                }
            }
            _ => {}
        }
    }
    Err("`${` is never closed with `}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "PORT" => Some("8080".into()),
            "EMPTY" => Some(String::new()),
            "HOST" => Some("web".into()),
            _ => None,
        }
    }

    fn run(s: &str) -> Result<Interpolated, InterpolationError> {
        interpolate(s, &env)
    }

    fn text(s: &str) -> String {
        run(s).unwrap().text
    }

    #[test]
    fn every_form_substitutes_as_compose_does() {
        assert_eq!(text("$PORT:80"), "8080:80");
        assert_eq!(text("${PORT}:80"), "8080:80");
        assert_eq!(text("${MISSING:-443}:80"), "443:80");
        assert_eq!(text("${EMPTY:-443}"), "443");
        assert_eq!(text("${EMPTY-443}"), "");
        assert_eq!(text("${MISSING-443}"), "443");
        assert_eq!(text("${PORT:+on}"), "on");
        assert_eq!(text("${EMPTY:+on}"), "");
        assert_eq!(text("${EMPTY+on}"), "on");
        assert_eq!(text("${MISSING+on}"), "");
        assert_eq!(text("${MISSING:-${HOST}-x}"), "web-x");
        assert_eq!(text("cost: $$5 ${HOST}"), "cost: $5 web");
        // Only `${` opens a level: a `{` in a default is text, as compose-go reads it.
        assert_eq!(text("${MISSING:-{}"), "{");
        assert_eq!(text("${MISSING:-{\"a\":1}}"), "{\"a\":1}");
        assert_eq!(text("${MISSING:-{x}}y"), "{x}y");
        assert_eq!(text("no variables"), "no variables");
    }

    #[test]
    fn literal_text_is_not_marked_substituted() {
        assert!(!run("80:3000").unwrap().substituted);
        assert!(!run("$$HOME").unwrap().substituted);
        assert!(run("${PORT}").unwrap().substituted);
    }

    #[test]
    fn unset_variables_become_empty_and_are_reported_once() {
        let r = run("${A}:${A}:$B").unwrap();
        assert_eq!(r.text, "::");
        assert_eq!(r.unset, vec!["A".to_string(), "B".to_string()]);
    }

    #[test]
    fn required_variables_fail_with_the_authors_message() {
        assert_eq!(
            run("${MISSING:?set MISSING to the port}"),
            Err(InterpolationError::Required { name: "MISSING".into(), message: "set MISSING to the port".into() })
        );
        assert!(matches!(run("${EMPTY:?x}"), Err(InterpolationError::Required { .. })));
        assert_eq!(run("${EMPTY?x}").unwrap().text, "");
        assert_eq!(run("${PORT:?x}").unwrap().text, "8080");
    }

    #[test]
    fn malformed_expressions_point_at_their_dollar() {
        for (input, offset) in [("a ${PORT", 2), ("x$", 1), ("$1", 0), ("${}", 0), ("${9A}", 0), ("ab${PORT!}", 2)] {
            match run(input) {
                Err(InterpolationError::Syntax { offset: o, .. }) => {
                    assert_eq!(o, offset, "{input}")
                }
                other => panic!("{input}: {other:?}"),
            }
        }
    }
}
