//! Runs our own PromQL cases (tests/promql/*.test) and, when
//! VITALS_PROMQLTEST_DIR names a directory, Prometheus's cases there too
//! (an optional suite: unset, it prints `not run: …`; in CI it must run).

use crate::common;

use std::path::PathBuf;
use vitals::promql::promqltest::run_paths;

fn run(paths: &[PathBuf]) {
    let mut out = Vec::new();
    let totals = run_paths(paths, &mut out).expect("test files readable");
    let text = String::from_utf8_lossy(&out);
    println!("{text}");
    assert_eq!(totals.failed, 0, "failing PromQL cases:\n{text}");
    assert!(totals.passed > 0, "no case ran:\n{text}");
}

#[test]
fn own_cases() {
    run(&[PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/promql"
    ))]);
}

#[test]
fn prometheus_cases_when_configured() {
    let Some(dir) = common::optional_suite(
        "VITALS_PROMQLTEST_DIR",
        "Prometheus's own PromQL .test files; scripts/test sets it when they are beside the checkout",
    ) else {
        return;
    };
    let mut out = Vec::new();
    let totals = run_paths(&[dir], &mut out).expect("test files readable");
    let text = String::from_utf8_lossy(&out);
    println!("{text}");
    assert_eq!(totals.failed, 0, "failing PromQL cases:\n{text}");
    let all = totals.passed + totals.failed + totals.unsupported;
    assert!(
        totals.unsupported * 10 <= all,
        "more than 10% unsupported:\n{text}"
    );
}
