//! The frame over a server: its source, targets (from `/api/v1/targets`
//! or the `up` series), the instance table and the server's status.

use super::remote::RemoteState;
use super::Engine;
use crate::frame::{Frame, InstanceRow, ServerStatus, SourceKind, TargetStatus};
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

impl Engine {
    /// Over a server: the source, its targets, the instance table and the
    /// server's status go into the frame.
    pub(super) fn finish_remote(&mut self, frame: &mut Frame) {
        self.update_plan();
        let Some(r) = &self.remote else { return };
        frame.source = SourceKind::Prometheus;
        frame.targets = match &r.targets {
            Some(t) => {
                // The server lists its targets in no fixed order: sorted, the
                // table's rows stay put between listings (and so does the
                // window of rows in sight, which would otherwise change the
                // plan and trigger an extra refresh every listing).
                let mut t: Vec<TargetStatus> = t.iter().map(status_of).collect();
                t.sort_by(|a, b| (&a.job, &a.instance, &a.url).cmp(&(&b.job, &b.instance, &b.url)));
                t
            }
            None => self.up_targets(r),
        };
        frame.instances = self.remote_rows(r, &frame.targets);
        frame.server = Some(ServerStatus {
            url: r.url.clone(),
            version: r.version.clone(),
            error: r.error.clone(),
            data_ms: r.data_ms,
            warnings: r.warnings.clone(),
            chart_step: Some(r.chart_step(frame.time_ms)),
        });
    }

    /// Targets from the `up` series, for servers without a targets endpoint.
    fn up_targets(&self, r: &RemoteState) -> Vec<TargetStatus> {
        let Some((_, up)) = r.instant.get("up").and_then(|s| s.good.as_ref()) else {
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

    fn remote_rows(&self, r: &RemoteState, targets: &[TargetStatus]) -> Vec<InstanceRow> {
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
        let t = &self.detected.table;
        let [cpu, p99, err] = self.table_queries().map(|q| by_instance(&q));
        let th = super::panels::table_thresholds(&self.panels);
        targets
            .iter()
            .map(|s| {
                let mut row = InstanceRow {
                    instance: s.instance.clone(),
                    job: s.job.clone(),
                    up: s.up,
                    cpu: cpu.get(&s.instance).copied(),
                    cpu_is_cores: t.cpu_is_cores,
                    p99: p99.get(&s.instance).copied(),
                    error_ratio: err.get(&s.instance).copied(),
                    last_error: s.error.clone(),
                    awaiting_first_scrape: false,
                    ..InstanceRow::default()
                };
                super::panels::judge_row(&mut row, &th);
                row
            })
            .collect()
    }
}
