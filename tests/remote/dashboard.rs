//! The dashboard over `--prometheus`: the real Prometheus (Debian's
//! `/usr/bin/prometheus`) and VictoriaMetrics (`/usr/bin/victoria-metrics`)
//! scraping the demo fleet, and servers that hang, fail or answer garbage.

use crate::remote_support;
use crate::scrape_support;

use remote_support::{fleet_and_server, refresh_once, Server};
use scrape_support::{closed_port, serve, Reply};
use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use vitals::app;
use vitals::detect::PanelDef;
use vitals::engine::{Engine, EngineOptions};
use vitals::frame::{Frame, SourceKind};
use vitals::promapi::{range_params, PromClient, PromOptions, CHART_POINTS};
use vitals::vocab::labels::Labels;

const DEFAULT_PANELS: [&str; 6] = [
    "latency",
    "traffic",
    "errors",
    "cpu",
    "instances",
    "saturation",
];

fn now_ms() -> i64 {
    vitals::vocab::time::now_ms()
}

fn client(url: &str, timeout: Duration) -> Arc<PromClient> {
    let opts = PromOptions {
        timeout,
        headers: vec![("X-Scope-OrgID".into(), "tenant-1".into())],
        ..PromOptions::default()
    };
    Arc::new(PromClient::new(url, opts).unwrap())
}

/// An engine over `kind`, asking it at now less [`Server::settle`] so
/// that the test can ask again for the same instant.
fn engine(kind: Server, interval: Duration) -> Engine {
    Engine::new(EngineOptions {
        interval,
        retention: Duration::from_secs(120),
        query_offset: kind.settle(),
        ..EngineOptions::default()
    })
}

