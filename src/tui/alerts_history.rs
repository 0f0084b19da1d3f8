//! The history under the alerts list: the latest alert transitions and
//! notes (`:note`), newest first, interleaved by their time
//! (`report::timeline`).

use super::alerts_bar::unit_of;
use super::alerts_rows::{severity_level, short_labels};
use super::glyphs::Glyphs;
use super::timeview::clock;
use super::view::View;
use crate::frame::{Frame, Level, Unit};
use crate::report::{format, Entry};
use crate::theme::Theme;
use crate::vocab::alert::{Phase, Transition};
use crate::vocab::text::one_line;
use crate::vocab::Note;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// Whether there is anything to list under `History`.
pub(super) fn has_history(frame: &Frame) -> bool {
    !frame.alert_history.is_empty() || !frame.notes.is_empty()
}

/// The latest transitions and notes, newest first, under a `History`
/// heading.
pub(super) fn draw_history(
    frame: &Frame,
    view: &View,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    if area.height < 2 || !has_history(frame) {
        return;
    }
    Line::from(Span::styled(" History", theme.accent())).render(Rect { height: 1, ..area }, buf);
    let g = Glyphs::new(view.ascii);
    let entries = crate::report::timeline(frame);
    for (i, e) in entries
        .iter()
        .rev()
        .take(usize::from(area.height - 1))
        .enumerate()
    {
        let (text, style) = match e {
            Entry::Transition(t) => transition(frame, view, theme, t),
            Entry::Note(n) => note(view, theme, &g, n),
        };
        let y = area.y + 1 + i as u16;
        let text = format::truncate(&text, usize::from(area.width));
        buf.set_stringn(area.x, y, text, usize::from(area.width), style);
    }
}

/// ` 11:57:53Z LatencyP99High pending -> firing 231ms`.
fn transition(frame: &Frame, view: &View, theme: &Theme, t: &Transition) -> (String, Style) {
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
        Phase::Firing => theme.level(severity_level(t.severity)),
        Phase::Stale => theme.stale(),
        Phase::Resolved => theme.level(Level::Ok),
        _ => theme.text(),
    };
    (text, style)
}

/// ` 11:58:10Z ✎ oncall@db1: paged the database team`.
fn note(view: &View, theme: &Theme, g: &Glyphs, n: &Note) -> (String, Style) {
    let text = format!(
        " {} {} {}: {}",
        clock(n.time_ms, view.tz()),
        g.note,
        one_line(&n.author),
        one_line(&n.text)
    );
    (text, theme.accent())
}
