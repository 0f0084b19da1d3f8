//! A frame at an incident's peak for the report's tests: grouped and
//! inhibited alerts, a histogram quantile at its top bucket, panels with
//! a series per instance.

use crate::alerts::group::{groups, inhibit, InhibitRule};
use crate::frame::{
    Alert, AlertState, Frame, Panel, Series, Severity, TargetStatus, Thresholds, Unit,
};
use crate::vocab::labels::Labels;

pub const T0: i64 = 1_795_348_800_000;

fn series(labels: &[(&str, &str)], legend: &str, v: f64) -> Series {
    Series {
        labels: Labels::from_pairs(labels.iter().copied()),
        legend: legend.into(),
        value: Some(v),
        thresholds: Thresholds {
            warn: Some(0.8),
            crit: Some(0.9),
            below: false,
        },
        ..Series::default()
    }
}

fn inst(i: usize) -> String {
    format!("10.0.0.{i}:9100")
}

fn alert(name: &str, sev: Severity, state: AlertState, instance: Option<&str>, v: f64) -> Alert {
    let mut labels = Labels::from_pairs([("alertname", name), ("severity", sev.as_str())]);
    if let Some(i) = instance {
        labels.set("instance", i);
    }
    let panel = match name {
        "CpuHigh" => Some("cpu".to_string()),
        "LatencyP99High" => Some("latency".to_string()),
        _ => None,
    };
    Alert {
        name: name.into(),
        state,
        severity: sev,
        labels,
        value: Some(v),
        threshold: Some(0.9),
        active_since_ms: Some(T0 - 60_000),
        fired_at_ms: (state == AlertState::Firing).then_some(T0 - 30_000),
        summary: format!("{name} at {v}"),
        panel,
        ..Alert::default()
    }
}

/// The peak: CpuHigh firing critical on three instances (their warnings
/// inhibited) and warning on a fourth, LatencyP99High at the top bucket,
/// QueueNearFull pending on two instances; 8 instances, one down.
pub fn peak() -> Frame {
    use AlertState::{Firing, Pending};
    use Severity::{Critical, Warning};
    let cpu: Vec<Series> = (1..=8)
        .map(|i| {
            let v = 0.5 + i as f64 * 0.061_234_567;
            series(&[("instance", &inst(i))], &inst(i), v)
        })
        .collect();
    let mut saturation = Vec::new();
    for i in 1..=8 {
        let who = inst(i);
        let q = [("instance", who.as_str()), ("signal", "queue")];
        saturation.push(series(&q, &format!("queue {who}"), 0.1 * i as f64));
        let m = [("instance", who.as_str()), ("signal", "memory")];
        saturation.push(series(&m, &format!("mem {who}"), 0.5));
    }
    let panels = vec![
        Panel {
            id: "latency".into(),
            title: "Latency".into(),
            unit: Unit::Seconds,
            top_bucket: Some(5.0),
            series: vec![
                series(&[("quantile", "0.5")], "p50", 0.123_456_789),
                series(&[("quantile", "0.99")], "p99", 5.0),
            ],
            ..Panel::default()
        },
        Panel {
            id: "cpu".into(),
            title: "CPU".into(),
            unit: Unit::Ratio,
            series: cpu,
            ..Panel::default()
        },
        Panel {
            id: "saturation".into(),
            title: "Saturation".into(),
            unit: Unit::Ratio,
            series: saturation,
            ..Panel::default()
        },
    ];
    let mut alerts = Vec::new();
    for i in 6..=8 {
        let v = 0.5 + i as f64 * 0.061_234_567;
        alerts.push(alert("CpuHigh", Critical, Firing, Some(&inst(i)), v));
        alerts.push(alert("CpuHigh", Warning, Firing, Some(&inst(i)), v));
    }
    alerts.push(alert("CpuHigh", Warning, Firing, Some(&inst(5)), 0.81));
    // The cause fired first.
    alerts.push(Alert {
        fired_at_ms: Some(T0 - 90_000),
        ..alert("LatencyP99High", Critical, Firing, None, 5.0)
    });
    for (i, v) in [(7, 0.7), (8, 0.8)] {
        alerts.push(Alert {
            threshold: Some(0.6),
            ..alert("QueueNearFull", Warning, Pending, Some(&inst(i)), v)
        });
    }
    alerts.push(Alert {
        state: AlertState::Inactive,
        ..alert("Never", Warning, Firing, None, 0.0)
    });
    inhibit(&mut alerts, &[InhibitRule::critical_over_warning()]);
    let alert_groups = groups(&alerts, &[]);
    let mut targets: Vec<TargetStatus> = (1..=8)
        .map(|i| TargetStatus {
            url: format!("http://{}/metrics", inst(i)),
            instance: inst(i),
            up: true,
            ..TargetStatus::default()
        })
        .collect();
    targets[1].up = false;
    targets[1].error = Some("refused <&> \"x\"".into());
    let rules = [
        ("CpuHigh", Warning),
        ("CpuHigh", Critical),
        ("LatencyP99High", Critical),
        ("QueueNearFull", Warning),
        ("Never", Warning),
    ];
    Frame {
        time_ms: T0,
        targets,
        panels,
        alerts,
        alert_groups,
        rules: rules.iter().map(|(n, s)| (n.to_string(), *s)).collect(),
        ..Frame::default()
    }
}
