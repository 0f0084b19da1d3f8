//! Runs our own PromQL cases (tests/promql/*.test) and, when
//! VITALS_PROMQLTEST_DIR names a directory, Prometheus's cases there too.

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
    let Some(dir) = std::env::var_os("VITALS_PROMQLTEST_DIR") else {
        println!("VITALS_PROMQLTEST_DIR not set: Prometheus's cases skipped");
        return;
    };
    let mut dir = PathBuf::from(dir);
    if dir.is_relative() {
        dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir);
    }
    if !dir.is_dir() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{} missing",
            dir.display()
        );
        println!("{} missing: Prometheus's cases skipped", dir.display());
        return;
    }
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
