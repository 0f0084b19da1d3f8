//! Rules over `--prometheus` against the real Prometheus (Debian's
//! `/usr/bin/prometheus`) and VictoriaMetrics (`/usr/bin/victoria-metrics`):
//! a recording rule the server does not have is
//! recorded by vitals from the server's answers, and an alert whose
//! target goes down on the server is held stale, never resolved.

use crate::remote_support;
use crate::scrape_support;

use remote_support::{scraping, Server};
use scrape_support::{serve, Reply};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use vitals::alerts::rulefile;
use vitals::alerts::Phase;
use vitals::app;
use vitals::engine::{Engine, EngineOptions};
use vitals::frame::{AlertState, Frame};
use vitals::promapi::{PromClient, PromOptions, Value};

const RULES: &str = "groups:
  - name: queue
    rules:
      - record: instance:queue_depth:max
        expr: max by (job, instance) (app_queue_depth)
      - alert: QueueDeep
        expr: instance:queue_depth:max > 50
      - alert: QueueDeepDirect
        expr: app_queue_depth > 50
      - alert: QueuesDeep
        expr: sum(app_queue_depth) > 50
";

const ALL: [&str; 3] = ["QueueDeep", "QueueDeepDirect", "QueuesDeep"];

fn state(f: &Frame, rule: &str) -> Option<(AlertState, bool)> {
    f.alerts
        .iter()
        .find(|a| a.name == rule)
        .map(|a| (a.state, a.stale))
}

