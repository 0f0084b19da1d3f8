//! Differential test against the real Prometheus (Debian's `prometheus`
//! package, 2.42): random series are written as OpenMetrics, loaded with
//! `promtool tsdb create-blocks-from openmetrics`, served by Prometheus on
//! loopback, and its `/api/v1/query` and `/api/v1/query_range` answers are
//! compared with ours for a corpus of expressions. Skipped (with a note)
//! when `prometheus` or `promtool` is not installed.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use vitals::promql::{eval_instant, eval_range, parse, Value};
use vitals::store::Store;
use vitals::vocab::labels::Labels;

const STEP_S: i64 = 15;
const POINTS: i64 = 160; // 40 minutes
const BASE_S: i64 = 1_000_000;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// name, labels, samples (time s, value)
type SeriesData = (String, Vec<(String, String)>, Vec<(i64, f64)>);
type Data = Vec<SeriesData>;

fn generate() -> Data {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out: Data = Vec::new();
    for inst in 0..4 {
        let inst = format!("host{inst}:9100");
        for code in ["200", "500"] {
            // counter with resets and gaps
            let mut v = r.below(50) as f64;
            let mut pts = Vec::new();
            for i in 0..POINTS {
                if r.below(20) == 0 {
                    continue; // gap
                }
                if r.below(40) == 0 {
                    v = r.below(5) as f64; // reset
                }
                v += r.below(30) as f64 + (r.below(100) as f64) / 7.0;
                pts.push((BASE_S + i * STEP_S, v));
            }
            let labels = vec![
                ("code".into(), code.into()),
                ("instance".into(), inst.clone()),
            ];
            out.push(("http_requests_total".into(), labels, pts));
        }
        // gauge
        let mut pts = Vec::new();
        for i in 0..POINTS {
            if r.below(10) != 0 {
                pts.push((BASE_S + i * STEP_S, (r.below(2000) as f64 - 1000.0) / 8.0));
            }
        }
        out.push((
            "temperature".into(),
            vec![("instance".into(), inst.clone())],
            pts,
        ));
        // histogram
        let mut counts = [0.0f64; 5];
        let mut series: Vec<Vec<(i64, f64)>> = vec![Vec::new(); 5];
        for i in 0..POINTS {
            let obs = r.below(20);
            for _ in 0..obs {
                let b = r.below(5) as usize;
                for c in counts.iter_mut().skip(b) {
                    *c += 1.0;
                }
            }
            for (b, s) in series.iter_mut().enumerate() {
                s.push((BASE_S + i * STEP_S, counts[b]));
            }
        }
        for (b, le) in ["0.1", "0.25", "1", "5", "+Inf"].iter().enumerate() {
            let labels = vec![
                ("instance".into(), inst.clone()),
                ("le".into(), le.to_string()),
            ];
            out.push(("latency_seconds_bucket".into(), labels, series[b].clone()));
        }
    }
    out
}

fn openmetrics(data: &Data) -> String {
    let mut by_name: BTreeMap<&str, Vec<&SeriesData>> = BTreeMap::new();
    for d in data {
        by_name.entry(&d.0).or_default().push(d);
    }
    let mut s = String::new();
    for (name, series) in by_name {
        s.push_str(&format!("# TYPE {name} unknown\n"));
        for (_, labels, pts) in series {
            let l: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
            for (t, v) in pts {
                s.push_str(&format!("{name}{{{}}} {v} {t}\n", l.join(",")));
            }
        }
    }
    s.push_str("# EOF\n");
    s
}

fn http_get(port: u16, path: &str) -> Option<String> {
    let mut c = TcpStream::connect(("127.0.0.1", port)).ok()?;
    c.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    write!(c, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut body = String::new();
    c.read_to_string(&mut body).ok()?;
    let (head, rest) = body.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.0 200").then(|| rest.to_string())
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()) + 1e-12
}

