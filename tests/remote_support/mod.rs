//! The real servers the tests over `--prometheus` read from, started on a
//! free loopback port and killed when dropped: Debian's Prometheus
//! (`/usr/bin/prometheus`) and single-node VictoriaMetrics
//! (`/usr/bin/victoria-metrics`), each scraping what the test serves every
//! second. A test body takes a [`Server`] and runs over either.
#![allow(dead_code)]

use super::scrape_support::closed_port;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const PROMETHEUS: &str = "/usr/bin/prometheus";
pub const VICTORIA_METRICS: &str = "/usr/bin/victoria-metrics";

/// Which server a test reads from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Server {
    Prometheus,
    VictoriaMetrics,
}

impl Server {
    pub fn binary(self) -> &'static str {
        match self {
            Server::Prometheus => PROMETHEUS,
            Server::VictoriaMetrics => VICTORIA_METRICS,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Server::Prometheus => "Prometheus",
            Server::VictoriaMetrics => "VictoriaMetrics",
        }
    }

    /// How long before now vitals asks this server in the tests
    /// (`EngineOptions::query_offset`), so that the test can ask again for
    /// the same instant and get the same answer. Prometheus stamps a
    /// scraped sample with the time the scrape started and appends it when
    /// the scrape ends, so an answer for "now" can still gain a sample from
    /// a scrape in flight: vitals asks 1 s back (the demo answers in
    /// milliseconds, the interval is 1 s). VictoriaMetrics
    /// makes a scraped sample searchable a second or two later (buffered
    /// rows are flushed to searchable parts every second or two): an answer
    /// for the last seconds still changes, so vitals asks 3 s back.
    pub fn settle(self) -> Duration {
        match self {
            Server::Prometheus => Duration::from_secs(1),
            Server::VictoriaMetrics => Duration::from_secs(3),
        }
    }

    /// The version `/api/v1/status/buildinfo` gives, if any: VictoriaMetrics
    /// answers with an empty object.
    pub fn version_prefix(self) -> Option<&'static str> {
        match self {
            Server::Prometheus => Some("2.42"),
            Server::VictoriaMetrics => None,
        }
    }

    /// True when `ours` is the value the server wrote as `theirs` when
    /// asked again at the same instant. Prometheus gives the same bits
    /// every time. VictoriaMetrics aggregates series concurrently, so the
    /// last bits of a sum may differ between two identical queries: equal
    /// within a few units in the last place.
    pub fn same_value(self, ours: f64, theirs: &str) -> bool {
        let want = match theirs {
            "NaN" => return ours.is_nan(),
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            s => s.parse::<f64>().unwrap(),
        };
        self.close(ours, want)
    }

    /// [`Server::same_value`] for two parsed values.
    pub fn close(self, ours: f64, want: f64) -> bool {
        if ours == want || (ours.is_nan() && want.is_nan()) {
            return true;
        }
        self == Server::VictoriaMetrics
            && ours.is_finite()
            && (ours - want).abs() <= 1e-12 * ours.abs().max(want.abs())
    }
}

