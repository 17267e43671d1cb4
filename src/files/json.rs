//! Reading one JSON file given on the command line (`compile --adopt`, `--adopt-parameters`,
//! `diff --old-parameters`): capped like every other read, and every failure says which file
//! and, for a syntax error, where in it — each command renders the error its own way.

use super::{ReadError, read_file_capped};
use std::path::Path;

/// A JSON file read whole: its text (for pointing into it later) and its value.
#[derive(Debug)]
pub struct JsonFile {
    /// The text, as read.
    pub text: String,
    /// The parsed value.
    pub value: serde_json::Value,
}

/// Where a syntax error is, in the terms a diagnostic needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct At {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters (serde_json counts bytes).
    pub column: usize,
    /// The byte offset in the text, on a character boundary.
    pub offset: usize,
}

/// Why a JSON file was not read; `file` is the path as given.
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    /// The file system refused, or the file is over the cap ([`ReadError::TooLarge`]).
    #[error("cannot read `{file}`: {source}")]
    Read {
        /// The path as given.
        file: String,
        /// What refused.
        source: ReadError,
    },
    /// A directory was named: reading it fails with an OS message that does not say so.
    #[error("cannot read `{file}`: it is a directory; give the JSON file in it")]
    Directory {
        /// The path as given.
        file: String,
    },
    /// The bytes are not UTF-8 (JSON files are). The bytes come along so that the caller can
    /// place the first bad one by line and column with a caret (`load::utf8_text`), masked if
    /// the file holds values.
    #[error("`{file}` is not UTF-8 text")]
    NotUtf8 {
        /// The path as given.
        file: String,
        /// The bytes as read.
        bytes: Vec<u8>,
    },
    /// The text is not JSON.
    #[error("{file}:{}:{}: not JSON: {message}", at.line, at.column)]
    Syntax {
        /// The path as given.
        file: String,
        /// The whole text, so that a caller can show the line.
        text: String,
        /// Where.
        at: At,
        /// serde_json's message, without its own (byte-counted) position.
        message: String,
    },
}

/// Reads the JSON file at `path`, refusing a directory, a file (or stream) over `cap` bytes,
/// text that is not UTF-8 and text that is not JSON. A FIFO or a device (`<(aws …)` in a
/// shell) is read like a compose file is: up to the cap.
pub fn read(path: &Path, cap: u64) -> Result<JsonFile, JsonError> {
    let file = path.display().to_string();
    if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(JsonError::Directory { file });
    }
    let bytes = read_file_capped(path, cap).map_err(|source| JsonError::Read { file: file.clone(), source })?;
    let text =
        String::from_utf8(bytes).map_err(|e| JsonError::NotUtf8 { file: file.clone(), bytes: e.into_bytes() })?;
    match serde_json::from_str(&text) {
        Ok(value) => Ok(JsonFile { text, value }),
        Err(e) => {
            let at = locate(&text, e.line(), e.column());
            let message = e.to_string();
            let message = match message.rsplit_once(" at line ") {
                Some((head, _)) => head.to_string(),
                None => message,
            };
            Err(JsonError::Syntax { file, text, at, message })
        }
    }
}

/// serde_json's position (1-based line; column counted in bytes, 0 at a line's start) as a
/// character column and a byte offset.
fn locate(text: &str, line: usize, byte_column: usize) -> At {
    let start = if line <= 1 { 0 } else { text.match_indices('\n').nth(line - 2).map_or(text.len(), |(i, _)| i + 1) };
    let rest = &text[start..];
    let line_len = rest.find('\n').unwrap_or(rest.len());
    // The column points just past the byte read last; the error is at that byte.
    let mut offset = start + byte_column.saturating_sub(1).min(line_len);
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let column = text[start..offset].chars().count() + 1;
    At { line: line.max(1), column, offset }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syntax(text: &str) -> (At, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        std::fs::write(&path, text).unwrap();
        match read(&path, 1 << 20) {
            Err(JsonError::Syntax { at, message, .. }) => (at, message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_syntax_error_is_placed_in_characters_not_bytes() {
        // `é` is two bytes: serde_json's column 13 is the 12th character.
        let (at, message) = syntax("{\"a\": \"é\", ]");
        assert_eq!(at, At { line: 1, column: 12, offset: 12 });
        assert!(!message.contains("at line"), "{message}");
        let (at, _) = syntax("{\n  \"a\": 1,\n  x\n}");
        assert_eq!((at.line, at.column), (3, 3));
        // At the end of the text after a newline serde_json says column 0.
        let (at, _) = syntax("[\n  1,\n");
        assert_eq!((at.line, at.column), (3, 1));
    }

    #[test]
    fn directories_caps_and_non_utf8_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(read(dir.path(), 10), Err(JsonError::Directory { .. })));
        let big = dir.path().join("big.json");
        std::fs::write(&big, "[1, 2, 3]").unwrap();
        let e = read(&big, 4).unwrap_err();
        assert!(e.to_string().ends_with("big.json`: it is larger than the 4 bytes allowed"), "{e}");
        std::fs::write(&big, b"[\"\xff\"]").unwrap();
        assert!(matches!(read(&big, 10), Err(JsonError::NotUtf8 { bytes, .. }) if bytes == b"[\"\xff\"]"));
        let missing = read(&dir.path().join("none.json"), 10);
        assert!(
            matches!(&missing, Err(JsonError::Read { source: ReadError::Io(e), .. }) if e.kind() == std::io::ErrorKind::NotFound),
            "{missing:?}"
        );
    }
}
