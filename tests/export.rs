//! `vitals export` as a user runs it. A recording is made with the
//! recorder from the real demo fleet's pages, fetched over loopback (and
//! one target that refuses connections); `vitals export` writes it as
//! OpenMetrics, the real `promtool tsdb create-blocks-from openmetrics`
//! turns that into blocks and the real Prometheus serves them. At recorded
//! instants, Prometheus's answers equal those of vitals's own engine fed
//! the same recording: every raw series exactly, and the default panels'
//! expressions, `rate` and `histogram_quantile` within rounding. Also: the
//! JSON format holds the same samples, `--start`/`--end` keep what is
//! between, and a file that is not a recording is one error line, exit 2.
//! Without `promtool` or `prometheus` the Prometheus part is skipped with
//! a note (in CI it fails).

mod common;

use common::{free_port, require_program, wait_for};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use vitals::engine::{Engine, EngineOptions};
use vitals::promql::{eval_instant, parse, Value};
use vitals::record::{ConfigRecord, Entry, Event, Recorder, Recording, DEFAULT_MAX_BYTES};
use vitals::scrape::{Body, Page, ScrapeError, ScrapeResult, Target};
use vitals::vocab::labels::Labels;

const BIN: &str = env!("CARGO_BIN_EXE_vitals");
/// Scrape rounds recorded, one a second of recorded time.
const ROUNDS: usize = 40;
/// Each target's scrape is this much after the previous one's in a round
/// (so that times have milliseconds).
const STAGGER_MS: i64 = 13;

/// A child process killed on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A plain HTTP/1.0 GET over loopback: (status code, content type, body).
fn http_get(addr: &str, path: &str) -> std::io::Result<(u16, Option<String>, Vec<u8>)> {
    let mut c = TcpStream::connect(addr)?;
    c.set_read_timeout(Some(Duration::from_secs(20)))?;
    write!(c, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
    let mut raw = Vec::new();
    c.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let ctype = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("content-type")
            .then(|| v.trim().to_string())
    });
    Ok((status, ctype, raw[split + 4..].to_vec()))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The recording the tests share.
struct Fixture {
    path: PathBuf,
    /// Each round's first scrape time.
    rounds: Vec<i64>,
    /// The targets, the refusing one last.
    targets: Vec<Arc<Target>>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(record_the_demo)
}

/// Starts `vitals demo --no-ui` and returns it with its targets' URLs.
fn demo_fleet(state: &Path) -> (Proc, Vec<String>) {
    let mut child = Command::new(BIN)
        .args(["demo", "--no-ui", "--instances", "3", "--scenario", "calm"])
        .args(["--speed", "10"])
        .env("XDG_STATE_HOME", state)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let proc = Proc(child);
    let mut urls = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(url) = line.strip_prefix("target: ") {
            urls.push(url.to_string());
        } else if line.starts_with("phase: ") {
            break;
        }
    }
    assert!(urls.len() >= 3, "{urls:?}");
    (proc, urls)
}

fn target(url: &str) -> Arc<Target> {
    let instance = url
        .trim_start_matches("http://")
        .trim_end_matches("/metrics")
        .to_string();
    Arc::new(Target {
        url: url.to_string(),
        job: "demo".into(),
        instance,
        ..Default::default()
    })
}

