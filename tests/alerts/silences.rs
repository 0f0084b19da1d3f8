//! Muting with `--alertmanager` makes a real Alertmanager silence (kept in
//! the state file, expired on unmute), a teammate's silence counts as a
//! mute, and the alerts Alertmanager holds reach the frame.

use crate::alerts_support;

use alerts_support::am::*;
use std::time::Duration;
use tokio::sync::mpsc;
use vitals::alerts::rulefile;
use vitals::alerts::silence::{HeldPoll, SilenceReply};
use vitals::engine::{Engine, EngineOptions, SinkLink};
use vitals::sinks::delivery::{run_sinks, SinkOptions};
use vitals::vocab::time::now_ms;

/// Connects `e` to the Alertmanager at `url` as the dashboard does: alerts
/// pushed by the sinks, silences and listings by the Alertmanager task.
/// Returns the task's replies and listings, for the test to hand over.
pub(crate) fn wire_alertmanager(
    e: &mut Engine,
    url: &str,
) -> (
    mpsc::Receiver<SilenceReply>,
    tokio::sync::watch::Receiver<HeldPoll>,
) {
    use vitals::sinks::alertmanager::run_alertmanager;
    let (tx, rx) = mpsc::channel(16);
    let (rtx, _reports) = mpsc::channel(16);
    let sopts = SinkOptions {
        alertmanager: Some(url.to_string()),
        resend_delay: Duration::from_secs(60),
        ..Default::default()
    };
    tokio::spawn(run_sinks(sopts, rx, rtx));
    e.connect_sinks(SinkLink {
        tx,
        resend_delay: Duration::from_secs(60),
        alertmanager: true,
        webhook: false,
    });
    let (req_tx, req_rx) = mpsc::channel(8);
    let (rep_tx, rep_rx) = mpsc::channel(8);
    let (held_tx, held_rx) = tokio::sync::watch::channel(HeldPoll::default());
    tokio::spawn(run_alertmanager(
        url.to_string(),
        Duration::from_millis(200),
        req_rx,
        rep_tx,
        held_tx,
    ));
    e.connect_alertmanager(req_tx);
    (rep_rx, held_rx)
}

/// What the run loop does between ticks: hands the engine what the
/// Alertmanager task sent back. Then one tick, and the writes.
pub(crate) fn tick(
    e: &mut Engine,
    replies: &mut mpsc::Receiver<SilenceReply>,
    held: &mut tokio::sync::watch::Receiver<HeldPoll>,
    t_ms: i64,
) -> vitals::frame::Frame {
    while let Ok(r) = replies.try_recv() {
        e.silence_reply(r);
    }
    if held.has_changed().unwrap_or(false) {
        e.alertmanager_held(held.borrow_and_update().clone());
    }
    let mut f = e.tick(t_ms);
    // The writer's part: the alert log and the acks state file.
    let (mut w, _) = vitals::sinks::log::Writer::open(e.alert_log());
    let written = w.write(e.take_writes());
    e.written(written, Some(&mut f));
    f
}

pub(crate) async fn get_json(client: &reqwest::Client, url: &str) -> Option<serde_json::Value> {
    let r = client.get(url).send().await.ok()?;
    if !r.status().is_success() {
        return None;
    }
    serde_json::from_str(&r.text().await.ok()?).ok()
}

