//! The engine over a Prometheus-compatible server (`--prometheus`).
//!
//! The data source is the one thing that changes: [`Reader`] is where an
//! expression's result comes from, either the local store (evaluated by
//! `promql`) or the server's last answer to exactly that text (held in
//! [`RemoteState`]). Panels, rules, alert state machines, sinks and the
//! frame are the same code in both cases. The answers arrive as messages
//! from a poller task (`remote_run.rs`), as scrape results do, so the
//! engine itself never waits on the network.

use super::panels::Vector;
use super::remote_route::Route;
use super::Engine;
use crate::detect::{Catalog, Detected, MetricInfo};
use crate::promapi::{self, Discovery, Plan, Refresh, TargetHealth};
use crate::promql::Expr;
use crate::scrape::expo::MetricType;
use crate::store::Store;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Series kept by a detected default's `by (instance)` breakdown on a
/// chart (the busiest, by `topk`).
pub const TOP_N: usize = 20;
/// Rows of the instance table that get CPU, p99 and error values from
/// the busiest-first (`topk`) queries.
pub const TABLE_TOP_N: usize = 200;
/// Most rows of the table window asked for by name (more than a screen).
pub const TABLE_WINDOW_MAX: usize = 100;

/// The latest answer to one instant query.
#[derive(Default)]
pub(super) struct Slot {
    /// The last good answer and when it was evaluated.
    pub(super) good: Option<(i64, Arc<Vector>)>,
    /// Why the last request for it failed.
    pub(super) error: Option<String>,
}

/// What the engine knows of the server.
pub(crate) struct RemoteState {
    pub(super) url: String,
    pub(super) version: Option<String>,
    /// The server's scrape interval (the longest among its targets).
    pub(super) scrape_interval: Option<Duration>,
    /// `None` when the server has no targets endpoint (then `up` is read).
    pub(super) targets: Option<Vec<TargetHealth>>,
    pub(super) instant: HashMap<String, Slot>,
    pub(super) charts: HashMap<String, Arc<Vec<promapi::RangeSeries>>>,
    pub(super) error: Option<String>,
    pub(super) warnings: Vec<String>,
    pub(super) data_ms: Option<i64>,
    /// The instances the table shows (`Command::TableWindow`).
    pub(super) window: Vec<String>,
    /// Table expressions narrowed to `window`, by expression (parsing and
    /// rewriting them on every tick would cost more than the rest of it).
    pub(super) narrowed: HashMap<String, Option<String>>,
    /// Braille dots across the widest chart (`Command::ChartWidth`).
    pub(super) chart_points: Option<u16>,
    /// The table's value sort (`Command::TableRank`).
    pub(super) rank: Option<crate::frame::TableRank>,
    pub(super) plan: watch::Sender<Plan>,
    /// Recording rules and target health for the alert rules.
    pub(super) rules: RemoteRules,
}

/// What the engine keeps for rules over a server.
#[derive(Default)]
pub(crate) struct RemoteRules {
    /// Every metric name the server lists (`None` before discovery).
    pub(super) server_names: Option<HashSet<String>>,
    /// The record names vitals writes into its store.
    pub(super) recorded: BTreeSet<String>,
    /// Recorded names whose latest evaluation failed, and why.
    pub(super) failed: BTreeMap<String, String>,
}

/// Where an expression's result comes from.
pub(crate) enum Reader<'a> {
    Local(&'a Store),
    /// The server's answers, and the store holding the recording rules
    /// vitals evaluates itself (an expression reading only those is
    /// evaluated over the store).
    Remote(&'a RemoteState, &'a Store),
}

impl<'a> Reader<'a> {
    /// A panel's values: the server's last good answer, however old (the
    /// status line says how old and why).
    pub fn panel_vector(&self, text: &str, parsed: &Expr, t_ms: i64) -> Result<Vector, String> {
        match self {
            Reader::Local(store) => super::panels::eval_vector(store, parsed, t_ms),
            Reader::Remote(r, store) => match r.route(parsed) {
                Route::Server => match r.instant.get(text) {
                    Some(Slot {
                        good: Some((_, v)), ..
                    }) => Ok(v.as_ref().clone()),
                    Some(Slot { error: Some(e), .. }) => Err(e.clone()),
                    _ => Ok(Vec::new()),
                },
                Route::Local(_) => super::panels::eval_vector(store, parsed, t_ms),
                Route::Mixed(e) => Err(e),
            },
        }
    }

