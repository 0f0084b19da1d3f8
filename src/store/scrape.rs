//! Scrapes written straight into the store, with the target's series
//! remembered from one scrape to the next.
//!
//! Each target keeps a map from the series text of a page line (the
//! `name{labels}` bytes as written) to the stored series. A steady-state
//! scrape then finds every series with one hash lookup of bytes borrowed
//! from the body: no label set is built and nothing is allocated per
//! sample. Only a line whose text is new builds its label set (and goes
//! through [`Store`]'s label lookup once).
//!
//! Entries carry the slot's generation, so an entry whose series was
//! dropped by [`Store::gc`] (and whose id may have been reused) is never
//! followed. Entries not used by the latest scrape are dropped once they
//! outnumber the live ones, which bounds the map under label churn.

use super::{IngestStats, SeriesId, Store};
use crate::vocab::labels::Labels;
use std::collections::HashMap;

type Map = HashMap<Box<[u8]>, Cached, foldhash::fast::RandomState>;

#[derive(Clone, Copy, Debug)]
struct Cached {
    id: SeriesId,
    generation: u32,
    /// The scrape that last used the entry.
    scrape: u32,
}

/// What the store remembers of one target between scrapes.
#[derive(Debug, Default)]
pub(crate) struct SeriesCache {
    map: Map,
    /// Counts this target's scrapes (wrapping).
    scrape: u32,
    /// The labels the caller attaches to every series of the target; when
    /// they change, every entry is stale.
    scope: Labels,
    /// Reused buffer for the ids of one scrape.
    spare: Vec<SeriesId>,
}

/// One scrape of one target being written (see [`Store::begin_scrape`]).
/// Call [`ScrapeWriter::finish`] for a successful scrape or
/// [`ScrapeWriter::abandon`] for a page that turned out to be unusable.
pub struct ScrapeWriter<'s> {
    store: &'s mut Store,
    key: String,
    cache: SeriesCache,
    seen: Vec<SeriesId>,
    stats: IngestStats,
    t_ms: i64,
}

impl Store {
    /// Starts writing one scrape of `target_key` taken at `t_ms`. `scope`
    /// is what the caller attaches to every series of the target (its
    /// target labels): label sets built for earlier scrapes are reused only
    /// while it stays the same.
    pub fn begin_scrape(
        &mut self,
        target_key: &str,
        scope: &Labels,
        t_ms: i64,
    ) -> ScrapeWriter<'_> {
        let (key, mut cache) = self
            .caches
            .remove_entry(target_key)
            .unwrap_or_else(|| (target_key.to_string(), SeriesCache::default()));
        if cache.scope != *scope {
            cache.map.clear();
            cache.scope = scope.clone();
        }
        cache.scrape = cache.scrape.wrapping_add(1);
        let mut seen = std::mem::take(&mut cache.spare);
        seen.clear();
        ScrapeWriter {
            store: self,
            key,
            cache,
            seen,
            stats: IngestStats::default(),
            t_ms,
        }
    }

    /// True when slot `id` holds a series created at `generation`.
    #[inline]
    fn is_current(&self, id: SeriesId, generation: u32) -> bool {
        let i = id as usize;
        self.generations.get(i) == Some(&generation)
            && self.series.get(i).is_some_and(Option::is_some)
    }

    /// Writes a staleness marker at `t_ms` for every id of `prev` (sorted)
    /// that is not in `seen` (sorted).
    pub(crate) fn mark_vanished(
        &mut self,
        prev: &[SeriesId],
        seen: &[SeriesId],
        t_ms: i64,
        stats: &mut IngestStats,
    ) {
        let mut j = 0;
        for &id in prev {
            while j < seen.len() && seen[j] < id {
                j += 1;
            }
            if j < seen.len() && seen[j] == id {
                continue;
            }
            if self.push(id, t_ms, super::STALE_NAN).is_ok() {
                stats.stale_markers += 1;
            }
        }
    }
}

