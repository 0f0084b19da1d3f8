//! Query shaping for charts: the range step and the top-N limit.

use std::time::Duration;

/// Most points a range query asks for (Prometheus refuses more than 11 000
/// per series).
pub const MAX_POINTS: i64 = 11_000;

/// "Nice" steps in milliseconds; beyond the last, whole days.
const NICE_STEPS_MS: &[i64] = &[
    1_000, 2_000, 5_000, 10_000, 15_000, 30_000, // seconds
    60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, // minutes
    3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000, // hours
];

const DAY_MS: i64 = 86_400_000;

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The smallest nice step at or above `at_least_ms`.
fn nice_step(at_least_ms: i64) -> i64 {
    match NICE_STEPS_MS.iter().find(|&&s| s >= at_least_ms) {
        Some(&s) => s,
        None => {
            let days = at_least_ms / DAY_MS + i64::from(at_least_ms % DAY_MS != 0);
            days.saturating_mul(DAY_MS)
        }
    }
}

/// Start, end and step (all milliseconds) of a range query for a chart
/// `width` points wide over `window` ending at `now_ms`.
///
/// The step is at least `min_step` (pass the server's scrape interval: a
/// finer step only repeats points), at least `window / width`, and keeps
/// the query under [`MAX_POINTS`]; it is then rounded up to a nice step
/// (1s, 2s, 5s, 10s, 15s, 30s, 1m, 2m, 5m, 10m, 15m, 30m, 1h, 2h, 3h, 6h,
/// 12h, 1d, then whole days). `end` is the last multiple of the step at or
/// before `now_ms`, and `start` the multiple of the step at or before
/// `end - window`, so consecutive refreshes ask for the same timestamps
/// and the points they share have the same values.
pub fn range_params(
    now_ms: i64,
    window: Duration,
    width: u16,
    min_step: Duration,
) -> (i64, i64, i64) {
    let window_ms = ms(window).max(1);
    let width = i64::from(width.max(1));
    let per_point = window_ms / width + i64::from(window_ms % width != 0);
    let per_limit = window_ms / (MAX_POINTS - 1) + 1;
    let step = nice_step(per_point.max(per_limit).max(ms(min_step)));
    let end = now_ms.div_euclid(step).saturating_mul(step);
    let span = (window_ms / step + i64::from(window_ms % step != 0)).saturating_mul(step);
    (end.saturating_sub(span), end, step)
}

/// Wraps `expr` so that at most `n` series come back: `topk(n, EXPR)`.
///
/// Meant for the detected default panels' `by (instance)` breakdowns only;
/// expressions a user wrote are sent as written. `n == 0` means no limit
/// and returns `expr` unchanged. In a range query `topk` picks per step,
/// so a chart can still hold more than `n` series in total.
pub fn limit_top(expr: &str, n: usize) -> String {
    let expr = expr.trim();
    if n == 0 || expr.is_empty() {
        return expr.to_string();
    }
    format!("topk({n}, {expr})")
}

/// `expr` as [`limit_top`] wrote it with `n`, keeping `k` series instead:
/// the `k` largest (`topk`), or the `k` smallest (`bottomk`) when not
/// `top`. `None` when `expr` is not such a text.
pub fn rerank_top(expr: &str, n: usize, k: usize, top: bool) -> Option<String> {
    let inner = expr
        .strip_prefix(&format!("topk({n}, "))?
        .strip_suffix(')')?;
    let op = if top { "topk" } else { "bottomk" };
    Some(format!("{op}({k}, {inner})"))
}

/// True when `expr` returns one series per instance (its result keeps the
/// `instance` label): the breakdowns [`limit_top`] is meant for. An
/// expression that does not parse is not a breakdown.
pub fn breaks_down_by_instance(expr: &str) -> bool {
    crate::promql::parse(expr).is_ok_and(|e| keeps_instance(&e))
}

