use super::*;
use crate::promapi::Covered;

fn l(i: &str) -> Labels {
    Labels::from_pairs([("instance", i)])
}

#[test]
fn chart_merge_keeps_the_window_and_replaces_the_overlap() {
    let mut c = ChartCache::default();
    c.merge(
        vec![(l("a"), vec![(0, 1.0), (10, 2.0), (20, 3.0)])],
        0,
        0,
        20,
    );
    // next refresh: the window moved one step; the last point is asked again
    c.merge(vec![(l("a"), vec![(20, 3.5), (30, 4.0)])], 20, 10, 30);
    assert_eq!(c.series[&l("a")], vec![(10, 2.0), (20, 3.5), (30, 4.0)]);
    assert_eq!(c.shared.len(), 1);
    // a series that left the window is dropped
    c.merge(vec![(l("b"), vec![(40, 1.0)])], 40, 40, 40);
    assert_eq!(c.series.len(), 1);
    assert!(c.series.contains_key(&l("b")));
}

#[test]
fn the_last_minute_of_a_chart_is_asked_again() {
    let s = 1_000;
    // Every second over ten minutes: the last minute again.
    assert_eq!(reask_from(600 * s, 0, 601 * s, s), 541 * s);
    // A chart that ends within the last minute: from the minute's start;
    // one that ends before it: from its end.
    assert_eq!(reask_from(560 * s, 0, 601 * s, s), 541 * s);
    assert_eq!(reask_from(530 * s, 0, 601 * s, s), 530 * s);
    // On the step grid, never before the window.
    assert_eq!(reask_from(900 * s, 0, 915 * s, 15 * s), 855 * s);
    assert_eq!(reask_from(40 * s, 10 * s, 50 * s, 5 * s), 10 * s);
}

#[test]
fn covered_queries_are_left_out_while_the_covering_answer_is_complete() {
    let plan = Plan {
        instant: vec![
            "topk(3, x)".into(),
            "topk(3, x{i=\"a\"})".into(),
            "y".into(),
        ],
        covered: vec![Covered {
            text: "topk(3, x{i=\"a\"})".into(),
            by: "topk(3, x)".into(),
            limit: 3,
        }],
        ..Plan::default()
    };
    let sent = |answered: &[(&str, usize)]| -> Vec<String> {
        let a = answered.iter().map(|(k, n)| (k.to_string(), *n)).collect();
        to_send(&plan, &a).into_iter().cloned().collect()
    };
    // No answer yet, or a full one: everything is sent.
    assert_eq!(sent(&[]), plan.instant);
    assert_eq!(sent(&[("topk(3, x)", 3)]), plan.instant);
    // Fewer series than topk keeps: the narrowed query is left out.
    assert_eq!(sent(&[("topk(3, x)", 2)]), vec!["topk(3, x)", "y"]);
    assert_eq!(sent(&[("topk(3, x)", 0)]), vec!["topk(3, x)", "y"]);
}

#[test]
fn detection_asks_labels_of_few_metrics() {
    assert!(wants_labels("http_request_duration_seconds_bucket"));
    assert!(wants_labels("api_requests_total"));
    assert!(wants_labels("rpc_latency_seconds"));
    assert!(!wants_labels("process_cpu_seconds_total"));
    assert!(!wants_labels("up"));
}

#[test]
fn scalars_become_one_series() {
    assert_eq!(
        to_vector(Value::Scalar(2.0)),
        Ok(vec![(Labels::new(), 2.0)])
    );
    assert!(to_vector(Value::String("x".into())).is_err());
}
