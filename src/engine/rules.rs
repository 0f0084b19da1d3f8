//! Rule evaluation: panel thresholds and expression rules, staleness.

use super::panels::{PanelRuntime, Vector};
use super::remote::Reader;
use super::remote_route::{reads_text, targets_of, Route};
use super::{Engine, SYNTHETIC};
use crate::alerts::rulefile::FileRule;
use crate::alerts::{self, Evaluation, RuleSpec, RuleState, Transition};
use crate::detect::RuleDef;
use crate::frame::{Alert, AlertState};
use crate::promql::{self, Expr};
use crate::vocab::labels::Labels;
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

/// Where a rule's results come from.
pub(crate) enum RuleInput {
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
    input: RuleInput,
    /// Hysteresis of an expression rule `X > t`: `X` as text (asked from
    /// a server) and parsed, whose values decide how long a firing
    /// instance is held (see [`alerts::hold_above`]).
    hold_expr: Option<(String, Expr)>,
    /// (job, instance) of every target the expression read at its last
    /// evaluation in which all of them could be scraped.
    read_targets: BTreeSet<(String, String)>,
    /// Over a server: the query telling which targets the expression
    /// reads (`remote_rules::reads_text`), as text and parsed.
    reads: Option<(String, Expr)>,
    /// An active instance has no `instance` label: its staleness depends
    /// on the targets the expression reads (over a server, `reads` is
    /// then asked).
    holds_aggregate: bool,
}

fn key(s: &RuleSpec) -> (String, String, crate::frame::Severity, Labels) {
    (s.name.clone(), s.expr.clone(), s.severity, s.labels.clone())
}

impl RuleRuntime {
    /// The rule's own expression (not a panel threshold), as written and
    /// parsed.
    pub fn own_expr(&self) -> Option<(&str, &Expr)> {
        match &self.input {
            RuleInput::Expr(Ok(e)) => Some((&self.state.spec.expr, e)),
            _ => None,
        }
    }

    /// The query for the targets the expression reads, when an active
    /// instance's staleness depends on them.
    pub fn wanted_reads(&self) -> Option<(&str, &Expr)> {
        self.reads
            .as_ref()
            .filter(|_| self.holds_aggregate)
            .map(|(t, e)| (t.as_str(), e))
    }

    /// The left-hand side `X` of a `clear_below` rule `X > t`, as text and
    /// parsed.
    pub fn hold(&self) -> Option<(&str, &Expr)> {
        self.hold_expr.as_ref().map(|(t, e)| (t.as_str(), e))
    }
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
    let mut push = |spec: RuleSpec, source: RuleInput| {
        let (source, hold_expr) = match (source, spec.clear_below) {
            (RuleInput::Expr(Ok(e)), Some(_)) => match hold_operand(&e) {
                Ok(lhs) => (RuleInput::Expr(Ok(e)), Some((lhs.to_string(), lhs))),
                Err(msg) => (RuleInput::Expr(Err(msg)), None),
            },
            (source, _) => (source, None),
        };
        let r = match old.remove(&key(&spec)) {
            Some(mut r) => {
                r.input = source;
                r.hold_expr = hold_expr;
                r.state.spec.clear_below = spec.clear_below;
                r
            }
            None => RuleRuntime {
                state: RuleState::new(spec),
                input: source,
                hold_expr,
                read_targets: BTreeSet::new(),
                reads: None,
                holds_aggregate: false,
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
                    clear_below: t.clear_below.filter(|_| !t.below),
                    unit: None,
                };
                let source = RuleInput::Threshold {
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
            clear_below: None,
            unit: unit_of(&d.expr),
        };
        let parsed = promql::parse(&d.expr).map_err(|e| e.to_string());
        push(spec, RuleInput::Expr(parsed));
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
            clear_below: a.clear_below,
            unit: unit_of(&a.expr),
        };
        let parsed = promql::parse(&a.expr).map_err(|e| e.to_string());
        push(spec, RuleInput::Expr(parsed));
    }
    for r in &mut out {
        let e = match &r.input {
            RuleInput::Threshold { panel, expr, .. } => panels[*panel].parsed(*expr),
            RuleInput::Expr(e) => e.as_ref().ok(),
        };
        r.reads = e
            .and_then(reads_text)
            .and_then(|t| Some((t.clone(), promql::parse(&t).ok()?)));
    }
    out
}

