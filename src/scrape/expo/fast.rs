//! The usual sample line, read straight from the body: a plain metric
//! name, an optional label set of plain `name="value"` labels (no blanks,
//! no escapes), one space, a value and the line's `\n`. Anything else is
//! left to [`parse_sample`](super::line::parse_sample), which gives the
//! same result for every line accepted here.

use super::lex::{as_str, label_name_len, metric_name_len_from, starts_with, word};
use super::line::{check_duplicates, RawSample};
use super::num::parse_float;
use super::LabelRef;
use std::borrow::Cow;

/// Reads the sample line starting at `pos` (its first byte, not a blank).
/// `utf8`: the whole body is known to be valid UTF-8 (label values then
/// need no check; the parser only calls this for such bodies, and a value
/// is checked when not). `known` is the current family's name
/// (a valid metric name, or empty). Labels are pushed onto `labels`
/// (cleared first). Returns the sample and the index of the line's end
/// (its `\n` or the body's length); `None` when the line is not of the
/// usual shape (then `labels` holds nothing of use).
#[inline(always)]
pub(crate) fn fast_sample<'a>(
    body: &'a [u8],
    pos: usize,
    known: &[u8],
    utf8: bool,
    labels: &mut Vec<LabelRef<'a>>,
) -> Option<(RawSample<'a>, usize)> {
    labels.clear();
    let line = &body[pos..];
    let prefix_matched = !known.is_empty() && starts_with(line, known);
    let from = if prefix_matched { known.len() } else { 0 };
    let n = metric_name_len_from(line, from);
    if n == 0 {
        return None;
    }
    // ASCII by construction.
    let name = as_str(&line[..n], true)?;
    let mut i = n;
    if line.get(i) == Some(&b'{') {
        i += 1;
        if line.get(i) != Some(&b'}') {
            loop {
                let k = label_name_len(&line[i..]);
                let v = i + k + 2;
                if k == 0 || line.get(i + k..v) != Some(b"=\"".as_slice()) {
                    return None;
                }
                let off = find_quote_end(&line[v..])?;
                labels.push(LabelRef {
                    // ASCII by construction; the value is cut at ASCII
                    // bytes, so it is UTF-8 when the body is.
                    name: Cow::Borrowed(as_str(&line[i..i + k], true)?),
                    value: Cow::Borrowed(as_str(&line[v..v + off], utf8)?),
                });
                i = v + off + 1;
                match line.get(i) {
                    Some(b',') if line.get(i + 1) != Some(&b'}') => i += 1,
                    Some(b'}') => break,
                    _ => return None,
                }
            }
        }
        i += 1;
    }
    if check_duplicates(labels).is_err() {
        return None;
    }
    let series = &line[..i];
    if line.get(i) != Some(&b' ') {
        return None;
    }
    let j = i + 1;
    let (value, end) = match int_value(line, j) {
        Some((v, end)) => (v, end),
        None => {
            let mut end = j;
            while end < line.len() && !matches!(line[end], b' ' | b'\t' | b'\r' | b'\n') {
                end += 1;
            }
            (parse_float(&line[j..end])?, end)
        }
    };
    if !matches!(line.get(end), None | Some(b'\n')) {
        return None;
    }
    let sample = RawSample {
        name: Cow::Borrowed(name),
        series,
        prefix_matched,
        value,
        timestamp_ms: None,
        exemplar: None,
    };
    Some((sample, pos + end))
}

/// A plain integer value at `start` (1 to 15 digits, so exact) that ends
/// the line: the value and the index after it.
#[inline(always)]
fn int_value(s: &[u8], start: usize) -> Option<(f64, usize)> {
    let mut i = start;
    let mut m: u64 = 0;
    while let Some(&c) = s.get(i) {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        m = m.wrapping_mul(10).wrapping_add(u64::from(d));
        i += 1;
    }
    let digits = i - start;
    let ends = matches!(s.get(i), None | Some(b'\n'));
    (digits > 0 && digits <= 15 && ends).then_some((m as f64, i))
}

/// Index of the first `"` in a label value that holds no `\\` and no
/// line end before it; `None` when a `\\` or `\n` comes first or there is
/// none. Eight bytes at a time.
#[inline(always)]
fn find_quote_end(s: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(LO) & !x;
    let mut i = 0;
    while i + 8 <= s.len() {
        let w = word(s, i);
        // High bit set in each byte equal to one of the three; bits above
        // the first such byte may be spurious, the lowest one never is.
        let hits = (zero(w ^ (LO * u64::from(b'"')))
            | zero(w ^ (LO * u64::from(b'\\')))
            | zero(w ^ (LO * u64::from(b'\n'))))
            & HI;
        if hits != 0 {
            let at = i + (hits.trailing_zeros() / 8) as usize;
            return (s[at] == b'"').then_some(at);
        }
        i += 8;
    }
    let at = i + s[i..]
        .iter()
        .position(|&c| matches!(c, b'"' | b'\\' | b'\n'))?;
    (s[at] == b'"').then_some(at)
}

#[cfg(test)]
mod tests {
    use super::super::line::{parse_sample, Ctx};
    use super::*;
    use crate::scrape::expo::Format;