fn labels_of(m: &serde_json::Value) -> Labels {
    let obj = m.as_object().cloned().unwrap_or_default();
    Labels::from_pairs(
        obj.iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string())),
    )
}

fn parse_num(v: &serde_json::Value) -> f64 {
    v.as_str()
        .and_then(|s| s.replace("Inf", "inf").parse().ok())
        .unwrap_or(f64::NAN)
}

fn corpus() -> Vec<String> {
    let mut e: Vec<String> = vec![
        "histogram_quantile(0.5, sum by (le) (rate(latency_seconds_bucket[1m])))".into(),
        "histogram_quantile(0.95, sum by (le) (rate(latency_seconds_bucket[1m])))".into(),
        "histogram_quantile(0.99, sum by (le, instance) (rate(latency_seconds_bucket[2m])))".into(),
        "sum(rate(http_requests_total[1m]))".into(),
        "(sum(rate(http_requests_total{code=~\"5..\"}[1m])) or vector(0)) / sum(rate(http_requests_total[1m]))".into(),
        "count(temperature > 0)".into(),
        "temperature / on (instance) group_left sum by (instance) (rate(http_requests_total[5m]))".into(),
    ];
    for f in [
        "rate", "increase", "delta", "irate", "idelta", "deriv", "changes", "resets",
    ] {
        for r in ["1m", "5m", "150s"] {
            e.push(format!("{f}(http_requests_total[{r}])"));
            e.push(format!("{f}(temperature[{r}])"));
        }
    }
    for f in [
        "avg", "sum", "min", "max", "count", "stddev", "stdvar", "last",
    ] {
        e.push(format!("{f}_over_time(temperature[5m])"));
        e.push(format!(
            "{f}_over_time(rate(http_requests_total[1m])[5m:30s])"
        ));
    }
    for a in ["sum", "avg", "min", "max", "count", "stddev", "group"] {
        e.push(format!("{a} by (code) (rate(http_requests_total[2m]))"));
        e.push(format!("{a} without (instance) (temperature)"));
    }
    e.push("topk(2, temperature)".into());
    e.push("quantile(0.3, temperature)".into());
    e.push("predict_linear(temperature[10m], 300)".into());
    e.push("holt_winters(temperature[10m], 0.3, 0.6)".into());
    e.push("quantile_over_time(0.7, temperature[10m])".into());
    e.push("abs(temperature) + clamp(temperature, -10, 10) * 2".into());
    e.push("temperature offset 3m > bool 0".into());
    e.push("max_over_time(temperature[5m] offset 2m)".into());
    e
}

