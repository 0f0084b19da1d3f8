//! The alerts list (`A`), drawn over the body below the alerts bar: every
//! alert instance of this run (state, severity, labels, value, since when,
//! acknowledged / muted until / stale), then the alerts Alertmanager holds,
//! marked as such, then the latest transitions. Also the `m` prompt's
//! bottom row. Keys are in `alerts_keys.rs`.
//!
//! ```text
//! ╭ Alerts 2 firing, 1 pending · 1 from Alertmanager ── j k select · a ack · m mute · Esc ╮
//! │›✗ FIRING   CRIT LatencyP99High  instance=127.0.0.1:9100  231ms  for 2m10s  ack       │
//! │ ◌ STALE    WARN CpuBusy         instance=127.0.0.1:41001 82.3%  for 2m10s  muted 59m │
//! │ ▲ PENDING  WARN ErrorRatioHigh                           3.10%  fires in 20s         │
//! │ ✗ FIRING   CRIT DiskFull        instance=db:9100                for 5m  from Alertm… │
//! │ History                                                                              │
//! │ 12:00:03Z LatencyP99High instance=127.0.0.1:9100 pending -> firing 231ms             │
//! ╰──────────────────────────────────────────────────────────────────────────────────────╯
//! ```

use super::alerts_bar::unit_of;
use super::alerts_keys::{rows, selected_index};
use super::format;
use super::glyphs::Glyphs;
use super::layout::Plan;
use super::timeview::clock;
use super::view::View;
use crate::frame::{Alert, AlertState, Frame, HeldAlert, Level, Severity, Unit};
use crate::labels::Labels;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Widget};

/// Labels every alert of a rule shares; left out of the row.
const QUIET_LABELS: [&str; 2] = ["alertname", "severity"];

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRIT",
        Severity::Warning => "WARN",
        Severity::Info => "INFO",
    }
}

fn severity_level(s: Severity) -> Level {
    match s {
        Severity::Critical => Level::Crit,
        Severity::Warning => Level::Warn,
        Severity::Info => Level::Unknown,
    }
}

/// `a:1 job=app`: the instance by its value, other labels as `k=v`,
/// without `alertname` and `severity`.
fn short_labels(l: &Labels) -> String {
    let mut parts: Vec<String> = l.get("instance").map(str::to_string).into_iter().collect();
    parts.extend(
        l.iter()
            .filter(|(k, _)| !QUIET_LABELS.contains(k) && *k != "instance")
            .map(|(k, v)| format!("{k}={v}")),
    );
    parts.join(" ")
}

struct Row {
    glyph: &'static str,
    state: &'static str,
    severity: Severity,
    name: String,
    labels: String,
    value: String,
    /// When, written long and short: (`for 2m10s`, `2m10s`).
    since: (String, String),
    /// Marks, each written long and short: (`ack`, `ack`),
    /// (`muted until 12:50:03Z (50m left)`, `muted 50m`), ...
    notes: Vec<(String, String)>,
    style: Style,
}

fn notes_text(r: &Row, short: bool) -> String {
    r.notes
        .iter()
        .map(|(l, s)| if short { s.as_str() } else { l.as_str() })
        .collect::<Vec<_>>()
        .join(" · ")
}

