//! Alerting: rule state machines (pure, time passed in), templates and the
//! alert log. Semantics follow Prometheus alerting rules: each series a
//! rule's expression returns is one alert instance; `for` holds it pending,
//! `keep_firing_for` holds it firing; a rule whose input targets cannot be
//! scraped is *stale* and holds its state instead of resolving.
//! `clear_below` adds hysteresis ([`hold_above`]). Sinks: the JSONL log
//! ([`log`]), Alertmanager and the webhook ([`notify`]), Alertmanager
//! silences and its own alerts ([`silence`]).

pub mod group;
pub mod log;
pub mod notify;
pub mod rulefile;
pub mod silence;
pub mod template;
mod yaml_depth;

use crate::frame::{Alert, AlertState, Severity};
pub use crate::vocab::alert::{Phase, Transition};
use crate::vocab::labels::Labels;
use std::collections::BTreeMap;
use std::time::Duration;

/// How long a resolved alert stays listed, as Prometheus keeps it (15 min).
pub const RESOLVED_RETENTION_MS: i64 = 15 * 60 * 1000;

/// A rule's static description.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleSpec {
    pub name: String,
    pub expr: String,
    pub for_: Duration,
    pub keep_firing_for: Duration,
    pub severity: Severity,
    /// Extra labels attached to every instance.
    pub labels: Labels,
    /// Summary template (`{{ $value }}`, `{{ $labels.x }}`).
    pub summary: String,
    /// For display: the threshold the expression compares against.
    pub threshold: Option<f64>,
    /// The panel whose threshold created the rule.
    pub panel: Option<String>,
    /// Annotations other than the summary (e.g. `runbook_url`), templated
    /// like it.
    pub annotations: BTreeMap<String, String>,
    /// Hysteresis: once firing, an instance stays firing until its value
    /// falls below this (see [`hold_above`]).
    pub clear_below: Option<f64>,
    /// What the expression's value measures, when its shape says
    /// (`detect::units::infer`); else the panel's unit applies.
    pub unit: Option<crate::frame::Unit>,
}

#[derive(Clone, Debug, PartialEq)]
struct Instance {
    state: AlertState,
    stale: bool,
    value: Option<f64>,
    active_since_ms: Option<i64>,
    fired_at_ms: Option<i64>,
    resolved_at_ms: Option<i64>,
    /// Last time the expression returned this series.
    last_seen_ms: i64,
    summary: String,
}

/// The state machine of one rule over all its instances.
#[derive(Clone, Debug)]
pub struct RuleState {
    pub spec: RuleSpec,
    instances: BTreeMap<Labels, Instance>,
    /// The last evaluation error, shown on screen.
    pub error: Option<String>,
}

/// What one evaluation of a rule's expression produced.
pub enum Evaluation<'a> {
    /// The expression returned these series and values.
    Ok(&'a [(Labels, f64)]),
    /// The expression failed: hold every state and show the error.
    Error(String),
}

impl RuleState {
    pub fn new(spec: RuleSpec) -> Self {
        RuleState {
            spec,
            instances: BTreeMap::new(),
            error: None,
        }
    }

    /// The label set of the alert instance made from a result series.
    pub fn instance_labels(&self, series: &Labels) -> Labels {
        let mut labels = series.without_name();
        for (n, v) in self.spec.labels.iter() {
            labels.set(n, v);
        }
        labels.set("alertname", &self.spec.name);
        labels
    }

