//! Every panel on its own (a frame holding just that panel, so it fills the
//! body), the instance table on its own, and the stat and table kinds, at
//! 80x24 and 200x50.

use crate::tui_fixture;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use tui_fixture::*;
use vitals::frame::{Frame, PanelKind};
use vitals::theme::{ColorDepth, Theme};
use vitals::tui::{render, View};

fn screen(frame: &Frame, w: u16, h: u16) -> String {
    let theme = Theme::load_with_depth("dark", ColorDepth::Ansi16).unwrap();
    let view = View {
        title: "vitals demo".into(),
        now_ms: Some(NOW_MS),
        ..View::default()
    };
    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
    render(frame, &view, &theme, buf.area, &mut buf);
    (0..h)
        .map(|y| {
            let line: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
            format!("{}\n", line.trim_end())
        })
        .collect()
}

#[test]
fn each_panel_at_80x24_and_200x50() {
    for panel in panels() {
        let id = panel.id.clone();
        let title = panel.title.clone();
        let f = only(panel);
        for (w, h) in [(80, 24), (200, 50)] {
            let s = screen(&f, w, h);
            assert!(s.contains(&title), "{id} at {w}x{h}");
            insta::assert_snapshot!(format!("{id}_{w}x{h}"), s);
        }
    }
}

#[test]
fn instance_table_alone() {
    let mut f = Frame {
        panels: Vec::new(),
        ..incident()
    };
    // Without the panels there are no thresholds to judge the cells by.
    judge(&mut f);
    for (w, h) in [(80, 24), (200, 50)] {
        insta::assert_snapshot!(format!("instances_table_{w}x{h}"), screen(&f, w, h));
    }
}

#[test]
fn many_instances_scroll() {
    let mut f = incident();
    let rows = f.instances.clone();
    for i in 0..6 {
        f.instances.extend(rows.iter().cloned().map(|mut r| {
            r.instance = format!("{}-{i}", r.instance);
            r
        }));
    }
    let s = screen(&f, 80, 24);
    assert!(s.contains("rows 1-"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn stat_and_table_kinds() {
    for kind in [PanelKind::Stat, PanelKind::Table] {
        let mut p = panels().remove(3);
        p.kind = kind;
        insta::assert_snapshot!(format!("cpu_{kind:?}_80x24"), screen(&only(p), 80, 24));
    }
}

/// Over a server the charts' points are a range query's step apart, far
/// more than the refresh interval: they are still one line, not dots
/// lost in gaps.
#[test]
fn chart_points_a_range_step_apart_are_one_line() {
    let mut p = panels().remove(1);
    let step = 15_000;
    let s = &mut p.series[0];
    s.points = (0..40)
        .map(|i| (NOW_MS - (39 - i) * step, 100.0 + (i % 7) as f64 * 10.0))
        .collect();
    let braille = |f: &Frame| {
        screen(f, 80, 24)
            .chars()
            .filter(|c| ('\u{2801}'..='\u{28ff}').contains(c))
            .count()
    };
    let mut f = only(p);
    f.interval = std::time::Duration::from_secs(1);
    let scattered = braille(&f);
    f.server = Some(vitals::frame::ServerStatus {
        url: "http://127.0.0.1:9090".into(),
        chart_step: Some(std::time::Duration::from_millis(step as u64)),
        ..Default::default()
    });
    let joined = braille(&f);
    assert!(
        joined > 3 * scattered.max(20),
        "{scattered} dots without the step, {joined} with it"
    );
}
