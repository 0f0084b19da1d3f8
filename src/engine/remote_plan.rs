//! What each refresh over a server asks ([`Plan`]): every panel's,
//! pinned panel's, rule's and instance-table query, without duplicates,
//! grouped for shared requests; and the charts made from the range
//! answers.

use super::remote::window_expr;
use super::Engine;
use crate::promapi::{self, Plan};

impl Engine {
    /// Recomputes what each refresh asks and hands it to the poller.
    pub(super) fn update_plan(&mut self) {
        self.sync_recorded();
        let catch_up = self.longest_for();
        let queries = self.table_queries();
        let table_limits: Vec<&(String, usize)> = queries.iter().flatten().collect();
        let table: Vec<&String> = table_limits.iter().map(|(e, _)| e).collect();
        let Some(r) = self.backend.server_mut() else {
            return;
        };
        r.narrowed.retain(|e, _| table.contains(&e));
        for e in &table {
            if !r.narrowed.contains_key(*e) {
                let w = window_expr(e, &r.window);
                r.narrowed.insert(e.to_string(), w);
            }
        }
        let Some(r) = self.backend.server() else {
            return;
        };
        let mut instant: Vec<String> = Vec::new();
        let mut charts: Vec<String> = Vec::new();
        let add = |v: &mut Vec<String>, e: &str| {
            if !v.iter().any(|x| x == e) {
                v.push(e.to_string());
            }
        };
        for p in &self.panels {
            if p.def.error.is_some() {
                continue;
            }
            for e in &p.def.exprs {
                add(&mut instant, &e.expr);
                if !e.is_limit {
                    add(&mut charts, &e.expr);
                }
            }
        }
        // Pinned to an instance, its own panels too.
        for p in self.pin.iter().flat_map(|p| &p.runtimes) {
            for e in p.def.exprs.iter().filter(|_| p.def.error.is_none()) {
                add(&mut instant, &e.expr);
                if !e.is_limit {
                    add(&mut charts, &e.expr);
                }
            }
        }
        for d in &self.detected.rules {
            add(&mut instant, &d.expr);
        }
        for f in &self.opts.rules {
            if let crate::alerts::rulefile::FileRule::Alerting(a) = f {
                add(&mut instant, &a.expr);
            }
        }
        let groups = self.batch_groups(r, &table);
        let mut covered = Vec::new();
        for (e, limit) in table_limits {
            add(&mut instant, e);
            if let Some(w) = r.window_text(e) {
                add(&mut instant, &w);
                // Not sent while the busiest-first answer holds every
                // instance: it would repeat the same values.
                covered.push(promapi::Covered {
                    text: w,
                    by: e.clone(),
                    limit: *limit,
                });
            }
        }
        if r.targets.is_none() || !self.rules.is_empty() {
            add(&mut instant, r.down_text());
        }
        self.plan_rules(r, &mut instant, &mut charts);
        let plan = Plan {
            instant,
            charts,
            window: self.opts.retention,
            min_step: r.scrape_interval.unwrap_or(self.opts.interval),
            catch_up,
            points: r.chart_points.unwrap_or(promapi::CHART_POINTS),
            covered,
            groups,
        };
        r.plan.send_if_modified(|p| {
            let changed = *p != plan;
            *p = plan;
            changed
        });
    }

    /// Charts over a server are the range answers: they replace the
    /// history before the panels append the current values.
    pub(super) fn server_charts(&mut self) {
        let Some(r) = self.backend.server() else {
            return;
        };
        let pinned = self.pin.iter_mut().flat_map(|p| &mut p.runtimes);
        for p in self.panels.iter_mut().chain(pinned) {
            for (i, def) in p.def.exprs.iter().enumerate() {
                let Some(chart) = r.charts.get(&def.expr) else {
                    continue;
                };
                p.history.retain(|(j, _), _| *j != i);
                for (labels, pts) in chart.iter() {
                    let mut l = labels.clone();
                    for (n, v) in &def.add_labels {
                        l.set(n, v);
                    }
                    p.history.insert((i, l), pts.iter().copied().collect());
                }
            }
        }
    }
}
