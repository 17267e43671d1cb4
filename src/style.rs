//! The terminal styles of every human report, named once as `anstyle` styles (not raw escape
//! sequences); the CLI writes through `anstream`, which drops them where colour does not belong.

use anstyle::{AnsiColor, Style};

/// `error` labels.
pub const ERROR: Style = AnsiColor::Red.on_default().bold();
/// `warning` labels.
pub const WARNING: Style = AnsiColor::Yellow.on_default().bold();
/// Headings and summaries.
pub const STRONG: Style = Style::new().bold();
/// Something added.
pub const ADDED: Style = AnsiColor::Green.on_default();
/// Something removed or replaced.
pub const REMOVED: Style = AnsiColor::Red.on_default();
/// Something changed in place.
pub const CHANGED: Style = AnsiColor::Cyan.on_default();

/// `text` in `style`, reset after it.
pub fn paint(style: Style, text: impl std::fmt::Display) -> String {
    format!("{style}{text}{style:#}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn painted_text_is_wrapped_in_its_style_and_a_reset() {
        let painted = paint(ERROR, "error");
        assert!(
            painted.starts_with('\x1b') && painted.contains("error") && painted.ends_with("\x1b[0m"),
            "{painted:?}"
        );
        assert_eq!(anstream::adapter::strip_str(&painted).to_string(), "error");
    }
}
