use super::*;
use crate::frame::{Panel, Series};
use crossterm::event::KeyEventKind;

fn frame() -> Frame {
    let points: Vec<(i64, f64)> = (0..=300).map(|i| (i * 2000, 1.0)).collect();
    Frame {
        time_ms: 600_000,
        panels: (0..4)
            .map(|i| Panel {
                id: format!("p{i}"),
                series: vec![Series {
                    points: points.clone(),
                    ..Series::default()
                }],
                ..Panel::default()
            })
            .collect(),
        ..Frame::default()
    }
}

const AREA: Rect = Rect::new(0, 0, 200, 50);

fn press(v: &mut View, f: &Frame, code: KeyCode) -> KeyOutcome {
    v.on_key(KeyEvent::new(code, KeyModifiers::NONE), f, AREA)
}

fn mouse(kind: MouseEventKind, column: u16, row: u16) -> MouseEvent {
    MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }
}

#[test]
fn pan_back_from_everything_first_narrows() {
    let f = frame();
    let mut v = View::default();
    press(&mut v, &f, KeyCode::Char('['));
    assert_eq!(v.window_ms, Some(300_000));
    assert_eq!(v.pan_ms, 150_000);
    press(&mut v, &f, KeyCode::Char('['));
    assert_eq!(v.pan_ms, 300_000, "stops at the oldest point");
    assert_eq!(press(&mut v, &f, KeyCode::Char('[')), KeyOutcome::Ignored);
    press(&mut v, &f, KeyCode::Char(']'));
    assert_eq!(v.pan_ms, 150_000);
}

#[test]
fn typing_in_a_prompt_does_not_run_keys() {
    let f = frame();
    let mut v = View::default();
    press(&mut v, &f, KeyCode::Char(':'));
    for c in "qp+".chars() {
        assert_eq!(press(&mut v, &f, KeyCode::Char(c)), KeyOutcome::Redraw);
    }
    assert!(!v.paused);
    assert_eq!(v.window_ms, None);
    assert_eq!(v.prompt.as_ref().map(|p| p.text.as_str()), Some("qp+"));
    for _ in 0..4 {
        press(&mut v, &f, KeyCode::Backspace);
    }
    assert_eq!(
        v.prompt.as_ref().map(|p| p.text.as_str()),
        Some(""),
        "backspace past the start keeps the prompt open"
    );
    press(&mut v, &f, KeyCode::Esc);
    assert!(v.prompt.is_none(), "Esc closes it");
    let release = KeyEvent {
        kind: KeyEventKind::Release,
        ..KeyEvent::new(KeyCode::Char('p'), KeyModifiers::NONE)
    };
    assert_eq!(v.on_key(release, &f, AREA), KeyOutcome::Ignored);
}

#[test]
fn cursor_steps_only_in_an_expanded_panel() {
    let f = frame();
    let mut v = View::default();
    press(&mut v, &f, KeyCode::Left);
    assert_eq!(v.cursor_ms, None);
    press(&mut v, &f, KeyCode::Enter);
    press(&mut v, &f, KeyCode::Left);
    assert_eq!(v.cursor_ms, Some(600_000));
    press(&mut v, &f, KeyCode::Left);
    assert_eq!(v.cursor_ms, Some(598_000));
    press(&mut v, &f, KeyCode::Char('0'));
    assert_eq!(v.cursor_ms, None);
}

#[test]
fn mouse_click_focuses_and_wheel_zooms() {
    let f = frame();
    let mut v = View::default();
    let plan = super::super::layout::plan(AREA, &f, &v);
    let r = plan.panels[3];
    let out = v.on_mouse(
        mouse(MouseEventKind::Down(MouseButton::Left), r.x + 2, r.y + 2),
        &f,
        AREA,
    );
    assert_eq!(out, KeyOutcome::Redraw);
    assert_eq!(v.focus, Focus::Panel(3));
    v.on_mouse(mouse(MouseEventKind::ScrollUp, 0, 0), &f, AREA);
    assert_eq!(v.window_ms, Some(300_000));
    v.on_mouse(mouse(MouseEventKind::ScrollDown, 0, 0), &f, AREA);
    assert_eq!(v.window_ms, None);
    let moved = mouse(MouseEventKind::Moved, 5, 5);
    assert_eq!(v.on_mouse(moved, &f, AREA), KeyOutcome::Ignored);
}

