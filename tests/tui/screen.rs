//! Whole-screen snapshots through ratatui's TestBackend at the sizes users
//! have: 80x24 (a laptop over SSH), 120x36, 200x50 (a war-room screen).

use crate::tui_fixture;

use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::Terminal;
use tui_fixture::*;
use vitals::frame::{Frame, Panel};
use vitals::theme::{ColorDepth, Theme};
use vitals::tui::{render, Focus, View};

fn dark() -> Theme {
    Theme::load_with_depth("dark", ColorDepth::Ansi16).unwrap()
}

fn draw_with(frame: &Frame, view: &View, theme: &Theme, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| render(frame, view, theme, f.area(), f.buffer_mut()))
        .unwrap();
    t
}

fn screen(frame: &Frame, view: &View, w: u16, h: u16) -> String {
    draw_with(frame, view, &dark(), w, h).backend().to_string()
}

fn view() -> View {
    View {
        title: "vitals demo".into(),
        now_ms: Some(NOW_MS + 400),
        ..View::default()
    }
}

#[test]
fn incident_80x24() {
    let s = screen(&incident(), &view(), 80, 24);
    // Small screen: one row per panel, every title visible.
    for title in [
        "Latency",
        "Traffic",
        "Errors",
        "CPU",
        "Instances",
        "Saturation",
    ] {
        assert!(s.contains(title), "{title} missing");
    }
    assert!(s.contains("CRITICAL LatencyP99High 231ms for 2m10s"));
    insta::assert_snapshot!(s);
}

#[test]
fn incident_120x36() {
    insta::assert_snapshot!(screen(&incident(), &view(), 120, 36));
}

#[test]
fn incident_200x50() {
    let s = screen(&incident(), &view(), 200, 50);
    assert!(s.contains("crit 200ms"), "threshold line named");
    insta::assert_snapshot!(s);
}

#[test]
fn calm_80x24_and_200x50() {
    insta::assert_snapshot!("calm_80x24", screen(&calm(), &view(), 80, 24));
    let s = screen(&calm(), &view(), 200, 50);
    assert!(s.contains("no alerts firing"));
    assert!(s.contains("pending: ErrorRatioHigh fires in 20s"));
    insta::assert_snapshot!("calm_200x50", s);
}

#[test]
fn expanded_panel_80x24_and_200x50() {
    let v = View {
        expanded: true,
        ..view()
    };
    insta::assert_snapshot!("expanded_80x24", screen(&incident(), &v, 80, 24));
    let s = screen(&incident(), &v, 200, 50);
    assert!(s.contains("histogram_quantile(0.99"), "expression shown");
    insta::assert_snapshot!("expanded_200x50", s);
}

#[test]
fn expanded_table_80x24() {
    let v = View {
        expanded: true,
        focus: Focus::Instances,
        ..view()
    };
    insta::assert_snapshot!(screen(&incident(), &v, 80, 24));
}

#[test]
fn help_80x24_and_200x50() {
    let v = View {
        help: true,
        ..view()
    };
    let s = screen(&incident(), &v, 200, 50);
    assert!(s.contains("/home/oncall/.local/state/vitals/vitals.log"));
    insta::assert_snapshot!("help_200x50", s);
    insta::assert_snapshot!("help_80x24", screen(&incident(), &v, 80, 24));
}

#[test]
fn ascii_80x24_and_200x50_hold_only_ascii() {
    let v = View {
        ascii: true,
        ..view()
    };
    for (w, h) in [(80, 24), (200, 50)] {
        let s = screen(&incident(), &v, w, h);
        assert!(s.is_ascii(), "non-ASCII at {w}x{h}");
        insta::assert_snapshot!(format!("ascii_{w}x{h}"), s);
    }
}

/// Every cell's colour is the terminal default; status is still visible
/// through glyphs, words, bold and reverse video.
#[test]
fn no_color_80x24() {
    let t = draw_with(&incident(), &view(), &Theme::no_color(), 80, 24);
    let buf: &Buffer = t.backend().buffer();
    for cell in buf.content() {
        assert_eq!(cell.fg, ratatui::style::Color::Reset);
        assert_eq!(cell.bg, ratatui::style::Color::Reset);
    }
    insta::assert_debug_snapshot!(buf);
}

