//! `vitals check --rules FILE` end to end: the real binary against a
//! loopback exporter exits 0 when nothing fires, 1 when something fires
//! and 2 on error, as cron and Nagios-style checks expect.

use crate::alerts_support;

use alerts_support::{rule_file, Exporter};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_vitals");

fn check(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("check")
        .args(args)
        .env("XDG_STATE_HOME", dir)
        .env("HOME", dir)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn exit_0_when_nothing_fires_and_1_when_a_rule_fires() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), "critical");
    let rules = rules.to_str().unwrap();
    let exporter = Exporter::start(1.0);
    let target = exporter.target();
    let args = [
        target.as_str(),
        "--rules",
        rules,
        "--interval",
        "200ms",
        "--duration",
        "1s",
    ];
    let out = check(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("OK: no alert firing (1 targets)"));

    exporter.set(9.0);
    let out = check(dir.path(), &args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("FIRING Deep ×1 (critical)") && stdout.contains("queue 9 deep"),
        "{stdout}"
    );

    // A `for` longer than the run leaves it pending: not firing, exit 0,
    // unless --for-override shortens it.
    let slow = dir.path().join("slow.yml");
    std::fs::write(
        &slow,
        "groups:\n  - name: g\n    rules:\n      - alert: Slow\n        expr: queue_depth > 5\n        for: 1h\n",
    )
    .unwrap();
    let slow = slow.to_str().unwrap();
    let args = [
        target.as_str(),
        "--rules",
        slow,
        "--interval",
        "200ms",
        "--duration",
        "1s",
    ];
    let out = check(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("PENDING Slow"));
    let mut with_override = args.to_vec();
    with_override.extend(["--for-override", "0s"]);
    let out = check(dir.path(), &with_override);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
}

#[test]
fn exit_2_on_a_bad_rule_file_or_bad_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let exporter = Exporter::start(1.0);
    let target = exporter.target();
    let bad = dir.path().join("bad.yml");
    std::fs::write(
        &bad,
        "groups:\n  - name: g\n    rules:\n      - alert: Broken\n        expr: rate(x[5m]\n",
    )
    .unwrap();
    let out = check(
        dir.path(),
        &[target.as_str(), "--rules", bad.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("bad.yml:4:"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    let missing = dir.path().join("missing.yml");
    let out = check(
        dir.path(),
        &[target.as_str(), "--rules", missing.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("missing.yml"));

    let out = check(dir.path(), &["--rules", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "no targets is a usage error");
    let out = check(dir.path(), &[target.as_str(), "--interval", "soon"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_down_target_is_reported_but_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), "warning");
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target = format!("127.0.0.1:{port}");
    let out = check(
        dir.path(),
        &[
            target.as_str(),
            "--rules",
            rules.to_str().unwrap(),
            "--interval",
            "200ms",
            "--duration",
            "600ms",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("is down"),
        "{}",
        text(&out.stderr)
    );
}
