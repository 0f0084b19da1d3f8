//! Rule evaluation: panel thresholds and expression rules, staleness.

use super::panels::{PanelRuntime, Vector};
use super::{Engine, SYNTHETIC};
use crate::alerts::rulefile::FileRule;
use crate::alerts::{self, Evaluation, RuleSpec, RuleState, Transition};
use crate::detect::RuleDef;
use crate::frame::Alert;
use crate::labels::Labels;
use crate::promql::{self, Expr};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

/// Where a rule's results come from.
pub(crate) enum RuleSource {
    /// `panel expression > value` (or `<`): filters the panel's own result,
    /// which is exactly what PromQL's comparison would return.
    Threshold {
        panel: usize,
        expr: usize,
        value: f64,
        below: bool,
    },
    /// A PromQL expression of its own.
    Expr(Result<Expr, String>),
}

pub(crate) struct RuleRuntime {
    pub state: RuleState,
    source: RuleSource,
    /// (job, instance) of every target the expression read at its last
    /// evaluation in which all of them could be scraped.
    read_targets: BTreeSet<(String, String)>,
}

fn key(s: &RuleSpec) -> (String, String, crate::frame::Severity, Labels) {
    (s.name.clone(), s.expr.clone(), s.severity, s.labels.clone())
}

/// Builds the rule list from panel thresholds and rule definitions, keeping
/// the state of every rule that did not change.
pub(crate) fn rebuild(
    old: Vec<RuleRuntime>,
    panels: &[PanelRuntime],
    defs: &[RuleDef],
    file_rules: &[FileRule],
    for_override: Option<Duration>,
) -> Vec<RuleRuntime> {
    let mut old: HashMap<_, RuleRuntime> =
        old.into_iter().map(|r| (key(&r.state.spec), r)).collect();
    let mut out = Vec::new();
    let mut push = |spec: RuleSpec, source: RuleSource| {
        let r = match old.remove(&key(&spec)) {
            Some(mut r) => {
                r.source = source;
                r
            }
            None => RuleRuntime {
                state: RuleState::new(spec),
                source,
                read_targets: BTreeSet::new(),
            },
        };
        out.push(r);
    };
    for (pi, p) in panels.iter().enumerate() {
        for (ei, e) in p.def.exprs.iter().enumerate() {
            for t in &e.thresholds {
                let op = if t.below { "<" } else { ">" };
                let spec = RuleSpec {
                    name: t.alert.clone(),
                    expr: format!("({}) {op} {}", e.expr, t.value),
                    for_: for_override.unwrap_or(t.for_),
                    keep_firing_for: Duration::ZERO,
                    severity: t.severity,
                    labels: Labels::from_pairs([("severity", t.severity.as_str())]),
                    summary: t.summary.clone(),
                    threshold: Some(t.value),
                    panel: Some(p.def.id.clone()),
                    annotations: Default::default(),
                };
                let source = RuleSource::Threshold {
                    panel: pi,
                    expr: ei,
                    value: t.value,
                    below: t.below,
                };
                push(spec, source);
            }
        }
    }
    for d in defs {
        let spec = RuleSpec {
            name: d.alert.clone(),
            expr: d.expr.clone(),
            for_: for_override.unwrap_or(d.for_),
            keep_firing_for: Duration::ZERO,
            severity: d.severity,
            labels: Labels::from_pairs([("severity", d.severity.as_str())]),
            summary: d.summary.clone(),
            threshold: d.threshold,
            panel: d.panel.clone(),
            annotations: Default::default(),
        };
        let parsed = promql::parse(&d.expr).map_err(|e| e.to_string());
        push(spec, RuleSource::Expr(parsed));
    }
    for r in file_rules {
        let FileRule::Alerting(a) = r else { continue };
        let mut annotations = a.annotations.clone();
        let summary = annotations.remove("summary").unwrap_or_default();
        let spec = RuleSpec {
            name: a.name.clone(),
            expr: a.expr.clone(),
            for_: for_override.unwrap_or(a.for_),
            keep_firing_for: a.keep_firing_for,
            severity: a.severity,
            labels: a.labels.clone(),
            summary,
            threshold: None,
            panel: None,
            annotations,
        };
        let parsed = promql::parse(&a.expr).map_err(|e| e.to_string());
        push(spec, RuleSource::Expr(parsed));
    }
    out
}

impl Engine {
    /// Evaluates every rule at `now_ms`; returns all alert instances for
    /// display and this tick's transitions.
    pub(super) fn eval_rules(&mut self, now_ms: i64) -> (Vec<Alert>, Vec<Transition>) {
        let down: BTreeSet<(String, String)> = self
            .targets
            .values()
            .filter(|t| t.seen_up && !t.status.up)
            .map(|t| (t.status.job.clone(), t.status.instance.clone()))
            .collect();
        let mut transitions = Vec::new();
        let mut alerts = Vec::new();
        let source = super::remote::Source::of(&self.store, self.remote.as_deref());
        for rule in &mut self.rules {
            let (result, expr): (Result<Vector, String>, Option<&Expr>) = match &rule.source {
                RuleSource::Threshold {
                    panel,
                    expr,
                    value,
                    below,
                } => {
                    let p = &self.panels[*panel];
                    let fresh = source.check_fresh(&p.def.exprs[*expr].expr);
                    let r = fresh.and_then(|()| p.current[*expr].clone()).map(|v| {
                        v.into_iter()
                            .filter(|(_, x)| if *below { x < value } else { x > value })
                            .collect()
                    });
                    (r, p.parsed(*expr))
                }
                RuleSource::Expr(Ok(e)) => (
                    source.rule_vector(&rule.state.spec.expr, e, now_ms),
                    Some(e),
                ),
                RuleSource::Expr(Err(e)) => (Err(e.clone()), None),
            };
            let read_now = expr
                .map(|e| read_targets(&self.store, e, now_ms))
                .unwrap_or_default();
            if read_now.is_disjoint(&down) && rule.read_targets.is_disjoint(&down) {
                rule.read_targets = read_now;
            }
            let whole_rule_stale = !rule.read_targets.is_disjoint(&down);
            let is_stale = |l: &Labels| match (l.get("job"), l.get("instance")) {
                (Some(j), Some(i)) => down.contains(&(j.to_string(), i.to_string())),
                (None, Some(i)) => down.iter().any(|(_, di)| di == i),
                _ => whole_rule_stale,
            };
            let eval = match &result {
                Ok(v) => Evaluation::Ok(v),
                Err(e) => Evaluation::Error(e.clone()),
            };
            transitions.extend(rule.state.step(now_ms, eval, is_stale));
            alerts.extend(rule.state.alerts(now_ms));
        }
        alerts::sort_for_display(&mut alerts);
        (alerts, transitions)
    }
}

/// (job, instance) of the scraped targets whose series `expr` reads at
/// `t_ms`; synthetic per-target series do not count (they exist even when
/// the target is down).
fn read_targets(store: &crate::store::Store, expr: &Expr, t_ms: i64) -> BTreeSet<(String, String)> {
    promql::matched_series(store, expr, t_ms)
        .into_iter()
        .filter(|l| !l.name().is_some_and(|n| SYNTHETIC.contains(&n)))
        .filter_map(|l| Some((l.get("job")?.to_string(), l.get("instance")?.to_string())))
        .collect()
}
