//! Per-value math and calendar functions.

use chrono::{Datelike, Timelike};

/// The value of a one-argument math function, None for other names.
pub(crate) fn simple(name: &str, v: f64) -> Option<f64> {
    Some(match name {
        "abs" => v.abs(),
        "ceil" => v.ceil(),
        "floor" => v.floor(),
        "exp" => v.exp(),
        "sqrt" => v.sqrt(),
        "ln" => v.ln(),
        "log2" => v.log2(),
        "log10" => v.log10(),
        "sin" => v.sin(),
        "cos" => v.cos(),
        "tan" => v.tan(),
        "asin" => v.asin(),
        "acos" => v.acos(),
        "atan" => v.atan(),
        "sinh" => v.sinh(),
        "cosh" => v.cosh(),
        "tanh" => v.tanh(),
        "asinh" => v.asinh(),
        "acosh" => v.acosh(),
        "atanh" => v.atanh(),
        "deg" => v.to_degrees(),
        "rad" => v.to_radians(),
        "sgn" => {
            if v > 0.0 {
                1.0
            } else if v < 0.0 {
                -1.0
            } else {
                v
            }
        }
        _ => return None,
    })
}

/// Go's math.Max / math.Min: NaN wins.
pub(crate) fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

pub(crate) fn go_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

pub(crate) fn date_part(name: &str, v: f64) -> f64 {
    if !v.is_finite() {
        return f64::NAN;
    }
    let Some(d) = chrono::DateTime::from_timestamp(v as i64, 0) else {
        return f64::NAN;
    };
    match name {
        "day_of_month" => d.day() as f64,
        "day_of_week" => d.weekday().num_days_from_sunday() as f64,
        "day_of_year" => d.ordinal() as f64,
        "hour" => d.hour() as f64,
        "minute" => d.minute() as f64,
        "month" => d.month() as f64,
        "year" => d.year() as f64,
        _ => {
            // days_in_month
            let (y, m) = (d.year(), d.month());
            let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            match (
                chrono::NaiveDate::from_ymd_opt(y, m, 1),
                chrono::NaiveDate::from_ymd_opt(ny, nm, 1),
            ) {
                (Some(a), Some(b)) => (b - a).num_days() as f64,
                _ => f64::NAN,
            }
        }
    }
}
