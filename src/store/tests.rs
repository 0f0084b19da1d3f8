use super::*;
use promql_parser::label::MatchOp;

fn l(pairs: &[(&str, &str)]) -> Labels {
    Labels::from_pairs(pairs.iter().copied())
}

fn values(s: &StoredSeries) -> Vec<(i64, f64)> {
    s.range(i64::MIN, i64::MAX).collect()
}

#[test]
fn stale_nan_is_only_the_marker() {
    assert!(is_stale_nan(STALE_NAN));
    assert!(!is_stale_nan(f64::NAN));
    assert!(!is_stale_nan(1.0));
}

#[test]
fn scrape_writes_markers_for_vanished_series() {
    let mut st = Store::new(DEFAULT_RETENTION_MS);
    let a = l(&[("__name__", "a"), ("job", "j")]);
    let b = l(&[("__name__", "b"), ("job", "j")]);
    let s = st.ingest_scrape("t1", 1000, vec![(a.clone(), 1.0), (b.clone(), 2.0)]);
    assert_eq!(s.appended, 2);
    assert_eq!(s.new_series, 2);
    let s = st.ingest_scrape("t1", 2000, vec![(a.clone(), 3.0)]);
    assert_eq!(s.stale_markers, 1);
    let vb = values(st.find(&b).unwrap());
    assert_eq!(vb.len(), 2);
    assert!(is_stale_nan(vb[1].1));
    // only once
    let s = st.ingest_scrape("t1", 3000, vec![(a.clone(), 4.0)]);
    assert_eq!(s.stale_markers, 0);
    st.mark_target_down("t1", 4000);
    let va = values(st.find(&a).unwrap());
    assert!(is_stale_nan(va.last().unwrap().1));
    assert_eq!(va.last().unwrap().0, 4000);
}

#[test]
fn out_of_order_and_duplicates_are_counted() {
    let mut st = Store::new(DEFAULT_RETENTION_MS);
    let a = l(&[("__name__", "a")]);
    st.ingest_scrape("t", 2000, vec![(a.clone(), 1.0)]);
    let s = st.ingest_scrape("t", 2000, vec![(a.clone(), 1.0)]);
    assert_eq!(s.duplicates, 1);
    let s = st.ingest_scrape("t", 1000, vec![(a.clone(), 1.0)]);
    assert_eq!(s.out_of_order, 1);
    assert_eq!(values(st.find(&a).unwrap()), vec![(2000, 1.0)]);
}

#[test]
fn gc_bounds_memory_and_drops_empty_series() {
    let mut st = Store::new(10_000);
    let a = l(&[("__name__", "a"), ("i", "1")]);
    let b = l(&[("__name__", "b"), ("i", "2")]);
    for t in 0..100 {
        st.append(&a, t * 1000, t as f64);
    }
    st.append(&b, 0, 1.0);
    // the ring buffer never holds more than the retention
    assert_eq!(st.find(&a).unwrap().len(), 11);
    st.gc(99_000);
    assert_eq!(st.series_count(), 1);
    assert_eq!(st.metric_names(), vec!["a".to_string()]);
    assert_eq!(st.label_values("i"), vec!["1".to_string()]);
    // a new series may reuse the slot, and selection still works
    st.append(&b, 100_000, 1.0);
    let m = Matcher::new(MatchOp::Equal, "__name__", "b");
    assert_eq!(st.select(&[&m]).len(), 1);
    st.clear();
    assert_eq!(st.series_count(), 0);
}

#[test]
fn select_with_every_matcher_kind() {
    let mut st = Store::new(DEFAULT_RETENTION_MS);
    st.append(&l(&[("__name__", "x"), ("code", "200")]), 0, 1.0);
    st.append(&l(&[("__name__", "x"), ("code", "500")]), 0, 1.0);
    st.append(&l(&[("__name__", "x")]), 0, 1.0);
    st.append(&l(&[("__name__", "y"), ("code", "503")]), 0, 1.0);
    let name = Matcher::new(MatchOp::Equal, "__name__", "x");
    let re = |s: &str| regex::Regex::new(&format!("^(?:{s})$")).unwrap();
    let cases: Vec<(Matcher, usize)> = vec![
        (Matcher::new(MatchOp::Equal, "code", "200"), 1),
        (Matcher::new(MatchOp::NotEqual, "code", "200"), 2),
        (Matcher::new(MatchOp::Equal, "code", ""), 1),
        (Matcher::new(MatchOp::Re(re("5..")), "code", "5.."), 1),
        (Matcher::new(MatchOp::Re(re("5..|")), "code", "5..|"), 2),
        (Matcher::new(MatchOp::NotRe(re("5..")), "code", "5.."), 2),
        (Matcher::new(MatchOp::NotEqual, "code", ""), 2),
    ];
    for (m, n) in cases {
        assert_eq!(st.select(&[&name, &m]).len(), n, "{m}");
    }
}

