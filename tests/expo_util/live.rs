//! Real programs started by the exposition tests, so that they read pages
//! as the programs serve them today: Debian's prometheus-node-exporter
//! (optionally with a textfile directory) and prometheus, each on a free
//! 127.0.0.1 port and killed when dropped, and a plain HTTP GET of a page.
//! A program that is not installed skips the test with a note outside CI
//! and fails it in CI (`common::require_program`).

use super::common::{free_port, require_program, wait_for};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How long a program may take to answer its first request.
const START: Duration = Duration::from_secs(30);

/// A running program, killed when dropped, with its scratch directory.
pub struct Server {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Accept header a scraper sends when it prefers OpenMetrics.
pub const OM_ACCEPT: &str =
    "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5";
/// The Accept header for text format 0.0.4 only.
pub const TEXT_ACCEPT: &str = "text/plain;version=0.0.4";

/// node_exporter with its default collectors plus the textfile collector
/// reading a copy of `textfile` (a `.prom` file), if given.
pub fn node_exporter(textfile: Option<&Path>) -> Option<Server> {
    let bin = require_program("prometheus-node-exporter")?;
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let mut cmd = Command::new(bin);
    cmd.arg(format!("--web.listen-address=127.0.0.1:{port}"));
    if let Some(file) = textfile {
        let name = file.file_name().expect("file name");
        std::fs::copy(file, dir.path().join(name)).expect("copy the textfile");
        cmd.arg(format!(
            "--collector.textfile.directory={}",
            dir.path().display()
        ));
    }
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start node_exporter");
    Some(Server { child, port, dir })
}

/// Prometheus scraping itself and `targets` (job `node`, if any) every
/// second.
pub fn prometheus(targets: &[u16]) -> Option<Server> {
    let bin = require_program("prometheus")?;
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let mut config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  \
         - job_name: prometheus\n    static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n"
    );
    if !targets.is_empty() {
        let targets: Vec<String> = targets.iter().map(|p| format!("'127.0.0.1:{p}'")).collect();
        config.push_str(&format!(
            "  - job_name: node\n    static_configs: [{{targets: [{}]}}]\n",
            targets.join(", ")
        ));
    }
    let config_path = dir.path().join("prometheus.yml");
    std::fs::write(&config_path, config).expect("config");
    let child = Command::new(bin)
        .arg(format!("--config.file={}", config_path.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--log.level=warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start prometheus");
    Some(Server { child, port, dir })
}

/// GET `path` with `accept`; returns (Content-Type, body).
pub fn get(port: u16, path: &str, accept: &str) -> std::io::Result<(Option<String>, Vec<u8>)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: {accept}\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let ct = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("content-type")
            .then(|| v.trim().to_string())
    });
    if !head.starts_with("HTTP/1.1 200") && !head.starts_with("HTTP/1.0 200") {
        return Err(std::io::Error::other(head));
    }
    Ok((ct, raw[split + 4..].to_vec()))
}

impl Server {
    /// The `/metrics` page once the program answers (bounded wait).
    pub fn page(&self, accept: &str) -> (Option<String>, Vec<u8>) {
        wait_for(&format!("a page on port {}", self.port), START, || {
            get(self.port, "/metrics", accept).ok()
        })
    }

    /// The `/metrics` page once `ready` holds for it (bounded wait).
    pub fn page_when(&self, what: &str, ready: impl Fn(&[u8]) -> bool) -> Vec<u8> {
        wait_for(what, START, || {
            get(self.port, "/metrics", TEXT_ACCEPT)
                .ok()
                .map(|(_, body)| body)
                .filter(|b| ready(b))
        })
    }

    /// Writes `body` into the scratch directory as `name`; returns its path.
    pub fn save(&self, name: &str, body: &[u8]) -> std::path::PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, body).expect("write page");
        path
    }
}
