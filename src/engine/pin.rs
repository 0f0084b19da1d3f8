//! Pinning every panel to one instance (`Enter` on a row of the instance
//! table). A pinned panel shows that instance's own numbers: each panel
//! expression is rewritten with `instance="<x>"` added to every vector and
//! matrix selector, so `histogram_quantile(0.99, sum by (le) (rate(..)))`
//! becomes the instance's p99, not the fleet's p99 filtered afterwards.
//!
//! The rewritten panels are separate runtimes with their own chart history,
//! backfilled by a range evaluation over the store when the pin is set, so
//! the charts are full at once. The fleet panels keep being evaluated
//! underneath (alert rules read them), so unpinning shows an unbroken
//! fleet history.

use super::panels::{self, PanelRuntime};
use super::Engine;
use crate::detect::PanelDef;
use crate::frame::Panel;
use crate::promql::{self, Expr};
use crate::vocab::labels::Labels;
use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::VectorSelector;
use std::collections::HashSet;

/// The label every selector is narrowed by.
const INSTANCE: &str = "instance";

/// The pinned instance and its rewritten panels.
pub(crate) struct Pinned {
    pub instance: String,
    /// The fleet definitions the runtimes were made from.
    source: Vec<PanelDef>,
    /// One per fleet panel, in the same order.
    pub(super) runtimes: Vec<PanelRuntime>,
}

fn narrow(vs: &mut VectorSelector, m: &Matcher) {
    vs.matchers.matchers.push(m.clone());
    for group in &mut vs.matchers.or_matchers {
        group.push(m.clone());
    }
}