fn record_the_demo() -> Fixture {
    let state = tempfile::tempdir().unwrap();
    let (fleet, urls) = demo_fleet(state.path());
    let mut targets: Vec<Arc<Target>> = urls.iter().map(|u| target(u)).collect();
    targets.push(target(&format!("http://127.0.0.1:{}/metrics", free_port())));
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("export-recording-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&path);
    let mut rec = Recorder::open(&path, DEFAULT_MAX_BYTES).unwrap();
    rec.write(Entry::Config(ConfigRecord {
        source: "scrape".into(),
        interval_ms: 1000,
        ..Default::default()
    }))
    .unwrap();
    let t0 = now_ms() / 1000 * 1000;
    rec.write(Entry::Targets {
        time_ms: t0,
        targets: targets.iter().map(|t| Target::clone(t)).collect(),
    })
    .unwrap();
    let mut rounds = Vec::new();
    for i in 0..ROUNDS {
        let round = t0 + i as i64 * 1000;
        rounds.push(round);
        for (k, t) in targets.iter().enumerate() {
            let started = Instant::now();
            let outcome = match http_get(&t.instance, "/metrics") {
                Ok((200, content_type, bytes)) => Ok(Page {
                    body: Some(Body {
                        bytes,
                        content_type,
                    }),
                    ..Page::default()
                }),
                Ok((status, _, _)) => Err(ScrapeError::Status(status.to_string())),
                Err(e) => Err(ScrapeError::Connect(e.to_string())),
            };
            let r = ScrapeResult {
                target: t.clone(),
                time_ms: round + k as i64 * STAGGER_MS,
                duration: started.elapsed(),
                outcome,
            };
            rec.write(Entry::Scrape(r)).unwrap();
        }
        rec.write(Entry::Tick(round + 500)).unwrap();
        // A second of the demo's time at --speed 10.
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(rec);
    drop(fleet);
    Fixture {
        path,
        rounds,
        targets,
    }
}

fn export(args: &[&str]) -> Output {
    Command::new(BIN).arg("export").args(args).output().unwrap()
}

/// `vitals export` with `args` on the fixture: its standard output.
fn exported(args: &[&str]) -> String {
    let f = fixture();
    let mut all = vec![f.path.to_str().unwrap()];
    all.extend(args);
    let out = export(&all);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
    String::from_utf8(out.stdout).unwrap()
}

/// Series text -> samples (ms, value bits), from OpenMetrics lines.
type Samples = BTreeMap<String, Vec<(i64, u64)>>;

fn om_samples(om: &str) -> Samples {
    let mut out = Samples::new();
    for l in om.lines().filter(|l| !l.starts_with('#')) {
        let (rest, ts) = l.rsplit_once(' ').unwrap();
        let (series, v) = rest.rsplit_once(' ').unwrap();
        let t = (ts.parse::<f64>().unwrap() * 1000.0).round() as i64;
        out.entry(series.to_string())
            .or_default()
            .push((t, number(v).to_bits()));
    }
    out
}

fn number(s: &str) -> f64 {
    match s {
        "NaN" => f64::NAN,
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        s => s.parse().unwrap_or_else(|_| panic!("not a number: {s}")),
    }
}

/// The engine fed every scrape of the recording, as a replay does.
fn engine_over(path: &Path) -> Engine {
    let mut engine = Engine::new(EngineOptions {
        interval: Duration::from_secs(1),
        retention: Duration::from_secs(3600),
        ..EngineOptions::default()
    });
    let rec = Recording::open(path).unwrap();
    let mut events = rec.events();
    for e in events.by_ref() {
        if let Event::Scrape(r) = e {
            engine.apply(r);
        }
    }
    assert!(events.error.is_none(), "{:?}", events.error);
    engine
}

/// Prometheus on the blocks of `om`, ready.
fn prometheus_over(om: &str, dir: &Path, promtool: &Path, prometheus: &Path) -> (Proc, String) {
    let file = dir.join("out.om");
    std::fs::write(&file, om).unwrap();
    let blocks = dir.join("blocks");
    let out = Command::new(promtool)
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&file)
        .arg(&blocks)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "promtool refused the export: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let config = dir.join("prometheus.yml");
    std::fs::write(&config, "global: {}\n").unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    let server = Proc(
        Command::new(prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", blocks.display()))
            .arg(format!("--web.listen-address={addr}"))
            .arg("--storage.tsdb.retention.time=100y")
            .arg("--log.level=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for("Prometheus ready", Duration::from_secs(60), || {
        matches!(http_get(&addr, "/-/ready"), Ok((200, _, _))).then_some(())
    });
    (server, addr)
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Prometheus's answer to `q` at `t_ms`: labels -> value.
fn prometheus_query(addr: &str, q: &str, t_ms: i64) -> BTreeMap<Labels, f64> {
    let path = format!(
        "/api/v1/query?query={}&time={}.{:03}",
        url_encode(q),
        t_ms / 1000,
        t_ms % 1000
    );
    let (status, _, body) = http_get(addr, &path).unwrap();
    let j: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, 200, "{q}: {j}");
    let result = j["data"]["result"].as_array().cloned().unwrap_or_default();
    match j["data"]["resultType"].as_str() {
        Some("vector") => result
            .iter()
            .map(|s| {
                let m = s["metric"].as_object().unwrap();
                let labels = Labels::from_pairs(
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())),
                );
                (labels, number(s["value"][1].as_str().unwrap()))
            })
            .collect(),
        Some("scalar") => [(
            Labels::new(),
            number(j["data"]["result"][1].as_str().unwrap()),
        )]
        .into_iter()
        .collect(),
        other => panic!("{q}: result type {other:?}"),
    }
}

