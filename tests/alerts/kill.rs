//! The alert log survives `kill -9`: the real binary runs in a real
//! terminal (tmux) against a loopback exporter whose value flaps on every
//! scrape, with the alerts list (`A`) open so its history shows the
//! transitions. At several moments the screen is captured and the process
//! killed with SIGKILL; every transition the screen showed must be in the
//! log, and every line of the log must parse.

use crate::alerts_support;
use crate::common;

use alerts_support::tmux::Tmux;
use alerts_support::{rule_file, Exporter, FLAP};
use common::{require_program, wait_for};
use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

/// Transitions of `Deep` in the alerts list's history on `screen`:
/// (HH:MM:SS, from, to) with how many times each is shown.
fn shown(screen: &str) -> BTreeMap<(String, String, String), usize> {
    let mut out = BTreeMap::new();
    let mut in_history = false;
    for line in screen.lines() {
        // Without the box border around the list.
        let l = line.trim_matches(|c: char| !c.is_ascii_graphic() || c == '|');
        if l == "History" {
            in_history = true;
            continue;
        }
        if !in_history {
            continue;
        }
        let words: Vec<&str> = l.split_whitespace().collect();
        let Some(arrow) = words.iter().position(|w| *w == "->") else {
            continue;
        };
        if words.len() < 4 || words[1] != "Deep" || arrow + 1 >= words.len() {
            continue;
        }
        let time = words[0].trim_end_matches('Z').to_string();
        let key = (
            time,
            words[arrow - 1].to_string(),
            words[arrow + 1].to_string(),
        );
        *out.entry(key).or_insert(0) += 1;
    }
    out
}

/// The log's transitions, the same way; panics on a line that does not parse.
fn logged(text: &str) -> BTreeMap<(String, String, String), usize> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| {
            panic!(
                "line {} of the alert log does not parse ({e}): {line}",
                i + 1
            )
        });
        let time = v["time"].as_str().unwrap();
        let hms = time.get(11..19).unwrap().to_string();
        let key = (
            hms,
            v["from"].as_str().unwrap().to_string(),
            v["to"].as_str().unwrap().to_string(),
        );
        *out.entry(key).or_insert(0) += 1;
    }
    out
}

#[test]
fn every_transition_shown_before_a_kill_9_is_in_the_log() {
    if require_program("tmux").is_none() {
        return;
    }
    let exporter = Exporter::start(FLAP);
    // Kill after the screen shows at least this many transitions.
    for (round, want) in [1usize, 3, 8].into_iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let rules = rule_file(dir.path(), "critical");
        let log = dir.path().join("alerts.jsonl");
        let args: Vec<String> = vec![
            exporter.target(),
            "--rules".into(),
            rules.display().to_string(),
            "--interval".into(),
            "200ms".into(),
            "--alert-log".into(),
            log.display().to_string(),
        ];
        let t = Tmux::run(dir.path(), &args);
        wait_for("the dashboard", Duration::from_secs(20), || {
            t.screen().contains("targets").then_some(())
        });
        let _ = t.tmux(&["send-keys", "-t", "0", "A"]);
        let screen = wait_for(
            &format!("{want} transitions on screen (round {round})"),
            Duration::from_secs(30),
            || {
                let s = t.screen();
                (shown(&s).values().sum::<usize>() >= want).then_some(s)
            },
        );
        let pid = t.pid();
        let status = Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let seen = shown(&screen);
        let text = std::fs::read_to_string(&log).unwrap();
        let inlog = logged(&text);
        for (k, n) in &seen {
            assert!(
                inlog.get(k).copied().unwrap_or(0) >= *n,
                "round {round}: {k:?} shown {n} times but logged {:?} times\nscreen:\n{screen}\nlog:\n{text}",
                inlog.get(k)
            );
        }
        assert!(text.ends_with('\n'), "the last line is complete");
    }
}
