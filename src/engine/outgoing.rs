//! What the engine hands to the notification sinks each tick: firing
//! alerts to Alertmanager, re-sent every resend delay with endsAt = now +
//! 4 x resend delay (as Prometheus does), resolved ones once with endsAt =
//! the resolve time; and fired/resolved transitions to the webhook.

use super::Engine;
use crate::alerts::notify::{OutAlert, Outgoing};
use crate::alerts::template;
use crate::frame::AlertState;
use crate::vocab::labels::Labels;
use std::collections::HashMap;
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
    /// The last failure the sinks reported.
    pub failure: Option<String>,
}

impl SinkState {
    pub fn new(link: SinkLink) -> Self {
        SinkState {
            link,
            last_sent: HashMap::new(),
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

    /// Queues this tick's notifications without ever waiting.
    pub(super) fn notify(&mut self, now_ms: i64) {
        let Some(s) = &mut self.sinks else { return };
        // Stepping through a server's history (`catch_up`) notifies
        // nothing: what still fires at its end is sent at the first live
        // tick, and what fired and resolved in the past is not news.
        if self.replay.is_some() {
            return;
        }
        let resend = s.link.resend_delay.as_millis() as i64;
        let mut am = Vec::new();
        let mut hook = Vec::new();
        let mut still_firing = HashMap::new();
        for rule in &self.rules {
            let spec = &rule.state.spec;
            for a in rule.state.alerts(now_ms) {
                let key = a.labels.clone();
                let mut annotations = std::collections::BTreeMap::new();
                let value = a.value.unwrap_or(f64::NAN);
                for (k, v) in &spec.annotations {
                    annotations.insert(k.clone(), template::render(v, value, &a.labels));
                }
                if !a.summary.is_empty() {
                    annotations.insert("summary".into(), a.summary.clone());
                }
                let starts = a.fired_at_ms.or(a.active_since_ms).unwrap_or(now_ms);
                let generator_url = crate::alerts::notify::generator_url(
                    &spec.name,
                    &spec.expr,
                    self.opts.prometheus_url.as_deref(),
                );
                match a.state {
                    AlertState::Firing => {
                        let last = s.last_sent.get(&key).copied();
                        let out = OutAlert {
                            labels: a.labels.clone(),
                            annotations,
                            starts_at_ms: starts,
                            ends_at_ms: now_ms + 4 * resend,
                            resolved: false,
                            generator_url,
                        };
                        if last.is_none() {
                            hook.push(out.clone());
                        }
                        match last {
                            Some(t) if now_ms - t < resend => {
                                still_firing.insert(key, t);
                            }
                            _ => {
                                am.push(out);
                                still_firing.insert(key, now_ms);
                            }
                        }
                    }
                    AlertState::Resolved if s.last_sent.contains_key(&key) => {
                        let out = OutAlert {
                            labels: a.labels.clone(),
                            annotations,
                            starts_at_ms: starts,
                            ends_at_ms: a.resolved_at_ms.unwrap_or(now_ms),
                            resolved: true,
                            generator_url,
                        };
                        hook.push(out.clone());
                        am.push(out);
                    }
                    _ => {}
                }
            }
        }
        s.last_sent = still_firing;
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
