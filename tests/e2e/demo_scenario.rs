//! The demo fleet as a scraper sees it: counters that never go back, the
//! incident crossing and recovering the default thresholds, determinism.

use crate::demo_support;

use demo_support::*;
use std::collections::BTreeMap;
use vitals::demo::{Fleet, ManualClock, Scenario};

#[tokio::test]
async fn counters_never_decrease_across_scrapes() {
    let (fleet, clock) = manual_fleet(Scenario::Incident).await;
    let watched: Vec<String> = fleet.targets().into_iter().take(2).collect();
    let mut last: BTreeMap<String, f64> = BTreeMap::new();
    let mut t = 0.0;
    let mut phases = Vec::new();
    while t < 340.0 {
        t += 7.0;
        step_to(&fleet, &clock, t).await;
        phases.push(fleet.phase());
        for url in &watched {
            for (series, v) in scrape(url).await {
                let counter = series.contains("_total")
                    || series.contains("_bucket")
                    || series.contains("_count");
                let key = format!("{url} {series}");
                if counter || series.contains("_sum") {
                    if let Some(prev) = last.get(&key) {
                        assert!(v >= *prev, "{key} went from {prev} to {v} at {t}");
                    }
                    last.insert(key, v);
                }
            }
        }
    }
    for p in ["calm", "surge", "runaway", "stall", "recovery"] {
        assert!(phases.iter().any(|x| x == p), "phase {p} seen");
    }
    fleet.shutdown().await;
}

/// What the default panels would show, from two scrapes `window` apart.
#[derive(Debug)]
struct Reading {
    p99: f64,
    errors: f64,
    busiest_cpu: f64,
    fullest_queue: f64,
}

async fn read_fleet(fleet: &Fleet, clock: &ManualClock, from: f64, window: f64) -> Reading {
    step_to(fleet, clock, from).await;
    let apps = check_file_sd_matches(fleet);
    let mut before = BTreeMap::new();
    for url in &apps {
        before.insert(url.clone(), scrape(url).await);
    }
    step_to(fleet, clock, from + window).await;
    let mut buckets = [0.0; 14];
    let (mut requests, mut errors, mut busiest, mut fullest) = (0.0, 0.0, 0.0f64, 0.0f64);
    for url in check_file_sd_matches(fleet) {
        let after = scrape(&url).await;
        fullest = fullest.max(after["app_event_queue_depth"] / after["app_event_queue_capacity"]);
        let Some(b) = before.get(&url) else { continue };
        let delta =
            |k: &str| after.get(k).copied().unwrap_or(0.0) - b.get(k).copied().unwrap_or(0.0);
        for (series, _) in after.iter() {
            if series.starts_with("http_request_duration_seconds_bucket") {
                let le = series
                    .split("le=\"")
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                    .unwrap_or("");
                let i = BUCKETS
                    .iter()
                    .position(|x| le.parse::<f64>().ok() == Some(*x))
                    .unwrap_or(13);
                buckets[i] += delta(series);
            } else if series.starts_with("http_requests_total") {
                requests += delta(series);
                if series.contains("code=\"5") {
                    errors += delta(series);
                }
            }
        }
        busiest =
            busiest.max(delta("process_cpu_seconds_total") / window / after["app_cpu_limit_cores"]);
    }
    Reading {
        p99: histogram_quantile(0.99, &buckets),
        errors: errors / requests,
        busiest_cpu: busiest,
        fullest_queue: fullest,
    }
}

/// Prometheus's histogram_quantile over cumulative bucket counts.
fn histogram_quantile(q: f64, cumulative: &[f64; 14]) -> f64 {
    let rank = q * cumulative[13];
    let (mut lower, mut below) = (0.0, 0.0);
    for (i, c) in cumulative.iter().enumerate() {
        if *c >= rank {
            return match BUCKETS.get(i) {
                Some(upper) => lower + (upper - lower) * (rank - below) / (c - below),
                None => BUCKETS[12],
            };
        }
        (lower, below) = (BUCKETS.get(i).copied().unwrap_or(lower), *c);
    }
    f64::NAN
}

#[tokio::test]
async fn the_incident_crosses_the_default_thresholds_and_recovers() {
    let (fleet, clock) = manual_fleet(Scenario::Incident).await;
    let calm = read_fleet(&fleet, &clock, 30.0, 10.0).await;
    assert!(
        calm.p99 < 0.15 && calm.p99 > 0.03,
        "calm p99 near 60 ms: {calm:?}"
    );
    assert!(
        calm.errors < 0.01 && calm.busiest_cpu < 0.7 && calm.fullest_queue < 0.8,
        "{calm:?}"
    );

    let stall = read_fleet(&fleet, &clock, 215.0, 10.0).await;
    assert_eq!(fleet.phase(), "stall");
    assert!(stall.p99 > 0.2, "p99 past 200 ms: {stall:?}");
    assert!(stall.errors > 0.05, "errors past 5 %: {stall:?}");
    assert!(stall.busiest_cpu > 0.8, "CPU past 80 %: {stall:?}");
    assert!(stall.fullest_queue >= 0.95, "queue full: {stall:?}");

    let after = read_fleet(&fleet, &clock, 310.0, 10.0).await;
    assert_eq!(fleet.phase(), "recovery");
    assert!(after.p99 < 0.15 && after.errors < 0.01, "{after:?}");
    assert!(
        after.busiest_cpu < 0.7 && after.fullest_queue < 0.8,
        "{after:?}"
    );
    fleet.shutdown().await;
}

#[tokio::test]
async fn calm_keeps_its_size_and_its_calm() {
    let (fleet, clock) = manual_fleet(Scenario::Calm).await;
    for from in [20.0, 200.0] {
        let r = read_fleet(&fleet, &clock, from, 10.0).await;
        assert!(
            r.p99 < 0.15 && r.errors < 0.01 && r.busiest_cpu < 0.7,
            "{r:?}"
        );
        assert_eq!(fleet.targets().len(), 5);
        assert_eq!(fleet.phase(), "calm");
    }
    fleet.shutdown().await;
}

#[tokio::test]
async fn same_seed_serves_the_same_pages() {
    let (a, clock_a) = manual_fleet(Scenario::Incident).await;
    let (b, clock_b) = manual_fleet(Scenario::Incident).await;
    step_to(&a, &clock_a, 150.0).await;
    step_to(&b, &clock_b, 150.0).await;
    for (x, y) in a.targets().iter().zip(b.targets()) {
        assert_eq!(fetch(x).await.2, fetch(&y).await.2);
    }
    a.shutdown().await;
    b.shutdown().await;
}
