//! Applying recorded scrapes without a label set per sample: what
//! [`Engine::apply`] does with the page a recording holds, through the
//! target's series cache as [`Engine::apply_body`] writes a live page.

use super::ingest::{budget_error, kind_of, note, target_entry, target_labels, Sink};
use super::{Engine, SYNTHETIC};
use crate::record::{LeanPage, LeanScrape};
use crate::scrape::{ScrapeError, Target};
use std::collections::HashMap;

/// The limit `page` breaks for `target`, as [`Engine::apply`] checks it:
/// the sample count, then each series' labels in page order.
fn broken(target: &Target, page: &LeanPage) -> Option<String> {
    let l = &target.limits;
    l.check_samples(page.samples.len() as u64).or_else(|| {
        if l.label_limit == 0 && l.label_name_length_limit == 0 && l.label_value_length_limit == 0 {
            return None;
        }
        page.samples
            .iter()
            .find_map(|(def, _)| l.check_labels(&target.attach_labels(&def.labels)))
    })
}

impl Engine {
    /// Applies one recorded scrape ([`crate::record::Events::lean`]),
    /// leaving the engine as [`Engine::apply`] leaves it with the same
    /// scrape read as a [`crate::scrape::ScrapeResult`]. Each sample finds
    /// its stored series by one lookup of its series key; a label set is
    /// built only for a series new to the target.
    pub fn apply_recorded(&mut self, r: LeanScrape) {
        let t_ms = r.time_ms;
        let url = r.target.url.clone();
        let Some(entry) = target_entry(&mut self.backend, &r.target) else {
            return;
        };
        let target = entry.target.clone();
        entry.status.scrape_duration_seconds = r.duration.as_secs_f64();
        entry.status.insecure_skip_verify = r
            .target
            .auth
            .as_ref()
            .is_some_and(|a| a.insecure_skip_verify());
        entry.status.last_scrape_ms = Some(t_ms + r.duration.as_millis() as i64);
        let outcome =
            r.outcome
                .map_err(ScrapeError::Other)
                .and_then(|page| match broken(&target, &page) {
                    Some(e) => Err(ScrapeError::Limit(e)),
                    None => Ok(page),
                });
        let (up, scraped) = match outcome {
            Ok(page) => {
                let n = page.samples.len() as u64;
                entry.status.up = true;
                entry.status.samples = n;
                entry.status.invalid_lines = page.invalid_lines;
                entry.status.error = page.first_error.clone();
                entry.seen_up = true;
                let scope = target.target_labels();
                let mut writer = self.store.begin_scrape(&url, &scope, t_ms);
                let mut sink = Sink::new(&mut writer, &target);
                let mut types: Option<HashMap<&str, _>> = None;
                for (def, v) in &page.samples {
                    sink.append_keyed(&def.key, *v, || {
                        let types = types.get_or_insert_with(|| {
                            page.families
                                .iter()
                                .map(|f| (f.name.as_str(), f.kind))
                                .collect()
                        });
                        let name = def.labels.name().unwrap_or_default();
                        (kind_of(types, name), def.labels.clone())
                    });
                }
                let notes = sink.take_notes();
                let stats = writer.finish();
                for (kind, exposed) in &notes {
                    self.catalog_changed |= note(&mut self.catalog, *kind, exposed);
                }
                if stats.refused_series > 0 {
                    let error = budget_error(&self.store, stats.refused_series);
                    if let Some(e) = target_entry(&mut self.backend, &target) {
                        e.status.error = Some(error);
                    }
                }
                self.started_ms.get_or_insert(t_ms);
                (1.0, n as f64)
            }
            Err(e) => {
                entry.status.up = false;
                entry.status.samples = 0;
                entry.status.invalid_lines = 0;
                entry.status.error = Some(e.to_string());
                self.store.mark_target_down(&url, t_ms);
                (0.0, 0.0)
            }
        };
        // Labelled by the scrape's own target, as `apply` labels them.
        let values = [up, r.duration.as_secs_f64(), scraped];
        for (name, value) in SYNTHETIC.iter().zip(values) {
            self.store
                .append(&target_labels(&r.target, name), t_ms, value);
        }
        self.note_synthetic();
    }
}

#[cfg(test)]
#[path = "ingest_recorded_tests.rs"]
mod tests;
