//! Aggregation operators with `by` / `without` and their parameters.

use super::eval::{invalid, unsupported, Evaluator, FastMap, Result};
use super::{Sample, Value};
use crate::vocab::labels::{Labels, METRIC_NAME};
use promql_parser::parser::token::*;
use promql_parser::parser::{AggregateExpr, LabelModifier};
use std::cmp::Ordering;

/// Prometheus's label name syntax.
pub(crate) fn valid_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// Formats a float as Go's `strconv.FormatFloat(v, 'f', -1, 64)`.
pub(crate) fn format_go_float(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}

/// Ordering used by Prometheus's value heaps: NaN sorts lowest.
pub(crate) fn nan_low(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

/// Ascending order with NaN highest (bottomk).
fn nan_high(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

/// The φ-quantile of `values` with linear interpolation (Prometheus's
/// `quantile`).
pub(crate) fn quantile(q: f64, values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    values.sort_by(|a, b| nan_low(*a, *b));
    let n = values.len() as f64;
    let rank = q * (n - 1.0);
    let lower = rank.floor().max(0.0);
    let upper = (lower + 1.0).min(n - 1.0);
    let weight = rank - rank.floor();
    values[lower as usize] * (1.0 - weight) + values[upper as usize] * weight
}

pub(crate) struct Group {
    pub(crate) labels: Labels,
    pub(crate) value: f64,
    pub(crate) mean: f64,
    pub(crate) count: usize,
    samples: Vec<Sample>,
}

/// Folds one more value into a group of `sum`, `avg`, `min`, `max`,
/// `count`, `group`, `stddev` or `stdvar`.
pub(crate) fn accumulate(g: &mut Group, op: TokenId, v: f64) {
    g.count += 1;
    match op {
        T_SUM => g.value += v,
        T_AVG => {
            let n = g.count as f64;
            if g.mean.is_infinite() {
                if v.is_infinite() && (g.mean > 0.0) == (v > 0.0) {
                    return;
                }
                if !v.is_infinite() && !v.is_nan() {
                    return;
                }
            }
            g.mean += v / n - g.mean / n;
        }
        T_MAX if g.value < v || g.value.is_nan() => g.value = v,
        T_MIN if g.value > v || g.value.is_nan() => g.value = v,
        T_STDDEV | T_STDVAR => {
            let n = g.count as f64;
            let delta = v - g.mean;
            g.mean += delta / n;
            g.value += delta * (v - g.mean);
        }
        _ => {}
    }
}

/// A new group holding its first value.
pub(crate) fn new_group(labels: Labels, op: TokenId, v: f64) -> Group {
    Group {
        labels,
        value: match op {
            T_STDDEV | T_STDVAR => 0.0,
            T_GROUP => 1.0,
            _ => v,
        },
        mean: v,
        count: 1,
        samples: Vec::new(),
    }
}

/// The final value of a simple group.
pub(crate) fn finish(g: &Group, op: TokenId) -> f64 {
    match op {
        T_AVG => g.mean,
        T_COUNT | T_COUNT_VALUES => g.count as f64,
        T_STDVAR => g.value / g.count as f64,
        T_STDDEV => (g.value / g.count as f64).sqrt(),
        _ => g.value,
    }
}

pub(crate) fn group_key(l: &Labels, without: bool, names: &[String]) -> Labels {
    if without {
        let mut k = l.drop_names(names);
        k.remove(METRIC_NAME);
        k
    } else {
        l.keep(names)
    }
}

impl Evaluator<'_> {
    pub(crate) fn aggregate(&self, a: &AggregateExpr, t: i64) -> Result<Value> {
        let op = a.op.id();
        if matches!(op, T_LIMITK | T_LIMIT_RATIO) {
            return unsupported(format!("aggregation {} (not in Prometheus 2.42)", a.op));
        }
        let (without, mut names): (bool, Vec<String>) = match &a.modifier {
            None => (false, Vec::new()),
            Some(LabelModifier::Include(l)) => (false, l.labels.clone()),
            Some(LabelModifier::Exclude(l)) => (true, l.labels.clone()),
        };
        let mut scalar_param = f64::NAN;
        let mut value_label = String::new();
        if let Some(p) = &a.param {
            if op == T_COUNT_VALUES {
                value_label = self.eval_string(p, t)?;
                if !valid_label_name(&value_label) {
                    return invalid(format!("invalid label name {value_label:?}"));
                }
                if !without {
                    names.push(value_label.clone());
                }
            } else {
                scalar_param = self.eval_scalar(p, t)?;
            }
        }
        if let Some(v) = self.fused_aggregate(a, op, without, &names, t)? {
            return Ok(Value::Vector(v));
        }
        let mut input = self.eval_vector(&a.expr, t)?;
        if op == T_COUNT_VALUES {
            for s in &mut input {
                s.labels.set(&value_label, &format_go_float(s.value));
            }
        }
        let k = if matches!(op, T_TOPK | T_BOTTOMK) {
            // Go's float to int64 conversion truncates towards zero.
            let k = scalar_param;
            if k.is_nan() || k < 1.0 {
                return Ok(Value::Vector(Vec::new()));
            }
            k.min(i64::MAX as f64) as usize
        } else {
            0
        };
        let mut groups: Vec<Group> = Vec::new();
        let mut index: FastMap<Labels, usize> = FastMap::default();
        for s in input {
            let key = group_key(&s.labels, without, &names);
            let gi = match index.get(&key) {
                Some(&i) => i,
                None => {
                    index.insert(key.clone(), groups.len());
                    let mut g = new_group(key, op, s.value);
                    if matches!(op, T_TOPK | T_BOTTOMK | T_QUANTILE) {
                        g.samples.push(s);
                    }
                    groups.push(g);
                    continue;
                }
            };
            let g = &mut groups[gi];
            match op {
                T_TOPK | T_BOTTOMK | T_QUANTILE => {
                    g.count += 1;
                    g.samples.push(s);
                }
                T_SUM | T_AVG | T_MAX | T_MIN | T_STDDEV | T_STDVAR | T_COUNT | T_COUNT_VALUES
                | T_GROUP => accumulate(g, op, s.value),
                _ => return unsupported(format!("aggregation {}", a.op)),
            }
        }
        let mut out = Vec::with_capacity(groups.len());
        for mut g in groups {
            let value = match op {
                T_QUANTILE => {
                    let mut vals: Vec<f64> = g.samples.iter().map(|s| s.value).collect();
                    quantile(scalar_param, &mut vals)
                }
                T_TOPK | T_BOTTOMK => {
                    if op == T_TOPK {
                        g.samples.sort_by(|a, b| nan_low(b.value, a.value));
                    } else {
                        g.samples.sort_by(|a, b| nan_high(a.value, b.value));
                    }
                    g.samples.truncate(k);
                    out.extend(g.samples);
                    continue;
                }
                _ => finish(&g, op),
            };
            out.push(Sample {
                labels: g.labels,
                value,
            });
        }
        Ok(Value::Vector(out))
    }
}
