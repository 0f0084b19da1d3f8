//! The engine's side of `--alertmanager` beyond pushing alerts: a mute
//! becomes an Alertmanager silence whose id is kept in the state file (a
//! group's mute one silence for all its alerts), an unmute (a mute of 0s)
//! expires it, and the alerts Alertmanager holds
//! that are not ours are put on the frame. The I/O is
//! [`crate::alerts::silence::run_alertmanager`]'s; nothing here waits.

use super::Engine;
use crate::alerts::group::Matcher;
use crate::alerts::silence::{
    alert_matchers, group_matchers, HeldPoll, SilenceReply, SilenceRequest,
};
use crate::frame::{Alert, HeldAlert};
use crate::vocab::labels::Labels;
use std::collections::BTreeSet;
use std::time::Duration;

pub(crate) struct AlertmanagerState {
    /// Silences to create or expire, for the Alertmanager task.
    requests: tokio::sync::mpsc::Sender<SilenceRequest>,
    /// The alerts Alertmanager last listed.
    held: HeldPoll,
    /// The last failure of a silence request.
    error: Option<String>,
    /// Silences this process expired: a poll from before the expiry may
    /// still name them, and must not make the alert look silenced.
    expired: BTreeSet<String>,
}

/// Most expired silence ids remembered.
const EXPIRED_KEPT: usize = 256;

impl Engine {
    /// Connects the Alertmanager task: mutes become silences and its
    /// alerts are listed. Its replies and listings come through the run
    /// loop ([`Engine::silence_reply`], [`Engine::alertmanager_held`]).
    pub fn connect_alertmanager(&mut self, requests: tokio::sync::mpsc::Sender<SilenceRequest>) {
        self.alertmanager = Some(AlertmanagerState {
            requests,
            held: HeldPoll::default(),
            error: None,
            expired: BTreeSet::new(),
        });
    }

    /// `m`: mutes the instance for `duration` from the last evaluation; a
    /// zero duration unmutes. With Alertmanager, the silence is created,
    /// replaced or expired to match.
    pub(super) fn mute_command(&mut self, name: String, labels: Labels, duration: Duration) {
        let matchers = alert_matchers(&labels);
        self.mute_alerts(vec![(name, labels)], matchers, duration, "");
    }

    /// `m` on a group: mutes each of its `alerts` here and, with
    /// Alertmanager, makes ONE silence for them all (the group's `labels`
    /// and `instance=~"…"` listing their instances), whose id each keeps.
    /// Muting again replaces it; a zero duration unmutes them all and
    /// expires it.
    pub(super) fn mute_group_command(
        &mut self,
        labels: Labels,
        alerts: Vec<(String, Labels)>,
        duration: Duration,
    ) {
        let matchers = group_matchers(&labels, &alerts);
        let what = format!(" (group {labels}, {} alerts)", alerts.len());
        self.mute_alerts(alerts, matchers, duration, &what);
    }

    fn mute_alerts(
        &mut self,
        alerts: Vec<(String, Labels)>,
        matchers: Vec<Matcher>,
        duration: Duration,
        what: &str,
    ) {
        let mut old = BTreeSet::new();
        if duration.is_zero() {
            for (name, labels) in &alerts {
                match self.acks.unmute(name, labels) {
                    Ok(id) => old.extend(id),
                    Err(e) => self.notice = Some(e),
                }
            }
            for id in old {
                self.acks.forget_silence(&id);
                self.request(SilenceRequest::Expire { id });
            }
            return;
        }
        let ms = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX / 2);
        let until = self.last_tick_ms.saturating_add(ms);
        for (name, labels) in &alerts {
            match self.acks.mute(name, labels, until) {
                Ok(id) => old.extend(id),
                Err(e) => self.notice = Some(e),
            }
        }
        if alerts.is_empty() {
            return;
        }
        let comment = format!(
            "muted from vitals for {}{what}",
            crate::vocab::duration::format_duration(duration)
        );
        self.request(SilenceRequest::Create {
            alerts,
            matchers,
            starts_at_ms: self.last_tick_ms,
            ends_at_ms: until,
            comment,
            replaces: old.into_iter().collect(),
        });
    }

    fn request(&mut self, r: SilenceRequest) {
        let Some(am) = &mut self.alertmanager else {
            return;
        };
        let gone = match &r {
            SilenceRequest::Expire { id } => vec![id.clone()],
            SilenceRequest::Create { replaces, .. } => replaces.clone(),
        };
        for id in gone {
            if am.expired.len() >= EXPIRED_KEPT {
                am.expired.clear();
            }
            am.expired.insert(id);
        }
        if am.requests.try_send(r).is_err() {
            am.error = Some("alertmanager: request queue full, silence not sent".into());
        }
    }

    /// One reply of the Alertmanager task to a silence request.
    pub fn silence_reply(&mut self, reply: SilenceReply) {
        let Some(am) = &mut self.alertmanager else {
            return;
        };
        match reply {
            SilenceReply::Created { alerts, id } => {
                let mut kept = false;
                for (name, labels) in &alerts {
                    match self.acks.set_silence(name, labels, &id) {
                        Ok(k) => kept |= k,
                        Err(e) => am.error = Some(e),
                    }
                }
                if let Some(am) = &mut self.alertmanager {
                    am.error = None;
                }
                // Unmuted while the silence was being created.
                if !kept {
                    self.request(SilenceRequest::Expire { id });
                }
            }
            SilenceReply::Recovered => am.error = None,
            SilenceReply::Failed(e) => am.error = Some(e),
        }
    }

    /// The alerts Alertmanager holds, as its task last listed them.
    pub fn alertmanager_held(&mut self, poll: HeldPoll) {
        if let Some(am) = &mut self.alertmanager {
            am.held = poll;
        }
    }

    /// The alerts Alertmanager holds that are none of `ours`. Those of
    /// `ours` that Alertmanager reports silenced by someone else's silence
    /// get its id: they count as muted (no bell, off the alerts bar) like a
    /// mute made here.
    pub(super) fn held_alerts(&self, ours: &mut [Alert]) -> Vec<HeldAlert> {
        let Some(am) = &self.alertmanager else {
            return Vec::new();
        };
        let poll = &am.held;
        for a in ours.iter_mut().filter(|a| a.silence_id.is_none()) {
            let silenced = poll
                .alerts
                .iter()
                .find(|h| h.labels == a.labels && h.state == "suppressed")
                .and_then(|h| h.silenced_by.iter().find(|id| !am.expired.contains(*id)));
            a.silence_id = silenced.cloned();
        }
        let mine: BTreeSet<&Labels> = ours.iter().map(|a| &a.labels).collect();
        let held = poll
            .alerts
            .iter()
            .filter(|h| !mine.contains(&h.labels))
            .cloned()
            .collect();
        held
    }

    /// The current problem with Alertmanager or the webhook, if any.
    pub(super) fn alertmanager_error(&self) -> Option<String> {
        let am = self
            .alertmanager
            .as_ref()
            .and_then(|am| am.error.clone().or_else(|| am.held.error.clone()));
        // A failing sink is shown even while Alertmanager's poll fails too.
        let sinks = self.sinks.as_ref().and_then(|s| s.failure.clone());
        match (am, sinks) {
            (Some(a), Some(s)) if a != s => Some(format!("{a}; {s}")),
            (a, s) => a.or(s),
        }
    }
}