/// Adds the matcher `m` to every vector and matrix selector of `expr`
/// (existing matchers stay, so the selection can only narrow).
pub(crate) fn add_matcher(expr: &mut Expr, m: &Matcher) {
    match expr {
        Expr::VectorSelector(vs) => narrow(vs, m),
        Expr::MatrixSelector(ms) => narrow(&mut ms.vs, m),
        Expr::Aggregate(a) => {
            if let Some(p) = a.param.as_mut() {
                add_matcher(p, m);
            }
            add_matcher(&mut a.expr, m);
        }
        Expr::Unary(u) => add_matcher(&mut u.expr, m),
        Expr::Binary(b) => {
            add_matcher(&mut b.lhs, m);
            add_matcher(&mut b.rhs, m);
        }
        Expr::Paren(p) => add_matcher(&mut p.expr, m),
        Expr::Subquery(s) => add_matcher(&mut s.expr, m),
        Expr::Call(c) => {
            for a in &mut c.args.args {
                add_matcher(a, m);
            }
        }
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
}

/// Adds `instance="<instance>"` to every vector and matrix selector of
/// `expr` (existing matchers stay: `{instance="b"}` pinned to `a` selects
/// nothing, as it should).
pub fn pin_expr(expr: &mut Expr, instance: &str) {
    add_matcher(expr, &Matcher::new(MatchOp::Equal, INSTANCE, instance));
}

/// The PromQL text of `text` with `instance=~"a|b|…"` (each name
/// regex-escaped) added to every selector: the values of just those
/// instances. `None` when `text` does not parse or `instances` is empty.
pub(crate) fn narrow_to_instances(text: &str, instances: &[String]) -> Option<String> {
    if instances.is_empty() {
        return None;
    }
    let pattern = instances
        .iter()
        .map(|i| regex::escape(i))
        .collect::<Vec<_>>()
        .join("|");
    let re = regex::Regex::new(&format!("^(?:{pattern})$")).ok()?;
    let mut e = promql::parse(text).ok()?;
    add_matcher(&mut e, &Matcher::new(MatchOp::Re(re), INSTANCE, &pattern));
    Some(e.to_string())
}

/// The PromQL text of `text` pinned to `instance`; text that does not
/// parse is returned unchanged (its panel shows the parse error).
pub fn pin_text(text: &str, instance: &str) -> String {
    match promql::parse(text) {
        Ok(mut e) => {
            pin_expr(&mut e, instance);
            e.to_string()
        }
        Err(_) => text.to_string(),
    }
}

/// The panel pinned to `instance`. The Instances panel stays the fleet's:
/// its numbers (targets up, the autoscaler's gauges and its limit) are the
/// fleet's own, and one instance's count would only say 1.
fn pinned_def(def: &PanelDef, instance: &str) -> PanelDef {
    let mut d = def.clone();
    if d.id == "instances" {
        return d;
    }
    for e in &mut d.exprs {
        e.expr = pin_text(&e.expr, instance);
    }
    d
}

/// Fills the chart history of `p` from `start_ms` to `end_ms` (inclusive)
/// at `step_ms`, as the panel would have drawn it had it been pinned all
/// along.
fn backfill(p: &mut PanelRuntime, store: &crate::store::Store, start: i64, end: i64, step: i64) {
    p.history.clear();
    if step <= 0 || end < start {
        return;
    }
    for (i, def) in p.def.exprs.iter().enumerate() {
        if def.is_limit {
            continue;
        }
        let Some(expr) = p.parsed(i) else { continue };
        let budget = promql::Budget::default();
        let Ok(series) = promql::eval_range_with(store, expr, start, end, step, &budget) else {
            continue;
        };
        for s in series {
            let mut l: Labels = s.labels;
            for (n, v) in &def.add_labels {
                l.set(n, v);
            }
            p.history
                .entry((i, l))
                .or_default()
                .extend(s.points.iter().copied());
        }
    }
}

impl Engine {
    /// Pins every panel to `instance`, or back to the fleet with `None`.
    pub(super) fn set_pin(&mut self, instance: Option<String>) {
        self.pin = instance.map(|instance| Pinned {
            instance,
            source: vec![],
            runtimes: vec![],
        });
        // Up to the last evaluation; the next tick adds the live point.
        self.sync_pin(self.last_tick_ms);
    }

    /// Makes the pinned runtimes follow the fleet panel definitions,
    /// backfilling the history of every new one up to `end_ms`.
    fn sync_pin(&mut self, end_ms: i64) {
        let Some(pin) = self.pin.as_mut() else { return };
        let same = pin.source.iter().eq(self.panels.iter().map(|p| &p.def));
        if same && !pin.runtimes.is_empty() {
            return;
        }
        let defs: Vec<PanelDef> = self.panels.iter().map(|p| p.def.clone()).collect();
        let had: HashSet<(String, Vec<String>)> = pin
            .runtimes
            .iter()
            .map(|r| (r.def.id.clone(), exprs(&r.def)))
            .collect();
        let pinned: Vec<PanelDef> = defs.iter().map(|d| pinned_def(d, &pin.instance)).collect();
        pin.runtimes = panels::rebuild(std::mem::take(&mut pin.runtimes), pinned);
        pin.source = defs;
        let step = i64::try_from(self.opts.interval.as_millis())
            .unwrap_or(i64::MAX)
            .max(1);
        let retention = i64::try_from(self.opts.retention.as_millis()).unwrap_or(i64::MAX);
        let end = end_ms;
        // One point per interval over the retention, ending at `end`.
        let start = end - (retention / step) * step + step;
        for r in &mut pin.runtimes {
            if !had.contains(&(r.def.id.clone(), exprs(&r.def))) {
                backfill(r, &self.store, start, end, step);
            }
        }
    }

    /// The panels pinned to the pinned instance, evaluated at `now_ms`, or
    /// `None` when nothing is pinned.
    pub(super) fn eval_pinned(&mut self, now_ms: i64) -> Option<Vec<Panel>> {
        self.pin.as_ref()?;
        // The point at `now_ms` itself comes from this evaluation.
        let step = i64::try_from(self.opts.interval.as_millis()).unwrap_or(0);
        self.sync_pin(now_ms - step);
        let pin = self.pin.as_mut()?;
        std::mem::swap(&mut self.panels, &mut pin.runtimes);
        let out = self.eval_panels(now_ms);
        if let Some(pin) = self.pin.as_mut() {
            std::mem::swap(&mut self.panels, &mut pin.runtimes);
        }
        Some(out)
    }

    /// The pinned instance, if any.
    pub fn pinned(&self) -> Option<&str> {
        self.pin.as_ref().map(|p| p.instance.as_str())
    }
}

fn exprs(d: &PanelDef) -> Vec<String> {
    d.exprs.iter().map(|e| e.expr.clone()).collect()
}

#[cfg(test)]
#[path = "pin_tests.rs"]
mod tests;
