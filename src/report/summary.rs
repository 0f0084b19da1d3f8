//! `snapshot --format text` and `:export`: a Markdown summary short enough
//! for an incident channel (`:export` adds the timeline of transitions and
//! notes, `timeline.rs`). Alerts come first, as groups (`Firing: N
//! alerts in M groups, P pending`, then one line per group); a panel with
//! a series per instance shows its five worst instances and the fleet's
//! median instead of every instance; every value has three significant
//! digits, and a quantile at its histogram's top finite bucket reads
//! `≥ 5s`.

use super::format::{self, quantile};
use super::groups::{counts, firing_line, group_line, lone_summary};
use super::outliers;
use crate::frame::{Frame, InstanceRow, Panel, Series, Unit};
use crate::vocab::labels::Labels;
use crate::vocab::time::rfc3339_s;

/// Instances a per-instance panel lists before the fleet's median.
pub const WORST_SHOWN: usize = 5;

/// A Markdown summary for pasting into an incident channel, with the
/// notes (`:note`) made so far.
pub fn to_markdown(frame: &Frame) -> String {
    let mut out = summary(frame);
    out.push_str(&super::timeline::notes_md(frame));
    out
}

/// What `:export` writes: the summary, then the `Timeline` of alert
/// transitions and notes in time order, the skeleton of a postmortem.
pub fn to_export_markdown(frame: &Frame) -> String {
    let mut out = summary(frame);
    out.push_str(&super::timeline::timeline_md(frame));
    out
}

/// The summary of the instant: alerts, signals, worst instances, broken
/// file_sd files and targets down.
fn summary(frame: &Frame) -> String {
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
    out.push_str(&alerts(frame));
    out.push_str("\n| signal | series | value |\n|---|---|---|\n");
    for p in &frame.panels {
        if let Some(e) = &p.error {
            out.push_str(&format!(
                "| {} | — | {} |\n",
                md_escape(&p.title),
                md_escape(e)
            ));
            continue;
        }
        let rows = panel_rows(p);
        if rows.is_empty() {
            out.push_str(&format!("| {} | — | no data |\n", md_escape(&p.title)));
        }
        for (name, value) in rows {
            out.push_str(&format!(
                "| {} | {} | {value}{} |\n",
                md_escape(&p.title),
                md_escape(&name),
                if p.warming_up { " (warming up)" } else { "" }
            ));
        }
    }
    out.push_str(&worst_instances(frame));
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
                md_escape(&t.instance),
                md_escape(t.error.as_deref().unwrap_or("not scraped yet"))
            ));
        }
    }
    out
}

/// The `Firing:` line and one line per group, when it started firing
/// (or became pending) and whether it is acknowledged or muted.
fn alerts(frame: &Frame) -> String {
    let c = counts(frame);
    let mut out = format!("{}\n", firing_line(c));
    if c.inhibited > 0 {
        out.push_str(&format!(
            "Inhibited: {} alerts, held back by a firing alert (inhibit_rules); not counted above\n",
            c.inhibited
        ));
    }
    if !frame.alert_groups.is_empty() {
        out.push('\n');
    }
    let esc = |s: &str| md_escape(s);
    for g in &frame.alert_groups {
        let mut note = match (g.started_ms, g.active_since_ms) {
            (Some(t), _) if g.firing > 0 => format!(", started {}", format::clock_utc(t)),
            (_, Some(t)) => format!(", pending since {}", format::clock_utc(t)),
            _ => String::new(),
        };
        if g.acknowledged {
            note.push_str(", acknowledged");
        }
        if g.muted {
            note.push_str(", muted");
        }
        let mut line = group_line(frame, g, &esc, &note);
        if let Some(s) = lone_summary(frame, g) {
            line.push_str(&format!(" — {}", md_escape(&s)));
        }
        out.push_str(&format!("- {line}\n"));
    }
    out
}

