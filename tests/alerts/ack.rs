//! Acknowledging and muting alerts; both survive a restart through the
//! state file beside the alert log.

use std::sync::Arc;
use std::time::Duration;
use vitals::alerts::rulefile;
use vitals::engine::{Engine, EngineOptions};
use vitals::frame::{AlertState, Command};
use vitals::scrape::{expo, ScrapeResult, Target};

const RULES: &str = "groups:\n  - name: g\n    rules:\n      - alert: Deep\n        expr: queue_depth > 5\n        labels:\n          severity: critical\n";

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

fn engine(log: &std::path::Path) -> Engine {
    Engine::new(EngineOptions {
        rules: rulefile::parse("r.yml", RULES).unwrap(),
        alert_log: Some(log.to_path_buf()),
        ..Default::default()
    })
}

/// One tick, then what the run loop's writer does: the alert log and the
/// acks state file are written.
fn tick(e: &mut Engine, t_ms: i64) -> vitals::frame::Frame {
    let mut f = e.tick(t_ms);
    let (mut w, _) = vitals::sinks::log::Writer::open(e.alert_log());
    let written = w.write(e.take_writes());
    e.written(written, Some(&mut f));
    f
}

#[test]
fn ack_and_mute_survive_a_restart_and_clear_on_resolve() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("alerts.jsonl");
    let t = target();
    let t0 = 1_795_348_800_000;
    let mut e = engine(&log);
    e.set_targets(std::slice::from_ref(&t), t0);
    e.apply(scrape(&t, t0, 9.0));
    let f = tick(&mut e, t0);
    let a = f.alerts[0].clone();
    assert_eq!(a.state, AlertState::Firing);
    assert!(!a.acknowledged && a.muted_until_ms.is_none());
    e.command(Command::Ack {
        name: a.name.clone(),
        labels: a.labels.clone(),
    });
    e.command(Command::Mute {
        name: a.name.clone(),
        labels: a.labels.clone(),
        duration: Duration::from_secs(600),
    });
    e.apply(scrape(&t, t0 + 2000, 9.0));
    let f = tick(&mut e, t0 + 2000);
    assert!(f.alerts[0].acknowledged);
    assert_eq!(f.alerts[0].muted_until_ms, Some(t0 + 600_000));
    drop(e);

    // Restarted: the first ticks have no data yet; then the alert is back.
    let mut e = engine(&log);
    e.set_targets(std::slice::from_ref(&t), t0 + 4000);
    let f = tick(&mut e, t0 + 4000);
    assert!(f.alerts.is_empty());
    e.apply(scrape(&t, t0 + 6000, 9.0));
    let f = tick(&mut e, t0 + 6000);
    assert!(f.alerts[0].acknowledged, "{:?}", f.alerts[0]);
    assert_eq!(f.alerts[0].muted_until_ms, Some(t0 + 600_000));

    // Resolved: the ack is over; the mute lasts its time.
    e.apply(scrape(&t, t0 + 8000, 1.0));
    let f = tick(&mut e, t0 + 8000);
    assert_eq!(f.alerts[0].state, AlertState::Resolved);
    assert!(!f.alerts[0].acknowledged);
    e.apply(scrape(&t, t0 + 10_000, 9.0));
    let f = tick(&mut e, t0 + 10_000);
    assert_eq!(f.alerts[0].state, AlertState::Firing);
    assert!(!f.alerts[0].acknowledged);
    assert_eq!(f.alerts[0].muted_until_ms, Some(t0 + 600_000));
    let f = tick(&mut e, t0 + 600_000);
    assert_eq!(f.alerts[0].muted_until_ms, None);
    assert!(dir.path().join("alerts.state.json").exists());
}

#[test]
fn a_corrupt_state_file_is_a_notice_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("alerts.jsonl");
    std::fs::write(dir.path().join("alerts.state.json"), "{not json").unwrap();
    let mut e = engine(&log);
    let f = tick(&mut e, 1_795_348_800_000);
    let n = f.notice.unwrap();
    assert!(n.starts_with("alert state "), "{n}");
    assert!(!n.contains('\n'));
}
