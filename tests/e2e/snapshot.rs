//! `vitals demo --no-ui` and `vitals snapshot` as a user runs them.

use crate::common;

use common::{require_program, wait_for};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_vitals");

/// A child process killed on drop.
pub(crate) struct Proc(pub(crate) Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `vitals demo --no-ui` and returns it with its file_sd path and targets.
pub(crate) fn demo_fleet(extra: &[&str]) -> (Proc, String, Vec<String>, tempfile::TempDir) {
    let state = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["demo", "--no-ui"])
        .args(extra)
        .env("XDG_STATE_HOME", state.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let proc = Proc(child);
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    let file_sd = first
        .strip_prefix("file_sd: ")
        .expect("file_sd line first")
        .to_string();
    assert!(file_sd.ends_with(".json"), "{first}");
    let mut targets = Vec::new();
    // Target lines follow; the fleet prints them all at once.
    for line in lines.by_ref() {
        let line = line.unwrap();
        let t = line
            .strip_prefix("target: ")
            .expect("target lines")
            .to_string();
        targets.push(t);
        if targets.len() >= 3 {
            break;
        }
    }
    (proc, file_sd, targets, state)
}

pub(crate) fn snapshot(args: &[&str], state: &std::path::Path) -> (i32, Value, String) {
    let out = Command::new(BIN)
        .arg("snapshot")
        .args(args)
        .env("XDG_STATE_HOME", state)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

fn panel<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["panels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("panel {id} in {doc:#}"))
}

#[test]
fn snapshot_of_the_demo_fleet_has_every_panel() {
    let (_fleet, file_sd, targets, state) = demo_fleet(&["--scenario", "calm"]);
    assert!(
        targets.iter().all(|t| t.starts_with("http://127.0.0.1:")),
        "{targets:?}"
    );
    let (code, doc, err) = snapshot(&["--format", "json", "--file-sd", &file_sd], state.path());
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["source"], "scrape");
    let time = doc["time"].as_str().unwrap();
    assert_eq!(time.len(), "2026-11-22T12:00:00.123Z".len(), "{time}");
    let ts = doc["targets"].as_array().unwrap();
    assert!(ts.len() >= 3, "{ts:?}");
    for t in ts {
        assert_eq!(t["up"], true, "{t}");
        let min = if t["job"] == "app" { 10 } else { 1 };
        assert!(t["samples"].as_u64().unwrap() >= min, "{t}");
        assert_eq!(t["invalid_lines"], 0);
    }
    for id in [
        "latency",
        "traffic",
        "errors",
        "cpu",
        "instances",
        "saturation",
    ] {
        let p = panel(&doc, id);
        assert_eq!(p["error"], Value::Null, "{id}: {p:#}");
        assert!(!p["series"].as_array().unwrap().is_empty(), "{id}: {p:#}");
        assert_eq!(p["warming_up"], false, "{id}");
        for s in p["series"].as_array().unwrap() {
            assert!(s["value"].is_number() || s["value"].is_string(), "{s}");
        }
    }
    let lat = panel(&doc, "latency");
    let qs: Vec<&str> = lat["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["labels"]["quantile"].as_str().unwrap())
        .collect();
    assert_eq!(qs, ["0.5", "0.95", "0.99"]);
    let p99 = lat["series"][2]["value"].as_f64().unwrap();
    assert!(p99 > 0.01 && p99 < 0.15, "calm p99 {p99}");
    let traffic = panel(&doc, "traffic")["series"][0]["value"]
        .as_f64()
        .unwrap();
    assert!(traffic > 0.0);
    let errors = panel(&doc, "errors")["series"][0]["value"]
        .as_f64()
        .unwrap();
    assert!((0.0..0.01).contains(&errors), "calm error ratio {errors}");
    assert!(panel(&doc, "latency")["exprs"][2]
        .as_str()
        .unwrap()
        .starts_with(
        "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[10s])))"
    ));

    let out = Command::new(BIN)
        .args(["snapshot", "--format", "text", "--file-sd", &file_sd])
        .env("XDG_STATE_HOME", state.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("| signal | series | value |"), "{text}");
    assert!(text.contains("Latency"), "{text}");
}

#[test]
fn down_target_is_reported_not_fatal() {
    let (_fleet, _sd, targets, state) = demo_fleet(&["--scenario", "calm"]);
    let dead = format!("127.0.0.1:{}", common::free_port());
    let (code, doc, err) = snapshot(&["--duration", "3s", &targets[0], &dead], state.path());
    assert_eq!(code, 0, "{err}");
    let ts = doc["targets"].as_array().unwrap();
    let down = ts.iter().find(|t| t["instance"] == dead.as_str()).unwrap();
    assert_eq!(down["up"], false);
    assert!(
        down["error"].as_str().unwrap().contains("connection"),
        "{down}"
    );
    let up = ts.iter().find(|t| t["url"] == targets[0].as_str()).unwrap();
    assert_eq!(up["up"], true);
}

#[test]
fn bad_flags_and_targets_are_one_line_errors() {
    for args in [
        vec!["snapshot", "--interval", "5x", "127.0.0.1:1"],
        vec!["snapshot", "not a target"],
        vec!["snapshot"],
        vec!["snapshot", "--expr", "rate(x[5m]", "127.0.0.1:1"],
    ] {
        let out = Command::new(BIN).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.trim().is_empty(), "{args:?}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// The real Debian node_exporter: CPU and Instances panels work with no configuration.
#[test]
fn node_exporter_cpu_and_instances() {
    let Some(bin) = require_program("prometheus-node-exporter") else {
        return;
    };
    let port = common::free_port();
    let addr = format!("127.0.0.1:{port}");
    let _ne = Proc(
        Command::new(bin)
            .arg(format!("--web.listen-address={addr}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for("node_exporter to listen", Duration::from_secs(10), || {
        std::net::TcpStream::connect(&addr).ok()
    });
    let state = tempfile::tempdir().unwrap();
    let (code, doc, err) = snapshot(&["--interval", "1s", &addr], state.path());
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["targets"][0]["up"], true, "{doc:#}");
    let cpu = panel(&doc, "cpu");
    assert_eq!(cpu["error"], Value::Null, "{cpu:#}");
    assert!(cpu["exprs"][0]
        .as_str()
        .unwrap()
        .contains("node_cpu_seconds_total"));
    let v = cpu["series"][0]["value"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&v), "cpu busy fraction {v}");
    let inst = panel(&doc, "instances");
    let up = inst["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["labels"]["series"] == "up")
        .unwrap();
    assert_eq!(up["value"], 1.0);
}

#[test]
fn check_exits_by_what_fires() {
    let (_fleet, file_sd, _targets, state) = demo_fleet(&["--scenario", "calm"]);
    let run = |extra: &[&str]| {
        Command::new(BIN)
            .args([
                "check",
                "--for-override",
                "0s",
                "--duration",
                "4s",
                "--file-sd",
                &file_sd,
            ])
            .args(extra)
            .env("XDG_STATE_HOME", state.path())
            .output()
            .unwrap()
    };
    let calm = run(&[]);
    let out = String::from_utf8_lossy(&calm.stdout);
    assert_eq!(calm.status.code(), Some(0), "{out}");
    assert!(out.starts_with("OK: no alert firing"), "{out}");
    let dead = format!("127.0.0.1:{}", common::free_port());
    let firing = run(&[&dead]);
    let out = String::from_utf8_lossy(&firing.stdout);
    assert_eq!(firing.status.code(), Some(1), "{out}");
    // One line for the group; a busy machine may time out a demo target
    // too, and then the group holds both.
    let line = out
        .lines()
        .find(|l| l.starts_with("FIRING TargetDown ×"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains(" (critical) worst 0 "), "{out}");
    assert_eq!(out.matches("TargetDown").count(), 1, "{out}");
    if line.starts_with("FIRING TargetDown ×1 ") {
        assert!(line.contains(&dead), "{out}");
    }
    let err = String::from_utf8_lossy(&firing.stderr);
    assert!(
        err.contains(&format!("target http://{dead}/metrics is down")),
        "{err}"
    );
}

/// The numbers of `Firing: N alerts in M groups, P pending`.
fn firing_line(text: &str) -> (u64, u64, u64) {
    let line = text
        .lines()
        .find(|l| l.starts_with("Firing: "))
        .unwrap_or_else(|| panic!("no Firing: line in {text}"));
    let n: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    assert_eq!(
        line,
        format!(
            "Firing: {} alerts in {} groups, {} pending",
            n[0], n[1], n[2]
        )
    );
    (n[0], n[1], n[2])
}

/// Every opened XML element is closed, in order.
fn balanced(xml: &str) -> bool {
    let mut stack: Vec<String> = Vec::new();
    for tag in xml.split('<').skip(1).filter_map(|t| t.split('>').next()) {
        if tag.starts_with('?') {
            continue;
        }
        let word = |t: &str| t.split([' ', '/']).next().unwrap_or("").to_string();
        if let Some(closing) = tag.strip_prefix('/') {
            if stack.pop() != Some(word(closing)) {
                return false;
            }
        } else if !tag.ends_with('/') {
            stack.push(word(tag));
        }
    }
    stack.is_empty()
}

#[test]
fn summary_and_check_count_alert_groups_as_the_json_does() {
    let (_fleet, file_sd, _targets, state) =
        demo_fleet(&["--scenario", "calm", "--instances", "8"]);
    let dir = state.path();
    // Only these panels and rules: what fires does not depend on timing.
    let config = dir.join("vitals.toml");
    std::fs::write(
        &config,
        r#"panels = "custom"

[[panel]]
title = "Fast"
expr = 'histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{le=~"0.01|\\+Inf"}[10s])))'
unit = "seconds"

[[panel]]
title = "Up"
expr = "up"
unit = "count"
"#,
    )
    .unwrap();
    let rules = dir.join("rules.yml");
    let all_up = "        expr: up == 1\n";
    std::fs::write(
        &rules,
        format!(
            "groups:\n  - name: g\n    rules:\n\
             \x20     - alert: AllUp\n{all_up}        labels: {{severity: critical}}\n\
             \x20     - alert: AllUp\n{all_up}        labels: {{severity: warning}}\n\
             \x20     - alert: SlowPending\n{all_up}        for: 1h\n        labels: {{severity: warning}}\n\
             \x20     - alert: Never\n        expr: up == 2\n        labels: {{severity: warning}}\n"
        ),
    )
    .unwrap();
    let (config, rules) = (config.to_str().unwrap(), rules.to_str().unwrap());
    let common = [
        "--config",
        config,
        "--rules",
        rules,
        "--file-sd",
        &file_sd,
        // A scrape on a busy machine keeps its target up.
        "--interval",
        "2s",
        "--timeout",
        "1800ms",
        "--duration",
        "5s",
    ];
    let run = |cmd: &str, extra: &[&str]| {
        let out = Command::new(BIN)
            .arg(cmd)
            .args(common)
            .args(extra)
            .env("XDG_STATE_HOME", dir)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        (out.status.code(), stdout)
    };

    let (code, json) = run("snapshot", &["--format", "json"]);
    assert_eq!(code, Some(0), "{json}");
    let doc: Value = serde_json::from_str(&json).unwrap();
    let targets = doc["targets"].as_array().unwrap();
    let up = targets.iter().filter(|t| t["up"] == true).count() as u64;
    assert_eq!(up, targets.len() as u64, "{json}");
    assert!(up >= 8, "{json}");
    let alerts = doc["alerts"].as_array().unwrap();
    let count = |state: &str| {
        alerts
            .iter()
            .filter(|a| a["state"] == state && a["inhibited"] == false)
            .count() as u64
    };
    let groups = doc["alert_groups"].as_array().unwrap();
    let firing_groups = groups.iter().filter(|g| g["firing"] != 0).count() as u64;
    assert_eq!(
        (count("firing"), firing_groups, count("pending")),
        (up, 1, up)
    );
    assert_eq!(groups[0]["name"], "AllUp");
    assert_eq!(
        groups[0]["inhibited"], up,
        "each warning under its critical"
    );
    assert_eq!(panel(&doc, "fast")["top_bucket"], 0.01, "{json}");

    let (code, text) = run("snapshot", &["--format", "text"]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(firing_line(&text), (up, 1, up), "{text}");
    assert!(
        text.contains(&format!("- FIRING AllUp ×{up} (critical) worst 1 ")),
        "{text}"
    );
    assert!(
        text.contains(&format!("- PENDING SlowPending ×{up} (warning)")),
        "{text}"
    );
    assert!(text.contains("| Fast | value | ≥ 10ms"), "{text}");
    let rows = text.lines().filter(|l| l.starts_with("| Up |")).count();
    assert_eq!(rows, 6, "five worst and the median: {text}");
    assert!(
        text.contains(&format!("| Up | median of {up} instances | 1 |")),
        "{text}"
    );
    assert!(text.lines().count() < 30, "{text}");

    // check: one line per group, exit 1 while something fires.
    let (code, out) = run("check", &[]);
    assert_eq!(code, Some(1), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with(&format!("FIRING AllUp ×{up} (critical) worst 1 ")),
        "{out}"
    );
    assert!(lines[0].ends_with(&format!(", {up} inhibited")), "{out}");
    assert!(
        lines[1].starts_with(&format!("PENDING SlowPending ×{up} (warning)")),
        "{out}"
    );

    let (code, out) = run("check", &["--format", "json"]);
    assert_eq!(code, Some(1), "{out}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["alert_groups"].as_array().unwrap().len(), 2, "{out}");
    assert_eq!(doc["rules"].as_array().unwrap().len(), 4, "{out}");

    let (code, tap) = run("check", &["--format", "tap"]);
    assert_eq!(code, Some(1), "{tap}");
    let mut lines = tap.lines();
    assert_eq!(lines.next(), Some("TAP version 13"), "{tap}");
    assert_eq!(lines.next(), Some("1..4"), "{tap}");
    let points: Vec<&str> = tap
        .lines()
        .filter(|l| l.starts_with("ok ") || l.starts_with("not ok "))
        .collect();
    assert_eq!(
        points,
        [
            "not ok 1 - AllUp (critical)",
            "not ok 2 - AllUp (warning)",
            "ok 3 - SlowPending (warning)",
            "ok 4 - Never (warning)",
        ],
        "{tap}"
    );
    // Anything else is a YAML block under a test point or a comment.
    let mut in_yaml = false;
    for l in tap.lines().skip(2).filter(|l| !points.contains(l)) {
        match l {
            "  ---" => in_yaml = true,
            "  ..." => in_yaml = false,
            _ => assert!(in_yaml || l.starts_with('#'), "{l:?} in {tap}"),
        }
    }
    assert!(!in_yaml, "{tap}");

    let (code, xml) = run("check", &["--format", "junit"]);
    assert_eq!(code, Some(1), "{xml}");
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
        "{xml}"
    );
    assert!(balanced(&xml), "{xml}");
    assert_eq!(xml.matches("<testsuites ").count(), 1, "{xml}");
    assert_eq!(xml.matches("<testsuite ").count(), 1, "{xml}");
    assert_eq!(xml.matches("<testcase ").count(), 4, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 2, "{xml}");
    assert!(xml.contains(r#"tests="4" failures="2""#), "{xml}");

    // Nothing firing: exit 0 in every format; a bad format is a usage error.
    let quiet = dir.join("quiet.yml");
    std::fs::write(
        &quiet,
        "groups:\n  - name: g\n    rules:\n      - alert: Never\n        expr: up == 2\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args([
            "check",
            "--format",
            "tap",
            "--rules",
            quiet.to_str().unwrap(),
        ])
        .args([
            "--config",
            config,
            "--file-sd",
            &file_sd,
            "--duration",
            "2s",
        ])
        .env("XDG_STATE_HOME", dir)
        .output()
        .unwrap();
    let tap = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{tap}");
    assert!(tap.contains("\nok 1 - Never (warning)\n"), "{tap}");
    let (code, _) = run("check", &["--format", "xml"]);
    assert_eq!(code, Some(2));
}
