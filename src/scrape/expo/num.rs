//! Sample values and timestamps: integers, decimal floats (bit-identical
//! to the standard parser), OpenMetrics seconds.

/// A plain integer value at `start` (1 to 15 digits, ending the line or
/// followed by a blank): the value, exact, and the index after it. Anything
/// else is `None`, for [`token_end`](super::lex::token_end) and
/// [`parse_float`] to read.
#[inline(always)]
pub fn int_token(s: &[u8], start: usize) -> Option<(f64, usize)> {
    let mut i = start;
    let mut m: u64 = 0;
    while let Some(&c) = s.get(i) {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        m = m * 10 + u64::from(d);
        i += 1;
        if i - start > 15 {
            return None;
        }
    }
    match s.get(i) {
        _ if i == start => None,
        None | Some(b' ' | b'\t') => Some((m as f64, i)),
        _ => None,
    }
}

/// Powers of ten exactly representable in an f64.
static POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Parses a sample value as Prometheus does (Go's `ParseFloat`, without
/// hexadecimal floats or `_` separators): decimal with optional sign,
/// fraction and exponent, or `NaN` / `Inf` / `+Inf` / `-Inf` in any case.
#[inline]
pub fn parse_float(s: &[u8]) -> Option<f64> {
    // Plain integers of up to 15 digits (most values on a page) are exact.
    if !s.is_empty() && s.len() <= 15 {
        let mut m: u64 = 0;
        let mut all_digits = true;
        for &c in s {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                all_digits = false;
                break;
            }
            m = m * 10 + u64::from(d);
        }
        if all_digits {
            return Some(m as f64);
        }
    }
    if let Some(v) = fast_decimal(s) {
        return Some(v);
    }
    // Only characters of a decimal float or the words nan / inf(inity).
    if s.is_empty()
        || !s
            .iter()
            .all(|&c| c.is_ascii_digit() || b"+-.eEnNaAiIfFtTyY".contains(&c))
    {
        return None;
    }
    // ASCII checked above.
    std::str::from_utf8(s).ok()?.parse::<f64>().ok()
}

/// Exact fast path (Clinger's): `[-+]?digits(.digits)?([eE][-+]?digits)?`
/// with at most 15 significant digits and a decimal exponent within ±22;
/// both operands of the one multiplication or division are exact, so the
/// result is correctly rounded. Anything else returns `None`.
#[inline]
fn fast_decimal(s: &[u8]) -> Option<f64> {
    let (neg, mut i) = match s.first()? {
        b'-' => (true, 1),
        b'+' => (false, 1),
        _ => (false, 0),
    };
    let start = i;
    let mut mant: u64 = 0;
    let mut digits = 0u32;
    while i < s.len() && s[i].is_ascii_digit() {
        mant = mant.wrapping_mul(10).wrapping_add(u64::from(s[i] - b'0'));
        digits += 1;
        i += 1;
    }
    let int_digits = i - start;
    let mut frac = 0usize;
    if i < s.len() && s[i] == b'.' {
        i += 1;
        let fstart = i;
        while i < s.len() && s[i].is_ascii_digit() {
            mant = mant.wrapping_mul(10).wrapping_add(u64::from(s[i] - b'0'));
            digits += 1;
            i += 1;
        }
        frac = i - fstart;
    }
    if int_digits + frac == 0 || digits > 15 {
        return None;
    }
    // Optional exponent: `e` or `E`, sign, at most three digits.
    let mut exp: i32 = 0;
    if i < s.len() && (s[i] | 0x20) == b'e' {
        i += 1;
        let eneg = match s.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let estart = i;
        while i < s.len() && s[i].is_ascii_digit() && i - estart < 4 {
            exp = exp * 10 + i32::from(s[i] - b'0');
            i += 1;
        }
        if i == estart {
            return None;
        }
        if eneg {
            exp = -exp;
        }
    }
    if i != s.len() {
        return None;
    }
    let e = exp - frac as i32;
    let m = mant as f64;
    let v = if (0..=22).contains(&e) {
        m * POW10[e as usize]
    } else if (-22..0).contains(&e) {
        m / POW10[(-e) as usize]
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

/// Parses a base-10 `i64` with optional sign; `None` on overflow or junk.
#[inline]
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        let d = i64::from(c - b'0');
        v = v.checked_mul(10)?;
        v = if neg {
            v.checked_sub(d)?
        } else {
            v.checked_add(d)?
        };
    }
    Some(v)
}

/// An OpenMetrics timestamp (float seconds) as integer milliseconds.
///
/// Plain decimals are converted exactly (`1520879607.789` is
/// 1520879607789 ms, not one less through binary rounding); other forms go
/// through `f64` and are rounded to the nearest millisecond.
pub fn parse_seconds_as_ms(s: &[u8]) -> Option<i64> {
    let (neg, body) = match s.first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let dot = body.iter().position(|&c| c == b'.');
    let (int, frac) = match dot {
        Some(d) => (&body[..d], &body[d + 1..]),
        None => (body, &body[..0]),
    };
    let plain = !(int.is_empty() && frac.is_empty())
        && int.iter().all(u8::is_ascii_digit)
        && frac.iter().all(u8::is_ascii_digit);
    if plain && int.len() <= 15 {
        let mut whole: i64 = 0;
        for &c in int {
            whole = whole * 10 + i64::from(c - b'0');
        }
        let mut millis: i64 = 0;
        for k in 0..3 {
            millis = millis * 10 + frac.get(k).map_or(0, |&c| i64::from(c - b'0'));
        }
        // Round half up on the fourth fraction digit.
        if frac.get(3).is_some_and(|&c| c >= b'5') {
            millis += 1;
        }
        let v = whole * 1000 + millis;
        return Some(if neg { -v } else { v });
    }
    let f = parse_float(s)?;
    if !f.is_finite() {
        return None;
    }
    let ms = (f * 1000.0).round();
    if ms.abs() >= 9.2e18 {
        return None;
    }
    Some(ms as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_tokens_are_exact_and_bounded() {
        assert_eq!(int_token(b"12 3", 0), Some((12.0, 2)));
        assert_eq!(
            int_token(b"x 999999999999999", 2),
            Some((999_999_999_999_999.0, 17))
        );
        assert_eq!(int_token(b"1234567890123456", 0), None);
        assert_eq!(int_token(b"1.5", 0), None);
        assert_eq!(int_token(b"", 0), None);
        assert_eq!(int_token(b"7\t", 0), Some((7.0, 1)));
        assert_eq!(int_token(b"7e", 0), None);
    }
}
