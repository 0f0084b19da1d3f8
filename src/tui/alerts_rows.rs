//! One row of the alerts list per alert, each field written long and
//! short (for narrow screens): state word, severity, labels, value, since
//! when, and the marks (acknowledged, muted until, silenced, stale).

use super::alerts_bar::unit_of;
use super::glyphs::Glyphs;
use super::timeview::clock;
use super::view::View;
use crate::frame::{Alert, AlertGroup, AlertState, Frame, HeldAlert, Level, Severity};
use crate::report::format;
use crate::theme::Theme;
use crate::vocab::labels::Labels;
use ratatui::style::Style;

/// Labels every alert of a rule shares; left out of the row.
const QUIET_LABELS: [&str; 2] = ["alertname", "severity"];

pub(super) fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRIT",
        Severity::Warning => "WARN",
        Severity::Info => "INFO",
    }
}

pub(super) fn severity_level(s: Severity) -> Level {
    match s {
        Severity::Critical => Level::Crit,
        Severity::Warning => Level::Warn,
        Severity::Info => Level::Unknown,
    }
}

/// `a:1 job=app`: the instance by its value, other labels as `k=v`,
/// without `alertname` and `severity`.
pub(super) fn short_labels(l: &Labels) -> String {
    let mut parts: Vec<String> = l.get("instance").map(str::to_string).into_iter().collect();
    parts.extend(
        l.iter()
            .filter(|(k, _)| !QUIET_LABELS.contains(k) && *k != "instance")
            .map(|(k, v)| format!("{k}={v}")),
    );
    parts.join(" ")
}

pub(super) struct Row {
    pub glyph: &'static str,
    pub state: &'static str,
    pub severity: Severity,
    pub name: String,
    pub labels: String,
    pub value: String,
    /// When, written long and short: (`for 2m10s`, `2m10s`).
    pub since: (String, String),
    /// Marks, each written long and short: (`ack`, `ack`),
    /// (`muted until 12:50:03Z (50m left)`, `muted 50m`), ...
    pub notes: Vec<(String, String)>,
    pub style: Style,
}

pub(super) fn notes_text(r: &Row, short: bool) -> String {
    r.notes
        .iter()
        .map(|(l, s)| if short { s.as_str() } else { l.as_str() })
        .collect::<Vec<_>>()
        .join(" · ")
}

pub(super) fn our_row(a: &Alert, frame: &Frame, view: &View, g: &Glyphs, theme: &Theme) -> Row {
    let now = frame.time_ms;
    let level = severity_level(a.severity);
    let (glyph, state, style) = match a.state {
        _ if a.stale => (g.stale, "STALE", theme.stale()),
        AlertState::Firing => (g.level(level), "FIRING", theme.level(level)),
        AlertState::Pending => (g.warn, "PENDING", theme.level(Level::Warn)),
        AlertState::Resolved => (g.ok, "RESOLVED", theme.level(Level::Ok)),
        AlertState::Inactive => (g.unknown, "INACTIVE", theme.muted()),
    };
    let ago = |t: i64| format::duration_ms((now - t).max(0));
    let since = match a.state {
        AlertState::Firing => a
            .fired_at_ms
            .or(a.active_since_ms)
            .map(|t| (format!("for {}", ago(t)), ago(t))),
        AlertState::Pending => a.pending_remaining.map(|d| {
            let d = format::duration(d);
            (format!("fires in {d}"), format!("in {d}"))
        }),
        AlertState::Resolved => a.resolved_at_ms.map(|t| {
            (
                format!("resolved {} ago", ago(t)),
                format!("{} ago", ago(t)),
            )
        }),
        AlertState::Inactive => None,
    };
    let mut notes = Vec::new();
    if a.stale {
        notes.push((
            format!("{} (target down)", a.state.as_str()),
            "target down".to_string(),
        ));
    }
    if a.acknowledged {
        notes.push(("ack".to_string(), "ack".to_string()));
    }
    if let Some(u) = a.muted_until_ms.filter(|u| *u > now) {
        let left = format::duration_ms(u - now);
        let long = format!("muted until {} ({left} left)", clock(u, view.tz()));
        notes.push(if a.silence_id.is_some() {
            (
                format!("{long} · silenced in Alertmanager"),
                format!("silenced {left}"),
            )
        } else {
            (long, format!("muted {left}"))
        });
    } else if a.silence_id.is_some() {
        notes.push((
            "silenced in Alertmanager".to_string(),
            "silenced".to_string(),
        ));
    }
    if a.inhibited {
        notes.push(("inhibited".to_string(), "inhibited".to_string()));
    }
    let quiet = a.acknowledged
        || a.inhibited
        || a.muted_until_ms.is_some_and(|u| u > now)
        || a.silence_id.is_some();
    Row {
        glyph,
        state,
        severity: a.severity,
        name: a.name.clone(),
        labels: short_labels(&a.labels),
        value: a
            .value
            .map(|v| format::value(v, unit_of(a, frame)))
            .unwrap_or_default(),
        since: since.unwrap_or_default(),
        notes,
        style: if quiet && a.state == AlertState::Firing {
            theme.muted()
        } else {
            style
        },
    }
}

