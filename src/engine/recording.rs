//! Recording rules: each evaluation's result is appended to the store under
//! the rule's metric name, so panels and other rules can read it. A series
//! the rule stops returning gets a staleness marker, as Prometheus writes.

use super::panels::eval_vector;
use super::STALE_NAN;
use crate::alerts::rulefile::RecordingRule;
use crate::labels::Labels;
use crate::promql::{self, Expr};
use crate::store::Store;
use std::collections::BTreeSet;

pub(crate) struct RecordingRuntime {
    rule: RecordingRule,
    parsed: Result<Expr, String>,
    /// The series written at the last evaluation.
    written: BTreeSet<Labels>,
    /// The last evaluation error.
    pub error: Option<String>,
}

impl RecordingRuntime {
    pub fn new(rule: RecordingRule) -> Self {
        let parsed = promql::parse(&rule.expr).map_err(|e| e.to_string());
        RecordingRuntime {
            rule,
            parsed,
            written: BTreeSet::new(),
            error: None,
        }
    }

    /// Evaluates at `now_ms` and appends the result to `store`.
    pub fn eval(&mut self, store: &mut Store, now_ms: i64) {
        let result = match &self.parsed {
            Ok(e) => eval_vector(store, e, now_ms),
            Err(e) => Err(e.clone()),
        };
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
            let mut labels = series;
            labels.set("__name__", &self.rule.record);
            for (n, val) in self.rule.labels.iter() {
                labels.set(n, val);
            }
            // Two input series may collapse into one output series: the
            // first one wins, as a duplicate would be rejected anyway.
            if now.insert(labels.clone()) {
                store.append(&labels, now_ms, value);
            }
        }
        for gone in self.written.difference(&now) {
            store.append(gone, now_ms, STALE_NAN);
        }
        self.written = now;
    }
}
