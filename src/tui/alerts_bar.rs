//! The alerts bar: one entry per alert group (Alertmanager's grouping,
//! `CpuHigh ×38 worst 99.0% 127.0.0.1:43263`), critical first, then the
//! earliest to fire. A firing critical group fills the row in reverse
//! video; otherwise the bar says "no alerts firing" and counts down
//! pending groups. `+N more (A)` names the key that lists the rest.

use super::glyphs::Glyphs;
use crate::frame::{Alert, AlertGroup, AlertState, Frame, Level, Severity, Unit};
use crate::report::format;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub(super) fn unit_of(alert: &Alert, frame: &Frame) -> Unit {
    alert.unit_in(&frame.panels)
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

/// A group as the bar shows it: its firing alerts that are neither
/// inhibited nor muted.
pub struct BarGroup<'a> {
    pub group: &'a AlertGroup,
    pub firing: Vec<&'a Alert>,
}

impl BarGroup<'_> {
    /// Every alert the bar counts is acknowledged.
    fn acknowledged(&self) -> bool {
        self.firing.iter().all(|a| a.acknowledged)
    }
}

/// The groups with a firing alert that is neither inhibited nor muted, in
/// the frame's order (critical first, then the earliest to fire: the cause
/// before its symptoms); acknowledged groups, being handled, after the rest.
pub fn firing(frame: &Frame) -> Vec<BarGroup<'_>> {
    let mut v: Vec<BarGroup<'_>> = frame
        .alert_groups
        .iter()
        .map(|g| BarGroup {
            group: g,
            firing: g
                .members
                .iter()
                .filter_map(|&i| frame.alerts.get(i))
                .filter(|a| a.state == AlertState::Firing && !a.inhibited && !is_muted(a, frame))
                .collect(),
        })
        .filter(|b| !b.firing.is_empty())
        .collect();
    v.sort_by_key(|b| b.acknowledged());
    v
}

/// One group: a lone alert as [`describe`] writes it, else
/// `CpuHigh ×38 worst 99.0% 127.0.0.1:43263 for 2m10s (ack)`.
pub fn describe_group(b: &BarGroup<'_>, frame: &Frame, g: &Glyphs) -> String {
    if let [only] = b.firing.as_slice() {
        return describe(only, frame, g);
    }
    let first = b.firing[0];
    let mut s = format!("{} {}{}", b.group.name, g.times, b.firing.len());
    if let Some(w) = &b.group.worst {
        s.push_str(" worst ");
        s.push_str(&format::value(w.value, unit_of(first, frame)));
        if let Some(i) = &w.instance {
            s.push(' ');
            s.push_str(i);
        }
    }
    if let Some(t) = b.group.started_ms {
        s.push_str(" for ");
        s.push_str(&format::duration_ms(frame.time_ms.saturating_sub(t).max(0)));
    }
    if b.acknowledged() {
        s.push_str(" (ack)");
    }
    s
}

/// What closes a cut bar: how many more groups, and the key listing them.
fn more(n: usize) -> String {
    format!("  +{n} more (A)")
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
        for (i, b) in firing.iter().take(rows).enumerate() {
            let row = Rect::new(area.x, area.y + i as u16, area.width, 1);
            let rest = if i + 1 == rows && firing.len() > rows {
                more(firing.len() - rows)
            } else {
                String::new()
            };
            let level = severity_level(b.group.severity);
            let text = format!(
                " {} {} {}",
                g.level(level),
                severity_word(b.group.severity),
                describe_group(b, frame, &g)
            );
            paint_row(theme, b, &text, &rest, row, buf);
        }
        return;
    }
    let worst = &firing[0];
    let level = severity_level(worst.group.severity);
    let head = severity_word(worst.group.severity);
    let mut text = format!(" {} {head} ", g.level(level));
    let mut rest = String::new();
    let width = usize::from(area.width);
    for (i, b) in firing.iter().enumerate() {
        let piece = describe_group(b, frame, &g);
        let sep = if i == 0 {
            String::new()
        } else {
            format!(" {} ", g.sep)
        };
        let left = firing.len() - i - 1;
        let reserve = if left > 0 {
            more(left).chars().count()
        } else {
            0
        };
        if i > 0
            && text.chars().count() + sep.chars().count() + piece.chars().count() + reserve > width
        {
            rest = more(firing.len() - i);
            break;
        }
        text.push_str(&sep);
        text.push_str(&piece);
    }
    paint_row(theme, worst, &text, &rest, Rect { height: 1, ..area }, buf);
}

/// One full-width row: reverse video for unacknowledged alerts. `rest`
/// (`+N more (A)`) keeps its place at the end when `text` is cut.
fn paint_row(theme: &Theme, b: &BarGroup<'_>, text: &str, rest: &str, row: Rect, buf: &mut Buffer) {
    let level = severity_level(b.group.severity);
    let style = if b.acknowledged() || level == Level::Unknown {
        theme.level(level)
    } else {
        theme.banner(level)
    };
    buf.set_style(row, style);
    let width = usize::from(row.width);
    let rest_w = rest.chars().count();
    let text = if rest_w > 0 && rest_w + 8 <= width {
        format!("{}{rest}", format::truncate(text, width - rest_w))
    } else {
        format::truncate(&format!("{text}{rest}"), width)
    };
    buf.set_stringn(row.x, row.y, text, width, style);
}

fn render_calm(frame: &Frame, g: &Glyphs, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let mut spans = vec![Span::styled(
        format!(" {} no alerts firing", g.ok),
        theme.level(Level::Ok),
    )];
    // Pending groups, the soonest to fire first.
    let mut pending: Vec<(&AlertGroup, usize, Option<std::time::Duration>)> = frame
        .alert_groups
        .iter()
        .filter_map(|gr| {
            let live: Vec<&Alert> = gr
                .members
                .iter()
                .filter_map(|&i| frame.alerts.get(i))
                .filter(|a| a.state == AlertState::Pending && !a.inhibited && !is_muted(a, frame))
                .collect();
            let soonest = live.iter().filter_map(|a| a.pending_remaining).min();
            (!live.is_empty()).then_some((gr, live.len(), soonest))
        })
        .collect();
    pending.sort_by_key(|(_, _, soonest)| *soonest);
    for (gr, n, soonest) in pending {
        let when = soonest.map_or_else(String::new, |d| {
            format!(" fires in {}", format::duration(d))
        });
        let count = if n > 1 {
            format!(" {}{n}", g.times)
        } else {
            String::new()
        };
        spans.push(Span::styled(format!(" {} ", g.sep), theme.muted()));
        spans.push(Span::styled(
            format!("{} pending: {}{count}{when}", g.warn, gr.name),
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
