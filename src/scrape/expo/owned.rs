//! Building the owned [`Page`] from the streaming parser.

use super::{format_from_content_type, parse, FamilyRef, LabelRef, ParseError, SampleRef, Visitor};
use crate::scrape::{Exemplar, FamilyMeta, Page, ScrapedSample};
use crate::vocab::labels::{Label, Labels, METRIC_NAME};
use rustc_hash::{FxHashMap, FxHashSet};
use std::borrow::Cow;
use std::sync::Arc;

/// Parses a whole page into an owned [`Page`]: samples in page order with
/// their labels (including `__name__`; empty values dropped), the families'
/// TYPE/HELP/UNIT, the count of invalid lines and the first of them as
/// `line N: reason`, and `bytes = body.len()`.
///
/// The format is chosen from `content_type` by [`format_from_content_type`].
/// A scraper that parses the same target again and again should keep a
/// [`PageParser`] instead, so that label text is shared between scrapes.
pub fn parse_page(body: &[u8], content_type: Option<&str>) -> Page {
    PageParser::new().parse(body, content_type)
}

/// A reusable page parser that interns label names and values: every
/// occurrence of one string on a page, and across the pages it parses, is
/// the same `Arc<str>`. A steady-state scrape then allocates no label text,
/// only the per-sample label vectors and the families' metadata strings
/// (about 1.8 allocations per sample on node_exporter's page; see
/// `benches/expo_alloc.rs`).
///
/// The intern table is bounded: when it holds more than
/// [`PageParser::MAX_INTERNED`] strings it is cleared before the next page.
#[derive(Debug, Default)]
pub struct PageParser {
    strings: FxHashSet<Arc<str>>,
}

impl PageParser {
    /// Strings kept between pages at most.
    pub const MAX_INTERNED: usize = 200_000;

    pub fn new() -> Self {
        Self::default()
    }

    /// Parses one page; see [`parse_page`].
    pub fn parse(&mut self, body: &[u8], content_type: Option<&str>) -> Page {
        if self.strings.len() > Self::MAX_INTERNED {
            self.strings.clear();
        }
        let name_label = self.intern(METRIC_NAME);
        let mut b = Builder {
            strings: &mut self.strings,
            name_label,
            samples: Vec::with_capacity(body.len() / 64),
            families: Vec::new(),
            family_index: FxHashMap::default(),
        };
        let summary = parse(body, format_from_content_type(content_type), &mut b);
        Page {
            samples: b.samples,
            families: b.families,
            invalid_lines: summary.invalid_lines,
            first_error: summary.first_error.as_ref().map(ParseError::to_string),
            bytes: body.len() as u64,
            body: None,
        }
    }

    fn intern(&mut self, s: &str) -> Arc<str> {
        intern(&mut self.strings, s)
    }
}

#[inline]
fn intern(set: &mut FxHashSet<Arc<str>>, s: &str) -> Arc<str> {
    if let Some(a) = set.get(s) {
        return a.clone();
    }
    let a: Arc<str> = Arc::from(s);
    set.insert(a.clone());
    a
}

struct Builder<'t, 'a> {
    strings: &'t mut FxHashSet<Arc<str>>,
    name_label: Arc<str>,
    samples: Vec<ScrapedSample>,
    families: Vec<FamilyMeta>,
    /// Keyed by the name as the parser saw it (borrowed from the body).
    family_index: FxHashMap<Cow<'a, str>, usize>,
}

impl Builder<'_, '_> {
    /// The owned label set: one vector per sample, sorted in place (the
    /// parser already rejected duplicate names and `__name__`).
    fn labels(&mut self, name: Option<&str>, labels: &[LabelRef<'_>]) -> Labels {
        let mut pairs: Vec<Label> = Vec::with_capacity(labels.len() + 1);
        if let Some(n) = name {
            pairs.push((self.name_label.clone(), intern(self.strings, n)));
        }
        for l in labels {
            if l.value.is_empty() {
                continue;
            }
            pairs.push((
                intern(self.strings, &l.name),
                intern(self.strings, &l.value),
            ));
        }
        if !pairs.windows(2).all(|w| w[0].0 < w[1].0) {
            pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        }
        Labels::from_sorted(pairs)
    }
}

impl<'a> Visitor<'a> for Builder<'_, 'a> {
    fn sample(&mut self, s: &SampleRef<'a, '_>) {
        let labels = self.labels(Some(s.name), s.labels);
        let exemplar = s.exemplar.map(|e| Exemplar {
            labels: self.labels(None, e.labels),
            value: e.value,
            timestamp_ms: e.timestamp_ms,
        });
        self.samples.push(ScrapedSample {
            labels,
            value: s.value,
            timestamp_ms: s.timestamp_ms,
            exemplar,
        });
    }

    fn metadata(&mut self, f: &FamilyRef<'a>) {
        if let Some(&i) = self.family_index.get(f.name.as_ref()) {
            // Update in place: a family gets one call per TYPE/HELP/UNIT line.
            let meta = &mut self.families[i];
            meta.kind = f.kind;
            update(&mut meta.help, f.help.as_deref());
            update(&mut meta.unit, f.unit.as_deref());
            return;
        }
        self.family_index
            .insert(f.name.clone(), self.families.len());
        self.families.push(FamilyMeta {
            name: f.name.to_string(),
            kind: f.kind,
            help: f.help.as_ref().map(|h| h.to_string()),
            unit: f.unit.as_ref().map(|u| u.to_string()),
        });
    }
}

/// Sets `slot` to `new` without allocating when it already holds it.
fn update(slot: &mut Option<String>, new: Option<&str>) {
    if slot.as_deref() != new {
        *slot = new.map(str::to_string);
    }
}

impl Page {
    /// The declared family of a sample's metric name (`foo_total`,
    /// `h_bucket`, … resolve to `foo`, `h` when those were declared).
    pub fn family_of(&self, metric_name: &str) -> Option<&FamilyMeta> {
        let fits = |f: &&FamilyMeta| {
            metric_name
                .strip_prefix(f.name.as_str())
                .is_some_and(|rest| f.kind.admits_suffix(rest))
        };
        self.families.iter().find(fits)
    }
}
