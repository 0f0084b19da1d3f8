//! What the engine hands to the notification sinks each tick: firing
//! alerts to Alertmanager, re-sent every resend delay with endsAt = now +
//! 4 x resend delay (as Prometheus does), resolved ones once with endsAt =
//! the resolve time, inhibited ones too (Alertmanager groups and inhibits
//! by its own rules); and to the webhook one message per group (by the
//! configured `group_by`) whose alerts changed — one started firing or
//! resolved — as Alertmanager's dedup would send it: the group's firing
//! alerts and the ones that just resolved. Inhibited alerts are not sent
//! to the webhook; one that becomes inhibited while firing is not sent
//! again, and its resolution is.

use super::Engine;
use crate::alerts::group::group_labels;
use crate::alerts::notify::{GroupNotice, OutAlert, Outgoing};
use crate::alerts::template;
use crate::frame::{Alert, AlertState};
use crate::vocab::labels::Labels;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;
use tokio::sync::mpsc;

/// The engine's end of the sinks. Their reports come back through the
/// run loop ([`Engine::sink_report`]).
pub struct SinkLink {
    pub tx: mpsc::Sender<Outgoing>,
    pub resend_delay: Duration,
    pub alertmanager: bool,
    pub webhook: bool,
}

pub(crate) struct SinkState {
    link: SinkLink,
    /// When each firing instance was last sent to Alertmanager.
    last_sent: HashMap<Labels, i64>,
    /// The firing instances the webhook was told of and not yet of their
    /// resolution.
    notified: HashSet<Labels>,
    /// The last failure the sinks reported.
    pub failure: Option<String>,
}

impl SinkState {
    pub fn new(link: SinkLink) -> Self {
        SinkState {
            link,
            last_sent: HashMap::new(),
            notified: HashSet::new(),
            failure: None,
        }
    }
}

impl Engine {
    /// Connects the notification sinks (see `crate::sinks::delivery::run_sinks`).
    pub fn connect_sinks(&mut self, link: SinkLink) {
        self.sinks = Some(SinkState::new(link));
    }

    /// What the sinks last reported: a failure to show, or None once they
    /// deliver again.
    pub fn sink_report(&mut self, report: Option<String>) {
        if let Some(s) = &mut self.sinks {
            s.failure = report;
        }
    }

    /// Queues this tick's notifications without ever waiting. `shown` are
    /// the frame's alerts, marked inhibited or not.
    pub(super) fn notify(&mut self, now_ms: i64, shown: &[Alert]) {
        let Some(s) = &mut self.sinks else { return };
        // Stepping through a server's history (`catch_up`) notifies
        // nothing: what still fires at its end is sent at the first live
        // tick, and what fired and resolved in the past is not news.
        if self.replay.is_some() {
            return;
        }
        let inhibited: HashSet<(&str, &Labels)> = shown
            .iter()
            .filter(|a| a.inhibited)
            .map(|a| (a.name.as_str(), &a.labels))
            .collect();
        let group_by = &self.opts.grouping.group_by;
        let resend = s.link.resend_delay.as_millis() as i64;
        let mut am = Vec::new();
        let mut groups: BTreeMap<Labels, Changes> = BTreeMap::new();
        let mut still_firing = HashMap::new();
        let mut notified = HashSet::new();
        for rule in &self.rules {
            let spec = &rule.state.spec;
            for a in rule.state.alerts(now_ms) {
                let firing = match a.state {
                    AlertState::Firing => true,
                    AlertState::Resolved if s.last_sent.contains_key(&a.labels) => false,
                    AlertState::Resolved if s.notified.contains(&a.labels) => false,
                    _ => continue,
                };
                let key = a.labels.clone();
                let mut annotations = std::collections::BTreeMap::new();
                let value = a.value.unwrap_or(f64::NAN);
                for (k, v) in &spec.annotations {
                    annotations.insert(k.clone(), template::render(v, value, &a.labels));
                }
                if !a.summary.is_empty() {
                    annotations.insert("summary".into(), a.summary.clone());
                }
                let out = OutAlert {
                    labels: a.labels.clone(),
                    annotations,
                    starts_at_ms: a.fired_at_ms.or(a.active_since_ms).unwrap_or(now_ms),
                    ends_at_ms: if firing {
                        now_ms + 4 * resend
                    } else {
                        a.resolved_at_ms.unwrap_or(now_ms)
                    },
                    resolved: !firing,
                    generator_url: crate::alerts::notify::generator_url(
                        &spec.name,
                        &spec.expr,
                        self.opts.prometheus_url.as_deref(),
                    ),
                };
                // The webhook: by group, inhibited alerts left out.
                let was_told = s.notified.contains(&key);
                let held = inhibited.contains(&(a.name.as_str(), &a.labels));
                if firing && held {
                    if was_told {
                        notified.insert(key.clone());
                    }
                } else if firing || was_told {
                    let g = groups.entry(group_labels(&a, group_by)).or_default();
                    g.changed |= !firing || !was_told;
                    g.alerts.push(out.clone());
                    if firing {
                        notified.insert(key.clone());
                    }
                }
                // Alertmanager: every alert, re-sent every resend delay.
                if !firing {
                    if s.last_sent.contains_key(&key) {
                        am.push(out);
                    }
                    continue;
                }
                match s.last_sent.get(&key).copied() {
                    Some(t) if now_ms - t < resend => {
                        still_firing.insert(key, t);
                    }
                    _ => {
                        am.push(out);
                        still_firing.insert(key, now_ms);
                    }
                }
            }
        }
        s.last_sent = still_firing;
        s.notified = notified;
        let hook: Vec<GroupNotice> = groups
            .into_iter()
            .filter(|(_, g)| g.changed)
            .map(|(group_labels, mut g)| {
                g.alerts.sort_by(|a, b| a.labels.cmp(&b.labels));
                GroupNotice {
                    group_labels,
                    alerts: g.alerts,
                }
            })
            .collect();
        let mut queue = |o: Outgoing| {
            if s.link.tx.try_send(o).is_err() {
                s.failure = Some("notifications: sink queue full, batch dropped".into());
            }
        };
        if s.link.alertmanager && !am.is_empty() {
            queue(Outgoing::Alertmanager(am));
        }
        if s.link.webhook && !hook.is_empty() {
            queue(Outgoing::Webhook(hook));
        }
    }
}

/// One group's alerts for the webhook this tick.
#[derive(Default)]
struct Changes {
    alerts: Vec<OutAlert>,
    /// One of them started firing or resolved.
    changed: bool,
}

#[cfg(test)]
#[path = "outgoing_tests.rs"]
mod tests;
