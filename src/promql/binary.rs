//! Binary operators: arithmetic, comparison and set operators between
//! scalars and instant vectors, with Prometheus's vector matching.

use super::eval::{check_unique, invalid, unsupported, Evaluator, FastMap, FastSet, Result};
use super::{Sample, Value};
use crate::vocab::labels::{Labels, METRIC_NAME};
use promql_parser::parser::token::*;
use promql_parser::parser::{BinModifier, BinaryExpr, LabelModifier, VectorMatchCardinality};

/// Applies an arithmetic or comparison operator. For comparisons the value
/// is the left operand and the flag says whether the comparison held.
pub(crate) fn apply(op: TokenId, l: f64, r: f64) -> Option<(f64, bool)> {
    Some(match op {
        T_ADD => (l + r, true),
        T_SUB => (l - r, true),
        T_MUL => (l * r, true),
        T_DIV => (l / r, true),
        T_MOD => (l % r, true),
        T_POW => (l.powf(r), true),
        T_ATAN2 => (l.atan2(r), true),
        T_EQLC => (l, l == r),
        T_NEQ => (l, l != r),
        T_GTR => (l, l > r),
        T_LSS => (l, l < r),
        T_GTE => (l, l >= r),
        T_LTE => (l, l <= r),
        _ => return None,
    })
}

/// Arithmetic operators drop the metric name (atan2 keeps it in 2.42).
fn drops_name(op: TokenId) -> bool {
    matches!(op, T_ADD | T_SUB | T_MUL | T_DIV | T_MOD | T_POW)
}

fn is_comparison(op: TokenId) -> bool {
    matches!(op, T_EQLC | T_NEQ | T_GTR | T_LSS | T_GTE | T_LTE)
}

/// The key two samples match on.
fn signature(labels: &Labels, on: bool, names: &[String]) -> Labels {
    if on {
        labels.keep(names)
    } else {
        let mut l = labels.drop_names(names);
        l.remove(METRIC_NAME);
        l
    }
}

struct Matching<'m> {
    on: bool,
    names: &'m [String],
    card: &'m VectorMatchCardinality,
}

fn matching(m: &Option<BinModifier>) -> Result<Matching<'_>> {
    static EMPTY: Vec<String> = Vec::new();
    static ONE: VectorMatchCardinality = VectorMatchCardinality::OneToOne;
    let Some(m) = m else {
        return Ok(Matching {
            on: false,
            names: &EMPTY,
            card: &ONE,
        });
    };
    if m.fill_values.lhs.is_some() || m.fill_values.rhs.is_some() {
        return unsupported("fill modifiers of binary operators (not in Prometheus 2.42)");
    }
    let (on, names) = match &m.matching {
        None => (false, &EMPTY),
        Some(LabelModifier::Include(l)) => (true, &l.labels),
        Some(LabelModifier::Exclude(l)) => (false, &l.labels),
    };
    Ok(Matching {
        on,
        names,
        card: &m.card,
    })
}

impl Evaluator<'_> {
    pub(crate) fn binary(&self, b: &BinaryExpr, t: i64) -> Result<Value> {
        let op = b.op.id();
        let return_bool = b.return_bool();
        let lhs = self.eval(&b.lhs, t)?;
        let rhs = self.eval(&b.rhs, t)?;
        match (lhs, rhs) {
            (Value::Scalar(l), Value::Scalar(r)) => {
                let Some((v, keep)) = apply(op, l, r) else {
                    return invalid(format!("operator {} not allowed between scalars", b.op));
                };
                if is_comparison(op) {
                    Ok(Value::Scalar(if keep { 1.0 } else { 0.0 }))
                } else {
                    Ok(Value::Scalar(v))
                }
            }
            (Value::Vector(v), Value::Scalar(s)) => {
                vector_scalar(op, v, s, false, return_bool).map(Value::Vector)
            }
            (Value::Scalar(s), Value::Vector(v)) => {
                vector_scalar(op, v, s, true, return_bool).map(Value::Vector)
            }
            (Value::Vector(l), Value::Vector(r)) => {
                let m = matching(&b.modifier)?;
                let out = match op {
                    T_LAND => and(l, r, &m),
                    T_LOR => or(l, r, &m),
                    T_LUNLESS => unless(l, r, &m),
                    _ => vector_vector(op, l, r, &m, return_bool)?,
                };
                Ok(Value::Vector(out))
            }
            _ => invalid("binary operators need scalars or instant vectors"),
        }
    }
}

