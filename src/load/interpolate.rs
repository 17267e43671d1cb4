//! Compose variable interpolation: `$V`, `${V}`, `${V:-d}`, `${V-d}`, `${V:?m}`, `${V?m}`,
//! `${V:+r}`, `${V+r}` and `$$`, with defaults that may themselves contain `${…}`.

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
        /// The author's message, possibly empty.
        message: String,
    },
}

/// Substitutes variables in `input` using `lookup`.
pub fn interpolate(input: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Interpolated, InterpolationError> {
    let mut out = Interpolated { text: String::with_capacity(input.len()), substituted: false, unset: Vec::new() };
    expand(input, 0, lookup, &mut out)?;
    Ok(out)
}

fn expand(
    input: &str,
    base: usize,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut Interpolated,
) -> Result<(), InterpolationError> {
    let bytes = input.as_bytes();
    let mut i = 0;
    let mut literal_start = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        out.text.push_str(&input[literal_start..i]);
        let dollar = i;
        match bytes.get(i + 1) {
            Some(b'$') => {
                out.text.push('$');
                i += 2;
            }
            Some(b'{') => {
                let close = matching_brace(bytes, i + 1)
                    .map_err(|message| InterpolationError::Syntax { offset: base + dollar, message: message.into() })?;
                braced(&input[i + 2..close], base + i + 2, base + dollar, lookup, out)?;
                i = close + 1;
            }
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                let end = name_end(bytes, i + 1);
                substitute(&input[i + 1..end], lookup, out);
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
    out.text.push_str(&input[literal_start..]);
    Ok(())
}

/// The body of `${…}`: a name, optionally followed by an operator and a word.
fn braced(
    body: &str,
    body_offset: usize,
    dollar: usize,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut Interpolated,
) -> Result<(), InterpolationError> {
    let bytes = body.as_bytes();
    let end = if bytes.first().is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_') { name_end(bytes, 0) } else { 0 };
    let name = &body[..end];
    if name.is_empty() {
        return Err(InterpolationError::Syntax {
            offset: dollar,
            message: format!("`${{{body}}}` does not start with a variable name"),
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
            message: format!("unexpected `{rest}` after `${{{name}`; use `:-`, `-`, `:?`, `?`, `:+` or `+`"),
        });
    }
    let value = lookup(name);
    let word_offset = body_offset + end + op.len();
    let set = value.is_some();
    let non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
    match op {
        "" => substitute(name, lookup, out),
        ":-" | "-" => {
            let use_default = if op == ":-" { !non_empty } else { !set };
            if use_default {
                out.substituted = true;
                expand(word, word_offset, lookup, out)?;
            } else {
                substitute(name, lookup, out);
            }
        }
        ":?" | "?" => {
            let missing = if op == ":?" { !non_empty } else { !set };
            if missing {
                let mut message = Interpolated { text: String::new(), substituted: false, unset: Vec::new() };
                expand(word, word_offset, lookup, &mut message)?;
                return Err(InterpolationError::Required { name: name.to_string(), message: message.text });
            }
            substitute(name, lookup, out);
        }
        _ => {
            // `:+` / `+`: the replacement when set, else nothing.
            let replace = if op == ":+" { non_empty } else { set };
            out.substituted = true;
            if replace {
                expand(word, word_offset, lookup, out)?;
            }
        }
    }
    Ok(())
}

fn substitute(name: &str, lookup: &dyn Fn(&str) -> Option<String>, out: &mut Interpolated) {
    out.substituted = true;
    match lookup(name) {
        Some(v) => out.text.push_str(&v),
        None => {
            if !out.unset.iter().any(|u| u == name) {
                out.unset.push(name.to_string());
            }
        }
    }
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

/// Index of the `}` closing the `{` at `open`, allowing nested `${…}` in defaults.
fn matching_brace(bytes: &[u8], open: usize) -> Result<usize, &'static str> {
    let mut depth = 0usize;
    for (i, &b) in bytes.iter().enumerate().skip(open) {
        match b {
            b'{' if depth == MAX_NESTING => return Err("`${` is nested more than 32 levels deep"),
            b'{' => depth += 1,
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
