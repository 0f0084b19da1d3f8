//! Panel evaluation and chart history.

use super::Engine;
use crate::detect::{ExprDef, PanelDef, TableDefs};
use crate::frame::TargetStatus;
use crate::frame::{
    crosses, InstanceRow, Level, Panel, PanelKind, Series, Severity, Thresholds, Unit,
};
use crate::promql::{self, Expr, Value};
use crate::store::Store;
use crate::vocab::labels::Labels;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// A result vector of one expression: series labels (with the panel's
/// added labels) and values.
pub(crate) type Vector = Vec<(Labels, f64)>;

/// A panel definition with its parsed expressions, current results and
/// chart history.
pub(crate) struct PanelRuntime {
    pub def: PanelDef,
    parsed: Vec<Result<Expr, String>>,
    longest_range_ms: i64,
    /// The latest result of each expression.
    pub current: Vec<Result<Vector, String>>,
    /// (expression index, labels) -> points, oldest first.
    pub(super) history: BTreeMap<(usize, Labels), VecDeque<(i64, f64)>>,
}

impl PanelRuntime {
    pub(super) fn new(def: PanelDef) -> Self {
        let parsed: Vec<Result<Expr, String>> = def
            .exprs
            .iter()
            .map(|e| promql::parse(&e.expr).map_err(|err| err.to_string()))
            .collect();
        let longest_range_ms = parsed
            .iter()
            .flatten()
            .map(promql::longest_range_ms)
            .max()
            .unwrap_or(0);
        PanelRuntime {
            current: parsed.iter().map(|_| Ok(vec![])).collect(),
            def,
            parsed,
            longest_range_ms,
            history: BTreeMap::new(),
        }
    }

    /// The parsed expression `i`, if it parsed.
    pub fn parsed(&self, i: usize) -> Option<&Expr> {
        self.parsed.get(i).and_then(|p| p.as_ref().ok())
    }
}

/// Keeps runtimes (history) of panels whose definition did not change.
pub(crate) fn rebuild(old: Vec<PanelRuntime>, defs: Vec<PanelDef>) -> Vec<PanelRuntime> {
    let mut old: HashMap<String, PanelRuntime> =
        old.into_iter().map(|p| (p.def.id.clone(), p)).collect();
    defs.into_iter()
        .map(|def| match old.remove(&def.id) {
            Some(mut p) if p.def.exprs == def.exprs => {
                p.def = def;
                p
            }
            _ => PanelRuntime::new(def),
        })
        .collect()
}

/// An ad hoc panel from `--expr` or `:expr`.
pub(crate) fn adhoc_panel(n: usize, text: &str) -> PanelDef {
    // `unit=NAME EXPR` names the unit; else the expression's shape says.
    let (unit, expr, error) = match crate::detect::units::split_unit(text) {
        Ok((Some(u), e)) => (u, e, None),
        Ok((None, e)) => (
            crate::promql::parse(e).map_or(Unit::None, |p| crate::detect::units::infer(&p)),
            e,
            None,
        ),
        Err(msg) => (Unit::None, text, Some(msg)),
    };
    PanelDef {
        id: format!("expr{n}"),
        title: expr.to_string(),
        unit,
        kind: PanelKind::Graph,
        exprs: vec![ExprDef {
            expr: expr.to_string(),
            add_labels: vec![],
            legend: String::new(),
            thresholds: vec![],
            is_limit: false,
        }],
        error,
        warn: None,
        crit: None,
    }
}

/// Evaluates an expression at one instant into a vector.
pub(crate) fn eval_vector(store: &Store, expr: &Expr, t_ms: i64) -> Result<Vector, String> {
    match promql::eval_instant_with(store, expr, t_ms, &promql::Budget::default()) {
        Ok(Value::Vector(v)) => Ok(v.into_iter().map(|s| (s.labels, s.value)).collect()),
        Ok(Value::Scalar(v)) => Ok(vec![(Labels::new(), v)]),
        Ok(Value::Matrix(_)) => Err(
            "expression returns a range vector; a panel needs an instant vector or scalar".into(),
        ),
        Ok(Value::String(_)) => Err("expression returns a string; a panel needs a number".into()),
        Err(e) => Err(e.to_string()),
    }
}

fn legend(def: &ExprDef, labels: &Labels, many: bool) -> String {
    if def.legend.contains("{{") {
        return crate::config::apply::render_legend(&def.legend, labels);
    }
    let who = labels.get("instance").map(str::to_string).or_else(|| {
        (!labels.is_empty() && def.legend.is_empty()).then(|| labels.without_name().to_string())
    });
    match (def.legend.is_empty(), who) {
        (true, Some(w)) => w,
        (true, None) => labels.name().unwrap_or("value").to_string(),
        (false, Some(w)) if many => format!("{} {}", def.legend, w),
        (false, _) => def.legend.clone(),
    }
}