#[test]
fn no_color_200x50() {
    let t = draw_with(&incident(), &view(), &Theme::no_color(), 200, 50);
    insta::assert_snapshot!(t.backend().to_string());
}

#[test]
fn dark_colours_80x24() {
    let t = draw_with(&incident(), &view(), &dark(), 80, 24);
    insta::assert_debug_snapshot!(t.backend().buffer());
}

#[test]
fn stale_data_is_flagged() {
    let v = View {
        now_ms: Some(NOW_MS + 75_000),
        ..view()
    };
    let s = screen(&incident(), &v, 80, 24);
    assert!(s.contains("STALE: no data for 1m15s"), "{s}");
}

#[test]
fn waiting_for_first_frame() {
    insta::assert_snapshot!(screen(&Frame::default(), &view(), 80, 24));
}

#[test]
fn panel_errors_are_shown() {
    let mut f = incident();
    f.panels[0] = Panel {
        id: "latency".into(),
        title: "Latency".into(),
        error: Some("no histogram found (*_request_duration_seconds, *_duration_seconds, *_latency_seconds)".into()),
        ..Panel::default()
    };
    // The p99 cells have no thresholds to be judged by now.
    tui_fixture::judge(&mut f);
    f.notice = Some("config reload failed: vitals.toml:3:7: unknown field `colour`".into());
    let s = screen(&f, &view(), 200, 50);
    assert!(s.contains("error: no histogram found"));
    insta::assert_snapshot!("panel_error_200x50", s);
    insta::assert_snapshot!("panel_error_80x24", screen(&f, &view(), 80, 24));
}

#[test]
fn many_alerts_on_a_big_screen_get_a_row_each() {
    let mut f = incident();
    for i in 0..4 {
        f.alerts.push(alert(
            &format!("QueueFull{i}"),
            vitals::frame::AlertState::Firing,
            vitals::frame::Severity::Critical,
            "saturation",
            0.97,
        ));
    }
    regroup(&mut f);
    insta::assert_snapshot!(screen(&f, &view(), 200, 50));
}

/// No size, however small or odd, panics or draws outside the buffer.
#[test]
fn any_size_renders_without_panic() {
    let frames = [incident(), calm(), Frame::default()];
    let views = [
        view(),
        View {
            expanded: true,
            ..view()
        },
        View {
            help: true,
            ascii: true,
            ..view()
        },
        View {
            focus: Focus::Instances,
            table_scroll: 99,
            ..view()
        },
        View {
            focus: Focus::Panel(42),
            ..view()
        },
    ];
    for f in &frames {
        for v in &views {
            for (w, h) in [
                (1, 1),
                (10, 3),
                (20, 5),
                (40, 10),
                (60, 15),
                (79, 23),
                (81, 25),
                (300, 90),
            ] {
                let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
                render(f, v, &dark(), buf.area, &mut buf);
                // An area smaller than the buffer is respected.
                let mut buf = Buffer::empty(Rect::new(0, 0, w + 4, h + 4));
                render(f, v, &dark(), Rect::new(2, 2, w, h), &mut buf);
                assert!(buf[(0, 0)].symbol() == " ");
            }
        }
    }
}

#[test]
fn odd_values_render() {
    let mut f = incident();
    f.panels[1].series[0].value = Some(f64::NAN);
    f.panels[1].series[0].points[10].1 = f64::INFINITY;
    f.panels[2].series[0].value = Some(f64::INFINITY);
    f.panels[3].series.clear();
    f.panels[4].series[0].points.clear();
    f.panels[5].series[0].points = vec![(NOW_MS, -3.0)];
    f.instances[0].instance = "a-very-long-instance-name.example.internal:9100".into();
    let s = screen(&f, &view(), 200, 50);
    assert!(s.contains("NaN") || s.contains("+Inf"));
    let _ = screen(&f, &view(), 80, 24);
}
