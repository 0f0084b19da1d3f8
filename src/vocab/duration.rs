//! Prometheus durations: `500ms`, `30s`, `5m`, `1h30m`, `1d`, `1w`, `1y`.

use std::time::Duration;

/// A duration string that is not a Prometheus duration.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid duration {0:?}: expected a Prometheus duration such as 500ms, 30s, 5m or 1h30m")]
pub struct DurationError(pub String);

/// Prometheus's duration units, largest first, in milliseconds.
const UNITS: [(&str, u64); 7] = [
    ("y", 365 * 24 * 3600 * 1000),
    ("w", 7 * 24 * 3600 * 1000),
    ("d", 24 * 3600 * 1000),
    ("h", 3600 * 1000),
    ("m", 60 * 1000),
    ("s", 1000),
    ("ms", 1),
];

/// Parses a Prometheus duration. Units must appear from largest to
/// smallest, each at most once (`1h30m`, not `30m1h`).
pub fn parse_duration(s: &str) -> Result<Duration, DurationError> {
    let err = || DurationError(s.to_string());
    if s.is_empty() {
        return Err(err());
    }
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut total: u64 = 0;
    let mut last_unit = 0usize; // index into UNITS that the next unit must exceed
    let mut first = true;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if start == i {
            return Err(err());
        }
        let n: u64 = s[start..i].parse().map_err(|_| err())?;
        let ustart = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = &s[ustart..i];
        let idx = UNITS.iter().position(|(u, _)| *u == unit).ok_or_else(err)?;
        if !first && idx <= last_unit {
            return Err(err());
        }
        first = false;
        last_unit = idx;
        total = n
            .checked_mul(UNITS[idx].1)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(err)?;
    }
    Ok(Duration::from_millis(total))
}

/// Formats a duration the way Prometheus prints it (`1h30m`, `10s`, `500ms`).
pub fn format_duration(d: Duration) -> String {
    let mut ms = d.as_millis() as u64;
    if ms == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (unit, size) in UNITS {
        if ms >= size {
            out.push_str(&format!("{}{}", ms / size, unit));
            ms %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prometheus_durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert!(parse_duration("30m1h").is_err());
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn formats_round_trip() {
        for s in ["1h30m", "10s", "500ms", "2m", "1d2h"] {
            assert_eq!(format_duration(parse_duration(s).unwrap()), s);
        }
    }
}
