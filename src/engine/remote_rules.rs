//! Rules over a server (`--prometheus`): recording rules, where each
//! expression is answered, and target health for staleness.
//!
//! A recording rule whose name the server lists is the server's own: its
//! expressions go to the server as written and vitals does not evaluate
//! it. Otherwise vitals records it: the rule's expression is asked every
//! refresh, and the answer goes into the store under the record name
//! (`RecordingRuntime::record`, as when scraping); the first answer comes
//! with one range query over the retention (the chart query of the same
//! text), which backfills the history. An expression whose selectors all
//! read names vitals records is evaluated over the store; one that mixes
//! them with the server's metrics is an error, since neither side holds
//! both.

use super::remote::{Reader, RemoteState};
use super::remote_route::{route, Route};
use super::Engine;
use crate::promapi::{self, Health};
use crate::promql::{self, Expr};
use std::collections::{BTreeSet, HashSet};

impl RemoteState {
    /// Where `expr` is answered.
    pub(super) fn route(&self, expr: &Expr) -> Route {
        route(expr, &self.rules.recorded, &self.url)
    }

    /// Whether the latest evaluation of every recorded name in `names`
    /// succeeded: a rule reading one that failed holds its state, as it
    /// does when the server cannot answer.
    pub(super) fn recorded_fresh(&self, names: &BTreeSet<String>) -> Result<(), String> {
        match names.iter().find_map(|n| self.rules.failed.get(n)) {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// The query that tells which targets were down at the evaluation
    /// instant ([`RemoteState::down_targets`]): `up` without a targets
    /// endpoint, else only the down ones.
    pub(super) fn down_text(&self) -> &'static str {
        match self.targets {
            Some(_) => DOWN,
            None => "up",
        }
    }

    /// (job, instance) of the targets the server cannot scrape: those its
    /// targets endpoint reports down now, and those whose `up` is 0 at the
    /// evaluation instant. A target that has just come back is up on the
    /// endpoint before its samples can be read (a store may make them
    /// searchable a moment later, as VictoriaMetrics does, and an instant
    /// asked before now is older than the endpoint's answer): its alerts
    /// stay stale, not resolved, until its data is back.
    pub(super) fn down_targets(&self) -> BTreeSet<(String, String)> {
        let mut down: BTreeSet<(String, String)> = self
            .instant
            .get(self.down_text())
            .and_then(|s| s.good.as_ref())
            .map(|(_, v)| {
                v.iter()
                    .filter(|(_, x)| *x == 0.0)
                    .filter_map(|(l, _)| {
                        Some((l.get("job")?.to_string(), l.get("instance")?.to_string()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if let Some(t) = &self.targets {
            let now = t.iter().filter(|t| t.health == Health::Down);
            down.extend(now.map(|t| (t.job.clone(), t.instance.clone())));
        }
        down
    }
}

/// The targets down at the evaluation instant, over a server that lists
/// its targets.
pub(super) const DOWN: &str = "up == 0";

/// Adds `e` to `v` unless it is there.
fn add(v: &mut Vec<String>, e: &str) {
    if !v.iter().any(|x| x == e) {
        v.push(e.to_string());
    }
}

impl Engine {
    /// Steps the alert states through a server's history (one refresh
    /// per step, oldest first) without publishing a frame; returns the
    /// last step's time. Replayed transitions the alert log already holds
    /// are not logged again ([`crate::alerts::log::unlogged`]).
    pub fn catch_up(&mut self, steps: Vec<crate::promapi::Refresh>) -> Option<i64> {
        self.replay = Some(self.opts.logged_states.clone());
        let mut last = None;
        for r in steps {
            let t = r.time_ms;
            self.apply_refresh(r);
            self.tick(t);
            last = Some(t);
        }
        self.replay = None;
        last
    }

    /// Which recording rules vitals records: after discovery, those whose
    /// name the server does not list.
    pub(super) fn sync_recorded(&mut self) {
        let Some(r) = self.backend.server_mut() else {
            return;
        };
        let recorded: BTreeSet<String> = match &r.rules.server_names {
            None => BTreeSet::new(),
            Some(names) => self
                .recording
                .iter()
                .map(|x| x.record_name())
                .filter(|n| !names.contains(*n))
                .map(str::to_string)
                .collect(),
        };
        r.rules.failed.retain(|n, _| recorded.contains(n));
        r.rules.recorded = recorded;
    }

    /// What rules add to the plan: the expressions of the recording rules
    /// vitals records (with one range query for the history until it is
    /// written), the left-hand side of `clear_below` rules and, while an
    /// aggregate alert is active, which targets its expression reads.
    /// Texts answered over the store, or by neither side, are not sent.
    pub(super) fn plan_rules(
        &self,
        r: &RemoteState,
        instant: &mut Vec<String>,
        charts: &mut Vec<String>,
    ) {
        for rec in &self.recording {
            if !r.rules.recorded.contains(rec.record_name()) {
                continue;
            }
            if let Ok(e) = rec.parsed() {
                if r.route(e) == Route::Server {
                    add(instant, rec.expr_text());
                    if !rec.backfilled {
                        add(charts, rec.expr_text());
                    }
                }
            }
        }
        for rule in &self.rules {
            for (text, e) in rule.hold().into_iter().chain(rule.wanted_reads()) {
                if r.route(e) == Route::Server {
                    add(instant, text);
                }
            }
        }
        if r.rules.recorded.is_empty() {
            return;
        }
        let mut not_sent: HashSet<&str> = HashSet::new();
        for p in &self.panels {
            for (i, def) in p.def.exprs.iter().enumerate() {
                if p.parsed(i).is_some_and(|e| r.route(e) != Route::Server) {
                    not_sent.insert(&def.expr);
                }
            }
        }
        for rule in &self.rules {
            if let Some((text, e)) = rule.own_expr() {
                if r.route(e) != Route::Server {
                    not_sent.insert(text);
                }
            }
        }
        instant.retain(|t| !not_sent.contains(t.as_str()));
        charts.retain(|t| !not_sent.contains(t.as_str()));
    }

    /// Evaluates the recording rules: locally over the store, or over a
    /// server once per refresh at its evaluation instant.
    pub(super) fn eval_recording(&mut self, now_ms: i64) {
        // The rules may have been reloaded since the plan was made.
        self.sync_recorded();
        let Some(r) = self.backend.server_mut() else {
            for rec in &mut self.recording {
                rec.eval(&mut self.store, now_ms);
            }
            return;
        };
        if r.rules.recorded.is_empty() {
            for rec in &mut self.recording {
                rec.error = None;
            }
            return;
        }
        // A panel answered over the store draws no server chart.
        for p in &self.panels {
            for (i, def) in p.def.exprs.iter().enumerate() {
                if p.parsed(i).is_some_and(|e| r.route(e) != Route::Server) {
                    r.charts.remove(&def.expr);
                }
            }
        }
        let Some(t) = r.data_ms else { return };
        let mut grid = {
            let plan = r.plan.borrow();
            let (start, end, step) =
                promapi::range_params(t, plan.window, promapi::CHART_POINTS, plan.min_step);
            let last = if end < t { end } else { end - step };
            (start, last, step.max(1))
        };
        let mut backfilled = false;
        for rec in &mut self.recording {
            let name = rec.record_name().to_string();
            if !r.rules.recorded.contains(&name) {
                // The server records it.
                rec.error = None;
                continue;
            }
            if rec.last_ms.is_some_and(|l| l >= t) {
                continue;
            }
            let (result, local) = match rec.parsed() {
                Err(e) => (Err(e.to_string()), false),
                Ok(e) => {
                    let route = r.route(e);
                    if route == Route::Server && !r.instant.contains_key(rec.expr_text()) {
                        // Not asked yet (a rule added since the last refresh).
                        continue;
                    }
                    let v = Reader::Remote(r, &self.store).rule_vector(rec.expr_text(), e, t);
                    (v, matches!(route, Route::Local(_)))
                }
            };
            if result.is_ok() && !rec.backfilled {
                rec.backfilled = true;
                if rec.last_ms.is_none() {
                    let history = if local {
                        rec.parsed()
                            .ok()
                            .and_then(|e| store_range(&self.store, e, grid))
                    } else {
                        let text = rec.expr_text();
                        let h = r.charts.get(text).map(|c| c.as_ref().clone());
                        // Asked for the backfill only: not a panel's chart.
                        let charted = self
                            .panels
                            .iter()
                            .any(|p| p.def.exprs.iter().any(|d| d.expr == text && !d.is_limit));
                        if !charted {
                            r.charts.remove(text);
                        }
                        if let Some(h) = &h {
                            grid = chart_grid(h, grid, t);
                        }
                        h
                    };
                    if let Some(h) = history {
                        rec.backfill(&mut self.store, &h, grid.2, grid.1);
                        backfilled = true;
                    }
                }
            }
            let ok = result.is_ok();
            rec.record(&mut self.store, result, t);
            if ok {
                rec.last_ms = Some(t);
            }
            match &rec.error {
                Some(e) => r.rules.failed.insert(name, e.clone()),
                None => r.rules.failed.remove(&name),
            };
        }
        if backfilled {
            self.backfill_local_panels(grid);
        }
    }

    /// After a backfill: the chart history of every panel expression
    /// answered over the store, on the backfill's step grid.
    fn backfill_local_panels(&mut self, (start, last, step): (i64, i64, i64)) {
        let Some(r) = self.backend.server() else {
            return;
        };
        for p in &mut self.panels {
            for i in 0..p.def.exprs.len() {
                let Some(e) = p.parsed(i) else { continue };
                if p.def.exprs[i].is_limit || !matches!(r.route(e), Route::Local(_)) {
                    continue;
                }
                let Some(series) = store_range(&self.store, e, (start, last, step)) else {
                    continue;
                };
                p.history.retain(|(j, _), _| *j != i);
                for (mut l, pts) in series {
                    for (n, v) in &p.def.exprs[i].add_labels {
                        l.set(n, v);
                    }
                    p.history.insert((i, l), pts.into_iter().collect());
                }
            }
        }
    }
}

/// The step grid `(start, last, step)` of a chart answer at `t`: the
/// grid the poller asks on (`promapi::range_params`), or, for points off
/// it, the grid the points themselves are on.
fn chart_grid(chart: &[promapi::RangeSeries], grid: (i64, i64, i64), t: i64) -> (i64, i64, i64) {
    let (start, _, step) = grid;
    let times = || chart.iter().flat_map(|(_, p)| p.iter().map(|x| x.0));
    if times().all(|x| x >= start && (x - start) % step == 0) {
        return grid;
    }
    let step = chart
        .iter()
        .flat_map(|(_, p)| p.windows(2).map(|w| w[1].0 - w[0].0))
        .filter(|d| *d > 0)
        .min()
        .unwrap_or(step);
    let start = times().min().unwrap_or(start);
    let last = times().filter(|x| *x < t).max().unwrap_or(grid.1);
    (start, last, step)
}

/// `expr` over the store at every step of `(start, last, step)`.
fn store_range(
    store: &crate::store::Store,
    expr: &Expr,
    (start, last, step): (i64, i64, i64),
) -> Option<Vec<promapi::RangeSeries>> {
    let budget = promql::Budget::default();
    let series = promql::eval_range_with(store, expr, start, last, step, &budget).ok()?;
    Some(series.into_iter().map(|s| (s.labels, s.points)).collect())
}

#[cfg(test)]
#[path = "remote_rules_tests.rs"]
mod tests;
