//! Hostile targets against the memory bounds: per-target limits
//! (`sample_limit`, label limits, `target_limit`), the series budget
//! (`--max-series`) and the process's RSS under a churning target, through
//! the real binary; a node_exporter fleet at the default limits through the
//! engine; and targets that differ only in path kept apart.

use axum::body::{Body, Bytes};
use axum::routing::get;
use serde_json::Value;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_vitals");

/// The documented bound on vitals' memory at the default limits.
const RSS_BOUND_KIB: u64 = 1024 * 1024;

/// Serves `app` on 127.0.0.1 from a runtime of its own thread, so the test
/// can block on the child process.
fn serve(app: axum::Router) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

/// A child process killed on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `vitals snapshot ARGS` with no configuration or state from the user.
fn snapshot_cmd(args: &[&str], home: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.arg("snapshot")
        .args(["--format", "json"])
        .args(args)
        .env("XDG_STATE_HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("HOME", home)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn snapshot(args: &[&str], home: &Path) -> Value {
    let out = snapshot_cmd(args, home).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 1),
        "{:?}: {stderr}",
        out.status
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"))
}

/// The target row whose URL ends with `suffix`.
fn target<'a>(doc: &'a Value, suffix: &str) -> &'a Value {
    doc["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["url"].as_str().unwrap().ends_with(suffix))
        .unwrap_or_else(|| panic!("target {suffix} in {doc:#}"))
}

fn error(t: &Value) -> &str {
    t["error"].as_str().unwrap_or_default()
}

/// `VmRSS` and `VmHWM` of `pid`, KiB.
fn rss_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// One page of `n` series, each named anew for scrape `generation`:
/// `m<generation>_<i> 1`, generated chunk by chunk as it is sent.
fn churning_page(generation: u64, n: u64) -> Body {
    const CHUNK: u64 = 10_000;
    let chunks = (0..n.div_ceil(CHUNK)).map(move |c| {
        let mut s = String::with_capacity(CHUNK as usize * 16);
        for i in c * CHUNK..((c + 1) * CHUNK).min(n) {
            s.push_str(&format!("m{generation}_{i} 1\n"));
        }
        Ok::<_, Infallible>(Bytes::from(s))
    });
    Body::from_stream(futures_util::stream::iter(chunks))
}

#[test]
fn a_target_churning_a_million_series_per_scrape_stays_under_the_bound() {
    let scrapes = Arc::new(AtomicU64::new(0));
    let counter = scrapes.clone();
    let addr = serve(axum::Router::new().route(
        "/metrics",
        get(move || {
            let generation = counter.fetch_add(1, Ordering::SeqCst);
            async move { churning_page(generation, 1_000_000) }
        }),
    ));
    let home = tempfile::tempdir().unwrap();
    let url = format!("{addr}");
    let mut child = Proc(
        snapshot_cmd(&["--duration", "30s", &url], home.path())
            .spawn()
            .unwrap(),
    );
    let pid = child.0.id();
    let read = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let stdout = read(Box::new(child.0.stdout.take().unwrap()));
    let stderr = read(Box::new(child.0.stderr.take().unwrap()));
    let mut peak = 0;
    let started = Instant::now();
    while child.0.try_wait().unwrap().is_none() {
        if let Some((rss, hwm)) = rss_kib(pid) {
            peak = peak.max(rss).max(hwm);
        }
        assert!(
            peak < RSS_BOUND_KIB,
            "RSS {peak} KiB after {:?}: over the 1 GiB bound",
            started.elapsed()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    let doc: Value = serde_json::from_slice(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&stderr)));
    assert!(
        scrapes.load(Ordering::SeqCst) >= 2,
        "the target was scraped again and again"
    );
    let t = target(&doc, "/metrics");
    assert_eq!(t["up"], false, "{t}");
    assert!(error(t).starts_with("sample limit exceeded"), "{t}");
    assert!(peak > 0, "RSS was sampled");
    eprintln!("peak RSS under a 1M-series churning target: {peak} KiB");
}

/// A page of `n` samples `name{l0="v",...}` with `labels` labels each.
fn page(n: usize, labels: &[(&str, &str)]) -> String {
    let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    (0..n)
        .map(|i| format!("s{i}{{{}}} 1\n", labels.join(",")))
        .collect()
}

fn limits_app() -> axum::Router {
    let long_name = "n".repeat(40);
    let long_value = "v".repeat(100);
    let routes: Vec<(&str, String)> = vec![
        ("/many", page(20, &[])),
        (
            "/wide",
            page(1, &[("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")]),
        ),
        ("/longname", page(1, &[(long_name.as_str(), "1")])),
        ("/longvalue", page(1, &[("a", long_value.as_str())])),
        ("/fine", page(5, &[("a", "1")])),
        ("/fifty", page(50, &[])),
        ("/metrics", page(2, &[])),
        ("/other", page(3, &[])),
    ];
    let mut app = axum::Router::new();
    for (path, body) in routes {
        app = app.route(path, get(move || async move { body }));
    }
    app
}

