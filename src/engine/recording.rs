//! Recording rules: each evaluation's result is appended to the store under
//! the rule's metric name, so panels and other rules can read it. A series
//! the rule stops returning gets a staleness marker, as Prometheus writes.
//!
//! Over a server the result is the server's answer to the rule's
//! expression (see `remote_rules.rs`); it is written by the same
//! [`RecordingRuntime::record`].

use super::panels::{eval_vector, Vector};
use crate::alerts::rulefile::{FileRule, RecordingRule};
use crate::promql::{self, Expr};
use crate::store::Store;
use crate::vocab::labels::Labels;
use crate::vocab::STALE_NAN;
use std::collections::{BTreeMap, BTreeSet};

pub(crate) struct RecordingRuntime {
    rule: RecordingRule,
    parsed: Result<Expr, String>,
    /// The series written at the last evaluation.
    written: BTreeSet<Labels>,
    /// The last evaluation error.
    pub error: Option<String>,
    /// Over a server: the evaluation instant last written.
    pub(super) last_ms: Option<i64>,
    /// Over a server: the history before the first answer was written (or
    /// can no longer be: the store takes samples in time order only).
    pub(super) backfilled: bool,
}

/// The runtimes of the recording rules among `rules`, in file order.
pub(crate) fn runtimes(rules: &[FileRule]) -> Vec<RecordingRuntime> {
    rules
        .iter()
        .filter_map(|r| match r {
            FileRule::Recording(r) => Some(RecordingRuntime::new(r.clone())),
            FileRule::Alerting(_) => None,
        })
        .collect()
}

impl RecordingRuntime {
    pub fn new(rule: RecordingRule) -> Self {
        let parsed = promql::parse(&rule.expr).map_err(|e| e.to_string());
        RecordingRuntime {
            rule,
            parsed,
            written: BTreeSet::new(),
            error: None,
            last_ms: None,
            backfilled: false,
        }
    }

    /// The metric name the rule records.
    pub fn record_name(&self) -> &str {
        &self.rule.record
    }

    /// The expression as written.
    pub fn expr_text(&self) -> &str {
        &self.rule.expr
    }

    /// The parsed expression, or why it does not parse.
    pub fn parsed(&self) -> Result<&Expr, &str> {
        self.parsed.as_ref().map_err(String::as_str)
    }

    /// Evaluates at `now_ms` and appends the result to `store`.
    pub fn eval(&mut self, store: &mut Store, now_ms: i64) {
        let result = match &self.parsed {
            Ok(e) => eval_vector(store, e, now_ms),
            Err(e) => Err(e.clone()),
        };
        self.record(store, result, now_ms);
    }

    /// Writes one evaluation's result at `t_ms`: the series under the
    /// record name with the rule's labels, and a staleness marker for each
    /// series written last time and not now. An error writes nothing.
    pub fn record(&mut self, store: &mut Store, result: Result<Vector, String>, t_ms: i64) {
        let v = match result {
            Ok(v) => v,
            Err(e) => {
                self.error = Some(format!("record {}: {e}", self.rule.record));
                return;
            }
        };
        self.error = None;
        let mut now = BTreeSet::new();
        for (series, value) in v {
            let labels = self.output_labels(series);
            // Two input series may collapse into one output series: the
            // first one wins, as a duplicate would be rejected anyway.
            if now.insert(labels.clone()) {
                store.append(&labels, t_ms, value);
            }
        }
        for gone in self.written.difference(&now) {
            store.append(gone, t_ms, STALE_NAN);
        }
        self.written = now;
    }

    fn output_labels(&self, series: Labels) -> Labels {
        let mut labels = series;
        labels.set("__name__", &self.rule.record);
        for (n, val) in self.rule.labels.iter() {
            labels.set(n, val);
        }
        labels
    }

    /// Writes the history of the rule's expression before its first
    /// evaluation: `series` are its values on the step grid `step_ms`
    /// (oldest first) whose last step is `last_ms`. A series missing at a
    /// step gets a staleness marker there, as an evaluation at that step
    /// would have written; the series present at `last_ms` are the ones the
    /// next evaluation continues.
    pub fn backfill(
        &mut self,
        store: &mut Store,
        series: &[crate::promapi::RangeSeries],
        step_ms: i64,
        last_ms: i64,
    ) {
        // Output series by labels, their points merged (two input series
        // collapsing into one: the first one at each step wins).
        let mut out: BTreeMap<Labels, BTreeMap<i64, f64>> = BTreeMap::new();
        for (labels, pts) in series {
            let entry = out.entry(self.output_labels(labels.clone())).or_default();
            for &(t, v) in pts.iter().filter(|(t, _)| *t <= last_ms) {
                entry.entry(t).or_insert(v);
            }
        }
        let mut live = BTreeSet::new();
        for (labels, pts) in out {
            let mut prev: Option<i64> = None;
            for (t, v) in pts {
                if let Some(p) = prev.filter(|p| t - p > step_ms) {
                    store.append(&labels, p + step_ms, STALE_NAN);
                }
                store.append(&labels, t, v);
                prev = Some(t);
            }
            match prev {
                Some(p) if p >= last_ms => {
                    live.insert(labels);
                }
                Some(p) => {
                    store.append(&labels, p + step_ms, STALE_NAN);
                }
                None => {}
            }
        }
        self.written = live;
        self.last_ms = Some(last_ms);
    }
}
