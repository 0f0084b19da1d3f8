//! Comment lines: `# HELP`, `# TYPE`, `# UNIT`, `# EOF` and plain comments.

use super::lex::{
    as_str, metric_name_len, skip_blanks, snippet, token_end, unescape_help, unescape_label,
};
use super::line::Ctx;
use super::{ErrorKind, Format, MetricType};
use std::borrow::Cow;

/// A family name and whether it was written unquoted (so it is known to
/// be a valid metric name).
pub(crate) type Name<'a> = (Cow<'a, str>, bool);

/// What a line starting with `#` says.
#[derive(Debug, PartialEq)]
pub(crate) enum Comment<'a> {
    /// A comment to ignore.
    Plain,
    Help(Name<'a>, Cow<'a, str>),
    Type(Name<'a>, MetricType),
    Unit(Name<'a>, Cow<'a, str>),
    Eof,
}

/// Parses a line that starts with `#` (no leading blanks, no terminator).
pub(crate) fn parse_comment(line: &[u8], ctx: Ctx) -> Result<Comment<'_>, ErrorKind> {
    let om = ctx.format == Format::OpenMetrics;
    let i = skip_blanks(line, 1);
    if i == 1 {
        // `#foo`: never metadata.
        return if om {
            Err(ErrorKind::Comment)
        } else {
            Ok(Comment::Plain)
        };
    }
    let kw_end = token_end(line, i);
    let keyword = &line[i..kw_end];
    let rest = skip_blanks(line, kw_end);
    match keyword {
        b"HELP" => {
            let (name, end) = family_name(line, rest, ctx, "HELP")?;
            let text_start = skip_blanks(line, end);
            let Some(raw) = as_str(&line[text_start..], ctx.utf8) else {
                return Err(ErrorKind::InvalidUtf8);
            };
            Ok(Comment::Help(name, unescape_help(raw, om)))
        }
        b"TYPE" => {
            let (name, end) = family_name(line, rest, ctx, "TYPE")?;
            let t = skip_blanks(line, end);
            let t_end = token_end(line, t);
            if skip_blanks(line, t_end) != line.len() {
                return Err(ErrorKind::Trailing(snippet(&line[t_end..])));
            }
            let kind = metric_type(&line[t..t_end], ctx.format)
                .ok_or_else(|| ErrorKind::Type(snippet(&line[t..t_end])))?;
            Ok(Comment::Type(name, kind))
        }
        b"UNIT" if om => {
            let (name, end) = family_name(line, rest, ctx, "UNIT")?;
            let u = skip_blanks(line, end);
            let u_end = token_end(line, u);
            if skip_blanks(line, u_end) != line.len() {
                return Err(ErrorKind::Trailing(snippet(&line[u_end..])));
            }
            let Some(unit) = as_str(&line[u..u_end], ctx.utf8) else {
                return Err(ErrorKind::InvalidUtf8);
            };
            Ok(Comment::Unit(name, Cow::Borrowed(unit)))
        }
        b"EOF" if om && rest == line.len() => Ok(Comment::Eof),
        _ if om => Err(ErrorKind::Comment),
        _ => Ok(Comment::Plain),
    }
}

/// The family name after HELP/TYPE/UNIT: a metric name or a quoted UTF-8
/// name (Prometheus 3). Returns the name and the index after it.
fn family_name<'a>(
    line: &'a [u8],
    i: usize,
    ctx: Ctx,
    keyword: &'static str,
) -> Result<(Name<'a>, usize), ErrorKind> {
    if i >= line.len() {
        return Err(ErrorKind::MetadataName(keyword));
    }
    if line[i] == b'"' {
        let Some(close) = memchr_quote_end(line, i + 1) else {
            return Err(ErrorKind::UnterminatedQuote);
        };
        let Some(raw) = as_str(&line[i + 1..close], ctx.utf8) else {
            return Err(ErrorKind::InvalidUtf8);
        };
        let after = close + 1;
        if after < line.len() && !super::lex::is_blank(line[after]) {
            return Err(ErrorKind::Trailing(snippet(&line[after..])));
        }
        return Ok(((unescape_label(raw), false), after));
    }
    let n = metric_name_len(&line[i..]);
    let end = i + n;
    if n == 0 || line.get(end).is_some_and(|&c| !super::lex::is_blank(c)) {
        return Err(ErrorKind::MetricName(snippet(&line[i..token_end(line, i)])));
    }
    // ASCII by construction.
    let name = Cow::Borrowed(as_str(&line[i..end], true).unwrap_or_default());
    Ok(((name, true), end))
}

/// Index of the closing quote of a string starting at `i` (after `"`).
fn memchr_quote_end(line: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let off = memchr::memchr2(b'"', b'\\', line.get(i..)?)?;
        if line[i + off] == b'"' {
            return Some(i + off);
        }
        i += off + 2;
    }
}

