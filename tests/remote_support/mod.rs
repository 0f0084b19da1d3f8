//! A real Prometheus (Debian's `/usr/bin/prometheus`) for the tests over
//! `--prometheus`, started on a free loopback port.
#![allow(dead_code)]

use super::scrape_support::closed_port;
use std::process::{Child, Command, Stdio};

pub const PROMETHEUS: &str = "/usr/bin/prometheus";

/// The Prometheus process, killed when dropped.
pub struct Prometheus {
    child: Child,
    pub url: String,
    dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Prometheus scraping the targets of `file_sd` every second, or `None`
/// (with a note) when it is not installed outside CI.
pub fn start_prometheus(file_sd: &std::path::Path) -> Option<Prometheus> {
    start_with_config(&format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
         scrape_configs:\n  - job_name: fleet\n    file_sd_configs:\n      - files: ['{}']\n        refresh_interval: 1s\n",
        file_sd.display()
    ))
}

/// Prometheus scraping the exporter at `addr` every second as job
/// `fleet`, or `None` (with a note) when it is not installed outside CI.
pub fn scraping(addr: impl std::fmt::Display) -> Option<Prometheus> {
    start_with_config(&format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
         scrape_configs:\n  - job_name: fleet\n    static_configs:\n      - targets: ['{addr}']\n"
    ))
}

/// Prometheus with the configuration `yml` on a free loopback port, its
/// log kept for [`Prometheus::exited`], or `None` (with a note) when it is
/// not installed outside CI.
pub fn start_with_config(yml: &str) -> Option<Prometheus> {
    if !std::path::Path::new(PROMETHEUS).exists() {
        assert!(!in_ci(), "{PROMETHEUS} is missing on CI");
        eprintln!("note: {PROMETHEUS} is not installed; skipping (scripts/test installs it)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(&config, yml).unwrap();
    let port = closed_port();
    let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
    let child = Command::new(PROMETHEUS)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--log.level=warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    Some(Prometheus {
        child,
        url: format!("http://127.0.0.1:{port}"),
        dir,
    })
}

impl Prometheus {
    /// Panics with the server's log when it has exited.
    pub fn exited(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            let log = std::fs::read_to_string(self.dir.path().join("prometheus.log"));
            panic!("Prometheus exited ({status}): {}", log.unwrap_or_default());
        }
    }
}

/// A calm demo fleet of `instances` and Prometheus scraping it, or `None`
/// (with a note) when Prometheus is not installed outside CI.
pub async fn fleet_and_prometheus(instances: usize) -> Option<(vitals::demo::Fleet, Prometheus)> {
    let opts = vitals::demo::DemoOptions {
        instances,
        scenario: vitals::demo::Scenario::Calm,
        ..vitals::demo::DemoOptions::default()
    };
    let fleet = vitals::demo::Fleet::start(opts)
        .await
        .expect("fleet starts");
    let prom = start_prometheus(fleet.file_sd_path())?;
    Some((fleet, prom))
}
