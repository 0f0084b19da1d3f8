//! Screens reached by keys: a narrowed and panned time window, the paused
//! banner, the expanded panel's value cursor, the instance table sorted,
//! filtered and with an outlier, local time, and the `/` and `:` prompts,
//! at 80x24 and 200x50.

use crate::tui_fixture;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use tui_fixture::*;
use vitals::frame::{Command, Frame};
use vitals::theme::{ColorDepth, Theme};
use vitals::tui::{render, Focus, KeyOutcome, View};

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

fn screen(frame: &Frame, view: &View, w: u16, h: u16) -> String {
    let theme = Theme::load_with_depth("dark", ColorDepth::Ansi16).unwrap();
    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
    render(frame, view, &theme, buf.area, &mut buf);
    (0..h)
        .map(|y| {
            let line: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
            format!("{}\n", line.trim_end())
        })
        .collect()
}

fn view() -> View {
    View {
        title: "vitals demo".into(),
        now_ms: Some(NOW_MS + 400),
        // UTC+01:30, as if computed at start.
        local_offset_s: 5400,
        ..View::default()
    }
}

/// Sends keys (a string of characters, or named keys) and returns the last
/// outcome.
fn keys(v: &mut View, f: &Frame, w: u16, h: u16, codes: &[KeyCode]) -> KeyOutcome {
    let mut last = KeyOutcome::Ignored;
    for c in codes {
        last = v.on_key(
            KeyEvent::new(*c, KeyModifiers::NONE),
            f,
            Rect::new(0, 0, w, h),
        );
    }
    last
}

fn typed(s: &str) -> Vec<KeyCode> {
    s.chars().map(KeyCode::Char).collect()
}

/// The incident with one instance far hotter than the rest.
fn with_outlier() -> Frame {
    let mut f = incident();
    for (i, r) in f.instances.iter_mut().enumerate() {
        if r.up {
            r.cpu = Some(0.30 + 0.01 * i as f64);
        }
    }
    f.instances[2].cpu = Some(0.97);
    tui_fixture::judge(&mut f);
    f
}

#[test]
fn narrowed_and_panned_window() {
    for (w, h) in SIZES {
        let f = incident();
        let mut v = view();
        keys(&mut v, &f, w, h, &typed("++"));
        assert_eq!(v.window_ms, Some(60_000));
        keys(&mut v, &f, w, h, &typed("["));
        let s = screen(&f, &v, w, h);
        assert!(s.contains("window 1m to 11:59:33Z"), "{s}");
        insta::assert_snapshot!(format!("window_panned_{w}x{h}"), s);
        keys(&mut v, &f, w, h, &typed("0"));
        assert_eq!((v.pan_ms, v.window_ms), (0, Some(60_000)));
        keys(&mut v, &f, w, h, &typed("----"));
        assert_eq!(v.window_ms, None, "widening stops at everything retained");
    }
}

#[test]
fn paused_banner() {
    for (w, h) in SIZES {
        let f = incident();
        let mut v = view();
        assert_eq!(keys(&mut v, &f, w, h, &typed("p")), KeyOutcome::Redraw);
        let s = screen(&f, &v, w, h);
        assert!(s.contains("PAUSED"), "{s}");
        insta::assert_snapshot!(format!("paused_{w}x{h}"), s);
        keys(&mut v, &f, w, h, &typed("p"));
        assert!(!v.paused);
    }
}

#[test]
fn expanded_value_cursor() {
    for (w, h) in SIZES {
        let f = incident();
        let mut v = view();
        keys(
            &mut v,
            &f,
            w,
            h,
            &[KeyCode::Enter, KeyCode::Left, KeyCode::Left],
        );
        // The newest point, then one step (2 s) back.
        assert_eq!(v.cursor_ms, Some(NOW_MS - 2000));
        let s = screen(&f, &v, w, h);
        assert!(s.contains("at 12:00:01Z"), "{s}");
        insta::assert_snapshot!(format!("cursor_{w}x{h}"), s);
        keys(&mut v, &f, w, h, &[KeyCode::Right, KeyCode::Right]);
        assert_eq!(v.cursor_ms, Some(NOW_MS));
        keys(&mut v, &f, w, h, &[KeyCode::Esc]);
        assert_eq!((v.expanded, v.cursor_ms), (false, None));
    }
}

