//! The label index: `name → value → sorted series ids`, used by selectors.

use super::StoredSeries;
use crate::vocab::labels::Labels;
use promql_parser::label::{MatchOp, Matcher};
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Arc;

/// Identifier of a stored series (stable while the series lives).
pub type SeriesId = u32;

/// Postings lists per label pair.
#[derive(Default, Debug)]
pub(crate) struct Index {
    postings: HashMap<Arc<str>, HashMap<Arc<str>, Vec<SeriesId>>>,
}

impl Index {
    pub(crate) fn add(&mut self, name: &Arc<str>, value: &Arc<str>, id: SeriesId) {
        let list = self
            .postings
            .entry(name.clone())
            .or_default()
            .entry(value.clone())
            .or_default();
        if let Err(i) = list.binary_search(&id) {
            list.insert(i, id);
        }
    }

    pub(crate) fn remove(&mut self, name: &str, value: &str, id: SeriesId) {
        let Some(values) = self.postings.get_mut(name) else {
            return;
        };
        if let Some(list) = values.get_mut(value) {
            if let Ok(i) = list.binary_search(&id) {
                list.remove(i);
            }
            if list.is_empty() {
                values.remove(value);
            }
        }
        if values.is_empty() {
            self.postings.remove(name);
        }
    }

    pub(crate) fn has(&self, name: &str, value: &str) -> bool {
        self.postings
            .get(name)
            .is_some_and(|values| values.contains_key(value))
    }

    pub(crate) fn clear(&mut self) {
        self.postings.clear();
    }

    /// Sorted distinct values of a label.
    pub(crate) fn values(&self, name: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .postings
            .get(name)
            .map(|m| m.keys().map(|k| k.to_string()).collect())
            .unwrap_or_default();
        out.sort();
        out
    }

    /// Candidate ids for one matcher that cannot match an absent label, or
    /// None when the matcher matches the empty value (it then selects by
    /// absence too and cannot narrow the search through the index).
    pub(crate) fn candidates(&self, m: &Matcher) -> Option<Vec<SeriesId>> {
        if m.is_match("") {
            return None;
        }
        let values = match self.postings.get(m.name.as_str()) {
            Some(v) => v,
            None => return Some(Vec::new()),
        };
        match &m.op {
            MatchOp::Equal => Some(values.get(m.value.as_str()).cloned().unwrap_or_default()),
            _ => {
                let mut out: Vec<SeriesId> = Vec::new();
                for (v, ids) in values {
                    if m.is_match(v) {
                        out.extend_from_slice(ids);
                    }
                }
                out.sort_unstable();
                out.dedup();
                Some(out)
            }
        }
    }
}

/// Series ids by label set. Only the ids are kept: a label set is compared
/// with the series' own, so it is held once (a map keyed by label sets
/// would hold a second copy of every one).
#[derive(Default)]
pub(crate) struct ByLabels {
    table: hashbrown::HashTable<SeriesId>,
    hasher: foldhash::fast::RandomState,
}

impl std::fmt::Debug for ByLabels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ByLabels({} series)", self.table.len())
    }
}

impl ByLabels {
    fn hash(&self, labels: &Labels) -> u64 {
        self.hasher.hash_one(labels)
    }

    /// The id of the series with exactly `labels`.
    pub(crate) fn get(&self, labels: &Labels, series: &[Option<StoredSeries>]) -> Option<SeriesId> {
        self.table
            .find(self.hash(labels), |&id| {
                series[id as usize]
                    .as_ref()
                    .is_some_and(|s| s.labels() == labels)
            })
            .copied()
    }

    /// Adds series `id`, whose slot in `series` already holds it.
    pub(crate) fn insert(&mut self, id: SeriesId, series: &[Option<StoredSeries>]) {
        let hasher = &self.hasher;
        let labels = series[id as usize]
            .as_ref()
            .expect("a live series")
            .labels();
        self.table.insert_unique(hasher.hash_one(labels), id, |&i| {
            hasher.hash_one(series[i as usize].as_ref().expect("a live series").labels())
        });
    }

    /// Removes series `id`, whose label set is `labels`.
    pub(crate) fn remove(&mut self, labels: &Labels, id: SeriesId) {
        if let Ok(e) = self.table.find_entry(self.hash(labels), |&i| i == id) {
            e.remove();
        }
    }

    pub(crate) fn clear(&mut self) {
        self.table.clear();
    }
}

/// Intersection of two sorted id lists.
pub(crate) fn intersect(a: &[SeriesId], b: &[SeriesId]) -> Vec<SeriesId> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len().min(b.len()));
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}
