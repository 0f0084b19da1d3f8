//! The demo's incident through `check --prometheus`: the fleet plays the
//! incident script fast (`speed`), a real server (Prometheus or
//! VictoriaMetrics) scrapes it through its file_sd as the autoscaler
//! grows it, and the default alerts of the runaway (seed 000) fire when
//! vitals reads the server: the autoscaler pinned at its maximum, then p99
//! latency, CPU and the error ratio as the fleet stalls.

use crate::remote_support;

use remote_support::{start, Scrape, Server};
use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;
use vitals::demo::{DemoOptions, Fleet, FleetSetup, Scenario};

/// The alerts the runaway must fire, all at once, with their severity:
/// the autoscaler pinned at its maximum (critical), past the critical
/// thresholds of latency and CPU, errors past their warning.
const INCIDENT: [&str; 4] = [
    "InstancesNearMax [critical]",
    "LatencyP99High [critical]",
    "CpuHigh [critical]",
    "ErrorRatioHigh [warning]",
];

/// Simulated seconds per real second: the end of the runaway (from 110 s
/// to 150 s of the script) plays in some 27 s, and the stretch where all
/// four hold (the stall, from about 110 s) lasts some 25 s.
const SPEED: f64 = 1.5;

/// The alert groups `check` reports firing (`name [severity]`), and its
/// output.
fn check(url: &str) -> (BTreeSet<String>, String) {
    // `for` is overridden: the script runs four times faster than the
    // server's clock, so a condition does not hold for the default 30 s.
    let out = Command::new(env!("CARGO_BIN_EXE_vitals"))
        .args([
            "check",
            "--prometheus",
            url,
            "--for-override",
            "0s",
            "--timeout",
            "5s",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    // One line per group: `FIRING CpuHigh ×38 (critical) worst …`.
    let firing = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("FIRING "))
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let severity = words.get(2).map_or("", |s| s.trim_matches(['(', ')']));
            format!("{} [{severity}]", words[0])
        })
        .collect();
    // Exit 0 with nothing firing, 1 with something firing.
    let consistent = match out.status.code() {
        Some(0) => stdout.starts_with("OK: no alert firing"),
        Some(1) => stdout.contains("FIRING "),
        _ => false,
    };
    assert!(
        consistent,
        "check exited {:?}: {stdout}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    (firing, stdout)
}

async fn incident_fires_over(kind: Server) {
    let opts = DemoOptions {
        instances: 4,
        speed: SPEED,
        scenario: Scenario::Incident,
        ..DemoOptions::default()
    };
    // In the runaway, the fleet grown to its mis-set limit (40).
    let setup = FleetSetup {
        start_at_secs: 110.0,
        ..FleetSetup::default()
    };
    let fleet = Fleet::start_with(opts, setup).await.expect("fleet starts");
    let Some(mut server) = start(kind, Scrape::FileSd(fleet.file_sd_path())) else {
        return;
    };
    let url = server.url.clone();
    let fleet_up = "count(up == 1) >= 13";
    server
        .wait_for("13 targets up", fleet_up, Duration::from_secs(60))
        .await;
    let mut seen = BTreeSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let (all, phase) = loop {
        let phase = fleet.phase();
        let (firing, stdout) = {
            let url = url.clone();
            tokio::task::spawn_blocking(move || check(&url))
                .await
                .unwrap()
        };
        seen.extend(firing.iter().cloned());
        if INCIDENT.iter().all(|a| firing.contains(*a)) {
            break (stdout, phase);
        }
        server.exited();
        let name = kind.name();
        assert!(
            phase != "recovery",
            "the stall passed without all of {INCIDENT:?} firing together over {name}: \
             seen {seen:?}; last check: {stdout}"
        );
        assert!(
            tokio::time::Instant::now() < deadline,
            "not all of {INCIDENT:?} fired together within 120 s over {name}: \
             seen {seen:?}; last check: {stdout}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    // The autoscaler pinned at its (mis-set) maximum, the fleet stalling.
    assert!(
        all.contains("autoscaler pinned at max_instances: it wants 40 instances"),
        "{all}"
    );
    assert_eq!(phase, "runaway");
    drop(server);
    fleet.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_incident_fires_its_alerts_over_prometheus() {
    incident_fires_over(Server::Prometheus).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_incident_fires_its_alerts_over_victoria_metrics() {
    incident_fires_over(Server::VictoriaMetrics).await;
}