/// The TYPE keywords each format knows.
#[inline]
fn metric_type(s: &[u8], format: Format) -> Option<MetricType> {
    use MetricType::*;
    // The usual keywords, told apart by length and first byte.
    let guess = match (s.len(), s.first()) {
        (7, Some(b'c')) => Counter,
        (5, Some(b'g')) => Gauge,
        (9, Some(b'h')) => Histogram,
        (7, Some(b's')) => Summary,
        _ => Untyped,
    };
    let word: &[u8] = match guess {
        Counter => b"counter",
        Gauge => b"gauge",
        Histogram => b"histogram",
        Summary => b"summary",
        _ => b"",
    };
    if !word.is_empty() && super::lex::bytes_eq(s, word) {
        return Some(guess);
    }
    let common = match s {
        b"counter" => Some(Counter),
        b"gauge" => Some(Gauge),
        b"histogram" => Some(Histogram),
        b"summary" => Some(Summary),
        _ => None,
    };
    common.or(match (format, s) {
        (Format::Text, b"untyped") => Some(Untyped),
        (Format::OpenMetrics, b"unknown") => Some(Untyped),
        (Format::OpenMetrics, b"gaugehistogram") => Some(GaugeHistogram),
        (Format::OpenMetrics, b"stateset") => Some(StateSet),
        (Format::OpenMetrics, b"info") => Some(Info),
        _ => None,
    })
}

/// The usual `# HELP name text` and `# TYPE name kind` lines, read straight
/// from the body at `pos` (the start of a line) without splitting the line
/// first: single spaces, an unquoted name, no backslash in the HELP text,
/// no CR. `known` is the current family's name (a valid metric name, or
/// empty): a TYPE line after its HELP line names it again, and those bytes
/// need no character check. The body must be valid UTF-8.
///
/// Returns the comment, the index of the line's end (its `\n`, or the
/// body's length) and whether the name is `known` itself; `None` leaves
/// the line to [`parse_comment`], which gives the same result for every
/// line this accepts.
#[inline]
pub(crate) fn fast_comment<'a>(
    body: &'a [u8],
    pos: usize,
    known: &[u8],
    format: Format,
) -> Option<(Comment<'a>, usize, bool)> {
    const NAME: usize = b"# HELP ".len();
    let line = body.get(pos..)?;
    let help = line.starts_with(b"# HELP ");
    if !help && !line.starts_with(b"# TYPE ") {
        return None;
    }
    let rest = &line[NAME..];
    let known = if !known.is_empty() && super::lex::starts_with(rest, known) {
        known.len()
    } else {
        0
    };
    let n = super::lex::metric_name_len_from(rest, known);
    if n == 0 || rest.get(n) != Some(&b' ') {
        return None;
    }
    let same = known != 0 && n == known;
    // ASCII by construction.
    let name = (Cow::Borrowed(as_str(&rest[..n], true)?), true);
    let t = NAME + n + 1;
    if help {
        let end = match memchr::memchr2(b'\n', b'\\', &line[t..]) {
            Some(off) if line[t + off] == b'\\' => return None,
            Some(off) => t + off,
            None => line.len(),
        };
        let text = &line[t..end];
        if matches!(text.first(), Some(b' ' | b'\t')) || text.last() == Some(&b'\r') {
            return None;
        }
        // Cut at ASCII bytes of a body known to be UTF-8.
        let text = Cow::Borrowed(as_str(text, true)?);
        Some((Comment::Help(name, text), pos + end, same))
    } else {
        let mut end = t;
        while end < line.len() && line[end].is_ascii_lowercase() {
            end += 1;
        }
        if !matches!(line.get(end), None | Some(b'\n')) {
            return None;
        }
        let kind = metric_type(&line[t..end], format)?;
        Some((Comment::Type(name, kind), pos + end, same))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_path_reads_lines_as_the_general_parser_does() {
        let lines: [&[u8]; 20] = [
            b"# HELP foo Some text.",
            b"# HELP foo  two spaces",
            b"# HELP foo",
            b"# HELP foo ",
            b"# HELP foo a\\nb \\\\ c",
            b"# HELP foo text\r",
            b"# HELP foo\ttab",
            b"# HELP foo_bar x",
            b"# TYPE foo counter",
            b"# TYPE foo_bar gauge",
            b"# TYPE foo histogram ",
            b"# TYPE foo bogus",
            b"# TYPE foo counter\r",
            b"# TYPE 1foo counter",
            b"# TYPE \"a.b\" counter",
            b"# HELP foo{ x",
            b"# UNIT foo seconds",
            b"# EOF",
            b"# TYPE foo unknown",
            b"# TYPE foo info",
        ];
        let mut fast = 0;
        for format in [Format::Text, Format::OpenMetrics] {
            let ctx = Ctx { format, utf8: true };
            for line in lines {
                for known in [&b""[..], b"foo"] {
                    let mut body = line.to_vec();
                    body.extend_from_slice(b"\nnext 1\n");
                    let Some((c, end, same)) = fast_comment(&body, 0, known, format) else {
                        continue;
                    };
                    fast += 1;
                    assert_eq!(end, line.len(), "{}", String::from_utf8_lossy(line));
                    let name = match &c {
                        Comment::Help((n, _), _) | Comment::Type((n, _), _) => n.as_bytes(),
                        _ => b"",
                    };
                    assert_eq!(same, !known.is_empty() && name == known);
                    assert_eq!(Ok(c), parse_comment(line, ctx));
                }
            }
        }
        // HELP foo, HELP foo (empty), HELP foo_bar, TYPE foo counter,
        // TYPE foo_bar gauge: twice per format, plus the OpenMetrics types.
        assert!(fast >= 20, "{fast}");
    }
}
