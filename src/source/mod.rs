//! Where the engine's numbers come from when they are not scraped.
//!
//! [`prometheus`] asks a Prometheus-compatible HTTP API (Prometheus,
//! Thanos, Mimir, Cortex, VictoriaMetrics) for query results, target health,
//! metric names and metadata. It does one request per call and no retries:
//! retry and backoff belong to the caller, which also decides how long stale
//! data stays on screen.

mod http;
pub mod prometheus;
mod step;
mod wire;

pub use prometheus::{PromClient, PromOptions};
pub use step::{limit_top, range_params, MAX_POINTS};
pub use wire::{scrape_interval, Health, QueryResult, RangeResult, Series, TargetHealth, Value};

use std::time::Duration;

/// Why a request to the server gave no answer. Every message is one line
/// and names the endpoint (credentials removed).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SourceError {
    /// The server URL or a header cannot be used.
    #[error("bad --prometheus setting: {0}")]
    Config(String),
    /// No HTTP answer: connection refused, DNS, TLS, reset.
    #[error("cannot reach {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// No complete answer within the timeout.
    #[error("{url} did not answer within {}", crate::duration::format_duration(*.timeout))]
    Timeout { url: String, timeout: Duration },
    /// A non-success status without Prometheus's error JSON.
    #[error("{url} answered HTTP {status}: {body_excerpt}")]
    Http {
        url: String,
        status: u16,
        body_excerpt: String,
    },
    /// Prometheus's own error answer (`"status":"error"`), e.g. a query
    /// that does not parse (`bad_data`) or took too long (`timeout`).
    #[error("{url} refused the request ({error_type}): {error}")]
    BadData {
        url: String,
        error_type: String,
        error: String,
    },
    /// An answer that is not the API's JSON, or is larger than allowed.
    #[error("{url} sent an unreadable answer: {reason}")]
    Malformed { url: String, reason: String },
}

impl SourceError {
    /// True for errors that may go away on their own (worth retrying with
    /// backoff): unreachable, timeout, 5xx and 429. A refused query or a
    /// bad setting will fail the same way again.
    pub fn is_transient(&self) -> bool {
        match self {
            SourceError::Unreachable { .. } | SourceError::Timeout { .. } => true,
            SourceError::Http { status, .. } => *status >= 500 || *status == 429,
            SourceError::BadData { error_type, .. } => {
                matches!(error_type.as_str(), "timeout" | "unavailable" | "internal")
            }
            SourceError::Config(_) | SourceError::Malformed { .. } => false,
        }
    }
}