/// The thresholds of an expression as its values are judged: a warning
/// (or info) threshold is its warn, a critical one its crit; of two alike
/// the one crossed first. An expression's thresholds share one direction
/// (a panel's `below`).
fn thresholds(def: &ExprDef) -> Thresholds {
    let mut th = Thresholds::default();
    for t in &def.thresholds {
        th.below = t.below;
        let slot = if t.severity >= Severity::Critical {
            &mut th.crit
        } else {
            &mut th.warn
        };
        *slot = Some(match *slot {
            Some(v) if crosses(t.value, v, t.below) => v,
            _ => t.value,
        });
    }
    th
}

/// The thresholds the instance table's CPU, p99 and error cells are
/// judged by: those of the `cpu`, `latency` and `errors` panels (the
/// first of each panel's expressions that has any).
pub(super) fn table_thresholds(panels: &[PanelRuntime]) -> [Thresholds; 3] {
    ["cpu", "latency", "errors"].map(|id| {
        panels
            .iter()
            .filter(|p| p.def.id == id)
            .flat_map(|p| &p.def.exprs)
            .find(|e| !e.thresholds.is_empty())
            .map(thresholds)
            .unwrap_or_default()
    })
}

/// A panel whose series carry no thresholds of their own (the Instances
/// panel: its rules compare series with each other, or read `up`) takes
/// its verdict from its rules: the most severe of its firing alerts, OK
/// when none fires. Panels judged by thresholds keep their verdict.
pub(super) fn judge_by_alerts(panels: &mut [Panel], alerts: &[crate::frame::Alert]) {
    for p in panels.iter_mut() {
        let judged = p.series.iter().any(|s| s.level != Level::Unknown);
        let has_value = p.series.iter().any(|s| s.value.is_some());
        if judged || !has_value || p.error.is_some() {
            continue;
        }
        p.level = alerts
            .iter()
            .filter(|a| {
                a.state == crate::frame::AlertState::Firing && a.panel.as_deref() == Some(&p.id)
            })
            .map(|a| match a.severity {
                Severity::Critical => Level::Crit,
                Severity::Warning => Level::Warn,
                Severity::Info => Level::Ok,
            })
            .max()
            .unwrap_or(Level::Ok);
    }
}

/// Whether `e` is `histogram_quantile(…)` (in parentheses or not).
fn is_quantile(e: &Expr) -> bool {
    match e {
        Expr::Paren(p) => is_quantile(&p.expr),
        Expr::Call(c) => c.func.name == "histogram_quantile",
        _ => false,
    }
}

/// The highest finite `le` among the bucket series `quantile` reads at
/// `t_ms`: the bound `histogram_quantile` returns for a quantile that lies
/// in the `+Inf` bucket. `None` when it reads none (over a server, whose
/// series the store does not hold).
fn top_bucket(store: &Store, quantile: &Expr, t_ms: i64) -> Option<f64> {
    promql::matched_series(store, quantile, t_ms)
        .iter()
        .filter_map(|l| l.get("le")?.parse::<f64>().ok())
        .filter(|le| le.is_finite())
        .max_by(f64::total_cmp)
}

/// Records the engine's verdict on a table row's values.
pub(super) fn judge_row(row: &mut InstanceRow, th: &[Thresholds; 3]) {
    let judge = |v: Option<f64>, th: &Thresholds| v.map_or(Level::Unknown, |v| th.judge(v));
    row.cpu_level = judge(row.cpu, &th[0]);
    row.p99_level = judge(row.p99, &th[1]);
    row.error_level = judge(row.error_ratio, &th[2]);
}

