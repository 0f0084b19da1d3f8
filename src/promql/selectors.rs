//! What an expression reads: the series behind its selectors, and how far
//! back in time it reaches.

use super::eval::{duration_ms, offset_ms, selector_matchers, system_time_ms, LOOKBACK_MS};
use crate::store::{SeriesId, Store};
use crate::vocab::labels::Labels;
use promql_parser::label::Matcher;
use promql_parser::parser::{AtModifier, Expr, Offset, VectorSelector};
use std::collections::BTreeSet;

/// Children of an expression node.
fn children(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::Aggregate(a) => {
            let mut v: Vec<&Expr> = a.param.iter().map(|p| p.as_ref()).collect();
            v.push(&a.expr);
            v
        }
        Expr::Unary(u) => vec![&u.expr],
        Expr::Binary(b) => vec![&b.lhs, &b.rhs],
        Expr::Paren(p) => vec![&p.expr],
        Expr::Subquery(s) => vec![&s.expr],
        Expr::Call(c) => c.args.args.iter().map(|a| a.as_ref()).collect(),
        _ => Vec::new(),
    }
}

/// The interval of reference times for evaluation times in `[lo, hi]`.
fn ref_window(lo: i64, hi: i64, at: &Option<AtModifier>, off: &Option<Offset>) -> (i64, i64) {
    let o = offset_ms(off);
    match at {
        Some(AtModifier::At(st)) => {
            let r = system_time_ms(st).saturating_sub(o);
            (r, r)
        }
        _ => (lo.saturating_sub(o), hi.saturating_sub(o)),
    }
}

fn collect(store: &Store, vs: &VectorSelector, lo: i64, hi: i64, out: &mut BTreeSet<SeriesId>) {
    let Ok(ms) = selector_matchers(vs) else {
        return;
    };
    let refs: Vec<&Matcher> = ms.iter().collect();
    for id in store.select(&refs) {
        if store.get(id).is_some_and(|s| s.has_samples_in(lo, hi)) {
            out.insert(id);
        }
    }
}

fn walk(store: &Store, e: &Expr, lo: i64, hi: i64, out: &mut BTreeSet<SeriesId>) {
    match e {
        Expr::VectorSelector(vs) => {
            let (a, b) = ref_window(lo, hi, &vs.at, &vs.offset);
            collect(store, vs, a.saturating_sub(LOOKBACK_MS), b, out);
        }
        Expr::MatrixSelector(ms) => {
            let (a, b) = ref_window(lo, hi, &ms.vs.at, &ms.vs.offset);
            collect(
                store,
                &ms.vs,
                a.saturating_sub(duration_ms(&ms.range)),
                b,
                out,
            );
        }
        Expr::Subquery(sq) => {
            let (a, b) = ref_window(lo, hi, &sq.at, &sq.offset);
            walk(
                store,
                &sq.expr,
                a.saturating_sub(duration_ms(&sq.range)),
                b,
                out,
            );
        }
        _ => {
            for c in children(e) {
                walk(store, c, lo, hi, out);
            }
        }
    }
}

pub(crate) fn matched_series(store: &Store, expr: &Expr, t: i64) -> Vec<Labels> {
    let mut ids = BTreeSet::new();
    walk(store, expr, t, t, &mut ids);
    ids.into_iter()
        .filter_map(|id| store.get(id).map(|s| s.labels().clone()))
        .collect()
}

pub(crate) fn longest_range_ms(e: &Expr) -> i64 {
    match e {
        Expr::VectorSelector(vs) => offset_ms(&vs.offset).max(0),
        Expr::MatrixSelector(ms) => {
            duration_ms(&ms.range).saturating_add(offset_ms(&ms.vs.offset).max(0))
        }
        Expr::Subquery(sq) => duration_ms(&sq.range)
            .saturating_add(offset_ms(&sq.offset).max(0))
            .saturating_add(longest_range_ms(&sq.expr)),
        _ => children(e)
            .into_iter()
            .map(longest_range_ms)
            .max()
            .unwrap_or(0),
    }
}
