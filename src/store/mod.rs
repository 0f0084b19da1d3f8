//! The in-memory series store: the samples of each series in compressed
//! chunks (`chunk.rs`, Gorilla's encoding), a label index for selectors,
//! and Prometheus's staleness handling per target.
//!
//! Pure data structure: no I/O and no clock (every time is an argument).

mod bits;
pub mod chunk;
#[cfg(test)]
mod chunk_tests;
mod index;
mod scrape;
mod series;
#[cfg(test)]
mod tests;

pub use index::SeriesId;
pub use scrape::ScrapeWriter;
pub use series::{Cursor, Range, StoredSeries};

use crate::vocab::labels::{Labels, METRIC_NAME};
use index::{intersect, ByLabels, Index};
use promql_parser::label::Matcher;
use std::collections::HashMap;

pub use crate::vocab::{is_stale_nan, STALE_NAN, STALE_NAN_BITS};

/// Default retention: one hour.
pub const DEFAULT_RETENTION_MS: i64 = 60 * 60 * 1000;

/// What one scrape did to the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestStats {
    /// Samples stored.
    pub appended: usize,
    /// StoredSeries seen for the first time.
    pub new_series: usize,
    /// Samples dropped because they were older than the series' newest sample.
    pub out_of_order: usize,
    /// Samples dropped because the series already had a sample at that time.
    pub duplicates: usize,
    /// Staleness markers written for series that disappeared.
    pub stale_markers: usize,
    /// New series refused because the store's series budget was spent.
    pub refused_series: usize,
}

/// Default series budget ([`Store::set_max_series`]); see
/// docs/architecture.md for how it keeps the process under 1 GiB.
pub const DEFAULT_MAX_SERIES: usize = 75_000;

/// What a series with `labels` takes of the series budget: 1, plus 1 for
/// every further 2 KiB of label text and per-label overhead (128 bytes a
/// label), so that long label sets cannot fill memory under the count.
pub fn series_cost(labels: &Labels) -> usize {
    let bytes: usize = labels.iter().map(|(n, v)| n.len() + v.len() + 128).sum();
    1 + bytes / 2048
}

/// The chunk bytes a series may keep ([`Store::set_series_bytes`]) for a
/// retention at a scrape interval: 4 bytes a sample, and 2 KiB. Real pages
/// take 0.3–4 bytes a sample (a constant 0.3, a duration gauge 4); a series
/// of random floats takes about 10 and keeps about the newest 40 % of the
/// retention. With the series budget this bounds the store's memory
/// whatever the targets send (docs/architecture.md).
pub fn series_bytes_cap(retention_ms: i64, interval_ms: i64) -> usize {
    let samples = retention_ms.max(0) / interval_ms.max(1);
    usize::try_from(samples)
        .unwrap_or(usize::MAX / 8)
        .saturating_mul(4)
        .saturating_add(2048)
}

/// All series, their index, and what each target exposed last.
#[derive(Debug)]
pub struct Store {
    retention_ms: i64,
    series: Vec<Option<StoredSeries>>,
    /// Per slot: bumped each time the slot's series is dropped, so that a
    /// remembered id of a dropped series is recognised (never shrinks).
    generations: Vec<u32>,
    free: Vec<SeriesId>,
    by_labels: ByLabels,
    index: Index,
    /// Sorted ids exposed by each target's last successful scrape.
    targets: HashMap<String, Vec<SeriesId>>,
    /// Per target: series text → series, for [`Store::begin_scrape`].
    caches: HashMap<String, scrape::SeriesCache>,
    live: usize,
    /// The series budget (0: none) and what the live series take of it.
    max_series: usize,
    budget_used: usize,
    /// Most chunk bytes one series keeps (0: no cap).
    series_bytes: usize,
}

impl Store {
    /// An empty store keeping `retention_ms` of samples per series.
    pub fn new(retention_ms: i64) -> Store {
        Store {
            retention_ms: retention_ms.max(0),
            series: Vec::new(),
            generations: Vec::new(),
            free: Vec::new(),
            by_labels: ByLabels::default(),
            index: Index::default(),
            targets: HashMap::new(),
            caches: HashMap::new(),
            live: 0,
            max_series: DEFAULT_MAX_SERIES,
            budget_used: 0,
            series_bytes: 0,
        }
    }

    /// Caps the chunk bytes one series keeps (0: no cap): a series whose
    /// samples compress worse than the cap allows over the retention gives
    /// up its oldest chunks early, and every other series keeps its
    /// retention. See [`series_bytes_cap`].
    pub fn set_series_bytes(&mut self, max: usize) {
        self.series_bytes = max;
    }

