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
