//! Splitting a `command:` string into words as a POSIX shell does, with each `${…}` reference
//! kept whole inside its word.

use super::interpolate::Segment;

/// Stands for a variable reference while a command line is split: a reference is one opaque
/// piece of the word it is written in (its value is not known until deploy, so it cannot
/// split words as Compose's compile-time substitution would).
const REFERENCE: char = '\u{E000}';

/// [`shell_words`] over a string with references: each stays inside its word, in order.
pub(super) fn split_segments(segments: &[Segment]) -> Result<Vec<Vec<Segment>>, String> {
    let mut line = String::new();
    let mut references = Vec::new();
    for segment in segments {
        match segment {
            Segment::Literal(text) if text.contains(REFERENCE) => {
                return Err("the command holds the private-use character U+E000".into());
            }
            Segment::Literal(text) => line.push_str(text),
            Segment::Var(var) => {
                line.push(REFERENCE);
                references.push(var);
            }
        }
    }
    let mut references = references.into_iter();
    let words = shell_words(&line)?
        .into_iter()
        .map(|word| {
            let mut out = Vec::new();
            for (i, piece) in word.split(REFERENCE).enumerate() {
                if i > 0 {
                    out.push(Segment::Var(references.next().expect("one reference per marker").clone()));
                }
                if !piece.is_empty() {
                    out.push(Segment::Literal(piece.to_string()));
                }
            }
            out
        })
        .collect();
    Ok(words)
}

/// Splits a command line into words: white space separates, quotes group, `\` escapes.
pub fn shell_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err("unclosed single quote".into()),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => w.push(c),
                            Some(c) => {
                                w.push('\\');
                                w.push(c);
                            }
                            None => return Err("unclosed double quote".into()),
                        },
                        Some(c) => w.push(c),
                        None => return Err("unclosed double quote".into()),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_split_like_a_shell() {
        assert_eq!(shell_words("bin/web --port 3000").unwrap(), ["bin/web", "--port", "3000"]);
        assert_eq!(
            shell_words(r#"sh -c 'echo "hi there"' x\ y "a\"b""#).unwrap(),
            ["sh", "-c", "echo \"hi there\"", "x y", "a\"b"]
        );
        assert_eq!(shell_words("  ").unwrap(), Vec::<String>::new());
        assert_eq!(shell_words("''").unwrap(), [""]);
        assert!(shell_words("echo 'open").is_err());
        assert!(shell_words("echo \"open").is_err());
    }
}
