//! Function calls: dispatch, instant-vector functions and label functions.

use super::eval::{check_unique, invalid, unparen, unsupported, Evaluator, Result};
use super::histogram::histogram_quantile;
use super::math::{date_part, go_max, go_min, simple};
use super::range_functions::{
    extrapolated_rate, holt_winters, instant_value, linear_regression, over_time,
};
use super::{Sample, Value};
use crate::vocab::labels::{Labels, METRIC_NAME};
use promql_parser::label::MatchOp;
use promql_parser::parser::{Call, Expr};

/// Functions that existed after Prometheus 2.42 or work on native histograms.
const NOT_IN_242: &[&str] = &[
    "histogram_avg",
    "histogram_count",
    "histogram_fraction",
    "histogram_quantiles",
    "histogram_stddev",
    "histogram_stdvar",
    "histogram_sum",
    "info",
    "double_exponential_smoothing",
    "max_of",
    "min_of",
    "mad_over_time",
    "ts_of_first_over_time",
    "ts_of_last_over_time",
    "ts_of_max_over_time",
    "ts_of_min_over_time",
    "first_over_time",
    "sort_by_label",
    "sort_by_label_desc",
    "start",
    "end",
    "step",
    "range",
    "start_timestamp",
    "limitk",
];

/// Labels `absent()` gives its answer: the equality matchers of a selector.
fn absent_labels(e: &Expr) -> Labels {
    let vs = match unparen(e) {
        Expr::VectorSelector(vs) => vs,
        Expr::MatrixSelector(ms) => &ms.vs,
        _ => return Labels::new(),
    };
    let mut out = Labels::new();
    let mut drop: Vec<&str> = Vec::new();
    for m in &vs.matchers.matchers {
        if m.name == METRIC_NAME {
            continue;
        }
        if matches!(m.op, MatchOp::Equal) && out.get(&m.name).is_none() {
            out.set(&m.name, &m.value);
        } else {
            drop.push(&m.name);
        }
    }
    out.drop_names(&drop)
}

/// The value of range function `name` over one series' samples `p` in
/// `[rt - range, rt]`, evaluated at `t`.
pub(crate) fn range_value(
    name: &str,
    p: &[(i64, f64)],
    range: i64,
    rt: i64,
    t: i64,
    param: f64,
    param2: f64,
) -> Result<Option<f64>> {
    Ok(match name {
        "rate" => extrapolated_rate(p, rt.saturating_sub(range), rt, range, true, true),
        "increase" => extrapolated_rate(p, rt.saturating_sub(range), rt, range, true, false),
        "delta" => extrapolated_rate(p, rt.saturating_sub(range), rt, range, false, false),
        "irate" => instant_value(p, true),
        "idelta" => instant_value(p, false),
        "deriv" if p.len() >= 2 => Some(linear_regression(p, p[0].0).0),
        "predict_linear" if p.len() >= 2 => {
            let (slope, intercept) = linear_regression(p, t);
            Some(slope * param + intercept)
        }
        "holt_winters" => holt_winters(p, param, param2)?,
        "deriv" | "predict_linear" => None,
        _ => over_time(name, p, param),
    })
}

/// True when the call's first series argument is a selector with a fixed
/// metric name: its series then differ in other labels, so dropping the
/// name cannot make two results collide.
fn name_pinned(c: &Call) -> bool {
    for a in &c.args.args {
        match unparen(a) {
            Expr::VectorSelector(vs) => return vs.name.is_some(),
            Expr::MatrixSelector(ms) => return ms.vs.name.is_some(),
            Expr::NumberLiteral(_) | Expr::StringLiteral(_) => continue,
            _ => return false,
        }
    }
    false
}

fn map_values(v: Vec<Sample>, f: impl Fn(f64) -> f64) -> Vec<Sample> {
    v.into_iter()
        .map(|mut s| {
            s.value = f(s.value);
            s.labels.remove(METRIC_NAME);
            s
        })
        .collect()
}

