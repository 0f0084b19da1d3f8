//! The alert log: every transition appended as one JSON line and flushed
//! before the screen shows it, so a `kill -9` loses nothing already shown.

use super::Transition;
use crate::vocab::labels::Labels;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// How much of the log's end [`AlertLog::last_states`] reads.
const TAIL: u64 = 4 << 20;

/// Each alert's state as a log last recorded it, by rule and labels.
pub type LoggedStates = HashMap<(String, String), String>;

/// An open alert log.
pub struct AlertLog {
    path: PathBuf,
    file: File,
}

impl AlertLog {
    /// Opens (creating directories and the file) for appending.
    pub fn open(path: &Path) -> std::io::Result<AlertLog> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)?;
            }
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(AlertLog {
            path: path.to_path_buf(),
            file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends the transitions, one line each, in a single write, and
    /// flushes them to the operating system.
    pub fn append(&mut self, transitions: &[Transition]) -> std::io::Result<()> {
        if transitions.is_empty() {
            return Ok(());
        }
        let mut buf = Vec::new();
        for t in transitions {
            // DEL and C1 from label values escaped too (`text::json`).
            let json = serde_json::to_string(&line(t))?;
            buf.extend_from_slice(crate::vocab::text::json(&json).as_bytes());
            buf.push(b'\n');
        }
        self.file.write_all(&buf)?;
        self.file.flush()?;
        self.file.sync_data()
    }
}

impl AlertLog {
    /// Each alert's state as the log last recorded it (from the
    /// transitions in its last 4 MiB; unreadable lines are skipped).
    pub fn last_states(&self) -> LoggedStates {
        let mut out = LoggedStates::new();
        let Ok(mut f) = File::open(&self.path) else {
            return out;
        };
        let len = f.metadata().map_or(0, |m| m.len());
        let start = len.saturating_sub(TAIL);
        let mut text = String::new();
        if f.seek(SeekFrom::Start(start)).is_err() || f.read_to_string(&mut text).is_err() {
            return out;
        }
        // Seeking into the file may start mid-line: that line is skipped.
        let lines = text.lines().skip(usize::from(start > 0));
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
    serde_json::json!({
        "time": crate::vocab::time::rfc3339_ms(t.time_ms),
        "rule": t.rule,
        "severity": t.severity.as_str(),
        "labels": t.labels,
        "from": t.from.as_str(),
        "to": t.to.as_str(),
        "value": t.value.map(crate::vocab::json_number),
        "summary": t.summary,
    })
}

/// Default location: `$XDG_STATE_HOME/vitals/alerts.jsonl`
/// (`~/.local/state/vitals/alerts.jsonl`).
pub fn default_path() -> PathBuf {
    crate::vocab::paths::state_dir().join("alerts.jsonl")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_states_take_the_latest_line_and_skip_unreadable_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alerts.jsonl");
        let line = |to: &str, instance: &str| {
            format!(
                r#"{{"rule":"Deep","labels":{{"instance":"{instance}"}},"from":"x","to":"{to}"}}"#
            )
        };
        let text = [
            line("pending", "a"),
            "not json".into(),
            r#"{"rule":"Deep"}"#.into(),
            line("firing", "a"),
            line("pending", "b"),
        ]
        .join("\n");
        std::fs::write(&path, text + "\n").unwrap();
        let states = AlertLog::open(&path).unwrap().last_states();
        let key = |i: &str| {
            let l = Labels::from_pairs([("instance", i)]).to_string();
            ("Deep".to_string(), l)
        };
        assert_eq!(states.len(), 2);
        assert_eq!(states[&key("a")], "firing");
        assert_eq!(states[&key("b")], "pending");
    }
}
