//! Hand-made frames for the screen tests and the render benchmark: the demo
//! fleet in the middle of its incident, at a fixed instant (no clock).
#![allow(dead_code)]

use std::time::Duration;
use vitals::frame::*;

mod peak;
#[allow(unused_imports)]
pub use peak::{peak, PEAK_INSTANCES};
use vitals::vocab::labels::Labels;

/// 2026-11-22T12:00:03Z.
pub const NOW_MS: i64 = 1_795_867_203_000;
const STEP_MS: i64 = 2000;
const POINTS: i64 = 150; // five minutes at 2 s

fn history(f: impl Fn(f64) -> f64) -> Vec<(i64, f64)> {
    (0..POINTS)
        .map(|i| {
            let t = NOW_MS - (POINTS - 1 - i) * STEP_MS;
            (t, f(i as f64 / (POINTS - 1) as f64))
        })
        .collect()
}

fn series(legend: &str, labels: &[(&str, &str)], f: impl Fn(f64) -> f64) -> Series {
    let points = history(f);
    Series {
        labels: Labels::from_pairs(labels.iter().copied()),
        legend: legend.to_string(),
        value: points.last().map(|p| p.1),
        points,
        ..Series::default()
    }
}

/// What the engine records with the values: each series judged against
/// its panel's warn/crit, each table cell against the cpu, latency and
/// errors panels'.
pub fn judge(f: &mut Frame) {
    for p in &mut f.panels {
        judge_panel(p);
    }
    let panels = f.panels.clone();
    judge_rows(&mut f.instances, &panels);
}

fn thresholds(p: &Panel) -> Thresholds {
    Thresholds {
        warn: p.warn,
        crit: p.crit,
        below: false,
    }
}

fn judge_panel(p: &mut Panel) {
    let th = thresholds(p);
    for s in &mut p.series {
        s.thresholds = th;
        s.level = s.value.map_or(Level::Unknown, |v| th.judge(v));
    }
}

fn judge_rows(rows: &mut [InstanceRow], panels: &[Panel]) {
    let th = |id: &str| {
        panels
            .iter()
            .find(|p| p.id == id)
            .map(thresholds)
            .unwrap_or_default()
    };
    let judge = |v: Option<f64>, th: Thresholds| v.map_or(Level::Unknown, |v| th.judge(v));
    let (cpu, p99, err) = (th("cpu"), th("latency"), th("errors"));
    for r in rows {
        r.cpu_level = judge(r.cpu, cpu);
        r.p99_level = judge(r.p99, p99);
        r.error_level = judge(r.error_ratio, err);
    }
}

fn wave(x: f64, k: f64) -> f64 {
    (x * k).sin() * 0.5 + 0.5
}

const INSTANCES: [&str; 6] = [
    "127.0.0.1:41001",
    "127.0.0.1:41002",
    "127.0.0.1:41003",
    "127.0.0.1:41004",
    "127.0.0.1:41005",
    "127.0.0.1:41006",
];

