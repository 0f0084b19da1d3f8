//! Hostile, slow and broken alert sinks: commands that exit deliver what they
//! fired to every sink or say on stderr which one they could not (with no
//! secret in the message); one hung sink never holds back another; a sink
//! URL's password and secret query values never reach the screen, stderr
//! or the log; an alert log that cannot be written is reported.

use crate::alerts_support;
use crate::remote_support;
use crate::scrape_support;

use alerts_support::am::{listed, start_alertmanager, wait_until, RULES};
use alerts_support::tmux::Tmux;
use alerts_support::{rule_file, Exporter};
use scrape_support::closed_port;
use std::net::SocketAddr;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncReadExt;

const BIN: &str = env!("CARGO_BIN_EXE_vitals");
const PASSWORD: &str = "S3CR3T";
const TOKEN: &str = "H00KT0K";

/// One request a sink server received.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    authorization: Option<String>,
    body: serde_json::Value,
}

/// A sink server answering every request with `status` and recording it.
#[derive(Clone)]
struct Recorder {
    addr: SocketAddr,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Recorder {
    async fn start(status: u16) -> Recorder {
        Recorder::slow(status, Duration::ZERO).await
    }

    /// Records each request as it arrives and answers after `delay`.
    async fn slow(status: u16, delay: Duration) -> Recorder {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let seen = got.clone();
        let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
            let seen = seen.clone();
            async move {
                let path = req.uri().path().to_string();
                let authorization = req
                    .headers()
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let bytes = axum::body::to_bytes(req.into_body(), 1 << 20)
                    .await
                    .unwrap_or_default();
                let body = serde_json::from_slice(&bytes).unwrap_or_default();
                seen.lock().unwrap().push(Received {
                    path,
                    authorization,
                    body,
                });
                tokio::time::sleep(delay).await;
                axum::http::StatusCode::from_u16(status).unwrap()
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Recorder { addr, got }
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    fn on(&self, path: &str) -> Vec<Received> {
        self.got().into_iter().filter(|r| r.path == path).collect()
    }
}

/// What happened at a sink that accepts connections and never answers.
#[derive(Clone, Debug, PartialEq)]
enum Event {
    /// A request arrived (its head was read).
    Request,
    /// The client gave up and closed the connection.
    Closed,
    /// The webhook received its notification (recorded by the test).
    Webhook,
}

/// A sink that accepts connections, reads the requests and never answers.
#[derive(Clone)]
struct Hang {
    addr: SocketAddr,
    events: Arc<Mutex<Vec<Event>>>,
}

impl Hang {
    async fn start() -> Hang {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let events: Arc<Mutex<Vec<Event>>> = Arc::default();
        let ev = events.clone();
        tokio::spawn(async move {
            while let Ok((mut c, _)) = listener.accept().await {
                let ev = ev.clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 8192];
                    let mut told = false;
                    loop {
                        match c.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(_) if !told => {
                                told = true;
                                ev.lock().unwrap().push(Event::Request);
                            }
                            Ok(_) => {}
                        }
                    }
                    ev.lock().unwrap().push(Event::Closed);
                });
            }
        });
        Hang { addr, events }
    }

    fn events(&self) -> Vec<Event> {
        self.events.lock().unwrap().clone()
    }
}

