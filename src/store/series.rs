//! One series: its label set and its samples in compressed chunks
//! (`chunk.rs`), laid back to back in one buffer. The newest [`TAIL`]
//! samples stay as they are, so that evaluation at the present (a rate
//! over a few scrapes, the latest value) reads them without decoding; a
//! sample that leaves the tail is appended, bit by bit, to the last chunk,
//! which is open.

use super::chunk::{Decoder, Encoder, CHUNK_SAMPLES};
use crate::vocab::labels::Labels;

/// The newest samples kept uncompressed: a default rate window (four
/// scrapes and the one before) and then some.
pub const TAIL: usize = 8;

/// A stored series. Samples are strictly increasing in time.
#[derive(Debug, Clone)]
pub struct StoredSeries {
    labels: Labels,
    /// The chunks, oldest first; the last one is open.
    data: Vec<u8>,
    /// Where each chunk starts in `data`.
    starts: Vec<u32>,
    /// Samples before this time are past retention: kept until their whole
    /// chunk can go, never read.
    floor: i64,
    /// The open chunk's encoder (meaningless while `starts` is empty).
    enc: Encoder,
    /// The newest samples, oldest first, newer than every encoded one.
    tail: [(i64, f64); TAIL],
    tail_len: u8,
}

impl StoredSeries {
    pub(crate) fn new(labels: Labels) -> Self {
        StoredSeries {
            labels,
            data: Vec::new(),
            starts: Vec::new(),
            floor: i64::MIN,
            enc: Encoder::EMPTY,
            tail: [(0, 0.0); TAIL],
            tail_len: 0,
        }
    }

    /// The uncompressed newest samples.
    #[inline]
    fn tail(&self) -> &[(i64, f64)] {
        &self.tail[..self.tail_len as usize]
    }

    /// The series' label set (including `__name__`).
    pub fn labels(&self) -> &Labels {
        &self.labels
    }

    /// Number of samples held (within retention).
    pub fn len(&self) -> usize {
        let tail = self.tail().iter().filter(|s| s.0 >= self.floor).count();
        let Some(first) = self.starts.first() else {
            return tail;
        };
        let total: usize = (0..self.starts.len())
            .map(|i| self.chunk_count(i) as usize)
            .sum();
        let hidden = if Decoder::first_time(&self.data[*first as usize..]) < self.floor {
            self.decoder(0).take_while(|s| s.0 < self.floor).count()
        } else {
            0
        };
        total - hidden + tail
    }

