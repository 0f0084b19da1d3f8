//! The snapshot JSON, the text summary and `check`'s formats.

use super::*;

#[test]
fn numbers_and_times() {
    assert_eq!(json_number(f64::NAN), json!("NaN"));
    assert_eq!(json_number(f64::NEG_INFINITY), json!("-Inf"));
    assert_eq!(json_number(0.5), json!(0.5));
    assert_eq!(rfc3339_ms(1_795_348_800_123), "2026-11-22T12:00:00.123Z");
}

#[test]
fn markdown_names_the_worst_instances_and_the_pin() {
    use crate::frame::InstanceRow;
    let row = |i: u32, cpu: f64| InstanceRow {
        instance: format!("10.0.0.{i}:9100"),
        up: true,
        cpu: Some(cpu),
        p99: Some(0.05),
        ..Default::default()
    };
    let mut instances: Vec<InstanceRow> = (1..=6).map(|i| row(i, 0.30)).collect();
    instances[3].cpu = Some(0.97);
    instances[5].cpu = Some(0.31);
    let frame = Frame {
        instances,
        pinned: Some("10.0.0.4:9100".into()),
        ..Frame::default()
    };
    let md = to_markdown(&frame);
    assert!(
        md.contains("Signals pinned to instance 10.0.0.4:9100."),
        "{md}"
    );
    assert!(
        md.contains("- CPU: 10.0.0.4:9100 97.0% ◆ · 10.0.0.6:9100 31.0% · 10.0.0.1:9100 30.0%\n"),
        "{md}"
    );
    assert!(md.contains("- p99: 10.0.0.1:9100 50.0ms"), "{md}");
    assert!(!md.contains("- errors:"), "no error ratios, no line: {md}");
    let empty = to_markdown(&Frame::default());
    assert!(!empty.contains("Worst instances"), "{empty}");
}

#[test]
fn the_summary_counts_groups_firing_and_pending_alerts() {
    let frame = super::fixture::peak();
    let md = to_markdown(&frame);
    // Firing and not inhibited: 3 critical + 1 warning CpuHigh, 1 latency.
    assert!(
        md.contains("\nFiring: 5 alerts in 2 groups, 2 pending\n"),
        "{md}"
    );
    let doc = to_json(&frame);
    let alerts = doc["alerts"].as_array().unwrap();
    let n = |state: &str| {
        alerts
            .iter()
            .filter(|a| a["state"] == state && a["inhibited"] == false)
            .count()
    };
    assert_eq!((n("firing"), n("pending")), (5, 2));
    assert_eq!(
        counts(&frame),
        Counts {
            firing: 5,
            pending: 2,
            groups: 2,
            inhibited: 3
        }
    );
    assert!(md.contains("Inhibited: 3 alerts"), "{md}");
    // Groups, not instances: one line each, the cause first.
    let groups: Vec<&str> = md.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(
        &groups[..3],
        [
            "- FIRING LatencyP99High ×1 (critical) worst ≥ 5s, started 11:58:30Z — LatencyP99High at 5",
            "- FIRING CpuHigh ×4 (critical) worst 99.0% 10.0.0.8:9100, started 11:59:30Z, 3 inhibited",
            "- PENDING QueueNearFull ×2 (warning) worst 0.800 10.0.0.8:9100, pending since 11:59:00Z",
        ],
        "{md}"
    );
    assert!(!md.contains("10.0.0.7:9100 —"), "{md}");
}

#[test]
fn the_summary_rounds_values_and_marks_the_top_bucket() {
    let md = to_markdown(&super::fixture::peak());
    assert!(md.contains("| Latency | p50 | 123ms |"), "{md}");
    assert!(md.contains("| Latency | p99 | ≥ 5s |"), "{md}");
    // No value with more than three significant digits.
    let long = md
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter(|w| w.matches('.').count() == 1)
        .find(|w| w.trim_start_matches(['0', '.']).replace('.', "").len() > 3);
    assert_eq!(long, None, "{md}");
}

#[test]
fn a_panel_per_instance_shows_its_five_worst_and_the_median() {
    let md = to_markdown(&super::fixture::peak());
    let cpu: Vec<&str> = md.lines().filter(|l| l.starts_with("| CPU |")).collect();
    assert_eq!(cpu.len(), WORST_SHOWN + 1, "{md}");
    assert!(cpu[0].contains("10.0.0.8:9100 | 99.0%"), "{md}");
    assert!(cpu[4].contains("10.0.0.4:9100"), "{md}");
    assert_eq!(cpu[5], "| CPU | median of 8 instances | 77.6% |", "{md}");
    // Two signals of one panel are ranked apart.
    let sat: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| Saturation |"))
        .collect();
    assert_eq!(sat.len(), 2 * (WORST_SHOWN + 1), "{md}");
    assert!(sat.contains(&"| Saturation | queue: median of 8 instances | 45.0% |"));
    assert!(sat.contains(&"| Saturation | mem: median of 8 instances | 50.0% |"));
    assert!(sat[0].contains("queue 10.0.0.8:9100"), "{sat:?}");
    // A few instances are all shown.
    let mut few = super::fixture::peak();
    few.panels[1].series.truncate(WORST_SHOWN + 1);
    let rows = panel_rows(&few.panels[1]);
    assert_eq!(rows.len(), WORST_SHOWN + 1);
    assert!(rows.iter().all(|(n, _)| !n.contains("median")), "{rows:?}");
}

