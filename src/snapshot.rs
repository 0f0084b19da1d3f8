//! `vitals snapshot`: the stable JSON document and the Markdown summary.

use crate::frame::{AlertState, Frame};
use serde_json::{json, Value};

/// RFC 3339 with milliseconds, UTC: `2026-11-22T12:00:00.123Z`.
pub fn rfc3339_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// RFC 3339 to the second, UTC.
pub fn rfc3339_s(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// Finite values as JSON numbers; NaN and infinities as `"NaN"`, `"+Inf"`, `"-Inf"`.
pub fn json_number(v: f64) -> Value {
    if v.is_nan() {
        json!("NaN")
    } else if v == f64::INFINITY {
        json!("+Inf")
    } else if v == f64::NEG_INFINITY {
        json!("-Inf")
    } else {
        json!(v)
    }
}

/// The snapshot document of PRODUCT.md ("Snapshot JSON").
pub fn to_json(frame: &Frame) -> Value {
    let targets: Vec<Value> = frame
        .targets
        .iter()
        .map(|t| {
            json!({
                "url": t.url,
                "job": t.job,
                "instance": t.instance,
                "up": t.up,
                "scrape_duration_seconds": json_number(t.scrape_duration_seconds),
                "samples": t.samples,
                "invalid_lines": t.invalid_lines,
                "error": t.error,
            })
        })
        .collect();
    let panels: Vec<Value> = frame
        .panels
        .iter()
        .map(|p| {
            let series: Vec<Value> = p
                .series
                .iter()
                .filter_map(|s| {
                    s.value
                        .map(|v| json!({"labels": s.labels, "value": json_number(v)}))
                })
                .collect();
            json!({
                "id": p.id,
                "title": p.title,
                "exprs": p.exprs,
                "unit": p.unit.as_str(),
                "warming_up": p.warming_up,
                "series": series,
                "error": p.error,
            })
        })
        .collect();
    let alerts: Vec<Value> = frame
        .alerts
        .iter()
        .filter(|a| a.state != AlertState::Inactive)
        .map(|a| {
            json!({
                "name": a.name,
                "state": a.state.as_str(),
                "stale": a.stale,
                "severity": a.severity.as_str(),
                "labels": a.labels,
                "value": a.value.map(json_number),
                "threshold": a.threshold.map(json_number),
                "active_since": a.active_since_ms.map(rfc3339_s),
                "summary": a.summary,
            })
        })
        .collect();
    let mut doc = json!({
        "time": rfc3339_ms(frame.time_ms),
        "source": frame.source.as_str(),
        "targets": targets,
        "panels": panels,
        "alerts": alerts,
    });
    if let (Some(s), Some(map)) = (&frame.server, doc.as_object_mut()) {
        map.insert(
            "server".into(),
            json!({
                "url": s.url,
                "version": s.version,
                "error": s.error,
                "data_time": s.data_ms.map(rfc3339_ms),
                "warnings": s.warnings,
            }),
        );
    }
    doc
}

use crate::tui::format::value as format_value;

/// A Markdown summary for pasting into an incident channel.
pub fn to_markdown(frame: &Frame) -> String {
    let mut out = String::new();
    let up = frame.targets.iter().filter(|t| t.up).count();
    out.push_str(&format!(
        "**vitals** at {} — source {}, targets up {}/{}\n\n",
        rfc3339_s(frame.time_ms),
        frame.source.as_str(),
        up,
        frame.targets.len()
    ));
    out.push_str("| signal | series | value |\n|---|---|---|\n");
    for p in &frame.panels {
        if let Some(e) = &p.error {
            out.push_str(&format!("| {} | — | {} |\n", p.title, md_escape(e)));
            continue;
        }
        let mut any = false;
        for s in p.series.iter().filter(|s| s.value.is_some()) {
            any = true;
            let name = if s.legend.is_empty() {
                "—".to_string()
            } else {
                s.legend.clone()
            };
            out.push_str(&format!(
                "| {} | {} | {}{} |\n",
                p.title,
                md_escape(&name),
                format_value(s.value.unwrap_or(f64::NAN), p.unit),
                if p.warming_up { " (warming up)" } else { "" }
            ));
        }
        if !any {
            out.push_str(&format!("| {} | — | no data |\n", p.title));
        }
    }
    let firing: Vec<_> = frame
        .alerts
        .iter()
        .filter(|a| a.state == AlertState::Firing)
        .collect();
    out.push_str(&format!("\n**Firing alerts: {}**\n", firing.len()));
    for a in firing {
        out.push_str(&format!(
            "- {} [{}]{} {} — {}\n",
            a.name,
            a.severity.as_str(),
            if a.stale { " (stale)" } else { "" },
            a.labels.get("instance").unwrap_or(""),
            md_escape(&a.summary)
        ));
    }
    let down: Vec<_> = frame.targets.iter().filter(|t| !t.up).collect();
    if !down.is_empty() {
        out.push_str("\n**Targets down**\n");
        for t in down {
            out.push_str(&format!(
                "- {} — {}\n",
                t.instance,
                md_escape(t.error.as_deref().unwrap_or("not scraped yet"))
            ));
        }
    }
    out
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_times() {
        assert_eq!(json_number(f64::NAN), json!("NaN"));
        assert_eq!(json_number(f64::NEG_INFINITY), json!("-Inf"));
        assert_eq!(json_number(0.5), json!(0.5));
        assert_eq!(rfc3339_ms(1_795_348_800_123), "2026-11-22T12:00:00.123Z");
    }
}
