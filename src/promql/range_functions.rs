//! Functions over range vectors: the rate family and `*_over_time`.

use super::aggregate::quantile;
use super::eval::{invalid, Result};

/// Neumaier-compensated summation step (Prometheus's `kahanSumInc`).
pub(crate) fn kahan_inc(inc: f64, sum: f64, c: f64) -> (f64, f64) {
    let t = sum + inc;
    let c = if sum.abs() >= inc.abs() {
        c + ((sum - t) + inc)
    } else {
        c + ((inc - t) + sum)
    };
    (t, c)
}

/// `rate`, `increase` and `delta`: the change over the samples in
/// `[range_start, range_end]`, with counter resets (for counters) and
/// extrapolation to the range edges exactly as Prometheus's
/// `extrapolatedRate`.
pub(crate) fn extrapolated_rate(
    pts: &[(i64, f64)],
    range_start: i64,
    range_end: i64,
    range_ms: i64,
    is_counter: bool,
    is_rate: bool,
) -> Option<f64> {
    if pts.len() < 2 {
        return None;
    }
    let (first_t, first_v) = pts[0];
    let (last_t, last_v) = pts[pts.len() - 1];
    let mut result = last_v - first_v;
    if is_counter {
        let mut prev = first_v;
        for &(_, v) in &pts[1..] {
            if v < prev {
                result += prev;
            }
            prev = v;
        }
    }
    let mut to_start = first_t.saturating_sub(range_start) as f64 / 1000.0;
    let to_end = range_end.saturating_sub(last_t) as f64 / 1000.0;
    let sampled = (last_t - first_t) as f64 / 1000.0;
    let avg_step = sampled / (pts.len() - 1) as f64;
    if is_counter && result > 0.0 && first_v >= 0.0 {
        let to_zero = sampled * (first_v / result);
        if to_zero < to_start {
            to_start = to_zero;
        }
    }
    let threshold = avg_step * 1.1;
    let mut interval = sampled;
    interval += if to_start < threshold {
        to_start
    } else {
        avg_step / 2.0
    };
    interval += if to_end < threshold {
        to_end
    } else {
        avg_step / 2.0
    };
    let mut factor = interval / sampled;
    if is_rate {
        factor /= range_ms as f64 / 1000.0;
    }
    Some(result * factor)
}

/// `irate` and `idelta`: from the last two samples.
pub(crate) fn instant_value(pts: &[(i64, f64)], is_rate: bool) -> Option<f64> {
    if pts.len() < 2 {
        return None;
    }
    let (lt, lv) = pts[pts.len() - 1];
    let (pt, pv) = pts[pts.len() - 2];
    let interval = lt - pt;
    if interval == 0 {
        return None;
    }
    let mut r = lv - pv;
    if is_rate && lv < pv {
        r = lv;
    }
    if is_rate {
        r /= interval as f64 / 1000.0;
    }
    Some(r)
}

/// Least-squares slope and intercept, x in seconds relative to `t0`.
pub(crate) fn linear_regression(pts: &[(i64, f64)], t0: i64) -> (f64, f64) {
    let mut n = 0.0;
    let (mut sx, mut cx, mut sy, mut cy) = (0.0, 0.0, 0.0, 0.0);
    let (mut sxy, mut cxy, mut sx2, mut cx2) = (0.0, 0.0, 0.0, 0.0);
    let init_y = pts[0].1;
    let mut const_y = true;
    for (i, &(t, v)) in pts.iter().enumerate() {
        if const_y && i > 0 && v != init_y {
            const_y = false;
        }
        n += 1.0;
        let x = (t - t0) as f64 / 1000.0;
        (sx, cx) = kahan_inc(x, sx, cx);
        (sy, cy) = kahan_inc(v, sy, cy);
        (sxy, cxy) = kahan_inc(x * v, sxy, cxy);
        (sx2, cx2) = kahan_inc(x * x, sx2, cx2);
    }
    if const_y {
        if init_y.is_infinite() {
            return (f64::NAN, f64::NAN);
        }
        return (0.0, init_y);
    }
    let (sx, sy, sxy, sx2) = (sx + cx, sy + cy, sxy + cxy, sx2 + cx2);
    let cov = sxy - sx * sy / n;
    let var = sx2 - sx * sx / n;
    let slope = cov / var;
    let intercept = sy / n - slope * sx / n;
    (slope, intercept)
}

