//! A fast path for the panels' shape `agg by (...) (f(sel[r]))` and
//! `agg by (...) (sel)`: each series' group is worked out once per
//! evaluation (not once per step), and values are folded into the groups
//! without building intermediate vectors. The arithmetic is the same code
//! as the general path, in the same order.

use super::aggregate::{accumulate, finish, group_key, new_group, Group};
use super::eval::{duration_ms, unparen, Evaluator, Result};
use super::functions::range_value;
use super::Sample;
use crate::store::{is_stale_nan, SeriesId};
use crate::vocab::labels::Labels;
use promql_parser::parser::token::*;
use promql_parser::parser::{AggregateExpr, Expr, VectorSelector};
use std::rc::Rc;

/// Series ids of the input selector with the index of their group.
pub(crate) struct Grouping {
    members: Vec<(SeriesId, usize)>,
    groups: Vec<Labels>,
}

/// Range functions whose result is one value per series, without
/// parameters, dropping the metric name.
const FUNCS: &[&str] = &[
    "rate",
    "increase",
    "delta",
    "irate",
    "idelta",
    "deriv",
    "changes",
    "resets",
    "avg_over_time",
    "sum_over_time",
    "count_over_time",
    "min_over_time",
    "max_over_time",
    "stddev_over_time",
    "stdvar_over_time",
    "present_over_time",
];

impl Evaluator<'_> {
    fn grouping(
        &self,
        a: &AggregateExpr,
        vs: &VectorSelector,
        drop_name: bool,
        without: bool,
        names: &[String],
    ) -> Result<Rc<Grouping>> {
        let key = a as *const AggregateExpr as usize;
        if let Some(g) = self.groupings.borrow().get(&key) {
            return Ok(g.clone());
        }
        let ids = self.select(vs)?;
        let mut index: super::eval::FastMap<Labels, usize> = Default::default();
        let mut g = Grouping {
            members: Vec::with_capacity(ids.len()),
            groups: Vec::new(),
        };
        for &id in ids.iter() {
            let Some(s) = self.store.get(id) else {
                continue;
            };
            let labels = if drop_name {
                s.labels().without_name()
            } else {
                s.labels().clone()
            };
            let k = group_key(&labels, without, names);
            let gi = *index.entry(k.clone()).or_insert_with(|| {
                g.groups.push(k);
                g.groups.len() - 1
            });
            g.members.push((id, gi));
        }
        let g = Rc::new(g);
        self.groupings.borrow_mut().insert(key, g.clone());
        Ok(g)
    }

    /// `Some(result)` when the aggregation has the fast shape.
    pub(crate) fn fused_aggregate(
        &self,
        a: &AggregateExpr,
        op: TokenId,
        without: bool,
        names: &[String],
        t: i64,
    ) -> Result<Option<Vec<Sample>>> {
        if !matches!(
            op,
            T_SUM | T_AVG | T_MIN | T_MAX | T_COUNT | T_GROUP | T_STDDEV | T_STDVAR
        ) {
            return Ok(None);
        }
        enum Input<'e> {
            Instant(&'e VectorSelector),
            Range(&'e str, &'e VectorSelector, i64),
        }
        let input = match unparen(&a.expr) {
            Expr::VectorSelector(vs) => Input::Instant(vs),
            Expr::Call(c) if FUNCS.contains(&c.func.name) && c.args.args.len() == 1 => {
                match unparen(&c.args.args[0]) {
                    // A fixed name: dropping it cannot make results collide.
                    Expr::MatrixSelector(ms) if ms.vs.name.is_some() => {
                        Input::Range(c.func.name, &ms.vs, duration_ms(&ms.range))
                    }
                    _ => return Ok(None),
                }
            }
            _ => return Ok(None),
        };
        let (vs, drop_name) = match &input {
            Input::Instant(vs) => (*vs, false),
            Input::Range(_, vs, _) => (*vs, true),
        };
        let grouping = self.grouping(a, vs, drop_name, without, names)?;
        let rt = self.ref_time(t, &vs.at, &vs.offset);
        if matches!(input, Input::Instant(_)) {
            self.meter.charge(grouping.members.len())?;
        }
        let mut acc: Vec<Option<Group>> = (0..grouping.groups.len()).map(|_| None).collect();
        let mut buf: Vec<(i64, f64)> = Vec::new();
        for &(id, gi) in &grouping.members {
            let Some(s) = self.store.get(id) else {
                continue;
            };
            let v = match &input {
                Input::Instant(_) => match self.read_at(id, s, rt) {
                    Some((ts, v))
                        if ts >= rt.saturating_sub(super::eval::LOOKBACK_MS)
                            && !is_stale_nan(v) =>
                    {
                        v
                    }
                    _ => continue,
                },
                Input::Range(name, _, range) => {
                    buf.clear();
                    buf.extend(
                        self.read_range(id, s, rt.saturating_sub(*range), rt)
                            .filter(|p| !is_stale_nan(p.1)),
                    );
                    self.meter.charge(buf.len().max(1))?;
                    if buf.is_empty() {
                        continue;
                    }
                    match range_value(name, &buf, *range, rt, t, f64::NAN, f64::NAN)? {
                        Some(v) => v,
                        None => continue,
                    }
                }
            };
            match &mut acc[gi] {
                Some(g) => accumulate(g, op, v),
                slot @ None => *slot = Some(new_group(Labels::new(), op, v)),
            }
        }
        Ok(Some(
            acc.into_iter()
                .zip(&grouping.groups)
                .filter_map(|(g, labels)| {
                    g.map(|g| Sample {
                        labels: labels.clone(),
                        value: finish(&g, op),
                    })
                })
                .collect(),
        ))
    }
}
