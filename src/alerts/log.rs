//! The alert log: every transition appended as one JSON line and flushed
//! before the screen shows it, so a `kill -9` loses nothing already shown.

use super::Transition;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

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
            serde_json::to_writer(&mut buf, &line(t))?;
            buf.push(b'\n');
        }
        self.file.write_all(&buf)?;
        self.file.flush()?;
        self.file.sync_data()
    }
}

/// The JSON object of one transition.
pub fn line(t: &Transition) -> serde_json::Value {
    serde_json::json!({
        "time": crate::snapshot::rfc3339_ms(t.time_ms),
        "rule": t.rule,
        "severity": t.severity.as_str(),
        "labels": t.labels,
        "from": t.from,
        "to": t.to,
        "value": t.value.map(crate::snapshot::json_number),
        "summary": t.summary,
    })
}

/// Default location: `$XDG_STATE_HOME/vitals/alerts.jsonl`
/// (`~/.local/state/vitals/alerts.jsonl`).
pub fn default_path() -> PathBuf {
    crate::cli::state_dir().join("alerts.jsonl")
}
