//! The table window: the instances the table shows, which the engine asks
//! a server for by name, follows scrolling, and sorted by a value column
//! leaves out rows without that value (they would move once given one).

use crate::tui_fixture;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use tui_fixture::*;
use vitals::frame::Frame;
use vitals::tui::{table_window, Focus, View};

const AREA: Rect = Rect::new(0, 0, 120, 40);

/// 300 instances; only the first 200 (the busiest) have values.
fn fleet() -> Frame {
    let mut f = calm();
    let row = f.instances[0].clone();
    f.instances = (0..300)
        .map(|i| {
            let mut r = row.clone();
            r.instance = format!("host-{i:03}:9100");
            let v = (i < 200).then_some(1.0 - f64::from(i) / 1000.0);
            (r.cpu, r.p99, r.error_ratio) = (v, v, v);
            r
        })
        .collect();
    f
}

fn press(v: &mut View, f: &Frame, code: KeyCode, times: usize) {
    for _ in 0..times {
        v.on_key(KeyEvent::new(code, KeyModifiers::NONE), f, AREA);
    }
}

#[test]
fn the_window_follows_the_rows_in_sight() {
    let f = fleet();
    let mut v = View {
        focus: Focus::Instances,
        expanded: true,
        now_ms: Some(NOW_MS),
        ..View::default()
    };
    let w = table_window(&f, &v, AREA);
    assert!(!w.is_empty() && w.len() < 40, "{w:?}");
    assert_eq!(w[0], "host-000:9100");
    // Paged past the busiest 200: those rows are in the window.
    press(&mut v, &f, KeyCode::PageDown, 25);
    let w = table_window(&f, &v, AREA);
    assert!(w.iter().any(|i| i.as_str() >= "host-200:9100"), "{w:?}");
    assert!(w.windows(2).all(|p| p[0] < p[1]), "top to bottom: {w:?}");
}

#[test]
fn sorted_by_a_value_only_valued_rows_count() {
    let f = fleet();
    let mut v = View {
        focus: Focus::Instances,
        expanded: true,
        now_ms: Some(NOW_MS),
        ..View::default()
    };
    // Natural, INSTANCE, JOB, UP, CPU.
    press(&mut v, &f, KeyCode::Char('s'), 4);
    let w = table_window(&f, &v, AREA);
    assert_eq!(w.first().map(String::as_str), Some("host-000:9100"));
    press(&mut v, &f, KeyCode::PageDown, 30);
    let w = table_window(&f, &v, AREA);
    assert!(w.iter().all(|i| i.as_str() < "host-200:9100"), "{w:?}");
    press(&mut v, &f, KeyCode::Char('s'), 3);
    assert!(
        !table_window(&f, &v, AREA).is_empty(),
        "back to the natural order"
    );
}