fn our_row(a: &Alert, frame: &Frame, view: &View, g: &Glyphs, theme: &Theme) -> Row {
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
    let quiet =
        a.acknowledged || a.muted_until_ms.is_some_and(|u| u > now) || a.silence_id.is_some();
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

fn held_row(h: &HeldAlert, frame: &Frame, g: &Glyphs, theme: &Theme) -> Row {
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

fn pad(s: &str, w: usize) -> String {
    let s = format::truncate(s, w);
    let n = s.chars().count();
    format!("{s}{}", " ".repeat(w.saturating_sub(n)))
}

fn title(frame: &Frame) -> String {
    let count = |s: AlertState| frame.alerts.iter().filter(|a| a.state == s).count();
    let mut t = format!(
        " Alerts {} firing, {} pending",
        count(AlertState::Firing),
        count(AlertState::Pending)
    );
    if !frame.alertmanager_alerts.is_empty() {
        t.push_str(&format!(
            " · {} from Alertmanager",
            frame.alertmanager_alerts.len()
        ));
    }
    t.push(' ');
    t
}

/// Draws the list over the body when it is open.
pub fn render(
    frame: &Frame,
    view: &View,
    theme: &Theme,
    plan: &Plan,
    area: Rect,
    buf: &mut Buffer,
) {
    if !view.alerts.open {
        return;
    }
    let top = plan.alerts.bottom().max(area.y);
    let body = Rect::new(area.x, top, area.width, area.bottom().saturating_sub(top));
    if body.height < 3 || body.width < 20 {
        return;
    }
    let g = Glyphs::new(view.ascii);
    Clear.render(body, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(g.focus_border())
        .border_style(theme.border(true))
        .title(Span::styled(title(frame), theme.accent()))
        .title_bottom(Span::styled(
            " j k select · a ack · m mute · A/Esc close ",
            theme.muted(),
        ));
    let inner = block.inner(body);
    block.render(body, buf);
    let keys = rows(frame);
    let mut list: Vec<Row> = frame
        .alerts
        .iter()
        .map(|a| our_row(a, frame, view, &g, theme))
        .collect();
    list.extend(
        frame
            .alertmanager_alerts
            .iter()
            .map(|h| held_row(h, frame, &g, theme)),
    );
    let height = usize::from(inner.height);
    if list.is_empty() {
        let msg = format!(" {} no alerts this run", g.ok);
        Line::from(Span::styled(msg, theme.level(Level::Ok))).render(inner, buf);
        draw_history(
            frame,
            view,
            theme,
            Rect {
                y: inner.y + 2,
                height: inner.height.saturating_sub(2),
                ..inner
            },
            buf,
        );
        return;
    }
    // The list takes what it needs, up to two thirds when there is history.
    let list_h = if frame.alert_history.is_empty() || height < 8 {
        height
    } else {
        list.len().min(height * 2 / 3).max(1)
    };
    let sel = selected_index(&view.alerts, &keys).min(list.len() - 1);
    let offset = sel.saturating_sub(list_h.saturating_sub(1));
    // Narrow screens drop the severity word (the glyph and colour carry
    // it) and write the marks short, so they stay visible.
    let narrow = inner.width < 110;
    let widest = |f: &dyn Fn(&Row) -> usize| list.iter().map(f).max().unwrap_or(0);
    let mut name_w = widest(&|r| r.name.chars().count()).min(28);
    let mut labels_w = widest(&|r| r.labels.chars().count()).min(40);
    let value_w = widest(&|r| r.value.chars().count());
    let since_of = |r: &Row| {
        if narrow {
            r.since.1.clone()
        } else {
            r.since.0.clone()
        }
    };
    let since_w = widest(&|r| since_of(r).chars().count());
    let notes_w = widest(&|r| notes_text(r, narrow).chars().count());
    let sev_w = if narrow { 0 } else { 5 };
    let fixed = 1 + 2 + 9 + sev_w + value_w + 1 + since_w + 1;
    let mut excess =
        (fixed + name_w + 1 + labels_w + 1 + notes_w).saturating_sub(usize::from(inner.width));
    let give = excess.min(labels_w.saturating_sub(15));
    labels_w -= give;
    excess -= give;
    name_w -= excess.min(name_w.saturating_sub(14));
    for (i, r) in list.iter().enumerate().skip(offset).take(list_h) {
        let y = inner.y + (i - offset) as u16;
        let marker = if i == sel { "›" } else { " " };
        let sev = if narrow {
            String::new()
        } else {
            format!("{} ", severity_word(r.severity))
        };
        let text = format!(
            "{marker}{} {} {sev}{} {} {} {} {}",
            r.glyph,
            pad(r.state, 8),
            pad(&r.name, name_w),
            pad(&r.labels, labels_w),
            pad(&r.value, value_w),
            pad(&since_of(r), since_w),
            notes_text(r, narrow)
        );
        let style = if i == sel {
            r.style.add_modifier(Modifier::REVERSED)
        } else {
            r.style
        };
        let row = Rect::new(inner.x, y, inner.width, 1);
        if i == sel {
            buf.set_style(row, style);
        }
        let text = format::truncate(&text, usize::from(inner.width));
        buf.set_stringn(row.x, row.y, text, usize::from(row.width), style);
    }
    let used = list_h.min(list.len()) as u16;
    let rest = Rect {
        y: inner.y + used,
        height: inner.height.saturating_sub(used),
        ..inner
    };
    draw_history(frame, view, theme, rest, buf);
}

/// The latest transitions, newest first, under a `History` heading.
fn draw_history(frame: &Frame, view: &View, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if area.height < 2 || frame.alert_history.is_empty() {
        return;
    }
    Line::from(Span::styled(" History", theme.accent())).render(Rect { height: 1, ..area }, buf);
    for (i, t) in frame
        .alert_history
        .iter()
        .rev()
        .take(usize::from(area.height - 1))
        .enumerate()
    {
        let unit = frame
            .alerts
            .iter()
            .find(|a| a.name == t.rule)
            .map_or(Unit::None, |a| unit_of(a, frame));
        let value = t
            .value
            .map(|v| format!(" {}", format::value(v, unit)))
            .unwrap_or_default();
        let labels = short_labels(&t.labels);
        let labels = if labels.is_empty() {
            labels
        } else {
            format!(" {labels}")
        };
        let text = format!(
            " {} {}{labels} {} -> {}{value}",
            clock(t.time_ms, view.tz()),
            t.rule,
            t.from,
            t.to
        );
        let style = match t.to {
            "firing" => theme.level(severity_level(t.severity)),
            "stale" => theme.stale(),
            "resolved" => theme.level(Level::Ok),
            _ => theme.text(),
        };
        let y = area.y + 1 + i as u16;
        let text = format::truncate(&text, usize::from(area.width));
        buf.set_stringn(area.x, y, text, usize::from(area.width), style);
    }
}

/// The `m` prompt on the bottom row.
pub fn render_prompt(frame: &Frame, view: &View, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let Some(p) = &view.alerts.mute else {
        return;
    };
    if area.height < 3 {
        return;
    }
    let row = Rect::new(area.x, area.bottom() - 1, area.width, 1);
    let mut spans = vec![
        Span::styled(
            format!("mute {} for: {}", p.target.name, p.text),
            theme.text(),
        ),
        Span::styled(" ", theme.text().add_modifier(Modifier::REVERSED)),
    ];
    if let Some(e) = &p.error {
        spans.push(Span::styled(format!("  {e}"), theme.level(Level::Warn)));
    } else {
        let until = super::alerts_keys::parse_mute(&p.text).ok().map(|d| {
            if d.is_zero() {
                "unmutes".to_string()
            } else {
                let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2);
                format!(
                    "until {}",
                    clock(frame.time_ms.saturating_add(ms), view.tz())
                )
            }
        });
        let hint = match until {
            Some(u) => format!("  {u} · Enter mutes, 0 unmutes, Esc cancels"),
            None => "  Enter mutes, 0 unmutes, Esc cancels".to_string(),
        };
        spans.push(Span::styled(hint, theme.muted()));
    }
    Clear.render(row, buf);
    Line::from(spans).render(row, buf);
}
