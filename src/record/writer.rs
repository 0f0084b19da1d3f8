//! Appending to a recording: segments in a folder, each record written
//! with one `write`, the oldest segment dropped past `--record-max`.

use super::codec::SegmentEncoder;
use super::wire::{frame, Header, MAJOR, MINOR};
use super::{ConfigRecord, Entry, RecordError};
use crate::scrape::Target;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// `--record-max` by default: 1 GiB.
pub const DEFAULT_MAX_BYTES: u64 = 1 << 30;
/// A segment covers at most this much time: the granularity of the index
/// a replay seeks by, and of what `--record-max` drops.
pub const SEGMENT_SPAN_MS: i64 = 5 * 60 * 1000;

struct Segment {
    file: File,
    start_ms: i64,
    bytes: u64,
}

/// Appends entries to the recording in a folder.
pub struct Recorder {
    dir: PathBuf,
    max_bytes: u64,
    seq: u64,
    seg: Option<Segment>,
    enc: SegmentEncoder,
    /// What a new segment starts with.
    config: Option<ConfigRecord>,
    targets: Option<(i64, Vec<Target>)>,
    /// Samples written, and payload bytes (for the figures).
    pub samples: u64,
    buf: Vec<u8>,
}

/// The segment files of `dir`, by sequence number.
pub(super) fn segment_files(dir: &Path) -> std::io::Result<Vec<(u64, PathBuf)>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        let seq = p
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".vrec"))
            .and_then(|n| n.parse::<u64>().ok());
        if let Some(seq) = seq {
            out.push((seq, p));
        }
    }
    out.sort();
    Ok(out)
}

impl Recorder {
    /// Records into folder `dir` (created, mode 0700). A folder that holds
    /// segments already gets a new one after them: a restart never
    /// writes into what an earlier run left.
    pub fn open(dir: &Path, max_bytes: u64) -> Result<Recorder, RecordError> {
        if dir.is_file() {
            return Err(RecordError::Io(std::io::Error::other(
                "is a file: --record takes a folder of segments",
            )));
        }
        create_private_dir(dir)?;
        let seq = segment_files(dir)?.last().map_or(0, |(s, _)| *s);
        Ok(Recorder {
            dir: dir.to_path_buf(),
            max_bytes: max_bytes.max(1 << 20),
            seq,
            seg: None,
            enc: SegmentEncoder::default(),
            config: None,
            targets: None,
            samples: 0,
            buf: Vec::new(),
        })
    }

    /// Appends one entry (a new segment first when the current one is
    /// full or spans [`SEGMENT_SPAN_MS`]; a segment turns over only at a
    /// tick, so that a tick and the scrapes before it stay together).
    pub fn write(&mut self, e: Entry) -> Result<(), RecordError> {
        let time = match &e {
            Entry::Config(_) => None,
            Entry::Targets { time_ms, .. } => Some(*time_ms),
            Entry::Scrape(r) => Some(r.time_ms),
            Entry::Tick(t) => Some(*t),
            Entry::Transition(t) => Some(t.time_ms),
            Entry::Note(n) => Some(n.time_ms),
        };
        let full = self.seg.as_ref().is_some_and(|s| {
            matches!(e, Entry::Tick(_))
                && (time.is_some_and(|t| t - s.start_ms >= SEGMENT_SPAN_MS)
                    || s.bytes >= self.max_bytes / 8)
        });
        if self.seg.is_none() || full {
            if let Some(t) = time {
                self.start_segment(t)?;
            }
        }
        let mut records = Vec::new();
        match e {
            Entry::Config(c) => {
                records.push(self.enc.config(&c));
                self.config = Some(c);
            }
            Entry::Targets { time_ms, targets } => {
                self.enc.targets(time_ms, &targets, &mut records);
                self.targets = Some((time_ms, targets));
            }
            Entry::Scrape(r) => self.samples += self.enc.scrape(r, &mut records) as u64,
            Entry::Tick(t) => records.push(SegmentEncoder::tick(t)),
            Entry::Transition(t) => records.push(SegmentEncoder::transition(&t)),
            Entry::Note(n) => records.push(SegmentEncoder::note(&n)),
        }
        if self.seg.is_some() {
            self.append(&records)?;
        }
        Ok(())
    }

    /// Writes records, each with one `write` (a crash tears at most the
    /// last).
    fn append(&mut self, records: &[(u8, Vec<u8>)]) -> Result<(), RecordError> {
        let Some(seg) = self.seg.as_mut() else {
            return Ok(());
        };
        for (k, p) in records {
            self.buf.clear();
            frame(&mut self.buf, *k, p);
            seg.file.write_all(&self.buf)?;
            seg.bytes += self.buf.len() as u64;
        }
        Ok(())
    }

