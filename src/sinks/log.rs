//! The alert log's I/O: every transition and note appended as one JSON line and
//! flushed before the screen shows it, so a `kill -9` loses nothing
//! already shown; the acks state file written beside it. The lines and
//! what to write are `crate::alerts::log`'s.

use crate::alerts::log::{line, note_line, states_of, LoggedStates, WriteRequest, Writes, Written};
use crate::alerts::Transition;
use crate::vocab::Note;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// How much of the log's end [`last_states`] reads.
const TAIL: u64 = 4 << 20;

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
        self.append_all(transitions, &[])
    }

    /// Appends the transitions, then the notes, one line each, in a
    /// single write, and flushes them to the operating system.
    pub fn append_all(
        &mut self,
        transitions: &[Transition],
        notes: &[Note],
    ) -> std::io::Result<()> {
        if transitions.is_empty() && notes.is_empty() {
            return Ok(());
        }
        let mut buf = Vec::new();
        let lines = transitions
            .iter()
            .map(line)
            .chain(notes.iter().map(note_line));
        for l in lines {
            // DEL and C1 from label values and notes escaped too
            // (`text::json`).
            let json = serde_json::to_string(&l)?;
            buf.extend_from_slice(crate::vocab::text::json(&json).as_bytes());
            buf.push(b'\n');
        }
        self.file.write_all(&buf)?;
        self.file.flush()?;
        self.file.sync_data()
    }
}

impl AlertLog {
    /// Each alert's state as the log last recorded it ([`last_states`]).
    pub fn last_states(&self) -> LoggedStates {
        last_states(&self.path)
    }
}

/// Each alert's state as the log at `path` last recorded it (from the
/// transitions in its last 4 MiB; unreadable lines are skipped; none
/// without a log).
pub fn last_states(path: &Path) -> LoggedStates {
    let Ok(mut f) = File::open(path) else {
        return LoggedStates::new();
    };
    let len = f.metadata().map_or(0, |m| m.len());
    let start = len.saturating_sub(TAIL);
    let mut text = String::new();
    if f.seek(SeekFrom::Start(start)).is_err() || f.read_to_string(&mut text).is_err() {
        return LoggedStates::new();
    }
    // Seeking into the file may start mid-line: that line is skipped.
    let skip = usize::from(start > 0);
    states_of(text.lines().skip(skip))
}

/// Writes the alert log and the acks state file for the engine: the run
/// loop hands it each tick's [`Writes`] and waits, so a transition is in
/// the log before the screen shows it.
pub struct Writer {
    log: Option<AlertLog>,
}

impl Writer {
    /// Opens the alert log at `path` (none: transitions are not logged);
    /// the reason it could not be opened, as one line.
    pub fn open(path: Option<&Path>) -> (Writer, Option<String>) {
        let Some(p) = path else {
            return (Writer { log: None }, None);
        };
        match AlertLog::open(p) {
            Ok(l) => (Writer { log: Some(l) }, None),
            Err(e) => {
                let text = format!(
                    "alert log {}: {}",
                    p.display(),
                    crate::vocab::text::io_reason(&e)
                );
                tracing::warn!("{text}");
                (Writer { log: None }, Some(text))
            }
        }
    }

    /// Writes, and says what failed.
    pub fn write(&mut self, w: Writes) -> Written {
        let mut out = Written::default();
        if let Some(log) = &mut self.log {
            if let Err(e) = log.append_all(&w.transitions, &w.notes) {
                let text = format!(
                    "alert log {}: {}",
                    log.path().display(),
                    crate::vocab::text::io_reason(&e)
                );
                let (t, n) = (w.transitions.len(), w.notes.len());
                tracing::warn!("{t} transitions and {n} notes not logged: {text}");
                out.not_logged = t + n;
                out.log_error = Some(text);
            }
        }
        if let Some((path, body)) = w.acks {
            // Atomically, through a temporary file.
            let tmp = path.with_extension("state.json.tmp");
            if let Err(e) = std::fs::write(&tmp, body).and_then(|()| std::fs::rename(&tmp, &path)) {
                out.acks_error = Some(format!("alert state {}: {e}", path.display()));
            }
        }
        out
    }
}

