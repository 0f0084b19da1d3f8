//! Runner for PromQL test files in Prometheus's format (`load`, `clear`,
//! `eval instant at`, `eval_ordered`, `eval_fail`).
//!
//! Each `eval` is one case. Like Prometheus's own runner, a non-failing,
//! unordered case is also evaluated as a range query from one minute
//! before to one minute after, and the middle step must agree.

mod parse;

use super::{eval_instant, eval_range, parse as parse_expr, EvalError, Value};
use crate::store::Store;
use crate::vocab::labels::Labels;
use parse::{parse_file, Command, EvalCase};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Case counts of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub passed: usize,
    pub failed: usize,
    pub unsupported: usize,
}

impl Totals {
    fn add(&mut self, o: Totals) {
        self.passed += o.passed;
        self.failed += o.failed;
        self.unsupported += o.unsupported;
    }
}

/// Outcome of one case.
enum Outcome {
    Pass,
    Fail(String),
    Unsupported(String),
}

/// Prometheus's test comparison: relative epsilon 1e-6, NaN equals NaN.
pub(crate) fn almost_equal(a: f64, b: f64) -> bool {
    const EPSILON: f64 = 1e-6;
    const MIN_NORMAL: f64 = f64::MIN_POSITIVE;
    if a.is_nan() && b.is_nan() {
        return true;
    }
    if a == b {
        return true;
    }
    let diff = (a - b).abs();
    if a == 0.0 || b == 0.0 || diff < MIN_NORMAL {
        return diff < EPSILON * MIN_NORMAL;
    }
    diff / (a.abs() + b.abs()) < EPSILON
}

fn compare(case: &EvalCase, got: &[(Option<Labels>, f64)]) -> Result<(), String> {
    let is_scalar = case.expected.first().is_some_and(|e| e.0.is_none());
    if is_scalar || got.first().is_some_and(|g| g.0.is_none()) {
        let (Some(exp), Some(g)) = (case.expected.first(), got.first()) else {
            return Err(format!("expected {:?}, got {got:?}", case.expected));
        };
        if exp.0.is_some() || g.0.is_some() {
            return Err(format!("expected {:?}, got {got:?}", case.expected));
        }
        if !almost_equal(exp.1, g.1) {
            return Err(format!("expected scalar {} but got {}", exp.1, g.1));
        }
        return Ok(());
    }
    for (pos, (labels, v)) in got.iter().enumerate() {
        let Some(exp_pos) = case
            .expected
            .iter()
            .position(|e| e.0.as_ref() == labels.as_ref())
        else {
            return Err(format!(
                "unexpected metric {} in result",
                labels.clone().unwrap_or_default()
            ));
        };
        let exp = case.expected[exp_pos].1;
        if case.ordered && exp_pos != pos {
            return Err(format!(
                "expected metric {} at position {} but was at {}",
                labels.clone().unwrap_or_default(),
                exp_pos + 1,
                pos + 1
            ));
        }
        if !almost_equal(exp, *v) {
            return Err(format!(
                "expected {exp} for {} but got {v}",
                labels.clone().unwrap_or_default()
            ));
        }
    }
    for (labels, v) in &case.expected {
        if !got.iter().any(|g| &g.0 == labels) {
            return Err(format!(
                "expected metric {} with {v} not found",
                labels.clone().unwrap_or_default()
            ));
        }
    }
    Ok(())
}

fn from_error(e: EvalError) -> Outcome {
    match e {
        EvalError::Unsupported(w) => Outcome::Unsupported(w),
        other => Outcome::Fail(format!("evaluation failed: {other}")),
    }
}

