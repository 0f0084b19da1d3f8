//! Acknowledgements and mutes of alert instances, kept across restarts in
//! a JSON state file beside the alert log.

use crate::frame::{Alert, AlertState};
use crate::vocab::labels::Labels;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Entry {
    name: String,
    labels: BTreeMap<String, String>,
    #[serde(default)]
    acknowledged: bool,
    #[serde(default)]
    muted_until_ms: Option<i64>,
    /// The Alertmanager silence made for the mute (`--alertmanager`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    silence_id: Option<String>,
}

/// Acks and mutes by (rule name, labels).
#[derive(Debug, Default)]
pub(crate) struct Acks {
    entries: BTreeMap<(String, Labels), Entry>,
    path: Option<PathBuf>,
    /// Changed since the state file was last handed out for writing.
    changed: bool,
}

/// The state file beside an alert log: `alerts.jsonl` -> `alerts.state.json`.
pub fn state_path(alert_log: &Path) -> PathBuf {
    alert_log.with_extension("state.json")
}

impl Acks {
    /// Loads the state file (a missing file is an empty state).
    pub fn load(path: Option<PathBuf>) -> Result<Acks, String> {
        let mut acks = Acks {
            entries: BTreeMap::new(),
            path: path.clone(),
            changed: false,
        };
        let Some(p) = path else { return Ok(acks) };
        let text = match std::fs::read_to_string(&p) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(acks),
            Err(e) => return Err(format!("alert state {}: {e}", p.display())),
        };
        let list: Vec<Entry> =
            serde_json::from_str(&text).map_err(|e| format!("alert state {}: {e}", p.display()))?;
        for e in list {
            let labels = Labels::from_pairs(e.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            acks.entries.insert((e.name.clone(), labels), e);
        }
        Ok(acks)
    }

    fn entry(&mut self, name: &str, labels: &Labels) -> &mut Entry {
        self.entries
            .entry((name.to_string(), labels.clone()))
            .or_insert_with(|| Entry {
                name: name.to_string(),
                labels: labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..Default::default()
            })
    }

    pub fn ack(&mut self, name: &str, labels: &Labels) -> Result<(), String> {
        self.entry(name, labels).acknowledged = true;
        self.note_change()
    }

    /// Mutes until `until_ms`; returns the silence of an earlier mute,
    /// which the new one replaces.
    pub fn mute(
        &mut self,
        name: &str,
        labels: &Labels,
        until_ms: i64,
    ) -> Result<Option<String>, String> {
        let e = self.entry(name, labels);
        e.muted_until_ms = Some(until_ms);
        let old = e.silence_id.take();
        self.note_change().map(|()| old)
    }

    /// Ends a mute now; returns its silence, to expire.
    pub fn unmute(&mut self, name: &str, labels: &Labels) -> Result<Option<String>, String> {
        let key = (name.to_string(), labels.clone());
        let Some(e) = self.entries.get_mut(&key) else {
            return Ok(None);
        };
        e.muted_until_ms = None;
        let old = e.silence_id.take();
        if !e.acknowledged {
            self.entries.remove(&key);
        }
        self.note_change().map(|()| old)
    }

    /// Keeps the id of the silence made for a mute. False when the
    /// instance is no longer muted (the silence should be expired).
    pub fn set_silence(&mut self, name: &str, labels: &Labels, id: &str) -> Result<bool, String> {
        let key = (name.to_string(), labels.clone());
        match self.entries.get_mut(&key) {
            Some(e) if e.muted_until_ms.is_some() => {
                e.silence_id = Some(id.to_string());
                self.note_change().map(|()| true)
            }
            _ => Ok(false),
        }
    }

    /// Forgets an expired silence everywhere: the alerts of a group
    /// silence that one of them ended keep their local mute without it.
    pub fn forget_silence(&mut self, id: &str) {
        for e in self.entries.values_mut() {
            if e.silence_id.as_deref() == Some(id) {
                e.silence_id = None;
                self.changed = true;
            }
        }
    }

    /// Marks the frame's alerts; forgets acks of instances listed as no
    /// longer active (an instance not listed yet, e.g. just after a
    /// restart, keeps its ack) and mutes that have expired. Returns whether
    /// anything was forgotten (the state file is then written again).
    pub fn apply(&mut self, alerts: &mut [Alert], now_ms: i64) -> bool {
        let mut over = std::collections::BTreeSet::new();
        for a in alerts.iter_mut() {
            let key = (a.name.clone(), a.labels.clone());
            let active = matches!(a.state, AlertState::Firing | AlertState::Pending);
            if let Some(e) = self.entries.get(&key) {
                a.acknowledged = e.acknowledged && active;
                a.muted_until_ms = e.muted_until_ms.filter(|&u| u > now_ms);
                a.silence_id = e.silence_id.clone().filter(|_| a.muted_until_ms.is_some());
                if !active {
                    over.insert(key);
                }
            }
        }
        let mut changed = false;
        for k in &over {
            if let Some(e) = self.entries.get_mut(k) {
                changed |= std::mem::take(&mut e.acknowledged);
            }
        }
        let before = self.entries.len();
        self.entries
            .retain(|_, e| e.acknowledged || e.muted_until_ms.is_some_and(|u| u > now_ms));
        let changed = changed || before != self.entries.len();
        self.changed |= changed;
        changed
    }

    /// Notes that the state file must be written again.
    fn note_change(&mut self) -> Result<(), String> {
        self.changed = true;
        Ok(())
    }

    /// The state file's path and new content when it changed since last
    /// asked (the engine's writer writes it, atomically).
    pub fn take_state(&mut self) -> Option<(PathBuf, Vec<u8>)> {
        if !std::mem::take(&mut self.changed) {
            return None;
        }
        let p = self.path.clone()?;
        let list: Vec<&Entry> = self.entries.values().collect();
        let body = serde_json::to_vec_pretty(&list).ok()?;
        Some((p, body))
    }
}