    /// Advances every instance to `now_ms` given one evaluation, returning
    /// the transitions in a stable order. `is_stale` tells, for an alert
    /// instance's labels, whether a target it read cannot be scraped now:
    /// such an instance holds its state (marked stale) instead of moving.
    pub fn step(
        &mut self,
        now_ms: i64,
        eval: Evaluation<'_>,
        is_stale: impl Fn(&Labels) -> bool,
    ) -> Vec<Transition> {
        let mut out = Vec::new();
        let results = match eval {
            Evaluation::Ok(r) => {
                self.error = None;
                r
            }
            Evaluation::Error(e) => {
                self.error = Some(e);
                return out;
            }
        };
        let for_ms = self.spec.for_.as_millis() as i64;
        let keep_ms = self.spec.keep_firing_for.as_millis() as i64;
        let mut seen: std::collections::BTreeSet<Labels> = std::collections::BTreeSet::new();
        for (series, value) in results {
            let labels = self.instance_labels(series);
            seen.insert(labels.clone());
            let summary = template::render(&self.spec.summary, *value, &labels);
            let inst = self.instances.entry(labels.clone()).or_insert(Instance {
                state: AlertState::Inactive,
                stale: false,
                value: None,
                active_since_ms: None,
                fired_at_ms: None,
                resolved_at_ms: None,
                last_seen_ms: now_ms,
                summary: String::new(),
            });
            inst.value = Some(*value);
            inst.last_seen_ms = now_ms;
            inst.summary = summary;
            let was_stale = std::mem::take(&mut inst.stale);
            let from = inst.state;
            match inst.state {
                AlertState::Inactive | AlertState::Resolved => {
                    inst.active_since_ms = Some(now_ms);
                    inst.resolved_at_ms = None;
                    inst.fired_at_ms = None;
                    if for_ms == 0 {
                        inst.state = AlertState::Firing;
                        inst.fired_at_ms = Some(now_ms);
                    } else {
                        inst.state = AlertState::Pending;
                    }
                }
                AlertState::Pending => {
                    if now_ms - inst.active_since_ms.unwrap_or(now_ms) >= for_ms {
                        inst.state = AlertState::Firing;
                        inst.fired_at_ms = Some(now_ms);
                    }
                }
                AlertState::Firing => {}
            }
            if inst.state != from {
                let from = if was_stale { Phase::Stale } else { from.into() };
                out.push(transition(
                    &self.spec,
                    now_ms,
                    &labels,
                    inst,
                    from,
                    inst.state.into(),
                ));
            } else if was_stale {
                out.push(transition(
                    &self.spec,
                    now_ms,
                    &labels,
                    inst,
                    Phase::Stale,
                    inst.state.into(),
                ));
            }
        }
        // Instances the expression no longer returns.
        for (labels, inst) in self.instances.iter_mut() {
            if seen.contains(labels) {
                continue;
            }
            let active = matches!(inst.state, AlertState::Pending | AlertState::Firing);
            if active && is_stale(labels) {
                if !inst.stale {
                    inst.stale = true;
                    out.push(transition(
                        &self.spec,
                        now_ms,
                        labels,
                        inst,
                        inst.state.into(),
                        Phase::Stale,
                    ));
                }
                continue;
            }
            let was_stale = std::mem::take(&mut inst.stale);
            match inst.state {
                AlertState::Pending => {
                    inst.state = AlertState::Inactive;
                    inst.active_since_ms = None;
                    let from = if was_stale {
                        Phase::Stale
                    } else {
                        Phase::Pending
                    };
                    out.push(transition(
                        &self.spec,
                        now_ms,
                        labels,
                        inst,
                        from,
                        Phase::Inactive,
                    ));
                }
                AlertState::Firing => {
                    if keep_ms > 0 && now_ms - inst.last_seen_ms < keep_ms {
                        if was_stale {
                            out.push(transition(
                                &self.spec,
                                now_ms,
                                labels,
                                inst,
                                Phase::Stale,
                                Phase::Firing,
                            ));
                        }
                        continue;
                    }
                    inst.state = AlertState::Resolved;
                    inst.resolved_at_ms = Some(now_ms);
                    let from = if was_stale {
                        Phase::Stale
                    } else {
                        Phase::Firing
                    };
                    out.push(transition(
                        &self.spec,
                        now_ms,
                        labels,
                        inst,
                        from,
                        Phase::Resolved,
                    ));
                }
                AlertState::Inactive | AlertState::Resolved => {}
            }
        }
        // Forget what has long been over.
        self.instances.retain(|_, i| match i.state {
            AlertState::Inactive => false,
            AlertState::Resolved => {
                now_ms - i.resolved_at_ms.unwrap_or(now_ms) < RESOLVED_RETENTION_MS
            }
            _ => true,
        });
        out
    }