pub fn panels() -> Vec<Panel> {
    let w = "10s";
    let latency = Panel {
        id: "latency".into(),
        title: "Latency".into(),
        exprs: ["0.5", "0.95", "0.99"]
            .iter()
            .map(|q| format!("histogram_quantile({q}, sum by (le) (rate(demo_request_duration_seconds_bucket[{w}])))"))
            .collect(),
        unit: Unit::Seconds,
        series: vec![
            series("p50", &[("quantile", "0.5")], |x| 0.02 + 0.03 * x),
            series("p95", &[("quantile", "0.95")], |x| 0.05 + 0.13 * x * x),
            series("p99", &[("quantile", "0.99")], |x| 0.08 + 0.151 * x * x + 0.01 * (1.0 - x) * wave(x, 40.0)),
        ],
        warn: Some(0.15),
        crit: Some(0.2),
        level: Level::Crit,
        ..Panel::default()
    };
    let traffic = Panel {
        id: "traffic".into(),
        title: "Traffic".into(),
        exprs: vec![format!("sum(rate(demo_requests_total[{w}]))")],
        unit: Unit::PerSecond,
        series: vec![series("req/s", &[], |x| {
            300.0 + 900.0 * x + 60.0 * wave(x, 25.0)
        })],
        ..Panel::default()
    };
    let errors = Panel {
        id: "errors".into(),
        title: "Errors".into(),
        exprs: vec![format!("(sum(rate(demo_requests_total{{code=~\"5..\"}}[{w}])) or vector(0)) / sum(rate(demo_requests_total[{w}]))")],
        unit: Unit::Ratio,
        series: vec![series("error ratio", &[], |x| 0.001 + 0.03 * x.powi(3))],
        warn: Some(0.01),
        crit: Some(0.05),
        level: Level::Warn,
        ..Panel::default()
    };
    let cpu = Panel {
        id: "cpu".into(),
        title: "CPU".into(),
        exprs: vec![format!(
            "rate(process_cpu_seconds_total[{w}]) / on (instance) process_cpu_cores"
        )],
        unit: Unit::Ratio,
        series: INSTANCES[..5]
            .iter()
            .enumerate()
            .map(|(i, inst)| {
                let k = i as f64;
                series(inst, &[("instance", inst), ("job", "demo")], move |x| {
                    (0.3 + 0.5 * x + 0.02 * k + 0.03 * wave(x, 10.0 + k)).min(0.823 + 0.0 * k)
                })
            })
            .collect(),
        warn: Some(0.7),
        crit: Some(0.8),
        level: Level::Crit,
        ..Panel::default()
    };
    let instances = Panel {
        id: "instances".into(),
        title: "Instances".into(),
        exprs: vec![
            "count(up == 1)".into(),
            "count(up)".into(),
            "demo_autoscaler_instances".into(),
        ],
        unit: Unit::Count,
        series: vec![
            series("up", &[], |x| {
                (3.0 + 3.0 * x).round() - if x > 0.98 { 1.0 } else { 0.0 }
            }),
            series("targets", &[], |x| (3.0 + 3.0 * x).round()),
        ],
        limit: Some(12.0),
        warn: Some(10.8),
        level: Level::Ok,
        ..Panel::default()
    };
    let saturation = Panel {
        id: "saturation".into(),
        title: "Saturation".into(),
        exprs: vec![
            "demo_queue_depth / demo_queue_capacity".into(),
            "process_resident_memory_bytes / demo_memory_limit_bytes".into(),
        ],
        unit: Unit::Ratio,
        warming_up: true,
        series: vec![
            series("queue", &[], |x| 0.1 + 0.52 * x),
            series("memory", &[], |x| 0.35 + 0.06 * x),
        ],
        warn: Some(0.8),
        crit: Some(0.95),
        level: Level::Ok,
        ..Panel::default()
    };
    let mut panels = vec![latency, traffic, errors, cpu, instances, saturation];
    for p in &mut panels {
        judge_panel(p);
    }
    panels
}

pub fn targets() -> Vec<TargetStatus> {
    INSTANCES
        .iter()
        .enumerate()
        .map(|(i, inst)| {
            let up = i != 5;
            TargetStatus {
                url: format!("http://{inst}/metrics"),
                job: "demo".into(),
                instance: inst.to_string(),
                up,
                scrape_duration_seconds: 0.004,
                samples: 312,
                invalid_lines: 0,
                error: (!up).then(|| "connection refused".to_string()),
                last_scrape_ms: Some(NOW_MS - 500),
                insecure_skip_verify: false,
            }
        })
        .collect()
}

