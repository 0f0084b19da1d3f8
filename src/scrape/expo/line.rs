//! One sample line: `name{labels} value [timestamp] [# {exemplar} value [ts]]`.

use super::lex::{
    as_str, bytes_eq, is_blank, label_name_len, metric_name_len_from, skip_blanks, snippet,
    starts_with, token_end, unescape_label,
};
use super::num::{int_token, parse_float, parse_i64, parse_seconds_as_ms};
use super::{ErrorKind, Format, LabelRef};
use std::borrow::Cow;

/// What a sample line holds besides its labels (those go to the caller's
/// scratch vector, so that it is reused from line to line).
pub(crate) struct RawSample<'a> {
    pub name: Cow<'a, str>,
    /// The line up to the end of the name or label set, as written.
    pub series: &'a [u8],
    /// The name started with the known prefix passed in.
    pub prefix_matched: bool,
    pub value: f64,
    pub timestamp_ms: Option<i64>,
    /// Value and timestamp of the exemplar; its labels are in the caller's
    /// exemplar scratch vector.
    pub exemplar: Option<(f64, Option<i64>)>,
}

/// Per-line settings.
#[derive(Clone, Copy)]
pub(crate) struct Ctx {
    pub format: Format,
    /// The whole body is valid UTF-8, so slices cut at ASCII bytes need no
    /// further check.
    pub utf8: bool,
}

/// Parses a sample line (no leading blanks, no line terminator).
///
/// `known_prefix` is the name of the current family when it is a valid
/// unquoted metric name: if the line starts with it, those bytes need no
/// character check.
pub(crate) fn parse_sample<'a>(
    line: &'a [u8],
    known_prefix: &[u8],
    ctx: Ctx,
    labels: &mut Vec<LabelRef<'a>>,
    ex_labels: &mut Vec<LabelRef<'a>>,
) -> Result<RawSample<'a>, ErrorKind> {
    labels.clear();
    ex_labels.clear();
    let mut name: Option<Cow<'a, str>> = None;
    let mut prefix_matched = false;
    let mut i = 0;
    match line.first() {
        Some(b'"') => {
            let (n, end) = quoted(line, 1, ctx)?;
            name = Some(n);
            i = end;
        }
        Some(b'{') => {}
        _ => {
            prefix_matched = !known_prefix.is_empty() && starts_with(line, known_prefix);
            let known = if prefix_matched {
                known_prefix.len()
            } else {
                0
            };
            let n = metric_name_len_from(line, known);
            let next = line.get(n).copied();
            if n == 0 || !matches!(next, None | Some(b' ' | b'\t' | b'{')) {
                let end = line.iter().position(|&c| is_blank(c) || c == b'{');
                return Err(ErrorKind::MetricName(snippet(
                    &line[..end.unwrap_or(line.len())],
                )));
            }
            // ASCII by construction.
            name = as_str(&line[..n], true).map(Cow::Borrowed);
            i = n;
        }
    }
    let j = skip_blanks(line, i);
    if line.get(j) == Some(&b'{') {
        i = label_set(line, j + 1, ctx, labels, Some(&mut name))?;
    }
    let series = &line[..i];
    let Some(name) = name else {
        return Err(ErrorKind::NoMetricName);
    };
    if name.is_empty() {
        return Err(ErrorKind::NoMetricName);
    }
    check_duplicates(labels)?;

    let j = skip_blanks(line, i);
    let (value, end) = match int_token(line, j) {
        Some(v) => v,
        None => {
            let end = token_end(line, j);
            if j == end {
                return Err(ErrorKind::NoValue);
            }
            let v = parse_float(&line[j..end])
                .ok_or_else(|| ErrorKind::Value(snippet(&line[j..end])))?;
            (v, end)
        }
    };
    let mut sample = RawSample {
        name,
        series,
        prefix_matched,
        value,
        timestamp_ms: None,
        exemplar: None,
    };
    let mut k = skip_blanks(line, end);
    if k < line.len() && line[k] != b'#' {
        let end = token_end(line, k);
        let tok = &line[k..end];
        let ts = match ctx.format {
            Format::Text => parse_i64(tok),
            Format::OpenMetrics => parse_seconds_as_ms(tok),
        };
        sample.timestamp_ms = Some(ts.ok_or_else(|| ErrorKind::Timestamp(snippet(tok)))?);
        k = skip_blanks(line, end);
    }
    if k < line.len() {
        if line[k] != b'#' {
            return Err(ErrorKind::Trailing(snippet(&line[k..])));
        }
        if ctx.format == Format::Text {
            return Err(ErrorKind::ExemplarInText);
        }
        sample.exemplar = Some(exemplar(line, k + 1, ctx, ex_labels)?);
    }
    Ok(sample)
}

