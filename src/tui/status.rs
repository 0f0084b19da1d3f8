//! The status line: title, source, targets up/total, interval, the time of
//! the data and how old it is when it stops arriving; in a replay, the
//! playback (`replay::spans`) in place of the time of the data.

use super::glyphs::Glyphs;
use super::timeview::{self, clock};
use super::view::View;
use crate::frame::{Frame, Level};
use crate::report::format;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// Data older than this many intervals (and at least 5 s) is stale.
const STALE_INTERVALS: u32 = 3;

/// How old the data is, if it is stale at `view.now_ms`.
pub fn stale_age_ms(frame: &Frame, view: &View) -> Option<i64> {
    let now = view.now_ms?;
    // A replay's data is as old as the recording: never stale.
    if frame.time_ms == 0 || frame.replay.is_some() {
        return None;
    }
    let limit = i64::try_from((frame.interval * STALE_INTERVALS).as_millis())
        .unwrap_or(i64::MAX)
        .max(5000);
    let age = now.saturating_sub(frame.time_ms);
    (age > limit).then_some(age)
}

/// Most rows the status line takes: a notice that does not fit beside the
/// rest wraps onto rows of its own below it.
const MAX_ROWS: u16 = 3;

/// The notice as shown (`▲ reload: …`), and the replay's message, if any.
fn notice_text(frame: &Frame, g: &Glyphs) -> Option<String> {
    let notice = frame.notice.as_ref().map(|n| format!("{} {n}", g.warn));
    match (notice, super::replay::message(frame, g)) {
        (Some(n), Some(m)) => Some(format!("{n}  {m}")),
        (n, m) => n.or(m),
    }
}

/// How many rows the status line needs at `width`: one, or more when the
/// notice is longer than what is left of the line (then it is wrapped, not
/// cut).
pub fn rows(frame: &Frame, view: &View, width: u16) -> u16 {
    let g = Glyphs::new(view.ascii);
    let Some(notice) = notice_text(frame, &g) else {
        return 1;
    };
    let main = main_line(frame, view, &Theme::no_color(), width).width();
    let notice_w = notice.chars().count();
    let sep = 3;
    if main + sep + notice_w <= usize::from(width) || width == 0 {
        return 1;
    }
    let wrapped = u16::try_from(notice_w.div_ceil(usize::from(width))).unwrap_or(u16::MAX);
    (1 + wrapped).min(MAX_ROWS)
}

pub fn render(frame: &Frame, view: &View, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let g = Glyphs::new(view.ascii);
    let mut line = main_line(frame, view, theme, area.width);
    let notice = notice_text(frame, &g).map(|n| Span::styled(n, theme.level(Level::Warn)));
    let first = Rect { height: 1, ..area };
    match notice {
        Some(n) if area.height > 1 => {
            // Wrapped on the rows below: never cut.
            let below = Rect {
                y: area.y + 1,
                height: area.height - 1,
                ..area
            };
            ratatui::widgets::Paragraph::new(Line::from(n))
                .wrap(ratatui::widgets::Wrap { trim: false })
                .render(below, buf);
        }
        Some(n) => {
            line.spans
                .push(Span::styled(format!(" {} ", g.sep), theme.muted()));
            line.spans.push(n);
        }
        None => {}
    }
    let used = u16::try_from(line.width()).unwrap_or(u16::MAX);
    line.render(first, buf);
    let hint = " ? help  q quit ";
    let hint_w = hint.len() as u16;
    if used.saturating_add(hint_w) <= area.width {
        buf.set_string(area.right() - hint_w, area.y, hint, theme.muted());
    }
}

