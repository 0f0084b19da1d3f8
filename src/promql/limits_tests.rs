//! Expressions at the nesting limit go through everything that walks the
//! tree (parse, evaluation, printing, selector walks, drop) on a thread
//! with a 2 MiB stack, the size of a test thread; one level more is
//! refused with the limit and the position.

use super::limits::{check_depth, MAX_DEPTH};
use super::*;

/// A deep expression, by how many times its step repeats.
type Shape = fn(usize) -> String;

/// Shapes of deep expressions.
fn shapes() -> Vec<(&'static str, Shape)> {
    vec![
        ("sum(", |n| {
            format!("{}up{}", "sum(".repeat(n), ")".repeat(n))
        }),
        ("abs(", |n| {
            format!("{}up{}", "abs(".repeat(n), ")".repeat(n))
        }),
        ("(", |n| format!("{}1{}", "(".repeat(n), ")".repeat(n))),
        ("1+1", |n| vec!["1"; n + 1].join("+")),
        ("up+up", |n| vec!["up"; n + 1].join(" + ")),
        ("or", |n| vec!["up"; n + 1].join(" or ")),
        ("unary", |n| format!("{}up", "-".repeat(n))),
        ("right-nested", |n| {
            format!("{}up{}", "up * (".repeat(n), ")".repeat(n))
        }),
        ("subquery", |n| {
            format!("{}up{}", "max_over_time((".repeat(n), ")[5m:1m])".repeat(n))
        }),
        ("chain in brackets", |n| {
            format!(
                "{}{}{}",
                "(".repeat(n / 2),
                vec!["up"; n / 2].join("+"),
                ")".repeat(n / 2)
            )
        }),
    ]
}

/// The largest repeat count `check_depth` lets through.
fn largest_allowed(make: Shape) -> usize {
    (1..=2 * MAX_DEPTH)
        .take_while(|&n| check_depth(&make(n)).is_ok())
        .last()
        .unwrap_or(0)
}

#[test]
fn expressions_at_the_limit_run_on_a_small_stack() {
    let mut st = Store::new(i64::MAX);
    let up = Labels::from_pairs([("__name__", "up"), ("job", "a")]);
    for t in 0..5 {
        st.append(&up, t * 60_000, 1.0);
    }
    let st = std::sync::Arc::new(st);
    for (name, make) in shapes() {
        let n = largest_allowed(make);
        assert!(n >= MAX_DEPTH / 2 - 2, "{name}: only {n} levels allowed");
        let refused = parse(&make(2000)).unwrap_err().message;
        assert!(
            refused.contains(&MAX_DEPTH.to_string()),
            "{name}: {refused}"
        );
        assert!(refused.contains("(at column "), "{name}: {refused}");
        let text = make(n);
        let st = st.clone();
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                let e = parse(&text).unwrap_or_else(|err| panic!("{name}: {err}"));
                // Subqueries inside subqueries multiply: a small budget
                // ends them.
                let budget = Budget {
                    max_samples: 100_000,
                    timeout: None,
                };
                let _ = eval_instant_with(&st, &e, 240_000, &budget);
                let _ = eval_range_with(&st, &e, 0, 240_000, 60_000, &budget);
                let _ = matched_series(&st, &e, 240_000);
                let _ = longest_range_ms(&e);
                let printed = e.to_string();
                assert!(!printed.is_empty());
                drop(e);
                // A malformed text just as deep finds its error position.
                let _ = parse(&format!("{text} )"));
                let _ = parse(&format!("{text} + +"));
            })
            .unwrap()
            .join()
            .unwrap_or_else(|_| panic!("{name} at {n} levels failed"));
    }
}