impl Evaluator<'_> {
    pub(crate) fn arg<'c>(&self, c: &'c Call, i: usize) -> Result<&'c Expr> {
        match c.args.args.get(i) {
            Some(a) => Ok(a),
            None => invalid(format!("missing argument {} of {}", i + 1, c.func.name)),
        }
    }

    pub(crate) fn call(&self, c: &Call, t: i64) -> Result<Value> {
        let name = c.func.name;
        if NOT_IN_242.contains(&name) {
            return unsupported(format!(
                "function {name} (not in Prometheus 2.42 or native histograms)"
            ));
        }
        let out = match name {
            "time" => return Ok(Value::Scalar(t as f64 / 1000.0)),
            "pi" => return Ok(Value::Scalar(std::f64::consts::PI)),
            "vector" => {
                let v = self.eval_scalar(self.arg(c, 0)?, t)?;
                vec![Sample {
                    labels: Labels::new(),
                    value: v,
                }]
            }
            "scalar" => {
                let v = self.eval_vector(self.arg(c, 0)?, t)?;
                return Ok(Value::Scalar(if v.len() == 1 {
                    v[0].value
                } else {
                    f64::NAN
                }));
            }
            "timestamp" => {
                let a = self.arg(c, 0)?;
                // Prometheus 2.42 looks through parentheses for the selector.
                let v = match unparen(a) {
                    Expr::VectorSelector(vs) => self.vector_selector(vs, t, true)?,
                    _ => self
                        .eval_vector(a, t)?
                        .into_iter()
                        .map(|mut s| {
                            s.value = t as f64 / 1000.0;
                            s
                        })
                        .collect(),
                };
                map_values(v, |x| x)
            }
            "absent" => {
                let a = self.arg(c, 0)?;
                if self.eval_vector(a, t)?.is_empty() {
                    vec![Sample {
                        labels: absent_labels(a),
                        value: 1.0,
                    }]
                } else {
                    Vec::new()
                }
            }
            "absent_over_time" => {
                let a = self.arg(c, 0)?;
                let (m, _, _) = self.matrix_arg(a, t)?;
                if m.iter().all(|s| s.points.is_empty()) {
                    vec![Sample {
                        labels: absent_labels(a),
                        value: 1.0,
                    }]
                } else {
                    Vec::new()
                }
            }
            "rate" | "increase" | "delta" | "irate" | "idelta" | "deriv" | "predict_linear"
            | "holt_winters" | "changes" | "resets" | "avg_over_time" | "sum_over_time"
            | "count_over_time" | "min_over_time" | "max_over_time" | "last_over_time"
            | "present_over_time" | "quantile_over_time" | "stddev_over_time"
            | "stdvar_over_time" => self.range_call(c, t)?,
            "histogram_quantile" => {
                let q = self.eval_scalar(self.arg(c, 0)?, t)?;
                histogram_quantile(q, self.eval_vector(self.arg(c, 1)?, t)?)?
            }
            "round" => {
                let v = self.eval_vector(self.arg(c, 0)?, t)?;
                let to = match c.args.args.get(1) {
                    Some(a) => self.eval_scalar(a, t)?,
                    None => 1.0,
                };
                let inv = 1.0 / to;
                map_values(v, |x| (x * inv + 0.5).floor() / inv)
            }
            "clamp" => {
                let v = self.eval_vector(self.arg(c, 0)?, t)?;
                let lo = self.eval_scalar(self.arg(c, 1)?, t)?;
                let hi = self.eval_scalar(self.arg(c, 2)?, t)?;
                if hi < lo {
                    Vec::new()
                } else {
                    map_values(v, |x| go_max(lo, go_min(hi, x)))
                }
            }
            "clamp_max" => {
                let v = self.eval_vector(self.arg(c, 0)?, t)?;
                let hi = self.eval_scalar(self.arg(c, 1)?, t)?;
                map_values(v, |x| go_min(x, hi))
            }
            "clamp_min" => {
                let v = self.eval_vector(self.arg(c, 0)?, t)?;
                let lo = self.eval_scalar(self.arg(c, 1)?, t)?;
                map_values(v, |x| go_max(x, lo))
            }
            "sort" | "sort_desc" => {
                let v = self.eval_vector(self.arg(c, 0)?, t)?;
                return Ok(Value::Vector(sort_like_prometheus(v, name == "sort_desc")));
            }
            "label_replace" => self.label_replace(c, t)?,
            "label_join" => self.label_join(c, t)?,
            "day_of_month" | "day_of_week" | "day_of_year" | "days_in_month" | "hour"
            | "minute" | "month" | "year" => {
                let v = match c.args.args.first() {
                    Some(a) => self.eval_vector(a, t)?,
                    None => vec![Sample {
                        labels: Labels::new(),
                        value: t as f64 / 1000.0,
                    }],
                };
                map_values(v, |x| date_part(name, x))
            }
            _ => match simple(name, 0.0) {
                Some(_) => {
                    let v = self.eval_vector(self.arg(c, 0)?, t)?;
                    map_values(v, |x| simple(name, x).unwrap_or(f64::NAN))
                }
                None => return unsupported(format!("function {name}")),
            },
        };
        if !name_pinned(c) || name.starts_with("label_") {
            check_unique(&out)?;
        }
        Ok(Value::Vector(out))
    }

    /// Functions whose argument is a range vector.
    fn range_call(&self, c: &Call, t: i64) -> Result<Vec<Sample>> {
        let name = c.func.name;
        let mut param = f64::NAN;
        let mut param2 = f64::NAN;
        let matrix_index = if name == "quantile_over_time" { 1 } else { 0 };
        match name {
            "quantile_over_time" => param = self.eval_scalar(self.arg(c, 0)?, t)?,
            "predict_linear" => param = self.eval_scalar(self.arg(c, 1)?, t)?,
            "holt_winters" => {
                param = self.eval_scalar(self.arg(c, 1)?, t)?;
                param2 = self.eval_scalar(self.arg(c, 2)?, t)?;
            }
            _ => {}
        }
        let compute = |p: &[(i64, f64)], range: i64, rt: i64| {
            range_value(name, p, range, rt, t, param, param2)
        };
        let keep_name = name == "last_over_time";
        let arg = self.arg(c, matrix_index)?;
        let mut out = Vec::new();
        if let Expr::MatrixSelector(ms) = unparen(arg) {
            // Straight from the store, reusing one buffer for the samples.
            let range = super::eval::duration_ms(&ms.range);
            let rt = self.ref_time(t, &ms.vs.at, &ms.vs.offset);
            let ids = self.select(&ms.vs)?;
            out.reserve(ids.len());
            let mut buf: Vec<(i64, f64)> = Vec::new();
            for &id in ids.iter() {
                let Some(s) = self.store.get(id) else {
                    continue;
                };
                buf.clear();
                buf.extend(
                    self.read_range(id, s, rt.saturating_sub(range), rt)
                        .filter(|p| !crate::store::is_stale_nan(p.1)),
                );
                if buf.is_empty() {
                    continue;
                }
                if let Some(value) = compute(&buf, range, rt)? {
                    let labels = if keep_name {
                        s.labels().clone()
                    } else {
                        s.labels().without_name()
                    };
                    out.push(Sample { labels, value });
                }
            }
            return Ok(out);
        }
        let (m, range, rt) = self.matrix_arg(arg, t)?;
        for s in m {
            if let Some(value) = compute(&s.points, range, rt)? {
                let mut labels = s.labels;
                if !keep_name {
                    labels.remove(METRIC_NAME);
                }
                out.push(Sample { labels, value });
            }
        }
        Ok(out)
    }
}

/// `sort` / `sort_desc` as Prometheus 2.42 orders them: by value (equal
/// values keep their order), NaN samples last in reverse order of the
/// input, which is ordered by labels as a selector returns it (Go's sort
/// with a comparator that calls NaN smaller than anything, reversed).
fn sort_like_prometheus(mut v: Vec<Sample>, descending: bool) -> Vec<Sample> {
    v.sort_by(|a, b| a.labels.cmp(&b.labels));
    let (mut numbers, mut nans): (Vec<Sample>, Vec<Sample>) =
        v.into_iter().partition(|s| !s.value.is_nan());
    numbers.sort_by(|a, b| {
        let o = a
            .value
            .partial_cmp(&b.value)
            .unwrap_or(std::cmp::Ordering::Equal);
        if descending {
            o.reverse()
        } else {
            o
        }
    });
    nans.reverse();
    numbers.extend(nans);
    numbers
}