    /// Sets the series budget: scrapes may not add a series once the
    /// series held (every series in retention, scraped or not) take
    /// `max_series` of it ([`series_cost`]); existing series keep
    /// updating. 0: no budget.
    pub fn set_max_series(&mut self, max_series: usize) {
        self.max_series = max_series;
    }

    /// The series budget (0: none).
    pub fn max_series(&self) -> usize {
        self.max_series
    }

    /// What the series held take of the budget.
    pub fn budget_used(&self) -> usize {
        self.budget_used
    }

    /// False when `labels` is a new series the budget has no room for.
    pub(crate) fn admits(&self, labels: &Labels) -> bool {
        self.max_series == 0
            || self.budget_used + series_cost(labels) <= self.max_series
            || self.by_labels.get(labels, &self.series).is_some()
    }

    /// The retention of this store, ms.
    pub fn retention_ms(&self) -> i64 {
        self.retention_ms
    }

    /// Changes the retention (a configuration reload): samples older than
    /// the new one go at each series' next append and at the next
    /// [`Store::gc`].
    pub fn set_retention_ms(&mut self, retention_ms: i64) {
        self.retention_ms = retention_ms.max(0);
    }

    fn id_for(&mut self, labels: &Labels, new_series: &mut usize) -> SeriesId {
        if let Some(id) = self.by_labels.get(labels, &self.series) {
            return id;
        }
        *new_series += 1;
        let s = StoredSeries::new(labels.clone());
        let id = match self.free.pop() {
            Some(id) => {
                self.series[id as usize] = Some(s);
                id
            }
            None => {
                self.series.push(Some(s));
                if self.generations.len() < self.series.len() {
                    self.generations.push(0);
                }
                (self.series.len() - 1) as SeriesId
            }
        };
        for (n, v) in labels.pairs() {
            self.index.add(n, v, id);
        }
        self.by_labels.insert(id, &self.series);
        self.live += 1;
        self.budget_used += series_cost(labels);
        id
    }

    /// Appends to series `id`; `Err(true)` for a duplicate timestamp,
    /// `Err(false)` for an out-of-order sample.
    fn push(&mut self, id: SeriesId, t_ms: i64, v: f64) -> Result<(), bool> {
        let retention = self.retention_ms;
        let Some(s) = self.series[id as usize].as_mut() else {
            return Err(false);
        };
        match s.last_time() {
            Some(last) if t_ms == last => return Err(true),
            Some(last) if t_ms < last => return Err(false),
            _ => {}
        }
        s.push(t_ms, v);
        s.trim_before(t_ms.saturating_sub(retention));
        if self.series_bytes > 0 {
            s.cap_bytes(self.series_bytes);
        }
        Ok(())
    }

    /// One successful scrape of one target: appends every sample at `t_ms`
    /// and writes a staleness marker at `t_ms` for every series the target
    /// exposed in its previous scrape but not in this one.
    pub fn ingest_scrape(
        &mut self,
        target_key: &str,
        t_ms: i64,
        samples: impl IntoIterator<Item = (Labels, f64)>,
    ) -> IngestStats {
        let mut stats = IngestStats::default();
        let mut seen: Vec<SeriesId> = Vec::new();
        for (labels, v) in samples {
            if !self.admits(&labels) {
                stats.refused_series += 1;
                continue;
            }
            let id = self.id_for(&labels, &mut stats.new_series);
            seen.push(id);
            match self.push(id, t_ms, v) {
                Ok(()) => stats.appended += 1,
                Err(true) => stats.duplicates += 1,
                Err(false) => stats.out_of_order += 1,
            }
        }
        seen.sort_unstable();
        seen.dedup();
        let previous = self.targets.insert(target_key.to_string(), seen.clone());
        if let Some(prev) = previous {
            self.mark_vanished(&prev, &seen, t_ms, &mut stats);
        }
        stats
    }

    /// The scrape failed: staleness markers at `t_ms` for every series of the
    /// target's last good scrape.
    pub fn mark_target_down(&mut self, target_key: &str, t_ms: i64) {
        if let Some(prev) = self.targets.remove(target_key) {
            for id in prev {
                let _ = self.push(id, t_ms, STALE_NAN);
            }
        }
    }

    /// Forgets a target without writing markers (it was removed from the
    /// target list; its series then age out through `gc`).
    pub fn forget_target(&mut self, target_key: &str) {
        self.targets.remove(target_key);
        self.caches.remove(target_key);
    }

    /// Forgets the series texts remembered for a target (its series and
    /// staleness tracking stay): the next scrape looks every line up anew.
    pub fn forget_series_texts(&mut self, target_key: &str) {
        self.caches.remove(target_key);
    }

