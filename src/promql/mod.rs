//! PromQL evaluation over the local store, as Prometheus 2.42 evaluates it.
//!
//! Expressions are parsed by `promql-parser`; evaluation walks its AST. An
//! instant evaluation answers at one time; a range evaluation answers at
//! every step (what a chart draws). Constructs outside the supported set
//! return [`EvalError::Unsupported`], never a guessed value.

mod aggregate;
mod binary;
mod budget;
mod eval;
mod functions;
mod fused;
mod histogram;
mod label_functions;
pub mod limits;
#[cfg(test)]
mod limits_tests;
mod math;
mod position;
pub mod promqltest;
mod range_functions;
mod selectors;
#[cfg(test)]
mod tests;

use crate::store::Store;
use crate::vocab::labels::Labels;
pub use budget::{Budget, DEFAULT_MAX_SAMPLES, DEFAULT_TIMEOUT};
pub use promql_parser::parser::Expr;
use std::sync::Once;

/// A parse error; the message says where (line, column or position).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PromqlError {
    pub text: String,
    pub message: String,
}

/// Longer texts are shown by their start only.
const SHOWN_CHARS: usize = 120;

impl std::fmt::Display for PromqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.text.char_indices().nth(SHOWN_CHARS) {
            Some((cut, _)) => {
                let n = self.text.chars().count();
                let start = &self.text[..cut];
                write!(
                    f,
                    "invalid PromQL {start:?}… ({n} characters): {}",
                    self.message
                )
            }
            None => write!(f, "invalid PromQL {:?}: {}", self.text, self.message),
        }
    }
}

/// Why an evaluation produced no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// A construct outside what this evaluator implements.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The query fails in Prometheus too (bad matching, bad argument...).
    #[error("{0}")]
    Invalid(String),
}

/// One element of an instant vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: Labels,
    pub value: f64,
}

/// One series of a range vector or of a range evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSeries {
    pub labels: Labels,
    pub points: Vec<(i64, f64)>,
}

/// The result of an instant evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(f64),
    Vector(Vec<Sample>),
    Matrix(Vec<RangeSeries>),
    String(String),
}

static EXTRA_FUNCTIONS: Once = Once::new();

/// Registers functions of Prometheus 2.42 that the parser no longer knows.
fn register_functions() {
    EXTRA_FUNCTIONS.call_once(|| {
        use promql_parser::parser::value::ValueType;
        use promql_parser::parser::Function;
        let _ = promql_parser::parser::register_extra_functions(vec![Function::new(
            "holt_winters",
            vec![ValueType::Matrix, ValueType::Scalar, ValueType::Scalar],
            0,
            ValueType::Vector,
            false,
        )]);
    });
}

/// Parses a PromQL expression; the error says what and where. An
/// expression nested deeper than [`limits::MAX_DEPTH`] is refused before
/// the parser (which recurses) sees it.
pub fn parse(text: &str) -> Result<Expr, PromqlError> {
    register_functions();
    let fail = |message: String, at: Option<usize>| PromqlError {
        text: text.to_string(),
        message: match at {
            Some(at) => format!("{message} (at {})", position::line_column(text, at)),
            None => message,
        },
    };
    if let Err((message, at)) = limits::check_depth(text) {
        return Err(fail(message, Some(at)));
    }
    promql_parser::parser::parse(text).map_err(|message| {
        let message = message.replace('\n', " ");
        let at = position::error_offset(text, &message);
        fail(message, at)
    })
}

/// Evaluates `expr` at `t_ms` within the default sample limit, with no
/// time limit (the dashboard passes its [`Budget`] to [`eval_instant_with`]).
pub fn eval_instant(store: &Store, expr: &Expr, t_ms: i64) -> Result<Value, EvalError> {
    eval_instant_with(store, expr, t_ms, &Budget::no_timeout())
}

/// Evaluates `expr` at `t_ms`; past `budget` the answer is an error.
pub fn eval_instant_with(
    store: &Store,
    expr: &Expr,
    t_ms: i64,
    budget: &Budget,
) -> Result<Value, EvalError> {
    eval::Evaluator::new(store, t_ms, t_ms, eval::DEFAULT_SUBQUERY_STEP_MS, budget).eval(expr, t_ms)
}

/// Evaluates `expr` at every step from `start_ms` to `end_ms` (inclusive);
/// scalars become one series without labels. Series are sorted by labels.
pub fn eval_range(
    store: &Store,
    expr: &Expr,
    start_ms: i64,
    end_ms: i64,
    step_ms: i64,
) -> Result<Vec<RangeSeries>, EvalError> {
    eval_range_with(
        store,
        expr,
        start_ms,
        end_ms,
        step_ms,
        &Budget::no_timeout(),
    )
}

/// [`eval_range`] within `budget` (counted over all steps together).
pub fn eval_range_with(
    store: &Store,
    expr: &Expr,
    start_ms: i64,
    end_ms: i64,
    step_ms: i64,
    budget: &Budget,
) -> Result<Vec<RangeSeries>, EvalError> {
    eval::eval_range(store, expr, start_ms, end_ms, step_ms, budget)
}

/// Label sets of every stored series that any selector in `expr` reads
/// when evaluated at `t_ms` (respecting range, offset, `@` and lookback).
pub fn matched_series(store: &Store, expr: &Expr, t_ms: i64) -> Vec<Labels> {
    selectors::matched_series(store, expr, t_ms)
}

/// The longest time the expression reaches back from its evaluation time,
/// ms: ranges, subquery ranges and positive offsets (the 5-minute lookback
/// of instant selectors is not included).
pub fn longest_range_ms(expr: &Expr) -> i64 {
    selectors::longest_range_ms(expr)
}
