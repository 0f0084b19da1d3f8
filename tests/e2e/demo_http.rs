//! The demo fleet over real HTTP on loopback: pages, file_sd following
//! the autoscaler, draining, shutdown and options.

use crate::demo_support;

use demo_support::*;
use std::time::Duration;
use vitals::demo::{Clock, DemoOptions, Fleet, FleetSetup, ManualClock, Scenario};

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
async fn pages_read_as_typed_families_by_an_independent_parser() {
    let (fleet, clock) = manual_fleet(Scenario::Incident).await;
    step_to(&fleet, &clock, 200.0).await;
    let (_, _, body) = fetch(&fleet.targets()[0]).await;
    let lines = body.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("parses");
    let kind = |name: &str| {
        scrape
            .samples
            .iter()
            .find(|s| s.metric == name)
            .map(|s| match &s.value {
                prometheus_parse::Value::Counter(_) => "counter",
                prometheus_parse::Value::Gauge(_) => "gauge",
                prometheus_parse::Value::Histogram(h) => {
                    assert_eq!(h.len(), 14, "every bucket, +Inf included");
                    "histogram"
                }
                _ => "other",
            })
    };
    assert_eq!(kind("http_request_duration_seconds"), Some("histogram"));
    assert_eq!(kind("http_requests_total"), Some("counter"));
    assert_eq!(kind("process_cpu_seconds_total"), Some("counter"));
    assert_eq!(kind("app_event_queue_depth"), Some("gauge"));
    assert!(scrape.docs.contains_key("app_memory_limit_bytes"));
    fleet.shutdown().await;
}

#[tokio::test]
async fn file_sd_follows_scale_up_and_down() {
    let (fleet, clock) = manual_fleet(Scenario::Incident).await;
    let start = check_file_sd_matches(&fleet);
    step_to(&fleet, &clock, 140.0).await;
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
        assert!(wait_closed(url).await, "{url} stopped");
    }
    fleet.shutdown().await;
}

#[tokio::test]
async fn retired_instances_leave_file_sd_then_drain() {
    let (fleet, clock) = manual_fleet(Scenario::Incident).await;
    step_to(&fleet, &clock, 149.0).await;
    let before = check_file_sd_matches(&fleet);
    assert_eq!(before.len(), 40);
    step_to(&fleet, &clock, 152.0).await;
    let after = check_file_sd_matches(&fleet);
    assert!(after.len() < 40, "the corrected limit retires instances");
    let retired: Vec<&String> = before.iter().filter(|u| !after.contains(u)).collect();
    for url in &retired {
        let (status, _, body) = fetch(url).await;
        assert_eq!(status, 200, "{url} still answers while it drains");
        assert!(body.contains("http_requests_total"));
    }
    step_to(&fleet, &clock, 160.0).await;
    for url in &retired {
        assert!(wait_closed(url).await, "{url} stopped after draining");
    }
    fleet.shutdown().await;
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
    let sub = sub.canonicalize().expect("created");
    assert_eq!(fleet.file_sd_path(), sub.join("file_sd.json"));
    assert!(fleet.file_sd_path().is_absolute());
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
async fn big_calm_fleets_are_allowed() {
    let opts = DemoOptions {
        instances: 60,
        scenario: Scenario::Calm,
        ..DemoOptions::default()
    };
    let fleet = Fleet::start(opts).await.expect("fleet starts");
    assert_eq!(check_file_sd_matches(&fleet).len(), 60);
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
            instances: 31,
            ..DemoOptions::default()
        },
        DemoOptions {
            instances: 201,
            scenario: Scenario::Calm,
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
    assert_eq!("seed-003".parse::<Scenario>().ok(), Some(Scenario::Seed(3)));
    assert_eq!(Scenario::Seed(3).to_string(), "seed-003");
    for bad in ["chaos", "seed-005", "seed-3", "seed-0001"] {
        let err = bad.parse::<Scenario>().expect_err("unknown").to_string();
        assert!(
            err.contains("incident, calm or seed-000 to seed-004"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn a_fleet_can_start_in_the_middle_of_the_incident() {
    let setup = FleetSetup {
        clock: Clock::Manual(ManualClock::new()),
        start_at_secs: 100.0,
        ..FleetSetup::default()
    };
    let fleet = Fleet::start_with(DemoOptions::default(), setup)
        .await
        .expect("fleet starts");
    assert_eq!(fleet.phase(), "runaway");
    assert_eq!(fleet.seed(), Some(0));
    assert_eq!(check_file_sd_matches(&fleet).len(), 40);
    fleet.shutdown().await;
}
