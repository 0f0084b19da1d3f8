//! The real Alertmanager (Debian `prometheus-alertmanager`) on a free
//! loopback port, and the rule and target the sink tests share.
#![allow(dead_code)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use vitals::scrape::{expo, ScrapeResult, Target};

pub const RULES: &str = r#"
groups:
  - name: app
    rules:
      - alert: DeepQueue
        expr: queue_depth > 5
        labels:
          severity: critical
        annotations:
          summary: "queue {{ $value }} deep"
          runbook_url: https://runbooks.example/queue
"#;

pub fn target() -> Target {
    target_on("127.0.0.1:9100")
}

/// A target of job `app` at `instance` (`host:port`).
pub fn target_on(instance: &str) -> Target {
    Target {
        url: format!("http://{instance}/metrics"),
        job: "app".into(),
        instance: instance.into(),
        labels: Default::default(),
        ..Default::default()
    }
}

pub fn scrape(t: &Target, t_ms: i64, depth: f64) -> ScrapeResult {
    let body = format!("# TYPE queue_depth gauge\nqueue_depth {depth}\n");
    ScrapeResult {
        target: Arc::new(t.clone()),
        time_ms: t_ms,
        duration: Duration::from_millis(2),
        outcome: Ok(expo::parse_page(body.as_bytes(), None)),
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Alertmanager {
    child: Child,
    pub url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_alertmanager() -> Option<Alertmanager> {
    let bin = "/usr/bin/prometheus-alertmanager";
    if !std::path::Path::new(bin).exists() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{bin} is missing");
        }
        eprintln!("note: {bin} not installed; skipping the Alertmanager test");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("am.yml");
    std::fs::write(
        &cfg,
        "route:\n  receiver: none\nreceivers:\n  - name: none\n",
    )
    .unwrap();
    let port = free_port();
    let child = Command::new(bin)
        .arg(format!("--config.file={}", cfg.display()))
        .arg(format!(
            "--storage.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Some(Alertmanager {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    })
}

pub async fn listed(client: &reqwest::Client, am: &str) -> Option<Vec<serde_json::Value>> {
    let r = client
        .get(format!("{am}/api/v2/alerts"))
        .send()
        .await
        .ok()?;
    if !r.status().is_success() {
        return None;
    }
    serde_json::from_str(&r.text().await.ok()?).ok()
}

/// Polls `check` every 100 ms for up to 20 s.
pub async fn wait_until<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}
