//! Numbers, durations and instants as the screen shows them.
//!
//! Values keep a stable width for a given magnitude (three significant
//! digits) so live numbers do not jitter.

use crate::frame::Unit;

/// A value in its unit: `231ms`, `12.3%`, `1.20k/s`, `512MiB`, `1.25 cores`.
pub fn value(v: f64, unit: Unit) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    match unit {
        Unit::Seconds => seconds(v),
        Unit::Ratio => percent(v),
        Unit::PerSecond => format!("{}/s", si(v)),
        Unit::Count | Unit::None => si(v),
        Unit::Bytes => bytes(v),
        Unit::Cores => format!("{} cores", sig3(v)),
    }
}

/// A quantile read from a histogram whose highest finite bucket bound is
/// `top`: `≥ 5.00s` when it is at that bound — `histogram_quantile`
/// returns the bound when the quantile lies in the `+Inf` bucket, so the
/// true value is at least that — else as [`value`].
pub fn quantile(v: f64, unit: Unit, top: Option<f64>) -> String {
    match top {
        Some(t) if v.is_finite() && v >= t => format!("≥ {}", exact(&value(t, unit))),
        _ => value(v, unit),
    }
}

/// A configured bound written without the zeros that only keep a live
/// number's width: `5.00s` → `5s`, `2.50s` → `2.5s`.
fn exact(s: &str) -> String {
    let Some(dot) = s.find('.') else {
        return s.to_string();
    };
    let digits = s[dot + 1..]
        .find(|c: char| !c.is_ascii_digit())
        .map_or(s.len(), |n| dot + 1 + n);
    if digits == dot + 1 {
        return s.to_string();
    }
    let kept = s[dot + 1..digits].trim_end_matches('0');
    let dot_part = if kept.is_empty() {
        String::new()
    } else {
        format!(".{kept}")
    };
    format!("{}{dot_part}{}", &s[..dot], &s[digits..])
}

/// A value in its unit, or `-` when absent.
pub fn opt_value(v: Option<f64>, unit: Unit) -> String {
    v.map_or_else(|| "-".to_string(), |v| value(v, unit))
}

/// Three significant digits, no exponent: `0.123`, `1.23`, `12.3`, `123`.
pub fn sig3(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".to_string()
    } else if a >= 99_999.5 {
        format!("{v:.2e}")
    } else if a >= 99.95 {
        format!("{v:.0}")
    } else if a >= 9.995 {
        format!("{v:.1}")
    } else if a >= 0.9995 {
        format!("{v:.2}")
    } else if a >= 0.001 {
        format!("{v:.3}")
    } else {
        format!("{v:.1e}")
    }
}

/// Metric prefixes: `850`, `1.20k`, `3.40M`.
fn si(v: f64) -> String {
    const STEPS: [(f64, &str); 4] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")];
    let a = v.abs();
    for (scale, prefix) in STEPS {
        if a >= scale * 0.9995 {
            return format!("{}{prefix}", sig3(v / scale));
        }
    }
    if v.fract() == 0.0 {
        return format!("{v:.0}");
    }
    sig3(v)
}

fn seconds(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0s".to_string()
    } else if a < 0.000_999_5 {
        format!("{}µs", sig3(v * 1e6))
    } else if a < 0.999_5 {
        format!("{}ms", sig3(v * 1e3))
    } else if a < 59.95 {
        format!("{}s", sig3(v))
    } else {
        duration_ms((v * 1000.0) as i64)
    }
}

fn percent(v: f64) -> String {
    let p = v * 100.0;
    let a = p.abs();
    if a == 0.0 {
        "0%".to_string()
    } else if a >= 99.95 {
        format!("{p:.0}%")
    } else if a >= 9.995 {
        format!("{p:.1}%")
    } else {
        format!("{p:.2}%")
    }
}

fn bytes(v: f64) -> String {
    const STEPS: [(f64, &str); 4] = [
        (1024.0 * 1024.0 * 1024.0 * 1024.0, "TiB"),
        (1024.0 * 1024.0 * 1024.0, "GiB"),
        (1024.0 * 1024.0, "MiB"),
        (1024.0, "KiB"),
    ];
    let a = v.abs();
    for (scale, name) in STEPS {
        if a >= scale * 0.9995 {
            return format!("{}{name}", sig3(v / scale));
        }
    }
    format!("{v:.0}B")
}

