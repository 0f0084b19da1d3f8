//! A scrape of a real Debian `prometheus-node-exporter`, started by the test
//! on a loopback port.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use vitals::scrape::{build_client, parse_target, scrape_once, Page, ScrapeOptions};

const BINARY: &str = "/usr/bin/prometheus-node-exporter";

/// Kills the exporter however the test ends.
struct Exporter(Child);

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn node_exporter_page() {
    if !Path::new(BINARY).exists() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{BINARY} is missing: install the Debian package prometheus-node-exporter");
        }
        eprintln!("note: {BINARY} not found; skipping the node exporter test");
        return;
    }
    let port = free_port();
    let _exporter = Exporter(
        Command::new(BINARY)
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start node exporter"),
    );
    let opts = ScrapeOptions::with_interval(Duration::from_secs(5));
    let client = build_client(&opts).unwrap();
    let target = Arc::new(parse_target(&format!("127.0.0.1:{port}")).unwrap());

    // wait (bounded) until it listens and answers
    let mut page: Option<Page> = None;
    let mut last_error = String::new();
    for _ in 0..200 {
        let r = scrape_once(&client, target.clone(), &opts).await;
        match r.outcome {
            Ok(p) => {
                page = Some(p);
                break;
            }
            Err(e) => last_error = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let page = page.unwrap_or_else(|| panic!("node exporter never answered: {last_error}"));

    let cpu: Vec<_> = page
        .samples
        .iter()
        .filter(|s| s.labels.name() == Some("node_cpu_seconds_total"))
        .collect();
    assert!(!cpu.is_empty(), "no node_cpu_seconds_total");
    assert!(cpu.iter().any(|s| s.labels.get("mode") == Some("idle")));
    assert!(cpu.iter().all(|s| s.labels.get("cpu").is_some()));
    assert!(cpu.iter().all(|s| s.value >= 0.0 && s.value.is_finite()));
    assert!(page.samples.len() > 100, "{} samples", page.samples.len());
    assert!(page.bytes > 10_000);
    assert_eq!(
        page.invalid_lines, 0,
        "invalid lines on a real page: {:?}",
        page.first_error
    );
}
