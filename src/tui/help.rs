//! The `?` overlay: keys (a replay's first, when replaying), where the
//! data comes from, each panel's expressions, and where diagnostics and
//! alerts are logged.

use super::view::View;
use crate::frame::Frame;
use crate::report::format;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

/// Every key the dashboard answers to, with what it does.
pub const KEYS: [(&str, &str); 24] = [
    ("q  Ctrl-C", "quit"),
    ("?", "this help (Esc closes)"),
    ("Tab  Shift-Tab", "next / previous panel"),
    ("h j k l  arrows", "move focus left / down / up / right"),
    ("Enter  e", "expand the focused panel (e: the table too)"),
    (
        "<- ->  (expanded)",
        "step the value cursor through the points",
    ),
    ("Esc", "back to the dashboard; then unpin"),
    ("+  -", "narrower / wider time window (1m ... all)"),
    ("[  ]", "pan the window back / forth"),
    ("0", "back to live"),
    ("p", "pause (data keeps arriving underneath)"),
    ("t", "UTC / local time"),
    ("s  S", "sort instances by the next column / reverse"),
    ("j k  (table)", "select an instance row"),
    ("Enter  (table)", "pin every panel to that instance"),
    ("/", "filter instances (regex on instance or job)"),
    (
        ":",
        "command: q help theme window filter expr export note (Tab completes)",
    ),
    ("PgUp  PgDn  Home", "scroll the instance table"),
    ("mouse", "click focuses (a table row: selects), wheel zooms"),
    (
        "A",
        "alerts list, one row per group (Enter opens, Esc back)",
    ),
    (
        "a",
        "acknowledge the selected alert or group (stops the bell)",
    ),
    (
        "m",
        "mute the selected alert or group for a duration (0 unmutes)",
    ),
    ("r", "reload the configuration"),
    ("j k (in help)", "scroll this help"),
];

/// The keys of `vitals replay`; in a replay they take the place of the
/// live meaning of `p [ ] 0`.
pub const REPLAY_KEYS: [(&str, &str); 7] = [
    ("p  Space", "play / pause the replay"),
    ("<  >", "slower / faster (1x ... 60x)"),
    (
        "[  ]",
        "seek back / forward by half the chart window (at least 30s)",
    ),
    ("0", "to the end of the recording"),
    ("n  N", "next / previous alert transition or note"),
    (
        "g  :goto TIME",
        "go to RFC 3339, HH:MM[:SS] (in the zone shown, t) or -30s",
    ),
    ("t", "UTC / local time (also for the times g reads)"),
];

/// The live keys that [`REPLAY_KEYS`] list with their replay meaning.
const REPLACED_IN_REPLAY: [&str; 4] = ["[  ]", "0", "p", "t"];

fn lines<'a>(frame: &'a Frame, view: &'a View, theme: &Theme) -> Vec<Line<'a>> {
    let head = |s: &'a str| Line::from(Span::styled(s, theme.accent()));
    let key = |k: &str, what: &'a str| {
        Line::from(vec![
            Span::styled(format!("  {k:<18}"), theme.text()),
            Span::styled(what, theme.muted()),
        ])
    };
    let mut out = Vec::new();
    let replay = frame.replay.is_some();
    if replay {
        out.push(head("Replay keys"));
        out.extend(REPLAY_KEYS.iter().map(|(k, what)| key(k, what)));
        out.push(Line::default());
    }
    out.push(head("Keys"));
    for (k, what) in KEYS {
        if replay && REPLACED_IN_REPLAY.contains(&k) {
            continue;
        }
        out.push(key(k, what));
    }
    out.push(Line::default());
    out.push(head("Data"));
    let interval = if frame.interval.is_zero() {
        String::new()
    } else {
        format!(", every {}", format::duration(frame.interval))
    };
    out.push(Line::from(Span::styled(
        format!(
            "  source: {}{interval}, {} targets",
            frame.source.as_str(),
            frame.targets.len()
        ),
        theme.text(),
    )));
    let log = frame
        .log_path
        .as_deref()
        .or(view.log_path.as_deref())
        .unwrap_or("(not logging)");
    out.push(Line::from(Span::styled(
        format!("  log: {log}"),
        theme.text(),
    )));
    let config = view
        .config_path
        .as_deref()
        .unwrap_or("(none: defaults and flags)");
    out.push(Line::from(Span::styled(
        format!("  config: {config}"),
        theme.text(),
    )));
    if let Some(a) = &frame.alert_log_path {
        out.push(Line::from(Span::styled(
            format!("  alert log: {a}"),
            theme.text(),
        )));
    }
    out.push(Line::default());
    out.push(head("Panels and their expressions"));
    for p in &frame.panels {
        let mut title = format!("  {} [{}]", p.title, p.id);
        if let (Some(w), Some(c)) = (p.warn, p.crit) {
            title.push_str(&format!(
                "  warn {} crit {}",
                format::value(w, p.unit),
                format::value(c, p.unit)
            ));
        }
        out.push(Line::from(Span::styled(title, theme.text())));
        for e in &p.exprs {
            out.push(Line::from(Span::styled(format!("    {e}"), theme.muted())));
        }
        if let Some(err) = &p.error {
            out.push(Line::from(Span::styled(
                format!("    error: {err}"),
                theme.level(crate::frame::Level::Warn),
            )));
        }
    }
    out
}

/// Draws the overlay centred over `area`.
pub fn render(frame: &Frame, view: &View, theme: &Theme, area: Rect, buf: &mut Buffer) {
    // The status line and the alerts bar stay visible above the overlay.
    let keep = if area.height >= 12 { 2 } else { 0 };
    let area = Rect {
        y: area.y + keep,
        height: area.height - keep,
        ..area
    };
    let w = area.width.saturating_sub(4).min(100);
    let h = area.height;
    if w < 10 || h < 3 {
        return;
    }
    let popup = Rect::new(area.x + (area.width - w) / 2, area.y, w, h);
    Clear.render(popup, buf);
    let g = super::glyphs::Glyphs::new(view.ascii);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(g.focus_border())
        .border_style(theme.border(true))
        .title(Span::styled(" Help: ? or Esc closes ", theme.accent()));
    let text = lines(frame, view, theme);
    let max_scroll = u16::try_from(text.len()).unwrap_or(u16::MAX);
    Paragraph::new(text)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((view.help_scroll.min(max_scroll), 0))
        .render(popup, buf);
}
