//! One refresh of the dashboard over a server: what to ask ([`Plan`]), the
//! discovery of metric names and targets ([`Discovery`]), and the
//! concurrent queries of one refresh ([`Refresh`]), with chart ranges
//! fetched incrementally on an aligned step grid.

use super::batch::{Batcher, Kind};
use super::plan::Plan;
use super::prometheus::PromClient;
use super::wire::{RangeSeries, TargetHealth, Value};
use super::SourceError;
use crate::scrape::expo::MetricType;
use crate::vocab::labels::Labels;
use futures_util::future::join_all;
use futures_util::stream::{FuturesOrdered, StreamExt};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// Instant answers of at most this many series last time are asked for
/// uncompressed (a few hundred bytes to a few KiB: gzip costs more CPU on
/// both sides than it saves); larger ones, such as the instance table's
/// `topk(200, …)` on a big fleet, stay compressed.
const SMALL_ANSWER: usize = 20;
/// The same for a batch of queries ([`super::batch`]), all members added.
const SMALL_BATCH: usize = 64;

/// At most this many metrics are asked for their label names during
/// discovery (the ones detection reads labels of).
const MAX_LABEL_LOOKUPS: usize = 64;

/// What the server holds, for detection and the status line.
#[derive(Clone, Debug, Default)]
pub struct Discovery {
    /// Every metric name.
    pub names: Vec<String>,
    /// Family types by family name (`/api/v1/metadata`; empty when the
    /// server has none).
    pub types: HashMap<String, MetricType>,
    /// Label names of the metrics detection looks at (histogram buckets,
    /// request counters, latency summaries).
    pub labels: HashMap<String, Vec<String>>,
    /// `None` when the server has no version endpoint (Mimir, Cortex).
    pub version: Option<String>,
    /// `None` when the server has no targets endpoint.
    pub targets: Option<Vec<TargetHealth>>,
}

/// An instant result as a vector of (labels, value), or why there is none.
pub type VectorResult = Result<Vec<(Labels, f64)>, String>;

/// The answers of one refresh at `time_ms`.
#[derive(Clone, Debug, Default)]
pub struct Refresh {
    /// The evaluation instant of every instant query.
    pub time_ms: i64,
    /// By expression text.
    pub instant: HashMap<String, VectorResult>,
    /// Chart series by expression text: the whole window, oldest first.
    pub charts: HashMap<String, Result<Arc<Vec<RangeSeries>>, String>>,
    /// Target health, when asked and answered this time (`Err` when the
    /// server has no such endpoint).
    pub targets: Option<Result<Vec<TargetHealth>, String>>,
    /// Partial-response and other warnings, without duplicates.
    pub warnings: Vec<String>,
    /// Queries asked (a batched request counts each of its members) and
    /// the targets listing.
    pub requests: u32,
    /// The first error of the refresh, and whether every request failed.
    pub error: Option<String>,
    pub all_failed: bool,
    /// The error was a transient one (worth backing off and retrying).
    pub transient: bool,
}

/// A chart's points on the step grid, kept between refreshes.
#[derive(Default)]
struct ChartCache {
    step: i64,
    start: i64,
    end: i64,
    series: BTreeMap<Labels, Vec<(i64, f64)>>,
    shared: Arc<Vec<RangeSeries>>,
}

impl ChartCache {
    /// Merges points fetched from `from` on, dropping those before `start`.
    fn merge(&mut self, fetched: Vec<RangeSeries>, from: i64, start: i64, end: i64) {
        for pts in self.series.values_mut() {
            pts.retain(|(t, _)| *t >= start && *t < from);
        }
        for (labels, pts) in fetched {
            self.series.entry(labels).or_default().extend(pts);
        }
        self.series.retain(|_, pts| !pts.is_empty());
        self.start = start;
        self.end = end;
        self.shared = Arc::new(
            self.series
                .iter()
                .map(|(l, p)| (l.clone(), p.clone()))
                .collect(),
        );
    }
}

/// Chart points this recent are asked again on every refresh that moves
/// the window: the server may still change them. VictoriaMetrics makes a
/// sample searchable a second or two after the scrape, and by default
/// answers the last `-search.latencyOffset` (30 s) of a range with copies
/// of the point before; Prometheus only the last step.
const SETTLE_MS: i64 = 60_000;

/// Where a chart that holds the points up to `held` (on the grid of
/// `step` from `start` to `end`) is asked from: the last point it holds,
/// or the first point of the last [`SETTLE_MS`] when that is earlier.
fn reask_from(held: i64, start: i64, end: i64, step: i64) -> i64 {
    let settled = (end - SETTLE_MS).div_euclid(step).saturating_mul(step);
    held.min(settled).max(start)
}