fn vitals_query(engine: &Engine, q: &str, t_ms: i64) -> BTreeMap<Labels, f64> {
    let expr = parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    match eval_instant(engine.store(), &expr, t_ms) {
        Ok(Value::Vector(v)) => v.into_iter().map(|s| (s.labels, s.value)).collect(),
        Ok(Value::Scalar(v)) => [(Labels::new(), v)].into_iter().collect(),
        other => panic!("{q}: {other:?}"),
    }
}

fn same(a: f64, b: f64, exact: bool) -> bool {
    if exact {
        return a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
    }
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

#[test]
fn prometheus_on_the_exported_blocks_answers_as_vitals_does() {
    let f = fixture();
    let (Some(promtool), Some(prometheus)) =
        (require_program("promtool"), require_program("prometheus"))
    else {
        return;
    };
    let om = exported(&[]);
    assert!(
        om.ends_with("\n# EOF\n"),
        "{}",
        &om[om.len().saturating_sub(200)..]
    );
    let dir = tempfile::tempdir().unwrap();
    let (_server, addr) = prometheus_over(&om, dir.path(), &promtool, &prometheus);
    let engine = engine_over(&f.path);
    let last = (f.targets.len() as i64 - 1) * STAGGER_MS;
    // At a scrape, between scrapes, after a round.
    let instants = [
        f.rounds[10] + STAGGER_MS,
        f.rounds[20] + 500,
        f.rounds[ROUNDS - 1] + last,
    ];
    let mut queries: Vec<(String, bool)> = vec![
        ("{job=\"demo\"}".into(), true),
        ("up".into(), true),
        ("http_requests_total".into(), true),
        ("rate(http_requests_total[1m])".into(), false),
        ("sum by (instance) (rate(http_requests_total[15s]))".into(), false),
        (
            "histogram_quantile(0.9, sum by (le, instance) (rate(http_request_duration_seconds_bucket[1m])))"
                .into(),
            false,
        ),
    ];
    let detected = vitals::detect::detect(engine.catalog(), Duration::from_secs(1));
    let panels: Vec<String> = detected
        .panels
        .iter()
        .flat_map(|p| p.exprs.iter().map(|e| e.expr.clone()))
        .collect();
    assert!(panels.len() >= 5, "{panels:?}");
    queries.extend(panels.into_iter().map(|q| (q, false)));
    let (mut compared, mut failures) = (0, Vec::new());
    for (q, exact) in &queries {
        for &t in &instants {
            let theirs = prometheus_query(&addr, q, t);
            let ours = vitals_query(&engine, q, t);
            compared += theirs.len();
            if theirs.len() != ours.len()
                || theirs
                    .iter()
                    .zip(&ours)
                    .any(|((l1, v1), (l2, v2))| l1 != l2 || !same(*v1, *v2, *exact))
            {
                failures.push(format!(
                    "{q} at {t}:\n prometheus {theirs:?}\n vitals {ours:?}"
                ));
            }
        }
    }
    println!(
        "compared {compared} values of {} expressions at {} instants with Prometheus",
        queries.len(),
        instants.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every recorded series, the refusing target's `up` 0 among them.
    let raw = prometheus_query(&addr, "{job=\"demo\"}", instants[2]);
    let dead = &f.targets.last().unwrap().instance;
    let up = Labels::from_pairs([("__name__", "up"), ("instance", dead), ("job", "demo")]);
    assert_eq!(raw.get(&up), Some(&0.0));
    assert!(compared > 200, "{compared}");
}

/// One line of the JSON export, its values kept as written (serde_json's
/// own float parsing may be a unit in the last place off).
#[derive(serde::Deserialize)]
struct JsonSeries {
    labels: BTreeMap<String, String>,
    #[serde(rename = "type")]
    kind: String,
    samples: Vec<(i64, Box<serde_json::value::RawValue>)>,
}

/// JSON lines as series text (as OpenMetrics writes it) -> samples.
fn json_samples(json: &str) -> Samples {
    let mut out = Samples::new();
    for line in json.lines() {
        let j: JsonSeries = serde_json::from_str(line).unwrap();
        let mut text = j.labels["__name__"].clone();
        let pairs: Vec<String> = j
            .labels
            .iter()
            .filter(|(k, _)| *k != "__name__")
            .map(|(k, v)| {
                let v = v
                    .replace('\\', "\\\\")
                    .replace('"', "\\\"")
                    .replace('\n', "\\n");
                format!("{k}=\"{v}\"")
            })
            .collect();
        if !pairs.is_empty() {
            text = format!("{text}{{{}}}", pairs.join(","));
        }
        assert!(!j.kind.is_empty(), "{line}");
        let samples = out.entry(text).or_default();
        for (t, v) in j.samples {
            samples.push((t, number(v.get().trim_matches('"')).to_bits()));
        }
    }
    out
}

#[test]
fn json_holds_the_same_samples() {
    let om = om_samples(&exported(&[]));
    let json = json_samples(&exported(&["--format", "json"]));
    assert_eq!(
        om.keys().collect::<Vec<_>>(),
        json.keys().collect::<Vec<_>>()
    );
    for (series, samples) in &om {
        assert_eq!(samples, &json[series], "{series}");
    }
    let f = fixture();
    let total: usize = om.values().map(Vec::len).sum();
    assert!(total > ROUNDS * f.targets.len() * 3, "{total}");
}

#[test]
fn start_and_end_keep_what_is_between() {
    let f = fixture();
    let start = chrono::DateTime::from_timestamp_millis(f.rounds[10])
        .unwrap()
        .to_rfc3339();
    // The recording ends at the last round's tick, 500 ms after it.
    let om = exported(&["--start", &start, "--end", "-15s"]);
    let end = f.rounds[ROUNDS - 1] + 500 - 15_000;
    let samples = om_samples(&om);
    let times: Vec<i64> = samples.values().flatten().map(|(t, _)| *t).collect();
    assert!(times.iter().all(|t| (f.rounds[10]..=end).contains(t)));
    let up: Vec<&Vec<(i64, u64)>> = samples
        .iter()
        .filter(|(k, _)| k.starts_with("up{"))
        .map(|(_, v)| v)
        .collect();
    assert_eq!(up.len(), f.targets.len());
    let kept = (10..ROUNDS).filter(|i| f.rounds[*i] <= end).count();
    assert_eq!(kept, 15);
    assert!(up.iter().all(|s| s.len() == kept), "{up:?}");
    assert!(om.ends_with("# EOF\n"));
}

#[test]
fn what_is_not_a_recording_is_one_error_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let not = dir.path().join("metrics.txt");
    std::fs::write(&not, "# TYPE x gauge\nx 1\n").unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let rec = fixture().path.to_str().unwrap();
    let cases: [(Vec<&str>, &str); 5] = [
        (vec![not.to_str().unwrap()], "not a vitals recording"),
        (vec![empty.to_str().unwrap()], "no recording segments"),
        (vec!["/nonexistent/recording"], "No such file"),
        (
            vec![rec, "--start", "half past"],
            "--start half past: not a time",
        ),
        (
            vec![rec, "--start", "-1s", "--end", "-10s"],
            "--start is after --end",
        ),
    ];
    for (args, want) in cases {
        let out = export(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("vitals: ") && err.contains(want),
            "{args:?}: {err}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
