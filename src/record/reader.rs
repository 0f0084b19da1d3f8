//! Reading a recording: its segments indexed by time, and their events in
//! order. A torn last record (a crash while writing) ends its segment
//! with a notice; a record whose checksum fails with more bytes after it
//! is corruption, an error.

use super::codec::SegmentDecoder;
use super::wire::{unframe, Framed, Header, HEADER_BYTES};
use super::{error_at, Event};
use std::path::{Path, PathBuf};

/// One segment: its file and first instant.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentInfo {
    pub path: PathBuf,
    pub start_ms: i64,
    pub bytes: u64,
}

/// An opened recording: its segments, oldest first.
#[derive(Clone, Debug)]
pub struct Recording {
    pub path: PathBuf,
    pub segments: Vec<SegmentInfo>,
}

impl Recording {
    /// Opens a recording folder (or one segment file). Every segment's
    /// header is read: one that is not a recording, cut short or newer
    /// than this build is an error naming the file.
    pub fn open(path: &Path) -> Result<Recording, String> {
        let files = if path.is_dir() {
            let files = super::writer::segment_files(path).map_err(|e| error_at(path, e))?;
            if files.is_empty() {
                return Err(error_at(
                    path,
                    "no recording segments (*.vrec) in this folder",
                ));
            }
            files.into_iter().map(|(_, p)| p).collect()
        } else {
            vec![path.to_path_buf()]
        };
        let mut segments = Vec::with_capacity(files.len());
        for p in files {
            let mut head = Vec::with_capacity(HEADER_BYTES);
            let read = std::fs::File::open(&p).and_then(|f| {
                use std::io::Read;
                f.take(HEADER_BYTES as u64).read_to_end(&mut head)
            });
            read.map_err(|e| error_at(&p, e))?;
            let h = Header::parse(&head).map_err(|e| error_at(&p, e))?;
            let bytes = std::fs::metadata(&p).map_or(0, |m| m.len());
            segments.push(SegmentInfo {
                path: p,
                start_ms: h.start_ms,
                bytes,
            });
        }
        Ok(Recording {
            path: path.to_path_buf(),
            segments,
        })
    }

    /// The recording's first instant.
    pub fn start_ms(&self) -> i64 {
        self.segments.first().map_or(0, |s| s.start_ms)
    }

    /// The segment to start reading at for instant `t`: the last that
    /// starts at or before it.
    pub fn segment_at(&self, t_ms: i64) -> usize {
        self.segments
            .iter()
            .rposition(|s| s.start_ms <= t_ms)
            .unwrap_or(0)
    }

    /// The events from segment `first` on.
    pub fn events_from(&self, first: usize) -> Events {
        Events::over(self.segments[first.min(self.segments.len())..].to_vec())
    }

    /// Every event.
    pub fn events(&self) -> Events {
        self.events_from(0)
    }
}

/// The events of a run of segments, in order. Reading stops at the first
/// error ([`Events::error`]); torn tails are skipped with a notice.
pub struct Events {
    segments: Vec<SegmentInfo>,
    next: usize,
    /// The segment being read, streamed (a replay's first frame needs
    /// only the first records of its first segment).
    file: Option<std::fs::File>,
    /// Bytes read and not yet consumed start at `pos`.
    data: Vec<u8>,
    pos: usize,
    /// Where `data[0]` is in the segment.
    base: usize,
    dec: SegmentDecoder,
    /// One line per torn tail skipped.
    pub notices: Vec<String>,
    /// What stopped the reading early.
    pub error: Option<String>,
}

impl Events {
    /// The events of `segments`, none read yet.
    fn over(segments: Vec<SegmentInfo>) -> Events {
        Events {
            segments,
            next: 0,
            file: None,
            data: Vec::new(),
            pos: 0,
            base: 0,
            dec: SegmentDecoder::default(),
            notices: Vec::new(),
            error: None,
        }
    }

    /// The events of one segment's bytes (fuzzing, tests).
    pub fn from_bytes(data: Vec<u8>) -> Events {
        let mut e = Events::over(vec![SegmentInfo {
            path: PathBuf::from("<bytes>"),
            start_ms: 0,
            bytes: data.len() as u64,
        }]);
        e.next = 1;
        match Header::parse(&data) {
            Ok(_) => {
                e.pos = HEADER_BYTES;
                e.data = data;
            }
            Err(err) => e.error = Some(error_at(Path::new("<bytes>"), err)),
        }
        e
    }

    /// Scrapes come as [`Event::LeanScrape`]: no label set is copied per
    /// sample (what a replay's engine reads).
    pub fn lean(mut self) -> Events {
        self.dec.lean = true;
        self
    }