/// Asks the server, keeping the chart caches between refreshes.
pub struct Poller {
    client: Arc<PromClient>,
    charts: HashMap<String, ChartCache>,
    /// RangeSeries in the last good answer of each instant query.
    answered: HashMap<String, usize>,
    batcher: Batcher,
}

/// The instant queries of `plan` a refresh sends: all but those
/// [`Covered`] by the last answers (`answered`: series per text).
fn to_send<'a>(plan: &'a Plan, answered: &HashMap<String, usize>) -> Vec<&'a String> {
    plan.instant
        .iter()
        .filter(|t| {
            !plan
                .covered
                .iter()
                .any(|c| c.text == **t && answered.get(&c.by).is_some_and(|n| *n < c.limit))
        })
        .collect()
}

/// An instant answer as a vector, as the local evaluation would give it.
pub fn to_vector(v: Value) -> VectorResult {
    match v {
        Value::Vector(v) => Ok(v),
        Value::Scalar(x) => Ok(vec![(Labels::new(), x)]),
        Value::Matrix(_) => Err(
            "expression returns a range vector; a panel needs an instant vector or scalar".into(),
        ),
        Value::String(_) => Err("expression returns a string; a panel needs a number".into()),
    }
}

/// True for the metrics whose label names detection reads.
fn wants_labels(name: &str) -> bool {
    name.ends_with("_bucket")
        || name.ends_with("_requests_total")
        || name.contains("duration_seconds")
        || name.contains("latency_seconds")
}

fn missing_endpoint(e: &SourceError) -> bool {
    matches!(e, SourceError::Http { status, .. } if matches!(status, 404 | 405 | 501))
}

impl Poller {
    /// A poller that sends every query on its own: each request is
    /// exactly an expression of the plan (`snapshot`, `check`).
    pub fn new(client: Arc<PromClient>) -> Poller {
        Poller {
            client,
            charts: HashMap::new(),
            answered: HashMap::new(),
            batcher: Batcher::new(None),
        }
    }

    /// A poller that asks the plan's [`Plan::groups`] in shared requests,
    /// all groups in one while a refresh's requests take less than
    /// `budget` (the live dashboard: far fewer requests per refresh).
    pub fn batching(client: Arc<PromClient>, budget: Duration) -> Poller {
        Poller {
            batcher: Batcher::new(Some(budget)),
            ..Poller::new(client)
        }
    }

    pub fn client(&self) -> &PromClient {
        &self.client
    }

    /// Reads metric names, types, the labels detection needs, the version
    /// and the targets. Fails only when the names cannot be read (the
    /// server is unreachable or not Prometheus-compatible).
    pub async fn discover(&self) -> Result<Discovery, SourceError> {
        let c = &self.client;
        let (names, types, version, targets) =
            tokio::join!(c.metric_names(), c.metadata(), c.buildinfo(), c.targets());
        let names = names?;
        let lookups: Vec<&String> = names
            .iter()
            .filter(|n| wants_labels(n))
            .take(MAX_LABEL_LOOKUPS)
            .collect();
        let answers = join_all(lookups.iter().map(|n| c.label_names(n))).await;
        let labels = lookups
            .into_iter()
            .zip(answers)
            .filter_map(|(n, a)| Some((n.clone(), a.ok()?)))
            .collect();
        let targets = match targets {
            Ok(t) => Some(t),
            Err(e) if missing_endpoint(&e) => None,
            Err(e) => {
                tracing::warn!(error = %e, "targets");
                None
            }
        };
        Ok(Discovery {
            names,
            types: types.unwrap_or_default(),
            labels,
            version: version.ok(),
            targets,
        })
    }