/// Waits (at most 90 s) until the server answers `query` with a series,
/// asked two seconds back: as far back as the engines of these tests ask
/// ([`Server::settle`]), and a step more.
async fn wait_for_answer(c: &PromClient, query: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        let now = vitals::vocab::time::now_ms() - 2_000;
        if let Ok(r) = c.query(query, now).await {
            if matches!(&r.value, Value::Vector(v) if !v.is_empty()) {
                return;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server does not answer {query} after 90 s"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// One snapshot's worth of work on the same engine (its alert states go on).
async fn refresh(e: &mut Engine, c: &Arc<PromClient>) -> Frame {
    remote_support::refresh_once(e, c.clone())
        .await
        .expect("the server answers")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_by_vitals_and_held_stale_when_prometheus_loses_the_target() {
    recorded_by_vitals_and_held_stale_when_the_server_loses_the_target(Server::Prometheus).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_by_vitals_and_held_stale_when_victoria_metrics_loses_the_target() {
    recorded_by_vitals_and_held_stale_when_the_server_loses_the_target(Server::VictoriaMetrics)
        .await;
}

async fn recorded_by_vitals_and_held_stale_when_the_server_loses_the_target(kind: Server) {
    let up = Arc::new(AtomicBool::new(true));
    let flag = up.clone();
    let exporter = serve(move |_| {
        if flag.load(Ordering::SeqCst) {
            Reply::Page {
                status: "200 OK",
                content_type: Some("text/plain; version=0.0.4"),
                gzip: false,
                body: b"# TYPE app_queue_depth gauge\napp_queue_depth 99\n".to_vec(),
            }
        } else {
            Reply::status("503 Service Unavailable")
        }
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let Some(prom) = scraping(kind, "fleet", exporter.addr) else {
        return;
    };
    let c = Arc::new(PromClient::new(&prom.url, PromOptions::default()).unwrap());
    // The server has scraped the exporter.
    wait_for_answer(&c, "app_queue_depth").await;

    let mut e = Engine::new(EngineOptions {
        interval: Duration::from_secs(1),
        retention: Duration::from_secs(120),
        rules: rulefile::parse("rules.yml", RULES).unwrap(),
        exprs: vec!["instance:queue_depth:max".into()],
        detected_panels: false,
        query_offset: kind.settle(),
        ..EngineOptions::default()
    });
    e.connect_remote(prom.url.clone());
    let f = refresh(&mut e, &c).await;
    let plan = e.remote_plan();
    assert!(
        plan.instant
            .contains(&"max by (job, instance) (app_queue_depth)".to_string()),
        "the rule's expression is asked: {plan:?}"
    );
    assert!(
        !plan
            .instant
            .iter()
            .any(|t| t.contains("instance:queue_depth")),
        "the recorded name is not sent: {plan:?}"
    );
    // The panel over the recorded name shows the server's answer to the
    // rule's expression at the same instant.
    let theirs = c
        .query("max by (job, instance) (app_queue_depth)", f.time_ms)
        .await
        .unwrap();
    let Value::Vector(theirs) = theirs.value else {
        panic!("a vector")
    };
    let panel = f.panels.iter().find(|p| p.id == "expr1").unwrap();
    assert_eq!(panel.error, None);
    let ours: Vec<f64> = panel.series.iter().filter_map(|s| s.value).collect();
    assert_eq!(ours, vec![theirs[0].1]);
    assert_eq!(ours, vec![99.0]);
    assert_eq!(
        panel.series[0].labels.get("instance"),
        Some(exporter.addr.to_string().as_str())
    );
    for rule in ALL {
        assert_eq!(state(&f, rule), Some((AlertState::Firing, false)), "{rule}");
    }
    // While the aggregate fires, the server is asked which targets it reads.
    let f = refresh(&mut e, &c).await;
    let reads = "group by (job, instance) (last_over_time(app_queue_depth[5m]))";
    assert!(e.remote_plan().instant.contains(&reads.to_string()));
    assert_eq!(f.server.unwrap().error, None, "the server takes it");

    // The command line: `check` steps the rules through the server's
    // history, the recorded name included, so `for` is met at once.
    wait_for_answer(&c, "count_over_time(app_queue_depth[10s]) >= 8").await;
    let rules = dir.path().join("rules.yml");
    let with_for = format!(
        "{RULES}      - alert: QueueDeepFor\n        expr: instance:queue_depth:max > 50\n        for: 3s\n"
    );
    std::fs::write(&rules, with_for).unwrap();
    let bin = env!("CARGO_BIN_EXE_vitals");
    let out = std::process::Command::new(bin)
        .args(["check", "--prometheus", &prom.url, "--rules"])
        .arg(&rules)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FIRING QueueDeepFor"), "{stdout}");
    let out = std::process::Command::new(bin)
        .args(["snapshot", "--prometheus", &prom.url, "--rules"])
        .arg(&rules)
        .args(["--expr", "instance:queue_depth:max"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let panel = doc["panels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["exprs"][0] == "instance:queue_depth:max")
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(panel["error"], serde_json::Value::Null, "{panel}");
    assert_eq!(panel["series"][0]["value"], 99.0, "{panel}");

    // The exporter fails: the server marks its series stale and the
    // target down; both alerts are held, neither resolves.
    up.store(false, Ordering::SeqCst);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let f = loop {
        let f = refresh(&mut e, &c).await;
        let stale = ALL
            .iter()
            .all(|r| state(&f, r) == Some((AlertState::Firing, true)));
        if stale {
            break f;
        }
        assert!(
            f.alert_history.iter().all(|t| t.to != Phase::Resolved),
            "{:?}",
            f.alert_history
        );
        assert!(
            tokio::time::Instant::now() < deadline,
            "no stale alerts after 30 s: {:?}",
            f.alerts
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert!(f.targets.iter().all(|t| !t.up), "{:?}", f.targets);
    assert!(f.alert_history.iter().all(|t| t.to != Phase::Resolved));

    // Back: firing again, from stale.
    up.store(true, Ordering::SeqCst);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let f = refresh(&mut e, &c).await;
        let back = ALL
            .iter()
            .all(|r| state(&f, r) == Some((AlertState::Firing, false)));
        if back {
            assert!(
                f.alert_history
                    .iter()
                    .any(|t| t.from == Phase::Stale && t.to == Phase::Firing),
                "{:?}",
                f.alert_history
            );
            assert!(
                f.alert_history.iter().all(|t| t.to != Phase::Resolved),
                "{:?}",
                f.alert_history
            );
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not firing again after 30 s: {:?}",
            f.alerts
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The live loop over a server steps its rules through the server's
/// history before its first refresh, as `check` does: a condition that has
/// held longer than its `for` is firing in the first frame that shows it,
/// not pending for another `for`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_catches_up_with_prometheus_history() {
    the_dashboard_catches_up_with_the_servers_history(Server::Prometheus).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_catches_up_with_victoria_metrics_history() {
    the_dashboard_catches_up_with_the_servers_history(Server::VictoriaMetrics).await;
}

async fn the_dashboard_catches_up_with_the_servers_history(kind: Server) {
    let exporter = serve(|_| Reply::Page {
        status: "200 OK",
        content_type: Some("text/plain; version=0.0.4"),
        gzip: false,
        body: b"# TYPE app_queue_depth gauge\napp_queue_depth 99\n".to_vec(),
    })
    .await;
    let Some(prom) = scraping(kind, "fleet", exporter.addr) else {
        return;
    };
    let c = Arc::new(PromClient::new(&prom.url, PromOptions::default()).unwrap());
    // The server holds more than the rule's `for` of history.
    wait_for_answer(&c, "count_over_time(app_queue_depth[10s]) >= 8").await;
    let rules = "groups:
  - name: queue
    rules:
      - alert: QueueDeepFor5s
        expr: app_queue_depth > 50
        for: 5s
";
    // The dashboard's pipeline, as `vitals --prometheus URL` builds it.
    let flags = app::Flags {
        prometheus: Some(prom.url.clone()),
        interval: Some(Duration::from_secs(1)),
        ..app::Flags::default()
    };
    let overrides = app::flags::overrides(&flags, &[]).unwrap();
    let settings = vitals::config::load_settings(None, &overrides).unwrap();
    let eopts = EngineOptions {
        retention: Duration::from_secs(120),
        rules: rulefile::parse("rules.yml", rules).unwrap(),
        detected_panels: false,
        query_offset: kind.settle(),
        ..app::engine_options(&flags, &settings, None, false).unwrap()
    };
    let p = app::Pipeline::start(&flags, &settings, eopts, false)
        .await
        .unwrap();
    let (mut rx, cancel_tx) = (p.frames, p.cancel);
    let first = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            rx.changed().await.expect("the loop runs");
            let f = rx.borrow_and_update().clone();
            if let Some(s) = state(&f, "QueueDeepFor5s") {
                return s;
            }
        }
    })
    .await
    .expect("the alert shows within 30 s");
    let _ = cancel_tx.send(true);
    assert_eq!(first, (AlertState::Firing, false));
}
