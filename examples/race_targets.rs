//! N loopback scrape targets serving one live exporter's page, for
//! `scripts/ingest-race`. Every port serves the latest page fetched from
//! SOURCE (a real node_exporter), refetched at most once a second and
//! shared by all ports, so the counters move as they do live.
//!
//! `cargo run --release --example race_targets -- SOURCE_URL N FILE_SD`
//! binds N free ports on 127.0.0.1, writes FILE_SD (a Prometheus file_sd
//! JSON file listing them, `job="race"`), prints `file_sd: FILE_SD` and
//! serves until killed.

use anyhow::{bail, Context, Result};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::io::Write;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// The page every port serves: the last one fetched.
type Page = Arc<RwLock<Bytes>>;

/// The classic text format, asked of the source and served as is.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

async fn fetch(client: &reqwest::Client, url: &str) -> Result<Bytes> {
    let resp = client
        .get(url)
        .header(header::ACCEPT, "text/plain; version=0.0.4")
        .send()
        .await?
        .error_for_status()?;
    Ok(resp.bytes().await?)
}

async fn metrics(State(page): State<Page>) -> impl IntoResponse {
    let body = page.read().unwrap_or_else(|e| e.into_inner()).clone();
    ([(header::CONTENT_TYPE, TEXT_FORMAT)], body)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [source, n, file_sd] = args.as_slice() else {
        bail!("usage: race_targets SOURCE_URL N FILE_SD");
    };
    let n: usize = n.parse().context("N: a number of targets")?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()?;
    let first = fetch(&client, source)
        .await
        .with_context(|| format!("cannot fetch {source}"))?;
    let page: Page = Arc::new(RwLock::new(first));

    let app = Router::new()
        .route("/metrics", get(metrics))
        .with_state(page.clone());
    let mut targets = Vec::with_capacity(n);
    for _ in 0..n {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        targets.push(listener.local_addr()?.to_string());
        let app = app.clone();
        tokio::spawn(async move { axum::serve(listener, app).await });
    }
    let groups = serde_json::json!([{"targets": targets, "labels": {"job": "race"}}]);
    std::fs::write(file_sd, serde_json::to_string_pretty(&groups)? + "\n")
        .with_context(|| format!("cannot write {file_sd}"))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "file_sd: {file_sd}")?;
    out.flush()?;
    drop(out);

    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match fetch(&client, source).await {
            Ok(body) => *page.write().unwrap_or_else(|e| e.into_inner()) = body,
            // The last page stays served; the source may be back next second.
            Err(e) => eprintln!("race_targets: {source}: {e:#}"),
        }
    }
}