pub fn instance_rows() -> Vec<InstanceRow> {
    let mut rows: Vec<InstanceRow> = INSTANCES
        .iter()
        .enumerate()
        .map(|(i, inst)| {
            let up = i != 5;
            let k = i as f64;
            InstanceRow {
                instance: inst.to_string(),
                job: "demo".into(),
                up,
                cpu: up.then_some(0.823 - 0.06 * k),
                cpu_is_cores: false,
                p99: up.then_some(0.231 - 0.02 * k),
                error_ratio: up.then_some(0.031 - 0.004 * k),
                last_error: (!up).then(|| {
                    "Get \"http://127.0.0.1:41006/metrics\": connection refused".to_string()
                }),
                awaiting_first_scrape: false,
                ..InstanceRow::default()
            }
        })
        .collect();
    judge_rows(&mut rows, &panels());
    rows
}

pub fn alert(name: &str, state: AlertState, severity: Severity, panel: &str, value: f64) -> Alert {
    Alert {
        name: name.into(),
        state,
        severity,
        value: Some(value),
        panel: Some(panel.into()),
        active_since_ms: Some(NOW_MS - 160_000),
        fired_at_ms: (state == AlertState::Firing).then_some(NOW_MS - 130_000),
        summary: format!("{name} is {value}"),
        ..Alert::default()
    }
}

/// Groups the frame's alerts as the engine does (by `alertname`, a firing
/// critical inhibiting its warning): call after changing `alerts`.
pub fn regroup(f: &mut Frame) {
    let g = vitals::alerts::group::Grouping::default();
    vitals::alerts::group::inhibit(&mut f.alerts, &g.inhibit);
    f.alert_groups = vitals::alerts::group::groups(&f.alerts, &g.group_by);
}

/// The incident: latency and CPU critical, errors warning, one target down.
pub fn incident() -> Frame {
    let mut cpu_alert = alert(
        "CpuBusy",
        AlertState::Firing,
        Severity::Warning,
        "cpu",
        0.823,
    );
    cpu_alert.labels = Labels::from_pairs([("instance", "127.0.0.1:41001")]);
    let mut pending = alert(
        "ErrorRatioHigh",
        AlertState::Pending,
        Severity::Warning,
        "errors",
        0.031,
    );
    pending.pending_remaining = Some(Duration::from_secs(20));
    let mut f = Frame {
        seq: 151,
        time_ms: NOW_MS,
        source: SourceKind::Scrape,
        interval: Duration::from_secs(2),
        targets: targets(),
        panels: panels(),
        alerts: vec![
            alert(
                "LatencyP99High",
                AlertState::Firing,
                Severity::Critical,
                "latency",
                0.231,
            ),
            cpu_alert,
            pending,
        ],
        instances: instance_rows(),
        log_path: Some("/home/oncall/.local/state/vitals/vitals.log".into()),
        alert_log_path: Some("/home/oncall/.local/state/vitals/alerts.jsonl".into()),
        notice: None,
        ..Frame::default()
    };
    regroup(&mut f);
    f
}

/// The same fleet before the incident: nothing firing, one alert pending.
pub fn calm() -> Frame {
    let mut f = incident();
    f.alerts.retain(|a| a.state == AlertState::Pending);
    regroup(&mut f);
    for t in &mut f.targets {
        t.up = true;
        t.error = None;
    }
    for r in &mut f.instances {
        r.up = true;
        r.last_error = None;
        r.cpu = Some(0.31);
        r.p99 = Some(0.042);
        r.error_ratio = Some(0.0012);
    }
    for p in &mut f.panels {
        for s in &mut p.series {
            for pt in &mut s.points {
                pt.1 *= 0.3;
            }
            s.value = s.points.last().map(|p| p.1);
        }
        p.level = Level::Ok;
    }
    judge(&mut f);
    f
}

/// A frame with only `panel` (no instances, no alerts).
pub fn only(panel: Panel) -> Frame {
    Frame {
        panels: vec![panel],
        instances: Vec::new(),
        alerts: Vec::new(),
        ..incident()
    }
}