#[test]
fn window_command_and_filter_command() {
    let f = frame();
    let mut v = View::default();
    for c in ":window 30x".chars() {
        press(&mut v, &f, KeyCode::Char(c));
    }
    press(&mut v, &f, KeyCode::Enter);
    let err = v.prompt.as_ref().and_then(|p| p.error.clone()).unwrap();
    assert!(err.starts_with("bad window"), "{err}");
    assert_eq!(v.window_ms, None);
    press(&mut v, &f, KeyCode::Esc);
    for c in ":filter db|api".chars() {
        press(&mut v, &f, KeyCode::Char(c));
    }
    press(&mut v, &f, KeyCode::Enter);
    assert_eq!(v.filter.as_deref(), Some("db|api"));
    for c in ":filter".chars() {
        press(&mut v, &f, KeyCode::Char(c));
    }
    press(&mut v, &f, KeyCode::Enter);
    assert_eq!(v.filter, None);
}

#[test]
fn a_click_on_a_table_row_selects_it_and_enter_pins_it() {
    let mut f = frame();
    f.instances = (0..60)
        .map(|i| crate::frame::InstanceRow {
            instance: format!("10.0.0.{i}:9100"),
            job: "node".into(),
            up: true,
            ..Default::default()
        })
        .collect();
    let mut v = View::default();
    let plan = super::super::layout::plan(AREA, &f, &v);
    let (_, table) = plan
        .focusable()
        .into_iter()
        .find(|(focus, _)| *focus == Focus::Instances)
        .expect("an instance table");
    // Border and header, then the rows: the third row on screen.
    let click = mouse(
        MouseEventKind::Down(MouseButton::Left),
        table.x + 3,
        table.y + 4,
    );
    assert_eq!(v.on_mouse(click, &f, AREA), KeyOutcome::Redraw);
    assert_eq!(v.focus, Focus::Instances);
    assert_eq!(v.table_row, 2);
    let shown = table_view::visible(&f, &v);
    let expected = f.instances[shown[2]].instance.clone();
    assert_eq!(
        press(&mut v, &f, KeyCode::Enter),
        KeyOutcome::Send(Command::Pin(Some(expected)))
    );
    // A click on the border or the header selects nothing new.
    let header = mouse(
        MouseEventKind::Down(MouseButton::Left),
        table.x + 3,
        table.y + 1,
    );
    v.on_mouse(header, &f, AREA);
    assert_eq!(v.table_row, 2);
}

#[test]
fn note_command_sends_the_note_at_now_or_the_panned_edge() {
    let f = frame();
    let mut v = View::default();
    let note = |v: &mut View, line: &str| {
        for c in line.chars() {
            press(v, &f, KeyCode::Char(c));
        }
        press(v, &f, KeyCode::Enter)
    };
    assert_eq!(
        note(&mut v, ":note db1 failed over"),
        KeyOutcome::Send(Command::Note {
            text: "db1 failed over".into(),
            at_ms: None
        })
    );
    assert_eq!(v.message.as_deref(), Some("note added at 00:10:00Z"));
    // Panned back: the window's right edge.
    v.window_ms = Some(60_000);
    v.pan_ms = 120_000;
    assert_eq!(
        note(&mut v, ":note the spike"),
        KeyOutcome::Send(Command::Note {
            text: "the spike".into(),
            at_ms: Some(480_000)
        })
    );
    // No text: the prompt stays open and says how.
    assert_eq!(note(&mut v, ":note "), KeyOutcome::Redraw);
    let p = v.prompt.as_ref().unwrap();
    assert_eq!(p.error.as_deref(), Some("usage: :note TEXT"));
}
