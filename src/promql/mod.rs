//! PromQL evaluation over the local store, as Prometheus 2.42 evaluates it.
//!
//! Expressions are parsed by `promql-parser`; evaluation walks its AST. An
//! instant evaluation answers at one time; a range evaluation answers at
//! every step (what a chart draws). Constructs outside the supported set
//! return [`EvalError::Unsupported`], never a guessed value.

mod aggregate;
mod binary;
mod eval;
mod functions;
mod fused;
mod histogram;
mod label_functions;
mod math;
pub mod promqltest;
mod range_functions;
mod selectors;
#[cfg(test)]
mod tests;

use crate::labels::Labels;
use crate::store::Store;
pub use promql_parser::parser::Expr;
use std::sync::Once;

/// A parse error; the message says where (line, column or position).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid PromQL {text:?}: {message}")]
pub struct PromqlError {
    pub text: String,
    pub message: String,
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

/// Where a parse error is: the end of the input for unclosed constructs,
/// else just after the longest prefix that parses.
fn error_position(text: &str, message: &str) -> String {
    let end_of_input = message.contains("unclosed") || message.contains("end of input");
    let mut at = text.len();
    if !end_of_input && text.len() <= 4096 {
        let mut best = 0;
        for (i, _) in text.char_indices().skip(1) {
            if promql_parser::parser::parse(&text[..i]).is_ok() {
                best = i;
            }
        }
        let rest = &text[best..];
        at = best + (rest.len() - rest.trim_start().len());
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    if line > 1 {
        format!("line {line}, column {column}")
    } else {
        format!("column {column}")
    }
}

/// Parses a PromQL expression; the error says what and where.
pub fn parse(text: &str) -> Result<Expr, PromqlError> {
    register_functions();
    promql_parser::parser::parse(text).map_err(|message| {
        let message = message.replace('\n', " ");
        PromqlError {
            text: text.to_string(),
            message: format!("{message} (at {})", error_position(text, &message)),
        }
    })
}

/// Evaluates `expr` at `t_ms`.
pub fn eval_instant(store: &Store, expr: &Expr, t_ms: i64) -> Result<Value, EvalError> {
    eval::Evaluator::new(store, t_ms, t_ms, eval::DEFAULT_SUBQUERY_STEP_MS).eval(expr, t_ms)
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
    eval::eval_range(store, expr, start_ms, end_ms, step_ms)
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
