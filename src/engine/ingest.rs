//! Applying scrape results: target labels, synthetic series, catalog.

use super::{Backend, Engine, TargetState, SYNTHETIC};
use crate::detect::{Catalog, MetricInfo};
use crate::frame::TargetStatus;
pub(super) use crate::scrape::expo::kind_of;
use crate::scrape::expo::{
    format_from_content_type, parse, MetricType, SampleRef, Summary, Visitor,
};
use crate::scrape::{Page, ScrapeError, ScrapeResult, Target};
use crate::store::ScrapeWriter;
use crate::vocab::labels::{Label, Labels, METRIC_NAME};
use rustc_hash::FxHashSet;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The labels of a synthetic per-target series (`up`, ...).
pub(crate) fn target_labels(t: &Target, name: &str) -> Labels {
    let mut l = t.target_labels();
    l.set("__name__", name);
    l
}

/// The state of target `t` in `targets`, created on its first result.
/// None over a server, which sends no scrape results.
pub(super) fn target_entry<'m>(
    backend: &'m mut Backend,
    t: &Arc<Target>,
) -> Option<&'m mut TargetState> {
    let targets = backend.scraped_mut()?;
    if !targets.contains_key(&t.url) {
        targets.insert(
            t.url.clone(),
            TargetState {
                target: t.clone(),
                status: TargetStatus {
                    url: t.url.clone(),
                    job: t.job.clone(),
                    instance: t.instance.clone(),
                    ..Default::default()
                },
                seen_up: false,
            },
        );
    }
    targets.get_mut(&t.url)
}

impl Engine {
    /// Applies one scrape result. A page still in its body (what the
    /// scrape tasks send) goes to [`Engine::apply_body`].
    pub fn apply(&mut self, r: ScrapeResult) {
        if let Ok(Page {
            body: Some(body), ..
        }) = &r.outcome
        {
            let ct = body.content_type.as_deref();
            self.apply_body(&r.target, r.time_ms, r.duration, &body.bytes, ct);
            return;
        }
        let url = r.target.url.clone();
        let t_ms = r.time_ms;
        let secs = r.duration.as_secs_f64();
        let Some(entry) = target_entry(&mut self.backend, &r.target) else {
            return;
        };
        let target: Arc<Target> = entry.target.clone();
        entry.status.scrape_duration_seconds = secs;
        // Follows the target's settings across reloads.
        entry.status.insecure_skip_verify = r
            .target
            .auth
            .as_ref()
            .is_some_and(|a| a.insecure_skip_verify());
        entry.status.last_scrape_ms = Some(t_ms + r.duration.as_millis() as i64);
        let outcome = r.outcome.and_then(|page| {
            let broken = target
                .limits
                .check_samples(page.samples.len() as u64)
                .or_else(|| {
                    page.samples
                        .iter()
                        .find_map(|s| target.limits.check_labels(&target.attach_labels(&s.labels)))
                });
            match broken {
                Some(e) => Err(ScrapeError::Limit(e)),
                None => Ok(page),
            }
        });
        let r = ScrapeResult { outcome, ..r };
        let synthetic = r.synthetic_samples();
        match r.outcome {
            Ok(page) => {
                entry.status.up = true;
                entry.status.samples = page.samples.len() as u64;
                entry.status.invalid_lines = page.invalid_lines;
                entry.status.error = page.first_error.clone();
                entry.seen_up = true;
                self.update_catalog(&page);
                let samples = page
                    .samples
                    .into_iter()
                    .map(|s| (target.attach_labels(&s.labels), s.value));
                let stats = self.store.ingest_scrape(&url, t_ms, samples);
                if stats.refused_series > 0 {
                    let error = budget_error(&self.store, stats.refused_series);
                    if let Some(e) = target_entry(&mut self.backend, &target) {
                        e.status.error = Some(error);
                    }
                }
                self.started_ms.get_or_insert(t_ms);
            }
            Err(e) => {
                entry.status.up = false;
                entry.status.samples = 0;
                entry.status.invalid_lines = 0;
                entry.status.error = Some(e.to_string());
                self.store.mark_target_down(&url, t_ms);
            }
        }
        for s in synthetic {
            self.store.append(&s.labels, t_ms, s.value);
        }
        self.note_synthetic();
    }

    /// Puts the synthetic series in the catalog once.
    pub(super) fn note_synthetic(&mut self) {
        if !self.catalog.contains_key("up") {
            for name in SYNTHETIC {
                self.catalog.insert(
                    name.to_string(),
                    MetricInfo {
                        kind: MetricType::Gauge,
                        labels: ["instance".to_string(), "job".to_string()].into(),
                    },
                );
            }
            self.catalog_changed = true;
        }
    }

