//! The Prometheus client against the real Prometheus (Debian's
//! `/usr/bin/prometheus`), started on loopback and scraping an exporter
//! served by the test.

#[path = "remote_support/mod.rs"]
mod remote_support;
#[path = "scrape_support/mod.rs"]
mod scrape_support;

use remote_support::{start_with_config, Prometheus};
use scrape_support::{serve, Reply, Server};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use vitals::labels::Labels;
use vitals::scrape::expo::MetricType;
use vitals::source::{range_params, Health, PromClient, PromOptions, SourceError, Value};

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

/// Starts Prometheus scraping `exporter` every second, or `None` (with a
/// note) when the binary is not installed outside CI.
fn start_prometheus(exporter: &Server) -> Option<Prometheus> {
    start_with_config(&format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
         scrape_configs:\n  - job_name: demo\n    static_configs:\n      - targets: ['{}']\n",
        exporter.addr
    ))
}

/// Waits (at most 60 s) until the counter has five samples.
async fn wait_for_data(c: &PromClient, prom: &mut Prometheus) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let ready = match c
            .query(
                "count_over_time(demo_requests_total{code=\"200\"}[1m])",
                now_ms(),
            )
            .await
        {
            Ok(r) => matches!(&r.value, Value::Vector(v) if v.first().is_some_and(|s| s.1 >= 5.0)),
            Err(_) => false,
        };
        if ready {
            return;
        }
        prom.exited();
        assert!(
            tokio::time::Instant::now() < deadline,
            "Prometheus has no data after 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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

/// How Prometheus writes a value (Go's shortest 'f' formatting is what the
/// server uses; comparing parsed values avoids depending on it).
fn same_value(ours: f64, theirs: &str) -> bool {
    match theirs {
        "NaN" => ours.is_nan(),
        "+Inf" => ours == f64::INFINITY,
        "-Inf" => ours == f64::NEG_INFINITY,
        s => s.parse::<f64>().unwrap() == ours,
    }
}

fn pairs(l: &Labels) -> Vec<(String, String)> {
    l.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_real_prometheus() {
    let exporter = serve(|_| Reply::ok(PAGE)).await;
    let Some(mut prom) = start_prometheus(&exporter) else {
        return;
    };
    let opts = PromOptions {
        timeout: Duration::from_secs(5),
        ..PromOptions::default()
    };
    let c = PromClient::new(&prom.url, opts).unwrap();
    wait_for_data(&c, &mut prom).await;

    // version for the status line
    let version = c.buildinfo().await.unwrap();
    assert!(version.starts_with("2.42"), "{version}");

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
    assert_eq!(meta.get("demo_requests_total"), Some(&MetricType::Counter));
    assert_eq!(meta.get("demo_temperature"), Some(&MetricType::Gauge));
    assert_eq!(
        meta.get("demo_latency_seconds"),
        Some(&MetricType::Histogram)
    );
    let labels = c.label_names("demo_requests_total").await.unwrap();
    assert_eq!(labels, ["__name__", "code", "instance", "job", "path"]);
    assert!(c.label_names("no_such_metric").await.unwrap().is_empty());

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
    let at = now_ms() - 1_500;
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
        let theirs = raw_vector(&prom.url, expr, at).await;
        assert_eq!(ours.len(), theirs.len(), "{expr}");
        assert!(!ours.is_empty(), "{expr}");
        for (l, v) in &ours {
            let want = theirs
                .get(&pairs(l))
                .unwrap_or_else(|| panic!("{expr}: {l} not on the server"));
            assert!(
                same_value(*v, want),
                "{expr}: {l} is {v}, server says {want}"
            );
        }
    }
    let Value::Vector(temps) = c.query("demo_temperature", at).await.unwrap().value else {
        panic!("not a vector")
    };
    let temp = |s: &str| {
        temps
            .iter()
            .find(|(l, _)| l.get("sensor") == Some(s))
            .unwrap()
            .1
    };
    assert!(temp("nan").is_nan());
    assert_eq!(
        (temp("hot"), temp("cold"), temp("ok")),
        (f64::INFINITY, f64::NEG_INFINITY, -1.5e-3)
    );

    // scalars and strings
    assert_eq!(
        c.query("1 + 1", at).await.unwrap().value,
        Value::Scalar(2.0)
    );
    assert_eq!(
        c.query("\"hi\"", at).await.unwrap().value,
        Value::String("hi".into())
    );

    // a range with an aligned step: every point on the step grid
    let (start, end, step) = range_params(
        now_ms(),
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

    // the server's own refusal, as one line
    let e = c.query("sum(", at).await.unwrap_err();
    assert!(
        matches!(&e, SourceError::BadData { error_type, .. } if error_type == "bad_data"),
        "{e:?}"
    );
    assert!(!e.to_string().contains('\n'), "{e}");
    drop(prom);
}
