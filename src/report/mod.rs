//! `vitals snapshot`: the stable JSON document and the Markdown summary.

mod check;
pub mod format;
pub mod outliers;

use crate::frame::{AlertState, Frame};
use crate::vocab::time::{rfc3339_ms, rfc3339_s};
use serde_json::{json, Value};

pub use crate::vocab::json_number;
pub use check::{check_report, CheckReport};

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
                "inhibited": a.inhibited,
            })
        })
        .collect();
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
    let mut doc = json!({
        "time": rfc3339_ms(frame.time_ms),
        "source": frame.source.as_str(),
        "targets": targets,
        "panels": panels,
        "alerts": alerts,
        "alert_groups": groups,
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

use format::value as format_value;

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
    if let Some(p) = &frame.pinned {
        out.push_str(&format!("Signals pinned to instance {}.\n\n", md_escape(p)));
    }
    out.push_str("| signal | series | value |\n|---|---|---|\n");
    for p in &frame.panels {
        if let Some(e) = &p.error {
            out.push_str(&format!(
                "| {} | — | {} |\n",
                md_escape(&p.title),
                md_escape(e)
            ));
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
                md_escape(&p.title),
                md_escape(&name),
                format_value(s.value.unwrap_or(f64::NAN), p.unit),
                if p.warming_up { " (warming up)" } else { "" }
            ));
        }
        if !any {
            out.push_str(&format!("| {} | — | no data |\n", md_escape(&p.title)));
        }
    }
    out.push_str(&worst_instances(frame));
    let firing: Vec<_> = frame
        .alerts
        .iter()
        .filter(|a| a.state == AlertState::Firing)
        .collect();
    out.push_str(&format!("\n**Firing alerts: {}**\n", firing.len()));
    for a in firing {
        out.push_str(&format!(
            "- {} [{}]{} {} — {}\n",
            md_escape(&a.name),
            a.severity.as_str(),
            if a.stale { " (stale)" } else { "" },
            md_escape(a.labels.get("instance").unwrap_or("")),
            md_escape(&a.summary)
        ));
    }
    if !frame.file_sd.is_empty() {
        out.push_str("\n**file_sd files that cannot be used** (their last targets are kept)\n");
        for (_, error) in &frame.file_sd {
            out.push_str(&format!("- {}\n", md_escape(error)));
        }
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

/// The three worst instances per signal (CPU, p99, errors), outliers
/// above the fleet (robust z-score) marked with ◆.
fn worst_instances(frame: &Frame) -> String {
    use crate::frame::{InstanceRow, Unit};
    use crate::report::outliers;
    type Pick = fn(&InstanceRow) -> Option<f64>;
    let signals: [(&str, Pick); 3] = [
        ("CPU", |r| r.cpu),
        ("p99", |r| r.p99),
        ("errors", |r| r.error_ratio),
    ];
    let mut lines = String::new();
    for (name, pick) in signals {
        let vals: Vec<Option<f64>> = frame
            .instances
            .iter()
            .map(|r| pick(r).filter(|_| r.up))
            .collect();
        let flags = outliers::flags(&vals, false);
        let top = outliers::worst(&vals, 3);
        if top.is_empty() {
            continue;
        }
        let names: Vec<String> = top
            .iter()
            .map(|i| {
                let r = &frame.instances[*i];
                let unit = match name {
                    "CPU" if r.cpu_is_cores => Unit::Cores,
                    "p99" => Unit::Seconds,
                    _ => Unit::Ratio,
                };
                let mark = if flags[*i] { " ◆" } else { "" };
                format!(
                    "{} {}{mark}",
                    md_escape(&r.instance),
                    format_value(vals[*i].unwrap_or(f64::NAN), unit)
                )
            })
            .collect();
        lines.push_str(&format!("- {name}: {}\n", names.join(" · ")));
    }
    if lines.is_empty() {
        return lines;
    }
    format!("\n**Worst instances** (◆ outlier)\n{lines}")
}

/// A value from outside in a Markdown table or list: pipes escaped, line
/// breaks joined, control characters made visible (`crate::vocab::text`).
fn md_escape(s: &str) -> String {
    crate::vocab::text::one_line(&s.replace('|', "\\|").replace('\n', " ")).into_owned()
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

    #[test]
    fn markdown_names_the_worst_instances_and_the_pin() {
        use crate::frame::InstanceRow;
        let row = |i: u32, cpu: f64| InstanceRow {
            instance: format!("10.0.0.{i}:9100"),
            up: true,
            cpu: Some(cpu),
            p99: Some(0.05),
            ..Default::default()
        };
        let mut instances: Vec<InstanceRow> = (1..=6).map(|i| row(i, 0.30)).collect();
        instances[3].cpu = Some(0.97);
        instances[5].cpu = Some(0.31);
        let frame = Frame {
            instances,
            pinned: Some("10.0.0.4:9100".into()),
            ..Frame::default()
        };
        let md = to_markdown(&frame);
        assert!(
            md.contains("Signals pinned to instance 10.0.0.4:9100."),
            "{md}"
        );
        assert!(
            md.contains(
                "- CPU: 10.0.0.4:9100 97.0% ◆ · 10.0.0.6:9100 31.0% · 10.0.0.1:9100 30.0%\n"
            ),
            "{md}"
        );
        assert!(md.contains("- p99: 10.0.0.1:9100 50.0ms"), "{md}");
        assert!(!md.contains("- errors:"), "no error ratios, no line: {md}");
        let empty = to_markdown(&Frame::default());
        assert!(!empty.contains("Worst instances"), "{empty}");
    }
}