    /// Records sample names, types and label names; flags re-detection when
    /// something new appears.
    fn update_catalog(&mut self, page: &Page) {
        let types: HashMap<&str, MetricType> = page
            .families
            .iter()
            .map(|f| (f.name.as_str(), f.kind))
            .collect();
        for s in &page.samples {
            let Some(name) = s.labels.name() else {
                continue;
            };
            let info = match self.catalog.get_mut(name) {
                Some(i) => i,
                None => {
                    self.catalog_changed = true;
                    self.catalog.entry(name.to_string()).or_insert(MetricInfo {
                        kind: kind_of(&types, name),
                        labels: Default::default(),
                    })
                }
            };
            for (l, _) in s.labels.iter() {
                if l != "__name__" && !info.labels.contains(l) {
                    info.labels.insert(l.to_string());
                    self.catalog_changed = true;
                }
            }
        }
    }
}

/// Series-text keys of the synthetic series in a target's cache: they
/// start with a newline, which no page line holds.
const SYNTHETIC_KEYS: [&[u8]; 3] = [
    b"\nup",
    b"\nscrape_duration_seconds",
    b"\nscrape_samples_scraped",
];

impl Engine {
    /// Applies one scrape straight from its HTTP body: what [`Engine::apply`]
    /// does with the [`Page`] parsed from `body`, without building that
    /// page. The parser streams each sample into the store; a series whose
    /// text (`name{labels}` as written) this target exposed before is found
    /// by one lookup of those bytes, so a steady-state scrape builds no
    /// label set and allocates next to nothing. `time_ms` is the scrape's
    /// start (every sample's timestamp), `duration` the fetch's length.
    /// A page without a valid sample counts as a failed scrape, as in
    /// [`crate::scrape::scrape_once`].
    pub fn apply_body(
        &mut self,
        target: &Arc<Target>,
        time_ms: i64,
        duration: Duration,
        body: &[u8],
        content_type: Option<&str>,
    ) -> Summary {
        let Some(entry) = target_entry(&mut self.backend, target) else {
            return Summary::default();
        };
        // Follows the target's settings across reloads, as in `apply`.
        entry.status.insecure_skip_verify = target
            .auth
            .as_ref()
            .is_some_and(|a| a.insecure_skip_verify());
        let target = entry.target.clone();
        entry.status.scrape_duration_seconds = duration.as_secs_f64();
        entry.status.last_scrape_ms = Some(time_ms + duration.as_millis() as i64);
        let scope = target.target_labels();
        let mut writer = self.store.begin_scrape(&target.url, &scope, time_ms);
        let mut sink = Sink::new(&mut writer, &target);
        let summary = parse(body, format_from_content_type(content_type), &mut sink);
        let broken = sink
            .broken
            .take()
            .or_else(|| target.limits.check_samples(summary.samples));
        let notes = std::mem::take(&mut sink.notes);
        let Some(entry) = target_entry(&mut self.backend, &target) else {
            return summary;
        };
        let error = summary.first_error.as_ref().map(ToString::to_string);
        if summary.samples == 0 || broken.is_some() {
            let error = match broken {
                Some(limit) => {
                    writer.rollback();
                    ScrapeError::Limit(limit)
                }
                None => {
                    writer.abandon();
                    ScrapeError::NoSamples(error)
                }
            };
            entry.status.up = false;
            entry.status.samples = 0;
            entry.status.invalid_lines = 0;
            entry.status.error = Some(error.to_string());
            self.store.mark_target_down(&target.url, time_ms);
            for (name, value) in SYNTHETIC.iter().zip([0.0, duration.as_secs_f64(), 0.0]) {
                self.store
                    .append(&target_labels(&target, name), time_ms, value);
            }
        } else {
            entry.status.up = true;
            entry.status.samples = summary.samples;
            entry.status.invalid_lines = summary.invalid_lines;
            entry.status.error = error;
            entry.seen_up = true;
            let values = [1.0, duration.as_secs_f64(), summary.samples as f64];
            for ((name, key), value) in SYNTHETIC.iter().zip(SYNTHETIC_KEYS).zip(values) {
                writer.append_extra(key, || target_labels(&target, name), value);
            }
            let stats = writer.finish();
            for (kind, exposed) in &notes {
                self.catalog_changed |= note(&mut self.catalog, *kind, exposed);
            }
            if stats.refused_series > 0 {
                if let Some(entry) = target_entry(&mut self.backend, &target) {
                    entry.status.error = Some(budget_error(&self.store, stats.refused_series));
                }
            }
            self.started_ms.get_or_insert(time_ms);
        }
        self.note_synthetic();
        summary
    }
}

