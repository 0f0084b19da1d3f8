//! The engine running rules with hysteresis (`clear_below`), counting the
//! bell and keeping the transition history, on explicit (paused) time.

use std::sync::Arc;
use std::time::Duration;
use vitals::alerts::rulefile::{self, FileRule};
use vitals::engine::{Engine, EngineOptions};
use vitals::frame::{AlertState, Command, Frame};
use vitals::scrape::{expo, ScrapeResult, Target};

const T0: i64 = 1_795_348_800_000;

fn target() -> Target {
    Target {
        url: "http://127.0.0.1:9100/metrics".into(),
        job: "app".into(),
        instance: "127.0.0.1:9100".into(),
        labels: Default::default(),
        ..Default::default()
    }
}

fn scrape(t: &Target, t_ms: i64, depth: f64) -> ScrapeResult {
    let body = format!("# TYPE queue_depth gauge\nqueue_depth {depth}\n");
    ScrapeResult {
        target: Arc::new(t.clone()),
        time_ms: t_ms,
        duration: Duration::from_millis(2),
        outcome: Ok(expo::parse_page(body.as_bytes(), None)),
    }
}

fn rules(expr: &str, severity: &str, clear_below: Option<f64>) -> Vec<FileRule> {
    let text = format!(
        "groups:\n  - name: g\n    rules:\n      - alert: Deep\n        expr: {expr}\n        labels:\n          severity: {severity}\n"
    );
    let mut r = rulefile::parse("r.yml", &text).unwrap();
    if let FileRule::Alerting(a) = &mut r[0] {
        a.clear_below = clear_below;
    }
    r
}

/// Feeds `depths`, one every 2 s, and returns each frame.
fn run(e: &mut Engine, depths: &[f64]) -> Vec<Frame> {
    let t = target();
    e.set_targets(std::slice::from_ref(&t), T0);
    depths
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let now = T0 + i as i64 * 2000;
            e.apply(scrape(&t, now, *d));
            e.tick(now)
        })
        .collect()
}

fn states(frames: &[Frame]) -> Vec<&'static str> {
    frames
        .iter()
        .map(|f| f.alerts.first().map_or("none", |a| a.state.as_str()))
        .collect()
}

#[test]
fn clear_below_holds_a_firing_rule_through_a_flapping_value() {
    let depths = [9.0, 4.0, 6.0, 3.0, 7.0, 2.5, 1.0, 4.0];
    let mut plain = Engine::new(EngineOptions {
        rules: rules("queue_depth > 5", "warning", None),
        ..Default::default()
    });
    assert_eq!(
        states(&run(&mut plain, &depths)),
        [
            "firing", "resolved", "firing", "resolved", "firing", "resolved", "resolved",
            "resolved"
        ]
    );
    let mut held = Engine::new(EngineOptions {
        rules: rules("(queue_depth > 5)", "warning", Some(3.0)),
        ..Default::default()
    });
    let frames = run(&mut held, &depths);
    assert_eq!(
        states(&frames),
        ["firing", "firing", "firing", "firing", "firing", "resolved", "resolved", "resolved"]
    );
    // The value shown while held is the unfiltered one.
    assert_eq!(frames[1].alerts[0].value, Some(4.0));
    // One firing and one resolution in the history.
    let h: Vec<(&str, &str)> = frames[7]
        .alert_history
        .iter()
        .map(|t| (t.from.as_str(), t.to.as_str()))
        .collect();
    assert_eq!(h, [("inactive", "firing"), ("firing", "resolved")]);
}

#[test]
fn clear_below_on_an_expression_it_cannot_split_is_an_error_on_screen() {
    let mut e = Engine::new(EngineOptions {
        rules: rules("absent(queue_depth)", "warning", Some(3.0)),
        ..Default::default()
    });
    let f = run(&mut e, &[9.0]);
    assert!(f[0].alerts.is_empty());
    let notice = f[0].notice.as_deref().unwrap_or_default();
    assert!(
        notice.starts_with("rule Deep: clear_below needs an expression of the form"),
        "{notice}"
    );
    // The rule does not run; nothing fires by accident.
    let mut e = Engine::new(EngineOptions {
        rules: rules("queue_depth > bool 5", "warning", Some(3.0)),
        ..Default::default()
    });
    assert!(run(&mut e, &[9.0])[0].alerts.is_empty());
}

#[test]
fn the_bell_counts_new_critical_alerts_that_are_not_acknowledged() {
    let mut e = Engine::new(EngineOptions {
        rules: rules("queue_depth > 5", "critical", None),
        ..Default::default()
    });
    let f = run(&mut e, &[9.0, 9.0, 1.0, 9.0]);
    assert_eq!(f.iter().map(|f| f.bell).collect::<Vec<_>>(), [1, 1, 1, 2]);
    // Muted before it fires again: no bell.
    let a = &f[3].alerts[0];
    e.command(Command::Mute {
        name: a.name.clone(),
        labels: a.labels.clone(),
        duration: Duration::from_secs(3600),
    });
    let t = target();
    for (i, d) in [1.0, 9.0].iter().enumerate() {
        let now = T0 + 8000 + i as i64 * 2000;
        e.apply(scrape(&t, now, *d));
        let f = e.tick(now);
        assert_eq!(f.bell, 2);
        if i == 1 {
            assert_eq!(f.alerts[0].state, AlertState::Firing);
            assert!(f.alerts[0].muted_until_ms.is_some());
        }
    }
    // Unmuting (a mute of 0s) clears it.
    e.command(Command::Mute {
        name: a.name.clone(),
        labels: a.labels.clone(),
        duration: Duration::ZERO,
    });
    let f = e.tick(T0 + 12_000);
    assert_eq!(f.alerts[0].muted_until_ms, None);
}
