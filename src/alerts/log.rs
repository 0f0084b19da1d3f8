//! The alert log's lines and what the engine leaves to be written (the
//! writing itself is `crate::sinks::log`'s): every transition and every
//! note as one JSON line, written before the screen shows it.

use super::Transition;
use crate::vocab::labels::Labels;
use crate::vocab::Note;
use std::collections::HashMap;
use std::path::PathBuf;

/// Each alert's state as a log last recorded it, by rule and labels.
pub type LoggedStates = HashMap<(String, String), String>;

/// Each alert's state as the last of the log's `lines` that names it
/// says (lines that are not a transition are skipped).
pub fn states_of<'a>(lines: impl Iterator<Item = &'a str>) -> LoggedStates {
    let mut out = LoggedStates::new();
    for l in lines {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(l) else {
            continue;
        };
        let (Some(rule), Some(to), Some(labels)) = (
            v["rule"].as_str(),
            v["to"].as_str(),
            v["labels"].as_object(),
        ) else {
            continue;
        };
        let pairs = labels
            .iter()
            .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)));
        let labels = Labels::from_pairs(pairs).to_string();
        out.insert((rule.to_string(), labels), to.to_string());
    }
    out
}

/// The transitions of a replay of history (alert states catching up with
/// a server at start) that the log does not hold yet: those that start
/// from the state the log last recorded for their alert (none: inactive),
/// which then moves on. A restart in the middle of an incident replays
/// transitions the log already has, at the replay's times: they are left
/// out.
pub fn unlogged(states: &mut LoggedStates, transitions: &[Transition]) -> Vec<Transition> {
    let mut out = Vec::new();
    for t in transitions {
        let key = (t.rule.clone(), t.labels.to_string());
        let logged = states.get(&key).map_or("inactive", String::as_str);
        if logged == t.from.as_str() {
            states.insert(key, t.to.to_string());
            out.push(t.clone());
        }
    }
    out
}

/// The JSON object of one transition.
pub fn line(t: &Transition) -> serde_json::Value {
    let mut line = serde_json::json!({
        "time": crate::vocab::time::rfc3339_ms(t.time_ms),
        "rule": t.rule,
        "severity": t.severity.as_str(),
        "labels": t.labels,
        "from": t.from.as_str(),
        "to": t.to.as_str(),
        "value": t.value.map(crate::vocab::json_number),
        "summary": t.summary,
    });
    if t.inhibited {
        line["inhibited"] = true.into();
    }
    line
}

/// The JSON object of one note: `{"time": …, "note": …, "author": …}`.
/// It names no `rule`, so readers of transitions ([`states_of`]) skip it.
pub fn note_line(n: &Note) -> serde_json::Value {
    serde_json::json!({
        "time": crate::vocab::time::rfc3339_ms(n.time_ms),
        "note": n.text,
        "author": n.author,
    })
}

/// What the engine leaves to be written, in order: the transitions for
/// the alert log, the notes added since the last writes, and the
/// acknowledgements' state file as it now reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Writes {
    pub transitions: Vec<Transition>,
    /// Notes added (`:note`), in the order they were written; the alert
    /// log appends one line each ([`note_line`]).
    pub notes: Vec<Note>,
    /// The state file's path and its whole new content.
    pub acks: Option<(PathBuf, Vec<u8>)>,
}

impl Writes {
    pub fn is_empty(&self) -> bool {
        self.transitions.is_empty() && self.notes.is_empty() && self.acks.is_none()
    }
}

/// What became of [`Writes`]: one line each for what failed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Written {
    pub log_error: Option<String>,
    /// How many lines (transitions and notes) that failure left out of
    /// the log.
    pub not_logged: usize,
    pub acks_error: Option<String>,
}

/// One batch for the writer task, and where to say what became of it.
pub type WriteRequest = (Writes, tokio::sync::oneshot::Sender<Written>);

/// Default location: `$XDG_STATE_HOME/vitals/alerts.jsonl`
/// (`~/.local/state/vitals/alerts.jsonl`).
pub fn default_path() -> PathBuf {
    crate::vocab::paths::state_dir().join("alerts.jsonl")
}
