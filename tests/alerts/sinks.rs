//! Notification sinks end to end: the real Alertmanager receives, lists and
//! resolves our alerts; a loopback webhook receives Alertmanager v4 JSON,
//! one message per group.

use crate::alerts_support;

use alerts_support::am::*;
use std::time::Duration;
use tokio::sync::mpsc;
use vitals::alerts::rulefile;
use vitals::engine::{Engine, EngineOptions, SinkLink};
use vitals::sinks::delivery::{run_sinks, SinkOptions};
use vitals::vocab::time::now_ms;

fn engine(opts: SinkOptions) -> Engine {
    let mut e = Engine::new(EngineOptions {
        rules: rulefile::parse("r.yml", RULES).unwrap(),
        ..Default::default()
    });
    let (tx, rx) = mpsc::channel(16);
    let (rtx, _reports) = mpsc::channel(16);
    let link = SinkLink {
        tx,
        resend_delay: opts.resend_delay,
        alertmanager: opts.alertmanager.is_some(),
        webhook: opts.webhook.is_some(),
    };
    tokio::spawn(run_sinks(opts, rx, rtx));
    e.connect_sinks(link);
    e
}

/// A loopback webhook receiver: each body, parsed, on the channel.
async fn receiver() -> (std::net::SocketAddr, mpsc::Receiver<serde_json::Value>) {
    let (btx, brx) = mpsc::channel::<serde_json::Value>(16);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: String| {
            let btx = btx.clone();
            async move {
                let _ = btx.send(serde_json::from_str(&body).unwrap()).await;
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, brx)
}

async fn next(brx: &mut mpsc::Receiver<serde_json::Value>) -> serde_json::Value {
    tokio::time::timeout(Duration::from_secs(20), brx.recv())
        .await
        .expect("no webhook message")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_receives_v4_json_on_fire_and_resolve() {
    let (addr, mut brx) = receiver().await;
    let mut e = engine(SinkOptions {
        webhook: Some(format!("http://{addr}/hook")),
        resend_delay: Duration::from_secs(60),
        ..Default::default()
    });
    let t = target();
    let t0 = 1_795_348_800_000;
    e.set_targets(std::slice::from_ref(&t), t0);
    e.apply(scrape(&t, t0, 9.0));
    e.tick(t0);
    let got = tokio::time::timeout(Duration::from_secs(10), brx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got["version"], "4");
    assert_eq!(got["status"], "firing");
    assert_eq!(got["commonLabels"]["alertname"], "DeepQueue");
    let a = &got["alerts"][0];
    assert_eq!(a["status"], "firing");
    assert_eq!(a["labels"]["severity"], "critical");
    assert_eq!(a["labels"]["instance"], "127.0.0.1:9100");
    assert_eq!(a["annotations"]["summary"], "queue 9 deep");
    assert_eq!(
        a["annotations"]["runbook_url"],
        "https://runbooks.example/queue"
    );
    assert_eq!(a["startsAt"], "2026-11-22T12:00:00.000Z");
    // Still firing: no second webhook call; then resolved.
    e.apply(scrape(&t, t0 + 2000, 9.0));
    e.tick(t0 + 2000);
    e.apply(scrape(&t, t0 + 4000, 1.0));
    e.tick(t0 + 4000);
    let got = tokio::time::timeout(Duration::from_secs(10), brx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got["status"], "resolved");
    assert_eq!(got["alerts"][0]["endsAt"], "2026-11-22T12:00:04.000Z");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_starting_in_one_tick_are_one_grouped_message() {
    let (addr, mut brx) = receiver().await;
    let mut e = engine(SinkOptions {
        webhook: Some(format!("http://{addr}/hook")),
        resend_delay: Duration::from_secs(60),
        ..Default::default()
    });
    let targets: Vec<_> = (0..4)
        .map(|i| target_on(&format!("127.0.0.1:{}", 9100 + i)))
        .collect();
    let t0 = 1_795_348_800_000;
    e.set_targets(&targets, t0);
    for t in &targets {
        e.apply(scrape(t, t0, 9.0));
    }
    let f = e.tick(t0);
    assert_eq!(f.alert_groups.len(), 1);
    let got = next(&mut brx).await;
    assert_eq!(got["version"], "4");
    assert_eq!(got["groupKey"], r#"{}:{alertname="DeepQueue"}"#);
    assert_eq!(got["groupKey"], f.alert_groups[0].key.as_str());
    assert_eq!(
        got["groupLabels"],
        serde_json::json!({"alertname": "DeepQueue"})
    );
    assert_eq!(got["status"], "firing");
    assert_eq!(got["receiver"], "vitals");
    assert_eq!(got["truncatedAlerts"], 0);
    assert_eq!(got["externalURL"], "");
    assert_eq!(
        got["commonLabels"],
        serde_json::json!({"alertname": "DeepQueue", "job": "app", "severity": "critical"})
    );
    assert_eq!(
        got["commonAnnotations"],
        serde_json::json!({"summary": "queue 9 deep", "runbook_url": "https://runbooks.example/queue"})
    );
    let alerts = got["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 4, "{got}");
    let mut fingerprints = std::collections::BTreeSet::new();
    for (i, a) in alerts.iter().enumerate() {
        assert_eq!(a["status"], "firing");
        assert_eq!(a["labels"]["instance"], format!("127.0.0.1:{}", 9100 + i));
        assert_eq!(a["annotations"]["summary"], "queue 9 deep");
        assert_eq!(a["startsAt"], "2026-11-22T12:00:00.000Z");
        assert_eq!(a["endsAt"], "0001-01-01T00:00:00Z");
        assert_eq!(
            a["generatorURL"],
            "vitals://rule?name=DeepQueue&expr=queue_depth%20%3E%205"
        );
        assert_eq!(a["fingerprint"].as_str().unwrap().len(), 16);
        fingerprints.insert(a["fingerprint"].to_string());
    }
    assert_eq!(fingerprints.len(), 4);
    // Still firing: nothing. Then one resolves: the group's next message
    // (the first to follow, so nothing was sent in between) lists it
    // resolved beside the three still firing.
    for t in &targets {
        e.apply(scrape(t, t0 + 2000, 9.0));
    }
    e.tick(t0 + 2000);
    for (i, t) in targets.iter().enumerate() {
        e.apply(scrape(t, t0 + 4000, if i == 2 { 1.0 } else { 9.0 }));
    }
    e.tick(t0 + 4000);
    let got = next(&mut brx).await;
    assert_eq!(got["status"], "firing");
    assert_eq!(got["groupKey"], r#"{}:{alertname="DeepQueue"}"#);
    let states: Vec<(&str, &str)> = got["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["labels"]["instance"].as_str().unwrap(),
                a["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("127.0.0.1:9100", "firing"),
            ("127.0.0.1:9101", "firing"),
            ("127.0.0.1:9102", "resolved"),
            ("127.0.0.1:9103", "firing"),
        ]
    );
    assert_eq!(got["alerts"][2]["endsAt"], "2026-11-22T12:00:04.000Z");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alertmanager_receives_lists_and_resolves_our_alerts() {
    let Some(am) = start_alertmanager() else {
        return;
    };
    let client = reqwest::Client::new();
    assert!(
        wait_until(|| async { listed(&client, &am.url).await.is_some() }).await,
        "alertmanager did not start"
    );
    let mut e = engine(SinkOptions {
        alertmanager: Some(am.url.clone()),
        resend_delay: Duration::from_secs(60),
        ..Default::default()
    });
    let t = target();
    // Evaluation times in the past: Alertmanager only takes an endsAt that
    // has already passed as a resolution.
    let t0 = now_ms() - 10_000;
    e.set_targets(std::slice::from_ref(&t), t0);
    e.apply(scrape(&t, t0, 9.0));
    e.tick(t0);
    let ours = |v: &serde_json::Value| v["labels"]["alertname"] == "DeepQueue";
    assert!(
        wait_until(|| async {
            listed(&client, &am.url).await.is_some_and(|l| {
                l.iter()
                    .any(|a| ours(a) && a["status"]["state"] == "active")
            })
        })
        .await,
        "the alert never reached alertmanager"
    );
    let l = listed(&client, &am.url).await.unwrap();
    let a = l.iter().find(|a| ours(a)).unwrap();
    assert_eq!(a["labels"]["severity"], "critical");
    assert_eq!(a["annotations"]["summary"], "queue 9 deep");
    e.apply(scrape(&t, t0 + 1000, 1.0));
    let f = e.tick(t0 + 1000);
    assert_eq!(f.alerts[0].state, vitals::frame::AlertState::Resolved);
    assert!(
        wait_until(|| async {
            listed(&client, &am.url)
                .await
                .is_some_and(|l| !l.iter().any(ours))
        })
        .await,
        "the alert never resolved in alertmanager: {:?} {:?}",
        listed(&client, &am.url).await,
        e.tick(t0 + 2000).notice
    );
}

#[test]
fn firing_alerts_are_resent_every_resend_delay() {
    use vitals::alerts::notify::Outgoing;
    let mut e = Engine::new(EngineOptions {
        rules: rulefile::parse("r.yml", RULES).unwrap(),
        ..Default::default()
    });
    let (tx, mut rx) = mpsc::channel(16);
    e.connect_sinks(SinkLink {
        tx,
        resend_delay: Duration::from_secs(60),
        alertmanager: true,
        webhook: false,
    });
    let t = target();
    let t0 = 1_795_348_800_000;
    e.set_targets(std::slice::from_ref(&t), t0);
    let mut sent = vec![];
    for i in 0..=65 {
        let now = t0 + i * 2000;
        e.apply(scrape(&t, now, if i < 65 { 9.0 } else { 1.0 }));
        e.tick(now);
        while let Ok(Outgoing::Alertmanager(b)) = rx.try_recv() {
            sent.push((now, b[0].ends_at_ms, b[0].resolved));
        }
    }
    assert_eq!(
        sent,
        vec![
            (t0, t0 + 240_000, false),
            (t0 + 60_000, t0 + 300_000, false),
            (t0 + 120_000, t0 + 360_000, false),
            (t0 + 130_000, t0 + 130_000, true),
        ]
    );
}