impl Engine {
    pub(super) fn eval_panels(&mut self, now_ms: i64) -> Vec<Panel> {
        let keep_from = now_ms - self.opts.retention.as_millis() as i64;
        let started = self.started_ms;
        let source = self.backend.reader(&self.store);
        let store = &self.store;
        let clock = self.clock;
        let slowest = &mut self.slowest;
        self.panels
            .iter_mut()
            .map(|p| {
                let mut panel = Panel {
                    id: p.def.id.clone(),
                    title: p.def.title.clone(),
                    exprs: p
                        .def
                        .exprs
                        .iter()
                        .filter(|e| !e.is_limit)
                        .map(|e| e.expr.clone())
                        .collect(),
                    unit: p.def.unit,
                    kind: p.def.kind,
                    warming_up: started.is_none_or(|s| now_ms - s < p.longest_range_ms),
                    warn: p.def.warn,
                    crit: p.def.crit,
                    // Before the first good scrape nothing is missing yet.
                    error: p.def.error.clone().filter(|_| started.is_some()),
                    ..Default::default()
                };
                if panel.error.is_some() {
                    return panel;
                }
                let mut now_values: HashMap<(usize, Labels), f64> = HashMap::new();
                for (i, def) in p.def.exprs.iter().enumerate() {
                    let began = clock.map(|c| c());
                    let result = match &p.parsed[i] {
                        Ok(e) => source.panel_vector(&def.expr, e, now_ms).map(|v| {
                            v.into_iter()
                                .map(|(mut l, x)| {
                                    for (n, val) in &def.add_labels {
                                        l.set(n, val);
                                    }
                                    (l, x)
                                })
                                .collect::<Vector>()
                        }),
                        Err(e) => Err(e.clone()),
                    };
                    if let (Some(c), Some(b)) = (clock, began) {
                        super::slow::offer(slowest, &p.def.title, &def.expr, c() - b);
                    }
                    match &result {
                        Ok(v) if def.is_limit => {
                            panel.limit = v.first().map(|(_, x)| *x);
                            // Kept as history (never a series): the limit
                            // line is drawn as it was over time.
                            if let Some((l, x)) = v.first() {
                                p.history
                                    .entry((i, l.clone()))
                                    .or_default()
                                    .push_back((now_ms, *x));
                            }
                        }
                        Ok(v) => {
                            for (l, x) in v {
                                now_values.insert((i, l.clone()), *x);
                                p.history
                                    .entry((i, l.clone()))
                                    .or_default()
                                    .push_back((now_ms, *x));
                            }
                        }
                        Err(e) => {
                            if panel.error.is_none() {
                                panel.error = Some(e.clone());
                            }
                        }
                    }
                    p.current[i] = result;
                }
                // Age out history and drop series with nothing left to draw.
                p.history.retain(|_, pts| {
                    while pts.front().is_some_and(|(t, _)| *t < keep_from) {
                        pts.pop_front();
                    }
                    !pts.is_empty()
                });
                if panel.error.is_some() {
                    panel.series.clear();
                    return panel;
                }
                panel.top_bucket = p
                    .def
                    .exprs
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| !d.is_limit)
                    .find_map(|(i, _)| p.parsed(i).filter(|e| is_quantile(e)))
                    .and_then(|e| top_bucket(store, e, now_ms));
                let counts: HashMap<usize, usize> =
                    p.history.keys().fold(HashMap::new(), |mut m, (i, _)| {
                        *m.entry(*i).or_default() += 1;
                        m
                    });
                let mut limit_points: Vec<(i64, f64)> = p
                    .history
                    .iter()
                    .filter(|((i, _), _)| p.def.exprs[*i].is_limit)
                    .flat_map(|(_, pts)| pts.iter().copied())
                    .collect();
                limit_points.sort_by_key(|(t, _)| *t);
                limit_points.dedup_by_key(|(t, _)| *t);
                panel.limit_points = limit_points;
                panel.series = p
                    .history
                    .iter()
                    .filter(|((i, _), _)| !p.def.exprs[*i].is_limit)
                    .map(|((i, l), pts)| {
                        let def = &p.def.exprs[*i];
                        let value = now_values.get(&(*i, l.clone())).copied();
                        let thresholds = thresholds(def);
                        Series {
                            labels: l.clone(),
                            legend: legend(def, l, counts.get(i).copied().unwrap_or(0) > 1),
                            value,
                            level: value.map_or(Level::Unknown, |v| thresholds.judge(v)),
                            thresholds,
                            points: pts.iter().copied().collect(),
                        }
                    })
                    .collect();
                // The panel's verdict is the worst of its series'.
                panel.level = panel
                    .series
                    .iter()
                    .map(|s| s.level)
                    .max()
                    .unwrap_or_default();
                panel
            })
            .collect()
    }

    /// The instance table: one row per target, with the CPU, p99 and
    /// error columns from the store or the server, judged.
    pub(super) fn instance_rows(&self, now_ms: i64, targets: &[TargetStatus]) -> Vec<InstanceRow> {
        let [cpu, p99, err] = match self.backend.server() {
            Some(r) => self.server_columns(r),
            None => self.store_columns(now_ms),
        };
        let th = table_thresholds(&self.panels);
        targets
            .iter()
            .map(|s| {
                let i = &s.instance;
                let mut row = InstanceRow {
                    instance: i.clone(),
                    job: s.job.clone(),
                    up: s.up,
                    cpu: cpu.get(i).copied(),
                    cpu_is_cores: self.detected.table.cpu_is_cores,
                    p99: p99.get(i).copied(),
                    error_ratio: err.get(i).copied(),
                    last_error: s.error.clone(),
                    awaiting_first_scrape: s.last_scrape_ms.is_none(),
                    ..InstanceRow::default()
                };
                judge_row(&mut row, &th);
                row
            })
            .collect()
    }

    /// The table's CPU, p99 and error columns evaluated over the store.
    fn store_columns(&self, now_ms: i64) -> [HashMap<String, f64>; 3] {
        let t = &self.table;
        let by_instance = |e: &Option<Expr>| -> HashMap<String, f64> {
            e.as_ref()
                .and_then(|e| eval_vector(&self.store, e, now_ms).ok())
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(l, v)| l.get("instance").map(|i| (i.to_string(), v)))
                .collect()
        };
        [
            by_instance(&t.cpu),
            by_instance(&t.p99),
            by_instance(&t.error_ratio),
        ]
    }
}