/// ` {labels} value [timestamp]` after the `#` of an exemplar.
fn exemplar<'a>(
    line: &'a [u8],
    i: usize,
    ctx: Ctx,
    ex_labels: &mut Vec<LabelRef<'a>>,
) -> Result<(f64, Option<i64>), ErrorKind> {
    let bad = |what: &str| ErrorKind::Exemplar(what.to_string());
    let i = skip_blanks(line, i);
    if line.get(i) != Some(&b'{') {
        return Err(bad("expected '{' after '#'"));
    }
    let i = label_set(line, i + 1, ctx, ex_labels, None)?;
    check_duplicates(ex_labels)?;
    let j = skip_blanks(line, i);
    let end = token_end(line, j);
    if j == end {
        return Err(bad("no value"));
    }
    let value = parse_float(&line[j..end]).ok_or_else(|| {
        ErrorKind::Exemplar(format!("invalid value \"{}\"", snippet(&line[j..end])))
    })?;
    let k = skip_blanks(line, end);
    if k == line.len() {
        return Ok((value, None));
    }
    let end = token_end(line, k);
    let ts = parse_seconds_as_ms(&line[k..end]).ok_or_else(|| {
        ErrorKind::Exemplar(format!("invalid timestamp \"{}\"", snippet(&line[k..end])))
    })?;
    if skip_blanks(line, end) != line.len() {
        return Err(ErrorKind::Trailing(snippet(&line[end..])));
    }
    Ok((value, Some(ts)))
}

/// Parses labels after `{` up to and including `}`; returns the index after
/// `}`. When `name` is given, a lone quoted string (`{"my.metric", a="b"}`)
/// is taken as the metric name.
fn label_set<'a>(
    line: &'a [u8],
    mut i: usize,
    ctx: Ctx,
    out: &mut Vec<LabelRef<'a>>,
    mut name: Option<&mut Option<Cow<'a, str>>>,
) -> Result<usize, ErrorKind> {
    loop {
        i = skip_blanks(line, i);
        let Some(&c) = line.get(i) else {
            return Err(ErrorKind::UnclosedLabels);
        };
        if c == b'}' {
            return Ok(i + 1);
        }
        // The usual label: `name="value"` with no escape in the value,
        // stored as two borrowed slices. Anything else (and any error) goes
        // through the general code below, from the same position.
        if c != b'"' {
            let n = label_name_len(&line[i..]);
            let v = i + n + 2;
            if n > 0 && line.get(i + n..v) == Some(b"=\"".as_slice()) {
                if let Some(off) = find_quote_or_backslash(&line[v..]) {
                    let value = as_str(&line[v..v + off], ctx.utf8);
                    if let (b'"', Some(value)) = (line[v + off], value) {
                        // ASCII by construction.
                        let name = as_str(&line[i..i + n], true).unwrap_or_default();
                        out.push(LabelRef {
                            name: Cow::Borrowed(name),
                            value: Cow::Borrowed(value),
                        });
                        i = skip_blanks(line, v + off + 1);
                        match line.get(i) {
                            Some(b',') => {
                                i += 1;
                                continue;
                            }
                            Some(b'}') => return Ok(i + 1),
                            None => return Err(ErrorKind::UnclosedLabels),
                            Some(_) => return Err(ErrorKind::ExpectedComma(snippet(&line[i..]))),
                        }
                    }
                }
            }
        }
        let label: Cow<'a, str>;
        if c == b'"' {
            let (s, end) = quoted(line, i + 1, ctx)?;
            i = skip_blanks(line, end);
            if matches!(line.get(i), Some(b',' | b'}')) {
                // A quoted string without `=`: the metric name.
                match name.as_deref_mut() {
                    Some(slot @ None) => *slot = Some(s),
                    Some(Some(_)) => return Err(ErrorKind::NameTwice),
                    None => return Err(ErrorKind::LabelName(snippet(s.as_bytes()))),
                }
                if line[i] == b',' {
                    i += 1;
                }
                continue;
            }
            label = s;
        } else {
            let n = label_name_len(&line[i..]);
            if n == 0 {
                let end = line[i..]
                    .iter()
                    .position(|&c| c == b'=' || c == b',' || c == b'}' || is_blank(c))
                    .map_or(line.len(), |e| i + e);
                return Err(ErrorKind::LabelName(snippet(&line[i..end])));
            }
            label = Cow::Borrowed(as_str(&line[i..i + n], true).unwrap_or_default());
            i += n;
        }
        i = skip_blanks(line, i);
        if line.get(i) != Some(&b'=') {
            return Err(ErrorKind::ExpectedEquals(label.into_owned()));
        }
        i = skip_blanks(line, i + 1);
        if line.get(i) != Some(&b'"') {
            return Err(ErrorKind::UnquotedValue(label.into_owned()));
        }
        let (value, end) = quoted(line, i + 1, ctx)?;
        out.push(LabelRef { name: label, value });
        i = skip_blanks(line, end);
        match line.get(i) {
            Some(b',') => i += 1,
            Some(b'}') => return Ok(i + 1),
            None => return Err(ErrorKind::UnclosedLabels),
            Some(_) => return Err(ErrorKind::ExpectedComma(snippet(&line[i..]))),
        }
    }
}