/// Our silence for `DeepQueue`, as Alertmanager lists it.
async fn our_silence(client: &reqwest::Client, am: &str) -> Option<serde_json::Value> {
    let all = get_json(client, &format!("{am}/api/v2/silences")).await?;
    all.as_array()?
        .iter()
        .find(|s| {
            s["createdBy"] == "vitals"
                && s["matchers"].as_array().is_some_and(|m| {
                    m.iter()
                        .any(|m| m["name"] == "alertname" && m["value"] == "DeepQueue")
                })
        })
        .cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mute_is_an_alertmanager_silence_and_its_alerts_are_listed() {
    use vitals::frame::Command as UiCommand;
    let Some(am) = start_alertmanager() else {
        return;
    };
    let client = reqwest::Client::new();
    assert!(
        wait_until(|| async { listed(&client, &am.url).await.is_some() }).await,
        "alertmanager did not start"
    );
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("alerts.jsonl");
    let mut e = Engine::new(EngineOptions {
        rules: rulefile::parse("r.yml", RULES).unwrap(),
        alert_log: Some(log.clone()),
        ..Default::default()
    });
    let (mut rep_rx, mut held_rx) = wire_alertmanager(&mut e, &am.url);
    // Someone else's alert, already in Alertmanager.
    let other = serde_json::json!([{
        "labels": {"alertname": "DiskFull", "severity": "critical", "instance": "db:9100"},
        "annotations": {"summary": "disk 97% full"},
    }]);
    let r = client
        .post(format!("{}/api/v2/alerts", am.url))
        .header("content-type", "application/json")
        .body(other.to_string())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let t = target();
    let t0 = now_ms();
    e.set_targets(std::slice::from_ref(&t), t0);
    e.apply(scrape(&t, t0, 9.0));
    let f = tick(&mut e, &mut rep_rx, &mut held_rx, t0);
    let ours = f.alerts[0].clone();
    // Ours carries a generatorURL naming the rule; theirs is listed as held.
    let mut frame = f;
    for i in 0..200 {
        let mine = listed(&client, &am.url).await.and_then(|l| {
            l.into_iter()
                .find(|a| a["labels"]["alertname"] == "DeepQueue")
        });
        let held = frame
            .alertmanager_alerts
            .iter()
            .any(|h| h.name == "DiskFull" && h.summary == "disk 97% full");
        let not_ours_again = frame
            .alertmanager_alerts
            .iter()
            .all(|h| h.name != "DeepQueue");
        if let (Some(m), true) = (mine, held) {
            assert_eq!(
                m["generatorURL"],
                "vitals://rule?name=DeepQueue&expr=queue_depth%20%3E%205"
            );
            assert!(not_ours_again, "{:?}", frame.alertmanager_alerts);
            break;
        }
        assert!(i < 199, "never listed: {:?}", frame.alertmanager_alerts);
        tokio::time::sleep(Duration::from_millis(100)).await;
        frame = tick(&mut e, &mut rep_rx, &mut held_rx, t0 + 1);
    }
    e.command(UiCommand::Mute {
        name: ours.name.clone(),
        labels: ours.labels.clone(),
        duration: Duration::from_secs(3600),
    });
    let mut silence = None;
    for _ in 0..200 {
        let f = tick(&mut e, &mut rep_rx, &mut held_rx, t0 + 2);
        if let (Some(s), Some(id)) = (
            our_silence(&client, &am.url).await,
            f.alerts[0].silence_id.clone(),
        ) {
            assert_eq!(s["id"], id.as_str());
            silence = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let s = silence.expect("the silence was never created and recorded");
    let silence_id = s["id"].as_str().map(str::to_string);
    assert_eq!(s["status"]["state"], "active");
    // An hour from the last evaluation (t0 or t0 + 1).
    let ends = [t0 + 3_600_000, t0 + 3_600_001].map(vitals::vocab::time::rfc3339_ms);
    assert!(ends.iter().any(|e| s["endsAt"] == e.as_str()), "{s}");
    let matchers = s["matchers"].as_array().unwrap();
    assert_eq!(matchers.len(), ours.labels.len());
    assert!(matchers
        .iter()
        .any(|m| m["name"] == "instance" && m["value"] == "127.0.0.1:9100"));
    let state = std::fs::read_to_string(dir.path().join("alerts.state.json")).unwrap();
    assert!(state.contains(s["id"].as_str().unwrap()), "{state}");
    // Unmuting expires it.
    e.command(UiCommand::Mute {
        name: ours.name.clone(),
        labels: ours.labels.clone(),
        duration: Duration::ZERO,
    });
    assert!(
        wait_until(|| async {
            our_silence(&client, &am.url)
                .await
                .is_some_and(|s| s["status"]["state"] == "expired")
        })
        .await,
        "the silence was never expired"
    );
    let f = tick(&mut e, &mut rep_rx, &mut held_rx, t0 + 3);
    assert_eq!(f.alerts[0].muted_until_ms, None);
    // A teammate's silence in Alertmanager counts as muted here too.
    let body = serde_json::json!({
        "matchers": [{"name": "alertname", "value": "DeepQueue", "isRegex": false, "isEqual": true}],
        "startsAt": vitals::vocab::time::rfc3339_ms(now_ms()),
        "endsAt": vitals::vocab::time::rfc3339_ms(now_ms() + 600_000),
        "createdBy": "alice",
        "comment": "looking into it",
    });
    let r = client
        .post(format!("{}/api/v2/silences", am.url))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let theirs: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    let mut seen = None;
    for _ in 0..200 {
        let f = tick(&mut e, &mut rep_rx, &mut held_rx, t0 + 4);
        // Our own expired silence never shows, however old the poll.
        assert_ne!(f.alerts[0].silence_id, silence_id);
        if f.alerts[0].silence_id.is_some() {
            seen = f.alerts[0].silence_id.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen.as_deref(), theirs["silenceID"].as_str());
}
