//! Live pages: Debian's prometheus-node-exporter and prometheus, started by
//! the test on loopback, fetched with the Accept headers for both formats
//! (the server picks; Debian's versions answer 0.0.4) and parsed with no invalid
//! line. Skipped with a note when the binaries are not installed.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use vitals::scrape::expo::{format_from_content_type, parse_page, Format};

/// Kills the child when the test ends, however it ends.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// GET `path` with `accept`; returns (Content-Type, body).
fn get(port: u16, path: &str, accept: &str) -> std::io::Result<(Option<String>, Vec<u8>)> {
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

/// Waits (bounded) until the server answers, then fetches the page.
fn fetch_when_up(port: u16, accept: &str) -> (Option<String>, Vec<u8>) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match get(port, "/metrics", accept) {
            Ok(r) => return r,
            Err(e) if Instant::now() > deadline => panic!("no page on port {port}: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

const OM_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5";
const TEXT_ACCEPT: &str = "text/plain;version=0.0.4";

fn check_page(what: &str, ct: Option<&str>, body: &[u8]) -> usize {
    let page = parse_page(body, ct);
    assert_eq!(
        page.invalid_lines, 0,
        "{what} ({ct:?}): {:?}",
        page.first_error
    );
    let text = String::from_utf8_lossy(body);
    let om = format_from_content_type(ct) == Format::OpenMetrics;
    let created = |l: &&str| {
        let name = l.split(['{', ' ']).next().unwrap_or("");
        om && name.ends_with("_created")
    };
    let lines = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| !created(l))
        .count();
    assert_eq!(page.samples.len(), lines, "{what} ({ct:?})");
    page.samples.len()
}

fn binary(path: &str) -> bool {
    if Path::new(path).exists() {
        return true;
    }
    eprintln!("note: {path} not installed; live page test skipped");
    false
}

#[test]
fn live_node_exporter_pages() {
    if !binary("/usr/bin/prometheus-node-exporter") {
        return;
    }
    let port = free_port();
    let child = Command::new("/usr/bin/prometheus-node-exporter")
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start node exporter");
    let _guard = Guard(child);
    for accept in [TEXT_ACCEPT, OM_ACCEPT] {
        let (ct, body) = fetch_when_up(port, accept);
        let n = check_page("node_exporter", ct.as_deref(), &body);
        assert!(n > 100, "{n} samples");
        let page = parse_page(&body, ct.as_deref());
        assert!(page
            .samples
            .iter()
            .any(|s| s.labels.name() == Some("node_cpu_seconds_total")));
    }
}

#[test]
fn live_prometheus_pages() {
    if !binary("/usr/bin/prometheus") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("prometheus.yml");
    std::fs::write(&config, "global:\n  scrape_interval: 15s\n").expect("config");
    let port = free_port();
    let child = Command::new("/usr/bin/prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start prometheus");
    let _guard = Guard(child);
    for accept in [TEXT_ACCEPT, OM_ACCEPT] {
        let (ct, body) = fetch_when_up(port, accept);
        let n = check_page("prometheus", ct.as_deref(), &body);
        assert!(n > 100, "{n} samples");
    }
}
