//! The time window of the charts, computed from the view over the points a
//! frame already carries: how wide it is (`+`/`-`), how far back it is
//! panned (`[`/`]`), and how instants are written (UTC or local, `t`).

use super::view::View;
use crate::frame::Frame;

/// The window widths `+` and `-` step through, in milliseconds.
pub const STEPS_MS: [i64; 9] = [
    60_000, 300_000, 900_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
];

/// The window the charts open with: the last 15 minutes, or everything
/// retained when that is less. `-` widens it to the whole retention.
pub const DEFAULT_WINDOW_MS: i64 = 900_000;

/// Everything retained, as a chosen window width.
pub const EVERYTHING: i64 = i64::MAX;

/// The width the view's window has over `span` ms of history.
pub fn width(window_ms: Option<i64>, span: i64) -> i64 {
    window_ms
        .unwrap_or(DEFAULT_WINDOW_MS)
        .clamp(1000, span.max(1000))
}

/// The stretch of time the charts show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    /// First instant shown, ms since the epoch.
    pub start: i64,
    /// Last instant shown, ms since the epoch.
    pub end: i64,
    /// The window ends at the newest data (not panned back).
    pub live: bool,
}

impl Range {
    /// Width of the window in ms.
    pub fn width(&self) -> i64 {
        self.end.saturating_sub(self.start)
    }

    /// Whether `t` falls inside the window.
    pub fn contains(&self, t: i64) -> bool {
        t >= self.start && t <= self.end
    }
}

/// Oldest and newest point timestamps over every panel, with the newest
/// at least the frame's own instant.
pub fn data_bounds(frame: &Frame) -> (i64, i64) {
    let mut oldest = i64::MAX;
    let mut newest = frame.time_ms;
    for s in frame.panels.iter().flat_map(|p| &p.series) {
        if let (Some(a), Some(b)) = (s.points.first(), s.points.last()) {
            oldest = oldest.min(a.0);
            newest = newest.max(b.0);
        }
    }
    if oldest == i64::MAX {
        oldest = newest.saturating_sub(60_000);
    }
    (oldest.min(newest), newest)
}

/// How much history the frame holds, in ms (at least one second).
pub fn span_ms(frame: &Frame) -> i64 {
    let (oldest, newest) = data_bounds(frame);
    newest.saturating_sub(oldest).max(1000)
}

/// The window the charts show for `view` over `frame`.
pub fn range(frame: &Frame, view: &View) -> Range {
    let (oldest, newest) = data_bounds(frame);
    let span = newest.saturating_sub(oldest).max(1000);
    let width = width(view.window_ms, span);
    let pan = view.pan_ms.clamp(0, span - width);
    let end = newest - pan;
    Range {
        start: end.saturating_sub(width),
        end,
        live: pan == 0,
    }
}

/// The instant a note (`:note`) is about: the value cursor's, while it
/// is in the window; else the window's right edge when it is panned into
/// the past or the view is paused; else `None`, now (the engine's last
/// evaluation).
pub fn note_time(frame: &Frame, view: &View) -> Option<i64> {
    let r = range(frame, view);
    match view.cursor_ms.filter(|c| r.contains(*c)) {
        Some(c) => Some(c),
        None if !r.live || view.paused => Some(r.end),
        None => None,
    }
}

/// The next narrower window (`+`): the widest step below the current width.
pub fn narrower(current: Option<i64>, span: i64) -> Option<i64> {
    let width = width(current, span);
    STEPS_MS
        .iter()
        .rev()
        .find(|s| **s < width)
        .copied()
        .or(current)
}

/// The next wider window (`-`): the next step, or everything retained once
/// a step would reach the oldest point.
pub fn wider(current: Option<i64>, span: i64) -> Option<i64> {
    let width = width(current, span);
    if width >= span {
        return current;
    }
    match STEPS_MS.iter().find(|s| **s > width && **s < span) {
        Some(&s) => Some(s),
        // The default window shows everything then.
        None if span <= DEFAULT_WINDOW_MS => None,
        None => Some(EVERYTHING),
    }
}