    /// Loads the next segment; false at the end.
    fn load(&mut self) -> bool {
        let Some(seg) = self.segments.get(self.next) else {
            return false;
        };
        self.next += 1;
        let path = seg.path.clone();
        match std::fs::File::open(&path) {
            Ok(f) => {
                self.file = Some(f);
                self.data.clear();
                self.pos = 0;
                self.base = 0;
                self.fill(HEADER_BYTES);
                if let Err(e) = Header::parse(&self.data) {
                    self.error = Some(error_at(&path, e));
                    return false;
                }
                self.pos = HEADER_BYTES;
                let lean = self.dec.lean;
                self.dec = SegmentDecoder::default();
                self.dec.lean = lean;
                true
            }
            Err(e) => {
                self.error = Some(error_at(&path, e));
                false
            }
        }
    }

    /// Reads until `want` bytes are there from `pos`, or the segment ends.
    fn fill(&mut self, want: usize) {
        use std::io::Read;
        if self.data.len() - self.pos >= want {
            return;
        }
        if self.pos > 0 {
            self.data.drain(..self.pos);
            self.base += self.pos;
            self.pos = 0;
        }
        let Some(f) = self.file.as_mut() else {
            return;
        };
        let mut chunk = want.max(1 << 20);
        while self.data.len() < want {
            let at = self.data.len();
            self.data.resize(at + chunk, 0);
            let n = f.read(&mut self.data[at..]).unwrap_or(0);
            self.data.truncate(at + n);
            if n == 0 {
                self.file = None;
                return;
            }
            chunk = want.saturating_sub(self.data.len()).max(1 << 16);
        }
    }

    fn current(&self) -> &Path {
        &self.segments[self.next - 1].path
    }

    fn fail(&mut self, e: impl std::fmt::Display) -> Option<Event> {
        self.error = Some(error_at(self.current(), e));
        None
    }
}

impl Iterator for Events {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        if self.error.is_some() {
            return None;
        }
        loop {
            if self.next == 0 {
                if !self.load() {
                    return None;
                }
                continue;
            }
            self.fill(4);
            if let Some(b) = self.data.get(self.pos..self.pos + 4) {
                let n = u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize;
                if n > super::wire::MAX_PAYLOAD {
                    let at = self.base + self.pos;
                    return self.fail(format!("corrupt record at byte {at} (length {n})"));
                }
                self.fill(n + super::wire::FRAME_BYTES);
            }
            if self.pos >= self.data.len() {
                if !self.load() {
                    return None;
                }
                continue;
            }
            match unframe(&self.data[self.pos..]) {
                Framed::End => self.pos = self.data.len(),
                Framed::Torn => {
                    let rest = self.data.len() - self.pos;
                    let at = self.base + self.pos;
                    // A record cut short by a crash: its length reaches
                    // past the end of the file. Anything else is
                    // corruption.
                    let len = self.data[self.pos..]
                        .get(..4)
                        .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize);
                    if len.is_some_and(|n| n + super::wire::FRAME_BYTES <= rest) {
                        return self
                            .fail(format!("corrupt record at byte {at} (checksum mismatch)"));
                    }
                    self.notices.push(error_at(
                        self.current(),
                        format!("torn record at byte {at} skipped ({rest} bytes): the recorder stopped while writing it"),
                    ));
                    self.pos = self.data.len();
                }
                Framed::Record { kind, payload, len } => {
                    let at = self.base + self.pos;
                    self.pos += len;
                    match self.dec.decode(kind, payload) {
                        Ok(Some(e)) => return Some(e),
                        Ok(None) => {}
                        Err(e) => return self.fail(format!("record at byte {at}: {e}")),
                    }
                }
            }
        }
    }
}

/// What a replay navigates by, read without decoding a scrape: the last
/// tick, and every alert transition and note.
#[derive(Clone, Debug, Default)]
pub struct Index {
    pub end_ms: i64,
    pub transitions: Vec<crate::vocab::alert::Transition>,
    pub notes: Vec<super::Note>,
}

impl Recording {
    /// Scans the segments from `first` on for their ticks, transitions and
    /// notes (torn tails and corruption end a segment's scan).
    pub fn index_from(&self, first: usize) -> Index {
        let mut ix = Index {
            end_ms: self.start_ms(),
            ..Default::default()
        };
        for seg in &self.segments[first.min(self.segments.len())..] {
            let Ok(data) = std::fs::read(&seg.path) else {
                continue;
            };
            let mut pos = HEADER_BYTES.min(data.len());
            let mut dec = SegmentDecoder::default();
            while let Framed::Record { kind, payload, len } = unframe(&data[pos..]) {
                pos += len;
                use super::kind::{NOTE, TICK, TRANSITION};
                if !matches!(kind, NOTE | TICK | TRANSITION) {
                    continue;
                }
                match dec.decode(kind, payload) {
                    Ok(Some(Event::Tick(t))) => ix.end_ms = ix.end_ms.max(t),
                    Ok(Some(Event::Transition(t))) => ix.transitions.push(t),
                    Ok(Some(Event::Note(n))) => ix.notes.push(n),
                    _ => {}
                }
            }
        }
        ix
    }
}