    /// The instances for display.
    pub fn alerts(&self, now_ms: i64) -> Vec<Alert> {
        let for_ms = self.spec.for_.as_millis() as i64;
        self.instances
            .iter()
            .map(|(labels, i)| Alert {
                name: self.spec.name.clone(),
                state: i.state,
                stale: i.stale,
                severity: self.spec.severity,
                labels: labels.clone(),
                value: i.value,
                threshold: self.spec.threshold,
                active_since_ms: i.active_since_ms,
                fired_at_ms: i.fired_at_ms,
                resolved_at_ms: i.resolved_at_ms,
                pending_remaining: (i.state == AlertState::Pending).then(|| {
                    let left = for_ms - (now_ms - i.active_since_ms.unwrap_or(now_ms));
                    Duration::from_millis(left.max(0) as u64)
                }),
                summary: i.summary.clone(),
                panel: self.spec.panel.clone(),
                acknowledged: false,
                muted_until_ms: None,
                silence_id: None,
                inhibited: false,
                unit: self.spec.unit,
            })
            .collect()
    }

    /// True when any instance is pending or firing.
    pub fn is_active(&self) -> bool {
        self.instances
            .values()
            .any(|i| matches!(i.state, AlertState::Pending | AlertState::Firing))
    }
}

fn transition(
    spec: &RuleSpec,
    now_ms: i64,
    labels: &Labels,
    inst: &Instance,
    from: Phase,
    to: Phase,
) -> Transition {
    Transition {
        time_ms: now_ms,
        rule: spec.name.clone(),
        labels: labels.clone(),
        from,
        to,
        value: inst.value,
        summary: inst.summary.clone(),
        severity: spec.severity,
        inhibited: false,
    }
}

/// Hysteresis, a dead band. `results` is what the rule's expression
/// returned (filtered by its threshold); `unfiltered` is the value the
/// threshold compares, for every series. A series of an instance that is
/// **pending or firing** and is missing from `results` is added back with
/// its unfiltered value while that value is not below `clear_below` (NaN
/// counts as below), so the instance stays pending (its `for` running on)
/// or firing until the value falls under `clear_below` or the series
/// disappears: a noisy value at the threshold starts pending once. Instances
/// are matched by their alert labels (series labels without `__name__`,
/// plus the rule's labels).
pub fn hold_above(
    rule: &RuleState,
    mut results: Vec<(Labels, f64)>,
    unfiltered: &[(Labels, f64)],
    clear_below: f64,
) -> Vec<(Labels, f64)> {
    let returned: std::collections::BTreeSet<Labels> = results
        .iter()
        .map(|(l, _)| rule.instance_labels(l))
        .collect();
    for (series, v) in unfiltered {
        let labels = rule.instance_labels(series);
        let active = rule
            .instances
            .get(&labels)
            .is_some_and(|i| matches!(i.state, AlertState::Pending | AlertState::Firing));
        if active && !returned.contains(&labels) && *v >= clear_below {
            results.push((series.clone(), *v));
        }
    }
    results
}

/// How many times this tick's transitions ring the bell: each critical
/// instance that began firing (not one coming back from stale) and is
/// neither acknowledged, muted nor silenced in Alertmanager on the frame's
/// `alerts`.
pub fn bell_rings(transitions: &[Transition], alerts: &[Alert]) -> u64 {
    transitions
        .iter()
        .filter(|t| {
            t.to == Phase::Firing && t.from != Phase::Stale && t.severity == Severity::Critical
        })
        .filter(|t| {
            alerts
                .iter()
                .find(|a| a.name == t.rule && a.labels == t.labels)
                .is_some_and(|a| {
                    !a.acknowledged
                        && !a.inhibited
                        && a.muted_until_ms.is_none()
                        && a.silence_id.is_none()
                })
        })
        .count() as u64
}

/// Orders alerts for display: firing critical first, then firing, pending,
/// resolved; within a group the longest active first.
pub fn sort_for_display(alerts: &mut [Alert]) {
    alerts.sort_by(|a, b| {
        b.state
            .cmp(&a.state)
            .then(b.severity.cmp(&a.severity))
            .then(a.active_since_ms.cmp(&b.active_since_ms))
            .then(a.name.cmp(&b.name))
            .then(a.labels.cmp(&b.labels))
    });
}

#[cfg(test)]
mod tests;
