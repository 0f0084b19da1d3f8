//! The HTTP API's JSON answers, parsed exactly as Prometheus writes them.
//!
//! Every answer is an envelope `{"status": "success"|"error", "data": ...,
//! "errorType": ..., "error": ..., "warnings": [...]}`. Sample values are
//! strings (`"1.5"`, `"NaN"`, `"+Inf"`, `"-Inf"`), timestamps float seconds.

use crate::scrape::expo::MetricType;
use crate::vocab::labels::Labels;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::HashMap;
use std::time::Duration;

/// One series' points: its labels and (milliseconds, value) pairs in time
/// order.
pub type RangeSeries = (Labels, Vec<(i64, f64)>);

/// The result of an instant query.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// One value per series at the evaluation time.
    Vector(Vec<(Labels, f64)>),
    /// A range vector selector (`x[5m]`) queried at an instant: the raw
    /// samples, timestamps in milliseconds.
    Matrix(Vec<RangeSeries>),
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
    pub series: Vec<RangeSeries>,
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
    /// `scrapeInterval`, else the discovered `__scrape_interval__` label;
    /// `None` when the server says neither.
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

fn point((t, v): &(f64, Str<'_>)) -> Result<(i64, f64), WireError> {
    Ok((to_ms(*t)?, parse_value(&v.0)?))
}

/// A JSON string, borrowed from the body unless it holds escapes.
struct Str<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

/// A series' `metric` object: label names and values as written.
struct Metric<'a>(Vec<(Str<'a>, Str<'a>)>);

impl<'de: 'a, 'a> Deserialize<'de> for Metric<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Metric<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of label names and values")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Metric<'de>, A::Error> {
                let mut out = Vec::with_capacity(m.size_hint().unwrap_or(8));
                while let Some(pair) = m.next_entry()? {
                    out.push(pair);
                }
                Ok(Metric(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl Metric<'_> {
    fn labels(&self) -> Labels {
        Labels::from_pairs(self.0.iter().map(|(n, v)| (&*n.0, &*v.0)))
    }
}

/// The `data` of a query answer: the type, and the result left unparsed
/// until the type says what it is (the keys may come in any order).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data<'a> {
    #[serde(borrow)]
    result_type: Str<'a>,
    #[serde(borrow)]
    result: &'a RawValue,
}

#[derive(Deserialize)]
struct JsonSeries<'a> {
    #[serde(borrow)]
    metric: Metric<'a>,
    /// Absent for a native-histogram sample (not read by vitals).
    #[serde(borrow, default)]
    value: Option<(f64, Str<'a>)>,
    #[serde(borrow, default)]
    values: Vec<(f64, Str<'a>)>,
}

fn series_list<'a>(result: &'a RawValue) -> Result<Vec<JsonSeries<'a>>, WireError> {
    serde_json::from_str(result.get()).map_err(malformed)
}

fn matrix(result: &RawValue) -> Result<Vec<RangeSeries>, WireError> {
    series_list(result)?
        .iter()
        .map(|s| {
            let points = s.values.iter().map(point).collect::<Result<_, _>>()?;
            Ok((s.metric.labels(), points))
        })
        .collect()
}

/// Opens the envelope of a query answer straight from the body (no
/// intermediate JSON tree): its `data` and warnings. An answer that does
/// not fit gives the same errors as [`open`].
fn open_data(body: &[u8]) -> Result<(Data<'_>, Vec<String>), WireError> {
    match serde_json::from_slice::<TypedEnvelope<'_>>(body) {
        Ok(env) => match env.status.0.as_ref() {
            "success" => match env.data {
                Some(d) => Ok((d, env.warnings.unwrap_or_default())),
                None => Err(malformed("the answer has no data")),
            },
            _ => open(body).and(Err(malformed("unexpected status"))),
        },
        Err(e) => open(body).and(Err(malformed(e))),
    }
}

#[derive(Deserialize)]
struct TypedEnvelope<'a> {
    #[serde(borrow)]
    status: Str<'a>,
    #[serde(borrow, default)]
    data: Option<Data<'a>>,
    #[serde(default)]
    warnings: Option<Vec<String>>,
}

/// The answer of `/api/v1/query`: the value and the warnings.
pub(crate) fn instant(body: &[u8]) -> Result<(Value, Vec<String>), WireError> {
    let (data, warnings) = open_data(body)?;
    let value = match data.result_type.0.as_ref() {
        "vector" => {
            let list = series_list(data.result)?;
            let mut out = Vec::with_capacity(list.len());
            for s in &list {
                if let Some(v) = &s.value {
                    out.push((s.metric.labels(), point(v)?.1));
                }
            }
            Value::Vector(out)
        }
        "matrix" => Value::Matrix(matrix(data.result)?),
        "scalar" => {
            let p: (f64, Str<'_>) = serde_json::from_str(data.result.get()).map_err(malformed)?;
            Value::Scalar(point(&p)?.1)
        }
        "string" => {
            let (_, s): (f64, String) =
                serde_json::from_str(data.result.get()).map_err(malformed)?;
            Value::String(s)
        }
        other => return Err(malformed(format!("unknown result type {other:?}"))),
    };
    Ok((value, warnings))
}

/// The answer of `/api/v1/query_range` (always a matrix) and its warnings.
pub(crate) fn range(body: &[u8]) -> Result<(Vec<RangeSeries>, Vec<String>), WireError> {
    let (data, warnings) = open_data(body)?;
    match data.result_type.0.as_ref() {
        "matrix" => Ok((matrix(data.result)?, warnings)),
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
    /// Before relabelling; `__scrape_interval__` is there on servers that
    /// do not report `scrapeInterval` (VictoriaMetrics, Prometheus before
    /// 2.35).
    #[serde(default)]
    discovered_labels: HashMap<String, String>,
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
                    .as_deref()
                    .or(t
                        .discovered_labels
                        .get("__scrape_interval__")
                        .map(|s| s.as_str()))
                    .and_then(|s| crate::vocab::duration::parse_duration(s).ok())
                    .filter(|d| !d.is_zero()),
            }
        })
        .collect())
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
