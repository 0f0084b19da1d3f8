use super::*;
use crate::frame::{Panel, PanelKind, Series, TargetStatus};
use crossterm::event::{KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// 2023-11-14T22:13:20Z.
const START: i64 = 1_700_000_000_000;
const END: i64 = START + 3_600_000;
/// 22:30:00Z.
const AT: i64 = START + 1_000_000;

fn status() -> ReplayStatus {
    ReplayStatus {
        path: "/var/tmp/incident.vrec".into(),
        start_ms: START,
        end_ms: END,
        playing: true,
        speed: 10,
        marks: vec![START + 600_000, AT + 300_000, END - 60_000],
        message: None,
    }
}

/// A frame at `AT` with 20 minutes of points in six graph panels.
fn live() -> Frame {
    let points: Vec<(i64, f64)> = (0..=600)
        .map(|i| (AT - 1_200_000 + i * 2000, 1.0))
        .collect();
    Frame {
        time_ms: AT,
        interval: std::time::Duration::from_secs(2),
        panels: (0..6)
            .map(|i| Panel {
                id: format!("p{i}"),
                title: format!("P{i}"),
                kind: PanelKind::Graph,
                series: vec![Series {
                    points: points.clone(),
                    value: Some(1.0),
                    ..Series::default()
                }],
                ..Panel::default()
            })
            .collect(),
        targets: (0..6)
            .map(|i| TargetStatus {
                url: format!("http://10.0.0.{i}:9100/metrics"),
                up: true,
                last_scrape_ms: Some(AT),
                ..TargetStatus::default()
            })
            .collect(),
        ..Frame::default()
    }
}

fn replay() -> Frame {
    Frame {
        replay: Some(status()),
        ..live()
    }
}

const AREA: Rect = Rect::new(0, 0, 120, 36);

fn press(v: &mut View, f: &Frame, code: KeyCode) -> KeyOutcome {
    v.on_key(KeyEvent::new(code, KeyModifiers::NONE), f, AREA)
}

fn sent(c: ReplayCommand) -> KeyOutcome {
    KeyOutcome::Send(Command::Replay(c))
}

fn type_line(v: &mut View, f: &Frame, text: &str) -> KeyOutcome {
    for c in text.chars() {
        press(v, f, KeyCode::Char(c));
    }
    press(v, f, KeyCode::Enter)
}

#[test]
fn every_replay_key_sends_its_command() {
    let f = replay();
    let mut v = View::default();
    let half = timeview::DEFAULT_WINDOW_MS / 2;
    for (code, want) in [
        (KeyCode::Char('p'), ReplayCommand::TogglePlay),
        (KeyCode::Char(' '), ReplayCommand::TogglePlay),
        (KeyCode::Char('<'), ReplayCommand::Slower),
        (KeyCode::Char('>'), ReplayCommand::Faster),
        (KeyCode::Char('['), ReplayCommand::Seek(-half)),
        (KeyCode::Char(']'), ReplayCommand::Seek(half)),
        (KeyCode::Char('0'), ReplayCommand::ToEnd),
        (KeyCode::Char('n'), ReplayCommand::NextMark),
        (KeyCode::Char('N'), ReplayCommand::PrevMark),
    ] {
        assert_eq!(press(&mut v, &f, code), sent(want), "{code:?}");
    }
    assert!(!v.paused, "p plays or pauses the replay, not the view");
    assert_eq!(v.pan_ms, 0);
}

#[test]
fn the_same_keys_keep_their_live_meaning() {
    let f = live();
    let mut v = View::default();
    assert_eq!(press(&mut v, &f, KeyCode::Char('p')), KeyOutcome::Redraw);
    assert!(v.paused, "p pauses the view live");
    assert_eq!(press(&mut v, &f, KeyCode::Char('[')), KeyOutcome::Redraw);
    assert!(v.pan_ms > 0, "[ pans live");
    assert_eq!(press(&mut v, &f, KeyCode::Char(']')), KeyOutcome::Redraw);
    assert_eq!(v.pan_ms, 0, "] pans back");
    press(&mut v, &f, KeyCode::Char('['));
    assert_eq!(press(&mut v, &f, KeyCode::Char('0')), KeyOutcome::Redraw);
    assert_eq!((v.pan_ms, v.paused), (0, false), "0 is back to live");
    for c in [' ', '<', '>', 'n', 'N', 'g'] {
        assert_eq!(
            press(&mut v, &f, KeyCode::Char(c)),
            KeyOutcome::Ignored,
            "{c}"
        );
    }
    assert!(v.prompt.is_none());
}

#[test]
fn seek_is_half_the_chart_window_and_the_charts_follow_it() {
    let f = replay();
    let mut v = View {
        window_ms: Some(60_000),
        cursor_ms: Some(AT - 10_000),
        ..View::default()
    };
    // Half a 1-minute window, but never under 30 s.
    assert_eq!(
        press(&mut v, &f, KeyCode::Char(']')),
        sent(ReplayCommand::Seek(30_000))
    );
    assert_eq!(v.cursor_ms, None, "the cursor stayed at the old place");
    v.window_ms = Some(timeview::EVERYTHING);
    // Everything retained is 20 minutes here.
    assert_eq!(
        press(&mut v, &f, KeyCode::Char('[')),
        sent(ReplayCommand::Seek(-600_000))
    );
    // Zoom still works in a replay and does not move the position.
    assert_eq!(press(&mut v, &f, KeyCode::Char('+')), KeyOutcome::Redraw);
    let r = timeview::range(&f, &v);
    assert_eq!(r.end, AT, "the charts end at the replay position");
}

#[test]
fn g_opens_goto_and_sends_the_time_in_the_zone_shown() {
    let f = replay();
    let mut v = View::default();
    assert_eq!(press(&mut v, &f, KeyCode::Char('g')), KeyOutcome::Redraw);
    let p = v.prompt.as_ref().expect("the prompt");
    assert_eq!((p.sigil(), p.text.as_str()), (':', GOTO_PREFILL));
    assert_eq!(
        type_line(&mut v, &f, "22:45"),
        sent(ReplayCommand::GoTo {
            spec: "22:45".into(),
            utc: true
        })
    );
    assert!(v.prompt.is_none());
    // After `t` the clock times on screen, and those typed, are local.
    press(&mut v, &f, KeyCode::Char('t'));
    assert_eq!(
        type_line(&mut v, &f, ":goto -30s"),
        sent(ReplayCommand::GoTo {
            spec: "-30s".into(),
            utc: false
        })
    );
    assert_eq!(
        type_line(&mut v, &f, ":goto 2023-11-14T22:20:00Z"),
        sent(ReplayCommand::GoTo {
            spec: "2023-11-14T22:20:00Z".into(),
            utc: false
        })
    );
}

#[test]
fn goto_says_why_it_cannot() {
    let f = replay();
    let mut v = View::default();
    press(&mut v, &f, KeyCode::Char('g'));
    assert_eq!(type_line(&mut v, &f, "half past"), KeyOutcome::Redraw);
    let err = v.prompt.as_ref().and_then(|p| p.error.clone()).unwrap();
    assert!(err.contains("not a time"), "{err}");
    press(&mut v, &f, KeyCode::Esc);
    let mut v = View::default();
    assert_eq!(
        type_line(&mut v, &live(), ":goto 12:00"),
        KeyOutcome::Redraw
    );
    let err = v.prompt.as_ref().and_then(|p| p.error.clone()).unwrap();
    assert!(err.contains("vitals replay"), "{err}");
}

#[test]
fn progress_bar_places_the_position_and_the_marks() {
    let r = status();
    assert_eq!(progress(&r, AT, 13, false), "━━┼●┼───────┼");
    assert_eq!(progress(&r, AT, 13, true), "==+o+-------+");
    assert_eq!(progress(&r, START, 5, false), "●┼──┼");
    assert_eq!(progress(&r, END, 4, true), "=+=o");
    assert_eq!(progress(&r, AT, 0, false), "");
    let empty = ReplayStatus {
        end_ms: START,
        marks: vec![],
        ..status()
    };
    assert_eq!(progress(&empty, START, 3, false), "━━●");
}

fn screen(f: &Frame, v: &View, w: u16, h: u16) -> Vec<String> {
    let area = Rect::new(0, 0, w, h);
    let mut buf = Buffer::empty(area);
    super::super::render(f, v, &Theme::no_color(), area, &mut buf);
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect())
        .collect()
}

