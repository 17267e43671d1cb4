//! Escaping of input text for the places it is shown: Markdown (pull-request comments) and
//! terminals. Manifests can come from anyone who opens a pull request, so their text must
//! show as text there, never act as markup or as terminal control sequences.

/// True for characters a terminal or a Markdown renderer may act on instead of showing:
/// C0 controls (tab excepted), DEL and the C1 controls (which include CSI, `\u{9b}`).
pub fn is_control(c: char) -> bool {
    c.is_control() && c != '\t'
}

/// True for characters that are not controls but show nothing, or change how the text around
/// them reads: bidirectional embeddings, overrides, isolates and marks (Trojan Source: a name
/// that reads `web` may hold more, shown in another order), zero-width spaces and joiners, the
/// line and paragraph separators, soft hyphens, Hangul fillers, variation selectors and the tag
/// characters (text no one sees, "ASCII smuggling"). A reviewer must see that they are there.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Text for a terminal: control characters (see [`is_control`]) are dropped, except that a
/// line break stays a line break when `keep_newlines` is set, and becomes a space otherwise;
/// invisible characters (see [`is_invisible`]) are shown by their code point, `<U+202E>`.
pub fn terminal(text: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' if keep_newlines => out.push('\n'),
            '\n' | '\r' => out.push(' '),
            c if is_control(c) => {}
            c if is_invisible(c) => out.push_str(&format!("<U+{:04X}>", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// A zero-width space, as an entity: put after `@`, `#`, in `://` and `www.`, it keeps GitHub
/// from reading the text around it as a mention, an issue reference or a link (the filters
/// that make those run on the rendered text, after backslash escapes are gone).
const BREAK: &str = "&#8203;";

/// Text in a Markdown table cell, shown literally: HTML is written as entities (so `<img>`
/// and `<!--` are text), Markdown punctuation is backslash-escaped, `|` cannot end the cell
/// and a line break cannot end the row. GitHub's own links are broken with [`BREAK`]: `@team`
/// would notify a team, `#12` and `org/repo#12` would link (and mention) an issue, and
/// `https://…`, `www.…` and `a@b.c` would become links.
pub fn markdown_text(text: &str) -> String {
    let text = terminal(text, false);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    // The last three characters written, lower-cased, to find `www.` without looking back.
    let mut recent = ['\0'; 3];
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '@' => {
                out.push('@');
                out.push_str(BREAK);
            }
            '#' => {
                out.push_str("\\#");
                out.push_str(BREAK);
            }
            ':' if chars.peek() == Some(&'/') => {
                out.push(':');
                out.push_str(BREAK);
            }
            '.' if recent == ['w', 'w', 'w'] => {
                out.push_str(BREAK);
                out.push('.');
            }
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        recent = [recent[1], recent[2], c.to_ascii_lowercase()];
    }
    out
}

/// Text as a Markdown code span inside a table cell: the fence is one backtick longer than
/// the longest run of backticks in the text, so no run inside can close it (and the `<!--`
/// or `<img>` inside stays code, not HTML); `|` is escaped for the table, which GitHub undoes
/// inside code spans.
pub fn markdown_code(text: &str) -> String {
    let text = terminal(text, false);
    if text.is_empty() {
        return String::new();
    }
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    // A code span strips one space from each end when both are there, and a backtick next
    // to the fence would join it: pad with a space where either could happen.
    let pad = if text.starts_with('`') || text.ends_with('`') || (text.starts_with(' ') && text.ends_with(' ')) {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", text.replace('|', "\\|"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_text_loses_controls_but_keeps_tabs_and_unicode() {
        assert_eq!(terminal("a\u{1b}[31mb\u{7f}c\u{9b}2Jd\te\u{e9}", true), "a[31mbc2Jd\te\u{e9}");
        assert_eq!(terminal("a\nb\r\nc", true), "a\nb \nc");
        assert_eq!(terminal("a\nb", false), "a b");
    }

    #[test]
    fn invisible_and_reordering_characters_are_shown_by_code_point() {
        // Trojan Source: an override makes `web` + hidden text read as something else.
        assert_eq!(terminal("web\u{202e}lave\u{2066}", false), "web<U+202E>lave<U+2066>");
        assert_eq!(terminal("a\u{200b}b\u{2028}c\u{feff}\u{e0041}", true), "a<U+200B>b<U+2028>c<U+FEFF><U+E0041>");
        assert_eq!(terminal("a\u{85}b", false), "ab", "NEL is a C1 control");
        assert_eq!(markdown_text("x\u{202e}"), "x&lt;U+202E&gt;");
        assert_eq!(markdown_code("x\u{2029}y"), "`x<U+2029>y`");
        assert_eq!(
            terminal("caf\u{e9} \u{4e2d} \u{1f600}", false),
            "caf\u{e9} \u{4e2d} \u{1f600}",
            "visible text stays"
        );
    }

    #[test]
    fn markdown_text_makes_no_mention_issue_reference_or_link() {
        assert_eq!(markdown_text("@org/team"), "@&#8203;org/team");
        assert_eq!(markdown_text("#12 o/r#3"), "\\#&#8203;12 o/r\\#&#8203;3");
        assert_eq!(markdown_text("https://evil/x.png"), "https:&#8203;//evil/x.png");
        assert_eq!(markdown_text("WWW.evil.com"), "WWW&#8203;.evil.com");
        assert_eq!(markdown_text("a@b.co"), "a@&#8203;b.co");
        assert_eq!(markdown_text("a:b www"), "a:b www", "nothing else changes");
    }

    #[test]
    fn markdown_text_has_no_live_html_or_markup() {
        let shown = markdown_text("/h`<!--x-->`<img src=x>|*_[a](b)&");
        assert_eq!(shown, "/h\\`&lt;\\!--x--&gt;\\`&lt;img src=x&gt;\\|\\*\\_\\[a\\](b)&amp;");
        assert!(!shown.contains('<') && !shown.contains('>'));
    }

    #[test]
    fn code_spans_get_a_fence_longer_than_any_backtick_run() {
        assert_eq!(markdown_code("web"), "`web`");
        assert_eq!(markdown_code("a`b"), "``a`b``");
        assert_eq!(markdown_code("a``<!--b"), "```a``<!--b```");
        assert_eq!(markdown_code("`x"), "`` `x ``");
        assert_eq!(markdown_code("a|b\nc"), "`a\\|b c`");
        assert_eq!(markdown_code(""), "");
    }
}