/// A group's row: `CpuHigh ×38`, its worst instance and value, since when
/// it fires (or when its first pending alert fires), and its marks.
pub(super) fn group_row(gr: &AlertGroup, frame: &Frame, g: &Glyphs, theme: &Theme) -> Row {
    let members: Vec<&Alert> = gr
        .members
        .iter()
        .filter_map(|&i| frame.alerts.get(i))
        .collect();
    let level = severity_level(gr.severity);
    let all_inhibited = gr.active() == 0;
    let (glyph, state, style) = if all_inhibited {
        (g.unknown, "INHIBIT", theme.muted())
    } else if gr.firing > 0 {
        (g.level(level), "FIRING", theme.level(level))
    } else {
        (g.warn, "PENDING", theme.level(Level::Warn))
    };
    let count = if gr.firing > 0 {
        gr.firing
    } else {
        gr.active()
    };
    let name = match (count, all_inhibited) {
        (_, true) => format!("{} {}{}", gr.name, g.times, gr.inhibited),
        (1, _) => gr.name.clone(),
        (n, _) => format!("{} {}{n}", gr.name, g.times),
    };
    let mut labels: Vec<String> = gr
        .labels
        .iter()
        .filter(|(k, _)| *k != "alertname")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if let Some(i) = gr.worst.as_ref().and_then(|w| w.instance.clone()) {
        labels.insert(0, if count > 1 { format!("worst {i}") } else { i });
    }
    let unit = members
        .first()
        .map_or(crate::frame::Unit::None, |a| unit_of(a, frame));
    let now = frame.time_ms;
    let ago = |t: i64| format::duration_ms((now - t).max(0));
    let since = match gr.started_ms {
        Some(t) => (format!("for {}", ago(t)), ago(t)),
        None => members
            .iter()
            .filter(|a| !a.inhibited)
            .filter_map(|a| a.pending_remaining)
            .min()
            .map(|d| {
                let d = format::duration(d);
                (format!("fires in {d}"), format!("in {d}"))
            })
            .unwrap_or_default(),
    };
    let mut notes = Vec::new();
    if gr.firing > 0 && gr.pending > 0 {
        notes.push((
            format!("{} pending", gr.pending),
            format!("+{}p", gr.pending),
        ));
    }
    if gr.inhibited > 0 && !all_inhibited {
        notes.push((
            format!("{} inhibited", gr.inhibited),
            format!("{}i", gr.inhibited),
        ));
    }
    if gr.acknowledged {
        notes.push(("ack".to_string(), "ack".to_string()));
    }
    if gr.muted {
        notes.push(("muted".to_string(), "muted".to_string()));
    }
    if members.iter().any(|a| a.stale) {
        notes.push(("target down".to_string(), "stale".to_string()));
    }
    Row {
        glyph,
        state,
        severity: gr.severity,
        name,
        labels: labels.join(" "),
        value: gr
            .worst
            .as_ref()
            .map(|w| format::value(w.value, unit))
            .unwrap_or_default(),
        since,
        notes,
        style: if gr.acknowledged || gr.muted {
            theme.muted()
        } else {
            style
        },
    }
}

pub(super) fn held_row(h: &HeldAlert, frame: &Frame, g: &Glyphs, theme: &Theme) -> Row {
    let level = severity_level(h.severity);
    let silenced = h.state == "suppressed";
    let (glyph, state, style) = if silenced {
        (g.unknown, "SILENCED", theme.muted())
    } else {
        (g.level(level), "FIRING", theme.level(level))
    };
    let mut notes = vec![("from Alertmanager".to_string(), "Alertmanager".to_string())];
    if !h.summary.is_empty() {
        notes.push((h.summary.clone(), h.summary.clone()));
    }
    Row {
        glyph,
        state,
        severity: h.severity,
        name: h.name.clone(),
        labels: short_labels(&h.labels),
        value: String::new(),
        since: h
            .starts_at_ms
            .map(|t| {
                let d = format::duration_ms((frame.time_ms - t).max(0));
                (format!("for {d}"), d)
            })
            .unwrap_or_default(),
        notes,
        style,
    }
}