fn replay_view() -> View {
    View {
        title: "vitals replay".into(),
        // Long after the recording: a replay is never stale.
        now_ms: Some(END + 86_400_000),
        ..View::default()
    }
}

#[test]
fn status_line_at_80x24() {
    let f = replay();
    let s = screen(&f, &replay_view(), 80, 24);
    let top = &s[0];
    assert!(
        top.starts_with(" vitals replay  REPLAY ▶ 10x  22:30:00Z "),
        "{top}"
    );
    assert!(
        top.contains("22:30:00Z ━━┼●┼──────┼ 3 marks │ targets 6/6 up"),
        "{top}"
    );
    assert!(!top.contains("STALE") && !top.contains("updated"), "{top}");
    assert_eq!(top.chars().count(), 80);
}

#[test]
fn status_line_at_120x36_with_the_recording_span() {
    let mut f = replay();
    f.replay.as_mut().unwrap().playing = false;
    f.replay.as_mut().unwrap().message = Some("no later alert transition or note".into());
    let s = screen(&f, &replay_view(), 120, 36);
    let top = &s[0];
    assert!(
        top.starts_with(" vitals replay  REPLAY ‖ paused 10x  22:30:00Z 22:13:20Z ━"),
        "{top}"
    );
    assert!(
        top.contains("━━━┼━●─┼───────────┼ 23:13:20Z 3 marks │ targets 6/6 up"),
        "{top}"
    );
    assert!(
        s[..3]
            .iter()
            .any(|l| l.contains("▲ no later alert transition or note")),
        "{s:#?}"
    );
    // The charts' axes end at the replay's instant, not at "now".
    assert!(!s.iter().any(|l| l.trim_end().ends_with("now│")), "{s:#?}");
    assert!(s.iter().any(|l| l.contains("22:30:00Z│")), "{s:#?}");
}