/// Feeds a target's samples from the parser into the store.
pub(super) struct Sink<'w, 's> {
    writer: &'w mut ScrapeWriter<'s>,
    target: &'w Target,
    /// The family type and exposed labels of each new series stored, for
    /// the catalog once the page is known to be good.
    notes: Vec<(MetricType, Labels)>,
    /// Label text of this page's new series (empty, and never allocated,
    /// in a steady-state scrape).
    strings: FxHashSet<Arc<str>>,
    /// Samples seen so far.
    samples: u64,
    /// The limit the page broke: from then on nothing more is stored.
    broken: Option<String>,
}

/// The target error of a scrape whose new series the budget refused.
pub(super) fn budget_error(store: &crate::store::Store, refused: usize) -> String {
    format!(
        "series limit reached: {refused} new series refused (max_series {}; {} series held)",
        store.max_series(),
        store.series_count()
    )
}

impl<'a> Visitor<'a> for Sink<'_, '_> {
    #[inline]
    fn sample(&mut self, s: &SampleRef<'a, '_>) {
        self.samples += 1;
        if self.broken.is_some() {
            return;
        }
        if let Some(e) = self.target.limits.check_samples(self.samples) {
            self.broken = Some(e);
            return;
        }
        if self.writer.append_cached(s.series, s.value) {
            return;
        }
        // A series text new to this target: build its label set once.
        let mut pairs: Vec<Label> = Vec::with_capacity(s.labels.len() + 1);
        pairs.push((self.intern(METRIC_NAME), self.intern(s.name)));
        for l in s.labels {
            pairs.push((self.intern(&l.name), self.intern(&l.value)));
        }
        let exposed = Labels::from_shared(pairs);
        let labels = self.target.attach_labels(&exposed);
        if let Some(e) = self.target.limits.check_labels(&labels) {
            self.broken = Some(e);
            return;
        }
        if self.writer.append_new(s.series, &labels, s.value) {
            self.notes.push((s.kind(), exposed));
        }
    }
}

impl<'w, 's> Sink<'w, 's> {
    pub(super) fn new(writer: &'w mut ScrapeWriter<'s>, target: &'w Target) -> Self {
        Sink {
            writer,
            target,
            notes: Vec::new(),
            strings: FxHashSet::default(),
            samples: 0,
            broken: None,
        }
    }

    /// Appends `v` to the series known to the target by `key`; on a miss,
    /// `define` gives its family type and exposed labels, and the series
    /// is noted for the catalog even when the store's budget refuses it
    /// (as [`Engine::apply`] notes every sample of a good page). Label
    /// limits are the caller's to check first.
    pub(super) fn append_keyed(
        &mut self,
        key: &[u8],
        v: f64,
        define: impl FnOnce() -> (MetricType, Labels),
    ) {
        self.samples += 1;
        if self.writer.append_cached(key, v) {
            return;
        }
        let (kind, exposed) = define();
        let labels = self.target.attach_labels(&exposed);
        self.writer.append_new(key, &labels, v);
        self.notes.push((kind, exposed));
    }

    /// The family type and exposed labels of the series new to the target.
    pub(super) fn take_notes(&mut self) -> Vec<(MetricType, Labels)> {
        std::mem::take(&mut self.notes)
    }

    /// One shared string per distinct text among the page's new series.
    fn intern(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.strings.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.strings.insert(a.clone());
        a
    }
}

/// Records a series' name, type and label names in the catalog, as
/// `update_catalog` does for a page; true when something was new.
pub(super) fn note(catalog: &mut Catalog, kind: MetricType, exposed: &Labels) -> bool {
    let Some(name) = exposed.name() else {
        return false;
    };
    let mut changed = false;
    let info = match catalog.get_mut(name) {
        Some(i) => i,
        None => {
            changed = true;
            catalog.entry(name.to_string()).or_insert(MetricInfo {
                kind,
                labels: Default::default(),
            })
        }
    };
    for (l, _) in exposed.iter() {
        if l != METRIC_NAME && !info.labels.contains(l) {
            info.labels.insert(l.to_string());
            changed = true;
        }
    }
    changed
}

#[cfg(test)]
#[path = "ingest_tests.rs"]
mod tests;