impl Engine {
    /// Evaluates every rule at `now_ms`; returns all alert instances for
    /// display and this tick's transitions.
    pub(super) fn eval_rules(&mut self, now_ms: i64) -> (Vec<Alert>, Vec<Transition>) {
        let down: BTreeSet<(String, String)> = self.backend.down_targets();
        let mut transitions = Vec::new();
        let mut alerts = Vec::new();
        let reader = self.backend.reader(&self.store);
        for rule in &mut self.rules {
            let (mut result, expr): (Result<Vector, String>, Option<&Expr>) = match &rule.input {
                RuleInput::Threshold {
                    panel,
                    expr,
                    value,
                    below,
                } => {
                    let p = &self.panels[*panel];
                    let fresh = reader.check_fresh(&p.def.exprs[*expr].expr, p.parsed(*expr));
                    let r = fresh.and_then(|()| p.current[*expr].clone()).map(|v| {
                        let hit: Vector = v
                            .iter()
                            .filter(|(_, x)| crate::frame::crosses(*x, *value, *below))
                            .cloned()
                            .collect();
                        // The panel value is the unfiltered one.
                        match rule.state.spec.clear_below {
                            Some(c) if !*below => alerts::hold_above(&rule.state, hit, &v, c),
                            _ => hit,
                        }
                    });
                    (r, p.parsed(*expr))
                }
                RuleInput::Expr(Ok(e)) => (
                    reader.rule_vector(&rule.state.spec.expr, e, now_ms),
                    Some(e),
                ),
                RuleInput::Expr(Err(e)) => (Err(e.clone()), None),
            };
            // The unfiltered left-hand side comes from the same source: a
            // failed answer holds the rule as a failed evaluation does.
            if let (Ok(v), Some((text, lhs)), Some(clear)) =
                (&mut result, &rule.hold_expr, rule.state.spec.clear_below)
            {
                match reader.rule_vector(text, lhs, now_ms) {
                    Ok(unfiltered) => {
                        *v = alerts::hold_above(&rule.state, std::mem::take(v), &unfiltered, clear);
                    }
                    Err(e) => result = Err(e),
                }
            }
            // Over a server the targets read are the answer to `reads`;
            // without one they stay as they were.
            let read_now = match (expr, &reader) {
                (None, _) => Some(BTreeSet::new()),
                (Some(e), Reader::Remote(r, _)) if r.route(e) == Route::Server => rule
                    .reads
                    .as_ref()
                    .and_then(|(t, p)| reader.rule_vector(t, p, now_ms).ok())
                    .map(|v| targets_of(&v)),
                (Some(e), _) => Some(read_targets(&self.store, e, now_ms)),
            };
            if let Some(read_now) = read_now {
                if read_now.is_disjoint(&down) && rule.read_targets.is_disjoint(&down) {
                    rule.read_targets = read_now;
                }
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
            let shown = rule.state.alerts(now_ms);
            rule.holds_aggregate = shown.iter().any(|a| {
                matches!(a.state, AlertState::Pending | AlertState::Firing)
                    && a.labels.get("instance").is_none()
            });
            alerts.extend(shown);
        }
        alerts::sort_for_display(&mut alerts);
        (alerts, transitions)
    }
}

/// The unit a rule's expression's value has, when its shape says.
fn unit_of(expr: &str) -> Option<crate::frame::Unit> {
    let u = crate::detect::units::infer(&promql::parse(expr).ok()?);
    (u != crate::frame::Unit::None).then_some(u)
}

/// The left operand of a rule `X > t` or `X >= t` (parentheses around the
/// whole allowed, no `bool`): what `clear_below` is compared with.
fn hold_operand(e: &Expr) -> Result<Expr, String> {
    use promql_parser::parser::token::{T_GTE, T_GTR};
    match e {
        Expr::Paren(p) => hold_operand(&p.expr),
        Expr::Binary(b)
            if matches!(b.op.id(), T_GTR | T_GTE)
                && !b.return_bool()
                && matches!(strip_parens(&b.rhs), Expr::NumberLiteral(_)) =>
        {
            Ok((*b.lhs).clone())
        }
        _ => Err("clear_below needs an expression of the form `X > N` (or `X >= N`)".into()),
    }
}

fn strip_parens(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip_parens(&p.expr),
        other => other,
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

/// The first rule that cannot be evaluated, for the notice line.
pub(crate) fn first_error(rules: &[RuleRuntime]) -> Option<String> {
    rules.iter().find_map(|r| {
        r.state
            .error
            .as_ref()
            .map(|e| format!("rule {}: {e}", r.state.spec.name))
    })
}

/// What the screen needs of this run's transitions beyond the current
/// alerts: the bell count and a bounded history.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    pub bell: u64,
    pub history: std::collections::VecDeque<Transition>,
}

/// Transitions kept for the alerts list.
pub(crate) const HISTORY_LEN: usize = 200;

impl Journal {
    /// Records one tick's transitions; `alerts` are the frame's alerts with
    /// acks and mutes applied.
    pub fn record(&mut self, transitions: &[Transition], alerts: &[Alert]) {
        self.bell += alerts::bell_rings(transitions, alerts);
        for t in transitions {
            if self.history.len() == HISTORY_LEN {
                self.history.pop_front();
            }
            self.history.push_back(t.clone());
        }
    }
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
