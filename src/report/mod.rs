//! `vitals snapshot`: the stable JSON document and the Markdown summary.

mod check;
pub(crate) mod ci;
pub mod format;
mod groups;
pub mod outliers;
mod summary;
pub mod timeline;

use crate::frame::{AlertState, Frame};
use crate::vocab::time::{rfc3339_ms, rfc3339_s};
use serde_json::{json, Value};

pub use crate::vocab::json_number;
pub use check::{check_report, check_report_as, CheckFormat, CheckReport};
pub use groups::{counts, firing_line, Counts};
pub use summary::{panel_rows, to_export_markdown, to_markdown, WORST_SHOWN};
pub use timeline::{timeline, Entry};

/// The snapshot JSON's `alert_groups` (also `check --format json`'s).
pub fn groups_json(frame: &Frame) -> Value {
    let groups: Vec<Value> = frame
        .alert_groups
        .iter()
        .map(|g| {
            json!({
                "name": g.name,
                "severity": g.severity.as_str(),
                "labels": g.labels,
                "firing": g.firing,
                "pending": g.pending,
                "inhibited": g.inhibited,
                "started": g.started_ms.map(rfc3339_s),
                "worst": g.worst.as_ref().map(|w| json!({
                    "value": json_number(w.value),
                    "instance": w.instance,
                })),
            })
        })
        .collect();
    Value::Array(groups)
}

/// The snapshot document of PRODUCT.md ("Snapshot JSON").
pub fn to_json(frame: &Frame) -> Value {
    let targets: Vec<Value> = frame
        .targets
        .iter()
        .map(|t| {
            json!({
                "url": crate::vocab::redact::redact_urls(&t.url),
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
            let mut panel = json!({
                "id": p.id,
                "title": p.title,
                "exprs": p.exprs,
                "unit": p.unit.as_str(),
                "warming_up": p.warming_up,
                "series": series,
                "error": p.error,
            });
            // Only for a histogram's quantiles: a value equal to it lies
            // in the `+Inf` bucket ("at least this much").
            if let (Some(t), Some(map)) = (p.top_bucket, panel.as_object_mut()) {
                map.insert("top_bucket".into(), json_number(t));
            }
            panel
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
                "inhibited": a.inhibited,
            })
        })
        .collect();
    let mut doc = json!({
        "time": rfc3339_ms(frame.time_ms),
        "source": frame.source.as_str(),
        "targets": targets,
        "panels": panels,
        "alerts": alerts,
        "alert_groups": groups_json(frame),
        "notes": timeline::notes_json(frame),
    });
    if let (false, Some(map)) = (frame.file_sd.is_empty(), doc.as_object_mut()) {
        let files: Vec<Value> = frame
            .file_sd
            .iter()
            .map(|(path, error)| json!({"path": path, "error": error}))
            .collect();
        map.insert("file_sd".into(), Value::Array(files));
    }
    if let (Some(s), Some(map)) = (&frame.server, doc.as_object_mut()) {
        map.insert(
            "server".into(),
            json!({
                "url": crate::vocab::redact::redact_urls(&s.url),
                "version": s.version,
                "error": s.error,
                "data_time": s.data_ms.map(rfc3339_ms),
                "warnings": s.warnings,
            }),
        );
    }
    doc
}

#[cfg(test)]
mod check_tests;
#[cfg(test)]
mod fixture;
#[cfg(test)]
mod tests;