/// Runs `writer` on a thread of its own (its writes wait on the disk) and
/// returns where to send it batches; it ends when the sender is dropped.
pub fn spawn_writer(mut writer: Writer) -> tokio::sync::mpsc::Sender<WriteRequest> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<WriteRequest>(4);
    let run = move || {
        while let Some((w, done)) = rx.blocking_recv() {
            let _ = done.send(writer.write(w));
        }
    };
    if let Err(e) = std::thread::Builder::new()
        .name("vitals-alert-log".into())
        .spawn(run)
    {
        tracing::error!("cannot start the alert log writer: {e}");
    }
    tx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::labels::Labels;

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

    #[test]
    fn notes_are_logged_as_lines_that_last_states_skips() {
        use crate::vocab::alert::{Phase, Severity, Transition};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alerts.jsonl");
        let (mut writer, error) = Writer::open(Some(&path));
        assert_eq!(error, None);
        let labels = Labels::from_pairs([("instance", "db1:9100")]);
        let firing = Transition {
            time_ms: 1_795_867_200_000,
            rule: "CpuHigh".into(),
            labels: labels.clone(),
            from: Phase::Pending,
            to: Phase::Firing,
            value: Some(0.93),
            summary: String::new(),
            severity: Severity::Critical,
            inhibited: false,
        };
        let note = Note {
            time_ms: 1_795_867_203_500,
            author: "oncall@db1".into(),
            text: "restarted the \"primary\"\u{7f}".into(),
        };
        let out = writer.write(Writes {
            transitions: vec![firing],
            notes: vec![note.clone()],
            ..Writes::default()
        });
        assert_eq!(out, Written::default());
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(
            lines[1],
            r#"{"author":"oncall@db1","note":"restarted the \"primary\"\u007f","time":"2026-11-28T12:00:03.500Z"}"#
        );
        let v: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(v["note"], note.text.as_str());
        // The note line is not a transition: the states are the
        // transition's alone.
        let states = last_states(&path);
        assert_eq!(states.len(), 1, "{states:?}");
        assert_eq!(
            states[&("CpuHigh".to_string(), labels.to_string())],
            "firing"
        );
    }

    /// The run loop logs a note, then shows it at once on the last frame.
    #[tokio::test]
    async fn the_run_loop_logs_a_note_and_shows_it_at_once() {
        use crate::engine::{run, EngineChannels, Feed, Replies};
        use tokio::sync::{mpsc, watch};
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("alerts.jsonl");
        let engine = crate::engine::Engine::new(crate::engine::EngineOptions {
            // An hour: no tick comes while the test waits.
            interval: std::time::Duration::from_secs(3600),
            alert_log: Some(log.clone()),
            ..crate::engine::EngineOptions::default()
        });
        let (writer, error) = Writer::open(Some(&log));
        assert_eq!(error, None);
        let (_results_tx, results) = mpsc::channel(1);
        let (_targets_tx, targets) = watch::channel(vec![]);
        let (commands_tx, commands) = mpsc::channel(4);
        let (frames_tx, mut frames) =
            watch::channel(std::sync::Arc::new(crate::frame::Frame::default()));
        let (cancel_tx, cancel) = watch::channel(false);
        let task = tokio::spawn(run(
            engine,
            EngineChannels {
                feed: Feed::Scrapes { results, targets },
                replies: Replies::default(),
                writer: Some(spawn_writer(writer)),
                commands,
                frames: frames_tx,
                cancel,
                recorder: None,
            },
        ));
        let first = loop {
            frames.changed().await.unwrap();
            let f = frames.borrow_and_update().clone();
            if f.seq > 0 {
                break f;
            }
        };
        commands_tx
            .send(crate::frame::Command::Note {
                text: "paged the database team".into(),
                at_ms: None,
            })
            .await
            .unwrap();
        frames.changed().await.unwrap();
        let shown = frames.borrow_and_update().clone();
        assert_eq!(shown.seq, first.seq, "the same frame, not a new tick");
        assert_eq!(shown.notes.len(), 1);
        assert_eq!(shown.notes[0].time_ms, first.time_ms);
        assert_eq!(shown.notes[0].text, "paged the database team");
        // Logged before it was shown.
        let text = std::fs::read_to_string(&log).unwrap();
        let line: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(line["note"], "paged the database team");
        assert_eq!(line["author"], shown.notes[0].author.as_str());
        cancel_tx.send(true).unwrap();
        task.await.unwrap();
    }
}
