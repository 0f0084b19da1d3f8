//! The Prometheus client against the real servers it claims: Debian's
//! Prometheus (`/usr/bin/prometheus`) and VictoriaMetrics
//! (`/usr/bin/victoria-metrics`), started on loopback and scraping an
//! exporter served by the test. Where VictoriaMetrics answers differently
//! by design (no metadata, no version, scalars as vectors), the test says
//! what it answers.

use crate::remote_support;
use crate::scrape_support;

use remote_support::{scraping, Server};
use scrape_support::{serve, Reply};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use vitals::promapi::{range_params, Health, PromClient, PromOptions, SourceError, Value};
use vitals::scrape::expo::MetricType;
use vitals::vocab::labels::Labels;

const PAGE: &str = "\
# HELP demo_requests_total Requests served.
# TYPE demo_requests_total counter
demo_requests_total{code=\"200\",path=\"/a\"} 1027
demo_requests_total{code=\"500\",path=\"/a \\\"quoted\\\"\"} 3
# HELP demo_temperature A gauge with awkward values.
# TYPE demo_temperature gauge
demo_temperature{sensor=\"ok\"} -1.5e-3
demo_temperature{sensor=\"nan\"} NaN
demo_temperature{sensor=\"hot\"} +Inf
demo_temperature{sensor=\"cold\"} -Inf
# HELP demo_latency_seconds Latency.
# TYPE demo_latency_seconds histogram
demo_latency_seconds_bucket{le=\"0.1\"} 5
demo_latency_seconds_bucket{le=\"+Inf\"} 7
demo_latency_seconds_sum 0.9
demo_latency_seconds_count 7
";

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The server's own answer for `expr` at `t_ms`, read without the client.
async fn raw_vector(base: &str, expr: &str, t_ms: i64) -> BTreeMap<Vec<(String, String)>, String> {
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
    assert_eq!(v["data"]["resultType"], "vector", "{body}");
    v["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let mut labels: Vec<(String, String)> = s["metric"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            labels.sort();
            (labels, s["value"][1].as_str().unwrap().to_string())
        })
        .collect()
}

fn pairs(l: &Labels) -> Vec<(String, String)> {
    l.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_real_prometheus() {
    against(Server::Prometheus).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_victoria_metrics() {
    against(Server::VictoriaMetrics).await;
}

async fn against(kind: Server) {
    let exporter = serve(|_| Reply::ok(PAGE)).await;
    let Some(mut server) = scraping(kind, "demo", exporter.addr) else {
        return;
    };
    let opts = PromOptions {
        timeout: Duration::from_secs(5),
        ..PromOptions::default()
    };
    let c = PromClient::new(&server.url, opts).unwrap();
    // Five samples of the counter, as the server answers a settled instant
    // (Prometheus refuses `offset 0ms`).
    let offset = match server.kind.settle().as_millis() {
        0 => String::new(),
        ms => format!(" offset {ms}ms"),
    };
    let five = format!("count_over_time(demo_requests_total{{code=\"200\"}}[1m]{offset}) >= 5");
    server
        .wait_for("five samples", &five, Duration::from_secs(60))
        .await;

    // version for the status line; VictoriaMetrics answers `"data":{}`
    let version = c.buildinfo().await;
    match kind.version_prefix() {
        Some(want) => assert!(version.unwrap().starts_with(want)),
        None => assert!(version.is_err(), "{version:?}"),
    }

    // metric names, metadata and labels for detection
    let names = c.metric_names().await.unwrap();
    for n in [
        "up",
        "demo_requests_total",
        "demo_temperature",
        "demo_latency_seconds_bucket",
    ] {
        assert!(names.iter().any(|m| m == n), "{n} missing from {names:?}");
    }
    let meta = c.metadata().await.unwrap();
    match kind {
        Server::Prometheus => {
            assert_eq!(meta.get("demo_requests_total"), Some(&MetricType::Counter));
            assert_eq!(meta.get("demo_temperature"), Some(&MetricType::Gauge));
            assert_eq!(
                meta.get("demo_latency_seconds"),
                Some(&MetricType::Histogram)
            );
        }
        // It keeps no metadata: detection goes by the names.
        Server::VictoriaMetrics => assert!(meta.is_empty(), "{meta:?}"),
    }
    let labels = c.label_names("demo_requests_total").await.unwrap();
    assert_eq!(labels, ["__name__", "code", "instance", "job", "path"]);
    let none = c.label_names("no_such_metric").await.unwrap();
    match kind {
        Server::Prometheus => assert!(none.is_empty(), "{none:?}"),
        // It lists `__name__` even when nothing matches.
        Server::VictoriaMetrics => assert_eq!(none, ["__name__"]),
    }

    // target health and the scrape interval
    let targets = c.targets().await.unwrap();
    assert_eq!(targets.len(), 1, "{targets:?}");
    let t = &targets[0];
    assert_eq!(t.health, Health::Up, "{t:?}");
    assert_eq!(t.job, "demo");
    assert_eq!(t.instance, exporter.addr.to_string());
    assert_eq!(t.scrape_url, format!("http://{}/metrics", exporter.addr));
    assert_eq!(t.last_error, "");
    assert_eq!(t.scrape_interval, Some(Duration::from_secs(1)));
    assert!(t.last_scrape_duration < Duration::from_secs(1));

    // an instant vector equals the server's own answer, label set for label set
    let settle = kind.settle().as_millis() as i64;
    let at = now_ms() - 1_500 - settle;
    for expr in [
        "{job=\"demo\"}",
        "demo_temperature",
        "rate(demo_requests_total[1m])",
        "histogram_quantile(0.9, demo_latency_seconds_bucket)",
    ] {
        let ours = c.query(expr, at).await.unwrap();
        assert!(ours.warnings.is_empty());
        let Value::Vector(ours) = ours.value else {
            panic!("{expr}: not a vector")
        };
        let theirs = raw_vector(&server.url, expr, at).await;
        assert_eq!(ours.len(), theirs.len(), "{expr}");
        assert!(!ours.is_empty(), "{expr}");
        for (l, v) in &ours {
            let want = theirs
                .get(&pairs(l))
                .unwrap_or_else(|| panic!("{expr}: {l} not on the server"));
            assert!(
                kind.same_value(*v, want),
                "{expr}: {l} is {v}, server says {want}"
            );
        }
    }
    let Value::Vector(temps) = c.query("demo_temperature", at).await.unwrap().value else {
        panic!("not a vector")
    };
    let find = |s: &str| temps.iter().find(|(l, _)| l.get("sensor") == Some(s));
    let temp = |s: &str| find(s).unwrap_or_else(|| panic!("{s}: {temps:?}")).1;
    match kind {
        Server::Prometheus => assert!(temp("nan").is_nan()),
        // A sample whose value is NaN is never in its answers.
        Server::VictoriaMetrics => assert_eq!(find("nan"), None, "{temps:?}"),
    }
    assert_eq!(
        (temp("hot"), temp("cold"), temp("ok")),
        (f64::INFINITY, f64::NEG_INFINITY, -1.5e-3)
    );

    // scalars and strings: VictoriaMetrics answers a scalar as a vector of
    // one series without labels (a panel shows the same) and a string as
    // an empty vector
    let two = c.query("1 + 1", at).await.unwrap().value;
    let hi = c.query("\"hi\"", at).await.unwrap().value;
    match kind {
        Server::Prometheus => {
            assert_eq!(two, Value::Scalar(2.0));
            assert_eq!(hi, Value::String("hi".into()));
        }
        Server::VictoriaMetrics => {
            assert_eq!(two, Value::Vector(vec![(Labels::new(), 2.0)]));
            assert_eq!(hi, Value::Vector(vec![]));
        }
    }

    // a range with an aligned step: every point on the step grid
    let (start, end, step) = range_params(
        now_ms() - settle,
        Duration::from_secs(10),
        10,
        Duration::from_secs(1),
    );
    let r = c
        .query_range("demo_requests_total", start, end, step)
        .await
        .unwrap();
    assert_eq!(r.series.len(), 2);
    for (l, points) in &r.series {
        assert!(!points.is_empty(), "{l}");
        assert!(
            points
                .iter()
                .all(|(t, _)| t % step == 0 && (start..=end).contains(t)),
            "{l}"
        );
        let want = if l.get("code") == Some("200") {
            1027.0
        } else {
            3.0
        };
        assert!(points.iter().all(|&(_, v)| v == want), "{l}: {points:?}");
    }

    // the server's own refusal, as one line (VictoriaMetrics gives the
    // HTTP status as the type)
    let e = c.query("sum(", at).await.unwrap_err();
    let want = match kind {
        Server::Prometheus => "bad_data",
        Server::VictoriaMetrics => "422",
    };
    assert!(
        matches!(&e, SourceError::BadData { error_type, .. } if error_type == want),
        "{e:?}"
    );
    assert!(!e.is_transient(), "{e:?}");
    assert!(!e.to_string().contains('\n'), "{e}");
    drop(server);
}