/// The status line without the notice, for a screen `width` wide.
fn main_line(frame: &Frame, view: &View, theme: &Theme, width: u16) -> Line<'static> {
    let g = Glyphs::new(view.ascii);
    let sep = || Span::styled(format!(" {} ", g.sep), theme.muted());
    let mut spans = vec![Span::styled(format!(" {}", view.title), theme.accent())];
    // What the numbers on screen are pinned to; until the engine's next
    // frame agrees, what was asked for.
    let pin = match (frame.pinned.as_deref(), view.pinned.as_deref()) {
        (Some(p), _) if view.pinned.is_none() || view.pinned == frame.pinned => {
            Some(format!(" pinned: {p} (Esc) "))
        }
        (_, Some(p)) => Some(format!(" pinning: {p}... ")),
        _ => None,
    };
    if let Some(text) = pin {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(text, theme.banner(Level::Unknown)));
    }
    if view.paused {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            " PAUSED (p resumes, 0 live) ",
            theme.banner(Level::Warn),
        ));
    }
    if let Some(r) = &frame.replay {
        // The position bar takes what the rest of the line can spare.
        let used: usize = spans.iter().map(Span::width).sum::<usize>()
            + super::replay::spans(r, frame.time_ms, view, theme, 0)
                .iter()
                .map(Span::width)
                .sum::<usize>();
        let bar = super::replay::bar_width(width, used);
        spans.extend(super::replay::spans(r, frame.time_ms, view, theme, bar));
    }
    // Most important first: narrow screens cut the end of the line.
    if let Some(server) = &frame.server {
        server_spans(server, view, theme, &g, &mut spans);
    }
    let total = frame.targets.len();
    if total > 0 {
        let up = frame.targets.iter().filter(|t| t.up).count();
        let down = frame
            .targets
            .iter()
            .filter(|t| !t.up && t.last_scrape_ms.is_some())
            .count();
        spans.push(sep());
        if down > 0 {
            spans.push(Span::styled(
                format!("{} targets {up}/{total} up", g.crit),
                theme.level(Level::Crit),
            ));
        } else {
            spans.push(Span::styled(
                format!("targets {up}/{total} up"),
                theme.text(),
            ));
        }
    }
    let insecure = frame
        .targets
        .iter()
        .filter(|t| t.insecure_skip_verify)
        .count();
    if insecure > 0 {
        spans.push(sep());
        spans.push(Span::styled(
            format!(" {} TLS NOT VERIFIED: {insecure} ", g.warn),
            theme.banner(Level::Warn),
        ));
    }
    // A replay's position is shown with the playback above.
    if frame.time_ms == 0 {
        spans.push(sep());
        spans.push(Span::styled("waiting for data", theme.muted()));
    } else if frame.replay.is_none() {
        spans.push(sep());
        spans.push(match stale_age_ms(frame, view) {
            Some(age) => Span::styled(
                format!(
                    " {} STALE: no data for {} ",
                    g.crit,
                    format::duration_ms(age)
                ),
                theme.banner(Level::Crit),
            ),
            None => Span::styled(
                format!("updated {}", clock(frame.time_ms, view.tz())),
                theme.text(),
            ),
        });
    }
    if view.window_ms.is_some() || view.pan_ms > 0 {
        let r = timeview::range(frame, view);
        let mut w = format!("window {}", format::duration_ms(r.width()));
        if !r.live {
            w.push_str(&format!(" to {}", clock(r.end, view.tz())));
        }
        spans.push(sep());
        spans.push(Span::styled(w, theme.info()));
    }
    if !frame.interval.is_zero() {
        spans.push(sep());
        spans.push(Span::styled(
            format!("every {}", format::duration(frame.interval)),
            theme.text(),
        ));
    }
    spans.push(sep());
    match &frame.replay {
        Some(r) => spans.push(Span::styled(r.path.clone(), theme.text())),
        None => spans.push(Span::styled(frame.source.as_str(), theme.text())),
    }
    if let Some(v) = frame.server.as_ref().and_then(|s| s.version.as_ref()) {
        spans.push(Span::styled(format!(" {v}"), theme.text()));
    }
    Line::from(spans)
}

/// A failing server (`--prometheus`): the error and the age of the data
/// still shown; partial-response warnings.
fn server_spans(
    s: &crate::frame::ServerStatus,
    view: &View,
    theme: &Theme,
    g: &Glyphs,
    spans: &mut Vec<Span<'static>>,
) {
    let sep = || Span::styled(format!(" {} ", g.sep), theme.muted());
    if let Some(e) = &s.error {
        let age = match (s.data_ms, view.now_ms) {
            (Some(d), Some(now)) => format!("data {} old", format::duration_ms(now - d)),
            (Some(_), None) => "data stale".to_string(),
            (None, _) => "no data".to_string(),
        };
        spans.push(sep());
        spans.push(Span::styled(
            format!(" {} {age}: {e} ", g.crit),
            theme.banner(Level::Crit),
        ));
    }
    if let Some(w) = s.warnings.first() {
        spans.push(sep());
        spans.push(Span::styled(
            format!("{} partial answer: {w}", g.warn),
            theme.level(Level::Warn),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::ServerStatus;

    fn line(frame: &Frame, view: &View) -> String {
        let area = Rect::new(0, 0, 160, 1);
        let mut buf = Buffer::empty(area);
        render(frame, view, &Theme::no_color(), area, &mut buf);
        (0..area.width)
            .map(|x| buf[(x, 0)].symbol().to_string())
            .collect()
    }

    #[test]
    fn a_failing_server_shows_the_error_and_the_age_of_the_data() {
        let t = 1_795_348_800_000;
        let mut frame = Frame {
            time_ms: t,
            interval: std::time::Duration::from_secs(2),
            source: crate::frame::SourceKind::Prometheus,
            server: Some(ServerStatus {
                url: "http://prom:9090".into(),
                version: Some("2.42.0".into()),
                error: Some("http://prom:9090/api/v1/query answered HTTP 500: oops".into()),
                data_ms: Some(t - 12_000),
                warnings: vec![],
                chart_step: None,
            }),
            ..Frame::default()
        };
        let view = View {
            now_ms: Some(t),
            ..View::default()
        };
        let s = line(&frame, &view);
        assert!(
            s.contains("data 12s old: http://prom:9090/api/v1/query answered HTTP 500"),
            "{s}"
        );
        assert!(s.contains("prometheus 2.42.0"), "{s}");
        frame.server = frame.server.map(|s| ServerStatus {
            error: None,
            warnings: vec!["partial response: store 3 unavailable".into()],
            ..s
        });
        let s = line(&frame, &view);
        assert!(!s.contains("old:"), "{s}");
        assert!(
            s.contains("partial answer: partial response: store 3"),
            "{s}"
        );
    }
}
