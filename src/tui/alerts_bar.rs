//! The alerts bar: firing alerts by name with value and duration. A firing
//! critical alert fills the row in reverse video; otherwise the bar says
//! "no alerts firing" and counts down pending ones.

use super::glyphs::Glyphs;
use crate::frame::{Alert, AlertState, Frame, Level, Severity, Unit};
use crate::report::format;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub(super) fn unit_of(alert: &Alert, frame: &Frame) -> Unit {
    alert
        .panel
        .as_deref()
        .and_then(|id| frame.panels.iter().find(|p| p.id == id))
        .map_or(Unit::None, |p| p.unit)
}

/// Muted here, or silenced in Alertmanager (by anyone).
fn is_muted(alert: &Alert, frame: &Frame) -> bool {
    alert.muted_until_ms.is_some_and(|t| t > frame.time_ms) || alert.silence_id.is_some()
}

/// `LatencyP99High 231ms for 2m10s (127.0.0.1:9100, stale, ack)`
pub fn describe(alert: &Alert, frame: &Frame, g: &Glyphs) -> String {
    let mut s = alert.name.clone();
    if let Some(v) = alert.value {
        s.push(' ');
        s.push_str(&format::value(v, unit_of(alert, frame)));
    }
    let since = match alert.state {
        AlertState::Firing => alert.fired_at_ms.or(alert.active_since_ms),
        _ => alert.active_since_ms,
    };
    if let Some(t) = since {
        s.push_str(" for ");
        s.push_str(&format::duration_ms(frame.time_ms.saturating_sub(t).max(0)));
    }
    let mut tags: Vec<String> = Vec::new();
    if let Some(i) = alert.labels.get("instance") {
        tags.push(i.to_string());
    }
    if alert.stale {
        tags.push(format!("{} stale", g.stale));
    }
    if alert.acknowledged {
        tags.push("ack".to_string());
    }
    if !tags.is_empty() {
        s.push_str(&format!(" ({})", tags.join(", ")));
    }
    s
}

fn severity_level(s: Severity) -> Level {
    match s {
        Severity::Critical => Level::Crit,
        Severity::Warning => Level::Warn,
        Severity::Info => Level::Unknown,
    }
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRITICAL",
        Severity::Warning => "WARNING",
        Severity::Info => "FIRING",
    }
}

/// Firing alerts that are not muted, critical first, oldest first.
pub fn firing(frame: &Frame) -> Vec<&Alert> {
    let mut v: Vec<&Alert> = frame
        .alerts
        .iter()
        .filter(|a| a.state == AlertState::Firing && !is_muted(a, frame))
        .collect();
    v.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.acknowledged.cmp(&b.acknowledged))
            .then(a.fired_at_ms.cmp(&b.fired_at_ms))
    });
    v
}

pub fn render(frame: &Frame, ascii: bool, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let g = Glyphs::new(ascii);
    let firing = firing(frame);
    if firing.is_empty() {
        render_calm(frame, &g, theme, area, buf);
        return;
    }
    let rows = usize::from(area.height);
    if rows >= 2 && firing.len() > 1 {
        for (i, a) in firing.iter().take(rows).enumerate() {
            let row = Rect::new(area.x, area.y + i as u16, area.width, 1);
            let more = if i + 1 == rows && firing.len() > rows {
                format!("  +{} more", firing.len() - rows)
            } else {
                String::new()
            };
            let level = severity_level(a.severity);
            let text = format!(
                " {} {} {}{more}",
                g.level(level),
                severity_word(a.severity),
                describe(a, frame, &g)
            );
            paint_row(theme, a, &text, row, buf);
        }
        return;
    }
    let worst = firing[0];
    let level = severity_level(worst.severity);
    let head = severity_word(worst.severity);
    let mut text = format!(" {} {head} ", g.level(level));
    let width = usize::from(area.width);
    for (i, a) in firing.iter().enumerate() {
        let piece = describe(a, frame, &g);
        let sep = if i == 0 {
            String::new()
        } else {
            format!(" {} ", g.sep)
        };
        let rest = firing.len() - i - 1;
        let reserve = if rest > 0 { 12 } else { 0 };
        if i > 0
            && text.chars().count() + sep.chars().count() + piece.chars().count() + reserve > width
        {
            text.push_str(&format!("  +{} more", firing.len() - i));
            break;
        }
        text.push_str(&sep);
        text.push_str(&piece);
    }
    paint_row(theme, worst, &text, Rect { height: 1, ..area }, buf);
}

/// One full-width row: reverse video for unacknowledged alerts.
fn paint_row(theme: &Theme, a: &Alert, text: &str, row: Rect, buf: &mut Buffer) {
    let level = severity_level(a.severity);
    let style = if a.acknowledged || level == Level::Unknown {
        theme.level(level)
    } else {
        theme.banner(level)
    };
    buf.set_style(row, style);
    let text = format::truncate(text, usize::from(row.width));
    buf.set_stringn(row.x, row.y, text, usize::from(row.width), style);
}

fn render_calm(frame: &Frame, g: &Glyphs, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let mut spans = vec![Span::styled(
        format!(" {} no alerts firing", g.ok),
        theme.level(Level::Ok),
    )];
    let mut pending: Vec<&Alert> = frame
        .alerts
        .iter()
        .filter(|a| a.state == AlertState::Pending && !is_muted(a, frame))
        .collect();
    pending.sort_by_key(|a| a.pending_remaining);
    for a in pending {
        let when = a.pending_remaining.map_or_else(String::new, |d| {
            format!(" fires in {}", format::duration(d))
        });
        spans.push(Span::styled(format!(" {} ", g.sep), theme.muted()));
        spans.push(Span::styled(
            format!("{} pending: {}{when}", g.warn, a.name),
            theme.level(Level::Warn),
        ));
    }
    let muted = frame
        .alerts
        .iter()
        .filter(|a| a.state == AlertState::Firing && is_muted(a, frame))
        .count();
    if muted > 0 {
        spans.push(Span::styled(
            format!(" {} {muted} muted", g.sep),
            theme.muted(),
        ));
    }
    Line::from(spans).render(Rect { height: 1, ..area }, buf);
}
