//! Scraping: one tokio task per target, turning HTTP bodies into samples.
//!
//! The tasks never touch the store or the screen; they send owned
//! [`ScrapeResult`]s down a bounded channel to the engine, each page as
//! its unparsed body ([`Page::body`]): the engine parses it straight into
//! the store.

pub mod expo;

use crate::vocab::labels::Labels;
use std::sync::Arc;
use std::time::Duration;

/// A target to scrape.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Target {
    /// Full URL, e.g. `http://127.0.0.1:9100/metrics`.
    pub url: String,
    /// `job` label (default `vitals`, or from file_sd labels).
    pub job: String,
    /// `instance` label: `host:port` of the URL unless given.
    pub instance: String,
    /// Extra target labels (from file_sd or config), attached to every series.
    pub labels: Labels,
    /// Scrape interval of this target (config `[[target]] interval`);
    /// `None`: the command's interval.
    pub interval: Option<Duration>,
    /// Scrape timeout of this target; `None`: 80 % of its own interval when
    /// it has one, else the command's timeout.
    pub timeout: Option<Duration>,
    /// Credentials and TLS settings (`None`: the shared plain client, no
    /// extra headers). Filled from the config with
    /// [`crate::net::build_http_auth`], or from a URL's `user:password@`.
    pub auth: Option<Arc<crate::net::HttpAuth>>,
    /// What one scrape of this target may bring.
    pub limits: ScrapeLimits,
    /// Not scraped, for this reason: stands for the targets of a file_sd
    /// file beyond its `target_limit` (one row, whatever their number).
    pub refused: Option<String>,
}

/// One scraped sample, owned.
#[derive(Clone, Debug, PartialEq)]
pub struct ScrapedSample {
    /// Labels including `__name__`, as exposed (target labels not yet added).
    pub labels: Labels,
    pub value: f64,
    /// Timestamp given on the page, ms since epoch.
    pub timestamp_ms: Option<i64>,
    /// The exemplar given with the sample (OpenMetrics), e.g. a trace id.
    pub exemplar: Option<Exemplar>,
}

/// An OpenMetrics exemplar: an example observation behind a sample, such as
/// the trace id of a slow request counted in a histogram bucket.
#[derive(Clone, Debug, PartialEq)]
pub struct Exemplar {
    /// The exemplar's own labels (e.g. `trace_id`), without `__name__`.
    pub labels: Labels,
    pub value: f64,
    /// Timestamp given with the exemplar, ms since epoch.
    pub timestamp_ms: Option<i64>,
}

/// Metric metadata from `# TYPE`, `# HELP`, `# UNIT`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FamilyMeta {
    pub name: String,
    pub kind: expo::MetricType,
    pub help: Option<String>,
    pub unit: Option<String>,
}

/// A successfully fetched page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    pub samples: Vec<ScrapedSample>,
    pub families: Vec<FamilyMeta>,
    /// Lines that could not be parsed.
    pub invalid_lines: u64,
    /// The first invalid line: "line N: reason".
    pub first_error: Option<String>,
    /// Body size after decompression.
    pub bytes: u64,
    /// The body itself when it is not parsed yet: the scrape tasks
    /// ([`scrape_body`]) leave parsing to the engine, which streams it
    /// straight into the store (`Engine::apply_body`). While it is set,
    /// `samples`, `families`, `invalid_lines` and `first_error` are empty;
    /// [`Page::parsed`] fills them.
    pub body: Option<Body>,
}

/// A fetched body, decompressed and within the size cap, with its
/// Content-Type (which picks the text format or OpenMetrics).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Body {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
}

impl Page {
    /// The page with its samples: itself when parsed, else its body
    /// parsed; a body without one valid sample is
    /// [`ScrapeError::NoSamples`], as in [`scrape_once`].
    pub fn parsed(self) -> Result<Page, ScrapeError> {
        let Some(body) = self.body else {
            return Ok(self);
        };
        let page = expo::parse_page(&body.bytes, body.content_type.as_deref());
        if page.samples.is_empty() {
            return Err(ScrapeError::NoSamples(page.first_error));
        }
        Ok(page)
    }
}

/// Why a scrape failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScrapeError {
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("timeout after {0:?}")]
    Timeout(Duration),
    #[error("HTTP {0}")]
    Status(String),
    /// 401 or 403: the target wants credentials or refuses ours, e.g.
    /// "401 unauthorized: credentials rejected".
    #[error("{0}")]
    Denied(String),
    #[error("body larger than {0} bytes")]
    BodyTooLarge(u64),
    #[error("unsupported encoding: {0}")]
    Encoding(String),
    #[error("no valid sample on the page{}", .0.as_ref().map(|e| format!(" ({e})")).unwrap_or_default())]
    NoSamples(Option<String>),
    /// A limit of [`ScrapeLimits`] broken by the page: nothing of it is
    /// stored.
    #[error("{0}")]
    Limit(String),
    #[error("{0}")]
    Other(String),
}

/// The outcome of one scrape of one target.
#[derive(Clone, Debug)]
pub struct ScrapeResult {
    pub target: Arc<Target>,
    /// When the scrape started, ms since epoch (the samples' timestamp).
    pub time_ms: i64,
    pub duration: Duration,
    pub outcome: Result<Page, ScrapeError>,
}

mod http;
mod limits;
mod runner;
mod sd;
mod sd_status;
mod series;
mod target;

pub use http::{build_client, scrape_body, scrape_once, ACCEPT_HEADER};
pub use limits::{
    LimitOverrides, ScrapeLimits, DEFAULT_LABEL_LIMIT, DEFAULT_LABEL_NAME_LENGTH_LIMIT,
    DEFAULT_LABEL_VALUE_LENGTH_LIMIT, DEFAULT_SAMPLE_LIMIT, DEFAULT_TARGET_LIMIT,
};
pub use runner::{
    run_scrapers, run_scrapers_with_stats, scrape_offset, target_options, ScrapeStats,
};
pub use sd::{
    read_file_sd, read_sd_entry, watch_file_sd, watch_file_sd_reporting, SdEntry, SdError,
    SD_POLL_INTERVAL,
};
pub use sd_status::SdErrors;
pub use target::{distinguish_paths, parse_target, url_credentials, TargetError, DEFAULT_JOB};

/// How targets are scraped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScrapeOptions {
    /// Time between two scrapes of one target (default 2 s).
    pub interval: Duration,
    /// Limit for one scrape, connection to last body byte (default 80 % of
    /// the interval).
    pub timeout: Duration,
    /// Largest body accepted, after decompression (default 16 MiB).
    pub body_limit: u64,
}

/// Default scrape interval.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(2);
/// Default body cap: 16 MiB.
pub const DEFAULT_BODY_LIMIT: u64 = 16 << 20;

impl ScrapeOptions {
    /// Options for `interval`, with the timeout at 80 % of it and the
    /// default body cap.
    pub fn with_interval(interval: Duration) -> Self {
        ScrapeOptions {
            interval,
            timeout: interval.mul_f64(0.8),
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }
}

impl Default for ScrapeOptions {
    fn default() -> Self {
        ScrapeOptions::with_interval(DEFAULT_INTERVAL)
    }
}