#[test]
fn sorted_filtered_table_with_outlier() {
    for (w, h) in SIZES {
        let f = with_outlier();
        let mut v = View {
            focus: Focus::Instances,
            expanded: true,
            ..view()
        };
        // INSTANCE, JOB, UP, CPU: sorted by CPU, highest first.
        keys(&mut v, &f, w, h, &typed("ssss"));
        let s = screen(&f, &v, w, h);
        assert!(s.contains("CPU▼"), "{s}");
        assert!(s.contains("97.0% ◆"), "{s}");
        assert!(s.contains("worst CPU: 127.0.0.1:41003 97.0% ◆"), "{s}");
        insta::assert_snapshot!(format!("table_sorted_{w}x{h}"), s);
        keys(&mut v, &f, w, h, &typed("S/4100[13]"));
        keys(&mut v, &f, w, h, &[KeyCode::Enter]);
        assert_eq!(v.filter.as_deref(), Some("4100[13]"));
        let s = screen(&f, &v, w, h);
        assert!(s.contains("2 shown"), "{s}");
        assert!(!s.contains("127.0.0.1:41002"), "{s}");
        insta::assert_snapshot!(format!("table_filtered_{w}x{h}"), s);
    }
}

#[test]
fn invalid_filter_is_shown_not_applied() {
    for (w, h) in SIZES {
        let f = incident();
        let mut v = View {
            focus: Focus::Instances,
            ..view()
        };
        keys(&mut v, &f, w, h, &typed("/41001|(")); // unclosed group
        let s = screen(&f, &v, w, h);
        assert!(s.contains("/41001|("), "{s}");
        assert!(s.contains("bad regex"), "{s}");
        assert!(s.contains("127.0.0.1:41002"), "nothing filtered: {s}");
        insta::assert_snapshot!(format!("filter_invalid_{w}x{h}"), s);
        keys(&mut v, &f, w, h, &[KeyCode::Enter]);
        assert!(v.prompt.is_some(), "Enter on a bad regex keeps the prompt");
        assert_eq!(v.filter, None);
        keys(&mut v, &f, w, h, &[KeyCode::Esc]);
        assert!(v.prompt.is_none());
    }
}

#[test]
fn command_line() {
    for (w, h) in SIZES {
        let f = incident();
        let mut v = view();
        keys(&mut v, &f, w, h, &typed(":wi"));
        keys(&mut v, &f, w, h, &[KeyCode::Tab]);
        assert_eq!(v.prompt.as_ref().unwrap().text, "window ");
        keys(&mut v, &f, w, h, &typed("2m"));
        insta::assert_snapshot!(format!("command_typing_{w}x{h}"), screen(&f, &v, w, h));
        keys(&mut v, &f, w, h, &[KeyCode::Enter]);
        assert_eq!(v.window_ms, Some(120_000));
        keys(&mut v, &f, w, h, &typed(":bogus"));
        keys(&mut v, &f, w, h, &[KeyCode::Enter]);
        let s = screen(&f, &v, w, h);
        assert!(s.contains("unknown command :bogus"), "{s}");
        insta::assert_snapshot!(format!("command_error_{w}x{h}"), s);
        keys(&mut v, &f, w, h, &[KeyCode::Esc]);
        keys(&mut v, &f, w, h, &typed(":expr up == 0"));
        let sent = keys(&mut v, &f, w, h, &[KeyCode::Enter]);
        assert_eq!(sent, KeyOutcome::Send(Command::AddExpr("up == 0".into())));
        keys(&mut v, &f, w, h, &typed(":theme light"));
        let out = keys(&mut v, &f, w, h, &[KeyCode::Enter]);
        assert_eq!(out, KeyOutcome::SetTheme("light".into()));
        keys(&mut v, &f, w, h, &typed(":q"));
        assert_eq!(keys(&mut v, &f, w, h, &[KeyCode::Enter]), KeyOutcome::Quit);
    }
}

#[test]
fn local_time_everywhere() {
    for (w, h) in SIZES {
        let f = incident();
        let mut v = view();
        keys(&mut v, &f, w, h, &typed("t"));
        let s = screen(&f, &v, w, h);
        assert!(s.contains("updated 13:30:03"), "{s}");
        assert!(!s.contains("12:00:03Z"), "{s}");
        insta::assert_snapshot!(format!("local_time_{w}x{h}"), s);
    }
}

