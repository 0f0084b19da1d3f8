//! Byte-level scanning: name characters, numbers, escapes.
//!
//! Everything here works on `&[u8]` and never allocates, except the
//! unescaping functions, which allocate only when the input holds an escape.

use std::borrow::Cow;

/// Bit flags per byte value.
const NAME_START: u8 = 1; // [a-zA-Z_:]
const NAME_CONT: u8 = 2; // [a-zA-Z0-9_:]
const LABEL_START: u8 = 4; // [a-zA-Z_]
const LABEL_CONT: u8 = 8; // [a-zA-Z0-9_]

static CLASS: [u8; 256] = build_class();

const fn build_class() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut b = 0usize;
    while b < 256 {
        let c = b as u8;
        let alpha = c.is_ascii_alphabetic() || c == b'_';
        let digit = c.is_ascii_digit();
        let mut f = 0;
        if alpha || c == b':' {
            f |= NAME_START | NAME_CONT;
        }
        if digit {
            f |= NAME_CONT | LABEL_CONT;
        }
        if alpha {
            f |= LABEL_START | LABEL_CONT;
        }
        t[b] = f;
        b += 1;
    }
    t
}

/// Length of the metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`) at the start of `s`.
#[inline]
pub fn metric_name_len(s: &[u8]) -> usize {
    match s.first() {
        Some(&c) if CLASS[c as usize] & NAME_START != 0 => {}
        _ => return 0,
    }
    scan_class(s, 1, NAME_CONT)
}

