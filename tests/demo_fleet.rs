//! The demo fleet over real HTTP on loopback: pages, counters, file_sd,
//! the incident as a scraper sees it, and shutdown.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;
use vitals::demo::{Clock, DemoOptions, Fleet, FleetSetup, ManualClock, Scenario, DEFAULT_SEED};

const APP_METRICS: [&str; 9] = [
    "http_request_duration_seconds",
    "http_requests_total",
    "process_cpu_seconds_total",
    "app_cpu_limit_cores",
    "process_resident_memory_bytes",
    "app_memory_limit_bytes",
    "app_event_queue_depth",
    "app_event_queue_capacity",
    "process_start_time_seconds",
];
const AUTOSCALER_METRICS: [&str; 3] = [
    "autoscaler_current_instances",
    "autoscaler_desired_instances",
    "autoscaler_max_instances",
];
const BUCKETS: [f64; 13] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 1.0, 2.5, 5.0,
];

/// A fleet on a clock the test steps.
async fn manual_fleet(scenario: Scenario) -> (Fleet, ManualClock) {
    let clock = ManualClock::new();
    let opts = DemoOptions {
        scenario,
        ..DemoOptions::default()
    };
    let setup = FleetSetup {
        clock: Clock::Manual(clock.clone()),
        seed: DEFAULT_SEED,
    };
    let fleet = Fleet::start_with(opts, setup).await.expect("fleet starts");
    (fleet, clock)
}

/// Moves the clock to `secs` after the start and lets the fleet catch up.
async fn step_to(fleet: &Fleet, clock: &ManualClock, secs: f64) {
    let now = clock.elapsed().as_secs_f64();
    if secs > now {
        clock.advance(Duration::from_secs_f64(secs - now));
    }
    fleet.sync().await.expect("fleet syncs");
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

/// Fetches a page: (status, content type, body).
async fn fetch(url: &str) -> (u16, String, String) {
    let resp = client()
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = resp.status().as_u16();
    let ctype = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, ctype, resp.text().await.unwrap_or_default())
}

/// Series text -> value, for every sample line of a page.
fn samples(page: &str) -> BTreeMap<String, f64> {
    page.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (series, value) = l
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("bad line {l:?}"));
            (
                series.to_string(),
                value.parse().unwrap_or_else(|_| panic!("bad value {l:?}")),
            )
        })
        .collect()
}

async fn scrape(url: &str) -> BTreeMap<String, f64> {
    let (status, _, body) = fetch(url).await;
    assert_eq!(status, 200, "{url}");
    samples(&body)
}

/// The file_sd file: targets by job.
fn read_file_sd(path: &Path) -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(path).expect("file_sd readable");
    let groups: serde_json::Value = serde_json::from_str(&text).expect("file_sd is JSON");
    let mut out = BTreeMap::new();
    for g in groups.as_array().expect("a list of groups") {
        let job = g["labels"]["job"].as_str().expect("job label").to_string();
        let targets = g["targets"].as_array().expect("targets").iter();
        out.insert(
            job,
            targets
                .map(|t| t.as_str().expect("host:port").to_string())
                .collect(),
        );
    }
    out
}

fn url_of(host_port: &str) -> String {
    format!("http://{host_port}/metrics")
}

/// Checks the file lists exactly the fleet's targets and returns the apps.
fn check_file_sd_matches(fleet: &Fleet) -> Vec<String> {
    let sd = read_file_sd(fleet.file_sd_path());
    let apps: Vec<String> = sd["app"].iter().map(|t| url_of(t)).collect();
    let mut listed = apps.clone();
    listed.extend(sd["autoscaler"].iter().map(|t| url_of(t)));
    assert_eq!(listed, fleet.targets());
    assert_eq!(sd["autoscaler"].len(), 1);
    assert_eq!(url_of(&sd["autoscaler"][0]), fleet.autoscaler_target());
    apps
}

#[tokio::test]
async fn every_target_answers_with_every_metric() {
    let (fleet, clock) = manual_fleet(Scenario::Incident).await;
    step_to(&fleet, &clock, 5.0).await;
    let apps = check_file_sd_matches(&fleet);
    assert_eq!(apps.len(), 4);
    for url in fleet.targets() {
        assert!(
            url.starts_with("http://127.0.0.1:") && url.ends_with("/metrics"),
            "{url}"
        );
        let (status, ctype, body) = fetch(&url).await;
        assert_eq!(status, 200);
        assert!(ctype.starts_with("text/plain; version=0.0.4"), "{ctype}");
        let names = if apps.contains(&url) {
            &APP_METRICS[..]
        } else {
            &AUTOSCALER_METRICS[..]
        };
        for name in names {
            assert!(
                body.contains(&format!("# TYPE {name} ")),
                "{url} lacks {name}"
            );
            assert!(
                body.lines()
                    .any(|l| l.starts_with(name) && !l.starts_with('#')),
                "{name}"
            );
        }
        assert!(samples(&body).values().all(|v| v.is_finite()));
    }
    let scaler = scrape(&fleet.autoscaler_target()).await;
    assert_eq!(scaler["autoscaler_current_instances"], 4.0);
    assert_eq!(fleet.phase(), "calm");
    fleet.shutdown().await;
}

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

