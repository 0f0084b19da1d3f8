//! The evaluator: dispatch over the AST, selectors, subqueries and the
//! step loop of range evaluation.

use super::{EvalError, RangeSeries, Sample, Value};
use crate::store::{is_stale_nan, SeriesId, Store, StoredSeries};
use crate::vocab::labels::{Labels, METRIC_NAME};
use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::{AtModifier, Expr, Offset, VectorSelector};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

/// Hash maps keyed by label sets, with a fast non-cryptographic hasher.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type FastSet<K> = HashSet<K, foldhash::fast::RandomState>;
use std::rc::Rc;
use std::time::{Duration, SystemTime};

/// How far back an instant selector looks for a sample.
pub(crate) const LOOKBACK_MS: i64 = 5 * 60 * 1000;
/// Step of a subquery written without one (Prometheus's default
/// evaluation interval).
pub(crate) const DEFAULT_SUBQUERY_STEP_MS: i64 = 60 * 1000;
/// Prometheus refuses range queries with more points than this.
const MAX_POINTS: i64 = 11_000;

pub(crate) type Result<T> = std::result::Result<T, EvalError>;

pub(crate) fn unsupported<T>(what: impl Into<String>) -> Result<T> {
    Err(EvalError::Unsupported(what.into()))
}

pub(crate) fn invalid<T>(what: impl Into<String>) -> Result<T> {
    Err(EvalError::Invalid(what.into()))
}

pub(crate) fn duration_ms(d: &Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

pub(crate) fn offset_ms(o: &Option<Offset>) -> i64 {
    match o {
        None => 0,
        Some(Offset::Pos(d)) => duration_ms(d),
        Some(Offset::Neg(d)) => -duration_ms(d),
    }
}

pub(crate) fn system_time_ms(st: &SystemTime) -> i64 {
    match st.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => duration_ms(&d),
        Err(e) => -duration_ms(&e.duration()),
    }
}

/// All matchers of a selector, the metric name included.
pub(crate) fn selector_matchers(vs: &VectorSelector) -> Result<Vec<Matcher>> {
    if !vs.matchers.or_matchers.is_empty() {
        return unsupported("'or' between label matchers (not in Prometheus 2.42)");
    }
    let mut out = Vec::with_capacity(vs.matchers.matchers.len() + 1);
    if let Some(name) = &vs.name {
        out.push(Matcher::new(MatchOp::Equal, METRIC_NAME, name));
    }
    out.extend(vs.matchers.matchers.iter().cloned());
    Ok(out)
}

/// Strips parentheses.
pub(crate) fn unparen(mut e: &Expr) -> &Expr {
    while let Expr::Paren(p) = e {
        e = &p.expr;
    }
    e
}

/// Error when a vector holds two samples with the same labels.
pub(crate) fn check_unique(v: &[Sample]) -> Result<()> {
    if v.len() < 2 {
        return Ok(());
    }
    let mut seen: FastSet<&Labels> = FastSet::with_capacity_and_hasher(v.len(), Default::default());
    for s in v {
        if !seen.insert(&s.labels) {
            return invalid("vector cannot contain metrics with the same labelset");
        }
    }
    Ok(())
}

pub(crate) struct Evaluator<'a> {
    pub(crate) store: &'a Store,
    /// Start and end of the query, for `@ start()` and `@ end()`.
    start: i64,
    end: i64,
    subquery_step: i64,
    selections: RefCell<HashMap<usize, Rc<Vec<SeriesId>>>>,
    /// Per aggregation node: each series' group (see `fused`).
    pub(crate) groupings: RefCell<HashMap<usize, Rc<super::fused::Grouping>>>,
    /// The work done so far against the evaluation's budget.
    pub(crate) meter: super::budget::Meter,
    /// In a range evaluation: where the last read of each series stopped,
    /// so that each step's read resumes the previous one's decoding.
    cursors: Option<RefCell<CursorMap<'a>>>,
}

type CursorMap<'a> = rustc_hash::FxHashMap<SeriesId, Option<crate::store::Cursor<'a>>>;

impl<'a> Evaluator<'a> {
    pub(crate) fn new(
        store: &'a Store,
        start: i64,
        end: i64,
        subquery_step: i64,
        budget: &super::Budget,
    ) -> Self {
        Evaluator {
            meter: super::budget::Meter::new(*budget),
            store,
            start,
            end,
            subquery_step,
            selections: RefCell::new(HashMap::new()),
            groupings: RefCell::new(HashMap::new()),
            cursors: (end > start).then(|| RefCell::new(CursorMap::default())),
        }
    }