#[test]
fn series_searches_agree_with_a_scan() {
    let mut st = Store::new(i64::MAX);
    let a = l(&[("__name__", "a")]);
    let times: Vec<i64> = (0..300).map(|i| i * 7 + (i % 3)).collect();
    for &t in &times {
        st.append(&a, t, t as f64);
    }
    let s = st.find(&a).unwrap();
    for q in -5..2200 {
        let want = times
            .iter()
            .rev()
            .find(|&&t| t <= q)
            .map(|&t| (t, t as f64));
        assert_eq!(s.at_or_before(q), want, "at {q}");
        let lo = q - 50;
        let got: Vec<i64> = s.range(lo, q).map(|p| p.0).collect();
        let want: Vec<i64> = times
            .iter()
            .copied()
            .filter(|&t| t >= lo && t <= q)
            .collect();
        assert_eq!(got, want);
        assert_eq!(s.has_samples_in(lo, q), !want.is_empty());
    }
}

#[test]
fn the_budget_refuses_new_series_and_lets_existing_ones_update() {
    let mut st = Store::new(10_000);
    st.set_max_series(2);
    let s = |n: &str| l(&[("__name__", n), ("job", "j")]);
    let got = st.ingest_scrape("t", 1000, vec![(s("a"), 1.0), (s("b"), 2.0), (s("c"), 3.0)]);
    assert_eq!((got.new_series, got.refused_series), (2, 1));
    assert_eq!((st.series_count(), st.budget_used()), (2, 2));
    let got = st.ingest_scrape("t", 2000, vec![(s("a"), 4.0), (s("b"), 5.0), (s("d"), 6.0)]);
    assert_eq!((got.appended, got.refused_series), (2, 1));
    assert_eq!(st.find(&s("a")).unwrap().len(), 2);
    // StoredSeries that left the page still count while retained, then free room.
    let got = st.ingest_scrape("t", 3000, vec![(s("c"), 7.0)]);
    assert_eq!(got.refused_series, 1);
    st.gc(3001 + 10_000);
    assert_eq!((st.series_count(), st.budget_used()), (0, 0));
    assert!(st.append(&s("c"), 14_000, 1.0));
    // Long label sets take more of the budget.
    assert_eq!(series_cost(&s("a")), 1);
    let long = l(&[("__name__", "x"), ("v", &"x".repeat(5000))]);
    assert_eq!(series_cost(&long), 3);
}

#[test]
fn a_rolled_back_scrape_leaves_no_trace() {
    let mut st = Store::new(DEFAULT_RETENTION_MS);
    let scope = l(&[("job", "j")]);
    let a = l(&[("__name__", "a"), ("job", "j")]);
    let b = l(&[("__name__", "b"), ("job", "j")]);
    let mut w = st.begin_scrape("t", &scope, 1000);
    assert!(w.append_new(b"a", &a, 1.0));
    w.finish();
    let mut w = st.begin_scrape("t", &scope, 2000);
    assert!(w.append_cached(b"a", 2.0));
    assert!(w.append_new(b"b", &b, 3.0));
    w.rollback();
    assert_eq!((st.series_count(), st.budget_used()), (1, 1));
    assert_eq!(values(st.find(&a).unwrap()), [(1000, 1.0)]);
    assert!(st.find(&b).is_none());
    // The next scrape finds `a` by its text again and `b` anew.
    let mut w = st.begin_scrape("t", &scope, 3000);
    assert!(w.append_cached(b"a", 4.0));
    assert!(!w.append_cached(b"b", 5.0));
    w.finish();
    assert_eq!(st.find(&a).unwrap().len(), 2);
}