/// The server's own answer: labels -> value text.
async fn raw_vector(base: &str, expr: &str, t_ms: i64) -> BTreeMap<Labels, String> {
    let time = format!("{}.{:03}", t_ms / 1000, t_ms % 1000);
    let body = reqwest::Client::new()
        .get(format!("{base}/api/v1/query"))
        .query(&[("query", expr), ("time", &time)])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let result = v["data"]["result"].as_array().cloned().unwrap_or_default();
    result
        .iter()
        .map(|s| {
            let pairs: Vec<(String, String)> = s["metric"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            let value = s["value"][1].as_str().unwrap().to_string();
            (Labels::from_pairs(pairs), value)
        })
        .collect()
}

/// Waits (at most 60 s) until every default panel of a snapshot has values;
/// returns it with the panel definitions it was made from.
async fn wait_for_full_snapshot(kind: Server, url: &str) -> (Frame, Vec<PanelDef>) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let mut e = engine(kind, Duration::from_secs(1));
        e.connect_remote(url.to_string());
        let frame = refresh_once(&mut e, client(url, Duration::from_secs(5))).await;
        if let Ok(f) = frame {
            let full = DEFAULT_PANELS.iter().all(|id| {
                f.panels.iter().any(|p| {
                    p.id == *id && p.error.is_none() && p.series.iter().any(|s| s.value.is_some())
                })
            });
            if full && f.targets.iter().all(|t| t.up) && f.targets.len() >= 4 {
                return (f, e.panel_defs());
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the default panels have no values after 60 s"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Waits (bounded) for a frame satisfying `ok`.
async fn frame_where(
    rx: &mut watch::Receiver<Arc<Frame>>,
    what: &str,
    ok: impl Fn(&Frame) -> bool,
) -> Arc<Frame> {
    let wait = async {
        loop {
            {
                let f = rx.borrow_and_update().clone();
                if ok(&f) {
                    return f;
                }
            }
            rx.changed().await.expect("the engine is running");
        }
    };
    tokio::time::timeout(Duration::from_secs(30), wait)
        .await
        .unwrap_or_else(|_| panic!("no frame with {what} within 30 s"))
}

struct Loop {
    frames: watch::Receiver<Arc<Frame>>,
    cancel: watch::Sender<bool>,
    commands: mpsc::Sender<vitals::frame::Command>,
}

/// The dashboard's pipeline over the server at `url`, built by the
/// application layer as `vitals --prometheus URL` builds it.
async fn start_loop(kind: Server, url: &str, interval: Duration, timeout: Duration) -> Loop {
    let (flags, settings, eopts) = pipeline_parts(kind, url, interval, timeout);
    let p = app::Pipeline::start(&flags, &settings, eopts, false)
        .await
        .unwrap();
    Loop {
        frames: p.frames,
        cancel: p.cancel,
        commands: p.commands,
    }
}

/// The flags, settings and engine options of `vitals --prometheus URL
/// --interval I --timeout T` with a tenant header, asking the server
/// [`Server::settle`] before now.
fn pipeline_parts(
    kind: Server,
    url: &str,
    interval: Duration,
    timeout: Duration,
) -> (app::Flags, vitals::config::Settings, EngineOptions) {
    let flags = app::Flags {
        prometheus: Some(url.to_string()),
        headers: vec![("X-Scope-OrgID".into(), "tenant-1".into())],
        interval: Some(interval),
        timeout: Some(timeout),
        ..app::Flags::default()
    };
    let overrides = app::flags::overrides(&flags, &[]).unwrap();
    let settings = vitals::config::load_settings(None, &overrides).unwrap();
    let mut eopts = app::engine_options(&flags, &settings, None, false).unwrap();
    eopts.retention = Duration::from_secs(120);
    eopts.query_offset = kind.settle();
    (flags, settings, eopts)
}

impl Loop {
    /// Frames keep coming; then the loop stops when cancelled.
    async fn still_running_then_stop(mut self) {
        let seq = self.frames.borrow().seq;
        frame_where(&mut self.frames, "two more frames", |f| f.seq >= seq + 2).await;
        let _ = self.cancel.send(true);
        // The engine's end of the frames goes when its loop ends.
        let ended = async { while self.frames.changed().await.is_ok() {} };
        tokio::time::timeout(Duration::from_secs(5), ended)
            .await
            .expect("the engine stops when cancelled");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_over_real_prometheus_scraping_the_demo() {
    dashboard_over(Server::Prometheus).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_over_victoria_metrics_scraping_the_demo() {
    dashboard_over(Server::VictoriaMetrics).await;
}

/// Points equal as `kind` answers them when asked again.
fn same_points(kind: Server, ours: &[(i64, f64)], want: &[(i64, f64)]) -> bool {
    ours.len() == want.len()
        && ours
            .iter()
            .zip(want)
            .all(|(a, b)| a.0 == b.0 && kind.close(a.1, b.1))
}

async fn dashboard_over(kind: Server) {
    let Some((fleet, mut prom)) = fleet_and_server(kind, 3).await else {
        return;
    };
    prom.wait_until_settled().await;
    let (frame, defs) = wait_for_full_snapshot(kind, &prom.url).await;
    assert_eq!(frame.source, SourceKind::Prometheus);
    let server = frame.server.clone().unwrap();
    match kind.version_prefix() {
        Some(v) => assert!(
            server.version.as_deref().unwrap().starts_with(v),
            "{server:?}"
        ),
        None => assert_eq!(server.version, None, "{server:?}"),
    }
    assert_eq!(server.error, None);
    assert_eq!(frame.targets.len(), fleet.targets().len());

    // Every panel's values equal the server's own answer at the same instant.
    for p in frame
        .panels
        .iter()
        .filter(|p| DEFAULT_PANELS.contains(&p.id.as_str()))
    {
        let def = defs.iter().find(|d| d.id == p.id).unwrap();
        let mut answered = 0;
        for e in def.exprs.iter().filter(|e| !e.is_limit) {
            assert!(p.exprs.contains(&e.expr), "{}: {} is shown", p.id, e.expr);
            let theirs = raw_vector(&prom.url, &e.expr, frame.time_ms).await;
            assert!(!theirs.is_empty(), "{}: {} has values", p.id, e.expr);
            for (labels, want) in &theirs {
                let mut labels = labels.clone();
                for (k, v) in &e.add_labels {
                    labels.set(k, v);
                }
                let ours = p
                    .series
                    .iter()
                    .find(|s| s.labels == labels && s.value.is_some());
                let ours = ours.unwrap_or_else(|| panic!("{}: {}: {labels} missing", p.id, e.expr));
                let v = ours.value.unwrap();
                assert!(
                    kind.same_value(v, want),
                    "{}: {}: {labels} is {v}, server says {want}",
                    p.id,
                    e.expr
                );
            }
            answered += theirs.len();
        }
        assert!(answered > 0, "{}: the server has values", p.id);
        let ours = p.series.iter().filter(|s| s.value.is_some()).count();
        assert_eq!(
            ours, answered,
            "{}: as many series as the server returns",
            p.id
        );
    }
    // Detected per-instance breakdowns are limited; the JSON shows what was sent.
    let json = vitals::report::to_json(&frame);
    let cpu = json["panels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "cpu")
        .unwrap();
    assert!(
        cpu["exprs"][0].as_str().unwrap().starts_with("topk(20, "),
        "{cpu}"
    );
    assert_eq!(json["source"], "prometheus");
    assert_eq!(json["server"]["url"], prom.url.as_str());

    // The table's rows in sight are asked for by name: the server accepts
    // the escaped names and the rows carry its answers.
    let row = frame.instances.iter().find(|r| r.cpu.is_some()).unwrap();
    let mut e = engine(kind, Duration::from_secs(1));
    e.connect_remote(prom.url.clone());
    e.command(vitals::frame::Command::TableWindow(vec![row
        .instance
        .clone()]));
    let f = refresh_once(&mut e, client(&prom.url, Duration::from_secs(5)))
        .await
        .unwrap();
    let narrowed: Vec<String> = e
        .remote_plan()
        .instant
        .into_iter()
        .filter(|t| t.contains("instance=~"))
        .collect();
    assert!(!narrowed.is_empty(), "the window is asked");
    let ours = f
        .instances
        .iter()
        .find(|r| r.instance == row.instance)
        .unwrap();
    for text in &narrowed {
        let theirs = raw_vector(&prom.url, text, f.time_ms).await;
        assert!(
            theirs
                .keys()
                .all(|l| l.get("instance") == Some(row.instance.as_str())),
            "{text}: {theirs:?}"
        );
        if text.contains("process_cpu_seconds_total") {
            let want = theirs
                .values()
                .next()
                .expect("the server has the CPU value");
            assert!(
                kind.same_value(ours.cpu.unwrap(), want),
                "{text}: {ours:?} vs {want}"
            );
        }
    }

    // The command line: snapshot with a header, and exit 2 on a dead server.
    let bin = env!("CARGO_BIN_EXE_vitals");
    let out = Command::new(bin)
        .args([
            "snapshot",
            "--prometheus",
            &prom.url,
            "--header",
            "X-Scope-OrgID=tenant-1",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["source"], "prometheus");
    assert_eq!(doc["panels"].as_array().unwrap().len(), 6);

    // Some history on the server first.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while raw_vector(&prom.url, "min(count_over_time(up[1m]))", now_ms())
        .await
        .values()
        .all(|v| v.parse::<f64>().unwrap() < 8.0)
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no history after 60 s"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // check: the rules are stepped through the server's history, so a
    // condition that has held for its `for` fires at once.
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yml");
    let yml = "groups:\n  - name: t\n    rules:\n      - alert: AllUp\n        expr: up == 1\n        for: 5s\n";
    std::fs::write(&rules, yml).unwrap();
    let out = Command::new(bin)
        .args(["check", "--prometheus", &prom.url, "--rules"])
        .arg(&rules)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("FIRING AllUp"), "{stdout}");
    // The live loop: charts are backfilled at once, then the server dies
    // and the dashboard shows the last data, its age and the error.
    let mut l = start_loop(
        kind,
        &prom.url,
        Duration::from_millis(500),
        Duration::from_millis(400),
    )
    .await;
    let first = frame_where(&mut l.frames, "data", |f| {
        f.server.as_ref().is_some_and(|s| s.data_ms.is_some())
            && f.panels
                .iter()
                .any(|p| p.id == "traffic" && !p.series.is_empty())
    })
    .await;
    let traffic = first.panels.iter().find(|p| p.id == "traffic").unwrap();
    let expr = &traffic.exprs[0];
    let (start, end, step) = range_params(
        first.time_ms,
        Duration::from_secs(120),
        CHART_POINTS,
        Duration::from_secs(1),
    );
    let theirs = client(&prom.url, Duration::from_secs(5))
        .query_range(expr, start, end, step)
        .await
        .unwrap();
    let mut want = theirs.series[0].1.clone();
    want.push((first.time_ms, traffic.series[0].value.unwrap()));
    assert!(want.len() >= 6, "the server has history: {want:?}");
    assert!(
        same_points(kind, &traffic.series[0].points, &want),
        "the whole window at once, on the step grid, then the current value: {:?} vs {want:?}",
        traffic.series[0].points
    );
    // Pinned to one instance, every panel shows that instance's own
    // numbers: the server's answers to the pinned texts, charts included.
    let app = first
        .targets
        .iter()
        .find(|t| t.job == "app")
        .unwrap()
        .instance
        .clone();
    let pin = vitals::frame::Command::Pin(Some(app.clone()));
    l.commands.send(pin).await.unwrap();
    let pinned = frame_where(&mut l.frames, "the pinned CPU", |f| {
        f.panels.iter().any(|p| {
            p.id == "cpu" && p.exprs[0].contains(&app) && p.series.iter().any(|s| s.value.is_some())
        })
    })
    .await;
    let cpu = pinned.panels.iter().find(|p| p.id == "cpu").unwrap();
    let at = pinned.server.as_ref().unwrap().data_ms.unwrap();
    let theirs = raw_vector(&prom.url, &cpu.exprs[0], at).await;
    assert_eq!(theirs.len(), 1, "{}: {theirs:?}", cpu.exprs[0]);
    let (labels, want) = theirs.iter().next().unwrap();
    assert_eq!(labels.get("instance"), Some(app.as_str()));
    let ours = cpu.series.iter().find(|s| s.value.is_some()).unwrap();
    assert!(
        kind.same_value(ours.value.unwrap(), want),
        "{ours:?} vs {want}"
    );
    assert!(
        ours.points.len() >= 3,
        "the pinned chart comes from the range answer: {ours:?}"
    );
    l.commands
        .send(vitals::frame::Command::Pin(None))
        .await
        .unwrap();
    drop(prom);
    let stale = frame_where(&mut l.frames, "the server's error", |f| {
        f.server.as_ref().is_some_and(|s| s.error.is_some())
    })
    .await;
    let s = stale.server.as_ref().unwrap();
    assert!(
        s.error.as_deref().unwrap().contains("cannot reach"),
        "{s:?}"
    );
    assert!(s.data_ms.unwrap() < stale.time_ms);
    let traffic = stale.panels.iter().find(|p| p.id == "traffic").unwrap();
    assert!(
        traffic.series.iter().any(|s| s.value.is_some()),
        "stale data still shown"
    );
    l.still_running_then_stop().await;
    fleet.shutdown().await;
}

fn json_reply(body: &'static str) -> Reply {
    Reply::Page {
        status: "200 OK",
        content_type: Some("application/json"),
        gzip: false,
        body: body.as_bytes().to_vec(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misbehaving_servers_leave_the_dashboard_running() {
    type Replies = fn(usize) -> Reply;
    let cases: [(&str, Replies); 3] = [
        ("did not answer within", |_| Reply::Hang),
        ("answered HTTP 500", |_| {
            Reply::status("500 Internal Server Error")
        }),
        ("sent an unreadable answer", |_| {
            json_reply("{\"status\":\"success\",\"data\":[")
        }),
    ];
    for (want, reply) in cases {
        let server = serve(reply).await;
        let url = format!("http://{}", server.addr);
        let kind = Server::Prometheus;
        let mut l = start_loop(
            kind,
            &url,
            Duration::from_millis(200),
            Duration::from_millis(150),
        )
        .await;
        let f = frame_where(&mut l.frames, want, |f| {
            f.server
                .as_ref()
                .and_then(|s| s.error.as_deref())
                .is_some_and(|e| e.contains(want))
        })
        .await;
        let e = f.server.as_ref().unwrap().error.clone().unwrap();
        assert!(!e.contains('\n'), "{e}");
        assert!(e.contains(&url), "the error names the server: {e}");
        l.still_running_then_stop().await;

        // Without a screen the same server is an error (exit 2 in the CLI).
        let (flags, settings, eopts) = pipeline_parts(
            kind,
            &url,
            Duration::from_millis(200),
            Duration::from_millis(150),
        );
        let r = app::collect_with(&flags, &settings, eopts, Duration::ZERO).await;
        let e = r.err().expect("an error").to_string();
        assert!(e.contains(want), "{e}");
    }
}

#[test]
fn snapshot_of_an_unreachable_server_exits_2_with_one_line() {
    let port = closed_port();
    let out = Command::new(env!("CARGO_BIN_EXE_vitals"))
        .args(["snapshot", "--prometheus", &format!("127.0.0.1:{port}")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("cannot reach http://127.0.0.1:{port}/api/v1/")),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    let out = Command::new(env!("CARGO_BIN_EXE_vitals"))
        .args(["check", "--prometheus", &format!("127.0.0.1:{port}")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(env!("CARGO_BIN_EXE_vitals"))
        .args(["snapshot", "--prometheus", "127.0.0.1:1", "127.0.0.1:9100"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("give no targets"));
}
