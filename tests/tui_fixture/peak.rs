//! The peak of the demo incident: 40 instances (the autoscaler pinned at
//! its `max_instances` of 40), per-instance panels with series of
//! instances that are gone (history, no current value), a table that has
//! to page.

use super::{alert, history, incident, judge, regroup, NOW_MS};
use vitals::frame::*;
use vitals::vocab::labels::Labels;

/// Instances up at the peak.
pub const PEAK_INSTANCES: usize = 40;

fn instance(i: usize) -> String {
    format!("127.0.0.1:{}", 43_200 + i)
}

fn per_instance(legend: &str, i: usize, value: Option<f64>, f: impl Fn(f64) -> f64) -> Series {
    let inst = instance(i);
    let mut points = history(f);
    if value.is_none() {
        // Gone a minute ago: its history stays in the window.
        points.truncate(points.len() - 30);
    }
    Series {
        labels: Labels::from_pairs([("instance", inst.as_str()), ("job", "demo")]),
        legend: if legend.is_empty() {
            inst.clone()
        } else {
            format!("{legend} {inst}")
        },
        value,
        points,
        ..Series::default()
    }
}

/// 40 instances up, 40 more that were drained (series without a value).
fn fleet(legend: &str, base: f64, spread: f64) -> Vec<Series> {
    (0..PEAK_INSTANCES * 2)
        .map(|i| {
            let k = i as f64 / PEAK_INSTANCES as f64;
            let now = base + spread * k.min(1.0);
            let up = i < PEAK_INSTANCES;
            per_instance(legend, i, up.then_some(now), move |x| {
                (base * 0.4 + (now - base * 0.4) * x).max(0.0)
            })
        })
        .collect()
}

/// The peak frame: the incident's panels over 40 instances.
pub fn peak() -> Frame {
    let mut f = incident();
    for p in &mut f.panels {
        match p.id.as_str() {
            "cpu" => {
                p.series = fleet("", 0.62, 0.37);
            }
            "saturation" => {
                p.series = fleet("que", 0.2, 0.14);
                p.warming_up = false;
            }
            "instances" => {
                let ramp = |x: f64| (12.0 + 60.0 * x).min(40.0).round();
                let mk = |legend: &str, f: &dyn Fn(f64) -> f64| {
                    let points = history(f);
                    Series {
                        legend: legend.into(),
                        value: points.last().map(|p| p.1),
                        points,
                        ..Series::default()
                    }
                };
                p.exprs.push("max(autoscaler_desired_instances)".into());
                p.series = vec![
                    mk("up", &ramp),
                    mk("targets", &ramp),
                    mk("current", &ramp),
                    mk("desired", &|x| (12.0 + 80.0 * x).round()),
                ];
                p.warn = None;
                // The limit was 30 until it was raised to 40 two minutes ago.
                p.limit = Some(40.0);
                p.limit_points = history(|x| if x < 0.6 { 30.0 } else { 40.0 });
                p.level = Level::Crit;
            }
            _ => {}
        }
    }
    f.targets = (0..PEAK_INSTANCES)
        .map(|i| TargetStatus {
            url: format!("http://{}/metrics", instance(i)),
            job: "demo".into(),
            instance: instance(i),
            up: true,
            scrape_duration_seconds: 0.004,
            samples: 312,
            last_scrape_ms: Some(NOW_MS - 500),
            ..TargetStatus::default()
        })
        .collect();
    f.instances = (0..PEAK_INSTANCES)
        .map(|i| {
            let k = i as f64;
            InstanceRow {
                instance: instance(i),
                job: "demo".into(),
                up: true,
                cpu: Some(if i == 7 { 0.99 } else { 0.62 + 0.002 * k }),
                p99: Some(0.2 + 0.001 * (k % 5.0)),
                // The fleet errs; two fresh instances serve no errors yet
                // (better than the fleet: not outliers to look at).
                error_ratio: Some(if i >= 38 { 0.0 } else { 0.031 + 0.0001 * k }),
                ..InstanceRow::default()
            }
        })
        .collect();
    let mut max = alert(
        "InstancesNearMax",
        AlertState::Firing,
        Severity::Critical,
        "instances",
        92.0,
    );
    max.labels = Labels::from_pairs([("severity", "critical")]);
    f.alerts.insert(0, max);
    judge(&mut f);
    regroup(&mut f);
    f
}