/// Writes the instant `ms` as a wall-clock time: `12:00:03Z` in UTC, or
/// `13:00:03` at `offset_s` seconds east of UTC.
pub fn clock(ms: i64, offset_s: Option<i32>) -> String {
    let Some(t) = chrono::DateTime::from_timestamp_millis(ms) else {
        return "--:--:--".to_string();
    };
    match offset_s.and_then(chrono::FixedOffset::east_opt) {
        Some(tz) => t.with_timezone(&tz).format("%H:%M:%S").to_string(),
        None => t.format("%H:%M:%SZ").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{Panel, Series};

    fn frame(from: i64, to: i64) -> Frame {
        Frame {
            time_ms: to,
            panels: vec![Panel {
                series: vec![Series {
                    points: (from..=to).step_by(2000).map(|t| (t, 1.0)).collect(),
                    ..Series::default()
                }],
                ..Panel::default()
            }],
            ..Frame::default()
        }
    }

    #[test]
    fn default_window_is_everything_retained() {
        let f = frame(0, 600_000);
        let r = range(&f, &View::default());
        assert_eq!((r.start, r.end, r.live), (0, 600_000, true));
    }

    #[test]
    fn zoom_steps_stop_at_the_oldest_point() {
        let span = 20 * 60_000;
        assert_eq!(
            narrower(None, span),
            Some(300_000),
            "from the default 15 minutes"
        );
        assert_eq!(narrower(None, 600_000), Some(300_000));
        assert_eq!(narrower(Some(900_000), span), Some(300_000));
        assert_eq!(narrower(Some(60_000), span), Some(60_000));
        assert_eq!(wider(Some(300_000), span), Some(900_000));
        assert_eq!(wider(Some(900_000), span), Some(EVERYTHING));
        assert_eq!(wider(Some(EVERYTHING), span), Some(EVERYTHING));
        assert_eq!(wider(None, span), Some(EVERYTHING));
        assert_eq!(wider(None, 600_000), None, "15 minutes hold everything");
        assert_eq!(wider(Some(300_000), 600_000), None);
    }

    #[test]
    fn the_window_opens_on_the_last_15_minutes_of_an_hour() {
        let f = frame(0, 3_600_000);
        let r = range(&f, &View::default());
        assert_eq!((r.start, r.end), (2_700_000, 3_600_000));
        let span = span_ms(&f);
        assert_eq!(wider(None, span), Some(1_800_000));
        assert_eq!(wider(Some(1_800_000), span), Some(EVERYTHING));
        let v = View {
            window_ms: Some(EVERYTHING),
            ..View::default()
        };
        assert_eq!(range(&f, &v).start, 0);
    }

    #[test]
    fn pan_is_clamped_to_the_history() {
        let f = frame(0, 600_000);
        let v = View {
            window_ms: Some(60_000),
            pan_ms: 10_000_000,
            ..View::default()
        };
        let r = range(&f, &v);
        assert_eq!((r.start, r.end, r.live), (0, 60_000, false));
        let v = View { pan_ms: -5, ..v };
        assert!(range(&f, &v).live);
    }

    #[test]
    fn a_note_is_about_the_cursor_the_panned_edge_or_now() {
        let f = frame(0, 600_000);
        let mut v = View::default();
        assert_eq!(note_time(&f, &v), None, "live: now");
        v.paused = true;
        assert_eq!(note_time(&f, &v), Some(600_000), "paused: the frame shown");
        v.paused = false;
        v.window_ms = Some(60_000);
        v.pan_ms = 120_000;
        assert_eq!(note_time(&f, &v), Some(480_000), "panned: the right edge");
        v.cursor_ms = Some(450_000);
        assert_eq!(note_time(&f, &v), Some(450_000), "the cursor in sight");
        v.cursor_ms = Some(100_000);
        assert_eq!(
            note_time(&f, &v),
            Some(480_000),
            "not a cursor out of sight"
        );
        v.pan_ms = 0;
        v.cursor_ms = Some(590_000);
        assert_eq!(note_time(&f, &v), Some(590_000), "live, on the cursor");
    }

    #[test]
    fn clock_in_utc_and_local() {
        assert_eq!(clock(3_723_000, None), "01:02:03Z");
        assert_eq!(clock(3_723_000, Some(3600)), "02:02:03");
        assert_eq!(clock(3_723_000, Some(-5400)), "23:32:03");
        assert_eq!(clock(i64::MAX, None), "--:--:--");
    }
}