/// What the server scrapes every second.
pub enum Scrape<'a> {
    /// The targets of a Prometheus file_sd JSON file, as job `fleet`
    /// (the file's own `job` labels win).
    FileSd(&'a Path),
    /// One exporter at `host:port`, as job `job`.
    Static { job: &'a str, addr: String },
}

/// A running server, killed when dropped.
pub struct Running {
    pub kind: Server,
    child: Child,
    pub url: String,
    dir: tempfile::TempDir,
}

/// The Prometheus tests' old name for a running server.
pub type Prometheus = Running;

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The scrape configuration `kind` takes for `scrape`. VictoriaMetrics
/// refuses fields it does not know (`-promscrape.config.strictParse`,
/// kept on so that nothing is silently ignored): a file_sd's
/// `refresh_interval` is its `-promscrape.fileSDCheckInterval` flag.
fn config(kind: Server, scrape: &Scrape) -> String {
    let global = "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n";
    let job = match scrape {
        Scrape::FileSd(path) => {
            let refresh = match kind {
                Server::Prometheus => "        refresh_interval: 1s\n",
                Server::VictoriaMetrics => "",
            };
            format!(
                "  - job_name: fleet\n    file_sd_configs:\n      - files: ['{}']\n{refresh}",
                path.display()
            )
        }
        Scrape::Static { job, addr } => {
            format!("  - job_name: {job}\n    static_configs:\n      - targets: ['{addr}']\n")
        }
    };
    format!("{global}{job}")
}

/// `kind` scraping `scrape` every second on a free loopback port, its log
/// kept for [`Running::exited`]; `None` (with a note) when the server is
/// not installed outside CI. In CI a missing server fails the test.
pub fn start(kind: Server, scrape: Scrape) -> Option<Running> {
    let bin = kind.binary();
    if !Path::new(bin).exists() {
        assert!(
            !in_ci(),
            "{bin} is missing on CI (scripts/test installs it)"
        );
        eprintln!("note: {bin} is not installed; skipping (scripts/test installs it)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scrape.yml");
    std::fs::write(&file, config(kind, &scrape)).unwrap();
    let data = dir.path().join("data");
    let port = closed_port();
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let mut cmd = Command::new(bin);
    match kind {
        Server::Prometheus => cmd
            .arg(format!("--config.file={}", file.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn"),
        // -search.latencyOffset=0s: an instant is evaluated where it is
        // asked (the default 30 s evaluates any instant of the last 30 s at
        // now - 30 s, stamped with the instant asked, and answers the last
        // 30 s of a range with copies of the point before), so a test can
        // ask again for what vitals was answered. The response cache stays
        // on, as users run it: it keeps nothing of the last 5 minutes
        // (-search.cacheTimestampOffset), and with it a range of 50 points
        // or more is rounded to multiples of its step, which vitals must
        // cope with. No -dedup.minScrapeInterval: every sample is kept, as
        // Prometheus keeps them.
        Server::VictoriaMetrics => cmd
            .arg(format!("-promscrape.config={}", file.display()))
            .arg("-promscrape.fileSDCheckInterval=1s")
            .arg(format!("-storageDataPath={}", data.display()))
            .arg(format!("-httpListenAddr=127.0.0.1:{port}"))
            .arg("-search.latencyOffset=0s")
            .arg("-loggerLevel=WARN"),
    };
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    Some(Running {
        kind,
        child,
        url: format!("http://127.0.0.1:{port}"),
        dir,
    })
}

impl Running {
    /// Panics with the server's log when it has exited.
    pub fn exited(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            let log = std::fs::read_to_string(self.dir.path().join("server.log"));
            let name = self.kind.name();
            panic!("{name} exited ({status}): {}", log.unwrap_or_default());
        }
    }

    /// Waits (at most `limit`) until `query` has a non-empty answer at
    /// the server now; fails naming `what`, with the last answer, or with
    /// the server's log when it has exited.
    pub async fn wait_for(&mut self, what: &str, query: &str, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let answer = reqwest::Client::new()
                .post(format!("{}/api/v1/query", self.url))
                .form(&[("query", query)])
                .send()
                .await;
            let body = match answer {
                Ok(r) => r.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            if v["data"]["result"]
                .as_array()
                .is_some_and(|r| !r.is_empty())
            {
                return;
            }
            self.exited();
            assert!(
                tokio::time::Instant::now() < deadline,
                "{}: no {what} after {limit:?}: {query} answers {body}",
                self.kind.name()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Waits (at most 90 s) until the server's answers about the targets
    /// it scrapes no longer change when asked again: at once for
    /// Prometheus. VictoriaMetrics makes a new series searchable only some
    /// seconds after its first sample (new series join the searchable set
    /// every ten seconds or so), so a sum over series that started
    /// together still gains terms for a while: it has settled once every
    /// target's `up` has 15 s of samples.
    pub async fn wait_until_settled(&mut self) {
        if self.kind == Server::VictoriaMetrics {
            let query = "min(count_over_time(up[1m])) >= 15";
            self.wait_for("settled answers", query, Duration::from_secs(90))
                .await;
        }
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

/// Prometheus scraping the targets of `file_sd` every second, or `None`
/// (with a note) when it is not installed outside CI.
pub fn start_prometheus(file_sd: &Path) -> Option<Running> {
    start(Server::Prometheus, Scrape::FileSd(file_sd))
}

/// `kind` scraping the exporter at `addr` every second as job `job`, or
/// `None` (with a note) when it is not installed outside CI.
pub fn scraping(kind: Server, job: &str, addr: impl std::fmt::Display) -> Option<Running> {
    let addr = addr.to_string();
    start(kind, Scrape::Static { job, addr })
}

/// A calm demo fleet of `instances` and `kind` scraping it, or `None`
/// (with a note) when the server is not installed outside CI.
pub async fn fleet_and_server(
    kind: Server,
    instances: usize,
) -> Option<(vitals::demo::Fleet, Running)> {
    let opts = vitals::demo::DemoOptions {
        instances,
        scenario: vitals::demo::Scenario::Calm,
        ..vitals::demo::DemoOptions::default()
    };
    let fleet = vitals::demo::Fleet::start(opts)
        .await
        .expect("fleet starts");
    let server = start(kind, Scrape::FileSd(fleet.file_sd_path()))?;
    Some((fleet, server))
}

/// One refresh's worth of work on `e` (connected to the server with
/// `connect_remote`), driven step by step as the engine's run loop would
/// over a server: discovery, the alert rules brought up to date from the
/// server's history, one refresh, one tick. The engine goes on (its alert
/// states carry over to the next call). A server that cannot be read is an
/// error.
#[allow(dead_code)]
pub async fn refresh_once(
    e: &mut vitals::engine::Engine,
    client: std::sync::Arc<vitals::promapi::PromClient>,
) -> Result<vitals::frame::Frame, String> {
    use vitals::promapi::{feed, Poller};
    let clock = e.clock();
    let mut poller = Poller::new(client);
    let d = poller.discover().await.map_err(|e| e.to_string())?;
    e.apply_discovery(d);
    let history = feed::catch_up(&poller, &e.remote_plan(), clock)
        .await
        .map_err(|e| e.to_string())?;
    e.catch_up(history);
    let t = clock.now_ms();
    let r = poller.refresh(&e.remote_plan(), t, true).await;
    if r.all_failed {
        let url = poller.client().url().to_string();
        return Err(r.error.unwrap_or_else(|| format!("no answer from {url}")));
    }
    e.apply_refresh(r);
    Ok(e.tick(t))
}
