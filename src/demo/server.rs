//! The exporters: one axum HTTP server per app instance and one for the
//! autoscaler, each on its own loopback port.

use super::clock::Started;
use super::page;
use super::sim::Sim;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// State every exporter shares: the simulation and its clock.
#[derive(Debug)]
pub(crate) struct Shared {
    sim: Mutex<Sim>,
    pub(crate) clock: Started,
}

impl Shared {
    pub(crate) fn new(sim: Sim, clock: Started) -> Self {
        Shared {
            sim: Mutex::new(sim),
            clock,
        }
    }

    /// Runs `f` on the simulation brought up to the clock's present.
    pub(crate) fn with_sim<R>(&self, f: impl FnOnce(&Sim) -> R) -> R {
        let mut sim = self.sim.lock().unwrap_or_else(|e| e.into_inner());
        sim.advance_to(self.clock.elapsed());
        f(&sim)
    }
}

/// What an exporter serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    App(u64),
    Autoscaler,
}

/// A running exporter.
#[derive(Debug)]
pub(crate) struct Exporter {
    pub(crate) addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Exporter {
    /// Binds a free loopback port and starts serving on the current
    /// tokio runtime; the port listens when this returns.
    pub(crate) fn spawn(shared: Arc<Shared>, role: Role) -> std::io::Result<Exporter> {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let listener = tokio::net::TcpListener::from_std(std_listener)?;
        let app = Router::new()
            .route("/metrics", get(metrics))
            .route("/", get(index))
            .with_state((shared, role));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!("demo exporter on {addr} failed: {e}");
            }
        });
        Ok(Exporter {
            addr,
            stop: Some(stop),
            task,
        })
    }

    /// `host:port` as file_sd lists it.
    pub(crate) fn host_port(&self) -> String {
        self.addr.to_string()
    }

    /// The scrape URL.
    pub(crate) fn url(&self) -> String {
        format!("http://{}/metrics", self.addr)
    }

    /// Asks the server to stop: it closes its port at once and finishes
    /// the requests under way.
    pub(crate) fn signal_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Stops the server, waiting at most `grace` for requests under way.
    pub(crate) async fn stop(mut self, grace: Duration) {
        self.signal_stop();
        if tokio::time::timeout(grace, &mut self.task).await.is_err() {
            self.task.abort();
            let _ = self.task.await;
        }
    }

    /// Stops the server without waiting.
    pub(crate) fn abort(&mut self) {
        self.signal_stop();
        self.task.abort();
    }
}

async fn metrics(State((shared, role)): State<(Arc<Shared>, Role)>) -> Response {
    let body = match role {
        Role::Autoscaler => Some(shared.with_sim(|sim| page::autoscaler_page(sim.autoscaler()))),
        Role::App(id) => {
            let epoch = shared.clock.epoch;
            shared.with_sim(|sim| {
                sim.instance(id)
                    .map(|inst| page::instance_page(inst, epoch))
            })
        }
    };
    match body {
        Some(body) => ([(header::CONTENT_TYPE, page::CONTENT_TYPE)], body).into_response(),
        None => (StatusCode::SERVICE_UNAVAILABLE, "instance stopped\n").into_response(),
    }
}

async fn index(State((_, role)): State<(Arc<Shared>, Role)>) -> Response {
    let what = match role {
        Role::App(id) => format!("vitals demo app instance {id}"),
        Role::Autoscaler => "vitals demo autoscaler".to_string(),
    };
    format!("{what}\nmetrics: /metrics\n").into_response()
}