#[test]
fn snapshot_json_gains_the_top_bucket_only_where_known() {
    let doc = to_json(&super::fixture::peak());
    assert_eq!(doc["panels"][0]["top_bucket"], json!(5.0));
    assert!(doc["panels"][1].get("top_bucket").is_none());
    assert_eq!(doc["alert_groups"][1]["name"], "CpuHigh");
    assert_eq!(doc["alert_groups"][1]["inhibited"], 3);
}

/// The peak with the transitions that led to it and two notes, one about
/// an instant before the first transition.
fn peak_with_notes() -> Frame {
    use crate::vocab::alert::{Phase, Transition};
    use crate::vocab::labels::Labels;
    use crate::vocab::Note;
    use std::sync::Arc;
    let t0 = super::fixture::T0;
    let mut f = super::fixture::peak();
    let step = |t: i64, rule: &str, instance: Option<&str>, from, to, v| Transition {
        time_ms: t,
        rule: rule.into(),
        labels: Labels::from_pairs(
            [("alertname", rule), ("severity", "critical")]
                .into_iter()
                .chain(instance.map(|i| ("instance", i))),
        ),
        from,
        to,
        value: Some(v),
        summary: String::new(),
        severity: crate::frame::Severity::Critical,
        inhibited: false,
    };
    f.alert_history = vec![
        step(
            t0 - 120_000,
            "LatencyP99High",
            None,
            Phase::Inactive,
            Phase::Pending,
            0.3,
        ),
        step(
            t0 - 90_000,
            "LatencyP99High",
            None,
            Phase::Pending,
            Phase::Firing,
            5.0,
        ),
        step(
            t0 - 30_000,
            "CpuHigh",
            Some("10.0.0.8:9100"),
            Phase::Pending,
            Phase::Firing,
            0.99,
        ),
    ];
    let note = |t: i64, text: &str| Note {
        time_ms: t,
        author: "oncall@db1".into(),
        text: text.into(),
    };
    f.notes = Arc::new(vec![
        note(t0 - 150_000, "deploy 4711 | rolled out"),
        note(t0 - 90_000, "paged the database team"),
    ]);
    f
}

#[test]
fn snapshot_json_lists_the_notes_in_time_order() {
    let doc = to_json(&peak_with_notes());
    let t0 = super::fixture::T0;
    assert_eq!(
        doc["notes"],
        json!([
            {"time": "2026-11-22T11:57:30.000Z", "time_ms": t0 - 150_000,
             "author": "oncall@db1", "text": "deploy 4711 | rolled out"},
            {"time": "2026-11-22T11:58:30.000Z", "time_ms": t0 - 90_000,
             "author": "oncall@db1", "text": "paged the database team"},
        ])
    );
    // No notes: an empty array, not a missing key.
    assert_eq!(to_json(&super::fixture::peak())["notes"], json!([]));
}

#[test]
fn the_summary_lists_notes_and_the_export_interleaves_them_with_transitions() {
    let f = peak_with_notes();
    let md = to_markdown(&f);
    assert!(
        md.ends_with(
            "\n**Notes**\n\
             - 2026-11-22T11:57:30Z note by oncall@db1: deploy 4711 \\| rolled out\n\
             - 2026-11-22T11:58:30Z note by oncall@db1: paged the database team\n"
        ),
        "{md}"
    );
    assert!(!md.contains("Timeline"), "{md}");
    let export = to_export_markdown(&f);
    let (summary, timeline) = export.split_once("\n**Timeline**").unwrap();
    assert_eq!(summary, to_markdown(&super::fixture::peak()));
    let items: Vec<&str> = timeline.lines().skip(1).collect();
    assert_eq!(
        items,
        [
            "- 2026-11-22T11:57:30Z note by oncall@db1: deploy 4711 \\| rolled out",
            "- 2026-11-22T11:58:00Z LatencyP99High (critical) inactive → pending, 300ms",
            // A transition before a note of the same instant.
            "- 2026-11-22T11:58:30Z LatencyP99High (critical) pending → firing, 5.00s",
            "- 2026-11-22T11:58:30Z note by oncall@db1: paged the database team",
            "- 2026-11-22T11:59:30Z CpuHigh (critical) {instance=\"10.0.0.8:9100\"} pending → firing, 99.0%",
        ],
        "{export}"
    );
    // Nothing yet: the heading and a line that says so.
    let empty = to_export_markdown(&super::fixture::peak());
    assert!(
        empty.ends_with("**Timeline** (alert transitions and notes, UTC)\n- no alert transitions or notes yet\n"),
        "{empty}"
    );
}