#[test]
fn each_limit_refuses_a_target_with_its_reason() {
    let addr = serve(limits_app());
    let home = tempfile::tempdir().unwrap();
    let sd = home.path().join("sd.json");
    std::fs::write(
        &sd,
        format!(r#"[{{"targets": ["{addr}", "127.0.0.1:1", "127.0.0.1:2"], "labels": {{"__metrics_path__": "/other"}}}}]"#),
    )
    .unwrap();
    let config = home.path().join("vitals.toml");
    std::fs::write(
        &config,
        format!(
            r#"
label_limit = 4
file_sd = [{{ path = "sd.json", target_limit = 2 }}]

[[target]]
url = "http://{addr}/many"
sample_limit = 10

[[target]]
url = "http://{addr}/wide"

[[target]]
url = "http://{addr}/longname"
label_name_length_limit = 20

[[target]]
url = "http://{addr}/longvalue"
label_value_length_limit = 50

[[target]]
url = "http://{addr}/fine"
sample_limit = 5
"#
        ),
    )
    .unwrap();
    let doc = snapshot(
        &[
            "--config",
            config.to_str().unwrap(),
            "--duration",
            "2s",
            "--interval",
            "500ms",
        ],
        home.path(),
    );
    let many = target(&doc, "/many");
    assert_eq!(many["up"], false);
    assert!(error(many).starts_with("sample limit exceeded"), "{many}");
    assert!(error(many).contains("10"), "{many}");
    // label_limit counts __name__ and the target's job and instance.
    let wide = target(&doc, "/wide");
    assert_eq!(wide["up"], false);
    assert!(error(wide).starts_with("label limit exceeded"), "{wide}");
    let name = target(&doc, "/longname");
    assert!(
        error(name).starts_with("label name length limit exceeded"),
        "{name}"
    );
    let value = target(&doc, "/longvalue");
    assert!(
        error(value).starts_with("label value length limit exceeded"),
        "{value}"
    );
    let fine = target(&doc, "/fine");
    assert_eq!(fine["up"], true, "{fine}");
    assert_eq!(fine["error"], Value::Null);
    let refused = target(&doc, "sd.json");
    assert_eq!(refused["up"], false);
    assert!(
        error(refused).starts_with("target_limit exceeded"),
        "{refused}"
    );
    assert!(
        error(refused).contains("lists 3 targets, limit 2"),
        "{refused}"
    );
    // The budget: existing series keep updating, new ones are refused.
    let doc = snapshot(
        &[
            "--max-series",
            "30",
            "--duration",
            "2s",
            "--interval",
            "500ms",
            &format!("{addr}/fifty"),
        ],
        home.path(),
    );
    let fifty = target(&doc, "/fifty");
    assert_eq!(fifty["up"], true, "{fifty}");
    assert!(error(fifty).starts_with("series limit reached"), "{fifty}");
    assert!(error(fifty).contains("max_series 30"), "{fifty}");
}

#[test]
fn targets_differing_only_in_path_get_two_up_series() {
    let addr = serve(limits_app());
    let home = tempfile::tempdir().unwrap();
    let doc = snapshot(
        &[
            "--duration",
            "1s",
            "--interval",
            "500ms",
            "--expr",
            "up",
            &format!("{addr}/metrics"),
            &format!("{addr}/other"),
        ],
        home.path(),
    );
    let panel = doc["panels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "expr1")
        .unwrap();
    let mut instances: Vec<&str> = panel["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["labels"]["instance"].as_str().unwrap())
        .collect();
    instances.sort();
    let plain = addr.to_string();
    let other = format!("{addr}/other");
    assert_eq!(instances, [plain.as_str(), other.as_str()], "{panel:#}");
}

#[test]
fn a_node_exporter_fleet_fits_the_default_limits() {
    use vitals::engine::{Engine, EngineOptions};
    use vitals::scrape::Target;
    let fixture = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/exposition/real/node_exporter-1.5.0-many-collectors.txt"
    ))
    .unwrap();
    // 500 series of a real node_exporter page per target (they expose
    // 500 to 2,300): 100 targets, 50,000 series.
    let mut body = String::new();
    let mut samples = 0;
    for line in fixture.lines() {
        if !line.starts_with('#') && !line.is_empty() {
            if samples == 500 {
                break;
            }
            samples += 1;
        }
        body.push_str(line);
        body.push('\n');
    }
    let mut e = Engine::new(EngineOptions::default());
    let targets: Vec<Arc<Target>> = (0..100)
        .map(|i| {
            Arc::new(
                vitals::scrape::parse_target(&format!("10.0.{}.{}:9100", i / 250, i % 250))
                    .unwrap(),
            )
        })
        .collect();
    let t0 = 1_800_000_000_000;
    for round in 0..2 {
        for t in &targets {
            let summary = e.apply_body(
                t,
                t0 + round * 2000,
                Duration::from_millis(5),
                body.as_bytes(),
                None,
            );
            assert_eq!(summary.samples, 500);
        }
    }
    let frame = e.tick(t0 + 2000);
    assert_eq!(frame.targets.len(), 100);
    for t in &frame.targets {
        assert!(t.up, "{t:?}");
        assert_eq!(t.error, None, "{t:?}");
    }
    // 500 series and up, scrape_duration_seconds, scrape_samples_scraped each.
    assert_eq!(e.store().series_count(), 100 * 503);
}
