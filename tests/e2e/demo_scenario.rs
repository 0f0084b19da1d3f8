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
    while t < vitals::demo::LOOP_SECS + 10.0 {
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
    for p in [
        "calm",
        "runaway",
        "overflow",
        "errors",
        "bottleneck",
        "memory",
        "recovery",
    ] {
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

    // 000: the fleet stalls once it has run away to its limit.
    let stall = read_fleet(&fleet, &clock, 125.0, 10.0).await;
    assert_eq!(fleet.phase(), "runaway");
    assert!(stall.p99 > 0.2, "p99 past 200 ms: {stall:?}");
    assert!(stall.busiest_cpu > 0.8, "CPU past 80 %: {stall:?}");
    let scaler = scrape(&fleet.autoscaler_target()).await;
    assert_eq!(
        scaler["autoscaler_desired_instances"],
        scaler["autoscaler_max_instances"]
    );

    // 001: the queues overflow in the surge; latency and errors fine.
    let surge = read_fleet(&fleet, &clock, 215.0, 10.0).await;
    assert_eq!(fleet.phase(), "overflow");
    assert!(surge.fullest_queue >= 0.95, "queue full: {surge:?}");
    assert!(surge.p99 < 0.2 && surge.errors < 0.05, "{surge:?}");

    let after = read_fleet(&fleet, &clock, 300.0, 10.0).await;
    assert_eq!(fleet.phase(), "recovery");
    assert!(after.p99 < 0.15 && after.errors < 0.01, "{after:?}");
    assert!(
        after.busiest_cpu < 0.7 && after.fullest_queue < 0.8,
        "{after:?}"
    );

    // 002: errors at 30 % and p99 at 5 s.
    let errors = read_fleet(&fleet, &clock, 370.0, 10.0).await;
    assert_eq!(fleet.phase(), "errors");
    assert!(errors.errors > 0.2, "errors past 20 %: {errors:?}");
    assert!(errors.p99 > 2.0, "p99 past 2 s: {errors:?}");
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

/// `vitals demo --no-ui` tells a script watching it which incident plays.
#[test]
fn demo_without_ui_prints_a_line_as_each_phase_starts() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut demo = Command::new(env!("CARGO_BIN_EXE_vitals"))
        .args(["demo", "--no-ui", "--scenario", "seed-002", "--speed", "50"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = demo.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Calm 60 s, the incident 90 s, recovery 40 s: 3.8 s a loop at speed
    // 50. Read up to the second loop's incident (a bounded wait per line).
    let mut phases = Vec::new();
    while phases.len() < 5 {
        match rx.recv_timeout(std::time::Duration::from_secs(30)) {
            Ok(l) if l.starts_with("phase: ") => phases.push(l),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    let _ = demo.kill();
    let _ = demo.wait();
    assert_eq!(
        phases,
        [
            "phase: calm seed=none",
            "phase: errors seed=002",
            "phase: recovery seed=none",
            "phase: calm seed=none",
            "phase: errors seed=002",
        ]
    );
}
