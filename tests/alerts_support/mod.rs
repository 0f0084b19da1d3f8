//! A loopback exporter for the end-to-end alert tests: serves
//! `queue_depth` at a value the test sets, or flapping between 9 and 1 on
//! every scrape.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The exporter; stops when dropped.
pub struct Exporter {
    pub addr: std::net::SocketAddr,
    value: Arc<AtomicU64>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// A value that makes the exporter alternate 9 and 1 on every scrape.
pub const FLAP: f64 = -1.0;

impl Exporter {
    pub fn start(value: f64) -> Exporter {
        let cell = Arc::new(AtomicU64::new(value.to_bits()));
        let scrapes = Arc::new(AtomicU64::new(0));
        let served = cell.clone();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let app = axum::Router::new().route(
                    "/metrics",
                    axum::routing::get(move || {
                        let v = f64::from_bits(served.load(Ordering::SeqCst));
                        let n = scrapes.fetch_add(1, Ordering::SeqCst);
                        let v = if v == FLAP {
                            if n % 2 == 0 {
                                9.0
                            } else {
                                1.0
                            }
                        } else {
                            v
                        };
                        async move { format!("# TYPE queue_depth gauge\nqueue_depth {v}\n") }
                    }),
                );
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stop_rx.await;
                    })
                    .await;
            });
        });
        Exporter {
            addr,
            value: cell,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    pub fn set(&self, v: f64) {
        self.value.store(v.to_bits(), Ordering::SeqCst);
    }

    /// `host:port` for the command line.
    pub fn target(&self) -> String {
        self.addr.to_string()
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A rule file with one alert `Deep: queue_depth > 5` (no `for`).
pub fn rule_file(dir: &std::path::Path, severity: &str) -> std::path::PathBuf {
    let p = dir.join("rules.yml");
    std::fs::write(
        &p,
        format!(
            "groups:\n  - name: g\n    rules:\n      - alert: Deep\n        expr: queue_depth > 5\n        labels:\n          severity: {severity}\n        annotations:\n          summary: \"queue {{{{ $value }}}} deep\"\n"
        ),
    )
    .unwrap();
    p
}
pub mod am;
pub mod tmux;
