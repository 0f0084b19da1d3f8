use super::*;
use crate::frame::{InstanceRow, Panel};

fn frame(panels: usize, instances: usize) -> Frame {
    Frame {
        panels: (0..panels)
            .map(|i| Panel {
                id: format!("p{i}"),
                title: format!("P{i}"),
                ..Panel::default()
            })
            .collect(),
        instances: (0..instances)
            .map(|i| InstanceRow {
                instance: format!("host{i}:9100"),
                up: true,
                ..InstanceRow::default()
            })
            .collect(),
        ..Frame::default()
    }
}

fn press(view: &mut View, frame: &Frame, area: Rect, code: KeyCode) -> KeyOutcome {
    view.on_key(KeyEvent::new(code, KeyModifiers::NONE), frame, area)
}

const WIDE: Rect = Rect::new(0, 0, 200, 50);
const SMALL: Rect = Rect::new(0, 0, 80, 24);

#[test]
fn tab_cycles_through_panels_and_the_table() {
    let f = frame(6, 3);
    let mut v = View::default();
    for want in [1, 2, 3, 4, 5] {
        assert_eq!(press(&mut v, &f, WIDE, KeyCode::Tab), KeyOutcome::Redraw);
        assert_eq!(v.focus, Focus::Panel(want));
    }
    press(&mut v, &f, WIDE, KeyCode::Tab);
    assert_eq!(v.focus, Focus::Instances);
    press(&mut v, &f, WIDE, KeyCode::Tab);
    assert_eq!(v.focus, Focus::Panel(0));
    press(&mut v, &f, WIDE, KeyCode::BackTab);
    assert_eq!(v.focus, Focus::Instances);
}

#[test]
fn hjkl_move_by_position_in_the_grid() {
    // 200 columns: three columns, two rows of panels, the table below.
    let f = frame(6, 3);
    let mut v = View::default();
    press(&mut v, &f, WIDE, KeyCode::Char('l'));
    assert_eq!(v.focus, Focus::Panel(1));
    press(&mut v, &f, WIDE, KeyCode::Char('j'));
    assert_eq!(v.focus, Focus::Panel(4));
    press(&mut v, &f, WIDE, KeyCode::Left);
    assert_eq!(v.focus, Focus::Panel(3));
    press(&mut v, &f, WIDE, KeyCode::Down);
    assert_eq!(v.focus, Focus::Instances);
    press(&mut v, &f, WIDE, KeyCode::Char('k'));
    assert!(matches!(v.focus, Focus::Panel(3..=5)));
    // Nothing to the left of the first column: no change, no redraw.
    let mut v = View::default();
    assert_eq!(
        press(&mut v, &f, WIDE, KeyCode::Char('h')),
        KeyOutcome::Ignored
    );
}

#[test]
fn stat_rows_navigate_vertically() {
    let f = frame(6, 3);
    let mut v = View::default();
    press(&mut v, &f, SMALL, KeyCode::Char('j'));
    assert_eq!(v.focus, Focus::Panel(1));
    press(&mut v, &f, SMALL, KeyCode::Char('k'));
    assert_eq!(v.focus, Focus::Panel(0));
}

#[test]
fn enter_expands_and_esc_goes_back() {
    let f = frame(6, 3);
    let mut v = View::default();
    press(&mut v, &f, WIDE, KeyCode::Enter);
    assert!(v.expanded);
    // No focus movement while expanded.
    press(&mut v, &f, WIDE, KeyCode::Char('l'));
    assert_eq!(v.focus, Focus::Panel(0));
    press(&mut v, &f, WIDE, KeyCode::Esc);
    assert!(!v.expanded);
    press(&mut v, &f, WIDE, KeyCode::Char('e'));
    assert!(v.expanded);
}

#[test]
fn help_opens_scrolls_and_closes() {
    let f = frame(2, 0);
    let mut v = View::default();
    press(&mut v, &f, SMALL, KeyCode::Char('?'));
    assert!(v.help);
    press(&mut v, &f, SMALL, KeyCode::Char('j'));
    press(&mut v, &f, SMALL, KeyCode::Char('j'));
    assert_eq!(v.help_scroll, 2);
    assert_eq!(v.focus, Focus::Panel(0), "keys in help do not move focus");
    press(&mut v, &f, SMALL, KeyCode::Esc);
    assert!(!v.help);
    assert_eq!(
        press(&mut v, &f, SMALL, KeyCode::Char('q')),
        KeyOutcome::Quit
    );
}

#[test]
fn quit_keys() {
    let f = frame(1, 0);
    let mut v = View {
        help: true,
        ..View::default()
    };
    assert_eq!(
        press(&mut v, &f, SMALL, KeyCode::Char('q')),
        KeyOutcome::Quit
    );
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(v.on_key(ctrl_c, &f, SMALL), KeyOutcome::Quit);
    assert_eq!(
        press(&mut v, &f, SMALL, KeyCode::Char('c')),
        KeyOutcome::Ignored
    );
}

#[test]
fn focus_is_clamped_when_panels_disappear() {
    let mut v = View {
        focus: Focus::Panel(5),
        table_scroll: 99,
        ..View::default()
    };
    v.clamp(&frame(2, 3));
    assert_eq!(v.focus, Focus::Panel(1));
    assert_eq!(v.table_scroll, 2);
    v.clamp(&frame(0, 3));
    assert_eq!(v.focus, Focus::Instances);
    v.clamp(&frame(1, 0));
    assert_eq!(v.focus, Focus::Panel(0));
    // No panels and no instances: keys do nothing harmful.
    let empty = Frame::default();
    let mut v = View::default();
    for code in [
        KeyCode::Tab,
        KeyCode::Char('j'),
        KeyCode::Enter,
        KeyCode::PageDown,
    ] {
        press(&mut v, &empty, SMALL, code);
    }
}

#[test]
fn page_keys_scroll_the_table() {
    let f = frame(6, 40);
    let mut v = View::default();
    press(&mut v, &f, SMALL, KeyCode::PageDown);
    assert_eq!(v.table_scroll, 10);
    press(&mut v, &f, SMALL, KeyCode::PageUp);
    assert_eq!(v.table_scroll, 0);
}
