//! The HTTP API's JSON answers, parsed exactly as Prometheus writes them.
//!
//! Every answer is an envelope `{"status": "success"|"error", "data": ...,
//! "errorType": ..., "error": ..., "warnings": [...]}`. Sample values are
//! strings (`"1.5"`, `"NaN"`, `"+Inf"`, `"-Inf"`), timestamps float seconds.

use crate::labels::Labels;
use crate::scrape::expo::MetricType;
use serde::Deserialize;
use std::collections::HashMap;
use std::time::Duration;

/// One series' points: its labels and (milliseconds, value) pairs in time
/// order.
pub type Series = (Labels, Vec<(i64, f64)>);

/// The result of an instant query.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// One value per series at the evaluation time.
    Vector(Vec<(Labels, f64)>),
    /// A range vector selector (`x[5m]`) queried at an instant: the raw
    /// samples, timestamps in milliseconds.
    Matrix(Vec<Series>),
    Scalar(f64),
    String(String),
}

/// An instant query's answer with the server's warnings (Thanos and Mimir
/// report partial responses there).
#[derive(Clone, Debug, PartialEq)]
pub struct QueryResult {
    pub value: Value,
    pub warnings: Vec<String>,
}

/// A range query's answer: each series' points (milliseconds, value) in
/// time order, and the server's warnings.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct RangeResult {
    pub series: Vec<Series>,
    pub warnings: Vec<String>,
}

/// A target's scrape health as the server reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    Up,
    Down,
    Unknown,
}

/// One active target from `/api/v1/targets`.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetHealth {
    pub scrape_url: String,
    pub job: String,
    pub instance: String,
    /// The target's labels after relabelling (`job`, `instance`, ...).
    pub labels: Labels,
    pub health: Health,
    /// Empty when the last scrape succeeded.
    pub last_error: String,
    pub last_scrape_duration: Duration,
    /// `None` when the server does not say (before Prometheus 2.35).
    pub scrape_interval: Option<Duration>,
}

/// The longest scrape interval among `targets`, if any reports one: the
/// interval a rate window (4 x) or a chart step must cover for every target.
pub fn scrape_interval(targets: &[TargetHealth]) -> Option<Duration> {
    targets.iter().filter_map(|t| t.scrape_interval).max()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    status: String,
    #[serde(default)]
    data: Option<serde_json::Value>,
    #[serde(default)]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warnings: Option<Vec<String>>,
}

/// What is wrong with an answer, before the endpoint is attached.
#[derive(Debug, PartialEq)]
pub(crate) enum WireError {
    /// `"status":"error"` with the server's type and message.
    Api {
        error_type: String,
        error: String,
    },
    Malformed(String),
}

fn malformed(e: impl std::fmt::Display) -> WireError {
    WireError::Malformed(e.to_string())
}

/// Opens the envelope: the `data` and `warnings` of a success.
pub(crate) fn open(body: &[u8]) -> Result<(serde_json::Value, Vec<String>), WireError> {
    let env: Envelope = serde_json::from_slice(body).map_err(|e| {
        WireError::Malformed(format!("not the API's JSON ({e}): {}", excerpt(body)))
    })?;
    match env.status.as_str() {
        "success" => Ok((
            env.data.unwrap_or(serde_json::Value::Null),
            env.warnings.unwrap_or_default(),
        )),
        "error" => Err(WireError::Api {
            error_type: env.error_type.unwrap_or_else(|| "unknown".into()),
            error: one_line(env.error.as_deref().unwrap_or("no message")),
        }),
        other => Err(malformed(format!("unknown status {other:?}"))),
    }
}

/// The first 200 characters of a body on one line.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line = one_line(text.trim());
    match line.char_indices().nth(200) {
        Some((i, _)) => format!("{}...", &line[..i]),
        None if line.is_empty() => "(empty body)".into(),
        None => line,
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A sample value as Prometheus formats it.
fn parse_value(s: &str) -> Result<f64, WireError> {
    match s {
        "NaN" => Ok(f64::NAN),
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        _ => s
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| malformed(format!("bad sample value {s:?}"))),
    }
}

/// Float seconds to milliseconds, rounded.
fn to_ms(t: f64) -> Result<i64, WireError> {
    let ms = (t * 1000.0).round();
    if ms.is_finite() && ms.abs() < 9.0e15 {
        Ok(ms as i64)
    } else {
        Err(malformed(format!("bad timestamp {t}")))
    }
}