#[test]
fn agrees_with_prometheus() {
    let have = |b: &str| {
        Command::new(b)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    };
    if !have("prometheus") || !have("promtool") {
        println!("prometheus/promtool not installed: differential test skipped");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let data = generate();
    let om = dir.path().join("data.om");
    std::fs::write(&om, openmetrics(&data)).expect("write");
    let db = dir.path().join("db");
    let ok = Command::new("promtool")
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&om)
        .arg(&db)
        .stdout(Stdio::null())
        .status()
        .expect("promtool runs");
    assert!(ok.success(), "promtool failed");
    let cfg = dir.path().join("p.yml");
    std::fs::write(&cfg, "global: {}\n").expect("write");
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let _server = Server(
        Command::new("prometheus")
            .arg(format!("--config.file={}", cfg.display()))
            .arg(format!("--storage.tsdb.path={}", db.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--storage.tsdb.retention.time=100y")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus starts"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while http_get(port, "/-/ready").is_none() {
        assert!(Instant::now() < deadline, "prometheus not ready in 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut store = Store::new(i64::MAX);
    for (name, labels, pts) in &data {
        let mut l = Labels::from_pairs(labels.iter().map(|(a, b)| (a.as_str(), b.as_str())));
        l.set("__name__", name);
        for (t, v) in pts {
            store.append(&l, t * 1000, *v);
        }
    }
    check(port, &store, Path::new(""));
}

fn check(port: u16, store: &Store, _p: &Path) {
    let (mut exprs, mut points, mut failures) = (0, 0, Vec::new());
    let times: Vec<i64> = vec![
        BASE_S + 600,
        BASE_S + 1234,
        BASE_S + POINTS * STEP_S - 1,
        BASE_S + 2000,
    ];
    for q in corpus() {
        exprs += 1;
        let expr = parse(&q).unwrap_or_else(|e| panic!("{e}"));
        for &t in &times {
            let body = http_get(port, &format!("/api/v1/query?query={}&time={t}", enc(&q)))
                .unwrap_or_else(|| panic!("prometheus refused {q}"));
            let j: serde_json::Value = serde_json::from_str(&body).expect("json");
            let mut theirs: BTreeMap<Labels, f64> = BTreeMap::new();
            match j["data"]["resultType"].as_str() {
                Some("vector") => {
                    for s in j["data"]["result"].as_array().cloned().unwrap_or_default() {
                        theirs.insert(labels_of(&s["metric"]), parse_num(&s["value"][1]));
                    }
                }
                Some("scalar") => {
                    theirs.insert(Labels::new(), parse_num(&j["data"]["result"][1]));
                }
                other => panic!("unexpected result type {other:?}"),
            }
            let ours: BTreeMap<Labels, f64> = match eval_instant(store, &expr, t * 1000) {
                Ok(Value::Vector(v)) => v.into_iter().map(|s| (s.labels, s.value)).collect(),
                Ok(Value::Scalar(v)) => [(Labels::new(), v)].into_iter().collect(),
                other => panic!("{q}: {other:?}"),
            };
            points += theirs.len();
            compare(&mut failures, &format!("{q} @ {t}"), &theirs, &ours);
        }
        // range query over the whole data at a 1-minute step
        let (s, e, st) = (BASE_S + 300, BASE_S + POINTS * STEP_S, 60);
        let body = http_get(
            port,
            &format!(
                "/api/v1/query_range?query={}&start={s}&end={e}&step={st}",
                enc(&q)
            ),
        )
        .unwrap_or_else(|| panic!("prometheus refused range {q}"));
        let j: serde_json::Value = serde_json::from_str(&body).expect("json");
        let mut theirs: BTreeMap<(Labels, i64), f64> = BTreeMap::new();
        for s in j["data"]["result"].as_array().cloned().unwrap_or_default() {
            let l = labels_of(&s["metric"]);
            for p in s["values"].as_array().cloned().unwrap_or_default() {
                let t = (p[0].as_f64().unwrap_or(0.0) * 1000.0).round() as i64;
                theirs.insert((l.clone(), t), parse_num(&p[1]));
            }
        }
        let ours: BTreeMap<(Labels, i64), f64> =
            eval_range(store, &expr, s * 1000, e * 1000, st * 1000)
                .unwrap_or_else(|err| panic!("{q}: {err}"))
                .into_iter()
                .flat_map(|rs| {
                    let l = rs.labels;
                    rs.points.into_iter().map(move |(t, v)| ((l.clone(), t), v))
                })
                .collect();
        points += theirs.len();
        compare(&mut failures, &format!("range {q}"), &theirs, &ours);
    }
    println!("compared {exprs} expressions, {points} points with Prometheus");
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn compare<K: Ord + std::fmt::Debug>(
    failures: &mut Vec<String>,
    what: &str,
    theirs: &BTreeMap<K, f64>,
    ours: &BTreeMap<K, f64>,
) {
    for (k, v) in theirs {
        match ours.get(k) {
            Some(o) if close(*v, *o) => {}
            Some(o) => failures.push(format!("{what}: {k:?}: prometheus {v}, vitals {o}")),
            None => failures.push(format!("{what}: {k:?}: prometheus {v}, vitals none")),
        }
    }
    for k in ours.keys() {
        if !theirs.contains_key(k) {
            failures.push(format!("{what}: {k:?}: vitals only"));
        }
    }
}