/// A double-quoted string starting after its opening quote; returns the
/// unescaped text and the index after the closing quote.
#[inline(always)]
fn quoted(line: &[u8], start: usize, ctx: Ctx) -> Result<(Cow<'_, str>, usize), ErrorKind> {
    let mut i = start;
    let mut escaped = false;
    loop {
        match find_quote_or_backslash(&line[i..]) {
            None => return Err(ErrorKind::UnterminatedQuote),
            Some(off) if line[i + off] == b'"' => {
                let end = i + off;
                let Some(raw) = as_str(&line[start..end], ctx.utf8) else {
                    return Err(ErrorKind::InvalidUtf8);
                };
                let text = if escaped {
                    unescape_label(raw)
                } else {
                    Cow::Borrowed(raw)
                };
                return Ok((text, end + 1));
            }
            Some(off) => {
                escaped = true;
                i += off + 2;
                if i > line.len() {
                    return Err(ErrorKind::UnterminatedQuote);
                }
            }
        }
    }
}

/// Index of the first `"` or `\\`: eight bytes at a time (the usual label
/// value fits in a few words), SIMD search beyond 64 bytes.
#[inline(always)]
fn find_quote_or_backslash(s: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const QUOTE: u64 = LO * b'"' as u64;
    const BACKSLASH: u64 = LO * b'\\' as u64;
    let mut i = 0;
    while i < 64 {
        let Some(chunk) = s.get(i..i + 8) else {
            break;
        };
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let (q, b) = (w ^ QUOTE, w ^ BACKSLASH);
        // High bit set in each zero byte of `q` or `b`; bits above the
        // first zero byte may be spurious, the lowest one never is.
        let hits = ((q.wrapping_sub(LO) & !q) | (b.wrapping_sub(LO) & !b)) & HI;
        if hits != 0 {
            return Some(i + (hits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    if i < 64 {
        for (k, &c) in s[i..].iter().enumerate() {
            if c == b'"' || c == b'\\' {
                return Some(i + k);
            }
        }
        return None;
    }
    memchr::memchr2(b'"', b'\\', &s[i..]).map(|k| k + i)
}

/// Rejects a label set that names a label twice (or names `__name__`).
#[inline(always)]
pub(crate) fn check_duplicates(labels: &[LabelRef<'_>]) -> Result<(), ErrorKind> {
    let reserved =
        |l: &LabelRef<'_>| bytes_eq(l.name.as_bytes(), super::METRIC_NAME_LABEL.as_bytes());
    let same = |a: &LabelRef<'_>, b: &LabelRef<'_>| bytes_eq(a.name.as_bytes(), b.name.as_bytes());
    let fine = match labels {
        [] => true,
        [a] => !reserved(a),
        [a, b] => !reserved(a) && !reserved(b) && !same(a, b),
        _ => false,
    };
    if fine {
        return Ok(());
    }
    check_duplicates_of_many(labels)
}

#[inline(never)]
fn check_duplicates_of_many(labels: &[LabelRef<'_>]) -> Result<(), ErrorKind> {
    let dup = |n: &str| Err(ErrorKind::DuplicateLabel(n.to_string()));
    // Exporters usually write labels sorted by name: strictly increasing
    // names hold no duplicate.
    let reserved =
        |l: &LabelRef<'_>| bytes_eq(l.name.as_bytes(), super::METRIC_NAME_LABEL.as_bytes());
    let before = |a: &[u8], b: &[u8]| match (a.first(), b.first()) {
        (Some(x), Some(y)) if x != y => x < y,
        _ => a < b,
    };
    let sorted = labels
        .windows(2)
        .all(|w| before(w[0].name.as_bytes(), w[1].name.as_bytes()));
    if sorted && !labels.iter().any(reserved) {
        return Ok(());
    }
    if labels.len() <= 32 {
        for (k, a) in labels.iter().enumerate() {
            let a = a.name.as_bytes();
            if bytes_eq(a, super::METRIC_NAME_LABEL.as_bytes()) {
                return dup(super::METRIC_NAME_LABEL);
            }
            if labels[k + 1..]
                .iter()
                .any(|b| bytes_eq(b.name.as_bytes(), a))
            {
                return dup(&String::from_utf8_lossy(a));
            }
        }
        return Ok(());
    }
    let mut names: Vec<&str> = labels.iter().map(|l| l.name.as_ref()).collect();
    names.sort_unstable();
    if let Some(n) = names.iter().find(|n| **n == super::METRIC_NAME_LABEL) {
        return dup(n);
    }
    match names.windows(2).find(|w| w[0] == w[1]) {
        Some(w) => dup(w[0]),
        None => Ok(()),
    }
}
