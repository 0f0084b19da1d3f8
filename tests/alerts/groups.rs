//! The alert storm as the screen shows it: one bar entry and one list row
//! per group (`CpuHigh ×38 worst …`), a firing critical inhibiting its
//! warning, `Enter` opening a group, `a` and `m` acting on the whole group.

use crate::tui_fixture;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::Terminal;
use std::time::Duration;
use tui_fixture::*;
use vitals::frame::{AlertState, Command, Frame, Severity};
use vitals::theme::{ColorDepth, Theme};
use vitals::tui::{render, KeyOutcome, View};
use vitals::vocab::labels::Labels;

const AREA: Rect = Rect::new(0, 0, 120, 36);

fn cpu(i: usize, severity: Severity, value: f64) -> vitals::frame::Alert {
    let mut a = alert("CpuHigh", AlertState::Firing, severity, "cpu", value);
    a.labels = Labels::from_pairs([
        ("alertname", "CpuHigh"),
        ("instance", &format!("127.0.0.1:{}", 43_000 + i)),
        ("severity", severity.as_str()),
    ]);
    a
}

/// The incident plus 38 instances firing CpuHigh: every one a warning,
/// the two busiest critical too, and the cause (InstancesNearMax) firing
/// first.
fn storm() -> Frame {
    let mut f = incident();
    f.alerts.retain(|a| a.name != "LatencyP99High");
    for i in 0..38 {
        let v = 0.75 + i as f64 * 0.006;
        f.alerts.push(cpu(i, Severity::Warning, v));
        if i >= 36 {
            f.alerts.push(cpu(i, Severity::Critical, v));
        }
    }
    let mut cause = alert(
        "InstancesNearMax",
        AlertState::Firing,
        Severity::Critical,
        "instances",
        40.0,
    );
    cause.fired_at_ms = Some(NOW_MS - 200_000);
    f.alerts.push(cause);
    regroup(&mut f);
    f
}

