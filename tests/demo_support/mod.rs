//! Helpers shared by the demo fleet's integration tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;
use vitals::demo::{Clock, DemoOptions, Fleet, FleetSetup, ManualClock, Scenario};

pub const APP_METRICS: [&str; 9] = [
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
pub const AUTOSCALER_METRICS: [&str; 3] = [
    "autoscaler_current_instances",
    "autoscaler_desired_instances",
    "autoscaler_max_instances",
];
pub const BUCKETS: [f64; 13] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 1.0, 2.5, 5.0,
];

/// A fleet on a clock the test steps.
pub async fn manual_fleet(scenario: Scenario) -> (Fleet, ManualClock) {
    let clock = ManualClock::new();
    let opts = DemoOptions {
        scenario,
        ..DemoOptions::default()
    };
    let setup = FleetSetup {
        clock: Clock::Manual(clock.clone()),
        ..FleetSetup::default()
    };
    let fleet = Fleet::start_with(opts, setup).await.expect("fleet starts");
    (fleet, clock)
}

/// Moves the clock to `secs` after the start and lets the fleet catch up.
pub async fn step_to(fleet: &Fleet, clock: &ManualClock, secs: f64) {
    let now = clock.elapsed().as_secs_f64();
    if secs > now {
        clock.advance(Duration::from_secs_f64(secs - now));
    }
    fleet.sync().await.expect("fleet syncs");
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

/// Fetches a page: (status, content type, body).
pub async fn fetch(url: &str) -> (u16, String, String) {
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
pub fn samples(page: &str) -> BTreeMap<String, f64> {
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

pub async fn scrape(url: &str) -> BTreeMap<String, f64> {
    let (status, _, body) = fetch(url).await;
    assert_eq!(status, 200, "{url}");
    samples(&body)
}

/// The file_sd file: targets by job.
pub fn read_file_sd(path: &Path) -> BTreeMap<String, Vec<String>> {
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

pub fn url_of(host_port: &str) -> String {
    format!("http://{host_port}/metrics")
}

/// Checks the file lists exactly the fleet's targets and returns the apps.
pub fn check_file_sd_matches(fleet: &Fleet) -> Vec<String> {
    let sd = read_file_sd(fleet.file_sd_path());
    let apps: Vec<String> = sd["app"].iter().map(|t| url_of(t)).collect();
    let mut listed = apps.clone();
    listed.extend(sd["autoscaler"].iter().map(|t| url_of(t)));
    assert_eq!(listed, fleet.targets());
    assert_eq!(sd["autoscaler"].len(), 1);
    assert_eq!(url_of(&sd["autoscaler"][0]), fleet.autoscaler_target());
    apps
}

/// Waits (bounded) until nothing answers at `url` any more.
pub async fn wait_closed(url: &str) -> bool {
    for _ in 0..100 {
        if client().get(url).send().await.is_err() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}