    /// Appends one sample outside of scrapes. Out-of-order and duplicate
    /// samples are dropped; returns whether the sample was stored.
    pub fn append(&mut self, labels: &Labels, t_ms: i64, v: f64) -> bool {
        let mut n = 0;
        let id = self.id_for(labels, &mut n);
        self.push(id, t_ms, v).is_ok()
    }

    /// Drops samples older than `now_ms - retention`, and series left
    /// empty; returns how many series went.
    pub fn gc(&mut self, now_ms: i64) -> usize {
        let min_t = now_ms.saturating_sub(self.retention_ms);
        let mut removed: Vec<SeriesId> = Vec::new();
        for i in 0..self.series.len() {
            let Some(s) = self.series[i].as_mut() else {
                continue;
            };
            s.trim_before(min_t);
            if s.is_empty() {
                self.unlink(i as SeriesId);
                removed.push(i as SeriesId);
            }
        }
        let n = removed.len();
        self.release(removed);
        n
    }

    /// True when a series named `name` is held.
    pub fn has_metric(&self, name: &str) -> bool {
        self.index.has(METRIC_NAME, name)
    }

    /// Takes series `id` out of the index and the budget and empties its
    /// slot (the caller hands the id to [`Store::release`]).
    fn unlink(&mut self, id: SeriesId) {
        let i = id as usize;
        let Some(s) = self.series[i].take() else {
            return;
        };
        for (n, v) in s.labels().pairs() {
            self.index.remove(n, v, id);
        }
        self.by_labels.remove(s.labels(), id);
        self.budget_used = self.budget_used.saturating_sub(series_cost(s.labels()));
        self.generations[i] = self.generations[i].wrapping_add(1);
        self.live -= 1;
    }

    /// Forgets the unlinked ids `removed` in the target lists and frees
    /// their slots.
    fn release(&mut self, mut removed: Vec<SeriesId>) {
        if removed.is_empty() {
            return;
        }
        removed.sort_unstable();
        for ids in self.targets.values_mut() {
            ids.retain(|id| removed.binary_search(id).is_err());
        }
        self.free.extend(removed);
        // Keep the slot table from holding a long tail of free slots.
        while matches!(self.series.last(), Some(None)) {
            self.series.pop();
        }
        let len = self.series.len() as SeriesId;
        self.free.retain(|&id| id < len);
    }

    /// Sorted distinct metric names.
    pub fn metric_names(&self) -> Vec<String> {
        self.index.values(METRIC_NAME)
    }

    /// Sorted distinct values of label `name`.
    pub fn label_values(&self, name: &str) -> Vec<String> {
        self.index.values(name)
    }

    /// Number of live series.
    pub fn series_count(&self) -> usize {
        self.live
    }

    /// Total samples held (for memory accounting).
    pub fn sample_count(&self) -> usize {
        self.series.iter().flatten().map(StoredSeries::len).sum()
    }

    /// Drops every series and target.
    pub fn clear(&mut self) {
        self.series.clear();
        self.free.clear();
        self.by_labels.clear();
        self.index.clear();
        self.targets.clear();
        // Remembered ids would point at reused slots.
        self.caches.clear();
        self.live = 0;
        self.budget_used = 0;
    }

    /// The series with id `id`, if it lives.
    pub fn get(&self, id: SeriesId) -> Option<&StoredSeries> {
        self.series.get(id as usize).and_then(Option::as_ref)
    }

    /// The series with exactly these labels.
    pub fn find(&self, labels: &Labels) -> Option<&StoredSeries> {
        self.by_labels
            .get(labels, &self.series)
            .and_then(|id| self.get(id))
    }

    /// Ids of the series matching every matcher (absent labels match as
    /// the empty value, as in Prometheus), in id order.
    pub fn select(&self, matchers: &[&Matcher]) -> Vec<SeriesId> {
        let mut cand: Option<Vec<SeriesId>> = None;
        for m in matchers {
            if let Some(ids) = self.index.candidates(m) {
                cand = Some(match cand {
                    None => ids,
                    Some(c) => intersect(&c, &ids),
                });
                if cand.as_ref().is_some_and(Vec::is_empty) {
                    return Vec::new();
                }
            }
        }
        let ids: Vec<SeriesId> = match cand {
            Some(c) => c,
            None => (0..self.series.len() as SeriesId)
                .filter(|&i| self.series[i as usize].is_some())
                .collect(),
        };
        ids.into_iter()
            .filter(|&id| {
                self.get(id).is_some_and(|s| {
                    matchers
                        .iter()
                        .all(|m| m.is_match(s.labels().get(&m.name).unwrap_or("")))
                })
            })
            .collect()
    }
}

impl Default for Store {
    fn default() -> Self {
        Store::new(DEFAULT_RETENTION_MS)
    }
}