    /// True when no sample is held.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty() && self.tail_len == 0
    }

    /// The newest sample.
    #[inline]
    fn newest(&self) -> Option<(i64, f64)> {
        match self.tail().last() {
            Some(&s) => Some(s),
            None => (!self.starts.is_empty()).then(|| self.enc.last()),
        }
    }

    /// Timestamp of the newest sample.
    pub fn last_time(&self) -> Option<i64> {
        self.newest().map(|s| s.0)
    }

    /// Bytes of chunk data held, and the capacity of their buffers (for
    /// memory accounting).
    pub fn chunk_bytes(&self) -> (usize, usize) {
        (
            self.data.len() + self.starts.len() * 4,
            self.data.capacity() + self.starts.capacity() * 4,
        )
    }

    /// Number of chunks, the open one included.
    pub fn chunks(&self) -> usize {
        self.starts.len()
    }

    /// The bytes of chunk `i` (self-contained, see `chunk.rs`).
    pub fn chunk(&self, i: usize) -> &[u8] {
        let end = self
            .starts
            .get(i + 1)
            .map_or(self.data.len(), |&e| e as usize);
        &self.data[self.starts[i] as usize..end]
    }

    fn chunk_count(&self, i: usize) -> u16 {
        let s = self.starts[i] as usize;
        u16::from_le_bytes([self.data[s + 1], self.data[s + 2]])
    }

    fn chunk_start_time(&self, i: usize) -> i64 {
        Decoder::first_time(&self.data[self.starts[i] as usize..])
    }

    fn decoder(&self, i: usize) -> Decoder<'_> {
        Decoder::new(self.chunk(i)).expect("a chunk this series wrote")
    }

    /// Appends a sample; false (and nothing stored) when `t` is not after the
    /// newest sample.
    pub(crate) fn push(&mut self, t: i64, v: f64) -> bool {
        if self.last_time().is_some_and(|last| t <= last) {
            return false;
        }
        if self.tail_len as usize == TAIL {
            let (t0, v0) = self.tail[0];
            self.tail.copy_within(1.., 0);
            self.tail_len -= 1;
            self.encode(t0, v0);
        }
        self.tail[self.tail_len as usize] = (t, v);
        self.tail_len += 1;
        true
    }

    /// Appends a sample that leaves the tail to the chunks.
    fn encode(&mut self, t: i64, v: f64) {
        if self.starts.is_empty() {
            self.starts.push(0);
            self.enc = Encoder::start(&mut self.data, t, v);
            return;
        }
        if self.enc.count >= CHUNK_SAMPLES {
            self.starts.push(self.data.len() as u32);
            self.enc = Encoder::start(&mut self.data, t, v);
        } else {
            let start = *self.starts.last().expect("an open chunk") as usize;
            self.enc.append(&mut self.data, start, t, v);
        }
    }

    /// Drops the newest sample (a scrape taken back).
    pub(crate) fn pop_newest(&mut self) {
        if self.tail_len > 0 {
            self.tail_len -= 1;
            return;
        }
        let Some(&start) = self.starts.last() else {
            return;
        };
        let mut samples: Vec<(i64, f64)> = self.decoder(self.starts.len() - 1).collect();
        samples.pop();
        self.data.truncate(start as usize);
        self.starts.pop();
        if let Some(i) = self.starts.len().checked_sub(1) {
            let mut d = self.decoder(i);
            d.by_ref().for_each(drop);
            self.enc = d.state();
        }
        for (t, v) in samples {
            self.encode(t, v);
        }
    }

    /// Hides samples older than `min_t`, drops every chunk left with none
    /// newer, and the whole series when its newest sample is older.
    pub(crate) fn trim_before(&mut self, min_t: i64) {
        let Some((newest, _)) = self.newest() else {
            return;
        };
        if min_t <= self.floor {
            return;
        }
        if newest < min_t {
            *self = StoredSeries::new(std::mem::take(&mut self.labels));
            return;
        }
        self.floor = min_t;
        if self.starts.is_empty() {
            return;
        }
        if self.enc.t < min_t {
            self.data.clear();
            self.starts.clear();
            return;
        }
        let mut n = 0;
        while n + 1 < self.starts.len() && self.chunk_start_time(n + 1) <= min_t {
            n += 1;
        }
        self.drop_chunks(n);
    }

    /// Drops the oldest chunks until the chunks take at most `max` bytes,
    /// the open one always kept.
    pub(crate) fn cap_bytes(&mut self, max: usize) {
        if self.data.len() <= max {
            return;
        }
        let mut n = 0;
        while n + 1 < self.starts.len() && self.data.len() - self.starts[n] as usize > max {
            n += 1;
        }
        self.drop_chunks(n);
    }

    /// Drops the `n` oldest chunks.
    fn drop_chunks(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        let cut = self.starts[n];
        self.data.drain(..cut as usize);
        self.starts.drain(..n);
        for s in &mut self.starts {
            *s -= cut;
        }
    }

    /// Index of the chunk holding the newest sample at or before `t`: the
    /// last chunk starting at or before `t`. Searched from the newest
    /// chunk, as evaluation mostly reads recent windows.
    fn chunk_for(&self, t: i64) -> Option<usize> {
        (0..self.starts.len())
            .rev()
            .find(|&i| self.chunk_start_time(i) <= t)
    }

    /// The decoder of chunk `c` advanced past every sample before `t`,
    /// resuming from `cursor` when it stopped in chunk `c` before `t`; the
    /// cursor is then left where this read stops.
    fn seek<'a>(
        &'a self,
        c: usize,
        t: i64,
        cursor: Option<&mut Option<Cursor<'a>>>,
    ) -> Decoder<'a> {
        let mut d = match cursor.as_deref() {
            Some(Some(cur))
                if cur.chunk == c && cur.decoder.last_read().is_none_or(|s| s.0 < t) =>
            {
                cur.decoder.clone()
            }
            _ => self.decoder(c),
        };
        loop {
            let before = d.clone();
            match d.next() {
                Some(s) if s.0 < t => {}
                Some(_) => {
                    d = before;
                    break;
                }
                None => break,
            }
        }
        if let Some(cur) = cursor {
            *cur = Some(Cursor {
                chunk: c,
                decoder: d.clone(),
            });
        }
        d
    }

    /// The newest sample at or before `t`.
    pub fn at_or_before(&self, t: i64) -> Option<(i64, f64)> {
        self.at_or_before_from(t, None)
    }

    /// [`StoredSeries::at_or_before`], resuming a forward read where
    /// `cursor` stopped (a range evaluation reading later and later
    /// instants decodes each chunk about once).
    pub fn at_or_before_from<'a>(
        &'a self,
        t: i64,
        cursor: Option<&mut Option<Cursor<'a>>>,
    ) -> Option<(i64, f64)> {
        if t < self.floor {
            return None;
        }
        let tail = self.tail();
        if let Some(&(first, _)) = tail.first() {
            if t >= first {
                let found = tail.iter().rev().find(|s| s.0 <= t).copied();
                return found.filter(|s| s.0 >= self.floor);
            }
        }
        if self.starts.is_empty() {
            return None;
        }
        if t >= self.enc.t {
            return Some(self.enc.last()).filter(|s| s.0 >= self.floor);
        }
        let i = self.chunk_for(t)?;
        let found = self.seek(i, t.saturating_add(1), cursor).last_read()?;
        (found.0 >= self.floor).then_some(found)
    }

    /// Samples with `mint <= t <= maxt`, oldest first, decoded as they are
    /// read.
    pub fn range(&self, mint: i64, maxt: i64) -> Range<'_> {
        self.range_from(mint, maxt, None)
    }

    /// [`StoredSeries::range`], resuming a forward read where `cursor`
    /// stopped.
    pub fn range_from<'a>(
        &'a self,
        mint: i64,
        maxt: i64,
        cursor: Option<&mut Option<Cursor<'a>>>,
    ) -> Range<'a> {
        let mint = mint.max(self.floor);
        let tail = self.tail();
        let in_tail = tail.first().is_some_and(|s| s.0 <= mint);
        let chunk = if mint > maxt || self.starts.is_empty() || in_tail {
            self.starts.len()
        } else {
            self.chunk_for(mint).unwrap_or(0)
        };
        let from = if mint > maxt {
            tail.len()
        } else {
            tail.partition_point(|s| s.0 < mint)
        };
        let decoder = (chunk < self.starts.len()).then(|| self.seek(chunk, mint, cursor));
        Range {
            series: self,
            chunk,
            decoder,
            tail: &tail[from..],
            mint,
            maxt,
        }
    }

    /// True when a sample lies in `[mint, maxt]`.
    pub fn has_samples_in(&self, mint: i64, maxt: i64) -> bool {
        let Some((last, _)) = self.newest() else {
            return false;
        };
        if last >= mint.max(self.floor) && last <= maxt {
            return true;
        }
        self.range(mint, maxt).next().is_some()
    }
}