    /// A rule's values: only an answer of the latest refresh counts; a
    /// failed one holds every alert state.
    pub fn rule_vector(&self, text: &str, parsed: &Expr, t_ms: i64) -> Result<Vector, String> {
        match self {
            Reader::Local(store) => super::panels::eval_vector(store, parsed, t_ms),
            Reader::Remote(r, store) => match r.route(parsed) {
                Route::Server => r.fresh(text).map(|v| v.as_ref().clone()),
                Route::Local(names) => r
                    .recorded_fresh(&names)
                    .and_then(|()| super::panels::eval_vector(store, parsed, t_ms)),
                Route::Mixed(e) => Err(e),
            },
        }
    }

    /// Whether a rule may read the panel's current result of `text`
    /// (`parsed`): always when scraping; over a server only when the latest
    /// refresh answered it (or the latest evaluation of the recorded names
    /// it reads succeeded).
    pub fn check_fresh(&self, text: &str, parsed: Option<&Expr>) -> Result<(), String> {
        match self {
            Reader::Local(_) => Ok(()),
            Reader::Remote(r, _) => match parsed.map(|e| r.route(e)) {
                Some(Route::Local(names)) => r.recorded_fresh(&names),
                Some(Route::Mixed(e)) => Err(e),
                _ => r.fresh(text).map(|_| ()),
            },
        }
    }
}

impl RemoteState {
    /// The rate window of the server's scrape interval.
    fn rate_window(&self) -> Duration {
        crate::detect::rate_window_of(self.scrape_interval)
    }

    /// The answer to `text` from the latest refresh, or why there is none.
    fn fresh(&self, text: &str) -> Result<&Arc<Vector>, String> {
        match self.instant.get(text) {
            Some(Slot { error: Some(e), .. }) => Err(e.clone()),
            Some(Slot {
                good: Some((at, v)),
                ..
            }) if Some(*at) == self.data_ms => Ok(v),
            Some(_) => Err(format!("no recent answer from {}", self.url)),
            None => Err(format!("no answer from {} yet", self.url)),
        }
    }
}

impl RemoteState {
    /// The table expression `expr` narrowed to the table window
    /// ([`window_expr`]), remembered until the window changes.
    /// The step of the charts' range queries at `time_ms`.
    pub(super) fn chart_step(&self, time_ms: i64) -> Duration {
        let (_, _, step) = self.plan.borrow().chart_range(time_ms);
        Duration::from_millis(u64::try_from(step).unwrap_or(0))
    }

    pub(super) fn window_text(&self, expr: &str) -> Option<String> {
        match self.narrowed.get(expr) {
            Some(w) => w.clone(),
            None => window_expr(expr, &self.window),
        }
    }
}

#[cfg(test)]
#[path = "remote_plan_tests.rs"]
pub(super) mod plan_tests;

/// The catalog detection reads, from what the server lists.
fn catalog(d: &Discovery) -> Catalog {
    let types: HashMap<&str, MetricType> = d.types.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let mut c: Catalog = d
        .names
        .iter()
        .map(|n| {
            let labels = d
                .labels
                .get(n)
                .map(|l| l.iter().filter(|x| *x != "__name__").cloned().collect())
                .unwrap_or_default();
            let kind = super::ingest::kind_of(&types, n);
            (n.clone(), MetricInfo { kind, labels })
        })
        .collect();
    if let Some(up) = c.get_mut("up") {
        up.kind = MetricType::Gauge;
    }
    c
}

/// Limits the detected defaults' `by (instance)` breakdowns to the top
/// series; every other expression is kept as it is.
pub(super) fn limit(mut d: Detected) -> Detected {
    for p in &mut d.panels {
        for e in &mut p.exprs {
            if !e.is_limit && promapi::breaks_down_by_instance(&e.expr) {
                e.expr = promapi::limit_top(&e.expr, TOP_N);
            }
        }
    }
    for e in [&mut d.table.cpu, &mut d.table.p99, &mut d.table.error_ratio]
        .into_iter()
        .flatten()
    {
        *e = promapi::limit_top(e, TABLE_TOP_N);
    }
    d
}

/// A table expression narrowed to the instances of the table window, or
/// `None` without a window.
pub(super) fn window_expr(expr: &str, window: &[String]) -> Option<String> {
    super::pin::narrow_to_instances(expr, window)
}

