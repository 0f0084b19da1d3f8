//! Alert summary templates: the subset of Prometheus's Go templates that
//! summaries use — `{{ $value }}`, `{{ $labels.name }}`, `{{ $labels.name }}`
//! and the pipes `humanize`, `humanizePercentage`, `humanizeDuration`.

use crate::vocab::labels::Labels;

/// Renders `tpl` for one alert instance. Unknown actions are kept verbatim,
/// so a typo is visible rather than silently dropped.
pub fn render(tpl: &str, value: f64, labels: &Labels) -> String {
    let mut out = String::with_capacity(tpl.len());
    let mut rest = tpl;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let action = after[..end]
            .trim()
            .trim_start_matches('-')
            .trim_end_matches('-')
            .trim();
        match eval_action(action, value, labels) {
            Some(s) => out.push_str(&s),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

fn eval_action(action: &str, value: f64, labels: &Labels) -> Option<String> {
    let mut parts = action.split('|').map(str::trim);
    let head = parts.next()?;
    let mut v: Value = if head == "$value" || head == ".Value" {
        Value::Num(value)
    } else if let Some(l) = head
        .strip_prefix("$labels.")
        .or_else(|| head.strip_prefix(".Labels."))
    {
        Value::Str(labels.get(l).unwrap_or("").to_string())
    } else {
        return None;
    };
    for pipe in parts {
        let n = match &v {
            Value::Num(n) => *n,
            Value::Str(s) => s.parse().ok()?,
        };
        v = Value::Str(match pipe {
            "humanize" => humanize(n),
            "humanizePercentage" => format!("{}%", trim_float(n * 100.0)),
            "humanizeDuration" => humanize_duration(n),
            "printf \"%.2f\"" => format!("{n:.2}"),
            _ => return None,
        });
    }
    Some(match v {
        Value::Num(n) => format_value(n),
        Value::Str(s) => s,
    })
}

enum Value {
    Num(f64),
    Str(String),
}

/// Go's `%v`-like formatting of a float, as Prometheus prints `$value`.
pub fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        format!("{v}")
    }
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

fn humanize(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format_value(v);
    }
    let a = v.abs();
    if a >= 1.0 {
        for (div, p) in [
            (1e24, "Y"),
            (1e21, "Z"),
            (1e18, "E"),
            (1e15, "P"),
            (1e12, "T"),
            (1e9, "G"),
            (1e6, "M"),
            (1e3, "k"),
        ] {
            if a >= div {
                return format!("{}{}", trim_float(v / div), p);
            }
        }
        return trim_float(v);
    }
    for (mul, p) in [(1e3, "m"), (1e6, "µ"), (1e9, "n"), (1e12, "p")] {
        if a * mul >= 1.0 {
            return format!("{}{}", trim_float(v * mul), p);
        }
    }
    trim_float(v)
}

fn humanize_duration(v: f64) -> String {
    if !v.is_finite() {
        return format_value(v);
    }
    if v.abs() < 1.0 {
        return humanize(v) + "s";
    }
    let mut secs = v.abs();
    let mut out = String::new();
    if v < 0.0 {
        out.push('-');
    }
    for (size, unit) in [(86400.0, "d"), (3600.0, "h"), (60.0, "m")] {
        if secs >= size {
            out.push_str(&format!("{}{} ", (secs / size).floor(), unit));
            secs %= size;
        }
    }
    out.push_str(&format!("{}s", trim_float(secs)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_value_labels_and_pipes() {
        let l = Labels::from_pairs([("instance", "a:1")]);
        assert_eq!(
            render("p99 {{ $value }}s on {{ $labels.instance }}", 0.25, &l),
            "p99 0.25s on a:1"
        );
        assert_eq!(
            render("{{ $value | humanizePercentage }}", 0.3125, &l),
            "31.25%"
        );
        assert_eq!(render("{{ $value | humanize }}", 1234567.0, &l), "1.2346M");
        assert_eq!(
            render("{{ $value | humanizeDuration }}", 3725.0, &l),
            "1h 2m 5s"
        );
        assert_eq!(render("{{ $labels.missing }}x", 1.0, &l), "x");
        assert_eq!(
            render("{{ .Bad }} {{ unclosed", 1.0, &l),
            "{{ .Bad }} {{ unclosed"
        );
    }
}