    fn start_segment(&mut self, start_ms: i64) -> Result<(), RecordError> {
        self.seq += 1;
        let path = self.dir.join(format!("{:08}.vrec", self.seq));
        let mut file = create_private_file(&path)?;
        let h = Header {
            major: MAJOR,
            minor: MINOR,
            start_ms,
        };
        file.write_all(&h.bytes())?;
        self.seg = Some(Segment {
            file,
            start_ms,
            bytes: h.bytes().len() as u64,
        });
        self.enc = SegmentEncoder::default();
        let mut records = Vec::new();
        if let Some(c) = &self.config {
            records.push(self.enc.config(c));
        }
        if let Some((_, targets)) = &self.targets {
            self.enc.targets(start_ms, targets, &mut records);
        }
        self.append(&records)?;
        self.drop_oldest()
    }

    /// Drops the oldest segments while the recording is over its cap (the
    /// current one stays).
    fn drop_oldest(&mut self) -> Result<(), RecordError> {
        let files = segment_files(&self.dir)?;
        let sizes: Vec<u64> = files
            .iter()
            .map(|(_, p)| std::fs::metadata(p).map_or(0, |m| m.len()))
            .collect();
        let mut total: u64 = sizes.iter().sum();
        for ((seq, p), size) in files.iter().zip(sizes) {
            if total <= self.max_bytes || *seq >= self.seq {
                break;
            }
            std::fs::remove_file(p)?;
            total -= size;
        }
        Ok(())
    }

    /// The segment being written.
    pub fn segment_path(&self) -> PathBuf {
        self.dir.join(format!("{:08}.vrec", self.seq))
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

fn create_private_file(path: &Path) -> std::io::Result<File> {
    let mut o = OpenOptions::new();
    o.create_new(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)
}

/// Runs `rec` on a thread of its own: entries arrive on the returned
/// sender (bounded: a disk that cannot keep up holds the engine back
/// rather than grow a queue); a failure is reported once on the returned
/// receiver, and the recording stops.
pub fn spawn(mut rec: Recorder) -> Spawned {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Entry>(4096);
    let (err_tx, err_rx) = tokio::sync::mpsc::channel(1);
    let dir = rec.dir.clone();
    let spawned = std::thread::Builder::new()
        .name("vitals-record".into())
        .spawn(move || {
            while let Some(e) = rx.blocking_recv() {
                if let Err(e) = rec.write(e) {
                    let _ = err_tx.try_send(format!(
                        "recording stopped: {}",
                        super::error_at(&rec.segment_path(), e)
                    ));
                    return;
                }
            }
        });
    let thread = match spawned {
        Ok(t) => Some(t),
        Err(e) => {
            tracing::error!(
                "cannot start the recorder thread for {}: {e}",
                dir.display()
            );
            None
        }
    };
    Spawned {
        tx,
        errors: err_rx,
        thread,
    }
}

/// A recorder running on its thread.
pub struct Spawned {
    pub tx: tokio::sync::mpsc::Sender<Entry>,
    pub errors: tokio::sync::mpsc::Receiver<String>,
    pub thread: Option<std::thread::JoinHandle<()>>,
}

/// Waits (at most `limit`) for a recorder thread to write what it was
/// sent: its sender must be gone (the engine stopped).
pub async fn drain(thread: Option<std::thread::JoinHandle<()>>, limit: std::time::Duration) {
    let Some(t) = thread else {
        return;
    };
    let until = tokio::time::Instant::now() + limit;
    while !t.is_finished() && tokio::time::Instant::now() < until {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

/// Appends a note record to recording `rec` (a replay's `:note`): to its
/// last segment when that ends on a whole record, else (a torn tail) in a
/// new segment after it, which starts at `end_ms` (the recording's end),
/// so the segments stay in time order. The recording stays append-only.
pub fn append_note(
    rec: &super::Recording,
    note: &super::Note,
    end_ms: i64,
) -> Result<(), RecordError> {
    let Some(last) = rec.segments.last() else {
        return Err(RecordError::NotARecording);
    };
    let data = std::fs::read(&last.path)?;
    let mut pos = super::wire::HEADER_BYTES.min(data.len());
    let clean = loop {
        match super::wire::unframe(&data[pos..]) {
            super::wire::Framed::Record { len, .. } => pos += len,
            super::wire::Framed::End => break true,
            super::wire::Framed::Torn => break false,
        }
    };
    let (k, payload) = SegmentEncoder::note(note);
    let mut buf = Vec::new();
    frame(&mut buf, k, &payload);
    if clean {
        let mut f = OpenOptions::new().append(true).open(&last.path)?;
        f.write_all(&buf)?;
        return Ok(());
    }
    if !rec.path.is_dir() {
        return Err(RecordError::Io(std::io::Error::other(
            "its last record is torn: a note can only be added to a recording folder",
        )));
    }
    let seq = segment_files(&rec.path)?.last().map_or(0, |(s, _)| *s) + 1;
    let mut f = create_private_file(&rec.path.join(format!("{seq:08}.vrec")))?;
    let h = Header {
        major: MAJOR,
        minor: MINOR,
        start_ms: end_ms,
    };
    let mut all = h.bytes().to_vec();
    all.extend_from_slice(&buf);
    f.write_all(&all)?;
    Ok(())
}