    /// Runs every query of `plan` at `time_ms` concurrently (identical
    /// texts once; a batching poller puts the plan's groups in shared
    /// requests), and the targets when `with_targets`. Charts ask only
    /// for the steps they do not hold yet and those of the last minute
    /// again, as the server may have had more samples since.
    pub async fn refresh(&mut self, plan: &Plan, time_ms: i64, with_targets: bool) -> Refresh {
        let now = std::time::Instant::now();
        self.batcher.expire(now);
        let c = &self.client;
        let (start, end, step) = plan.chart_range(time_ms);
        self.charts.retain(|k, _| plan.charts.contains(k));
        let mut range_from: BTreeMap<i64, Vec<&String>> = BTreeMap::new();
        for expr in &plan.charts {
            let cache = self.charts.entry(expr.clone()).or_default();
            let from = if cache.step == step && cache.end >= start && cache.end <= end {
                reask_from(cache.end, start, end, step)
            } else {
                cache.series.clear();
                start
            };
            let unchanged = cache.step == step && cache.end == end && cache.start == start;
            if !unchanged || cache.series.is_empty() {
                range_from.entry(from).or_default().push(expr);
            }
        }
        let mut range_reqs = Vec::new();
        for (from, texts) in &range_from {
            let reqs = self.batcher.requests(texts, &plan.groups, Kind::Range);
            range_reqs.extend(reqs.into_iter().map(|r| (r, *from)));
        }
        let sent = to_send(plan, &self.answered);
        let instant_reqs = self.batcher.requests(&sent, &plan.groups, Kind::Instant);
        let answered = &self.answered;
        // In order, polling only the requests that made progress (a
        // `join_all` of this size polls every one of them on each wake-up).
        let instants: FuturesOrdered<_> = instant_reqs
            .iter()
            .map(|req| async move {
                // Small last time: ask for it uncompressed.
                let last: usize = req
                    .iter()
                    .map(|e| answered.get(*e).copied().unwrap_or(usize::MAX))
                    .fold(0, usize::saturating_add);
                let limit = if req.len() > 1 {
                    SMALL_BATCH
                } else {
                    SMALL_ANSWER
                };
                let started = tokio::time::Instant::now();
                let a = c.query_many(req, time_ms, last <= limit).await;
                (a, started.elapsed())
            })
            .collect();
        let ranges: FuturesOrdered<_> = range_reqs
            .iter()
            .map(|(req, from)| async move {
                let started = tokio::time::Instant::now();
                let a = c.query_range_many(req, *from, end, step).await;
                (a, started.elapsed())
            })
            .collect();
        let (instants, ranges) = (instants.collect::<Vec<_>>(), ranges.collect::<Vec<_>>());
        let targets = async {
            if with_targets {
                Some(c.targets().await)
            } else {
                None
            }
        };
        let (instants, ranges, targets) = tokio::join!(instants, ranges, targets);
        let mut out = Refresh {
            time_ms,
            requests: (sent.len()
                + range_reqs.iter().map(|(r, _)| r.len()).sum::<usize>()
                + usize::from(with_targets)) as u32,
            ..Refresh::default()
        };
        let mut failures = 0u32;
        let mut note = |e: &SourceError, out: &mut Refresh| {
            failures += 1;
            if out.error.is_none() {
                out.error = Some(e.to_string());
                out.transient = e.is_transient();
            }
        };
        self.answered.retain(|k, _| plan.instant.contains(k));
        let mut spent = Duration::ZERO;
        for (req, (a, took)) in instant_reqs.iter().zip(instants) {
            spent += took;
            self.batcher.learn(req, &a.each, a.refused, now);
            for (expr, r) in req.iter().zip(a.each) {
                let v = match r {
                    Ok(q) => {
                        out.warnings.extend(q.warnings);
                        to_vector(q.value)
                    }
                    Err(e) => {
                        note(&e, &mut out);
                        Err(e.to_string())
                    }
                };
                match &v {
                    Ok(v) => self.answered.insert(expr.to_string(), v.len()),
                    Err(_) => self.answered.remove(*expr),
                };
                out.instant.insert(expr.to_string(), v);
            }
        }
        self.batcher.spent(Kind::Instant, spent);
        let mut spent = Duration::ZERO;
        for ((req, from), (a, took)) in range_reqs.iter().zip(ranges) {
            spent += took;
            self.batcher.learn(req, &a.each, a.refused, now);
            for (expr, r) in req.iter().zip(a.each) {
                let cache = self.charts.entry(expr.to_string()).or_default();
                match r {
                    Ok(r) => {
                        out.warnings.extend(r.warnings);
                        cache.step = step;
                        cache.merge(r.series, *from, start, end);
                    }
                    Err(e) => {
                        note(&e, &mut out);
                        out.charts.insert(expr.to_string(), Err(e.to_string()));
                    }
                }
            }
        }
        if !range_reqs.is_empty() {
            self.batcher.spent(Kind::Range, spent);
        }
        for expr in &plan.charts {
            if let Some(cache) = self.charts.get(expr) {
                out.charts
                    .entry(expr.clone())
                    .or_insert_with(|| Ok(cache.shared.clone()));
            }
        }
        out.targets = match targets {
            Some(Ok(t)) => Some(Ok(t)),
            Some(Err(e)) if missing_endpoint(&e) => Some(Err(e.to_string())),
            Some(Err(e)) => {
                note(&e, &mut out);
                None
            }
            None => None,
        };
        out.warnings.sort();
        out.warnings.dedup();
        out.all_failed = out.requests > 0 && failures == out.requests;
        out
    }
}

#[cfg(test)]
#[path = "poll_tests.rs"]
mod tests;
