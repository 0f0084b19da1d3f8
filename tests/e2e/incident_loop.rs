//! The whole incident loop as an on-call engineer sees it: the demo fleet
//! (`demo --no-ui`, growing to 40 instances, at `--speed 2`) plays its five seed
//! incidents while the real dashboard runs in tmux at 120x36. For each
//! incident, within 60 s of its phase starting the alert bar names its cause
//! first; no capture of the bar ever names an alert twice; and the alert
//! log holds the cause firing.

use crate::tmux_support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tmux_support::Tmux;

const BIN: &str = env!("CARGO_BIN_EXE_vitals");

/// The alert that names each seed incident's cause.
const CAUSES: [(&str, &str); 5] = [
    ("000", "InstancesNearMax"),
    ("001", "QueueNearFull"),
    ("002", "ErrorRatioHigh"),
    ("003", "LatencyP99High"),
    ("004", "MemoryNearLimit"),
];

/// How long after its phase starts an incident's cause must lead the bar.
const WITHIN: Duration = Duration::from_secs(60);

struct Fleet(Child);

impl Drop for Fleet {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The alert names in the bar's entries, first to last (none when calm).
fn bar_names(bar: &str) -> Vec<String> {
    if !bar.contains("CRITICAL") && !bar.contains("WARNING") && !bar.contains("FIRING") {
        return Vec::new();
    }
    let body = bar.split("  +").next().unwrap_or(bar);
    body.split('│')
        .enumerate()
        .filter_map(|(i, entry)| {
            let mut words = entry.split_whitespace();
            if i == 0 {
                // `✗ CRITICAL Name …`
                words.next();
                words.next();
            }
            words.next().map(str::to_string)
        })
        .collect()
}

#[test]
fn each_incident_is_named_first_by_its_cause_within_a_minute() {
    let Some(t) = Tmux::start(120, 36) else {
        return;
    };
    let mut child = Command::new(BIN)
        .args(["demo", "--no-ui", "--speed", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _fleet = Fleet(child);
    let (tx, rx) = mpsc::channel::<(Instant, String)>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    let mut phases: Vec<(Instant, String)> = Vec::new();
    let file_sd = loop {
        let (at, line) = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("demo output");
        if let Some(p) = line.strip_prefix("file_sd: ") {
            break p.to_string();
        }
        if line.starts_with("phase: ") {
            phases.push((at, line));
        }
    };
    let log = t.dir.path().join("alerts.jsonl");
    t.wait_screen("the shell prompt", Duration::from_secs(10), |s| {
        s.contains("READY$")
    });
    t.send(&[
        &format!("{BIN} --file-sd {file_sd} --alert-log {}", log.display()),
        "Enter",
    ]);
    // Captures until the last incident's minute is over.
    let mut bars: Vec<(Instant, String)> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(480);
    loop {
        while let Ok((at, line)) = rx.try_recv() {
            if line.starts_with("phase: ") {
                phases.push((at, line));
            }
        }
        let done = phases
            .iter()
            .find(|(_, l)| l.ends_with("seed=004"))
            .is_some_and(|(at, _)| at.elapsed() > WITHIN + Duration::from_secs(2));
        if done || Instant::now() > deadline {
            break;
        }
        let screen = t.screen();
        if let Some(bar) = screen.lines().nth(1) {
            bars.push((Instant::now(), bar.to_string()));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    t.send(&["q"]);
    // The bar never names an alert twice.
    for (_, bar) in &bars {
        let names = bar_names(bar);
        let mut seen = std::collections::BTreeSet::new();
        for n in &names {
            assert!(seen.insert(n), "{n} twice in the bar: {bar}");
        }
    }
    let mut failures = Vec::new();
    for (seed, cause) in CAUSES {
        let Some((start, line)) = phases
            .iter()
            .find(|(_, l)| l.ends_with(&format!("seed={seed}")))
        else {
            failures.push(format!("no phase line for seed {seed}: {phases:?}"));
            continue;
        };
        let led = bars.iter().find(|(at, bar)| {
            *at >= *start
                && at.duration_since(*start) <= WITHIN
                && bar_names(bar).first().map(String::as_str) == Some(cause)
        });
        if led.is_none() {
            let seen: Vec<String> = bars
                .iter()
                .filter(|(at, _)| *at >= *start && at.duration_since(*start) <= WITHIN)
                .map(|(at, b)| {
                    format!(
                        "{:>5.1}s {}",
                        at.duration_since(*start).as_secs_f64(),
                        b.trim_end()
                    )
                })
                .collect();
            failures.push(format!(
                "{line}: {cause} never led the bar within {WITHIN:?}; the bar was:\n{}",
                seen.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    for (_, cause) in CAUSES {
        assert!(
            text.lines()
                .any(|l| l.contains(&format!("\"rule\":\"{cause}\""))
                    && l.contains("\"to\":\"firing\"")),
            "{cause} never fired in the alert log"
        );
    }
}

#[test]
fn bar_entries_are_read_by_name() {
    assert_eq!(
        bar_names(" ✗ CRITICAL InstancesNearMax 40 for 30s │ CpuHigh ×38 worst 97.2% 127.0.0.1:1  +2 more (A)"),
        ["InstancesNearMax", "CpuHigh"]
    );
    assert!(bar_names(" ✓ no alerts firing │ ▲ pending: CpuHigh ×3 fires in 20s").is_empty());
}
