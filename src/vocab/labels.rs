//! Label sets: the identity of a series.
//!
//! A `Labels` is kept sorted by label name, with no duplicate names and no
//! empty values (an empty value means "absent", as in Prometheus). The
//! metric name is the label `__name__`.

use std::fmt;
use std::sync::Arc;

/// The reserved label that holds the metric name.
pub const METRIC_NAME: &str = "__name__";

/// One label pair. Names and values are shared (`Arc<str>`) so that series
/// keys, index entries and frames can point at the same text.
pub type Label = (Arc<str>, Arc<str>);

/// A sorted set of label pairs.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Labels(Vec<Label>);

impl Labels {
    /// An empty label set.
    pub fn new() -> Self {
        Labels(Vec::new())
    }

    /// Builds a label set from pairs in any order. Later duplicates replace
    /// earlier ones; empty values are dropped.
    pub fn from_pairs<N, V, I>(pairs: I) -> Self
    where
        N: AsRef<str>,
        V: AsRef<str>,
        I: IntoIterator<Item = (N, V)>,
    {
        let mut out = Labels::new();
        for (n, v) in pairs {
            out.set(n.as_ref(), v.as_ref());
        }
        out
    }

    /// Builds a label set from already shared pairs, sorting them. Duplicate
    /// names keep the last value; empty values are dropped.
    pub fn from_shared(mut pairs: Vec<Label>) -> Self {
        pairs.retain(|(_, v)| !v.is_empty());
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        // keep the last of equal names
        let mut out: Vec<Label> = Vec::with_capacity(pairs.len());
        for p in pairs {
            match out.last_mut() {
                Some(last) if last.0 == p.0 => *last = p,
                _ => out.push(p),
            }
        }
        Labels(out)
    }

    /// Like [`Labels::from_shared`] for pairs usually already sorted by
    /// name with unique names and no empty values: those are kept as they
    /// are, without a second vector; anything else goes through
    /// [`Labels::from_shared`].
    pub fn from_sorted(pairs: Vec<Label>) -> Self {
        let sorted = pairs.windows(2).all(|w| w[0].0 < w[1].0);
        if sorted && pairs.iter().all(|(_, v)| !v.is_empty()) {
            Labels(pairs)
        } else {
            Self::from_shared(pairs)
        }
    }

    /// The value of label `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(n, _)| n.as_ref().cmp(name))
            .ok()
            .map(|i| self.0[i].1.as_ref())
    }

    /// The metric name (`__name__`), if present.
    pub fn name(&self) -> Option<&str> {
        self.get(METRIC_NAME)
    }

    /// Sets `name` to `value`; an empty value removes the label.
    pub fn set(&mut self, name: &str, value: &str) {
        match self.0.binary_search_by(|(n, _)| n.as_ref().cmp(name)) {
            Ok(i) if value.is_empty() => {
                self.0.remove(i);
            }
            Ok(i) => self.0[i].1 = Arc::from(value),
            Err(_) if value.is_empty() => {}
            Err(i) => self.0.insert(i, (Arc::from(name), Arc::from(value))),
        }
    }

    /// Removes label `name`.
    pub fn remove(&mut self, name: &str) {
        if let Ok(i) = self.0.binary_search_by(|(n, _)| n.as_ref().cmp(name)) {
            self.0.remove(i);
        }
    }

    /// A copy without the metric name.
    pub fn without_name(&self) -> Labels {
        let mut l = self.clone();
        l.remove(METRIC_NAME);
        l
    }

    /// A copy keeping only the named labels.
    pub fn keep(&self, names: &[impl AsRef<str>]) -> Labels {
        Labels(
            self.0
                .iter()
                .filter(|(n, _)| names.iter().any(|k| k.as_ref() == n.as_ref()))
                .cloned()
                .collect(),
        )
    }

    /// A copy dropping the named labels.
    pub fn drop_names(&self, names: &[impl AsRef<str>]) -> Labels {
        Labels(
            self.0
                .iter()
                .filter(|(n, _)| !names.iter().any(|k| k.as_ref() == n.as_ref()))
                .cloned()
                .collect(),
        )
    }

    /// Iterates the pairs in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_ref(), v.as_ref()))
    }

    /// The shared pairs in name order.
    pub fn pairs(&self) -> &[Label] {
        &self.0
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no labels.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Prometheus's notation: `name{a="b", c="d"}`.
impl fmt::Display for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(n) = self.name() {
            f.write_str(n)?;
        }
        f.write_str("{")?;
        let mut first = true;
        for (n, v) in self.iter() {
            if n == METRIC_NAME {
                continue;
            }
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            write!(f, "{n}=\"")?;
            for c in v.chars() {
                match c {
                    '\\' => f.write_str("\\\\")?,
                    '"' => f.write_str("\\\"")?,
                    '\n' => f.write_str("\\n")?,
                    c => write!(f, "{c}")?,
                }
            }
            f.write_str("\"")?;
        }
        f.write_str("}")
    }
}

impl serde::Serialize for Labels {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.len()))?;
        for (n, v) in self.iter() {
            m.serialize_entry(n, v)?;
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_dedup_and_empty_values() {
        let l = Labels::from_pairs([("b", "2"), ("a", "1"), ("b", "3"), ("c", "")]);
        assert_eq!(l.iter().collect::<Vec<_>>(), vec![("a", "1"), ("b", "3")]);
        assert_eq!(l.get("b"), Some("3"));
        assert_eq!(l.get("c"), None);
    }

    #[test]
    fn display_like_prometheus() {
        let l = Labels::from_pairs([("__name__", "up"), ("job", "a\"b")]);
        assert_eq!(l.to_string(), "up{job=\"a\\\"b\"}");
    }
}