#[tokio::test]
async fn file_sd_follows_scale_up_and_down() {
    let (fleet, clock) = manual_fleet(Scenario::Incident).await;
    let start = check_file_sd_matches(&fleet);
    step_to(&fleet, &clock, 175.0).await;
    let grown = check_file_sd_matches(&fleet);
    assert_eq!(grown.len(), 40, "runaway to the mis-set limit");
    assert!(
        start.iter().all(|u| grown.contains(u)),
        "the first instances stay"
    );
    for url in &grown {
        assert_eq!(fetch(url).await.0, 200);
    }
    let scaler = scrape(&fleet.autoscaler_target()).await;
    assert_eq!(scaler["autoscaler_current_instances"], 40.0);
    assert_eq!(scaler["autoscaler_max_instances"], 40.0);

    step_to(&fleet, &clock, 320.0).await;
    let shrunk = check_file_sd_matches(&fleet);
    assert_eq!(shrunk, start, "back to the starting fleet");
    let scaler = scrape(&fleet.autoscaler_target()).await;
    assert_eq!(scaler["autoscaler_current_instances"], 4.0);
    assert_eq!(scaler["autoscaler_max_instances"], 16.0);
    for url in grown.iter().filter(|u| !shrunk.contains(u)) {
        // Told to stop during the sync; give its task a moment to run.
        let mut closed = false;
        for _ in 0..100 {
            if client().get(url).send().await.is_err() {
                closed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(closed, "{url} stopped");
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

#[tokio::test]
async fn shutdown_frees_the_ports_and_removes_the_temp_dir() {
    let (fleet, clock) = manual_fleet(Scenario::Incident).await;
    step_to(&fleet, &clock, 100.0).await;
    let targets = fleet.targets();
    assert!(targets.len() > 5);
    let _ = fetch(&targets[0]).await;
    let dir = fleet
        .file_sd_path()
        .parent()
        .expect("a directory")
        .to_path_buf();
    assert!(dir.exists());
    fleet.shutdown().await;
    assert!(!dir.exists(), "temp dir removed");
    for url in targets {
        let addr = url
            .trim_start_matches("http://")
            .trim_end_matches("/metrics")
            .to_string();
        assert!(
            tokio::net::TcpStream::connect(&addr).await.is_err(),
            "{addr} still listens"
        );
        tokio::net::TcpListener::bind(&addr)
            .await
            .unwrap_or_else(|e| panic!("{addr} not free: {e}"));
    }
}

#[tokio::test]
async fn a_given_directory_is_kept_with_its_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sub = dir.path().join("sd");
    let opts = DemoOptions {
        dir: Some(sub.clone()),
        ..DemoOptions::default()
    };
    let fleet = Fleet::start(opts).await.expect("fleet starts");
    assert_eq!(fleet.file_sd_path(), sub.join("file_sd.json"));
    assert_eq!(check_file_sd_matches(&fleet).len(), 4);
    fleet.shutdown().await;
    assert!(sub.join("file_sd.json").exists());
}

#[tokio::test]
async fn the_real_clock_drives_the_autoscaler() {
    let opts = DemoOptions {
        speed: 200.0,
        ..DemoOptions::default()
    };
    let fleet = Fleet::start(opts).await.expect("fleet starts");
    // 60 simulated seconds of calm take 0.3 s; the surge then adds
    // instances. Poll (bounded) until the autoscaler's exporters show up.
    let mut grown = false;
    for _ in 0..200 {
        if fleet.targets().len() > 5 {
            grown = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(grown, "fleet grew; phase {}", fleet.phase());
    let apps = check_file_sd_matches(&fleet);
    assert_eq!(fetch(&apps[0]).await.0, 200);
    fleet.shutdown().await;
}

#[tokio::test]
async fn bad_options_are_one_line_errors() {
    for opts in [
        DemoOptions {
            instances: 1,
            ..DemoOptions::default()
        },
        DemoOptions {
            speed: 0.0,
            ..DemoOptions::default()
        },
        DemoOptions {
            speed: f64::NAN,
            ..DemoOptions::default()
        },
        DemoOptions {
            speed: 1e9,
            ..DemoOptions::default()
        },
    ] {
        let err = Fleet::start(opts).await.expect_err("refused").to_string();
        assert!(!err.contains('\n') && err.starts_with("demo "), "{err}");
    }
    assert_eq!("calm".parse::<Scenario>().ok(), Some(Scenario::Calm));
    assert_eq!(
        "incident".parse::<Scenario>().ok(),
        Some(Scenario::Incident)
    );
    let err = "chaos"
        .parse::<Scenario>()
        .expect_err("unknown")
        .to_string();
    assert!(err.contains("incident or calm"), "{err}");
}
