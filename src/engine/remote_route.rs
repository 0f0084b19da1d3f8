//! What an expression reads, over a server: whether it can be sent to
//! the server or must be evaluated over the store (it reads names vitals
//! records), and the query telling which targets its selectors read.

use crate::promql::{self, Expr};
use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::{MatrixSelector, VectorSelector};
use promql_parser::util::{walk_expr, ExprVisitor};
use std::collections::BTreeSet;
use std::convert::Infallible;
use std::time::Duration;

/// Where an expression is answered over a server.
#[derive(Debug, PartialEq)]
pub(crate) enum Route {
    /// Sent to the server as written.
    Server,
    /// Evaluated over the store: every selector reads one of these names,
    /// all recorded by vitals.
    Local(BTreeSet<String>),
    /// Neither side can answer it; the message says why.
    Mixed(String),
}

/// The metric names of every selector (`None` for a selector without a
/// fixed name).
struct Names(Vec<Option<String>>);

fn name_of(vs: &VectorSelector) -> Option<String> {
    vs.name.clone().or_else(|| {
        vs.matchers
            .matchers
            .iter()
            .find(|m| m.name == "__name__" && m.op == MatchOp::Equal)
            .map(|m| m.value.clone())
    })
}

impl ExprVisitor for Names {
    type Error = Infallible;

    fn pre_visit(&mut self, e: &Expr) -> Result<bool, Infallible> {
        match e {
            Expr::VectorSelector(vs) => self.0.push(name_of(vs)),
            Expr::MatrixSelector(ms) => self.0.push(name_of(&ms.vs)),
            // The walk skips an aggregation's parameter.
            Expr::Aggregate(a) => {
                if let Some(p) = &a.param {
                    walk_expr(self, p)?;
                }
            }
            _ => {}
        }
        Ok(true)
    }
}

/// Prometheus's lookback for an instant selector, as `promql` uses it.
const LOOKBACK: Duration = Duration::from_secs(300);

/// The parts of a "targets read" query: one per selector, over the time
/// the selector reads (its range or the lookback, plus the range of every
/// subquery around it).
struct Reads {
    extra: Vec<Duration>,
    parts: Vec<String>,
    /// `__name__!~"up|scrape_.+"`, for selectors without a fixed name.
    not_synthetic: Option<Matcher>,
}

impl Reads {
    fn add(&mut self, vs: &VectorSelector, range: Duration) {
        if name_of(vs).is_some_and(|n| n == "up" || n.starts_with("scrape_")) {
            return;
        }
        let mut vs = vs.clone();
        if name_of(&vs).is_none() {
            vs.matchers.matchers.extend(self.not_synthetic.clone());
        }
        let range = range + self.extra.iter().sum::<Duration>();
        let m = MatrixSelector { vs, range };
        let part = format!("group by (job, instance) (last_over_time({m}))");
        if !self.parts.contains(&part) {
            self.parts.push(part);
        }
    }
}

impl ExprVisitor for Reads {
    type Error = Infallible;

    fn pre_visit(&mut self, e: &Expr) -> Result<bool, Infallible> {
        match e {
            Expr::VectorSelector(vs) => self.add(vs, LOOKBACK),
            Expr::MatrixSelector(ms) => self.add(&ms.vs, ms.range),
            Expr::Subquery(sq) => self.extra.push(sq.range),
            Expr::Aggregate(a) => {
                if let Some(p) = &a.param {
                    walk_expr(self, p)?;
                }
            }
            _ => {}
        }
        Ok(true)
    }

    fn post_visit(&mut self, e: &Expr) -> Result<bool, Infallible> {
        if let Expr::Subquery(_) = e {
            self.extra.pop();
        }
        Ok(true)
    }
}

/// The query that tells which targets' series `expr` reads (each
/// selector's series with a sample in the time it reads; `up` and
/// `scrape_*` do not count, as they exist while a target is down):
/// what scraping learns from the store, asked from a server. `None`
/// for an expression without such selectors.
pub(crate) fn reads_text(expr: &Expr) -> Option<String> {
    let not_synthetic = Matcher::new_matcher(
        promql_parser::parser::token::T_NEQ_REGEX,
        "__name__".into(),
        "up|scrape_.+".into(),
    )
    .ok();
    let mut reads = Reads {
        extra: Vec::new(),
        parts: Vec::new(),
        not_synthetic,
    };
    let _ = walk_expr(&mut reads, expr);
    let text = reads.parts.join(" or ");
    promql::parse(&text).is_ok().then_some(text)
}

/// The (job, instance) pairs of an answer.
pub(crate) fn targets_of(v: &[(crate::vocab::labels::Labels, f64)]) -> BTreeSet<(String, String)> {
    v.iter()
        .filter_map(|(l, _)| Some((l.get("job")?.to_string(), l.get("instance")?.to_string())))
        .collect()
}

/// Where `expr` is answered when vitals records the names `recorded`
/// itself and the server is `url`.
pub(crate) fn route(expr: &Expr, recorded: &BTreeSet<String>, url: &str) -> Route {
    if recorded.is_empty() {
        return Route::Server;
    }
    let mut names = Names(Vec::new());
    let _ = walk_expr(&mut names, expr);
    let ours: BTreeSet<String> = names
        .0
        .iter()
        .flatten()
        .filter(|n| recorded.contains(*n))
        .cloned()
        .collect();
    let Some(first) = ours.first() else {
        return Route::Server;
    };
    let theirs = names
        .0
        .iter()
        .any(|n| n.as_ref().is_none_or(|n| !recorded.contains(n)));
    if theirs {
        Route::Mixed(format!(
            "{first} is recorded by vitals, not by {url}; an expression over a server cannot mix it with server metrics"
        ))
    } else {
        Route::Local(ours)
    }
}

#[cfg(test)]
mod tests {
    use super::Route;
    use crate::promql;
    use std::collections::BTreeSet;

    const URL: &str = "http://prom:9090";

    #[test]
    fn routes_follow_the_names_vitals_records() {
        let recorded: BTreeSet<String> = ["a:x".to_string()].into();
        let r = |text: &str| super::route(&promql::parse(text).unwrap(), &recorded, URL);
        assert_eq!(r("sum(rate(b[1m]))"), Route::Server);
        assert_eq!(r("vector(1)"), Route::Server);
        assert_eq!(r("a:x * 2"), Route::Local(recorded.clone()));
        assert_eq!(
            r(r#"rate({__name__="a:x"}[1m])"#),
            Route::Local(recorded.clone())
        );
        assert_eq!(r("topk(scalar(a:x), a:x)"), Route::Local(recorded.clone()));
        let mixed = "a:x is recorded by vitals, not by http://prom:9090; an expression over a server cannot mix it with server metrics";
        assert_eq!(r("a:x / b"), Route::Mixed(mixed.into()));
        assert_eq!(r(r#"a:x or {job="x"}"#), Route::Mixed(mixed.into()));
        assert_eq!(r("topk(scalar(b), a:x)"), Route::Mixed(mixed.into()));
        let none = BTreeSet::new();
        assert_eq!(
            super::route(&promql::parse("a:x").unwrap(), &none, URL),
            Route::Server
        );
    }
}
