//! A client for the Prometheus HTTP API (`/api/v1/...`), as spoken by
//! Prometheus, Thanos, Mimir, Cortex and VictoriaMetrics.
//!
//! One call is one request with a deadline ([`PromOptions::timeout`] covers
//! connecting, the answer and its whole body). Identical requests made
//! while one is in flight share its answer. There are no retries here: the
//! caller retries with backoff ([`SourceError::is_transient`] says when it
//! is worth it) and keeps showing its last good data meanwhile.

use super::http::{header_map, Base, Http};
use super::wire::{self, QueryResult, RangeResult, TargetHealth};
use super::SourceError;
use crate::scrape::expo::MetricType;
use reqwest::Method;
use std::collections::HashMap;
use std::time::Duration;

/// How the client talks to the server.
#[derive(Clone, Debug)]
pub struct PromOptions {
    /// Deadline for each request, body included.
    pub timeout: Duration,
    /// Sent with every request, e.g. `("X-Scope-OrgID", "tenant")` for
    /// Mimir, Cortex or Loki-style multi-tenant stores.
    pub headers: Vec<(String, String)>,
    /// Largest answer accepted, in bytes.
    pub body_limit: usize,
    /// Credentials and TLS settings (from [`crate::net::build_http_auth`]).
    pub auth: Option<std::sync::Arc<crate::net::HttpAuth>>,
}

impl Default for PromOptions {
    fn default() -> Self {
        PromOptions {
            timeout: Duration::from_secs(10),
            headers: Vec::new(),
            body_limit: 128 << 20,
            auth: None,
        }
    }
}

/// A Prometheus-compatible server. Cheap to share behind an `Arc`; every
/// method takes `&self` and may run concurrently.
pub struct PromClient {
    http: Http,
}

impl std::fmt::Debug for PromClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PromClient")
            .field("url", &self.http.base.shown())
            .finish_non_exhaustive()
    }
}

/// Seconds with milliseconds, as the API takes times (`1700000000.123`).
fn seconds(ms: i64) -> String {
    format!("{}.{:03}", ms.div_euclid(1000), ms.rem_euclid(1000))
}

/// A selector for exactly the metric `name`, whatever characters it holds.
fn name_selector(name: &str) -> String {
    let escaped = name
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!("{{__name__=\"{escaped}\"}}")
}

impl PromClient {
    /// A client for the server at `base_url` (`http://h:9090`, with any
    /// path prefix such as `/prometheus` or `/api/prom`; a bare `h:9090`
    /// means http). `user:password@` in the URL becomes basic auth and is
    /// removed from every message.
    pub fn new(base_url: &str, opts: PromOptions) -> Result<PromClient, SourceError> {
        let base = Base::parse(base_url)?;
        let mut headers = header_map(&opts.headers)?;
        let client = match &opts.auth {
            Some(auth) => {
                if base.has_credentials() && auth.has_credentials() {
                    let msg = "credentials both in the URL and in the settings: give only one";
                    return Err(SourceError::Config(msg.into()));
                }
                headers.extend(auth.headers().clone());
                auth.client().clone()
            }
            None => crate::net::base_builder()
                .connect_timeout(opts.timeout)
                .build()
                .map_err(|e| SourceError::Config(format!("cannot build the HTTP client: {e}")))?,
        };
        let http = Http::new(base, client, headers, opts.timeout, opts.body_limit);
        Ok(PromClient { http })
    }

    /// The server's base URL as shown to the user (no credentials).
    pub fn url(&self) -> String {
        self.http.base.shown()
    }

    /// Evaluates `expr` at `t_ms` (`POST /api/v1/query`, form-encoded so
    /// long expressions fit).
    pub async fn query(&self, expr: &str, t_ms: i64) -> Result<QueryResult, SourceError> {
        self.query_as(expr, t_ms, false).await
    }

    /// [`PromClient::query`], asking for the answer uncompressed: cheaper
    /// for both sides when it is known to be small (a few series).
    pub async fn query_uncompressed(
        &self,
        expr: &str,
        t_ms: i64,
    ) -> Result<QueryResult, SourceError> {
        self.query_as(expr, t_ms, true).await
    }

    pub(super) async fn query_as(
        &self,
        expr: &str,
        t_ms: i64,
        plain: bool,
    ) -> Result<QueryResult, SourceError> {
        let params = vec![("query", expr.to_string()), ("time", seconds(t_ms))];
        let (value, warnings) = self
            .http
            .call_with(Method::POST, "/api/v1/query", params, plain, wire::instant)
            .await?;
        Ok(QueryResult { value, warnings })
    }

