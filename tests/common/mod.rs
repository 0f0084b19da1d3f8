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

/// The shared reference data beside the checkout, if present.
pub fn shared_dir(sub: &str) -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared")).join(sub);
    if p.exists() {
        Some(p)
    } else if in_ci() {
        panic!("{} is missing", p.display());
    } else {
        eprintln!("note: {} is missing; skipping", p.display());
        None
    }
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind 127.0.0.1:0")
}
