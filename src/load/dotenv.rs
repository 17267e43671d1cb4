//! The `.env` file Compose reads beside the first compose file, read as Compose reads it
//! (compose-go's dotenv syntax): `KEY=value` or `KEY: value`, optional `export `, `#` comment
//! lines, unquoted values with ` #` inline comments, single quotes (literal, multi-line),
//! double quotes (escapes, multi-line, `${VAR}` expansion), expansion in unquoted values, and
//! a leading byte-order mark. It holds secrets: the file is read only when it is a regular file
//! inside the project directory, within a size cap, and a diagnostic about it shows where, never
//! what (its text is masked in [`Sources`](crate::source::Sources)).
//!
//! A little past 400 lines because of its tests: one per rule of the syntax.

use super::interpolate::{self, InterpolationError};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{SourceId, Span};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `.env` files larger than this are refused before being read to the end: real ones are a few
/// hundred bytes, and a link to `/dev/zero` never ends.
pub const MAX_DOTENV_BYTES: u64 = 1024 * 1024;

/// What was found at `<project dir>/.env`.
#[derive(Clone, Debug, Default)]
pub enum DotenvFile {
    /// No `.env` (or none looked for): the process environment alone.
    #[default]
    Absent,
    /// A regular file inside the project directory, read whole.
    Read {
        /// The path shown in diagnostics.
        path: String,
        /// Its bytes.
        bytes: Vec<u8>,
    },
    /// Something is there but is not read; the reason says why, and compiling reports it.
    Refused {
        /// The path shown in diagnostics.
        path: String,
        /// Why it is not read.
        reason: String,
    },
}

/// Looks for `.env` in `dir` and reads it if it is a regular file inside `dir` (a symbolic
/// link is followed only when it stays inside) of at most [`MAX_DOTENV_BYTES`].
pub fn read_file(dir: &Path) -> DotenvFile {
    read_in(dir, ".env")
}

/// Reads `name` (relative to `dir`) as [`read_file`] reads `.env`: only a regular file inside
/// `dir`, of at most [`MAX_DOTENV_BYTES`]. A service's `env_file:` is read so.
pub fn read_in(dir: &Path, name: &str) -> DotenvFile {
    // Refusals name the kind of file: an `env_file:` entry is not the project's `.env`.
    let kind = if Path::new(name).file_name().is_some_and(|n| n == ".env") { "`.env`" } else { "`env_file:`" };
    read_confined(dir, name, MAX_DOTENV_BYTES, kind)
}

/// Reads `name` (relative to `dir`) only if it is a regular file inside `dir` (a link is
/// followed only when it stays inside) of at most `cap` bytes; `kind` names such files in the
/// reason for a refusal. `extends: {file: …}` reads its compose files so.
pub fn read_confined(dir: &Path, name: &str, cap: u64, kind: &str) -> DotenvFile {
    let path = dir.join(name);
    let shown = path.strip_prefix(".").unwrap_or(&path).display().to_string();
    let refused = |reason: String| DotenvFile::Refused { path: shown.clone(), reason };
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return DotenvFile::Absent,
        Err(e) => return refused(format!("cannot be read: {e}")),
        Ok(_) => {}
    }
    let resolved: Result<(PathBuf, PathBuf), std::io::Error> =
        std::fs::canonicalize(dir).and_then(|d| Ok((d, std::fs::canonicalize(&path)?)));
    let (dir, target) = match resolved {
        Ok(pair) => pair,
        Err(e) => return refused(format!("cannot be resolved (a broken link?): {e}")),
    };
    if !target.starts_with(&dir) {
        return refused("is a link to a file outside the project directory, so it is not read".into());
    }
    match std::fs::metadata(&target) {
        Ok(m) if !m.is_file() => return refused("is not a regular file, so it is not read".into()),
        Ok(m) if m.len() > cap => {
            return refused(format!("is {} bytes; {kind} files over {cap} bytes are refused", m.len()));
        }
        Ok(_) => {}
        Err(e) => return refused(format!("cannot be read: {e}")),
    }
    // The one capped reader: it stops one byte past the cap, for a file that grew after the check.
    match crate::files::read_file_capped(&target, cap) {
        Ok(bytes) => DotenvFile::Read { path: shown, bytes },
        Err(crate::files::ReadError::Io(e)) => refused(format!("cannot be read: {e}")),
        Err(crate::files::ReadError::TooLarge { .. }) => {
            refused(format!("is over {cap} bytes; larger {kind} files are refused"))
        }
    }
}