#[test]
fn ascii_status_line() {
    let f = replay();
    let v = View {
        ascii: true,
        ..replay_view()
    };
    let top = &screen(&f, &v, 120, 36)[0];
    assert!(top.is_ascii(), "{top}");
    assert!(top.contains("REPLAY > 10x  22:30:00Z 22:13:20Z ="), "{top}");
}

#[test]
fn the_path_ends_a_wide_status_line() {
    let f = replay();
    let top = &screen(&f, &replay_view(), 200, 50)[0];
    assert!(top.contains("every 2s │ /var/tmp/incident.vrec"), "{top}");
    let live = &screen(&live(), &View::default(), 200, 50)[0];
    assert!(!live.contains("REPLAY"), "{live}");
    assert!(live.contains("updated 22:30:00Z"), "{live}");
}

#[test]
fn help_lists_the_replay_keys_when_replaying() {
    let mut v = replay_view();
    v.help = true;
    let text = screen(&replay(), &v, 120, 36).join("\n");
    assert!(text.contains("Replay keys"), "{text}");
    assert!(text.contains("p  Space"), "{text}");
    assert!(text.contains("seek back / forward"), "{text}");
    assert!(!text.contains("pan the window"), "{text}");
    let text = screen(&live(), &v, 120, 36).join("\n");
    assert!(!text.contains("Replay keys"), "{text}");
    assert!(text.contains("pan the window"), "{text}");
}
