//! What `convox env` prints, turned into an env file that Compose reads back value for value.
//!
//! A Convox gen1 rack kept an app's environment as `KEY=VALUE` lines (its `LoadEnvironment`
//! split each line at the first `=`, trimmed the key and kept the value as it was), and
//! `convox env` printed them so: raw. Compose reads an env file with its dotenv syntax, in
//! which an unquoted value loses a ` #…` comment and its trailing blanks, has `$VAR` and
//! `${VAR}` expanded, and loses the quotes it opens with. Used as an env file as it is, the
//! output of `convox env` would change such values on the takeover deploy, and nothing would
//! say so: a database password with a `$` in it would just stop working. [`convert`] quotes
//! every value so that it reads back unchanged, and proves it by reading the result back with
//! the reader `compile` and `deploy` use.
//!
//! Pure: no I/O. The values are secrets: diagnostics point at a line and column, and name a
//! variable at most, never a value.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::load::dotenv;
use crate::source::{SourceId, Span};
use std::collections::HashMap;

/// An env file made from `convox env` output.
#[derive(Debug)]
pub struct Converted {
    /// The env file's text.
    pub text: String,
    /// The variables it sets, in the order `convox env` printed them.
    pub names: Vec<String>,
    /// The variables that `convox env` output used as an env file unquoted would have changed
    /// (or dropped), in the same order: names only.
    pub would_change: Vec<String>,
}

/// The first lines of every converted file.
const HEADER: &str = "# Written by `compose-cfn convox-env` from `convox env` output. Each value is quoted so that\n\
# Compose reads it exactly as Convox stored it. It holds the app's secrets: keep it out of git.\n";

/// Reads `text` (what `convox env` printed; `source` is where diagnostics point) as Convox read
/// its environment, and writes each variable back quoted. Every malformed line is reported at
/// once; so is a converted value that would not read back, which would be a bug here.
pub fn convert(text: &str, source: SourceId) -> Result<Converted, Diagnostics> {
    let (vars, mut diags) = read(text, source);
    if diags.has_errors() {
        return Err(diags);
    }
    let mut out = String::from(HEADER);
    for (name, value) in &vars {
        out.push_str(name);
        out.push('=');
        quote(value, &mut out);
        out.push('\n');
    }
    // The proof: the reader every command uses gives back each value, with no variable set.
    let (read_back, problems) = dotenv::parse(&out, "convox-env output", source, &|_| None);
    let same = problems.is_empty()
        && read_back.len() == vars.len()
        && read_back.iter().zip(&vars).all(|((n, v), (name, value))| n == name && v == value);
    if !same {
        diags.push(
            Diagnostic::error(Code::ConvoxEnv, None, "a converted value would not read back unchanged")
                .with_help("this is a bug in compose-cfn: please report it (without the values)"),
        );
        return Err(diags);
    }
    // What the raw output, used as an env file, would have made of each value.
    let (raw, _) = dotenv::parse(text, "convox env output", source, &|_| None);
    let raw: HashMap<&str, &str> = raw.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let would_change = vars
        .iter()
        .filter(|(name, value)| raw.get(name.as_str()) != Some(&value.as_str()))
        .map(|(n, _)| n.clone())
        .collect();
    Ok(Converted { text: out, names: vars.into_iter().map(|(n, _)| n).collect(), would_change })
}

