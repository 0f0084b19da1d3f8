//! The timeline of an incident: alert transitions and notes (`:note`) in
//! time order. The snapshot JSON's `notes`, the `Notes` of the Markdown
//! summary and the `Timeline` of `:export`'s Markdown, the skeleton of a
//! postmortem; the alerts list draws the same entries.

use super::format;
use super::summary::md_escape;
use crate::frame::{Frame, Unit};
use crate::vocab::alert::Transition;
use crate::vocab::time::{rfc3339_ms, rfc3339_s};
use crate::vocab::Note;
use serde_json::{json, Value};

/// One entry of the timeline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Entry<'a> {
    Transition(&'a Transition),
    Note(&'a Note),
}

impl Entry<'_> {
    /// The instant it is about, ms since the epoch.
    pub fn time_ms(&self) -> i64 {
        match self {
            Entry::Transition(t) => t.time_ms,
            Entry::Note(n) => n.time_ms,
        }
    }
}

/// The frame's alert transitions (the latest of this run) and notes,
/// oldest first; at the same instant transitions come before notes.
pub fn timeline(frame: &Frame) -> Vec<Entry<'_>> {
    let mut out: Vec<Entry> = frame
        .alert_history
        .iter()
        .map(Entry::Transition)
        .chain(frame.notes.iter().map(Entry::Note))
        .collect();
    // Stable: each kind keeps its own order at equal instants.
    out.sort_by_key(Entry::time_ms);
    out
}

/// The snapshot JSON's `notes`: `[{"time", "time_ms", "author", "text"}]`
/// in time order (an empty array without notes).
pub fn notes_json(frame: &Frame) -> Value {
    let notes: Vec<Value> = frame
        .notes
        .iter()
        .map(|n| {
            json!({
                "time": rfc3339_ms(n.time_ms),
                "time_ms": n.time_ms,
                "author": n.author,
                "text": n.text,
            })
        })
        .collect();
    Value::Array(notes)
}

/// The unit a transition's value is written in: its alert's.
fn unit_of(frame: &Frame, t: &Transition) -> Unit {
    frame
        .alerts
        .iter()
        .find(|a| a.name == t.rule)
        .map_or(Unit::None, |a| a.unit_in(&frame.panels))
}

/// One Markdown list item: `- 2026-11-22T11:58:10Z note by oncall@db1:
/// restarted the primary`, or a transition: `- … CpuHigh
/// {instance="db1:9100"} pending → firing, 93.0%`.
pub fn entry_md(frame: &Frame, e: Entry) -> String {
    match e {
        Entry::Note(n) => format!(
            "- {} note by {}: {}\n",
            rfc3339_s(n.time_ms),
            md_escape(&n.author),
            md_escape(&n.text)
        ),
        Entry::Transition(t) => {
            let labels = t.labels.drop_names(&["alertname", "severity"]);
            let labels = if labels.is_empty() {
                String::new()
            } else {
                format!(" {labels}")
            };
            let value = t
                .value
                .map(|v| format!(", {}", format::value(v, unit_of(frame, t))))
                .unwrap_or_default();
            format!(
                "- {} {} ({}){} {} → {}{value}\n",
                rfc3339_s(t.time_ms),
                md_escape(&t.rule),
                t.severity.as_str(),
                md_escape(&labels),
                t.from,
                t.to,
            )
        }
    }
}

/// `**Notes**` and one item per note, oldest first (nothing without
/// notes): what the summary says of them.
pub fn notes_md(frame: &Frame) -> String {
    if frame.notes.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n**Notes**\n");
    for n in frame.notes.iter() {
        out.push_str(&entry_md(frame, Entry::Note(n)));
    }
    out
}

/// `**Timeline**`: the alert transitions and notes in time order, one
/// item each, for a postmortem to start from.
pub fn timeline_md(frame: &Frame) -> String {
    let mut out = String::from("\n**Timeline** (alert transitions and notes, UTC)\n");
    let entries = timeline(frame);
    if entries.is_empty() {
        out.push_str("- no alert transitions or notes yet\n");
    }
    for e in entries {
        out.push_str(&entry_md(frame, e));
    }
    out
}
