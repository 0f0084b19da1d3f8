//! Where in the text a PromQL parse error is, found with a bounded amount
//! of work: `promql-parser` reports no position, and re-parsing every
//! prefix is quadratic (seconds for a few kilobytes, on the screen's
//! thread).
//!
//! - A lexer error (stray `)`, bad character...) is found by a binary
//!   search for the shortest prefix the lexer rejects with the same
//!   message: O(log n) lexer passes and no parse.
//! - A grammar error is just after the longest prefix that parses; the
//!   prefixes ending at token ends are tried from the end backwards, all of
//!   them for a short text and at most [`MAX_TRIES`] for a long one.
//! - Errors at the end of the input point at the end.

/// Prefix parses tried for a grammar error in a text longer than
/// [`SHORT`] bytes.
const MAX_TRIES: usize = 24;
/// Texts up to this size try every token end.
const SHORT: usize = 1024;

#[cfg(test)]
thread_local! {
    /// Parses and lexer passes made by this module on this thread.
    pub(crate) static ATTEMPTS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn attempt() {
    #[cfg(test)]
    ATTEMPTS.with(|a| a.set(a.get() + 1));
}

/// Byte offset of the error `message` (as `promql-parser` gave it) in
/// `text`, or `None` when it cannot be found within the bounded work.
pub fn error_offset(text: &str, message: &str) -> Option<usize> {
    let at_end = [
        "unclosed",
        "end of input",
        "can not be at the end",
        "unterminated",
        "not terminated",
    ];
    if at_end.iter().any(|m| message.contains(m)) {
        return Some(text.len());
    }
    let lexer_fails = |s: &str| {
        attempt();
        matches!(promql_parser::parser::lexer(s), Err(m) if m.replace('\n', " ") == message)
    };
    if lexer_fails(text) {
        // The lexer reads left to right and stops at the first bad
        // character: every prefix that contains it fails the same way.
        let ends: Vec<usize> = text.char_indices().map(|(i, c)| i + c.len_utf8()).collect();
        let first = ends.partition_point(|&end| !lexer_fails(&text[..end]));
        let end = *ends.get(first)?;
        let last = text[..end].chars().next_back().map_or(1, char::len_utf8);
        return Some(end - last);
    }
    let tokens = token_spans(text);
    let tries = if text.len() <= SHORT {
        tokens.len()
    } else {
        MAX_TRIES
    };
    for k in (0..tokens.len().saturating_sub(1)).rev().take(tries) {
        attempt();
        if promql_parser::parser::parse(&text[..tokens[k].1]).is_ok() {
            return Some(tokens[k + 1].0);
        }
    }
    (tokens.len() <= tries).then(|| tokens.first().map_or(0, |t| t.0))
}

/// `line L, column C` (or `column C` on the first line) of byte `at`.
pub fn line_column(text: &str, at: usize) -> String {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    if line > 1 {
        format!("line {line}, column {column}")
    } else {
        format!("column {column}")
    }
}

/// Start and end of each token, roughly as PromQL splits them: words,
/// numbers, strings, runs of comparison characters and single other
/// characters; spaces and comments are skipped.
fn token_spans(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b':' | b'.') || c >= 0x80;
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let c = b[i];
        match c {
            c if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' | b'\'' | b'`' => i = (super::limits::string_end(b, i) + 1).min(b.len()),
            c if word(c) => {
                while i < b.len() && word(b[i]) {
                    i += 1;
                }
            }
            b'=' | b'!' | b'<' | b'>' | b'~' => {
                while i < b.len() && matches!(b[i], b'=' | b'!' | b'<' | b'>' | b'~') {
                    i += 1;
                }
            }
            _ => i += 1,
        }
        // Stay on character boundaries whatever the bytes were.
        while i < b.len() && !text.is_char_boundary(i) {
            i += 1;
        }
        out.push((start, i));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempts<T>(f: impl FnOnce() -> T) -> (T, usize) {
        ATTEMPTS.with(|a| a.set(0));
        let out = f();
        (out, ATTEMPTS.with(|a| a.get()))
    }

    fn message(text: &str) -> String {
        promql_parser::parser::parse(text)
            .unwrap_err()
            .replace('\n', " ")
    }

    #[test]
    fn a_stray_bracket_is_found_with_a_logarithmic_number_of_passes() {
        for n in [10usize, 1000, 33_000] {
            let text = format!("{})", vec!["up"; n].join("+"));
            let m = message(&text);
            let (at, tries) = attempts(|| error_offset(&text, &m));
            assert_eq!(at, Some(text.len() - 1));
            let log = usize::BITS - text.len().leading_zeros();
            assert!(
                tries <= log as usize + 2,
                "{tries} passes for {} bytes",
                text.len()
            );
        }
    }

    #[test]
    fn a_grammar_error_in_a_long_text_costs_a_bounded_number_of_parses() {
        let labels = vec!["\"l\""; 20_000].join(", ");
        let long = format!("label_join(up, \"d\", \",\", {labels}) + +");
        assert!(long.len() > 100_000);
        let m = message(&long);
        let (_, tries) = attempts(|| error_offset(&long, &m));
        assert!(tries <= MAX_TRIES + 1, "{tries}");
        let early = format!("x y + label_join(up, \"d\", \",\", {labels})");
        let m = message(&early);
        let (at, tries) = attempts(|| error_offset(&early, &m));
        assert!(tries <= MAX_TRIES + 1, "{tries}");
        assert_eq!(at, None);
    }

    #[test]
    fn grammar_errors_point_after_the_longest_prefix_that_parses() {
        let text = "sum(rate(x[5m])) by (job) foo";
        assert_eq!(error_offset(text, &message(text)), Some(26));
        let text = "up + * 2";
        assert_eq!(
            &text[error_offset(text, &message(text)).unwrap()..],
            "+ * 2"
        );
        assert_eq!(error_offset("sum(x", "unclosed left parenthesis"), Some(5));
    }

    #[test]
    fn positions_are_lines_and_columns() {
        assert_eq!(line_column("ab\ncd", 4), "line 2, column 2");
        assert_eq!(line_column("é)", 2), "column 2");
    }
}
