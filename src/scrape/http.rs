//! One scrape over HTTP: request, bounded streaming read, parse.

use super::{expo, Body, Page, ScrapeError, ScrapeOptions, ScrapeResult, Target};
use anyhow::Context;
use reqwest::header::{ACCEPT, CONTENT_ENCODING, CONTENT_TYPE};
use reqwest::StatusCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// The `Accept` header Prometheus 2.42 sends (OpenMetrics preferred, text
/// format 0.0.4 accepted, anything else last).
pub const ACCEPT_HEADER: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/// Bodies above this size are parsed off the async worker threads (by
/// [`scrape_once`]; the scrape tasks leave parsing to the engine).
const INLINE_PARSE_LIMIT: usize = 64 << 10;

/// The HTTP client shared by every target without credentials or TLS
/// settings of its own: rustls, gzip, proxies from the environment
/// (loopback never proxied), redirects only within the target's host (and
/// never from https down to http); see [`crate::net::base_builder`].
pub fn build_client(opts: &ScrapeOptions) -> anyhow::Result<reqwest::Client> {
    crate::net::base_builder()
        .connect_timeout(opts.timeout)
        .build()
        .context("cannot build the HTTP client")
}

/// Scrapes `target` once. `time_ms` is the wall-clock start; `duration`
/// covers the request and the whole body read (not the parse). Failures,
/// including a timeout over the whole exchange, are in `outcome`.
pub async fn scrape_once(
    client: &reqwest::Client,
    target: Arc<Target>,
    opts: &ScrapeOptions,
) -> ScrapeResult {
    let (time_ms, duration, fetched) = fetch_timed(client, &target, opts).await;
    let outcome = match fetched {
        Ok(body) => parse(body.bytes, body.content_type).await,
        Err(e) => Err(e),
    };
    ScrapeResult {
        target,
        time_ms,
        duration,
        outcome,
    }
}

/// [`scrape_once`] without the parse: a fetched page comes back as its
/// body ([`Page::body`], with `bytes` set) for the engine to parse
/// straight into the store. What the scrape tasks send.
pub async fn scrape_body(
    client: &reqwest::Client,
    target: Arc<Target>,
    opts: &ScrapeOptions,
) -> ScrapeResult {
    let (time_ms, duration, fetched) = fetch_timed(client, &target, opts).await;
    let outcome = fetched.map(|body| Page {
        bytes: body.bytes.len() as u64,
        body: Some(body),
        ..Page::default()
    });
    ScrapeResult {
        target,
        time_ms,
        duration,
        outcome,
    }
}

/// The wall-clock start, the length and the result of one fetch within
/// the scrape timeout.
async fn fetch_timed(
    client: &reqwest::Client,
    target: &Target,
    opts: &ScrapeOptions,
) -> (i64, Duration, Result<Body, ScrapeError>) {
    let time_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let start = Instant::now();
    let fetched = match tokio::time::timeout(opts.timeout, fetch(client, target, opts)).await {
        Ok(r) => r,
        Err(_) => Err(ScrapeError::Timeout(opts.timeout)),
    };
    (time_ms, start.elapsed(), fetched)
}

