//! Positions inside TOML string values, so that a PromQL syntax error is
//! reported at its own line and column in the file, not at the opening
//! quote: the string literals of a value (one, or each element of an
//! array) and the mapping from an offset in the decoded string back to
//! the file, escapes and multi-line strings included.

use std::ops::Range;

/// Byte ranges (relative to `raw`) of the string literals in the raw text
/// of a value: the value itself, or each element of an array, in order.
pub fn string_literals(raw: &str) -> Vec<Range<usize>> {
    let b = raw.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            q @ (b'"' | b'\'') => {
                let start = i;
                let triple = raw[i..].starts_with(if q == b'"' { "\"\"\"" } else { "'''" });
                let delim = if triple { 3 } else { 1 };
                i += delim;
                loop {
                    if i >= b.len() {
                        break;
                    }
                    if q == b'"' && b[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if b[i] == q && (!triple || raw[i..].starts_with(&raw[start..start + 3])) {
                        i += delim;
                        // A triple-quoted string may end with up to two
                        // more quotes that belong to its content.
                        while triple && i < b.len() && b[i] == q {
                            i += 1;
                        }
                        break;
                    }
                    i += 1;
                }
                out.push(start..i.min(b.len()));
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Byte offset in `literal` (a whole string literal, quotes included) of
/// the character at byte `offset` of its decoded content.
pub fn offset_in_literal(literal: &str, offset: usize) -> usize {
    let b = literal.as_bytes();
    let (q, triple) = match b.first() {
        Some(&q @ (b'"' | b'\'')) => (q, literal.len() >= 6 && b[1] == q && b[2] == q),
        _ => return 0,
    };
    let mut i = if triple { 3 } else { 1 };
    // A newline right after the opening delimiter is not content.
    if triple {
        if literal[i..].starts_with("\r\n") {
            i += 2;
        } else if literal[i..].starts_with('\n') {
            i += 1;
        }
    }
    let mut decoded = 0usize;
    while i < literal.len() && decoded < offset {
        if q == b'"' && b[i] == b'\\' {
            let esc = b.get(i + 1).copied().unwrap_or(b' ');
            let (raw_len, out_len) = match esc {
                b'u' => (6, char_len(&literal[i + 2..], 4)),
                b'U' => (10, char_len(&literal[i + 2..], 8)),
                b' ' | b'\t' | b'\r' | b'\n' if triple => {
                    // Line-ending backslash: it and the whitespace after it vanish.
                    let mut j = i + 1;
                    while j < literal.len() && matches!(b[j], b' ' | b'\t' | b'\r' | b'\n') {
                        j += 1;
                    }
                    (j - i, 0)
                }
                _ => (2, 1),
            };
            i = (i + raw_len).min(literal.len());
            decoded += out_len;
            continue;
        }
        let c_len = literal[i..].chars().next().map_or(1, char::len_utf8);
        i += c_len;
        decoded += c_len;
    }
    i.min(literal.len())
}

/// UTF-8 length of the character written as `digits` hex digits.
fn char_len(rest: &str, digits: usize) -> usize {
    rest.get(..digits)
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .and_then(char::from_u32)
        .map_or(1, char::len_utf8)
}

/// Splits a PromQL parse message `"... (at column C)"` or `"... (at line
/// L, column C)"` into the message and the byte offset it names in `expr`.
pub fn promql_error_offset(expr: &str, message: &str) -> (String, Option<usize>) {
    let Some(open) = message.rfind(" (at ") else {
        return (message.to_string(), None);
    };
    let inner = message[open + 5..].trim_end_matches(')');
    let mut line = 1usize;
    let mut column = None;
    for part in inner.split(", ") {
        if let Some(l) = part.strip_prefix("line ") {
            line = l.parse().unwrap_or(1);
        } else if let Some(c) = part.strip_prefix("column ") {
            column = c.parse::<usize>().ok();
        }
    }
    let Some(column) = column else {
        return (message.to_string(), None);
    };
    let mut offset = 0;
    for (n, l) in expr.split_inclusive('\n').enumerate() {
        if n + 1 == line {
            offset += l
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(l.len(), |(i, _)| i);
            return (message[..open].to_string(), Some(offset.min(expr.len())));
        }
        offset += l.len();
    }
    (message[..open].to_string(), Some(expr.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_of_a_value_and_of_an_array() {
        let raw = r#"["a", 'b"', """c""" , # x "no"
 "d\"e"]"#;
        let lits: Vec<&str> = string_literals(raw).into_iter().map(|r| &raw[r]).collect();
        assert_eq!(lits, vec![r#""a""#, r#"'b"'"#, r#""""c""""#, r#""d\"e""#]);
        assert_eq!(string_literals("'x'"), vec![0..3]);
    }

    #[test]
    fn offsets_map_through_escapes_and_delimiters() {
        // decoded: rate(x{a="b"}[5m]
        let lit = r#""rate(x{a=\"b\"}[5m]""#;
        assert_eq!(&lit[offset_in_literal(lit, 0)..][..4], "rate");
        assert_eq!(&lit[offset_in_literal(lit, 12)..][..1], "}");
        assert_eq!(offset_in_literal("'abc'", 2), 3);
        assert_eq!(offset_in_literal("'''\nab\ncd'''", 3), 7);
        assert_eq!(offset_in_literal(r#""\u00e9x""#, 2), 7);
    }

    #[test]
    fn promql_positions_become_offsets() {
        assert_eq!(
            promql_error_offset("sum(x", "unclosed left parenthesis (at column 6)"),
            ("unclosed left parenthesis".to_string(), Some(5))
        );
        assert_eq!(
            promql_error_offset("a\n+ b)", "unexpected ) (at line 2, column 4)").1,
            Some(5)
        );
        assert_eq!(promql_error_offset("x", "no position").1, None);
    }

    #[test]
    fn the_offending_token_is_found_inside_calls() {
        crate::promql::parse("up").unwrap();
        let e = "histogram_quantile(0.99,\n  sum(rate(x_bucket[5m]]))\n)";
        let m = crate::promql::parse(e).unwrap_err().message;
        let (_, at) = promql_error_offset(e, &m);
        assert_eq!(&e[at.unwrap()..][..3], "]))");
    }
}
