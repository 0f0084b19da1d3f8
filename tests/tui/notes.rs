//! Notes (`:note`) on the screen: a mark on every chart's time axis at the
//! note's instant while it is in the window, and a line in the alerts
//! list's history, interleaved with the transitions by time.

use crate::tui_fixture;

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::sync::Arc;
use tui_fixture::*;
use vitals::frame::{Frame, Severity};
use vitals::theme::{ColorDepth, Theme};
use vitals::tui::{render, View};
use vitals::vocab::alert::{Phase, Transition};
use vitals::vocab::labels::Labels;
use vitals::vocab::Note;

fn lines(frame: &Frame, view: &View, w: u16, h: u16) -> Vec<String> {
    let theme = Theme::load_with_depth("dark", ColorDepth::Ansi16).unwrap();
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| render(frame, view, &theme, f.area(), f.buffer_mut()))
        .unwrap();
    let buf = t.backend().buffer().clone();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect())
        .collect()
}

fn note(t: i64, text: &str) -> Note {
    Note {
        time_ms: t,
        author: "oncall@db1".into(),
        text: text.into(),
    }
}

/// The incident with a note a minute ago (in the window) and one an hour
/// ago (before it), and the transition that fired latency's alert.
fn with_notes() -> Frame {
    let mut f = incident();
    f.notes = Arc::new(vec![
        note(NOW_MS - 3_600_000, "an hour ago: deploy 4711"),
        note(NOW_MS - 60_000, "paged the database team"),
    ]);
    f.alert_history = vec![Transition {
        time_ms: NOW_MS - 90_000,
        rule: "LatencyP99High".into(),
        labels: Labels::from_pairs([("alertname", "LatencyP99High")]),
        from: Phase::Pending,
        to: Phase::Firing,
        value: Some(0.231),
        summary: String::new(),
        severity: Severity::Critical,
        inhibited: false,
    }];
    f
}

fn view() -> View {
    View {
        now_ms: Some(NOW_MS + 400),
        ..View::default()
    }
}

#[test]
fn a_note_in_the_window_is_marked_on_every_chart_axis() {
    let f = with_notes();
    let screen = lines(&f, &view(), 200, 50);
    let text = screen.join("\n");
    // Each chart's axis row ends in `now` (live): one mark per axis, the
    // hour-old note being outside the window.
    let axes: Vec<&String> = screen.iter().filter(|l| l.contains("now")).collect();
    let charts: usize = axes.iter().map(|l| l.matches("now").count()).sum();
    assert!(charts >= 6, "{text}");
    let marks: usize = screen.iter().map(|l| l.matches('✎').count()).sum();
    assert_eq!(marks, charts, "{text}");
    for l in &axes {
        assert_eq!(l.matches('✎').count(), l.matches("now").count(), "{l}");
        // A minute before the end of a five-minute window: in the last
        // quarter of the axis, before its `now`.
        let mark = l.find('✎').unwrap();
        assert!(l[mark..].contains("now"), "{l}");
    }
    // Without notes, no mark.
    let plain = lines(&incident(), &view(), 200, 50).join("\n");
    assert!(!plain.contains('✎'), "{plain}");
    // Panned back before the note (the window's right edge 3 minutes
    // ago): no mark either.
    let back = View {
        window_ms: Some(60_000),
        pan_ms: 180_000,
        ..view()
    };
    let panned = lines(&f, &back, 200, 50).join("\n");
    assert!(!panned.contains('✎'), "{panned}");
    // `--ascii`: the mark is `^`.
    let ascii = View {
        ascii: true,
        ..view()
    };
    let ascii = lines(&f, &ascii, 200, 50);
    let marks: usize = ascii.iter().map(|l| l.matches('^').count()).sum();
    assert_eq!(marks, charts, "{}", ascii.join("\n"));
}

#[test]
fn notes_are_in_the_alerts_list_history_between_transitions() {
    let f = with_notes();
    let mut v = view();
    v.alerts.open = true;
    let screen = lines(&f, &v, 200, 50);
    let text = screen.join("\n");
    let row = |needle: &str| {
        screen
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in\n{text}"))
    };
    let history = row(" History");
    let paged = row("11:59:03Z ✎ oncall@db1: paged the database team");
    let fired = row("11:58:33Z LatencyP99High pending -> firing 231ms");
    let deploy = row("11:00:03Z ✎ oncall@db1: an hour ago: deploy 4711");
    // Newest first.
    assert!(history < paged && paged < fired && fired < deploy, "{text}");
}
