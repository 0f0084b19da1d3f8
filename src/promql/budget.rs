//! How much work one evaluation may do, like Prometheus's
//! `query.max-samples` and `query.timeout`: a dashboard evaluates every
//! panel and rule on one thread each tick, and one pathological expression
//! (`count_values` over a million series, a `[1h:1s]` subquery, subqueries
//! inside subqueries) must end with an error on its own panel rather than
//! hold up the others and the keys.
//!
//! The sample count is the primary, deterministic guard: every sample a
//! selector reads and every step of a range or subquery evaluation counts.
//! The time limit is the backstop for work the count does not see.

use super::EvalError;
use std::cell::Cell;
use std::time::{Duration, Instant};

/// Samples one evaluation may read by default.
pub const DEFAULT_MAX_SAMPLES: u64 = 20_000_000;
/// How long one evaluation may run by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);
/// How many samples pass between two looks at the clock.
const CLOCK_EVERY: u64 = 1 << 14;

/// The limits of one evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub max_samples: u64,
    /// `None`: no time limit (the sample limit still holds).
    pub timeout: Option<Duration>,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_samples: DEFAULT_MAX_SAMPLES,
            timeout: Some(DEFAULT_TIMEOUT),
        }
    }
}

impl Budget {
    /// The default sample limit and no time limit: for answers that must
    /// not depend on the machine's speed (tests, `check`).
    pub fn no_timeout() -> Self {
        Budget {
            timeout: None,
            ..Budget::default()
        }
    }
}

/// The work done so far by one evaluation.
pub(crate) struct Meter {
    budget: Budget,
    spent: Cell<u64>,
    next_clock: Cell<u64>,
    started: Option<Instant>,
}

impl Meter {
    pub(crate) fn new(budget: Budget) -> Self {
        Meter {
            budget,
            spent: Cell::new(0),
            next_clock: Cell::new(CLOCK_EVERY),
            started: budget.timeout.map(|_| Instant::now()),
        }
    }

    /// Counts `n` samples (or steps); an error once over the budget.
    pub(crate) fn charge(&self, n: usize) -> Result<(), EvalError> {
        let spent = self.spent.get().saturating_add(n as u64);
        self.spent.set(spent);
        if spent > self.budget.max_samples {
            return Err(EvalError::Invalid(format!(
                "query processing would load too many samples into memory in query execution (limit {} samples)",
                self.budget.max_samples
            )));
        }
        if spent >= self.next_clock.get() {
            self.next_clock.set(spent.saturating_add(CLOCK_EVERY));
            if let (Some(started), Some(timeout)) = (self.started, self.budget.timeout) {
                if started.elapsed() > timeout {
                    return Err(EvalError::Invalid(format!(
                        "query timed out in expression evaluation (limit {timeout:?})"
                    )));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promql::{eval_instant_with, eval_range_with, parse};
    use crate::store::Store;
    use crate::vocab::labels::Labels;

    fn store(series: usize) -> Store {
        let mut st = Store::new(i64::MAX);
        for i in 0..series {
            let l = Labels::from_pairs([("__name__", "m"), ("i", &i.to_string())]);
            for t in 0..10 {
                st.append(&l, t * 10_000, i as f64);
            }
        }
        st
    }

    fn small(max_samples: u64) -> Budget {
        Budget {
            max_samples,
            timeout: None,
        }
    }

    #[test]
    fn selectors_count_their_samples() {
        let st = store(100);
        let q =
            |text: &str, max| eval_instant_with(&st, &parse(text).unwrap(), 90_000, &small(max));
        assert!(q("count_values(\"v\", m)", 100).is_ok());
        let err = q("count_values(\"v\", m)", 99).unwrap_err().to_string();
        assert!(
            err.contains("too many samples") && err.contains("99"),
            "{err}"
        );
        // 100 series × 10 points in the range.
        assert!(q("sum(rate(m[100s]))", 1000).is_ok());
        assert!(q("sum(rate(m[100s]))", 999).is_err());
        assert!(q("sum(m)", 99).is_err(), "the fast aggregation counts too");
    }

    #[test]
    fn subquery_and_range_steps_count() {
        let st = store(1);
        let e = parse("max_over_time((max_over_time(vector(1)[1h:1s]))[1h:1s])").unwrap();
        let err = eval_instant_with(&st, &e, 90_000, &small(1_000_000)).unwrap_err();
        assert!(err.to_string().contains("too many samples"), "{err}");
        let e = parse("m").unwrap();
        assert!(eval_range_with(&st, &e, 0, 90_000, 1000, &small(50)).is_err());
        assert!(eval_range_with(&st, &e, 0, 90_000, 10_000, &small(100)).is_ok());
    }

    #[test]
    fn a_zero_timeout_stops_a_long_evaluation() {
        let st = store(1);
        let e = parse("max_over_time((max_over_time(vector(1)[1h:1s]))[1h:1s])").unwrap();
        let budget = Budget {
            max_samples: u64::MAX,
            timeout: Some(Duration::ZERO),
        };
        let err = eval_instant_with(&st, &e, 90_000, &budget).unwrap_err();
        assert!(err.to_string().contains("query timed out"), "{err}");
    }
}