/// Runs the binary (off the runtime's threads, so the servers answer).
async fn vitals(dir: &std::path::Path, args: Vec<String>) -> Output {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .args(&args)
            .env("XDG_STATE_HOME", &dir)
            .env("HOME", &dir)
            .env_remove("NO_PROXY")
            .env_remove("HTTP_PROXY")
            .env_remove("http_proxy")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `check` in scrape mode against an exporter whose alert fires.
fn check_args(exporter: &Exporter, rules: &std::path::Path, sinks: &[String]) -> Vec<String> {
    let mut a: Vec<String> = [
        "check",
        &exporter.target(),
        "--rules",
        rules.to_str().unwrap(),
        "--interval",
        "200ms",
        "--duration",
        "1s",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.extend(sinks.iter().cloned());
    a
}

fn no_secret(what: &str, s: &str) {
    assert!(
        !s.contains(PASSWORD) && !s.contains(TOKEN),
        "a secret in {what}: {s}"
    );
}

fn fired_deep(r: &Received) -> bool {
    r.body["alerts"]
        .as_array()
        .or(r.body.as_array())
        .is_some_and(|l| l.iter().any(|a| a["labels"]["alertname"] == "Deep"))
}

fn vitals_log(dir: &std::path::Path) -> String {
    std::fs::read_to_string(dir.join("vitals/vitals.log")).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_and_snapshot_in_scrape_mode_notify_both_sinks() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), "critical");
    let exporter = Exporter::start(9.0);
    // An Alertmanager that takes its time (longer than the run, well
    // within the sink's budget) must hold back neither the webhook nor
    // the command's delivery.
    let sink = Recorder::slow(200, Duration::from_millis(2500)).await;
    let sinks = [
        "--alertmanager".to_string(),
        format!("http://am:{PASSWORD}@{}", sink.addr),
        "--webhook".into(),
        format!("http://{}/hook?token={TOKEN}", sink.addr),
    ];
    let out = vitals(dir.path(), check_args(&exporter, &rules, &sinks)).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(text(&out.stdout).contains("FIRING Deep"));
    assert!(!stderr.contains("could not notify"), "{stderr}");
    let am = sink.on("/api/v2/alerts");
    let hook = sink.on("/hook");
    assert!(am.iter().any(fired_deep), "alertmanager got {am:?}");
    assert!(hook.iter().any(fired_deep), "webhook got {hook:?}");
    // The URL's user and password are sent as basic auth: base64("am:S3CR3T").
    assert_eq!(
        am[0].authorization.as_deref(),
        Some("Basic YW06UzNDUjNU"),
        "{am:?}"
    );

    // `snapshot` delivers what fired during its run as well.
    let before = sink.got().len();
    let mut args = check_args(&exporter, &rules, &sinks);
    args[0] = "snapshot".into();
    let out = vitals(dir.path(), args).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let after = sink.got();
    assert!(
        after[before..]
            .iter()
            .any(|r| r.path == "/hook" && fired_deep(r)),
        "{after:?}"
    );
    assert!(
        after[before..]
            .iter()
            .any(|r| r.path == "/api/v2/alerts" && fired_deep(r)),
        "{after:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_with_a_hung_alertmanager_still_sends_the_webhook_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), "critical");
    let exporter = Exporter::start(9.0);
    let am = Hang::start().await;
    let hook = Recorder::start(200).await;
    let sinks = [
        "--alertmanager".to_string(),
        format!("http://am:{PASSWORD}@{}", am.addr),
        "--webhook".into(),
        format!("http://{}/hook", hook.addr),
    ];
    let out = vitals(dir.path(), check_args(&exporter, &rules, &sinks)).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(hook.on("/hook").iter().any(fired_deep), "{:?}", hook.got());
    assert!(am.events().contains(&Event::Request));
    let line = stderr
        .lines()
        .find(|l| l.starts_with("vitals: could not notify alertmanager "))
        .unwrap_or_else(|| panic!("no line for the alertmanager: {stderr}"));
    assert!(
        line.contains(&format!("http://***@{}/api/v2/alerts", am.addr)),
        "{line}"
    );
    assert!(line.contains("not delivered: no answer within"), "{line}");
    assert!(!stderr.contains("could not notify webhook"), "{stderr}");
    no_secret("stderr", &stderr);
    no_secret("vitals.log", &vitals_log(dir.path()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_names_a_refusing_and_an_unauthorized_sink_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), "critical");
    let exporter = Exporter::start(9.0);
    let denied = Recorder::start(401).await;
    let refused = closed_port();
    let sinks = [
        "--alertmanager".to_string(),
        format!("http://am:{PASSWORD}@127.0.0.1:{refused}"),
        "--webhook".into(),
        format!("http://{}/hook?access_token={TOKEN}", denied.addr),
    ];
    let out = vitals(dir.path(), check_args(&exporter, &rules, &sinks)).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(text(&out.stdout).contains("FIRING Deep"));
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("vitals: could not notify"))
        .collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with(&format!(
            "vitals: could not notify alertmanager http://***@127.0.0.1:{refused}/api/v2/alerts: "
        )),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with(&format!(
            "vitals: could not notify webhook http://{}/hook?access_token=***: ",
            denied.addr
        )) && lines[1].ends_with("HTTP 401 Unauthorized"),
        "{stderr}"
    );
    assert!(!denied.got().is_empty());
    no_secret("stderr", &stderr);
    no_secret("vitals.log", &vitals_log(dir.path()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_over_prometheus_notifies_the_real_alertmanager_and_the_webhook() {
    let exporter = Exporter::start(9.0);
    let Some(mut prom) =
        remote_support::scraping(remote_support::Server::Prometheus, "app", exporter.target())
    else {
        return;
    };
    let Some(am) = start_alertmanager() else {
        return;
    };
    let client = reqwest::Client::new();
    assert!(
        wait_until(|| async { listed(&client, &am.url).await.is_some() }).await,
        "alertmanager did not start"
    );
    prom.wait_for(
        "the exporter's samples",
        "queue_depth > 5",
        Duration::from_secs(60),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), "critical");
    let hook = Recorder::start(200).await;
    let args: Vec<String> = vec![
        "check".into(),
        "--prometheus".into(),
        prom.url.clone(),
        "--rules".into(),
        rules.display().to_string(),
        "--alertmanager".into(),
        am.url.clone(),
        "--webhook".into(),
        format!("http://{}/hook", hook.addr),
    ];
    let out = vitals(dir.path(), args).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(text(&out.stdout).contains("FIRING Deep"), "{stderr}");
    assert!(!stderr.contains("could not notify"), "{stderr}");
    assert!(hook.on("/hook").iter().any(fired_deep), "{:?}", hook.got());
    let l = listed(&client, &am.url).await.unwrap_or_default();
    assert!(
        l.iter().any(|a| a["labels"]["alertname"] == "Deep"),
        "the real Alertmanager does not list the alert: {l:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_and_snapshot_report_an_alert_log_they_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), "critical");
    let exporter = Exporter::start(9.0);
    let not_a_dir = dir.path().join("file");
    std::fs::write(&not_a_dir, "").unwrap();
    let beneath = not_a_dir.join("alerts.jsonl");
    let cases = [
        ("/dev/full".to_string(), "No space left on device"),
        // The message is the system's (`File exists` or `Not a directory`).
        (beneath.display().to_string(), ""),
    ];
    for (path, why) in cases {
        if path == "/dev/full" && !std::path::Path::new("/dev/full").exists() {
            continue;
        }
        for cmd in ["check", "snapshot"] {
            let mut args = check_args(&exporter, &rules, &["--alert-log".into(), path.clone()]);
            args[0] = cmd.into();
            let out = vitals(dir.path(), args).await;
            let stderr = text(&out.stderr);
            let want = if cmd == "check" { 1 } else { 0 };
            assert_eq!(out.status.code(), Some(want), "{cmd}: {stderr}");
            let line = format!("vitals: alert log {path}: {why}");
            assert_eq!(
                stderr.lines().filter(|l| l.starts_with(&line)).count(),
                1,
                "{cmd} {path}: {stderr}"
            );
        }
    }
}

/// The dashboard's sinks: the webhook arrives while the Alertmanager's
/// first attempt is still waiting for an answer (the two are not one queue).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_dashboard_a_hung_alertmanager_does_not_hold_back_the_webhook() {
    use tokio::sync::mpsc;
    use vitals::alerts::rulefile;
    use vitals::engine::{Engine, EngineOptions, SinkLink};
    use vitals::sinks::delivery::{run_sinks, SinkOptions};
    let am = Hang::start().await;
    let hook = Recorder::start(200).await;
    let opts = SinkOptions {
        alertmanager: Some(format!("http://{}", am.addr)),
        webhook: Some(format!("http://{}/hook", hook.addr)),
        resend_delay: Duration::from_secs(60),
        ..Default::default()
    };
    let mut e = Engine::new(EngineOptions {
        rules: rulefile::parse("r.yml", RULES).unwrap(),
        ..Default::default()
    });
    let (tx, rx) = mpsc::channel(16);
    let (rtx, _reports) = mpsc::channel(16);
    e.connect_sinks(SinkLink {
        tx,
        resend_delay: opts.resend_delay,
        alertmanager: true,
        webhook: true,
    });
    tokio::spawn(run_sinks(opts, rx, rtx));
    let t = alerts_support::am::target();
    let t0 = 1_795_348_800_000;
    e.set_targets(std::slice::from_ref(&t), t0);
    e.apply(alerts_support::am::scrape(&t, t0, 9.0));
    e.tick(t0);
    // Both sinks were given the alert at the same tick, Alertmanager first.
    let both = scrape_support::wait_for(Duration::from_secs(60), || {
        !hook.on("/hook").is_empty() && am.events().contains(&Event::Request)
    })
    .await;
    assert!(
        both,
        "webhook {:?}, alertmanager {:?}",
        hook.got(),
        am.events()
    );
    let mut events = am.events();
    events.push(Event::Webhook);
    // The webhook came while the Alertmanager's request was still open.
    assert_eq!(events, [Event::Request, Event::Webhook], "{events:?}");
}

/// Runs the dashboard on a firing exporter with `sinks`, waits until the
/// screen shows `shown` and the log holds `logged`, and checks that
/// neither holds a secret.
async fn dashboard_shows(sinks: Vec<String>, shown: &str, logged: &str) {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), "critical");
    let exporter = Exporter::start(9.0);
    let mut args: Vec<String> = vec![
        exporter.target(),
        "--rules".into(),
        rules.display().to_string(),
        "--interval".into(),
        "500ms".into(),
    ];
    args.extend(sinks);
    let tmux = Tmux::run(dir.path(), &args);
    let mut screen = String::new();
    let on_screen = scrape_support::wait_for(Duration::from_secs(90), || {
        screen = tmux.screen();
        screen.contains(shown)
    })
    .await;
    assert!(on_screen, "{shown} not on screen:\n{screen}");
    no_secret("the screen", &screen);
    let in_log = scrape_support::wait_for(Duration::from_secs(30), || {
        vitals_log(dir.path()).contains(logged)
    })
    .await;
    let log = vitals_log(dir.path());
    assert!(in_log, "{logged} not in the log:\n{log}");
    no_secret("vitals.log", &log);
    tmux.send(&["q"]);
}

/// The real binary's status line and log with an Alertmanager URL that
/// holds a password: redacted in both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_an_alertmanager_failure_without_its_password() {
    if which("tmux").is_none() {
        eprintln!("note: tmux not installed; skipping");
        return;
    }
    let port = closed_port();
    let shown = format!("alertmanager http://***@127.0.0.1:{port}/api/v2/alerts: ");
    let sinks = vec![
        "--alertmanager".into(),
        format!("http://am:{PASSWORD}@127.0.0.1:{port}"),
    ];
    dashboard_shows(sinks, &shown, &shown).await;
}

/// A webhook that refuses: its failure is shown and logged, redacted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_and_logs_a_webhook_failure_without_its_secrets() {
    if which("tmux").is_none() {
        eprintln!("note: tmux not installed; skipping");
        return;
    }
    let port = closed_port();
    let shown = format!("webhook http://***@127.0.0.1:{port}/hook?token=***: ");
    let sinks = vec![
        "--webhook".into(),
        format!("http://hook:{PASSWORD}@127.0.0.1:{port}/hook?token={TOKEN}"),
    ];
    let logged = format!("notification not delivered: {shown}");
    dashboard_shows(sinks, &shown, &logged).await;
}

fn which(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}
