//! Tiny HTTP/1.1 servers on 127.0.0.1 for the scrape tests: each connection
//! gets one scripted reply and is then closed.
#![allow(dead_code)]

use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// What the server does with request number N.
pub enum Reply {
    /// A complete response.
    Page {
        status: &'static str,
        content_type: Option<&'static str>,
        gzip: bool,
        body: Vec<u8>,
    },
    /// Read the request, then never answer (the socket stays open).
    Hang,
    /// A 200 response streaming `total` bytes of samples, with or without
    /// a Content-Length header.
    Stream { total: u64, content_length: bool },
    /// Send these bytes, then never send more (the socket stays open).
    RawThenHang(Vec<u8>),
    /// Not HTTP at all.
    Raw(Vec<u8>),
}

impl Reply {
    pub fn ok(body: &str) -> Reply {
        Reply::Page {
            status: "200 OK",
            content_type: Some("text/plain; version=0.0.4; charset=utf-8"),
            gzip: false,
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn status(status: &'static str) -> Reply {
        Reply::Page {
            status,
            content_type: Some("text/plain"),
            gzip: false,
            body: b"oops\n".to_vec(),
        }
    }
}

pub struct Server {
    pub addr: SocketAddr,
    /// Each request's head, in arrival order.
    pub requests: Arc<Mutex<Vec<String>>>,
    /// Body bytes written successfully by `Reply::Stream`.
    pub written: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://{}/metrics", self.addr)
    }

    pub fn request_count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves on a fresh port.
pub async fn serve<F>(reply: F) -> Server
where
    F: Fn(usize) -> Reply + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve_on(listener, reply)
}

/// Serves on `listener`.
pub fn serve_on<F>(listener: TcpListener, reply: F) -> Server
where
    F: Fn(usize) -> Reply + Send + Sync + 'static,
{
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let written = Arc::new(AtomicU64::new(0));
    let reply = Arc::new(reply);
    let count = Arc::new(AtomicUsize::new(0));
    let (req, wr) = (requests.clone(), written.clone());
    let task = tokio::spawn(async move {
        // Dropping the set (when the server task is aborted) aborts every
        // connection, hung ones included.
        let mut conns = JoinSet::new();
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                continue;
            };
            let (reply, count, req, wr) = (reply.clone(), count.clone(), req.clone(), wr.clone());
            conns.spawn(async move {
                let _ = handle(sock, &*reply, &count, &req, &wr).await;
            });
        }
    });
    Server {
        addr,
        requests,
        written,
        task,
    }
}

async fn handle(
    mut sock: TcpStream,
    reply: &(dyn Fn(usize) -> Reply + Send + Sync),
    count: &AtomicUsize,
    requests: &Mutex<Vec<String>>,
    written: &AtomicU64,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = sock.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    requests
        .lock()
        .unwrap()
        .push(String::from_utf8_lossy(&head).into_owned());
    match reply(count.fetch_add(1, Ordering::SeqCst)) {
        Reply::Page {
            status,
            content_type,
            gzip,
            body,
        } => {
            let body = if gzip { gzip_bytes(&body) } else { body };
            let mut out = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            if let Some(ct) = content_type {
                out.push_str(&format!("Content-Type: {ct}\r\n"));
            }
            if gzip {
                out.push_str("Content-Encoding: gzip\r\n");
            }
            out.push_str("\r\n");
            sock.write_all(out.as_bytes()).await?;
            sock.write_all(&body).await?;
            sock.shutdown().await?;
        }
        Reply::Hang => {
            std::future::pending::<()>().await;
        }
        Reply::Stream {
            total,
            content_length,
        } => {
            let mut out = String::from(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n",
            );
            if content_length {
                out.push_str(&format!("Content-Length: {total}\r\n"));
            }
            out.push_str("\r\n");
            sock.write_all(out.as_bytes()).await?;
            let line = b"big_metric{label=\"some value to fill the page\"} 1\n";
            let chunk: Vec<u8> = line.iter().copied().cycle().take(64 << 10).collect();
            let mut left = total;
            while left > 0 {
                let n = left.min(chunk.len() as u64) as usize;
                sock.write_all(&chunk[..n]).await?;
                written.fetch_add(n as u64, Ordering::Relaxed);
                left -= n as u64;
            }
            sock.shutdown().await?;
        }
        Reply::RawThenHang(bytes) => {
            sock.write_all(&bytes).await?;
            std::future::pending::<()>().await;
        }
        Reply::Raw(bytes) => {
            sock.write_all(&bytes).await?;
            sock.shutdown().await?;
        }
    }
    Ok(())
}

pub fn gzip_bytes(body: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(body).unwrap();
    enc.finish().unwrap()
}

/// A loopback port with nothing listening on it.
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Waits for `cond` to hold, checking every 10 ms, for at most `limit`.
pub async fn wait_for(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    cond()
}

pub const GOOD_PAGE: &str = "# HELP up_total A counter.\n# TYPE up_total counter\nup_total 3\nhttp_requests_total{code=\"200\",path=\"/a\"} 17 1700000000000\nlatency_seconds 0.25\n";