/// The body (decompressed, at most `body_limit` bytes) and its Content-Type.
/// The target's own client and headers are used when it has credentials
/// or TLS settings.
async fn fetch(
    shared: &reqwest::Client,
    target: &Target,
    opts: &ScrapeOptions,
) -> Result<Body, ScrapeError> {
    let auth = target.auth.as_deref();
    let client = auth.map_or(shared, |a| a.client());
    let mut req = client
        .get(&target.url)
        .header(ACCEPT, ACCEPT_HEADER)
        .header(
            "X-Prometheus-Scrape-Timeout-Seconds",
            format!("{}", opts.timeout.as_secs_f64()),
        );
    if let Some(a) = auth {
        req = a.apply(req);
    }
    let mut resp = req.send().await.map_err(request_error)?;
    let status = resp.status();
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        return Err(denied(status, auth.is_some_and(|a| a.has_credentials())));
    }
    if !status.is_success() {
        return Err(ScrapeError::Status(status.to_string()));
    }
    // reqwest removes the header once it has undone gzip; what is left is
    // an encoding it cannot decode.
    if let Some(enc) = resp.headers().get(CONTENT_ENCODING) {
        let enc = String::from_utf8_lossy(enc.as_bytes()).trim().to_string();
        if !enc.eq_ignore_ascii_case("identity") {
            return Err(ScrapeError::Encoding(enc));
        }
    }
    let limit = opts.body_limit;
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(ScrapeError::BodyTooLarge(limit));
    }
    let content_type = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let initial = resp.content_length().unwrap_or(64 << 10).min(limit);
    let mut body = Vec::with_capacity(usize::try_from(initial).unwrap_or(0));
    while let Some(chunk) = resp.chunk().await.map_err(body_error)? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(ScrapeError::BodyTooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Body {
        bytes: body,
        content_type,
    })
}

/// Parses the page; a page without one valid sample is an error. Large
/// bodies are parsed on the blocking pool; a parser failure is reported,
/// not propagated.
async fn parse(body: Vec<u8>, content_type: Option<String>) -> Result<Page, ScrapeError> {
    let bytes = body.len() as u64;
    let mut page = if body.len() <= INLINE_PARSE_LIMIT {
        expo::parse_page(&body, content_type.as_deref())
    } else {
        tokio::task::spawn_blocking(move || expo::parse_page(&body, content_type.as_deref()))
            .await
            .map_err(|e| ScrapeError::Other(format!("parser failed: {e}")))?
    };
    page.bytes = bytes;
    if page.samples.is_empty() {
        return Err(ScrapeError::NoSamples(page.first_error));
    }
    Ok(page)
}

/// "401 unauthorized" / "403 forbidden", saying whether credentials were sent.
fn denied(status: StatusCode, sent_credentials: bool) -> ScrapeError {
    let what = if status == StatusCode::UNAUTHORIZED {
        "401 unauthorized"
    } else {
        "403 forbidden"
    };
    let why = match (status == StatusCode::UNAUTHORIZED, sent_credentials) {
        (true, true) => "credentials rejected",
        (true, false) => "credentials required (bearer_token or basic_auth)",
        (false, true) => "credentials not allowed here",
        (false, false) => "access refused",
    };
    ScrapeError::Denied(format!("{what}: {why}"))
}

fn request_error(e: reqwest::Error) -> ScrapeError {
    if e.is_connect() {
        ScrapeError::Connect(root_cause(&e))
    } else if e.is_timeout() {
        ScrapeError::Connect(format!("connect timeout: {}", root_cause(&e)))
    } else {
        ScrapeError::Other(root_cause(&e))
    }
}

/// A rustls error, possibly inside I/O errors (which hide it from
/// `source()`).
fn is_tls(e: &(dyn std::error::Error + 'static)) -> bool {
    if e.is::<rustls::Error>() {
        return true;
    }
    match e
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        Some(inner) => is_tls(inner),
        None => false,
    }
}

fn body_error(e: reqwest::Error) -> ScrapeError {
    if e.is_decode() {
        ScrapeError::Encoding(format!("gzip: {}", root_cause(&e)))
    } else {
        ScrapeError::Other(format!("reading body: {}", root_cause(&e)))
    }
}

/// The innermost error message, on one line, with any URL's credentials
/// removed: reqwest's own text names the URL, which the target row shows
/// already. TLS failures say so.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    let mut tls = false;
    while let Some(next) = cur.source() {
        tls |= is_tls(next);
        cur = next;
    }
    let msg = crate::net::redact_urls(&cur.to_string().replace(['\n', '\r'], " "));
    if tls && !msg.starts_with("TLS") {
        format!("TLS: {msg}")
    } else {
        msg
    }
}
