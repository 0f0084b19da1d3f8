//! Notification sinks end to end: the real Alertmanager receives, lists and
//! resolves our alerts; a loopback webhook receives Alertmanager v4 JSON.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use vitals::alerts::notify::{run_sinks, SinkOptions};
use vitals::alerts::rulefile;
use vitals::engine::{run::now_ms, Engine, EngineOptions, SinkLink};
use vitals::scrape::{expo, ScrapeResult, Target};

const RULES: &str = r#"
groups:
  - name: app
    rules:
      - alert: DeepQueue
        expr: queue_depth > 5
        labels:
          severity: critical
        annotations:
          summary: "queue {{ $value }} deep"
          runbook_url: https://runbooks.example/queue
"#;

fn target() -> Target {
    Target {
        url: "http://127.0.0.1:9100/metrics".into(),
        job: "app".into(),
        instance: "127.0.0.1:9100".into(),
        labels: Default::default(),
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

fn engine(opts: SinkOptions) -> Engine {
    let mut e = Engine::new(EngineOptions {
        rules: rulefile::parse("r.yml", RULES).unwrap(),
        ..Default::default()
    });
    let (tx, rx) = mpsc::channel(16);
    let (rtx, rrx) = mpsc::channel(16);
    let link = SinkLink {
        tx,
        report: rrx,
        resend_delay: opts.resend_delay,
        alertmanager: opts.alertmanager.is_some(),
        webhook: opts.webhook.is_some(),
    };
    tokio::spawn(run_sinks(opts, rx, rtx));
    e.connect_sinks(link);
    e
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_receives_v4_json_on_fire_and_resolve() {
    let (btx, mut brx) = mpsc::channel::<serde_json::Value>(16);
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

struct Alertmanager {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_alertmanager() -> Option<Alertmanager> {
    let bin = "/usr/bin/prometheus-alertmanager";
    if !std::path::Path::new(bin).exists() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{bin} is missing");
        }
        eprintln!("note: {bin} not installed; skipping the Alertmanager test");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("am.yml");
    std::fs::write(
        &cfg,
        "route:\n  receiver: none\nreceivers:\n  - name: none\n",
    )
    .unwrap();
    let port = free_port();
    let child = Command::new(bin)
        .arg(format!("--config.file={}", cfg.display()))
        .arg(format!(
            "--storage.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Some(Alertmanager {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    })
}

async fn listed(client: &reqwest::Client, am: &str) -> Option<Vec<serde_json::Value>> {
    let r = client
        .get(format!("{am}/api/v2/alerts"))
        .send()
        .await
        .ok()?;
    if !r.status().is_success() {
        return None;
    }
    serde_json::from_str(&r.text().await.ok()?).ok()
}

/// Polls `check` every 100 ms for up to 20 s.
async fn wait_until<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
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
    let (_rtx, rrx) = mpsc::channel(1);
    e.connect_sinks(SinkLink {
        tx,
        report: rrx,
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

async fn get_json(client: &reqwest::Client, url: &str) -> Option<serde_json::Value> {
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
    use vitals::alerts::silence::{run_alertmanager, HeldPoll};
    use vitals::engine::AlertmanagerLink;
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
    let (tx, rx) = mpsc::channel(16);
    let (rtx, rrx) = mpsc::channel(16);
    let sopts = SinkOptions {
        alertmanager: Some(am.url.clone()),
        resend_delay: Duration::from_secs(60),
        ..Default::default()
    };
    tokio::spawn(run_sinks(sopts, rx, rtx));
    e.connect_sinks(SinkLink {
        tx,
        report: rrx,
        resend_delay: Duration::from_secs(60),
        alertmanager: true,
        webhook: false,
    });
    let (req_tx, req_rx) = mpsc::channel(8);
    let (rep_tx, rep_rx) = mpsc::channel(8);
    let (held_tx, held_rx) = tokio::sync::watch::channel(HeldPoll::default());
    tokio::spawn(run_alertmanager(
        am.url.clone(),
        Duration::from_millis(200),
        req_rx,
        rep_tx,
        held_tx,
    ));
    e.connect_alertmanager(AlertmanagerLink {
        requests: req_tx,
        replies: rep_rx,
        held: held_rx,
    });
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
    let f = e.tick(t0);
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
        frame = e.tick(t0 + 1);
    }
    e.command(UiCommand::Mute {
        name: ours.name.clone(),
        labels: ours.labels.clone(),
        duration: Duration::from_secs(3600),
    });
    let mut silence = None;
    for _ in 0..200 {
        let f = e.tick(t0 + 2);
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
    let ends = [t0 + 3_600_000, t0 + 3_600_001].map(vitals::alerts::notify::rfc3339);
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
    let f = e.tick(t0 + 3);
    assert_eq!(f.alerts[0].muted_until_ms, None);
    // A teammate's silence in Alertmanager counts as muted here too.
    let body = serde_json::json!({
        "matchers": [{"name": "alertname", "value": "DeepQueue", "isRegex": false, "isEqual": true}],
        "startsAt": vitals::alerts::notify::rfc3339(now_ms()),
        "endsAt": vitals::alerts::notify::rfc3339(now_ms() + 600_000),
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
        let f = e.tick(t0 + 4);
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
