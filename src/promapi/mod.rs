//! Where the engine's numbers come from when they are not scraped.
//!
//! [`prometheus`] asks a Prometheus-compatible HTTP API (Prometheus,
//! Thanos, Mimir, Cortex, VictoriaMetrics) for query results, target health,
//! metric names and metadata. It does one request per call and no retries:
//! retry and backoff belong to the caller, which also decides how long stale
//! data stays on screen.

mod batch;
pub mod feed;
mod history;
mod http;
mod plan;
pub mod poll;
pub mod prometheus;
mod step;
mod wire;

pub use plan::{Covered, Plan, CHART_POINTS};
pub use poll::{Discovery, Poller, Refresh, VectorResult};
pub use prometheus::{PromClient, PromOptions};
pub use step::{breaks_down_by_instance, limit_top, range_params, rerank_top, MAX_POINTS};
pub use wire::{
    scrape_interval, Health, QueryResult, RangeResult, RangeSeries, TargetHealth, Value,
};

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
    #[error("{url} did not answer within {}", crate::vocab::duration::format_duration(*.timeout))]
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

/// How long a caller waits before asking again after `failures` failed
/// attempts in a row: the refresh `interval` doubled per failure, at most
/// one minute (and never less than the interval). Zero failures: the
/// interval itself.
pub fn backoff(failures: u32, interval: Duration) -> Duration {
    const MAX: Duration = Duration::from_secs(60);
    let doubled = interval.saturating_mul(1u32 << failures.min(16));
    doubled.min(MAX.max(interval))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_minute() {
        let s = Duration::from_secs;
        assert_eq!(backoff(0, s(1)), s(1));
        assert_eq!(backoff(1, s(1)), s(2));
        assert_eq!(backoff(3, s(1)), s(8));
        assert_eq!(backoff(10, s(1)), s(60));
        assert_eq!(backoff(u32::MAX, s(1)), s(60));
        assert_eq!(backoff(2, s(120)), s(120), "never below the interval");
        assert_eq!(backoff(40, Duration::MAX), Duration::MAX);
    }

    #[test]
    fn transient_errors() {
        let url = String::from("http://h/api/v1/query");
        let http = |status| SourceError::Http {
            url: url.clone(),
            status,
            body_excerpt: String::new(),
        };
        assert!(http(503).is_transient() && http(429).is_transient());
        assert!(!http(404).is_transient());
        assert!(!SourceError::Config("x".into()).is_transient());
    }
}