fn point((t, v): &(f64, String)) -> Result<(i64, f64), WireError> {
    Ok((to_ms(*t)?, parse_value(v)?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    result_type: String,
    result: serde_json::Value,
}

#[derive(Deserialize)]
struct JsonSeries {
    metric: HashMap<String, String>,
    /// Absent for a native-histogram sample (not read by vitals).
    value: Option<(f64, String)>,
    #[serde(default)]
    values: Vec<(f64, String)>,
}

fn series_list(result: serde_json::Value) -> Result<Vec<JsonSeries>, WireError> {
    serde_json::from_value(result).map_err(malformed)
}

fn matrix(result: serde_json::Value) -> Result<Vec<Series>, WireError> {
    series_list(result)?
        .into_iter()
        .map(|s| {
            let points = s.values.iter().map(point).collect::<Result<_, _>>()?;
            Ok((Labels::from_pairs(s.metric), points))
        })
        .collect()
}

/// The `data` of `/api/v1/query`.
pub(crate) fn instant(data: serde_json::Value) -> Result<Value, WireError> {
    let data: Data = serde_json::from_value(data).map_err(malformed)?;
    match data.result_type.as_str() {
        "vector" => {
            let mut out = Vec::new();
            for s in series_list(data.result)? {
                if let Some(v) = &s.value {
                    out.push((Labels::from_pairs(s.metric), point(v)?.1));
                }
            }
            Ok(Value::Vector(out))
        }
        "matrix" => Ok(Value::Matrix(matrix(data.result)?)),
        "scalar" => {
            let p: (f64, String) = serde_json::from_value(data.result).map_err(malformed)?;
            Ok(Value::Scalar(point(&p)?.1))
        }
        "string" => {
            let (_, s): (f64, String) = serde_json::from_value(data.result).map_err(malformed)?;
            Ok(Value::String(s))
        }
        other => Err(malformed(format!("unknown result type {other:?}"))),
    }
}

/// The `data` of `/api/v1/query_range` (always a matrix).
pub(crate) fn range(data: serde_json::Value) -> Result<Vec<Series>, WireError> {
    let data: Data = serde_json::from_value(data).map_err(malformed)?;
    match data.result_type.as_str() {
        "matrix" => matrix(data.result),
        other => Err(malformed(format!("range query answered a {other}"))),
    }
}

/// A list of strings (`/label/.../values`, `/labels`).
pub(crate) fn strings(data: serde_json::Value) -> Result<Vec<String>, WireError> {
    match data {
        serde_json::Value::Null => Ok(Vec::new()),
        d => serde_json::from_value(d).map_err(malformed),
    }
}

#[derive(Deserialize)]
struct BuildInfo {
    version: String,
}

/// The `version` of `/api/v1/status/buildinfo`.
pub(crate) fn version(data: serde_json::Value) -> Result<String, WireError> {
    let b: BuildInfo = serde_json::from_value(data).map_err(malformed)?;
    Ok(b.version)
}

#[derive(Deserialize)]
struct Meta {
    #[serde(rename = "type")]
    kind: String,
}

fn metric_type(s: &str) -> MetricType {
    match s {
        "counter" => MetricType::Counter,
        "gauge" => MetricType::Gauge,
        "histogram" => MetricType::Histogram,
        "gaugehistogram" => MetricType::GaugeHistogram,
        "summary" => MetricType::Summary,
        "info" => MetricType::Info,
        "stateset" => MetricType::StateSet,
        _ => MetricType::Untyped,
    }
}

/// `/api/v1/metadata`: each metric's type (the first the server lists).
pub(crate) fn metadata(data: serde_json::Value) -> Result<HashMap<String, MetricType>, WireError> {
    let m: HashMap<String, Vec<Meta>> = match data {
        serde_json::Value::Null => HashMap::new(),
        d => serde_json::from_value(d).map_err(malformed)?,
    };
    Ok(m.into_iter()
        .filter_map(|(name, metas)| Some((name, metric_type(&metas.first()?.kind))))
        .collect())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Targets {
    #[serde(default)]
    active_targets: Vec<Target>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Target {
    #[serde(default)]
    labels: HashMap<String, String>,
    #[serde(default)]
    scrape_url: String,
    #[serde(default)]
    last_error: String,
    #[serde(default)]
    last_scrape_duration: f64,
    health: String,
    #[serde(default)]
    scrape_interval: Option<String>,
}

/// `/api/v1/targets`: the active targets.
pub(crate) fn targets(data: serde_json::Value) -> Result<Vec<TargetHealth>, WireError> {
    let t: Targets = serde_json::from_value(data).map_err(malformed)?;
    Ok(t.active_targets
        .into_iter()
        .map(|t| {
            let labels = Labels::from_pairs(t.labels);
            let health = match t.health.as_str() {
                "up" => Health::Up,
                "down" => Health::Down,
                _ => Health::Unknown,
            };
            let secs = t.last_scrape_duration;
            TargetHealth {
                scrape_url: t.scrape_url,
                job: labels.get("job").unwrap_or_default().to_string(),
                instance: labels.get("instance").unwrap_or_default().to_string(),
                labels,
                health,
                last_error: t.last_error,
                last_scrape_duration: Duration::try_from_secs_f64(secs).unwrap_or_default(),
                scrape_interval: t
                    .scrape_interval
                    .and_then(|s| crate::duration::parse_duration(&s).ok())
                    .filter(|d| !d.is_zero()),
            }
        })
        .collect())
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
