//! The peak of the incident (40 instances, the autoscaler at its limit):
//! the charts keep their y-axis values and time labels at 120x36 and
//! 200x50 while the instance table pages; at 80x24 every sparkline has
//! its scale and threshold; "worst of N" counts only instances with a
//! value; the Instances panel names its limit.

use crate::tui_fixture::*;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use vitals::frame::Frame;
use vitals::theme::{ColorDepth, Theme};
use vitals::tui::{render, View};

fn screen(frame: &Frame, w: u16, h: u16) -> String {
    let theme = Theme::load_with_depth("dark", ColorDepth::Ansi16).unwrap();
    let view = View {
        title: "vitals demo".into(),
        now_ms: Some(NOW_MS + 400),
        ..View::default()
    };
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| render(frame, &view, &theme, f.area(), f.buffer_mut()))
        .unwrap();
    t.backend().to_string()
}

/// Every chart's time labels: one `now` per chart.
fn charts_with_axes(s: &str) -> usize {
    s.matches("now").count()
}

#[test]
fn peak_120x36_keeps_every_axis_and_pages_the_table() {
    let s = screen(&peak(), 120, 36);
    assert_eq!(charts_with_axes(&s), 6, "{s}");
    assert!(s.contains("4m58s window"), "{s}");
    assert!(
        s.contains(&format!("of {PEAK_INSTANCES} (PgUp/PgDn)")),
        "{s}"
    );
    assert!(s.contains("worst of 40"), "{s}");
    assert!(!s.contains("worst of 80"), "{s}");
    assert!(s.contains("40 current of max 40"), "{s}");
    assert!(s.contains("desired 92"), "{s}");
    assert!(s.contains("CRIT"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn peak_200x50_keeps_every_axis() {
    let s = screen(&peak(), 200, 50);
    assert_eq!(charts_with_axes(&s), 6, "{s}");
    assert!(s.contains("of max 40"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn peak_80x24_sparklines_carry_scale_and_threshold() {
    let s = screen(&peak(), 80, 24);
    assert!(s.contains("of max 40"), "{s}");
    assert!(s.contains("(worst of 40)"), "{s}");
    // Latency: its scale up to the crit line, and the warn mark.
    let latency = s.lines().find(|l| l.contains("Latency")).unwrap();
    assert!(latency.contains(" 0–243ms ▲150ms"), "{latency}");
    // CPU: its legend gives way so that the scale and threshold stay.
    let cpu = s.lines().find(|l| l.contains("CPU")).unwrap();
    assert!(cpu.contains(" 0–103% ▲70.0%"), "{cpu}");
    insta::assert_snapshot!(s);
}
