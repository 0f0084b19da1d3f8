//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How often a condition is polled while waiting for it.
pub const POLL: Duration = Duration::from_millis(50);

/// Polls `f` until it returns `Some`, or fails the test after `limit`.
pub fn wait_for<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        if start.elapsed() > limit {
            panic!("timed out after {limit:?} waiting for {what}");
        }
        std::thread::sleep(POLL);
    }
}

/// True in CI, where a missing external program is a failure, not a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The path of an external program, or None (after printing why) when it
/// is not installed outside CI. In CI a missing program fails the test.
pub fn require_program(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    match found {
        Some(p) => Some(p),
        None if in_ci() => panic!("{name} is not installed (scripts/test installs it)"),
        None => {
            eprintln!("note: {name} is not installed; skipping (scripts/test installs it)");
            None
        }
    }
}

/// The folder of an optional external suite, named by the environment
/// variable `var` (relative paths are from the checkout). When `var` is
/// unset this prints one line, `not run: <var> not set (<what>)`, and
/// returns `None`; in CI an unset variable fails the test instead. A set
/// variable that names no folder always fails.
pub fn optional_suite(var: &str, what: &str) -> Option<PathBuf> {
    match std::env::var_os(var).filter(|v| !v.is_empty()) {
        Some(dir) => {
            let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir);
            assert!(dir.is_dir(), "{var} names no folder: {}", dir.display());
            Some(dir)
        }
        None => {
            let why = format!("{var} not set ({what})");
            assert!(!in_ci(), "{why}: in CI this suite must run");
            not_run(&why);
            None
        }
    }
}

/// Prints `not run: <why>` as one line on the real stderr, so that the
/// test harness's output capture does not hide it.
pub fn not_run(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "not run: {why}");
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind 127.0.0.1:0")
}