impl Engine {
    /// The instances the table shows: over a server their CPU, p99 and
    /// errors are asked for by name too (at most [`TABLE_WINDOW_MAX`]).
    pub(super) fn set_table_window(&mut self, mut instances: Vec<String>) {
        let queries = self.table_queries();
        let Some(r) = self.backend.server_mut() else {
            return;
        };
        instances.truncate(TABLE_WINDOW_MAX);
        if r.window == instances {
            return;
        }
        // The old window's answers go: they would show stale values when
        // the same rows come back into sight.
        for (e, _) in queries.into_iter().flatten() {
            if let Some(w) = r.window_text(&e) {
                r.instant.remove(&w);
            }
        }
        r.window = instances;
        r.narrowed.clear();
        self.update_plan();
    }

    /// The widest chart on screen is `cells` wide: over a server the
    /// charts are asked one point per braille dot (two per cell), so a
    /// narrow chart asks for fewer points and a refresh less often. Zero
    /// (no chart drawn) keeps the last width.
    pub(super) fn set_chart_width(&mut self, cells: u16) {
        let Some(r) = self.backend.server_mut().filter(|_| cells > 0) else {
            return;
        };
        let points = Some(cells.saturating_mul(2));
        if r.chart_points != points {
            r.chart_points = points;
            self.update_plan();
        }
    }

    /// What the next refresh must ask (empty before discovery).
    pub fn remote_plan(&self) -> Plan {
        self.backend
            .server()
            .map(|r| r.plan.borrow().clone())
            .unwrap_or_default()
    }

    /// The server's metric names, version and targets: re-detects the
    /// default panels (rate window from the server's scrape interval).
    pub fn apply_discovery(&mut self, d: Discovery) {
        let Some(r) = self.backend.server_mut() else {
            return;
        };
        r.version = d.version.clone();
        let window = r.rate_window();
        if let Some(t) = &d.targets {
            r.scrape_interval = promapi::scrape_interval(t);
        }
        // A scrape interval learned now (the server had no targets at
        // first) changes the rate window: re-detect.
        let window_changed = r.rate_window() != window;
        r.targets = d.targets.clone();
        r.rules.server_names = Some(d.names.iter().cloned().collect());
        r.error = None;
        let c = catalog(&d);
        if c != self.catalog || window_changed {
            self.catalog = c;
            self.catalog_changed = true;
        }
        // The server holds the history: nothing is warming up.
        self.started_ms.get_or_insert(0);
        if self.catalog_changed {
            self.catalog_changed = false;
            self.redetect();
        }
        self.update_plan();
    }

    /// One refresh's answers. Failed queries keep their last good answer
    /// for panels (shown stale) and hold the rules.
    pub fn apply_refresh(&mut self, f: Refresh) {
        let Some(r) = self.backend.server_mut() else {
            return;
        };
        for (text, v) in f.instant {
            let slot = r.instant.entry(text).or_default();
            match v {
                Ok(v) => {
                    slot.good = Some((f.time_ms, Arc::new(v)));
                    slot.error = None;
                }
                Err(e) => slot.error = Some(e),
            }
        }
        for (text, c) in f.charts {
            if let Ok(c) = c {
                r.charts.insert(text, c);
            }
        }
        // Answers to texts the plan no longer asks go: the windows of rows
        // scrolled past, ranked columns and pinned instances would pile up
        // over a long session, and a text asked again must not show an old
        // answer.
        {
            let plan = r.plan.borrow();
            r.instant.retain(|t, _| plan.instant.contains(t));
            r.charts.retain(|t, _| plan.charts.contains(t));
        }
        match f.targets {
            Some(Ok(t)) => {
                let window = r.rate_window();
                r.scrape_interval = promapi::scrape_interval(&t).or(r.scrape_interval);
                r.targets = Some(t);
                // Re-detected at the next tick with the new rate window.
                self.catalog_changed |= r.rate_window() != window;
            }
            Some(Err(_)) => r.targets = None,
            None => {}
        }
        r.warnings = f.warnings;
        r.error = f.error;
        if !f.all_failed {
            r.data_ms = Some(f.time_ms);
        }
    }

    /// A refresh that could not be made at all (discovery failed).
    pub fn remote_failed(&mut self, error: String) {
        if let Some(r) = self.backend.server_mut() {
            r.error = Some(error);
        }
    }

    /// The longest `for` plus `keep_firing_for` of any rule: how much
    /// history brings every alert state up to date.
    pub fn longest_for(&self) -> Duration {
        self.rules
            .iter()
            .map(|r| r.state.spec.for_ + r.state.spec.keep_firing_for)
            .max()
            .unwrap_or_default()
    }

    /// True when reading from a server.
    pub fn is_remote(&self) -> bool {
        self.backend.server().is_some()
    }
}