/// The text to keep in [`Sources`](crate::source::Sources) for a `.env` file: every character
/// but line breaks replaced by one of the same UTF-8 length, so that diagnostics point at the
/// right line and column and their snippets show no value.
pub fn masked(text: &str) -> String {
    text.chars()
        .map(|c| match c.len_utf8() {
            _ if c == '\n' => '\n',
            1 => '*',
            2 => '·',
            3 => '•',
            _ => '𝍖',
        })
        .collect()
}

/// Parses `.env` text; `lookup` answers `${VAR}` for variables the file has not set (the
/// process environment, which also wins over the file's own values, as in Compose). `name` is
/// the file as its messages call it (`.env`, or an `env_file:` such as `config/app.env`).
pub fn parse(
    text: &str,
    name: &str,
    source: SourceId,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> (Vec<(String, String)>, Vec<Diagnostic>) {
    let file = format!("`{name}`");
    let mut parser = Parser { text, pos: 0, file, source, vars: BTreeMap::new(), order: Vec::new(), diags: Vec::new() };
    if text.starts_with('\u{feff}') {
        parser.pos = '\u{feff}'.len_utf8();
    }
    while parser.statement(lookup) {}
    let vars = parser.order.iter().map(|k| (k.clone(), parser.vars[k].clone())).collect();
    (vars, parser.diags)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    /// The file's name, quoted, as messages begin.
    file: String,
    source: SourceId,
    vars: BTreeMap<String, String>,
    order: Vec<String>,
    diags: Vec<Diagnostic>,
}

/// White space within a line.
fn is_blank(c: char) -> bool {
    c != '\n' && c.is_whitespace()
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn skip(&mut self, pred: impl Fn(char) -> bool) {
        let n = self.rest().find(|c| !pred(c)).unwrap_or(self.rest().len());
        self.pos += n;
    }

    fn skip_line(&mut self) {
        self.pos += self.rest().find('\n').map_or(self.rest().len(), |i| i + 1);
    }

    fn error(&mut self, at: usize, len: usize, message: String, help: &str) {
        self.diags.push(
            Diagnostic::error(Code::Dotenv, Span::new(self.source, at, len), message)
                .with_label("here")
                .with_help(help.to_string()),
        );
    }

    /// Reads one statement; false at the end of the text.
    fn statement(&mut self, lookup: &dyn Fn(&str) -> Option<String>) -> bool {
        self.skip(char::is_whitespace);
        if self.rest().is_empty() {
            return false;
        }
        if self.rest().starts_with('#') {
            self.skip_line();
            return true;
        }
        if let Some(after) = self.rest().strip_prefix("export").filter(|a| a.starts_with(is_blank)) {
            self.pos = self.text.len() - after.len();
            self.skip(is_blank);
        }
        let key_start = self.pos;
        self.skip(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        let key = self.text[key_start..self.pos].to_string();
        self.skip(is_blank);
        match self.rest().chars().next() {
            Some('=' | ':') if !key.is_empty() => self.pos += 1,
            // A bare `KEY` takes the variable from the process environment, which wins anyway.
            None | Some('\n' | '#') if !key.is_empty() => {
                self.skip_line();
                return true;
            }
            other => {
                // Never a character of the line, nor what was read as its name: a line of a
                // multi-line value left unquoted (a private key) reads as a name.
                let at = self.pos;
                let expected = match (key.is_empty(), other) {
                    (true, _) => "expected a variable name",
                    (false, None) => "expected `=` after the name, found the end of the file",
                    (false, Some(_)) => "expected `=` after the name",
                };
                let message = format!("{} line: {expected}", self.file);
                self.error(
                    at,
                    other.map_or(0, char::len_utf8),
                    message,
                    "names are letters, digits, `_` and `.`; write `NAME=value`, one per line, and \
                     quote a value that spans lines",
                );
                self.skip_line();
                return true;
            }
        }
        self.skip(is_blank);
        let value = match self.rest().chars().next() {
            Some(q @ ('\'' | '"')) => self.quoted(q, lookup),
            _ => self.unquoted(lookup),
        };
        if let Some(value) = value {
            if !self.vars.contains_key(&key) {
                self.order.push(key.clone());
            }
            self.vars.insert(key, value);
        }
        true
    }

    fn unquoted(&mut self, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
        let start = self.pos;
        let line = &self.rest()[..self.rest().find('\n').unwrap_or(self.rest().len())];
        // An inline comment starts at a `#` after white space.
        let end = line
            .char_indices()
            .find(|&(i, c)| c == '#' && line[..i].ends_with(is_blank))
            .map_or(line.len(), |(i, _)| i);
        let value = line[..end].trim_end().to_string();
        self.pos += line.len();
        self.expand(&value, start, true, lookup)
    }

    fn quoted(&mut self, quote: char, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
        let open = self.pos;
        let body = &self.rest()[1..];
        // The closing quote is the first one not escaped with `\`.
        let mut escaped = false;
        let close = body.char_indices().find(|&(_, c)| {
            let closes = c == quote && !escaped;
            escaped = c == '\\' && !escaped;
            closes
        });
        let Some((close, _)) = close else {
            self.error(
                open,
                1,
                format!("{}: this {} quote is never closed", self.file, if quote == '"' { "double" } else { "single" }),
                "close the quote; a quoted value may span lines",
            );
            self.pos = self.text.len();
            return None;
        };
        let raw = body[..close].to_string();
        self.pos = open + 1 + close + 1;
        // After the closing quote: only white space or a comment.
        self.skip(is_blank);
        if !(self.rest().is_empty() || self.rest().starts_with(['\n', '#'])) {
            let at = self.pos;
            self.error(
                at,
                1,
                format!("{}: text after a closing quote", self.file),
                "put a comment after ` #`, or quote the whole value",
            );
            self.skip_line();
            return None;
        }
        self.skip_line();
        if quote == '\'' {
            return Some(raw);
        }
        // Escapes first; `\$` stays a literal `$` through expansion.
        let mut unescaped = String::with_capacity(raw.len());
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            match (c, c == '\\') {
                (_, true) => match chars.next() {
                    Some('n') => unescaped.push('\n'),
                    Some('r') => unescaped.push('\r'),
                    Some('t') => unescaped.push('\t'),
                    Some('$') => unescaped.push_str("$$"),
                    Some(other) => unescaped.push(other),
                    None => unescaped.push('\\'),
                },
                ('$', false) => unescaped.push('$'),
                (c, false) => unescaped.push(c),
            }
        }
        self.expand(&unescaped, open, false, lookup)
    }

    /// `${VAR}` expansion of a value: the process environment, then the file's earlier values.
    /// `at`: where the value starts; `as_written`: the value is the file's text from there (not
    /// unescaped), so an offset in it is one in the file.
    ///
    /// Messages quote none of the value, not even a variable name or a `:?` message in it:
    /// a password with `${` in it reads as a broken reference, and its text would be shown.
    fn expand(
        &mut self,
        value: &str,
        at: usize,
        as_written: bool,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Option<String> {
        if !value.contains('$') {
            return Some(value.to_string());
        }
        let vars = &self.vars;
        let find = |name: &str| lookup(name).or_else(|| vars.get(name).cloned());
        match interpolate::interpolate(value, &find) {
            Ok(result) => Some(result.text),
            Err(InterpolationError::Syntax { offset, .. }) => {
                self.error(
                    if as_written { at + offset } else { at },
                    1,
                    format!("{}: a `$` in this value is not a valid variable reference", self.file),
                    "write `$$` for a literal `$`, or single-quote the value",
                );
                None
            }
            Err(InterpolationError::Required { .. }) => {
                self.error(
                    at,
                    1,
                    format!("{}: this value requires a variable (`${{NAME:?…}}`) that is not set", self.file),
                    "set it before this line, or in the environment",
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_env_file_is_not_called_a_dot_env_file() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["app.env", ".env"] {
            std::fs::File::create(dir.path().join(name)).unwrap().set_len(MAX_DOTENV_BYTES + 1).unwrap();
        }
        let reason = |name: &str| match read_in(dir.path(), name) {
            DotenvFile::Refused { reason, .. } => reason,
            _ => panic!("{name} over the cap was not refused"),
        };
        assert!(reason("app.env").contains("`env_file:` files over"), "{}", reason("app.env"));
        assert!(reason(".env").contains("`.env` files over"), "{}", reason(".env"));
    }

    fn vars(text: &str) -> Vec<(String, String)> {
        let (vars, diags) = parse(text, ".env", SourceId(0), &|_| None);
        assert!(diags.is_empty(), "{text:?}: {diags:?}");
        vars
    }

    fn get(text: &str, key: &str) -> String {
        vars(text).into_iter().find(|(k, _)| k == key).unwrap_or_else(|| panic!("{key} in {text:?}")).1
    }

    fn errors(text: &str) -> Vec<Diagnostic> {
        parse(text, ".env", SourceId(0), &|_| None).1
    }

    #[test]
    fn plain_values_comments_and_export() {
        let v = vars("# comment\nHOST_PORT=8080\nexport A=x y\n  B = v # note\nC=a#b\nD=\nE.F=1\n");
        let expected = [("HOST_PORT", "8080"), ("A", "x y"), ("B", "v"), ("C", "a#b"), ("D", ""), ("E.F", "1")];
        assert_eq!(v, expected.map(|(k, v)| (k.to_string(), v.to_string())));
        assert_eq!(get("KEY: yaml style\n", "KEY"), "yaml style");
    }

    #[test]
    fn quotes_as_compose_reads_them() {
        // The cases of compose-go's dotenv fixtures (quoted.env).
        let text = "OPTION_A='1'\nOPTION_C=''\nOPTION_D='\\n'\nOPTION_E=\"1\"\nOPTION_G=\"\"\nOPTION_H=\"\\n\"\n\
                    OPTION_I = \"echo 'asd'\"\nOPTION_J = 'first line\nsecond line\nthird line\nand so on'\nOPTION_Z = \"last value\"\n";
        assert_eq!(get(text, "OPTION_A"), "1");
        assert_eq!(get(text, "OPTION_C"), "");
        assert_eq!(get(text, "OPTION_D"), "\\n", "single quotes are literal");
        assert_eq!(get(text, "OPTION_E"), "1");
        assert_eq!(get(text, "OPTION_G"), "");
        assert_eq!(get(text, "OPTION_H"), "\n", "double quotes unescape");
        assert_eq!(get(text, "OPTION_I"), "echo 'asd'");
        assert_eq!(get(text, "OPTION_J"), "first line\nsecond line\nthird line\nand so on");
        assert_eq!(get(text, "OPTION_Z"), "last value");
        // The cases: quotes are not kept around a value with a comment after it.
        assert_eq!(get("KEY = \"v\" # c\n", "KEY"), "v");
        assert_eq!(get("Q=\"a \\\"b\\\" \\$HOME\"\n", "Q"), "a \"b\" $HOME");
        assert_eq!(get("M=\"one\ntwo\"\nN=3\n", "M"), "one\ntwo");
    }

    #[test]
    fn values_expand_earlier_variables_except_in_single_quotes() {
        let text = "A=x\nB=${A}-y\nC=\"$A/${A:-d}\"\nD='${A}'\nE=${UNSET:-dflt}\n";
        assert_eq!(get(text, "B"), "x-y");
        assert_eq!(get(text, "C"), "x/x");
        assert_eq!(get(text, "D"), "${A}");
        assert_eq!(get(text, "E"), "dflt");
        let (v, _) = parse("B=${P}\n", ".env", SourceId(0), &|n| (n == "P").then(|| "process".to_string()));
        assert_eq!(v, [("B".to_string(), "process".to_string())]);
    }

    #[test]
    fn a_byte_order_mark_does_not_hide_the_first_variable() {
        assert_eq!(get("\u{feff}FIRST=1\nSECOND=2\n", "FIRST"), "1");
    }

    #[test]
    fn bad_lines_are_located_errors() {
        let e = errors("GOOD=1\nnot a line\n");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].span.map(|s| s.start), Some(11), "at the `a` where `=` belongs");
        let e = errors("A=1\nB='open\nC=2\n");
        assert_eq!(e[0].span.map(|s| s.start), Some(6));
        assert!(e[0].message.contains("never closed"));
        assert_eq!(errors("A=\"v\" trailing\n").len(), 1);
        assert_eq!(errors("A=${B:?needed}\n").len(), 1);
        assert_eq!(errors("ü=1\n").len(), 1);
    }

    #[test]
    fn messages_quote_no_part_of_a_value() {
        // A private key left unquoted: its second line reads as a name without `=`.
        let pem = "TLS_KEY=-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANSECRETKEY+MATERIAL/x\n-----END PRIVATE KEY-----\n";
        // Passwords that read as broken or required references.
        let text = format!("{pem}DB_PASSWORD=Zq${{Secr3tPart!x}}\nTOKEN=\"p${{Hid:?den}}\"\n");
        let e = errors(&text);
        assert_eq!(e.len(), 4, "{e:#?}");
        for d in &e {
            for part in ["MIIE", "SECRET", "Secr3t", "Hid", "den", "END"] {
                assert!(!d.message.contains(part), "`{part}` in `{}`", d.message);
            }
        }
        let at = |needle: &str| text.find(needle).unwrap();
        let starts: Vec<usize> = e.iter().filter_map(|d| d.span.map(|s| s.start)).collect();
        // The unquoted password is placed at its `$`; the double-quoted one at its quote.
        assert_eq!(&starts[2..], [at("${Secr3t"), at("\"p$")]);
    }

    #[test]
    fn masking_keeps_offsets_and_columns() {
        let text = "A=sécret😀\nB=2";
        let m = masked(text);
        assert_eq!(m.len(), text.len());
        assert_eq!(m.chars().count(), text.chars().count());
        assert!(!m.contains("cret") && m.contains('\n'));
    }
}
