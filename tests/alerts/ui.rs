//! The alerts list (`A`) and its keys: selection with j/k, `a`
//! acknowledges, `m` mutes through a prompt prefilled with 1h; snapshots at
//! 80x24 and 200x50 and without colour.

use crate::tui_fixture;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::Terminal;
use std::time::Duration;
use tui_fixture::*;
use vitals::alerts::{Phase, Transition};
use vitals::frame::{AlertState, Command, Frame, HeldAlert, Severity};
use vitals::theme::{ColorDepth, Theme};
use vitals::tui::{render, KeyOutcome, View};
use vitals::vocab::labels::Labels;

const AREA: Rect = Rect::new(0, 0, 200, 50);

/// The incident with an acknowledged, a muted, a stale and a resolved
/// alert, one held by Alertmanager and a short history.
fn frame() -> Frame {
    let mut f = incident();
    f.alerts[0].labels =
        Labels::from_pairs([("alertname", "LatencyP99High"), ("severity", "critical")]);
    f.alerts[1].acknowledged = true;
    f.alerts[1].muted_until_ms = Some(NOW_MS + 3_000_000);
    f.alerts[1].silence_id = Some("5e1f".into());
    let mut stale = alert(
        "QueueFull",
        AlertState::Firing,
        Severity::Critical,
        "saturation",
        0.97,
    );
    stale.stale = true;
    stale.labels = Labels::from_pairs([("instance", "127.0.0.1:41006")]);
    let mut resolved = alert(
        "InstancesDown",
        AlertState::Resolved,
        Severity::Warning,
        "instances",
        5.0,
    );
    resolved.resolved_at_ms = Some(NOW_MS - 60_000);
    f.alerts.insert(2, stale);
    f.alerts.push(resolved);
    tui_fixture::regroup(&mut f);
    f.alertmanager_alerts = vec![HeldAlert {
        name: "DiskFull".into(),
        labels: Labels::from_pairs([("alertname", "DiskFull"), ("instance", "db:9100")]),
        severity: Severity::Critical,
        starts_at_ms: Some(NOW_MS - 600_000),
        state: "active".into(),
        summary: "disk 97% full".into(),
        ..HeldAlert::default()
    }];
    f.alert_history = vec![
        Transition {
            time_ms: NOW_MS - 160_000,
            rule: "LatencyP99High".into(),
            labels: f.alerts[0].labels.clone(),
            from: Phase::Inactive,
            to: Phase::Pending,
            value: Some(0.21),
            summary: String::new(),
            severity: Severity::Critical,
            inhibited: false,
        },
        Transition {
            time_ms: NOW_MS - 130_000,
            rule: "LatencyP99High".into(),
            labels: f.alerts[0].labels.clone(),
            from: Phase::Pending,
            to: Phase::Firing,
            value: Some(0.231),
            summary: String::new(),
            severity: Severity::Critical,
            inhibited: false,
        },
    ];
    f
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn press(v: &mut View, f: &Frame, keys: &[KeyEvent]) -> Vec<KeyOutcome> {
    keys.iter().map(|k| v.on_key(*k, f, AREA)).collect()
}

fn draw(f: &Frame, v: &View, theme: &Theme, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|fr| render(f, v, theme, fr.area(), fr.buffer_mut()))
        .unwrap();
    t
}

fn dark() -> Theme {
    Theme::load_with_depth("dark", ColorDepth::Ansi16).unwrap()
}

fn open_view() -> View {
    let mut v = View {
        title: "vitals".into(),
        now_ms: Some(NOW_MS + 400),
        ..View::default()
    };
    v.alerts.open = true;
    v
}

#[test]
fn the_list_shows_states_marks_and_history_200x50() {
    let f = frame();
    let mut v = open_view();
    press(&mut v, &f, &[key('j')]);
    let s = draw(&f, &v, &dark(), 200, 50).backend().to_string();
    for want in [
        "Alerts 3 firing, 1 pending in 4 groups · 1 from Alertmanager",
        "FIRING   CRIT LatencyP99High",
        "ack · muted until 12:50:03Z (50m left) · silenced in Alertmanager",
        "STALE",
        "firing (target down)",
        "PENDING",
        "fires in 20s",
        "RESOLVED",
        "resolved 1m ago",
        "DiskFull",
        "from Alertmanager · disk 97% full",
        "History",
        "11:57:53Z LatencyP99High pending -> firing",
    ] {
        assert!(s.contains(want), "{want:?} missing:\n{s}");
    }
    insta::assert_snapshot!(s);
}

#[test]
fn the_list_at_80x24_and_without_colour_marks_the_selection_in_reverse() {
    let f = frame();
    let mut v = open_view();
    press(&mut v, &f, &[key('j')]);
    let t = draw(&f, &v, &Theme::no_color(), 80, 24);
    let s = t.backend().to_string();
    insta::assert_snapshot!(s);
    // The selected row (the second: critical first) is in reverse video;
    // no colour needed.
    let buf = t.backend().buffer();
    let row = (0..24)
        .find(|y| {
            (0..80)
                .map(|x| buf[(x, *y)].symbol().to_string())
                .collect::<String>()
                .contains("›")
        })
        .unwrap();
    assert!(buf[(10, row)].modifier.contains(Modifier::REVERSED));
    let text: String = (0..80)
        .map(|x| buf[(x, row)].symbol().to_string())
        .collect();
    assert!(text.contains("STALE"), "{text}");
}