/// `holt_winters(v, sf, tf)`: double exponential smoothing.
pub(crate) fn holt_winters(pts: &[(i64, f64)], sf: f64, tf: f64) -> Result<Option<f64>> {
    if sf <= 0.0 || sf >= 1.0 {
        return invalid(format!(
            "invalid smoothing factor. Expected: 0 < sf < 1, got: {sf:.6}"
        ));
    }
    if tf <= 0.0 || tf >= 1.0 {
        return invalid(format!(
            "invalid trend factor. Expected: 0 < tf < 1, got: {tf:.6}"
        ));
    }
    if pts.len() < 2 {
        return Ok(None);
    }
    let (mut s0, mut s1) = (0.0, pts[0].1);
    let mut b = pts[1].1 - pts[0].1;
    for (i, p) in pts.iter().enumerate().skip(1) {
        let x = sf * p.1;
        if i > 1 {
            b = tf * (s1 - s0) + (1.0 - tf) * b;
        }
        let y = (1.0 - sf) * (s1 + b);
        s0 = s1;
        s1 = x + y;
    }
    Ok(Some(s1))
}

/// The `*_over_time` family, `changes` and `resets`. `param` is the
/// quantile for `quantile_over_time`.
pub(crate) fn over_time(name: &str, pts: &[(i64, f64)], param: f64) -> Option<f64> {
    let vals = || pts.iter().map(|p| p.1);
    Some(match name {
        "avg_over_time" => {
            let (mut mean, mut count, mut c) = (0.0f64, 0.0, 0.0);
            for v in vals() {
                count += 1.0;
                if mean.is_infinite() {
                    if v.is_infinite() && (mean > 0.0) == (v > 0.0) {
                        continue;
                    }
                    if !v.is_infinite() && !v.is_nan() {
                        continue;
                    }
                }
                (mean, c) = kahan_inc(v / count - mean / count, mean, c);
            }
            if mean.is_infinite() {
                mean
            } else {
                mean + c
            }
        }
        "sum_over_time" => {
            let (mut sum, mut c) = (0.0f64, 0.0);
            for v in vals() {
                (sum, c) = kahan_inc(v, sum, c);
            }
            if sum.is_infinite() {
                sum
            } else {
                sum + c
            }
        }
        "count_over_time" => pts.len() as f64,
        "min_over_time" => vals().fold(f64::NAN, |m, v| if v < m || m.is_nan() { v } else { m }),
        "max_over_time" => vals().fold(f64::NAN, |m, v| if v > m || m.is_nan() { v } else { m }),
        "last_over_time" => pts.last()?.1,
        "present_over_time" => 1.0,
        "quantile_over_time" => {
            let mut v: Vec<f64> = vals().collect();
            quantile(param, &mut v)
        }
        "stddev_over_time" | "stdvar_over_time" => {
            let (mut count, mut mean, mut cmean, mut aux, mut caux) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for v in vals() {
                count += 1.0;
                let delta = v - (mean + cmean);
                (mean, cmean) = kahan_inc(delta / count, mean, cmean);
                (aux, caux) = kahan_inc(delta * (v - (mean + cmean)), aux, caux);
            }
            let var = (aux + caux) / count;
            if name == "stddev_over_time" {
                var.sqrt()
            } else {
                var
            }
        }
        "changes" => {
            let mut n = 0.0;
            for w in pts.windows(2) {
                let (p, c) = (w[0].1, w[1].1);
                if c != p && !(c.is_nan() && p.is_nan()) {
                    n += 1.0;
                }
            }
            n
        }
        "resets" => pts.windows(2).filter(|w| w[1].1 < w[0].1).count() as f64,
        _ => return None,
    })
}