fn screen(f: &Frame, v: &View) -> String {
    let mut t = Terminal::new(TestBackend::new(AREA.width, AREA.height)).unwrap();
    let theme = Theme::load_with_depth("dark", ColorDepth::Ansi16).unwrap();
    t.draw(|fr| render(f, v, &theme, fr.area(), fr.buffer_mut()))
        .unwrap();
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn press(v: &mut View, f: &Frame, keys: &[KeyCode]) -> Vec<KeyOutcome> {
    keys.iter()
        .map(|k| v.on_key(KeyEvent::new(*k, KeyModifiers::NONE), f, AREA))
        .collect()
}

fn view() -> View {
    View {
        title: "vitals".into(),
        now_ms: Some(NOW_MS + 400),
        ..View::default()
    }
}

#[test]
fn the_bar_shows_one_entry_per_group_the_cause_first() {
    let f = storm();
    let s = screen(&f, &view());
    let bar = s.lines().nth(1).unwrap();
    assert!(
        bar.starts_with(
            " ✗ CRITICAL InstancesNearMax 40 for 3m20s │ CpuHigh ×38 worst 97.2% 127.0.0.1:43037"
        ),
        "{bar}"
    );
    assert_eq!(bar.matches("CpuHigh").count(), 1, "{bar}");
    // Warning and critical of one instance: the critical inhibits the warning.
    let inhibited = f.alerts.iter().filter(|a| a.inhibited).count();
    assert_eq!(inhibited, 2);
    let g = &f.alert_groups[0];
    assert_eq!((g.name.as_str(), g.firing), ("InstancesNearMax", 1));
    let cpu = &f.alert_groups[1];
    assert_eq!(
        (cpu.firing, cpu.inhibited, cpu.severity),
        (38, 2, Severity::Critical)
    );
}

#[test]
fn the_list_shows_groups_and_enter_opens_one() {
    let f = storm();
    let mut v = view();
    press(&mut v, &f, &[KeyCode::Char('A'), KeyCode::Char('j')]);
    let s = screen(&f, &v);
    assert!(
        s.contains("Alerts 40 firing, 1 pending in 4 groups · 2 inhibited"),
        "{s}"
    );
    let row = s
        .lines()
        .find(|l| l.starts_with('┃') && l.contains("CpuHigh ×38"))
        .unwrap();
    assert!(
        row.contains("›") && row.contains("worst 127.0.0.1:43037"),
        "{row}"
    );
    assert!(
        row.contains("97.2%") && row.contains("2 inhibited"),
        "{row}"
    );
    assert!(s.contains("Enter open group"), "{s}");
    insta::assert_snapshot!("alert_groups_list_120x36", s);
    // Enter lists the group's alerts, the inhibited warnings marked.
    press(&mut v, &f, &[KeyCode::Enter]);
    let s = screen(&f, &v);
    assert!(
        s.contains("CpuHigh 38 firing, 0 pending, 2 inhibited"),
        "{s}"
    );
    assert!(s.contains("Esc back"), "{s}");
    // The inhibited warnings come last, marked.
    press(&mut v, &f, &[KeyCode::End]);
    let s = screen(&f, &v);
    assert_eq!(s.matches("inhibited").count(), 3, "{s}");
    press(&mut v, &f, &[KeyCode::Home]);
    // `a` on one alert of the group acknowledges that alert.
    let out = press(&mut v, &f, &[KeyCode::Char('a')]);
    assert!(matches!(&out[0], KeyOutcome::Send(Command::Ack { name, .. }) if name == "CpuHigh"));
    // Esc goes back to the groups, with the group selected; Esc again closes.
    press(&mut v, &f, &[KeyCode::Esc]);
    assert!(v.alerts.open && v.alerts.opened.is_none());
    assert!(screen(&f, &v)
        .lines()
        .any(|l| l.contains("›") && l.contains("CpuHigh ×38")));
    press(&mut v, &f, &[KeyCode::Esc]);
    assert!(!v.alerts.open);
}

#[test]
fn a_and_m_on_a_group_act_on_every_alert_of_it() {
    let f = storm();
    let mut v = view();
    press(&mut v, &f, &[KeyCode::Char('A'), KeyCode::Char('j')]);
    let out = press(&mut v, &f, &[KeyCode::Char('a')]);
    let KeyOutcome::Send(Command::AckGroup { alerts }) = &out[0] else {
        panic!("{out:?}");
    };
    assert_eq!(alerts.len(), 40);
    assert!(alerts.iter().all(|(n, _)| n == "CpuHigh"));
    assert_eq!(v.message.as_deref(), Some("acknowledged CpuHigh ×40"));
    press(&mut v, &f, &[KeyCode::Char('m')]);
    assert_eq!(v.alerts.mute.as_ref().unwrap().name, "CpuHigh ×40");
    let out = press(&mut v, &f, &[KeyCode::Enter]);
    let KeyOutcome::Send(Command::MuteGroup {
        labels,
        alerts,
        duration,
    }) = &out[0]
    else {
        panic!("{out:?}");
    };
    assert_eq!(labels, &Labels::from_pairs([("alertname", "CpuHigh")]));
    assert_eq!((alerts.len(), *duration), (40, Duration::from_secs(3600)));
    // With the list closed, `a` acts on the group first in the bar.
    let mut v = view();
    let out = press(&mut v, &f, &[KeyCode::Char('a')]);
    assert!(
        matches!(&out[0], KeyOutcome::Send(Command::Ack { name, .. }) if name == "InstancesNearMax")
    );
}

#[test]
fn a_cut_bar_names_the_key_that_lists_the_rest() {
    let mut f = storm();
    for i in 0..6 {
        let mut a = alert(
            &format!("Symptom{i}"),
            AlertState::Firing,
            Severity::Warning,
            "errors",
            0.02,
        );
        a.labels = Labels::from_pairs([("alertname", format!("Symptom{i}").as_str())]);
        f.alerts.push(a);
    }
    regroup(&mut f);
    let s = screen(&f, &view());
    let bar = s.lines().nth(1).unwrap();
    assert!(bar.ends_with(" more (A)"), "{bar}");
}