#[test]
fn ascii_marks_outliers_and_sort_order_plainly() {
    let f = with_outlier();
    let mut v = View {
        focus: Focus::Instances,
        expanded: true,
        ascii: true,
        ..view()
    };
    keys(&mut v, &f, 80, 24, &typed("ssss"));
    let s = screen(&f, &v, 80, 24);
    assert!(s.is_ascii(), "{s}");
    assert!(s.contains("CPUv"), "{s}");
    assert!(s.contains("97.0% X *"), "{s}");
}

#[test]
fn pinned_to_one_instance() {
    for (w, h) in SIZES {
        let f = incident();
        let mut v = View {
            focus: Focus::Instances,
            ..view()
        };
        keys(&mut v, &f, w, h, &typed("jj"));
        let sent = keys(&mut v, &f, w, h, &[KeyCode::Enter]);
        let who = f.instances[2].instance.clone();
        assert_eq!(sent, KeyOutcome::Send(Command::Pin(Some(who.clone()))));
        // Until the engine's next frame, the mark says it is on its way.
        assert!(screen(&f, &v, w, h).contains(&format!("pinning: {who}...")));
        // The engine's next frame: every panel evaluated for that instance.
        let pinned = Frame {
            pinned: Some(who.clone()),
            ..incident()
        };
        let s = screen(&pinned, &v, w, h);
        assert!(s.contains(&format!("pinned: {who}")), "{s}");
        insta::assert_snapshot!(format!("pinned_{w}x{h}"), s);
        let sent = keys(&mut v, &pinned, w, h, &[KeyCode::Esc]);
        assert_eq!(sent, KeyOutcome::Send(Command::Pin(None)));
        assert!(!screen(&incident(), &v, w, h).contains("pinned:"));
    }
}

fn with_catalog() -> Frame {
    use vitals::detect::{Catalog, MetricInfo};
    let info = |labels: &[&str]| MetricInfo {
        labels: labels.iter().map(|l| l.to_string()).collect(),
        ..Default::default()
    };
    let catalog: Catalog = [
        ("http_requests_total", info(&["code", "instance", "job"])),
        (
            "http_request_duration_seconds_bucket",
            info(&["instance", "job", "le"]),
        ),
        (
            "http_request_duration_seconds_count",
            info(&["instance", "job"]),
        ),
        (
            "http_request_duration_seconds_sum",
            info(&["instance", "job"]),
        ),
        ("process_cpu_seconds_total", info(&["instance", "job"])),
        ("up", info(&["instance", "job"])),
    ]
    .into_iter()
    .map(|(n, i)| (n.to_string(), i))
    .collect();
    Frame {
        catalog: std::sync::Arc::new(catalog),
        ..incident()
    }
}

#[test]
fn command_line_completion() {
    for (w, h) in SIZES {
        let f = with_catalog();
        let mut v = view();
        keys(&mut v, &f, w, h, &typed(":expr sum(rate(http_"));
        keys(&mut v, &f, w, h, &[KeyCode::Tab]);
        let p = v.prompt.as_ref().unwrap();
        assert_eq!(p.text, "expr sum(rate(http_request");
        assert_eq!(p.candidates.len(), 4);
        let s = screen(&f, &v, w, h);
        assert!(s.contains("http_requests_total"), "{s}");
        assert!(s.contains("4 matches"), "{s}");
        insta::assert_snapshot!(format!("completion_popup_{w}x{h}"), s);
        keys(&mut v, &f, w, h, &typed("s_t"));
        keys(&mut v, &f, w, h, &[KeyCode::Tab]);
        let p = v.prompt.as_ref().unwrap();
        assert_eq!(p.text, "expr sum(rate(http_requests_total");
        assert!(p.candidates.is_empty());
        keys(&mut v, &f, w, h, &typed("{ins"));
        keys(&mut v, &f, w, h, &[KeyCode::Tab]);
        keys(&mut v, &f, w, h, &typed("127.0.0.1:4100"));
        keys(&mut v, &f, w, h, &[KeyCode::Tab]);
        let p = v.prompt.as_ref().unwrap();
        assert!(p.text.ends_with("{instance=\"127.0.0.1:4100"), "{}", p.text);
        assert!(p.candidates.len() >= 2, "{:?}", p.candidates);
        let s = screen(&f, &v, w, h);
        insta::assert_snapshot!(format!("completion_values_{w}x{h}"), s);
    }
}