/// A duration given in milliseconds: `450ms`, `45s`, `2m10s`, `1h05m`, `3d4h`.
pub fn duration_ms(ms: i64) -> String {
    if ms < 0 {
        return format!("-{}", duration_ms(ms.saturating_neg()));
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let s = ms / 1000;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => {
            let (m, s) = (s / 60, s % 60);
            if s == 0 {
                format!("{m}m")
            } else {
                format!("{m}m{s:02}s")
            }
        }
        3600..=86_399 => {
            let (h, m) = (s / 3600, (s % 3600) / 60);
            if m == 0 {
                format!("{h}h")
            } else {
                format!("{h}h{m:02}m")
            }
        }
        _ => {
            let (d, h) = (s / 86_400, (s % 86_400) / 3600);
            if h == 0 {
                format!("{d}d")
            } else {
                format!("{d}d{h}h")
            }
        }
    }
}

/// A `std::time::Duration` the same way as [`duration_ms`].
pub fn duration(d: std::time::Duration) -> String {
    duration_ms(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The UTC wall-clock time of `ms` since the epoch: `12:00:03Z`.
pub fn clock_utc(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || "--:--:--".to_string(),
        |t| t.format("%H:%M:%SZ").to_string(),
    )
}

/// Cuts `s` to at most `width` characters, ending with `…` when cut.
pub fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_units() {
        assert_eq!(value(0.231, Unit::Seconds), "231ms");
        assert_eq!(value(0.0042, Unit::Seconds), "4.20ms");
        assert_eq!(value(0.000_25, Unit::Seconds), "250µs");
        assert_eq!(value(5.0, Unit::Seconds), "5.00s");
        assert_eq!(value(75.0, Unit::Seconds), "1m15s");
        assert_eq!(value(0.0, Unit::Seconds), "0s");
        assert_eq!(value(0.123, Unit::Ratio), "12.3%");
        assert_eq!(value(0.0042, Unit::Ratio), "0.42%");
        assert_eq!(value(1.0, Unit::Ratio), "100%");
        assert_eq!(value(1234.0, Unit::PerSecond), "1.23k/s");
        assert_eq!(value(850.0, Unit::PerSecond), "850/s");
        assert_eq!(value(0.5, Unit::PerSecond), "0.500/s");
        assert_eq!(value(3_400_000.0, Unit::Count), "3.40M");
        assert_eq!(value(12.0, Unit::Count), "12");
        assert_eq!(value(12.5, Unit::Count), "12.5");
        assert_eq!(value(512.0 * 1024.0 * 1024.0, Unit::Bytes), "512MiB");
        assert_eq!(value(100.0, Unit::Bytes), "100B");
        assert_eq!(value(1.25, Unit::Cores), "1.25 cores");
        assert_eq!(value(f64::NAN, Unit::Seconds), "NaN");
        assert_eq!(value(f64::INFINITY, Unit::Ratio), "+Inf");
        assert_eq!(value(-f64::INFINITY, Unit::None), "-Inf");
        assert_eq!(value(-0.5, Unit::Ratio), "-50.0%");
        assert_eq!(value(999.96, Unit::None), "1.00k");
        assert_eq!(value(1e300, Unit::None), "1.00e288T");
        assert!(value(f64::MAX, Unit::Seconds).len() < 16);
        assert_eq!(quantile(5.0, Unit::Seconds, Some(5.0)), "≥ 5s");
        assert_eq!(quantile(2.5, Unit::Seconds, Some(2.5)), "≥ 2.5s");
        assert_eq!(quantile(0.5, Unit::Seconds, Some(0.25)), "≥ 250ms");
        assert_eq!(quantile(1e6, Unit::None, Some(1e6)), "≥ 1M");
        assert_eq!(
            quantile(4.949_707_736_133_05, Unit::Seconds, Some(5.0)),
            "4.95s"
        );
        assert_eq!(quantile(4.949_707_736_133_05, Unit::Seconds, None), "4.95s");
        assert_eq!(quantile(f64::NAN, Unit::Seconds, Some(5.0)), "NaN");
    }

    #[test]
    fn formats_durations_and_clock() {
        assert_eq!(duration_ms(450), "450ms");
        assert_eq!(duration_ms(45_000), "45s");
        assert_eq!(duration_ms(130_000), "2m10s");
        assert_eq!(duration_ms(120_000), "2m");
        assert_eq!(duration_ms(3_900_000), "1h05m");
        assert_eq!(duration_ms(3 * 86_400_000 + 4 * 3_600_000), "3d4h");
        assert_eq!(duration_ms(-2000), "-2s");
        assert_eq!(clock_utc(1_795_867_203_000), "12:00:03Z");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