    /// Evaluates `expr` from `start_ms` to `end_ms` every `step_ms`
    /// (`POST /api/v1/query_range`); see [`super::range_params`].
    pub async fn query_range(
        &self,
        expr: &str,
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
    ) -> Result<RangeResult, SourceError> {
        if step_ms <= 0 || end_ms < start_ms {
            let msg = format!("range query needs start <= end and a step > 0 (got {start_ms}..{end_ms} every {step_ms} ms)");
            return Err(SourceError::Config(msg));
        }
        let params = vec![
            ("query", expr.to_string()),
            ("start", seconds(start_ms)),
            ("end", seconds(end_ms)),
            ("step", seconds(step_ms)),
        ];
        let api = "/api/v1/query_range";
        let (series, warnings) = self
            .http
            .call_with(Method::POST, api, params, false, wire::range)
            .await?;
        Ok(RangeResult { series, warnings })
    }

    /// The active targets and their health (`GET /api/v1/targets`).
    /// Mimir and Cortex have no such endpoint: expect an error (HTTP 404)
    /// and fall back to the `up` series.
    pub async fn targets(&self) -> Result<Vec<TargetHealth>, SourceError> {
        let api = "/api/v1/targets";
        let params = vec![("state", "active".to_string())];
        let (data, _) = self.http.call(Method::GET, api, params).await?;
        wire::targets(data).map_err(|e| malformed(self.shown(api), e))
    }

    /// The server's version (`GET /api/v1/status/buildinfo`).
    pub async fn buildinfo(&self) -> Result<String, SourceError> {
        let api = "/api/v1/status/buildinfo";
        let (data, _) = self.http.call(Method::GET, api, Vec::new()).await?;
        wire::version(data).map_err(|e| malformed(self.shown(api), e))
    }

    /// Every metric name the server holds (`GET /api/v1/label/__name__/values`).
    pub async fn metric_names(&self) -> Result<Vec<String>, SourceError> {
        let api = "/api/v1/label/__name__/values";
        let (data, _) = self.http.call(Method::GET, api, Vec::new()).await?;
        wire::strings(data).map_err(|e| malformed(self.shown(api), e))
    }

    /// Each metric's type (`GET /api/v1/metadata`). Metrics the server has
    /// no metadata for are absent.
    pub async fn metadata(&self) -> Result<HashMap<String, MetricType>, SourceError> {
        let api = "/api/v1/metadata";
        let (data, _) = self.http.call(Method::GET, api, Vec::new()).await?;
        wire::metadata(data).map_err(|e| malformed(self.shown(api), e))
    }

    /// The label names the series of `metric` carry, `__name__` included
    /// (`GET /api/v1/labels?match[]={__name__="metric"}`).
    pub async fn label_names(&self, metric: &str) -> Result<Vec<String>, SourceError> {
        let api = "/api/v1/labels";
        let params = vec![("match[]", name_selector(metric))];
        let (data, _) = self.http.call(Method::GET, api, params).await?;
        wire::strings(data).map_err(|e| malformed(self.shown(api), e))
    }

    pub(super) fn shown(&self, api: &str) -> String {
        format!("{}{api}", self.http.base.shown())
    }
}

fn malformed(url: String, e: wire::WireError) -> SourceError {
    match e {
        wire::WireError::Api { error_type, error } => SourceError::BadData {
            url,
            error_type,
            error,
        },
        wire::WireError::Malformed(reason) => SourceError::Malformed { url, reason },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_seconds_with_milliseconds() {
        assert_eq!(seconds(1_700_000_000_123), "1700000000.123");
        assert_eq!(seconds(5), "0.005");
        assert_eq!(seconds(-1_500), "-2.500");
        assert_eq!(seconds(0), "0.000");
    }

    #[test]
    fn name_selectors_are_quoted() {
        assert_eq!(name_selector("up"), r#"{__name__="up"}"#);
        assert_eq!(name_selector(r#"a"b\c"#), r#"{__name__="a\"b\\c"}"#);
    }

    #[test]
    fn bad_settings_are_one_line_errors() {
        let e = PromClient::new("gopher://x", PromOptions::default()).unwrap_err();
        assert!(e.to_string().starts_with("bad --prometheus setting"), "{e}");
        let opts = PromOptions {
            headers: vec![("X-Scope-OrgID".into(), "a\r\nb".into())],
            ..PromOptions::default()
        };
        assert!(PromClient::new("http://127.0.0.1:9090", opts).is_err());
    }
}