/// The variables of `convox env` output, in order, and what is wrong with its lines.
///
/// A value that spans lines (`convox env set KEY="$(cat key.pem)"`) was printed raw, one line
/// after the other: the lines of a PEM block (a private key, a certificate) are joined back
/// into the value that opened it. Messages name no variable: what reads as a name may be a
/// line of such a value.
fn read(text: &str, source: SourceId) -> (Vec<(String, String)>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut vars: Vec<(String, String)> = Vec::new();
    let mut first: HashMap<String, Span> = HashMap::new();
    let mut start = 0;
    let bom = '\u{feff}'.len_utf8();
    if text.starts_with('\u{feff}') {
        start = bom;
    }
    // The variable whose value is an open PEM block, and where it started.
    let mut open: Option<(usize, Span)> = None;
    for raw_line in text[start..].split_inclusive('\n') {
        let at = start;
        start += raw_line.len();
        // As Go's line scanner, which Convox read with: one `\r` before the `\n` ends the line.
        let line = raw_line.strip_suffix('\n').unwrap_or(raw_line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some((index, _)) = open {
            let value = &mut vars[index].1;
            value.push('\n');
            value.push_str(line);
            if line.contains(PEM_END) {
                open = None;
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let Some((written, value)) = line.split_once('=') else {
            diags.push(
                Diagnostic::error(Code::ConvoxEnv, Span::new(source, at, line.len()), "not a `KEY=VALUE` line")
                    .with_label("no `=` on this line")
                    .with_help(
                        "give the output of `convox env -a APP` unchanged: one `KEY=VALUE` line per variable; \
                         a value that spanned lines reads back only when it is a PEM block",
                    ),
            );
            continue;
        };
        let name = written.trim();
        let name_at = at + (written.len() - written.trim_start().len());
        let span = Span::new(source, name_at, name.len().max(1));
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') || name.is_empty() {
            let message = match name {
                "" => "a line with no variable name",
                _ => "this is not a name an env file can set",
            };
            diags.push(
                Diagnostic::error(Code::ConvoxEnv, span, message)
                    .with_label("not letters, digits, `_` and `.`")
                    .with_help("rename the variable in Convox (`convox env set`, `convox env unset`) and save its output again"),
            );
            continue;
        }
        if let Some(&earlier) = first.get(name) {
            diags.push(
                Diagnostic::error(Code::ConvoxEnv, span, "a variable set twice")
                    .with_label("set again here")
                    .with_related(earlier, "first set here")
                    .with_help("`convox env` prints each variable once: keep the line whose value the app runs with"),
            );
            continue;
        }
        first.insert(name.to_string(), span);
        if value.find(PEM_BEGIN).is_some_and(|begin| !value[begin..].contains(PEM_END)) {
            open = Some((vars.len(), span));
        }
        vars.push((name.to_string(), value.to_string()));
    }
    if let Some((_, span)) = open {
        diags.push(
            Diagnostic::error(Code::ConvoxEnv, span, "a value that opens a PEM block (`-----BEGIN …`) never closes it")
                .with_label("its block starts here")
                .with_help(
                    "give the whole output of `convox env -a APP`: the block's lines up to its `-----END …` line",
                ),
        );
    }
    (vars, diags)
}

/// How a PEM block starts and ends (RFC 7468): a value holding a key or a certificate.
const PEM_BEGIN: &str = "-----BEGIN ";
const PEM_END: &str = "-----END ";

/// Writes `value` quoted so that Compose's dotenv reader gives it back as it is: in single
/// quotes (nothing inside is expanded or unescaped) unless it holds a `'` or ends with a `\`
/// (which would escape the closing quote); then in double quotes, with `\`, `"` and `$`
/// escaped.
fn quote(value: &str, out: &mut String) {
    if !value.contains('\'') && !value.ends_with('\\') {
        out.push('\'');
        out.push_str(value);
        out.push('\'');
        return;
    }
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' | '"' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Sources;
    use proptest::prelude::*;

    fn id() -> SourceId {
        Sources::new().add("convox.txt", String::new())
    }

    fn values(converted: &Converted) -> Vec<(String, String)> {
        dotenv::parse(&converted.text, "convox-env output", id(), &|_| None).0
    }

    #[test]
    fn values_compose_would_change_read_back_as_convox_stored_them() {
        let printed = "A=plain\nB=pa$word\nC=x #not a comment\nD='quoted'\nE=\"dq\"\nF=trailing  \n\
G=it's\nH=back\\\nI=\nJ=a=b\nK= lead\nL=${HOME}\nM=\\$x\"y'\\\r\n";
        let converted = convert(printed, id()).unwrap();
        let expected: Vec<(String, String)> = [
            ("A", "plain"),
            ("B", "pa$word"),
            ("C", "x #not a comment"),
            ("D", "'quoted'"),
            ("E", "\"dq\""),
            ("F", "trailing  "),
            ("G", "it's"),
            ("H", "back\\"),
            ("I", ""),
            ("J", "a=b"),
            ("K", " lead"),
            ("L", "${HOME}"),
            ("M", "\\$x\"y'\\"),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
        assert_eq!(values(&converted), expected);
        assert_eq!(converted.names, expected.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>());
        // Every value but the plain ones and the empty one changes when read unquoted.
        assert_eq!(converted.would_change, ["B", "C", "D", "E", "F", "K", "L", "M"]);
        assert!(converted.text.starts_with("# Written by `compose-cfn convox-env`"), "{}", converted.text);
        assert!(converted.text.contains("\nB='pa$word'\n"), "{}", converted.text);
        assert!(converted.text.contains("\nG=\"it's\"\n"), "{}", converted.text);
    }

    #[test]
    fn malformed_lines_are_all_reported_by_place_without_values() {
        let printed = "GOOD=1\nno equals sign here\nbad-name=secret1\nGOOD=secret2\n=secret3\n";
        let mut sources = Sources::new();
        let source = sources.add("convox.txt", dotenv::masked(printed));
        let diags = convert(printed, source).unwrap_err();
        let found: Vec<(usize, String)> = diags
            .iter()
            .map(|d| (sources.get(source).line_col(d.span.unwrap().start).line, d.message.clone()))
            .collect();
        assert_eq!(
            found,
            [
                (2, "not a `KEY=VALUE` line".to_string()),
                (3, "this is not a name an env file can set".to_string()),
                (4, "a variable set twice".to_string()),
                (5, "a line with no variable name".to_string()),
            ]
        );
        let shown = crate::diagnostic::render_human(&diags, &sources, false);
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn a_pem_block_printed_over_several_lines_is_one_value_again() {
        let key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADAN+Bgkq/hkiG9w0==\nQEFAASC=\n-----END PRIVATE KEY-----";
        let printed =
            format!("A=1\nTLS_KEY={key}\r\nB=2\nCERT=x -----BEGIN CERTIFICATE----- y -----END CERTIFICATE-----\n");
        let converted = convert(&printed, id()).unwrap();
        let expected = [
            ("A", "1"),
            ("TLS_KEY", key),
            ("B", "2"),
            ("CERT", "x -----BEGIN CERTIFICATE----- y -----END CERTIFICATE-----"),
        ];
        let expected: Vec<(String, String)> = expected.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        assert_eq!(values(&converted), expected);
        // Without its end, the block would swallow every later variable: an error at its name.
        let mut sources = Sources::new();
        let cut = "A=1\nTLS_KEY=-----BEGIN PRIVATE KEY-----\nMIIEvQIBADAN+Bgkq/hkiG9w0==\nB=2\n";
        let source = sources.add("convox.txt", dotenv::masked(cut));
        let diags = convert(cut, source).unwrap_err();
        let [d] = &diags.iter().collect::<Vec<_>>()[..] else { panic!("{diags:?}") };
        assert_eq!(sources.get(source).line_col(d.span.unwrap().start).line, 2);
        assert!(d.message.contains("never closes"), "{}", d.message);
    }

    #[test]
    fn a_line_of_a_value_that_reads_as_a_name_is_never_quoted() {
        // A multi-line value that is no PEM block: its lines are lines of their own.
        let printed = "NOTE=first line\nMIIEvQ+SECRET/part=x\nSECRETPART=1\nSECRETPART=2\n";
        let diags = convert(printed, id()).unwrap_err();
        assert_eq!(diags.iter().count(), 2);
        for d in diags.iter() {
            assert!(!d.message.contains("SECRET") && !d.message.contains("MIIE"), "{}", d.message);
        }
    }

    #[test]
    fn control_characters_and_non_ascii_values_read_back() {
        let printed = "A=x\ry\nB=tab\there\nC=nul\0byte\nD=\u{e9}t\u{e9} \u{1f600}\nE=#hash\nF=export X\nG=a\r\r\n";
        let converted = convert(printed, id()).unwrap();
        let expected = [
            ("A", "x\ry"),
            ("B", "tab\there"),
            ("C", "nul\0byte"),
            ("D", "\u{e9}t\u{e9} \u{1f600}"),
            ("E", "#hash"),
            ("F", "export X"),
            // Go's line scanner drops one `\r` before the `\n`, not two.
            ("G", "a\r"),
        ];
        let expected: Vec<(String, String)> = expected.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        assert_eq!(values(&converted), expected);
    }

    proptest! {
        /// Any value Convox could store (no line break; a `\r` only inside) reads back unchanged.
        #[test]
        fn every_storable_value_reads_back(value in "([^\n\r]|\r[^\n\r]){0,40}", name in "[A-Za-z_][A-Za-z0-9_.]{0,10}") {
            let converted = convert(&format!("{name}={value}\n"), id()).unwrap();
            prop_assert_eq!(values(&converted), vec![(name, value)]);
        }
    }
}
