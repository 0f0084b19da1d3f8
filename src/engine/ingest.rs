//! Applying scrape results: target labels, synthetic series, catalog.

use super::{Engine, TargetState, SYNTHETIC};
use crate::detect::MetricInfo;
use crate::frame::TargetStatus;
use crate::labels::Labels;
use crate::scrape::expo::MetricType;
use crate::scrape::{Page, ScrapeResult, Target};
use std::collections::HashMap;
use std::sync::Arc;

/// The labels of a synthetic per-target series (`up`, ...).
pub(crate) fn target_labels(t: &Target, name: &str) -> Labels {
    let mut l = t.target_labels();
    l.set("__name__", name);
    l
}

/// The family type of a sample name, from the page's TYPE lines.
pub(super) fn kind_of(types: &HashMap<&str, MetricType>, name: &str) -> MetricType {
    if let Some(k) = types.get(name) {
        return *k;
    }
    for suffix in [
        "_bucket", "_sum", "_count", "_total", "_created", "_info", "_gcount", "_gsum",
    ] {
        if let Some(base) = name.strip_suffix(suffix) {
            if let Some(k) = types.get(base) {
                return *k;
            }
        }
    }
    MetricType::Untyped
}

impl Engine {
    /// Applies one scrape result.
    pub fn apply(&mut self, r: ScrapeResult) {
        let url = r.target.url.clone();
        let t_ms = r.time_ms;
        let secs = r.duration.as_secs_f64();
        let entry = self
            .targets
            .entry(url.clone())
            .or_insert_with(|| TargetState {
                target: r.target.clone(),
                status: TargetStatus {
                    url: url.clone(),
                    job: r.target.job.clone(),
                    instance: r.target.instance.clone(),
                    ..Default::default()
                },
                seen_up: false,
            });
        let target: Arc<Target> = entry.target.clone();
        entry.status.scrape_duration_seconds = secs;
        // Follows the target's settings across reloads.
        entry.status.insecure_skip_verify = r
            .target
            .auth
            .as_ref()
            .is_some_and(|a| a.insecure_skip_verify());
        entry.status.last_scrape_ms = Some(t_ms + r.duration.as_millis() as i64);
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
                self.store.ingest_scrape(&url, t_ms, samples);
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