fn vector_scalar(
    op: TokenId,
    v: Vec<Sample>,
    s: f64,
    swap: bool,
    return_bool: bool,
) -> Result<Vec<Sample>> {
    let cmp = is_comparison(op);
    let mut out = Vec::with_capacity(v.len());
    for mut smp in v {
        let (l, r) = if swap { (s, smp.value) } else { (smp.value, s) };
        let Some((mut value, mut keep)) = apply(op, l, r) else {
            return invalid("set operators need vectors on both sides");
        };
        if cmp && swap {
            value = r;
        }
        if return_bool {
            value = if keep { 1.0 } else { 0.0 };
            keep = true;
        }
        if keep {
            smp.value = value;
            if drops_name(op) || return_bool {
                smp.labels.remove(METRIC_NAME);
            }
            out.push(smp);
        }
    }
    check_unique(&out)?;
    Ok(out)
}

fn vector_vector(
    op: TokenId,
    lhs: Vec<Sample>,
    rhs: Vec<Sample>,
    m: &Matching,
    return_bool: bool,
) -> Result<Vec<Sample>> {
    let (include, one_to_many): (&[String], bool) = match m.card {
        VectorMatchCardinality::OneToOne => (&[], false),
        VectorMatchCardinality::ManyToOne(l) => (&l.labels, false),
        VectorMatchCardinality::OneToMany(l) => (&l.labels, true),
        VectorMatchCardinality::ManyToMany => {
            return invalid("many-to-many matching is only allowed for set operators")
        }
    };
    let one_to_one = matches!(m.card, VectorMatchCardinality::OneToOne);
    let (many, one) = if one_to_many { (rhs, lhs) } else { (lhs, rhs) };
    let mut one_side: FastMap<Labels, Sample> =
        FastMap::with_capacity_and_hasher(one.len(), Default::default());
    for s in one {
        let sig = signature(&s.labels, m.on, m.names);
        if let Some(prev) = one_side.get(&sig) {
            let side = if one_to_many { "left" } else { "right" };
            return invalid(format!(
                "found duplicate series for the match group {sig} on the {side} hand-side of the operation: [{}, {}];many-to-many matching not allowed: matching labels must be unique on one side",
                s.labels, prev.labels
            ));
        }
        one_side.insert(sig, s);
    }
    let drop_name = drops_name(op) || return_bool;
    let mut matched: FastMap<Labels, FastSet<Labels>> = FastMap::default();
    let mut out = Vec::new();
    for ms in many {
        let sig = signature(&ms.labels, m.on, m.names);
        let Some(os) = one_side.get(&sig) else {
            continue;
        };
        let (l, r) = if one_to_many {
            (os.value, ms.value)
        } else {
            (ms.value, os.value)
        };
        let Some((mut value, keep)) = apply(op, l, r) else {
            return invalid(format!("unknown binary operator {op}"));
        };
        if return_bool {
            value = if keep { 1.0 } else { 0.0 };
        } else if !keep {
            continue;
        }
        let mut labels = ms.labels.clone();
        if drop_name {
            labels.remove(METRIC_NAME);
        }
        if one_to_one {
            labels = if m.on {
                labels.keep(m.names)
            } else {
                labels.drop_names(m.names)
            };
        }
        for name in include {
            match os.labels.get(name) {
                Some(v) => labels.set(name, v),
                None => labels.remove(name),
            }
        }
        let entry = matched.entry(sig).or_default();
        if one_to_one {
            if !entry.is_empty() {
                return invalid("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
            }
        } else if entry.contains(&labels) {
            return invalid(
                "multiple matches for labels: grouping labels must ensure unique matches",
            );
        }
        entry.insert(labels.clone());
        out.push(Sample { labels, value });
    }
    Ok(out)
}

fn sigs(v: &[Sample], m: &Matching) -> FastSet<Labels> {
    v.iter()
        .map(|s| signature(&s.labels, m.on, m.names))
        .collect()
}

fn and(lhs: Vec<Sample>, rhs: Vec<Sample>, m: &Matching) -> Vec<Sample> {
    if lhs.is_empty() || rhs.is_empty() {
        return Vec::new();
    }
    let right = sigs(&rhs, m);
    lhs.into_iter()
        .filter(|s| right.contains(&signature(&s.labels, m.on, m.names)))
        .collect()
}

fn or(mut lhs: Vec<Sample>, rhs: Vec<Sample>, m: &Matching) -> Vec<Sample> {
    if lhs.is_empty() {
        return rhs;
    }
    if rhs.is_empty() {
        return lhs;
    }
    let left = sigs(&lhs, m);
    lhs.extend(
        rhs.into_iter()
            .filter(|s| !left.contains(&signature(&s.labels, m.on, m.names))),
    );
    lhs
}

fn unless(lhs: Vec<Sample>, rhs: Vec<Sample>, m: &Matching) -> Vec<Sample> {
    if lhs.is_empty() || rhs.is_empty() {
        return lhs;
    }
    let right = sigs(&rhs, m);
    lhs.into_iter()
        .filter(|s| !right.contains(&signature(&s.labels, m.on, m.names)))
        .collect()
}