impl ScrapeWriter<'_> {
    /// Appends `v` to the series last seen under the series text `key`.
    /// Returns false (and stores nothing) when the text is new to this
    /// target: call [`ScrapeWriter::append_new`] with its label set.
    #[inline]
    pub fn append_cached(&mut self, key: &[u8], v: f64) -> bool {
        let Some(c) = self.cache.map.get_mut(key) else {
            return false;
        };
        if !self.store.is_current(c.id, c.generation) {
            return false;
        }
        c.scrape = self.cache.scrape;
        let id = c.id;
        self.append_id(id, v);
        true
    }

    /// Appends `v` to the series `labels` (the full label set, target
    /// labels included) and remembers it under the series text `key`.
    /// A new series the store's budget has no room for is refused: false,
    /// nothing stored, counted in [`IngestStats::refused_series`].
    pub fn append_new(&mut self, key: &[u8], labels: &Labels, v: f64) -> bool {
        if !self.store.admits(labels) {
            self.stats.refused_series += 1;
            return false;
        }
        let id = self.remember(key, labels, true);
        self.append_id(id, v);
        true
    }

    /// Ends a scrape whose page broke a limit: everything this scrape
    /// wrote is taken back (its samples, and the series it created), the
    /// target's remembered series are kept. The caller then marks the
    /// target down.
    pub fn rollback(mut self) {
        let mut seen = std::mem::take(&mut self.seen);
        seen.sort_unstable();
        seen.dedup();
        let store = &mut *self.store;
        let mut emptied = Vec::new();
        for id in seen {
            let Some(s) = store.series.get_mut(id as usize).and_then(Option::as_mut) else {
                continue;
            };
            if s.last_time() == Some(self.t_ms) {
                s.pop_newest();
            }
            if s.is_empty() {
                store.unlink(id);
                emptied.push(id);
            }
        }
        store.release(emptied);
        let store = &*store;
        self.cache
            .map
            .retain(|_, c| store.is_current(c.id, c.generation));
        self.store.caches.insert(self.key, self.cache);
    }

    /// Appends a sample the target did not expose (`up`, `scrape_*`):
    /// remembered under `key` like a series text (pick one that no page
    /// line can hold, e.g. starting with `\n`), built by `labels` only the
    /// first time, and not part of the target's staleness tracking.
    pub fn append_extra(&mut self, key: &[u8], labels: impl FnOnce() -> Labels, v: f64) {
        let id = match self.cache.map.get_mut(key) {
            Some(c) if self.store.is_current(c.id, c.generation) => {
                c.scrape = self.cache.scrape;
                c.id
            }
            _ => self.remember(key, &labels(), false),
        };
        let _ = self.store.push(id, self.t_ms, v);
    }

    fn remember(&mut self, key: &[u8], labels: &Labels, count: bool) -> SeriesId {
        let mut new_series = 0;
        let id = self.store.id_for(labels, &mut new_series);
        if count {
            self.stats.new_series += new_series;
        }
        let entry = Cached {
            id,
            generation: self.store.generations[id as usize],
            scrape: self.cache.scrape,
        };
        match self.cache.map.get_mut(key) {
            Some(c) => *c = entry,
            None => {
                self.cache.map.insert(key.into(), entry);
            }
        }
        id
    }

    #[inline]
    fn append_id(&mut self, id: SeriesId, v: f64) {
        self.seen.push(id);
        match self.store.push(id, self.t_ms, v) {
            Ok(()) => self.stats.appended += 1,
            Err(true) => self.stats.duplicates += 1,
            Err(false) => self.stats.out_of_order += 1,
        }
    }

    /// Ends a successful scrape: writes staleness markers for the series
    /// the target exposed last time but not now, as
    /// [`Store::ingest_scrape`] does.
    pub fn finish(mut self) -> IngestStats {
        let mut seen = std::mem::take(&mut self.seen);
        seen.sort_unstable();
        seen.dedup();
        let store = &mut *self.store;
        let mut prev = store
            .targets
            .get_mut(&self.key)
            .map(std::mem::take)
            .unwrap_or_default();
        store.mark_vanished(&prev, &seen, self.t_ms, &mut self.stats);
        let live = seen.len();
        match store.targets.get_mut(&self.key) {
            Some(ids) => *ids = seen,
            None => {
                store.targets.insert(self.key.clone(), seen);
            }
        }
        prev.clear();
        self.cache.spare = prev;
        if self.cache.map.len() > 2 * live + 1024 {
            let current = self.cache.scrape;
            self.cache.map.retain(|_, c| c.scrape == current);
        }
        let stats = self.stats;
        store.caches.insert(self.key, self.cache);
        stats
    }

    /// Ends a scrape whose page is not used after all (no valid sample):
    /// the target's remembered series are kept, nothing else changes.
    pub fn abandon(self) {
        self.store.caches.insert(self.key, self.cache);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(name: &str, job: &str) -> Labels {
        Labels::from_pairs([("__name__", name), ("job", job)])
    }

    /// One scrape of `(text, name, value)` rows through the writer.
    fn scrape(st: &mut Store, t_ms: i64, rows: &[(&str, &str, f64)]) -> (IngestStats, usize) {
        let scope = Labels::from_pairs([("job", "j")]);
        let mut w = st.begin_scrape("t", &scope, t_ms);
        let mut hits = 0;
        for (text, name, v) in rows {
            if w.append_cached(text.as_bytes(), *v) {
                hits += 1;
            } else {
                w.append_new(text.as_bytes(), &l(name, "j"), *v);
            }
        }
        (w.finish(), hits)
    }

    #[test]
    fn second_scrape_finds_every_series_by_its_text() {
        let mut st = Store::default();
        let rows = [("a", "a", 1.0), ("b{x=\"1\"}", "b", 2.0)];
        let (s, hits) = scrape(&mut st, 1000, &rows);
        assert_eq!((s.appended, s.new_series, hits), (2, 2, 0));
        let (s, hits) = scrape(&mut st, 2000, &rows);
        assert_eq!((s.appended, s.new_series, hits), (2, 0, 2));
        let a = st.find(&l("a", "j")).unwrap();
        assert_eq!(
            a.range(0, 5000).collect::<Vec<_>>(),
            [(1000, 1.0), (2000, 1.0)]
        );
    }

    #[test]
    fn vanished_series_get_a_marker_and_other_text_reaches_the_same_series() {
        let mut st = Store::default();
        scrape(&mut st, 1000, &[("a", "a", 1.0), ("b", "b", 2.0)]);
        // `a ` is new text for the series `a`: the same series, no new one.
        let (s, hits) = scrape(&mut st, 2000, &[("a ", "a", 3.0)]);
        assert_eq!((s.new_series, s.stale_markers, hits), (0, 1, 0));
        let b = st.find(&l("b", "j")).unwrap();
        assert!(crate::store::is_stale_nan(b.at_or_before(2000).unwrap().1));
    }

    #[test]
    fn a_collected_series_is_not_followed_through_its_reused_slot() {
        let mut st = Store::new(1000);
        scrape(&mut st, 1000, &[("a", "a", 1.0)]);
        // `a` ages out; its slot goes to `z`, appended outside the scrape.
        st.gc(10_000);
        assert_eq!(st.series_count(), 0);
        assert!(st.append(&l("z", "other"), 10_000, 9.0));
        let (s, hits) = scrape(&mut st, 10_500, &[("a", "a", 2.0)]);
        assert_eq!((s.new_series, hits), (1, 0));
        let z = st.find(&l("z", "other")).unwrap();
        assert_eq!(z.len(), 1);
        assert_eq!(st.find(&l("a", "j")).unwrap().len(), 1);
    }

    #[test]
    fn a_new_scope_forgets_the_texts_and_extras_stay_out_of_staleness() {
        let mut st = Store::default();
        scrape(&mut st, 1000, &[("a", "a", 1.0)]);
        let other = Labels::from_pairs([("job", "k")]);
        let mut w = st.begin_scrape("t", &other, 2000);
        assert!(!w.append_cached(b"a", 1.0));
        w.append_extra(b"\nup", || l("up", "k"), 1.0);
        w.append_extra(b"\nup", || unreachable!(), 1.0);
        let s = w.finish();
        // `a` vanished; `up` is not tracked as exposed by the target.
        assert_eq!(s.stale_markers, 1);
        assert_eq!(st.find(&l("up", "k")).unwrap().len(), 1);
        let w = st.begin_scrape("t", &other, 3000);
        w.abandon();
        st.mark_target_down("t", 3000);
        assert_eq!(st.find(&l("up", "k")).unwrap().len(), 1);
    }
}
