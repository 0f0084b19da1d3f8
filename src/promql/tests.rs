use super::*;

fn l(pairs: &[(&str, &str)]) -> Labels {
    Labels::from_pairs(pairs.iter().copied())
}

fn instant(store: &Store, q: &str, t: i64) -> Vec<Sample> {
    match eval_instant(store, &parse(q).unwrap(), t).unwrap() {
        Value::Vector(v) => v,
        other => panic!("not a vector: {other:?}"),
    }
}

#[test]
fn rate_with_counter_reset_and_extrapolation() {
    let mut st = Store::new(i64::MAX);
    let c = l(&[("__name__", "c"), ("job", "j")]);
    // 0, 10, 20, reset to 5, 15 every 10 s
    for (i, v) in [0.0, 10.0, 20.0, 5.0, 15.0].iter().enumerate() {
        st.append(&c, i as i64 * 10_000, *v);
    }
    // increase over [0s, 40s] at t=40s: raw 15 + 20 (reset) = 35, samples
    // cover the whole window, no extrapolation needed.
    let v = instant(&st, "increase(c[40s])", 40_000);
    assert!((v[0].value - 35.0).abs() < 1e-9, "{v:?}");
    assert_eq!(v[0].labels, l(&[("job", "j")]));
    // rate over 1m at t=40s: window [-20s, 40s]; start extrapolation limited
    // by zero point (first value 0): duration to zero = 0 → 35/60
    let v = instant(&st, "rate(c[1m])", 40_000);
    assert!((v[0].value - 35.0 / 60.0).abs() < 1e-12, "{v:?}");
}

#[test]
fn histogram_quantile_edges() {
    use histogram::{bucket_quantile, Bucket};
    let b = |v: &[(f64, f64)]| -> Vec<Bucket> {
        v.iter()
            .map(|&(upper, count)| Bucket { upper, count })
            .collect()
    };
    let mut x = b(&[(0.1, 10.0), (f64::INFINITY, 20.0), (0.2, 15.0)]);
    assert!((bucket_quantile(0.5, &mut x) - 0.1).abs() < 1e-12);
    let mut x = b(&[(0.1, 10.0), (0.2, 15.0)]);
    assert!(bucket_quantile(0.5, &mut x).is_nan(), "no +Inf bucket");
    let mut x = b(&[(0.1, 0.0), (f64::INFINITY, 0.0)]);
    assert!(bucket_quantile(0.5, &mut x).is_nan(), "empty");
    let mut x = b(&[(0.1, 10.0), (f64::INFINITY, 20.0)]);
    assert_eq!(bucket_quantile(-1.0, &mut x), f64::NEG_INFINITY);
    assert_eq!(bucket_quantile(2.0, &mut x), f64::INFINITY);
    // highest bucket: answer is the largest finite bound
    assert_eq!(bucket_quantile(0.99, &mut x), 0.1);
    // non-monotonic counts are fixed up
    let mut x = b(&[(1.0, 10.0), (2.0, 5.0), (4.0, 20.0), (f64::INFINITY, 20.0)]);
    assert!((bucket_quantile(0.5, &mut x) - 1.0).abs() < 1e-12);
}

#[test]
fn parse_errors_are_one_line() {
    let e = parse("sum(rate(x[5m])").unwrap_err();
    assert!(!e.to_string().contains('\n'));
}

#[test]
fn range_evaluation_matches_instant_at_every_step() {
    let mut st = Store::new(i64::MAX);
    let c = l(&[("__name__", "c"), ("job", "j")]);
    for i in 0..100 {
        st.append(&c, i * 15_000, (i * 3) as f64);
    }
    let e = parse("sum(rate(c[1m])) * 2 + scalar(c)").unwrap();
    let r = eval_range(&st, &e, 300_000, 900_000, 30_000).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].points.len(), 21);
    for &(t, v) in &r[0].points {
        match eval_instant(&st, &e, t).unwrap() {
            Value::Vector(s) => assert_eq!(s[0].value, v),
            other => panic!("{other:?}"),
        }
    }
    assert!(eval_range(&st, &e, 0, 10, 0).is_err());
    assert!(matches!(
        eval_range(&st, &parse("c[1m]").unwrap(), 0, 10, 1),
        Err(EvalError::Invalid(_))
    ));
}

#[test]
fn unsupported_constructs_are_typed_errors() {
    let st = Store::new(i64::MAX);
    let e = parse("limitk(2, c)").unwrap();
    assert!(matches!(
        eval_instant(&st, &e, 0),
        Err(EvalError::Unsupported(_))
    ));
    let e = parse("mad_over_time(c[1m])").unwrap();
    let err = eval_instant(&st, &e, 0).unwrap_err();
    assert!(err
        .to_string()
        .starts_with("unsupported: function mad_over_time"));
}

#[test]
fn matched_series_and_longest_range() {
    let mut st = Store::new(i64::MAX);
    let a = l(&[("__name__", "a"), ("instance", "x")]);
    let b = l(&[("__name__", "b"), ("instance", "y")]);
    let old = l(&[("__name__", "a"), ("instance", "old")]);
    st.append(&old, 0, 1.0);
    st.append(&a, 1_000_000, 1.0);
    st.append(&b, 1_000_000, 1.0);
    let e = parse("rate(a[1m]) / on (instance) b").unwrap();
    let m = matched_series(&st, &e, 1_000_000);
    assert_eq!(m, vec![a.clone(), b.clone()]);
    let e = parse("max_over_time(a[5m:1m] offset 10m) + last_over_time(b[2m] offset 1m)").unwrap();
    assert_eq!(longest_range_ms(&e), 15 * 60_000);
    assert_eq!(longest_range_ms(&parse("rate(a[30s])").unwrap()), 30_000);
}

#[test]
fn parse_errors_say_where() {
    let cases = [
        ("sum(rate(x[5m])", "column 16"),
        ("1 +", "column 3"),
        ("x[5m] + 1", "column 7"),
        ("foo @ bar", "column 5"),
        ("sum(x)\n  + * 2", "line 2, column 3"),
    ];
    for (q, at) in cases {
        let e = parse(q).unwrap_err().to_string();
        assert!(e.contains(at), "{q}: {e}");
        assert!(!e.contains('\n'));
    }
}

#[test]
fn extreme_times_and_offsets_do_not_panic() {
    let mut st = Store::new(i64::MAX);
    st.append(&l(&[("__name__", "x")]), 0, 1.0);
    for q in [
        "x offset 100000000000y",
        "x offset -100000000000y",
        "rate(x[100000000000y])",
        "max_over_time(x[100000000000y:1h])",
        "x @ 9223372036854775",
        "x @ -9223372036854775",
        "sum_over_time(x[5m:1ms])",
    ] {
        if let Ok(e) = parse(q) {
            for t in [i64::MIN, -1, 0, i64::MAX] {
                let _ = eval_instant(&st, &e, t);
                let _ = matched_series(&st, &e, t);
            }
            let _ = eval_range(&st, &e, i64::MAX - 10, i64::MAX, 3);
            let _ = eval_range(&st, &e, i64::MIN, i64::MAX, 1);
            let _ = longest_range_ms(&e);
        }
    }
}