#[test]
fn bad_expr_shows_where() {
    for (w, h) in SIZES {
        let f = incident();
        let mut v = view();
        keys(
            &mut v,
            &f,
            w,
            h,
            &typed(":expr sum(rate(x[5m])) by (job) +* 2"),
        );
        let out = keys(&mut v, &f, w, h, &[KeyCode::Enter]);
        assert_eq!(out, KeyOutcome::Redraw, "not sent to the engine");
        let p = v.prompt.as_ref().expect("kept open");
        let e = p.error.as_deref().unwrap();
        assert!(e.contains("(at column "), "{e}");
        // The marked character is the operator the parser stopped at.
        let at = p.error_at.expect("a position");
        let c = p.text.chars().nth(at);
        assert!(
            matches!(c, Some('+' | '*')),
            "{at} {c:?} in {:?}: {e}",
            p.text
        );
        let s = screen(&f, &v, w, h);
        assert!(s.contains("(at column "), "{s}");
        insta::assert_snapshot!(format!("bad_expr_{w}x{h}"), s);
    }
}

#[test]
fn expr_takes_a_unit_and_its_errors_point_past_it() {
    let f = incident();
    let mut v = view();
    keys(&mut v, &f, 80, 24, &typed(":expr unit=ratio sum(x) +* 2"));
    keys(&mut v, &f, 80, 24, &[KeyCode::Enter]);
    let p = v.prompt.as_ref().expect("kept open");
    let at = p.error_at.expect("a position");
    assert!(
        matches!(p.text.chars().nth(at), Some('+' | '*')),
        "{at} in {:?}",
        p.text
    );
    let mut v = view();
    keys(&mut v, &f, 80, 24, &typed(":expr unit=parsecs up"));
    keys(&mut v, &f, 80, 24, &[KeyCode::Enter]);
    let e = v.prompt.as_ref().unwrap().error.clone().unwrap();
    assert!(e.starts_with("unit=parsecs: unknown unit"), "{e}");
    let mut v = view();
    keys(&mut v, &f, 80, 24, &typed(":expr unit=ratio up"));
    let out = keys(&mut v, &f, 80, 24, &[KeyCode::Enter]);
    assert_eq!(
        out,
        KeyOutcome::Send(Command::AddExpr("unit=ratio up".into()))
    );
}

#[test]
fn export_is_asked_of_the_event_loop() {
    let f = incident();
    let mut v = view();
    keys(&mut v, &f, 80, 24, &typed(":export"));
    assert_eq!(
        keys(&mut v, &f, 80, 24, &[KeyCode::Enter]),
        KeyOutcome::Export(None)
    );
    keys(&mut v, &f, 80, 24, &typed(":export /tmp/x.md"));
    assert_eq!(
        keys(&mut v, &f, 80, 24, &[KeyCode::Enter]),
        KeyOutcome::Export(Some("/tmp/x.md".into()))
    );
}

/// Over a server the table's value sort is sent to the engine with the
/// deepest row in sight, so that column is ranked down past it.
#[test]
fn value_sort_is_reported_with_the_deepest_row_in_sight() {
    use vitals::frame::{TableColumn, TableRank};
    let f = with_outlier();
    let area = Rect::new(0, 0, 200, 50);
    let mut v = View {
        focus: Focus::Instances,
        expanded: true,
        ..view()
    };
    assert_eq!(vitals::tui::table_rank(&f, &v, area), None, "natural order");
    keys(&mut v, &f, 200, 50, &typed("ssss"));
    let rank = vitals::tui::table_rank(&f, &v, area).unwrap();
    assert_eq!(rank.column, TableColumn::Cpu);
    assert!(rank.worst_first);
    assert_eq!(rank.rows, f.instances.len(), "every row is in sight");
    keys(&mut v, &f, 200, 50, &typed("S"));
    let reversed = vitals::tui::table_rank(&f, &v, area).unwrap();
    assert_eq!(
        reversed,
        TableRank {
            worst_first: false,
            ..rank
        }
    );
    // A short table: only the rows in sight count.
    let small = Rect::new(0, 0, 80, 24);
    let rows = vitals::tui::table_rank(&f, &v, small).map_or(0, |r| r.rows);
    assert!(rows <= f.instances.len());
}
