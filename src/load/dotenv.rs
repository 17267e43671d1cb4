//! The `.env` file Compose reads beside the first compose file: `KEY=value` lines.

/// Parses `.env` text: `KEY=value`, optional `export `, `#` comments, single or double quotes.
/// Lines that are not assignments are skipped, as Compose v1 did.
pub fn parse(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                return None;
            }
            let line = line.strip_prefix("export ").unwrap_or(line);
            let (key, value) = line.split_once('=')?;
            let key = key.trim();
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return None;
            }
            Some((key.to_string(), unquote(value.trim())))
        })
        .collect()
}

fn unquote(value: &str) -> String {
    for q in ['"', '\''] {
        if value.len() >= 2 && value.starts_with(q) && value.ends_with(q) {
            let inner = &value[1..value.len() - 1];
            return if q == '"' { inner.replace("\\n", "\n").replace("\\\"", "\"") } else { inner.to_string() };
        }
    }
    // An unquoted value ends at ` #` (an inline comment).
    value.split(" #").next().unwrap_or("").trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_assignments_quotes_and_comments() {
        let vars = parse("# comment\nHOST_PORT=8080\nexport A='x y'\nB=\"q\\\"d\"\nC=v # note\nnot a line\n=x\n");
        assert_eq!(
            vars,
            vec![
                ("HOST_PORT".into(), "8080".into()),
                ("A".into(), "x y".into()),
                ("B".into(), "q\"d".into()),
                ("C".into(), "v".into()),
            ]
        );
    }
}
