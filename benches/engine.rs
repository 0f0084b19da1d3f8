//! One engine tick (every default panel, rule and the instance table) over
//! 100 targets x 1 000 series, after two minutes of 2-second scrapes.

use criterion::{criterion_group, criterion_main, Criterion};
use std::fmt::Write;
use std::sync::Arc;
use std::time::Duration;
use vitals::engine::{Engine, EngineOptions};
use vitals::scrape::{expo, Body, Page, ScrapeResult, Target};

const TARGETS: usize = 100;
const ROUTES: usize = 10;
const BUCKETS: [&str; 14] = [
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.15", "0.2", "0.25", "0.3", "0.5", "1", "2.5", "5",
    "+Inf",
];

/// A 1 000-series page of a web service at scrape number `n`.
fn page(target: usize, n: u64) -> String {
    let mut s = String::with_capacity(96 * 1024);
    let t = n as f64 * 2.0;
    s.push_str("# TYPE http_request_duration_seconds histogram\n");
    for r in 0..ROUTES {
        let total = t * (10.0 + r as f64 + target as f64 % 7.0);
        for (i, le) in BUCKETS.iter().enumerate() {
            let frac = ((i + 1) as f64 / BUCKETS.len() as f64).min(1.0);
            let _ = writeln!(
                s,
                "http_request_duration_seconds_bucket{{route=\"/r{r}\",le=\"{le}\"}} {}",
                (total * frac).floor()
            );
        }
        let _ = writeln!(
            s,
            "http_request_duration_seconds_sum{{route=\"/r{r}\"}} {}",
            total * 0.05
        );
        let _ = writeln!(
            s,
            "http_request_duration_seconds_count{{route=\"/r{r}\"}} {}",
            total
        );
    }
    s.push_str("# TYPE http_requests_total counter\n");
    for r in 0..ROUTES {
        for code in ["200", "404", "500"] {
            let _ = writeln!(
                s,
                "http_requests_total{{route=\"/r{r}\",code=\"{code}\"}} {}",
                t * 3.0
            );
        }
    }
    s.push_str("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total ");
    let _ = writeln!(s, "{}", t * 0.4);
    s.push_str("# TYPE app_cpu_limit_cores gauge\napp_cpu_limit_cores 2\n");
    s.push_str("# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 1.5e8\n");
    s.push_str("# TYPE app_memory_limit_bytes gauge\napp_memory_limit_bytes 5e8\n");
    s.push_str("# TYPE app_event_queue_depth gauge\napp_event_queue_depth 12\n");
    s.push_str("# TYPE app_event_queue_capacity gauge\napp_event_queue_capacity 1000\n");
    let used = ROUTES * (BUCKETS.len() + 2) + ROUTES * 3 + 6;
    s.push_str("# TYPE app_filler gauge\n");
    for i in used..1000 {
        let _ = writeln!(s, "app_filler{{i=\"{i}\"}} {}", (i as u64 + n) % 97);
    }
    s
}

fn bench(c: &mut Criterion) {
    // `cargo test` runs this once as a smoke test: keep that load small.
    let full = std::env::args().any(|a| a == "--bench");
    let n_targets = if full { TARGETS } else { 3 };
    let targets: Vec<Arc<Target>> = (0..n_targets)
        .map(|i| {
            Arc::new(Target {
                url: format!("http://127.0.0.1:{}/metrics", 20000 + i),
                job: "app".into(),
                instance: format!("127.0.0.1:{}", 20000 + i),
                labels: Default::default(),
                ..Default::default()
            })
        })
        .collect();
    // 100,000 series: past the default series budget, on purpose.
    let mut e = Engine::new(EngineOptions {
        max_series: 0,
        ..EngineOptions::default()
    });
    let t0: i64 = 1_795_348_800_000;
    let scrapes = if full { 60u64 } else { 8 };
    for n in 0..scrapes {
        for (i, t) in targets.iter().enumerate() {
            let body = page(i, n);
            e.apply(ScrapeResult {
                target: t.clone(),
                time_ms: t0 + n as i64 * 2000 + i as i64 * 10,
                duration: Duration::from_millis(2),
                outcome: Ok(expo::parse_page(body.as_bytes(), None)),
            });
        }
        e.tick(t0 + n as i64 * 2000 + 1500);
    }
    let series = e.store().series_count();
    assert!(series >= n_targets * 1000, "{series} series");
    let mut now = t0 + scrapes as i64 * 2000;
    let mut g = c.benchmark_group("engine");
    g.sample_size(20);
    g.bench_function("tick/100_targets_x_1000_series", |b| {
        b.iter(|| {
            now += 1;
            e.tick(now)
        })
    });
    let body = page(0, scrapes);
    let t = targets[0].clone();
    let mut n = scrapes as i64;
    g.bench_function("apply/1000_series_page", |b| {
        b.iter(|| {
            n += 1;
            e.apply(ScrapeResult {
                target: t.clone(),
                time_ms: t0 + n * 2000,
                duration: Duration::from_millis(2),
                outcome: Ok(expo::parse_page(body.as_bytes(), None)),
            })
        })
    });
    // What the scrape tasks send: the body, parsed into the store by the engine.
    g.bench_function("apply/1000_series_body", |b| {
        b.iter(|| {
            n += 1;
            e.apply(ScrapeResult {
                target: t.clone(),
                time_ms: t0 + n * 2000,
                duration: Duration::from_millis(2),
                outcome: Ok(Page {
                    body: Some(Body {
                        bytes: body.as_bytes().to_vec(),
                        content_type: None,
                    }),
                    ..Page::default()
                }),
            })
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