/// The parsed per-instance expressions of the instance table.
#[derive(Default)]
pub(crate) struct TableRuntime {
    cpu: Option<Expr>,
    p99: Option<Expr>,
    error_ratio: Option<Expr>,
}

impl TableRuntime {
    pub fn new(d: &TableDefs) -> Self {
        let p = |e: &Option<String>| e.as_deref().and_then(|e| promql::parse(e).ok());
        TableRuntime {
            cpu: p(&d.cpu),
            p99: p(&d.p99),
            error_ratio: p(&d.error_ratio),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{Alert, AlertState};

    /// The Instances panel has no thresholds of its own: its badge is its
    /// rules' verdict; a panel with thresholds keeps its own.
    #[test]
    fn a_panel_without_thresholds_is_judged_by_its_firing_alerts() {
        let series = |level| Series {
            value: Some(40.0),
            level,
            ..Series::default()
        };
        let mut panels = vec![
            Panel {
                id: "instances".into(),
                series: vec![series(Level::Unknown)],
                ..Panel::default()
            },
            Panel {
                id: "cpu".into(),
                series: vec![series(Level::Ok)],
                level: Level::Ok,
                ..Panel::default()
            },
        ];
        judge_by_alerts(&mut panels, &[]);
        assert_eq!(panels[0].level, Level::Ok);
        let alert = |panel: &str, severity, state| Alert {
            panel: Some(panel.into()),
            severity,
            state,
            ..Alert::default()
        };
        let alerts = [
            alert("instances", Severity::Warning, AlertState::Firing),
            alert("instances", Severity::Critical, AlertState::Pending),
            alert("cpu", Severity::Critical, AlertState::Firing),
        ];
        judge_by_alerts(&mut panels, &alerts);
        assert_eq!(panels[0].level, Level::Warn);
        assert_eq!(panels[1].level, Level::Ok, "judged by its thresholds");
        let alerts = [alert("instances", Severity::Critical, AlertState::Firing)];
        judge_by_alerts(&mut panels, &alerts);
        assert_eq!(panels[0].level, Level::Crit);
    }

    /// The limit line is kept as it was at each tick, not only as it is.
    #[test]
    fn the_limit_keeps_its_history_and_is_no_series() {
        use crate::detect::ExprDef;
        use crate::engine::{Engine, EngineOptions};
        use crate::scrape::{expo, ScrapeResult, Target};
        use std::sync::Arc;
        use std::time::Duration;
        let expr = |e: &str, is_limit| ExprDef {
            expr: e.into(),
            add_labels: vec![],
            legend: String::new(),
            thresholds: vec![],
            is_limit,
        };
        let def = PanelDef {
            id: "instances".into(),
            title: "Instances".into(),
            unit: Unit::Count,
            kind: PanelKind::Graph,
            exprs: vec![
                expr("max(current_instances)", false),
                expr("max(max_instances)", true),
            ],
            error: None,
            warn: None,
            crit: None,
        };
        let mut e = Engine::new(EngineOptions {
            panels: vec![def],
            detected_panels: false,
            ..EngineOptions::default()
        });
        let target = Target {
            url: "http://127.0.0.1:9001/metrics".into(),
            job: "app".into(),
            instance: "127.0.0.1:9001".into(),
            ..Default::default()
        };
        const T0: i64 = 1_795_348_800_000;
        e.set_targets(std::slice::from_ref(&target), T0);
        let mut frame = None;
        for (i, max) in [30, 30, 40].into_iter().enumerate() {
            let t = T0 + i as i64 * 2000;
            let page = format!("current_instances {max}\nmax_instances {max}\n");
            e.apply(ScrapeResult {
                target: Arc::new(target.clone()),
                time_ms: t,
                duration: Duration::from_millis(3),
                outcome: Ok(expo::parse_page(page.as_bytes(), None)),
            });
            frame = Some(e.tick(t + 1000));
        }
        let f = frame.unwrap();
        let p = &f.panels[0];
        assert_eq!(p.limit, Some(40.0));
        let values: Vec<f64> = p.limit_points.iter().map(|p| p.1).collect();
        assert_eq!(values, [30.0, 30.0, 40.0]);
        assert_eq!(p.series.len(), 1, "the limit is not a series");
    }
}
