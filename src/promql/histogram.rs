//! `histogram_quantile` over classic (`le`-labelled) buckets.

use super::eval::{FastMap, Result};
use super::Sample;
use crate::vocab::labels::{Labels, METRIC_NAME};

/// One cumulative bucket: upper bound and count of observations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bucket {
    pub upper: f64,
    pub count: f64,
}

/// The φ-quantile of cumulative buckets, as Prometheus's `bucketQuantile`:
/// sorted by bound, equal bounds merged, counts made monotonic, linear
/// interpolation inside the bucket holding the rank.
pub(crate) fn bucket_quantile(q: f64, buckets: &mut Vec<Bucket>) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    if buckets.is_empty() {
        return f64::NAN;
    }
    buckets.sort_by(|a, b| {
        a.upper
            .partial_cmp(&b.upper)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    if buckets.last().map(|b| b.upper) != Some(f64::INFINITY) {
        return f64::NAN;
    }
    // merge equal upper bounds
    let mut merged: Vec<Bucket> = Vec::with_capacity(buckets.len());
    for b in buckets.iter() {
        match merged.last_mut() {
            Some(last) if last.upper == b.upper => last.count += b.count,
            _ => merged.push(*b),
        }
    }
    *buckets = merged;
    // monotonic fix
    let mut max = f64::NEG_INFINITY;
    for b in buckets.iter_mut() {
        if b.count > max {
            max = b.count;
        } else if b.count < max {
            b.count = max;
        }
    }
    if buckets.len() < 2 {
        return f64::NAN;
    }
    let observations = buckets[buckets.len() - 1].count;
    if observations == 0.0 {
        return f64::NAN;
    }
    let mut rank = q * observations;
    let n = buckets.len() - 1;
    let b = go_search(n, |i| buckets[i].count >= rank);
    if b == n {
        return buckets[n - 1].upper;
    }
    if b == 0 && buckets[0].upper <= 0.0 {
        return buckets[0].upper;
    }
    let mut start = 0.0;
    let end = buckets[b].upper;
    let mut count = buckets[b].count;
    if b > 0 {
        start = buckets[b - 1].upper;
        count -= buckets[b - 1].count;
        rank -= buckets[b - 1].count;
    }
    start + (end - start) * (rank / count)
}

/// Go's `sort.Search`: the smallest index in `[0, n)` where `f` holds,
/// probing in the same order (it matters when counts are NaN).
fn go_search(n: usize, f: impl Fn(usize) -> bool) -> usize {
    let (mut i, mut j) = (0, n);
    while i < j {
        let h = (i + j) / 2;
        if f(h) {
            j = h;
        } else {
            i = h + 1;
        }
    }
    i
}

/// Parses an `le` value (`+Inf`, `1e-3`, `0.5`...).
fn parse_le(s: &str) -> Option<f64> {
    s.parse::<f64>().ok()
}

/// `histogram_quantile(q, buckets)`: one output per label set without
/// `le`, named or not; series without a parsable `le` are ignored. The
/// output drops the metric name, so buckets of two metrics with the same
/// other labels collide, an error as in Prometheus 2.42.
pub(crate) fn histogram_quantile(q: f64, input: Vec<Sample>) -> Result<Vec<Sample>> {
    let mut order: Vec<Labels> = Vec::new();
    let mut groups: FastMap<Labels, Vec<Bucket>> = FastMap::default();
    for s in input {
        let Some(upper) = s.labels.get("le").and_then(parse_le) else {
            continue;
        };
        let key = s.labels.drop_names(&["le"]);
        let entry = groups.entry(key.clone()).or_insert_with(|| {
            order.push(key);
            Vec::new()
        });
        entry.push(Bucket {
            upper,
            count: s.value,
        });
    }
    let mut out = Vec::with_capacity(order.len());
    for labels in order {
        let mut b = groups.remove(&labels).unwrap_or_default();
        out.push(Sample {
            value: bucket_quantile(q, &mut b),
            labels: labels.drop_names(&[METRIC_NAME]),
        });
    }
    super::eval::check_unique(&out)?;
    Ok(out)
}