/// Where a forward read of a series stopped: a chunk's decoder part way
/// through (see [`StoredSeries::range_from`]).
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    chunk: usize,
    decoder: Decoder<'a>,
}

/// The samples of a series in a time range (see [`StoredSeries::range`]).
#[derive(Debug, Clone)]
pub struct Range<'a> {
    series: &'a StoredSeries,
    /// The chunk being read (or to read next).
    chunk: usize,
    decoder: Option<Decoder<'a>>,
    /// The tail's samples from `mint` on, read after the chunks.
    tail: &'a [(i64, f64)],
    mint: i64,
    maxt: i64,
}

impl Iterator for Range<'_> {
    type Item = (i64, f64);

    #[inline]
    fn next(&mut self) -> Option<(i64, f64)> {
        loop {
            if let Some(d) = &mut self.decoder {
                match d.next() {
                    Some(s) if s.0 > self.maxt => {
                        self.chunk = usize::MAX;
                        self.decoder = None;
                        self.tail = &[];
                        return None;
                    }
                    Some(s) if s.0 >= self.mint => return Some(s),
                    Some(_) => continue,
                    None => {
                        self.decoder = None;
                        self.chunk += 1;
                    }
                }
            }
            if self.chunk >= self.series.starts.len() {
                let (&s, rest) = self.tail.split_first()?;
                if s.0 > self.maxt {
                    self.tail = &[];
                    return None;
                }
                self.tail = rest;
                return Some(s);
            }
            self.decoder = Some(self.series.decoder(self.chunk));
        }
    }
}