fn run_case(store: &Store, case: &EvalCase) -> Outcome {
    let expr = match parse_expr(&case.expr) {
        Ok(e) => e,
        Err(e) if case.fail => {
            let _ = e;
            return Outcome::Pass;
        }
        Err(e) => return Outcome::Fail(e.to_string()),
    };
    let res = eval_instant(store, &expr, case.t_ms);
    if case.fail {
        return match res {
            Err(EvalError::Unsupported(w)) => Outcome::Unsupported(w),
            Err(_) => Outcome::Pass,
            Ok(_) => Outcome::Fail("expected an error, got none".into()),
        };
    }
    let got: Vec<(Option<Labels>, f64)> = match res {
        Ok(Value::Scalar(v)) => vec![(None, v)],
        Ok(Value::Vector(v)) => v.into_iter().map(|s| (Some(s.labels), s.value)).collect(),
        Ok(Value::Matrix(_)) => {
            return Outcome::Fail("received range result on instant evaluation".into())
        }
        Ok(Value::String(s)) => return Outcome::Fail(format!("received string result {s:?}")),
        Err(e) => return from_error(e),
    };
    if let Err(e) = compare(case, &got) {
        return Outcome::Fail(e);
    }
    // Ordering is not defined for range queries, and `@ start()` / `@ end()`
    // legitimately differ between the two query kinds.
    if case.ordered || case.expr.contains("start()") || case.expr.contains("end()") {
        return Outcome::Pass;
    }
    // The same query as a range query must agree at the middle step.
    let scalar = got.first().is_some_and(|g| g.0.is_none());
    let range = match eval_range(store, &expr, case.t_ms - 60_000, case.t_ms + 60_000, 60_000) {
        Ok(r) => r,
        Err(e) => {
            return match from_error(e) {
                Outcome::Fail(m) => Outcome::Fail(format!("range query: {m}")),
                other => other,
            }
        }
    };
    let mid: Vec<(Option<Labels>, f64)> = range
        .into_iter()
        .filter_map(|s| {
            let p = s.points.iter().find(|p| p.0 == case.t_ms)?;
            Some((if scalar { None } else { Some(s.labels) }, p.1))
        })
        .collect();
    match compare(case, &mid) {
        Ok(()) => Outcome::Pass,
        Err(e) => Outcome::Fail(format!("range query: {e}")),
    }
}

/// Runs one file; writes details of failed and unsupported cases.
pub fn run_file(path: &Path, out: &mut dyn Write) -> std::io::Result<Totals> {
    let text = std::fs::read_to_string(path)?;
    let mut store = Store::new(i64::MAX);
    let mut totals = Totals::default();
    let mut details: Vec<String> = Vec::new();
    for cmd in parse_file(&text) {
        match cmd {
            Err((line, e)) => {
                totals.failed += 1;
                details.push(format!("  line {line}: FAIL cannot parse: {e}"));
            }
            Ok(Command::Clear) => store.clear(),
            Ok(Command::Load { step_ms, series }) => {
                for (labels, values) in series {
                    for (i, v) in values.into_iter().enumerate() {
                        if let Some(v) = v {
                            store.append(&labels, i as i64 * step_ms, v);
                        }
                    }
                }
            }
            Ok(Command::Eval(case)) => match run_case(&store, &case) {
                Outcome::Pass => totals.passed += 1,
                Outcome::Fail(e) => {
                    totals.failed += 1;
                    details.push(format!("  line {}: FAIL {}: {e}", case.line, case.text));
                }
                Outcome::Unsupported(w) => {
                    totals.unsupported += 1;
                    details.push(format!(
                        "  line {}: UNSUPPORTED {}: {w}",
                        case.line, case.text
                    ));
                }
            },
        }
    }
    writeln!(
        out,
        "{}: {} passed, {} failed, {} unsupported",
        path.display(),
        totals.passed,
        totals.failed,
        totals.unsupported
    )?;
    for d in details {
        writeln!(out, "{d}")?;
    }
    Ok(totals)
}

/// Runs each .test file (directories: every `*.test` inside, sorted),
/// writes one line per file, details of failed and unsupported cases, and
/// the final `total: N passed, N failed, N unsupported` line.
pub fn run_paths(paths: &[PathBuf], out: &mut dyn Write) -> std::io::Result<Totals> {
    let mut files: Vec<PathBuf> = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "test"))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(p.clone());
        }
    }
    let mut totals = Totals::default();
    for f in files {
        totals.add(run_file(&f, out)?);
    }
    writeln!(
        out,
        "total: {} passed, {} failed, {} unsupported",
        totals.passed, totals.failed, totals.unsupported
    )?;
    Ok(totals)
}
