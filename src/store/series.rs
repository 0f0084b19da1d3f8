//! One series: its label set and a time-ordered ring buffer of samples.

use crate::vocab::labels::Labels;
use std::collections::VecDeque;

/// A stored series. Samples are strictly increasing in time.
#[derive(Debug, Clone)]
pub struct StoredSeries {
    labels: Labels,
    samples: VecDeque<(i64, f64)>,
}

impl StoredSeries {
    pub(crate) fn new(labels: Labels) -> Self {
        StoredSeries {
            labels,
            samples: VecDeque::new(),
        }
    }

    /// The series' label set (including `__name__`).
    pub fn labels(&self) -> &Labels {
        &self.labels
    }

    /// Number of samples held.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// True when no sample is held.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Timestamp of the newest sample.
    pub fn last_time(&self) -> Option<i64> {
        self.samples.back().map(|s| s.0)
    }

    /// Appends a sample; false (and nothing stored) when `t` is not after the
    /// newest sample.
    pub(crate) fn push(&mut self, t: i64, v: f64) -> bool {
        if matches!(self.samples.back(), Some(&(last, _)) if t <= last) {
            return false;
        }
        self.samples.push_back((t, v));
        true
    }

    /// Drops the newest sample (a scrape taken back).
    pub(crate) fn pop_newest(&mut self) {
        self.samples.pop_back();
    }

    /// Drops samples older than `min_t`.
    pub(crate) fn trim_before(&mut self, min_t: i64) {
        while matches!(self.samples.front(), Some(&(t, _)) if t < min_t) {
            self.samples.pop_front();
        }
        if self.samples.capacity() > 64 && self.samples.len() * 4 < self.samples.capacity() {
            self.samples.shrink_to(self.samples.len() * 2);
        }
    }

    /// Index of the first sample with time >= `t`. The search gallops
    /// from the newest sample: evaluation mostly reads recent windows, and
    /// this touches only the tail of the buffer instead of missing the
    /// cache all along a binary search.
    fn lower(&self, t: i64) -> usize {
        self.lower_below(t, self.samples.len())
    }

    /// Like `lower`, for an answer known to be at most `hi`: gallops
    /// backwards from `hi`.
    fn lower_below(&self, t: i64, hi: usize) -> usize {
        let s = &self.samples;
        let mut hi = hi; // every index >= hi has time >= t
        let mut step = 1;
        let mut lo = loop {
            if hi == 0 {
                return 0;
            }
            let probe = hi.saturating_sub(step);
            if s[probe].0 < t {
                break probe + 1;
            }
            hi = probe;
            step *= 2;
        };
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if s[mid].0 < t {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The newest sample at or before `t`.
    pub fn at_or_before(&self, t: i64) -> Option<(i64, f64)> {
        let i = self.lower(t.saturating_add(1));
        if i == 0 {
            None
        } else {
            Some(self.samples[i - 1])
        }
    }

    /// Samples with `mint <= t <= maxt`, oldest first.
    pub fn range(&self, mint: i64, maxt: i64) -> impl Iterator<Item = (i64, f64)> + '_ {
        let hi = self.lower(maxt.saturating_add(1));
        let lo = if mint > maxt {
            hi
        } else {
            self.lower_below(mint, hi)
        };
        self.samples.range(lo..hi).copied()
    }

    /// True when a sample lies in `[mint, maxt]`.
    pub fn has_samples_in(&self, mint: i64, maxt: i64) -> bool {
        let lo = self.lower(mint);
        lo < self.samples.len() && self.samples[lo].0 <= maxt
    }
}
