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
fn metric_type(s: &[u8], format: Format) -> Option<MetricType> {
    use MetricType::*;
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