/// Index of the first byte at or after `i` whose class lacks `class`
/// (`NAME_CONT` or `LABEL_CONT`): eight bytes per step, classified with
/// word arithmetic ([`name_bytes`]), the last few one by one.
#[inline(always)]
fn scan_class(s: &[u8], mut i: usize, class: u8) -> usize {
    let colon = class == NAME_CONT;
    while let Some(c) = s.get(i..i + 8) {
        let w = word(c, 0);
        // One bit per byte outside the class; the lowest is the answer.
        let miss = !name_bytes(w, colon) & HI;
        if miss != 0 {
            return i + (miss.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < s.len() && CLASS[s[i] as usize] & class != 0 {
        i += 1;
    }
    i
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `w` that is a name character:
/// `[a-zA-Z0-9_]`, plus `:` when `colon`. Each byte is tested on its low
/// seven bits (so no sum carries into the next byte), and bytes with the
/// high bit set (not ASCII) are never name characters.
#[inline(always)]
fn name_bytes(w: u64, colon: bool) -> u64 {
    // High bit of each byte `v` with lo <= v <= hi (for v < 0x80: the first
    // sum reaches 0x80 exactly when v >= lo, the second when v > hi).
    let range = |v: u64, lo: u8, hi: u8| {
        v.wrapping_add(LO * u64::from(0x80 - lo)) & !v.wrapping_add(LO * u64::from(0x7f - hi))
    };
    let low = w & !HI;
    // Setting bit 5 maps `A`-`Z` onto `a`-`z` and nothing else into it.
    let letters = range(low | (LO * 0x20), b'a', b'z');
    // `:` is the byte after `9`.
    let digits = range(low, b'0', if colon { b':' } else { b'9' });
    let underscore = range(low, b'_', b'_');
    (letters | digits | underscore) & !w & HI
}

/// Like [`metric_name_len`] for `s` whose first `known` bytes are already
/// known to be a valid metric name (e.g. the current family's name).
#[inline]
pub fn metric_name_len_from(s: &[u8], known: usize) -> usize {
    if known == 0 {
        return metric_name_len(s);
    }
    scan_class(s, known, NAME_CONT)
}

/// Length of the label name (`[a-zA-Z_][a-zA-Z0-9_]*`) at the start of `s`.
#[inline]
pub fn label_name_len(s: &[u8]) -> usize {
    match s.first() {
        Some(&c) if CLASS[c as usize] & LABEL_START != 0 => {}
        _ => return 0,
    }
    scan_class(s, 1, LABEL_CONT)
}

/// `s.starts_with(prefix)`, compared eight bytes at a time in line (names
/// are short; a call to `memcmp` costs more than the comparison). The last
/// word overlaps the one before it instead of ending byte by byte.
#[inline(always)]
pub fn starts_with(s: &[u8], prefix: &[u8]) -> bool {
    let n = prefix.len();
    if s.len() < n {
        return false;
    }
    if n >= 8 {
        let mut i = 0;
        while i + 8 < n {
            if word(s, i) != word(prefix, i) {
                return false;
            }
            i += 8;
        }
        return word(s, n - 8) == word(prefix, n - 8);
    }
    if n >= 4 {
        let half = |b: &[u8], i: usize| -> u32 {
            let mut w = [0u8; 4];
            w.copy_from_slice(&b[i..i + 4]);
            u32::from_le_bytes(w)
        };
        return half(s, 0) == half(prefix, 0) && half(s, n - 4) == half(prefix, n - 4);
    }
    s[..n] == *prefix
}

/// `a == b` for short byte strings, compared in line.
#[inline(always)]
pub fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && starts_with(a, b)
}

/// The eight bytes of `b` at `i` as a little-endian word (`b` holds them).
#[inline(always)]
pub fn word(b: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(w)
}

/// True for the blanks that separate tokens: space and tab.
#[inline]
pub fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Index of the first non-blank byte at or after `i`. Separators are
/// usually absent or one space, so that case is checked inline.
#[inline(always)]
pub fn skip_blanks(s: &[u8], i: usize) -> usize {
    match s.get(i) {
        Some(b' ' | b'\t') => skip_more_blanks(s, i + 1),
        _ => i,
    }
}

#[inline(never)]
fn skip_more_blanks(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && is_blank(s[i]) {
        i += 1;
    }
    i
}

/// Index of the first blank byte at or after `i` (or `s.len()`).
#[inline]
pub fn token_end(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && !is_blank(s[i]) {
        i += 1;
    }
    i
}

/// True when `body` is valid UTF-8. Runs of ASCII (nearly all of a page)
/// are skipped 64 bytes at a time; a line with other bytes is validated
/// alone (a line end is ASCII, so it never splits a character).
pub fn is_utf8(body: &[u8]) -> bool {
    let mut i = 0;
    loop {
        for chunk in body[i..].chunks_exact(64) {
            if chunk.iter().fold(0, |any, &b| any | b) >= 0x80 {
                break;
            }
            i += 64;
        }
        while i < body.len() && body[i].is_ascii() {
            i += 1;
        }
        if i >= body.len() {
            return true;
        }
        let end = memchr::memchr(b'\n', &body[i..]).map_or(body.len(), |e| i + e);
        if std::str::from_utf8(&body[i..end]).is_err() {
            return false;
        }
        i = end;
    }
}

/// Bytes as text, for bytes already known to be UTF-8 (`trusted`) or
/// checked here.
#[inline]
pub fn as_str(s: &[u8], trusted: bool) -> Option<&str> {
    if trusted {
        // SAFETY: the caller validated the whole body as UTF-8 and `s` was
        // cut at ASCII delimiters, so it is a valid UTF-8 sub-slice.
        Some(unsafe { std::str::from_utf8_unchecked(s) })
    } else {
        std::str::from_utf8(s).ok()
    }
}

/// Unescapes a quoted label value or name (`\\`, `\"`, `\n`); any other
/// backslash sequence is kept as written, as Prometheus does.
pub fn unescape_label(s: &str) -> Cow<'_, str> {
    if memchr::memchr(b'\\', s.as_bytes()).is_none() {
        return Cow::Borrowed(s);
    }
    Cow::Owned(unescape(s, true))
}

/// Unescapes HELP text: `\\` and `\n`, plus `\"` in OpenMetrics.
pub fn unescape_help(s: &str, quote: bool) -> Cow<'_, str> {
    if memchr::memchr(b'\\', s.as_bytes()).is_none() {
        return Cow::Borrowed(s);
    }
    Cow::Owned(unescape(s, quote))
}

fn unescape(s: &str, quote: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') if quote => out.push('"'),
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Shortens `s` for an error message (at most 40 characters, printable).
pub fn snippet(s: &[u8]) -> String {
    let text = String::from_utf8_lossy(s);
    let mut out: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        out.push('…');
    }
    out.escape_debug().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_classification_agrees_with_the_table_for_every_byte() {
        for class in [NAME_CONT, LABEL_CONT] {
            for b in 0..=255u8 {
                for at in 0..8 {
                    let mut line = *b"abcdefghijklmnop";
                    line[at] = b;
                    let want = if CLASS[b as usize] & class != 0 {
                        line.len()
                    } else {
                        at
                    };
                    assert_eq!(scan_class(&line, 0, class), want, "byte {b:#x} at {at}");
                }
            }
        }
    }

    #[test]
    fn utf8_is_checked_as_the_standard_library_does() {
        let mut cases: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"plain ascii\n".repeat(9),
            "x\u{e9}y \u{2026}\n\u{1f680}".as_bytes().to_vec(),
            b"\xff".to_vec(),
            b"\xc3".to_vec(),
            b"ok\n\xc3\nok".to_vec(),
            b"ok\xe2\x80".to_vec(),
        ];
        // Every prefix of a long mixed page, so characters fall across the
        // 64-byte steps.
        let long = "abc\u{e9}\u{1f680}x\n".repeat(20).into_bytes();
        for n in 0..long.len() {
            cases.push(long[..n].to_vec());
        }
        for c in cases {
            assert_eq!(is_utf8(&c), std::str::from_utf8(&c).is_ok(), "{c:?}");
        }
    }

    #[test]
    fn starts_with_compares_every_byte() {
        let s = b"node_network_receive_bytes_total{device=\"eth0\"} 1";
        for n in 0..40 {
            assert!(starts_with(s, &s[..n]));
            for k in 0..n {
                let mut p = s[..n].to_vec();
                p[k] ^= 1;
                assert!(!starts_with(s, &p), "{n} {k}");
            }
        }
        assert!(!starts_with(b"abc", b"abcd"));
    }
}