#[test]
fn a_acknowledges_and_m_mutes_the_selected_alert() {
    let f = frame();
    let mut v = View::default();
    assert_eq!(press(&mut v, &f, &[key('A')]), [KeyOutcome::Redraw]);
    assert!(v.alerts.open);
    let out = press(&mut v, &f, &[key('a')]);
    assert_eq!(
        out,
        [KeyOutcome::Send(Command::Ack {
            name: "LatencyP99High".into(),
            labels: f.alerts[0].labels.clone(),
        })]
    );
    assert_eq!(v.message.as_deref(), Some("acknowledged LatencyP99High"));
    // The stale one, next in the list (critical, then the earliest to
    // fire): m opens the prompt with 1h in it.
    press(&mut v, &f, &[key('j')]);
    press(&mut v, &f, &[key('m')]);
    assert_eq!(v.alerts.mute.as_ref().unwrap().text, "1h");
    let typed: Vec<KeyEvent> = [code(KeyCode::Backspace), code(KeyCode::Backspace), key('q')]
        .into_iter()
        .collect();
    // q is text here, not quit.
    assert!(!press(&mut v, &f, &typed).contains(&KeyOutcome::Quit));
    assert_eq!(
        press(&mut v, &f, &[code(KeyCode::Enter)]),
        [KeyOutcome::Redraw]
    );
    let err = v.alerts.mute.as_ref().unwrap().error.clone().unwrap();
    assert!(err.starts_with("bad duration \"q\""), "{err}");
    let fix: Vec<KeyEvent> = vec![code(KeyCode::Backspace), key('3'), key('0'), key('m')];
    press(&mut v, &f, &fix);
    assert_eq!(
        press(&mut v, &f, &[code(KeyCode::Enter)]),
        [KeyOutcome::Send(Command::Mute {
            name: "QueueFull".into(),
            labels: f.alerts[2].labels.clone(),
            duration: Duration::from_secs(1800),
        })]
    );
    assert!(v.alerts.mute.is_none());
    assert_eq!(
        v.message.as_deref(),
        Some("muted QueueFull for 30m (until 12:30:03Z)")
    );
    // 0 unmutes.
    press(&mut v, &f, &[key('m'), code(KeyCode::Backspace)]);
    press(&mut v, &f, &[code(KeyCode::Backspace), key('0')]);
    let out = press(&mut v, &f, &[code(KeyCode::Enter)]);
    assert!(matches!(
        &out[0],
        KeyOutcome::Send(Command::Mute { duration, .. }) if duration.is_zero()
    ));
    // Esc closes the list; the keys are the dashboard's again.
    press(&mut v, &f, &[code(KeyCode::Esc)]);
    assert!(!v.alerts.open);
}

#[test]
fn alertmanager_alerts_are_muted_not_acknowledged() {
    let f = frame();
    let mut v = open_view();
    press(&mut v, &f, &[code(KeyCode::End)]);
    assert!(matches!(
        &v.alerts.selected,
        Some(vitals::tui::alerts_keys::RowKey::Alert(k)) if k.held
    ));
    assert_eq!(press(&mut v, &f, &[key('a')]), [KeyOutcome::Redraw]);
    assert!(v
        .message
        .as_deref()
        .unwrap()
        .contains("held by Alertmanager"));
    press(&mut v, &f, &[key('m')]);
    let out = press(&mut v, &f, &[code(KeyCode::Enter)]);
    assert!(matches!(
        &out[0],
        KeyOutcome::Send(Command::Mute { name, duration, .. })
            if name == "DiskFull" && *duration == Duration::from_secs(3600)
    ));
}

#[test]
fn with_the_list_closed_a_and_m_act_on_the_alert_first_in_the_bar() {
    let mut f = frame();
    let mut v = View::default();
    let focus = v.focus;
    assert_eq!(
        press(&mut v, &f, &[key('a')]),
        [KeyOutcome::Send(Command::Ack {
            name: "LatencyP99High".into(),
            labels: f.alerts[0].labels.clone(),
        })]
    );
    assert!(!v.alerts.open);
    // Once acknowledged, `a` moves on to the next unacknowledged one.
    f.alerts[0].acknowledged = true;
    let out = press(&mut v, &f, &[key('a')]);
    assert!(matches!(&out[0], KeyOutcome::Send(Command::Ack { name, .. }) if name == "QueueFull"));
    press(&mut v, &f, &[key('m')]);
    assert_eq!(v.alerts.mute.as_ref().unwrap().name, "QueueFull");
    press(&mut v, &f, &[code(KeyCode::Esc)]);
    assert!(v.alerts.mute.is_none());
    // j and k still move the focus when the list is closed.
    press(&mut v, &f, &[key('j')]);
    assert_ne!(v.focus, focus);
    assert_eq!(v.alerts.selected, None);
    // Nothing firing: a says so.
    f.alerts.clear();
    assert_eq!(press(&mut v, &f, &[key('a')]), [KeyOutcome::Redraw]);
    assert!(v.message.as_deref().unwrap().starts_with("no firing alert"));
}