/// Whether lower values of `s` are the bad ones (a threshold crossed
/// downwards).
fn low_is_bad(s: &Series) -> bool {
    s.thresholds.below
}

/// The middle of the finite values (the mean of the two middle ones).
fn median(values: &[f64]) -> Option<f64> {
    let mut xs: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    Some(if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    })
}

/// A panel's rows (series name, value): series of the fleet as they are;
/// series of one instance each, grouped by their other labels, as they
/// are when few, else the [`WORST_SHOWN`] worst and the fleet's median.
pub fn panel_rows(p: &Panel) -> Vec<(String, String)> {
    let fmt = |v: f64| quantile(v, p.unit, p.top_bucket);
    let mut rows = Vec::new();
    let mut per_instance: Vec<(Labels, Vec<&Series>)> = Vec::new();
    for s in p.series.iter().filter(|s| s.value.is_some()) {
        if s.labels.get("instance").is_none() {
            rows.push((legend(s), fmt(s.value.unwrap_or(f64::NAN))));
            continue;
        }
        let key = s.labels.drop_names(&["instance", "job"]);
        match per_instance.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(s),
            None => per_instance.push((key, vec![s])),
        }
    }
    for (_, mut series) in per_instance {
        let value = |s: &Series| s.value.unwrap_or(f64::NAN);
        if series.len() <= WORST_SHOWN + 1 {
            rows.extend(series.iter().map(|s| (legend(s), fmt(value(s)))));
            continue;
        }
        let all: Vec<f64> = series.iter().map(|s| value(s)).collect();
        // Worst first in the panel's bad direction; NaN last.
        series.sort_by(|a, b| {
            let (x, y) = (value(a), value(b));
            let rank = |v: f64| if v.is_nan() { 1 } else { 0 };
            rank(x).cmp(&rank(y)).then(if low_is_bad(a) {
                x.total_cmp(&y)
            } else {
                y.total_cmp(&x)
            })
        });
        for s in series.iter().take(WORST_SHOWN) {
            rows.push((legend(s), fmt(value(s))));
        }
        let first = series[0];
        let stem = first
            .labels
            .get("instance")
            .map_or(first.legend.as_str(), |i| {
                first.legend.strip_suffix(i).unwrap_or(&first.legend)
            })
            .trim()
            .to_string();
        let name = if stem.is_empty() || stem == first.legend {
            format!("median of {} instances", series.len())
        } else {
            format!("{stem}: median of {} instances", series.len())
        };
        rows.push((name, median(&all).map_or_else(|| "NaN".into(), fmt)));
    }
    rows
}

fn legend(s: &Series) -> String {
    if s.legend.is_empty() {
        "—".to_string()
    } else {
        s.legend.clone()
    }
}

/// The three worst instances per signal (CPU, p99, errors), outliers
/// above the fleet (robust z-score) marked with ◆.
fn worst_instances(frame: &Frame) -> String {
    type Pick = fn(&InstanceRow) -> Option<f64>;
    let signals: [(&str, Pick); 3] = [
        ("CPU", |r| r.cpu),
        ("p99", |r| r.p99),
        ("errors", |r| r.error_ratio),
    ];
    let top_bucket = frame
        .panels
        .iter()
        .find(|p| p.id == "latency")
        .and_then(|p| p.top_bucket);
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
                let v = vals[*i].unwrap_or(f64::NAN);
                let value = match name {
                    "CPU" if r.cpu_is_cores => format::value(v, Unit::Cores),
                    "p99" => quantile(v, Unit::Seconds, top_bucket),
                    _ => format::value(v, Unit::Ratio),
                };
                let mark = if flags[*i] { " ◆" } else { "" };
                format!("{} {value}{mark}", md_escape(&r.instance))
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
pub fn md_escape(s: &str) -> String {
    crate::vocab::text::one_line(&s.replace('|', "\\|").replace('\n', " ")).into_owned()
}
