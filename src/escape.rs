//! Escaping of input text for the places it is shown: Markdown (pull-request comments) and
//! terminals. Manifests can come from anyone who opens a pull request, so their text must
//! show as text there, never act as markup or as terminal control sequences.

/// True for characters a terminal or a Markdown renderer may act on instead of showing:
/// C0 controls (tab excepted), DEL and the C1 controls (which include CSI, `\u{9b}`).
pub fn is_control(c: char) -> bool {
    c.is_control() && c != '\t'
}

/// Text for a terminal: control characters (see [`is_control`]) are dropped, except that a
/// line break stays a line break when `keep_newlines` is set, and becomes a space otherwise.
pub fn terminal(text: &str, keep_newlines: bool) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\n' if keep_newlines => Some('\n'),
            '\n' | '\r' => Some(' '),
            c if is_control(c) => None,
            c => Some(c),
        })
        .collect()
}

/// Text in a Markdown table cell, shown literally: HTML is written as entities (so `<img>`
/// and `<!--` are text), Markdown punctuation is backslash-escaped, `|` cannot end the cell
/// and a line break cannot end the row.
pub fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in terminal(text, false).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
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