    /// The samples of series `id` in `[lo, hi]` (see [`StoredSeries::range`]).
    #[inline]
    pub(crate) fn read_range(
        &self,
        id: SeriesId,
        s: &'a StoredSeries,
        lo: i64,
        hi: i64,
    ) -> crate::store::Range<'a> {
        match &self.cursors {
            Some(c) => s.range_from(lo, hi, Some(c.borrow_mut().entry(id).or_default())),
            None => s.range(lo, hi),
        }
    }

    /// The newest sample of series `id` at or before `t`.
    #[inline]
    pub(crate) fn read_at(&self, id: SeriesId, s: &'a StoredSeries, t: i64) -> Option<(i64, f64)> {
        match &self.cursors {
            Some(c) => s.at_or_before_from(t, Some(c.borrow_mut().entry(id).or_default())),
            None => s.at_or_before(t),
        }
    }

    /// The time a selector or subquery reads at when evaluated at `t`.
    pub(crate) fn ref_time(&self, t: i64, at: &Option<AtModifier>, off: &Option<Offset>) -> i64 {
        let base = match at {
            None => t,
            Some(AtModifier::Start) => self.start,
            Some(AtModifier::End) => self.end,
            Some(AtModifier::At(st)) => system_time_ms(st),
        };
        base.saturating_sub(offset_ms(off))
    }

    /// Series ids matching a selector (computed once per evaluation).
    pub(crate) fn select(&self, vs: &VectorSelector) -> Result<Rc<Vec<SeriesId>>> {
        let key = vs as *const VectorSelector as usize;
        if let Some(ids) = self.selections.borrow().get(&key) {
            return Ok(ids.clone());
        }
        let ms = selector_matchers(vs)?;
        let refs: Vec<&Matcher> = ms.iter().collect();
        let ids = Rc::new(self.store.select(&refs));
        self.selections.borrow_mut().insert(key, ids.clone());
        Ok(ids)
    }

    /// An instant selector at `t`: the newest sample within the lookback,
    /// unless it is a staleness marker. With `timestamps`, the value is the
    /// sample's time in seconds.
    pub(crate) fn vector_selector(
        &self,
        vs: &VectorSelector,
        t: i64,
        timestamps: bool,
    ) -> Result<Vec<Sample>> {
        let ids = self.select(vs)?;
        self.meter.charge(ids.len())?;
        let rt = self.ref_time(t, &vs.at, &vs.offset);
        let mut out = Vec::with_capacity(ids.len());
        for &id in ids.iter() {
            let Some(s) = self.store.get(id) else {
                continue;
            };
            let Some((ts, v)) = self.read_at(id, s, rt) else {
                continue;
            };
            if ts < rt.saturating_sub(LOOKBACK_MS) || is_stale_nan(v) {
                continue;
            }
            out.push(Sample {
                labels: s.labels().clone(),
                value: if timestamps { ts as f64 / 1000.0 } else { v },
            });
        }
        Ok(out)
    }

    /// Samples of every matching series in `[ref - range, ref]`.
    fn matrix_selector(&self, vs: &VectorSelector, range: i64, t: i64) -> Result<Vec<RangeSeries>> {
        let ids = self.select(vs)?;
        let rt = self.ref_time(t, &vs.at, &vs.offset);
        let mut out = Vec::new();
        for &id in ids.iter() {
            let Some(s) = self.store.get(id) else {
                continue;
            };
            let points: Vec<(i64, f64)> = self
                .read_range(id, s, rt.saturating_sub(range), rt)
                .filter(|p| !is_stale_nan(p.1))
                .collect();
            self.meter.charge(points.len().max(1))?;
            if !points.is_empty() {
                out.push(RangeSeries {
                    labels: s.labels().clone(),
                    points,
                });
            }
        }
        Ok(out)
    }

    /// A range-vector argument: its series, its range and its reference time.
    pub(crate) fn matrix_arg(&self, e: &Expr, t: i64) -> Result<(Vec<RangeSeries>, i64, i64)> {
        match unparen(e) {
            Expr::MatrixSelector(ms) => {
                let range = duration_ms(&ms.range);
                let rt = self.ref_time(t, &ms.vs.at, &ms.vs.offset);
                Ok((self.matrix_selector(&ms.vs, range, t)?, range, rt))
            }
            Expr::Subquery(sq) => {
                let range = duration_ms(&sq.range);
                let rt = self.ref_time(t, &sq.at, &sq.offset);
                let step = sq
                    .step
                    .as_ref()
                    .map(duration_ms)
                    .unwrap_or(self.subquery_step);
                Ok((self.subquery(&sq.expr, rt, range, step)?, range, rt))
            }
            other => invalid(format!("expected a range vector, got {other}")),
        }
    }

    /// Evaluates `inner` at every multiple of `step` in `[rt - range, rt]`.
    fn subquery(&self, inner: &Expr, rt: i64, range: i64, step: i64) -> Result<Vec<RangeSeries>> {
        if step <= 0 {
            return invalid("zero or negative subquery step");
        }
        let from = rt.saturating_sub(range);
        let mut first = step * from.div_euclid(step);
        if first < from {
            first += step;
        }
        if rt.saturating_sub(first) / step > MAX_POINTS * 10 {
            return invalid("subquery has too many steps");
        }
        let mut acc = RangeAcc::default();
        let mut ts = first;
        while ts <= rt {
            self.meter.charge(1)?;
            acc.add(self.eval(inner, ts)?, ts)?;
            let Some(next) = ts.checked_add(step) else {
                break;
            };
            ts = next;
        }
        Ok(acc.finish())
    }

    pub(crate) fn eval(&self, e: &Expr, t: i64) -> Result<Value> {
        match e {
            Expr::NumberLiteral(n) => Ok(Value::Scalar(n.val)),
            Expr::StringLiteral(s) => Ok(Value::String(s.val.clone())),
            Expr::Paren(p) => self.eval(&p.expr, t),
            Expr::Unary(u) => match self.eval(&u.expr, t)? {
                Value::Scalar(v) => Ok(Value::Scalar(-v)),
                Value::Vector(mut v) => {
                    for s in &mut v {
                        s.value = -s.value;
                        s.labels.remove(METRIC_NAME);
                    }
                    check_unique(&v)?;
                    Ok(Value::Vector(v))
                }
                _ => invalid("unary minus needs a scalar or an instant vector"),
            },
            Expr::VectorSelector(vs) => Ok(Value::Vector(self.vector_selector(vs, t, false)?)),
            Expr::MatrixSelector(_) | Expr::Subquery(_) => {
                Ok(Value::Matrix(self.matrix_arg(e, t)?.0))
            }
            Expr::Aggregate(a) => self.aggregate(a, t),
            Expr::Binary(b) => self.binary(b, t),
            Expr::Call(c) => self.call(c, t),
            Expr::Extension(x) => unsupported(format!("extension expression {}", x.expr.name())),
        }
    }

    pub(crate) fn eval_vector(&self, e: &Expr, t: i64) -> Result<Vec<Sample>> {
        match self.eval(e, t)? {
            Value::Vector(v) => Ok(v),
            _ => invalid(format!("expected an instant vector: {e}")),
        }
    }

    pub(crate) fn eval_scalar(&self, e: &Expr, t: i64) -> Result<f64> {
        match self.eval(e, t)? {
            Value::Scalar(v) => Ok(v),
            _ => invalid(format!("expected a scalar: {e}")),
        }
    }

    pub(crate) fn eval_string(&self, e: &Expr, t: i64) -> Result<String> {
        match self.eval(e, t)? {
            Value::String(v) => Ok(v),
            _ => invalid(format!("expected a string: {e}")),
        }
    }
}