    /// The general parser's reading of `line`, compared with the fast
    /// path's when the fast path accepts it (at the start of `body`).
    fn agrees(body: &[u8], known: &[u8]) -> bool {
        let mut fast_labels = Vec::new();
        let Some((raw, end)) = fast_sample(body, 0, known, true, &mut fast_labels) else {
            return false;
        };
        let line = &body[..end];
        let text = String::from_utf8_lossy(line);
        assert!(!line.contains(&b'\n'), "{text}");
        let ctx = Ctx {
            format: Format::Text,
            utf8: true,
        };
        let (mut l, mut e) = (Vec::new(), Vec::new());
        let want = parse_sample(line, known, ctx, &mut l, &mut e);
        let want = want.unwrap_or_else(|err| panic!("{text}: {err}"));
        assert_eq!(raw.name, want.name, "{text}");
        assert_eq!(raw.series, want.series, "{text}");
        assert_eq!(raw.prefix_matched, want.prefix_matched, "{text}");
        assert_eq!(raw.value.to_bits(), want.value.to_bits(), "{text}");
        assert_eq!(raw.timestamp_ms, want.timestamp_ms, "{text}");
        assert!(want.exemplar.is_none(), "{text}");
        assert_eq!(fast_labels, l, "{text}");
        true
    }

    proptest::proptest! {
        /// Lines made of the bytes that matter to the grammar: whatever
        /// the fast path accepts, the general parser reads the same way.
        #[test]
        fn the_fast_path_agrees_on_generated_lines(
            line in "(up|up_total|a:b|1x|\\{|\\}|=|\"|,|a|_|\\\\| |\t|\n|\r|1|0|\\.|e|-|\\+|Inf|NaN|#|é){0,24}",
            known in "(|up|a)",
        ) {
            agrees(line.as_bytes(), known.as_bytes());
        }

        #[test]
        fn the_fast_path_agrees_on_sample_shaped_lines(
            name in "[a-z_:]{1,3}",
            labels in proptest::collection::vec(("[a-z_]{0,3}", "[a-z\"\\\\,{}= é\n]{0,4}"), 0..4),
            sep in "(,|, |)",
            value in "(-?[0-9]{1,17}(\\.[0-9]{0,6})?(e-?[0-9]{1,3})?|NaN|\\+Inf|1_0|0x1)",
            tail in "(|\n|\r\n| 17| |\t1)",
        ) {
            let set: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
            let braces = if labels.is_empty() { String::new() } else { format!("{{{}}}", set.join(&sep)) };
            let line = format!("{name}{braces} {value}{tail}");
            for known in ["", "a", "up"] {
                agrees(line.as_bytes(), known.as_bytes());
            }
        }
    }

    /// Every line the fast path accepts reads as the general parser reads
    /// it; lines it refuses are left whole.
    #[test]
    fn the_fast_path_reads_lines_as_the_general_parser_does() {
        let lines: [&[u8]; 24] = [
            b"up 1",
            b"up 1.5e3",
            b"up NaN",
            b"up +Inf",
            b"up 0x10",
            b"up 1 1700000000000",
            b"up  1",
            b"up 1 ",
            b"up 1\r",
            b"up{} 2",
            b"up{a=\"b\"} 3",
            b"up{a=\"b\",} 3",
            b"up{a=\"b\",c=\"d\"} 4",
            b"up{a=\"b\", c=\"d\"} 4",
            b"up{a=\"b\",a=\"d\"} 4",
            b"up{__name__=\"x\"} 4",
            b"up{a=\"b\\\"c\"} 5",
            b"up{a=\"b,}=\xc3\xa9\"} 6",
            b"up{a=\"unterminated} 7",
            b"up{a=b} 8",
            b"up{1a=\"b\"} 8",
            b"up_total{a=\"x\"} 12345678901234567",
            b"up_total{a=\"x\"} -0.000001",
            b"up{a=\"x\"} 1 # {t=\"1\"} 2",
        ];
        let mut accepted = 0;
        for format in [Format::Text, Format::OpenMetrics] {
            let ctx = Ctx { format, utf8: true };
            for line in lines {
                for known in [&b""[..], b"up"] {
                    let mut body = line.to_vec();
                    body.extend_from_slice(b"\nnext{a=\"\n\"} 1\n");
                    let mut fast_labels = Vec::new();
                    let Some((raw, end)) = fast_sample(&body, 0, known, true, &mut fast_labels)
                    else {
                        continue;
                    };
                    accepted += 1;
                    let text = String::from_utf8_lossy(line);
                    assert_eq!(end, line.len(), "{text}");
                    let (mut l, mut e) = (Vec::new(), Vec::new());
                    let want = parse_sample(line, known, ctx, &mut l, &mut e).expect("valid");
                    assert_eq!(raw.name, want.name, "{text}");
                    assert_eq!(raw.series, want.series, "{text}");
                    assert_eq!(raw.prefix_matched, want.prefix_matched, "{text}");
                    assert_eq!(raw.value.to_bits(), want.value.to_bits(), "{text}");
                    assert_eq!(raw.timestamp_ms, want.timestamp_ms, "{text}");
                    assert!(want.exemplar.is_none(), "{text}");
                    assert_eq!(fast_labels, l, "{text}");
                }
            }
        }
        assert!(accepted >= 30, "{accepted}");
        // A quoted value never runs into the next line.
        let body = b"up{a=\"x\ny\"} 1\n";
        assert!(fast_sample(body, 0, b"", true, &mut Vec::new()).is_none());
        // Without the body's check, a value that is not UTF-8 is refused.
        let body = b"up{a=\"\xff\"} 1\n";
        assert!(fast_sample(body, 0, b"", false, &mut Vec::new()).is_none());
    }
}
