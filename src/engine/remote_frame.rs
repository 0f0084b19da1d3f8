//! The frame over a server: its source, targets (from `/api/v1/targets`
//! or the `up` series), the instance table and the server's status.

use super::remote::RemoteState;
use super::Engine;
use crate::frame::{ServerStatus, TargetStatus};
use crate::promapi::{self, TargetHealth};
use std::collections::HashMap;

fn status_of(t: &TargetHealth) -> TargetStatus {
    TargetStatus {
        url: t.scrape_url.clone(),
        job: t.job.clone(),
        instance: t.instance.clone(),
        up: t.health == promapi::Health::Up,
        scrape_duration_seconds: t.last_scrape_duration.as_secs_f64(),
        samples: 0,
        invalid_lines: 0,
        error: (!t.last_error.is_empty()).then(|| t.last_error.clone()),
        last_scrape_ms: Some(0),
        insecure_skip_verify: false,
    }
}

impl RemoteState {
    /// The server's targets: from its targets endpoint, else from `up`.
    pub(super) fn target_statuses(&self) -> Vec<TargetStatus> {
        match &self.targets {
            Some(t) => {
                // The server lists its targets in no fixed order: sorted, the
                // table's rows stay put between listings (and so does the
                // window of rows in sight, which would otherwise change the
                // plan and trigger an extra refresh every listing).
                let mut t: Vec<TargetStatus> = t.iter().map(status_of).collect();
                t.sort_by(|a, b| (&a.job, &a.instance, &a.url).cmp(&(&b.job, &b.instance, &b.url)));
                t
            }
            None => self.up_targets(),
        }
    }

    /// The status line's word on the server.
    pub(super) fn status(&self, time_ms: i64) -> ServerStatus {
        ServerStatus {
            url: self.url.clone(),
            version: self.version.clone(),
            error: self.error.clone(),
            data_ms: self.data_ms,
            warnings: self.warnings.clone(),
            chart_step: Some(self.chart_step(time_ms)),
        }
    }

    /// Targets from the `up` series, for servers without a targets endpoint.
    fn up_targets(&self) -> Vec<TargetStatus> {
        let Some((_, up)) = self.instant.get("up").and_then(|s| s.good.as_ref()) else {
            return Vec::new();
        };
        let mut out: Vec<TargetStatus> = up
            .iter()
            .map(|(l, v)| TargetStatus {
                url: l.get("instance").unwrap_or_default().to_string(),
                job: l.get("job").unwrap_or_default().to_string(),
                instance: l.get("instance").unwrap_or_default().to_string(),
                up: *v == 1.0,
                last_scrape_ms: Some(0),
                ..Default::default()
            })
            .collect();
        out.sort_by(|a, b| (&a.job, &a.instance).cmp(&(&b.job, &b.instance)));
        out
    }
}

impl Engine {
    /// The instance table's CPU, p99 and error columns over a server: its
    /// answers to the table's queries, by instance.
    pub(super) fn server_columns(&self, r: &RemoteState) -> [HashMap<String, f64>; 3] {
        // The answer to `text` unless it is older than `not_before`.
        let answer = |text: &str, not_before: i64, out: &mut HashMap<String, f64>| -> i64 {
            match r.instant.get(text).and_then(|s| s.good.as_ref()) {
                Some((at, v)) if *at >= not_before => {
                    for (l, x) in v.iter() {
                        if let Some(i) = l.get("instance") {
                            out.insert(i.to_string(), *x);
                        }
                    }
                    *at
                }
                _ => not_before,
            }
        };
        // The busiest first, then the rows on screen asked for by name
        // (when that answer is as recent: it is not asked while the
        // busiest-first answer holds every instance).
        let by_instance = |e: &Option<(String, usize)>| -> HashMap<String, f64> {
            let mut out = HashMap::new();
            if let Some((e, _)) = e {
                let at = answer(e, i64::MIN, &mut out);
                if let Some(w) = r.window_text(e) {
                    answer(&w, at, &mut out);
                }
            }
            out
        };
        self.table_queries().map(|q| by_instance(&q))
    }
}