/// Collects per-step results into series.
#[derive(Default)]
pub(crate) struct RangeAcc {
    index: FastMap<Labels, usize>,
    series: Vec<RangeSeries>,
}

impl RangeAcc {
    pub(crate) fn add(&mut self, v: Value, ts: i64) -> Result<()> {
        match v {
            Value::Scalar(x) => self.push(Labels::new(), ts, x),
            Value::Vector(samples) => {
                for s in samples {
                    self.push(s.labels, ts, s.value)?;
                }
                Ok(())
            }
            Value::Matrix(_) => {
                invalid("range evaluation of a range vector: use an instant vector or scalar")
            }
            Value::String(_) => {
                invalid("range evaluation of a string: use an instant vector or scalar")
            }
        }
    }

    fn push(&mut self, labels: Labels, ts: i64, v: f64) -> Result<()> {
        match self.index.get(&labels) {
            Some(&i) => {
                let pts = &mut self.series[i].points;
                if pts.last().is_some_and(|p| p.0 == ts) {
                    return invalid("vector cannot contain metrics with the same labelset");
                }
                pts.push((ts, v));
            }
            None => {
                self.index.insert(labels.clone(), self.series.len());
                self.series.push(RangeSeries {
                    labels,
                    points: vec![(ts, v)],
                });
            }
        }
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Vec<RangeSeries> {
        self.series.sort_by(|a, b| a.labels.cmp(&b.labels));
        self.series
    }
}

pub(crate) fn eval_range(
    store: &Store,
    expr: &Expr,
    start: i64,
    end: i64,
    step: i64,
    budget: &super::Budget,
) -> Result<Vec<RangeSeries>> {
    if step <= 0 {
        return invalid("zero or negative query resolution step");
    }
    if end < start {
        return invalid("end time before start time");
    }
    if end.saturating_sub(start) / step >= MAX_POINTS {
        return invalid("exceeded maximum resolution of 11,000 points per timeseries");
    }
    let ev = Evaluator::new(store, start, end, DEFAULT_SUBQUERY_STEP_MS, budget);
    let mut acc = RangeAcc::default();
    let mut ts = start;
    while ts <= end {
        ev.meter.charge(1)?;
        acc.add(ev.eval(expr, ts)?, ts)?;
        let Some(next) = ts.checked_add(step) else {
            break;
        };
        ts = next;
    }
    Ok(acc.finish())
}
