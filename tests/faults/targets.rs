//! The hostile targets that vitals already holds against, kept held: one
//! real `vitals snapshot` run over a good target and a crowd of bad ones
//! (hung, slowloris, a 200 MiB body, a gzip bomb, garbage bytes, a redirect
//! loop, not HTTP at all, nothing listening). The run must end on its own
//! with exit 0, report every bad target down with its reason, keep the good
//! target's numbers, print nothing but JSON on stdout, and stay within a
//! generous memory bound.

use crate::common;

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const GOOD: &str = "# TYPE good_total counter\ngood_total 42\n";

/// What a hostile server does with each connection.
#[derive(Clone, Copy)]
enum Kind {
    Good,
    /// Reads the request and never answers.
    Hung,
    /// Sends the status line one byte every 100 ms, forever.
    Slowloris,
    /// A 200 response that declares and streams 200 MiB of samples.
    Huge,
    /// 64 MiB of samples compressed to well under 1 MiB.
    GzipBomb,
    /// A 200 response of binary garbage.
    Garbage,
    /// A redirect to itself, forever.
    RedirectLoop,
    /// Not HTTP at all.
    NotHttp,
}

async fn read_head(s: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    let mut seen = Vec::new();
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

fn gzip_bomb() -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let line = b"bomb_total 1\n";
    let chunk: Vec<u8> = line.iter().copied().cycle().take(1 << 20).collect();
    for _ in 0..64 {
        enc.write_all(&chunk).unwrap();
    }
    enc.finish().unwrap()
}

async fn serve(mut s: TcpStream, kind: Kind, port: u16, bomb: std::sync::Arc<Vec<u8>>) {
    if !matches!(kind, Kind::NotHttp) {
        read_head(&mut s).await;
    }
    let head = |len: usize, extra: &str| {
        format!("HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {len}\r\n{extra}\r\n")
    };
    let _ = match kind {
        Kind::Good => {
            s.write_all(format!("{}{GOOD}", head(GOOD.len(), "")).as_bytes())
                .await
        }
        Kind::Hung => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(())
        }
        Kind::Slowloris => {
            for b in b"HTTP/1.1 200 OK\r\nX-Slow: ".iter().cycle() {
                if s.write_all(&[*b]).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(())
        }
        Kind::Huge => {
            let total = 200usize << 20;
            let line = b"huge_total{a=\"0123456789\"} 1\n";
            let chunk: Vec<u8> = line.iter().copied().cycle().take(64 << 10).collect();
            let mut sent = 0;
            let mut r = s.write_all(head(total, "").as_bytes()).await;
            while r.is_ok() && sent < total {
                r = s.write_all(&chunk).await;
                sent += chunk.len();
            }
            r
        }
        Kind::GzipBomb => {
            let h = head(bomb.len(), "Content-Encoding: gzip\r\n");
            match s.write_all(h.as_bytes()).await {
                Ok(()) => s.write_all(&bomb).await,
                e => e,
            }
        }
        Kind::Garbage => {
            let body: Vec<u8> = (0..65536u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
                .collect();
            match s.write_all(head(body.len(), "").as_bytes()).await {
                Ok(()) => s.write_all(&body).await,
                e => e,
            }
        }
        Kind::RedirectLoop => {
            let r = format!(
                "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{port}/metrics\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            s.write_all(r.as_bytes()).await
        }
        Kind::NotHttp => s.write_all(b"SSH-2.0-OpenSSH_9.2\r\n\x00\x01\x02").await,
    };
    let _ = s.shutdown().await;
}

async fn start(kind: Kind, bomb: std::sync::Arc<Vec<u8>>) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            tokio::spawn(serve(s, kind, port, bomb.clone()));
        }
    });
    port
}

/// Peak resident memory of a running process, in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[test]
fn a_crowd_of_hostile_targets_is_reported_and_survived() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let bomb = std::sync::Arc::new(gzip_bomb());
    let kinds = [
        ("good", Kind::Good),
        ("hung", Kind::Hung),
        ("slowloris", Kind::Slowloris),
        ("huge", Kind::Huge),
        ("gzip bomb", Kind::GzipBomb),
        ("garbage", Kind::Garbage),
        ("redirect loop", Kind::RedirectLoop),
        ("not http", Kind::NotHttp),
    ];
    let mut urls: Vec<(&str, String)> = kinds
        .iter()
        .map(|(name, k)| {
            let port = rt.block_on(start(*k, bomb.clone()));
            (*name, format!("http://127.0.0.1:{port}/metrics"))
        })
        .collect();
    urls.push((
        "nothing listening",
        format!("http://127.0.0.1:{}/metrics", common::free_port()),
    ));

    let state = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vitals"))
        .args(["snapshot", "--format", "json", "--duration", "6s"])
        // A timeout roomy enough that a busy machine still follows the
        // redirect loop to its end; the hung and slow targets never end.
        .args(["--interval", "2s", "--timeout", "1800ms"])
        .args(urls.iter().map(|(_, u)| u.as_str()))
        .env("XDG_STATE_HOME", state.path())
        .env("XDG_CONFIG_HOME", state.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut peak = 0;
    // A generous bound: the snapshot lasts 6 s plus a timeout.
    let status = common::wait_for("the snapshot to end", Duration::from_secs(60), || {
        peak = peak.max(peak_rss_kib(pid).unwrap_or(0));
        child.try_wait().unwrap()
    });
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        peak < 512 * 1024,
        "peak RSS {peak} KiB over hostile targets"
    );

    let json: Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    let targets = json["targets"].as_array().unwrap();
    assert_eq!(targets.len(), urls.len(), "{json:#}");
    for (name, url) in &urls {
        let t = targets
            .iter()
            .find(|t| t["url"] == url.as_str())
            .unwrap_or_else(|| panic!("{name}: {url} missing from {json:#}"));
        let error = t["error"].as_str().unwrap_or("");
        eprintln!("{name}: up={} error={error:?}", t["up"]);
        if *name == "good" {
            assert_eq!(t["up"], true, "{name}: {t}");
            assert_eq!(t["samples"], 1, "{name}: {t}");
            continue;
        }
        assert_eq!(t["up"], false, "{name} must be down: {t}");
        assert!(!error.is_empty(), "{name} must say why: {t}");
        assert!(!error.contains('\n'), "{name}: one-line error: {error:?}");
        let expected: &[&str] = match *name {
            "hung" | "slowloris" => &["timeout", "timed out"],
            "huge" | "gzip bomb" => &["limit", "larger", "too large", "cap"],
            "redirect loop" => &["redirect"],
            _ => &[],
        };
        assert!(
            expected.is_empty() || expected.iter().any(|w| error.contains(w)),
            "{name}: error {error:?} should say one of {expected:?}"
        );
    }
    let good = json["panels"].as_array().unwrap();
    assert!(!good.is_empty());
}
