//! Pastes: a 3,000-character paste into the `:` prompt arrives whole
//! (bracketed paste), is never taken as key bindings, and the prompt
//! scrolls so its end, the cursor and its error stay in view.

use crate::faults_support;
use crate::tmux_support;
use crate::tui_fixture;

use faults_support::counted_target;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_vitals");

/// `expr up{job="aaa…"} + the_end_marker)`: about 3,000 characters with a stray `)`
/// at the very end.
fn long_expr() -> String {
    format!("expr up{{job=\"{}\"}} + the_end_marker)", "a".repeat(2960))
}

fn screen_of(frame: &vitals::frame::Frame, view: &vitals::tui::View, w: u16, h: u16) -> String {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    let theme =
        vitals::theme::Theme::load_with_depth("dark", vitals::theme::ColorDepth::Ansi16).unwrap();
    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
    vitals::tui::render(frame, view, &theme, buf.area, &mut buf);
    (0..h)
        .map(|y| {
            let line: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
            format!("{}\n", line.trim_end())
        })
        .collect()
}

#[test]
fn a_pasted_3000_character_prompt_scrolls_to_its_end_and_shows_its_error() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::layout::Rect;
    use vitals::tui::{KeyOutcome, View};
    let f = tui_fixture::incident();
    let mut v = View {
        title: "vitals demo".into(),
        now_ms: Some(tui_fixture::NOW_MS + 400),
        ..View::default()
    };
    let area = Rect::new(0, 0, 80, 24);
    let key = |v: &mut View, c| v.on_key(KeyEvent::new(c, KeyModifiers::NONE), &f, area);
    key(&mut v, KeyCode::Char(':'));
    let text = long_expr();
    assert_eq!(v.on_paste(&text), KeyOutcome::Redraw);
    assert_eq!(
        v.prompt.as_ref().unwrap().text,
        text,
        "the paste arrived whole"
    );
    let typing = screen_of(&f, &v, 80, 24);
    let last = typing.lines().last().unwrap();
    assert!(last.starts_with(":…"), "{last}");
    assert!(last.contains("the_end_marker)"), "{last}");
    insta::assert_snapshot!("long_prompt_typing_80x24", last);

    key(&mut v, KeyCode::Enter);
    let p = v.prompt.as_ref().expect("kept open with its error");
    assert!(p.error.is_some());
    let failed = screen_of(&f, &v, 80, 24);
    let last = failed.lines().last().unwrap();
    assert!(
        last.contains("the_end_marker)"),
        "the end stays in view: {last}"
    );
    let error = p.error.as_deref().unwrap();
    let shown: String = error.chars().take(20).collect();
    assert!(last.contains(&shown), "the error is in view: {last}");
    insta::assert_snapshot!("long_prompt_error_80x24", last);

    // A short prompt does not scroll.
    let mut v = View::default();
    key(&mut v, KeyCode::Char(':'));
    v.on_paste("expr up");
    let last = screen_of(&f, &v, 80, 24)
        .lines()
        .last()
        .unwrap()
        .to_string();
    assert!(last.starts_with(":expr up "), "{last}");
}

#[test]
fn a_paste_in_a_real_terminal_arrives_whole_in_the_prompt() {
    use std::time::Duration;
    let Some(t) = tmux_support::Tmux::start(80, 24) else {
        return;
    };
    let (target, _) = counted_target();
    t.wait_screen("the shell prompt", Duration::from_secs(10), |s| {
        s.contains("READY$")
    });
    t.send(&[&format!("{BIN} {} --interval 500ms", target.addr), "Enter"]);
    t.wait_screen("the dashboard", Duration::from_secs(20), |s| {
        !s.contains("READY$") && s.contains("Instances")
    });
    t.send(&[":"]);
    let text = long_expr();
    let load = Command::new("tmux")
        .args(["-L", &t.socket, "load-buffer", "-"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(text.as_bytes())?;
            c.wait()
        })
        .unwrap();
    assert!(load.success());
    let pasted = Command::new("tmux")
        .args(["-L", &t.socket, "paste-buffer", "-p", "-t", "0"])
        .status()
        .unwrap();
    assert!(pasted.success());
    let screen = t.wait_screen("the end of the paste", Duration::from_secs(10), |s| {
        s.lines()
            .any(|l| l.starts_with(":…") && l.contains("the_end_marker)"))
    });
    assert!(
        !screen.contains("READY$"),
        "a pasted key did not quit: {screen}"
    );
    t.send(&["Enter"]);
    // Finding the error's column takes a while on 3,000 characters in a
    // debug build: a generous bound, not a speed.
    let screen = t.wait_screen("the error beside the end", Duration::from_secs(30), |s| {
        s.lines().any(|l| {
            l.starts_with(":…") && l.contains("the_end_marker)") && l.contains("unexpected")
        })
    });
    let last = screen.lines().rev().find(|l| l.starts_with(":…")).unwrap();
    assert!(last.contains("the_end_marker) "), "{screen}");
    t.send(&["Escape"]);
    t.wait_screen("the prompt closed", Duration::from_secs(5), |s| {
        !s.contains("the_end_marker")
    });
    t.send(&["q"]);
    t.wait_screen("the shell back", Duration::from_secs(5), |s| {
        s.contains("READY$")
    });
}
