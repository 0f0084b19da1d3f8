//! Recordings: what the dashboard saw, appended as it happens, so that the
//! incident can be played back through the same engine and exported for
//! a postmortem (PRODUCT.md, "Record, replay, export, notes").
//!
//! A recording is a folder of segments (`00000001.vrec`, …). Each segment
//! starts with a header (magic, format version, its first time) and then
//! holds framed records (length, kind, payload, CRC-32), each written with
//! one `write` as it happens: after a crash the file ends in at most one
//! torn record, which the reader detects and skips. A segment is
//! self-contained: it starts with the configuration and the targets in
//! force and its scrapes are encoded only against earlier records of the
//! same segment, so the oldest segment can be dropped (`--record-max`)
//! and a replay can start at any segment (the index by time).
//!
//! Each scrape is its own record: the target, the time as a delta of the
//! target's previous delta, and the page's samples — the series list only
//! when it changed, the values as the store's chunks write them (XOR or
//! decimal step against the series' previous value,
//! [`crate::store::chunk::Encoder::write_value`]).

mod codec;
pub mod export;
mod export_fmt;
mod reader;
#[cfg(test)]
mod tests;
pub mod timespec;
mod wire;
mod writer;

pub use reader::{Events, Index, Recording, SegmentInfo};
pub use wire::{MAJOR, MINOR};
pub use writer::{
    append_note, drain, spawn, Recorder, Spawned, DEFAULT_MAX_BYTES, SEGMENT_SPAN_MS,
};

use crate::scrape::{FamilyMeta, ScrapeResult, Target};
use crate::vocab::alert::Transition;
use crate::vocab::labels::Labels;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// Why a recording cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("not a vitals recording")]
    NotARecording,
    #[error("truncated header ({0} of 20 bytes)")]
    TruncatedHeader(usize),
    #[error(
        "recording format {0}.{1} is newer than this vitals reads ({MAJOR}.x): use a newer vitals"
    )]
    Newer(u16, u16),
    #[error("corrupt record ({0})")]
    Corrupt(&'static str),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A file or a folder and what is wrong with it, as one line.
pub fn error_at(path: &std::path::Path, e: impl std::fmt::Display) -> String {
    format!("{}: {e}", path.display())
}

/// The configuration in force, as recorded (credentials redacted): what a
/// replay evaluates unless given `--config` or `--rules`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfigRecord {
    /// `scrape` or `prometheus`.
    pub source: String,
    pub interval_ms: u64,
    pub retention_ms: u64,
    /// `--expr` panels.
    #[serde(default)]
    pub exprs: Vec<String>,
    /// The config file, its secrets replaced by `***`.
    #[serde(default)]
    pub config: Option<SourceText>,
    /// The `--rules` files.
    #[serde(default)]
    pub rules: Vec<SourceText>,
    #[serde(default)]
    pub max_series: usize,
    /// The vitals that recorded it.
    #[serde(default)]
    pub version: String,
    /// The recording process's start (ms): a new value is a restart, whose
    /// engine began empty.
    #[serde(default)]
    pub session: i64,
}

/// A file as it read when the recording was made.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceText {
    pub path: String,
    pub text: String,
}

/// A note, as recorded.
pub use crate::vocab::Note;

/// What is appended to a recording.
#[derive(Clone, Debug)]
pub enum Entry {
    Config(ConfigRecord),
    /// The target list in force from `time_ms`.
    Targets {
        time_ms: i64,
        targets: Vec<Target>,
    },
    /// A scrape, as the engine received it (its body is parsed here).
    Scrape(ScrapeResult),
    /// The engine evaluated at this instant (a frame).
    Tick(i64),
    Transition(Transition),
    Note(Note),
}

/// What a recording gives back, in the order it was written.
#[derive(Clone, Debug)]
pub enum Event {
    Config(ConfigRecord),
    Targets {
        time_ms: i64,
        targets: Vec<Target>,
    },
    /// A scrape with its page parsed (or its error as text).
    Scrape(ScrapeResult),
    /// A scrape as [`Events::lean`] reads it: each sample the recorded
    /// series it belongs to (shared, not copied) and its value.
    LeanScrape(LeanScrape),
    Tick(i64),
    Transition(Transition),
    Note(Note),
}

/// One series of a target in a segment, as its dictionary defines it.
#[derive(Debug, PartialEq)]
pub struct SeriesDef {
    /// The labels the target exposed.
    pub labels: Labels,
    /// Bytes naming the series among the target's, the same in every
    /// segment (a NUL, then each label's name and value, length-prefixed):
    /// no page line's text can equal it.
    pub key: Box<[u8]>,
}

impl SeriesDef {
    pub fn new(labels: Labels) -> SeriesDef {
        let mut key = vec![0u8];
        for (n, v) in labels.iter() {
            for s in [n, v] {
                wire::put_uvarint(&mut key, s.len() as u64);
                key.extend_from_slice(s.as_bytes());
            }
        }
        SeriesDef {
            labels,
            key: key.into(),
        }
    }
}

/// A recorded scrape without per-sample label sets ([`Event::LeanScrape`]).
#[derive(Clone, Debug)]
pub struct LeanScrape {
    pub target: Arc<Target>,
    pub time_ms: i64,
    pub duration: Duration,
    /// The page, or the scrape's error as recorded.
    pub outcome: Result<LeanPage, String>,
}

/// A recorded page: what [`crate::scrape::Page`] holds that the engine
/// reads.
#[derive(Clone, Debug)]
pub struct LeanPage {
    /// Each sample's series and value, in page order.
    pub samples: Vec<(Arc<SeriesDef>, f64)>,
    pub families: Arc<Vec<FamilyMeta>>,
    pub invalid_lines: u64,
    pub first_error: Option<String>,
}

impl Event {
    /// The instant the event belongs to (None: the configuration).
    pub fn time_ms(&self) -> Option<i64> {
        match self {
            Event::Config(_) => None,
            Event::Targets { time_ms, .. } => Some(*time_ms),
            Event::Scrape(r) => Some(r.time_ms),
            Event::LeanScrape(r) => Some(r.time_ms),
            Event::Tick(t) => Some(*t),
            Event::Transition(t) => Some(t.time_ms),
            Event::Note(n) => Some(n.time_ms),
        }
    }
}

/// Record kinds.
pub(crate) mod kind {
    pub const CONFIG: u8 = 1;
    pub const TARGET_DEF: u8 = 2;
    pub const TARGETS: u8 = 3;
    pub const SCRAPE: u8 = 4;
    pub const TICK: u8 = 5;
    pub const TRANSITION: u8 = 6;
    pub const NOTE: u8 = 7;
}