fn keeps_instance(e: &promql_parser::parser::Expr) -> bool {
    use promql_parser::parser::{Expr, LabelModifier};
    let named = |l: &promql_parser::label::Labels| l.labels.iter().any(|x| x == "instance");
    match e {
        Expr::VectorSelector(_) | Expr::MatrixSelector(_) => true,
        Expr::Aggregate(a) => match &a.modifier {
            _ if matches!(a.op.to_string().as_str(), "topk" | "bottomk") => keeps_instance(&a.expr),
            Some(LabelModifier::Include(l)) => named(l),
            Some(LabelModifier::Exclude(l)) => !named(l) && keeps_instance(&a.expr),
            None => false,
        },
        Expr::Binary(b) => keeps_instance(&b.lhs) || keeps_instance(&b.rhs),
        Expr::Paren(p) => keeps_instance(&p.expr),
        Expr::Unary(u) => keeps_instance(&u.expr),
        Expr::Subquery(s) => keeps_instance(&s.expr),
        Expr::Call(c) => {
            !matches!(c.func.name, "vector" | "scalar" | "time")
                && c.args.args.iter().any(|a| keeps_instance(a))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000;
    const NOW: i64 = 1_700_000_123_456;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn step_covers_the_window_with_the_width() {
        // 15 min over 100 columns: 9 s per point -> 10 s.
        let (start, end, step) = range_params(NOW, secs(900), 100, secs(1));
        assert_eq!(step, 10 * S);
        assert_eq!(end, 1_700_000_120_000);
        assert_eq!(end - start, 900 * S);
        assert!((end - start) / step < 100 + 1);
    }

    #[test]
    fn start_and_end_are_multiples_of_the_step() {
        for (window, width, min) in [(900, 100, 1), (3600, 37, 15), (86_400, 113, 30), (7, 3, 0)] {
            let (start, end, step) = range_params(NOW, secs(window), width, secs(min));
            assert_eq!(start % step, 0, "{window} {width}");
            assert_eq!(end % step, 0, "{window} {width}");
            assert!(end <= NOW && NOW - end < step);
            assert!(end - start >= window as i64 * S, "window covered");
            assert!(end - start < window as i64 * S + step);
        }
    }

    #[test]
    fn consecutive_refreshes_share_timestamps() {
        let a = range_params(NOW, secs(600), 120, secs(1));
        let b = range_params(NOW + 1_000, secs(600), 120, secs(1));
        let c = range_params(NOW + a.2, secs(600), 120, secs(1));
        assert_eq!(a, b, "within one step nothing moves");
        assert_eq!(c.0, a.0 + a.2);
        assert_eq!(c.1, a.1 + a.2);
    }

    #[test]
    fn nice_steps() {
        let cases = [
            (1, 1_000),
            (999, 1_000),
            (1_001, 2_000),
            (3_000, 5_000),
            (11_000, 15_000),
            (16_000, 30_000),
            (45_000, 60_000),
            (61_000, 120_000),
            (4 * 60_000, 300_000),
            (3_600_001, 7_200_000),
            (DAY_MS, DAY_MS),
            (DAY_MS + 1, 2 * DAY_MS),
        ];
        for (at_least, want) in cases {
            assert_eq!(nice_step(at_least), want, "{at_least}");
        }
    }

    #[test]
    fn min_step_wins_over_a_wide_chart() {
        // 5 min over 300 columns wants 1 s; the server scrapes every 15 s.
        assert_eq!(range_params(NOW, secs(300), 300, secs(15)).2, 15 * S);
        // a 20 s interval rounds up to the next nice step.
        assert_eq!(range_params(NOW, secs(300), 300, secs(20)).2, 30 * S);
        // sub-second minimums still give at least 1 s.
        assert_eq!(
            range_params(NOW, secs(60), 300, Duration::from_millis(200)).2,
            S
        );
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let (start, end, step) = range_params(NOW, Duration::ZERO, 0, Duration::ZERO);
        assert_eq!((end - start, step), (S, S));
        let (_, _, step) = range_params(-5_500, secs(60), 10, secs(1));
        assert_eq!(step, 10 * S);
        assert_eq!(range_params(-5_500, secs(60), 10, secs(1)).1, -10_000);
        let (start, end, step) = range_params(i64::MAX, Duration::MAX, u16::MAX, Duration::MAX);
        assert!(step > 0 && start <= end);
    }

    #[test]
    fn point_count_stays_under_the_server_limit() {
        let (start, end, step) = range_params(NOW, secs(30 * 86_400), u16::MAX, secs(1));
        assert!(
            (end - start) / step < MAX_POINTS,
            "{}",
            (end - start) / step
        );
    }

    #[test]
    fn top_limit() {
        assert_eq!(
            limit_top("sum by (instance) (rate(x[1m]))", 20),
            "topk(20, sum by (instance) (rate(x[1m])))"
        );
        assert_eq!(limit_top(" a or b ", 3), "topk(3, a or b)");
        assert_eq!(limit_top("up", 0), "up");
        assert_eq!(limit_top("", 5), "");
    }

    #[test]
    fn limited_expressions_are_reranked() {
        let e = limit_top("a / on (instance) b", 200);
        assert_eq!(
            rerank_top(&e, 200, 300, true).unwrap(),
            "topk(300, a / on (instance) b)"
        );
        assert_eq!(
            rerank_top(&e, 200, 200, false).unwrap(),
            "bottomk(200, a / on (instance) b)"
        );
        assert_eq!(
            rerank_top(&e, 20, 300, true),
            None,
            "not limited with that size"
        );
        assert_eq!(rerank_top("sum(x)", 200, 300, true), None);
    }

    #[test]
    fn limited_expression_parses() {
        for e in [
            "1 - avg by (instance) (rate(c[1m]))",
            "a / on(instance) b",
            "x offset 5m",
        ] {
            let limited = limit_top(e, 10);
            crate::promql::parse(&limited).unwrap_or_else(|err| panic!("{limited}: {err}"));
        }
    }

    #[test]
    fn instance_breakdowns_are_recognised() {
        for e in [
            "1 - avg by (instance) (rate(node_cpu_seconds_total{mode=\"idle\"}[1m]))",
            "rate(process_cpu_seconds_total[1m]) / on (job, instance) max by (job, instance) (app_cpu_limit_cores)",
            "app_event_queue_depth / on (job, instance) app_event_queue_capacity",
            "sum without (cpu) (rate(node_cpu_seconds_total[1m]))",
            "up",
        ] {
            assert!(breaks_down_by_instance(e), "{e}");
        }
        for e in [
            "histogram_quantile(0.99, sum by (le) (rate(x_bucket[1m])))",
            "sum(rate(http_requests_total[1m]))",
            "(sum(rate(y{code=~\"5..\"}[1m])) or vector(0)) / sum(rate(y[1m]))",
            "count(up == 1)",
            "max(autoscaler_max_instances)",
            "sum without (instance) (up)",
            "1 + 1",
            "sum(",
        ] {
            assert!(!breaks_down_by_instance(e), "{e}");
        }
    }
}
