//! `--record`, a crash, a restart, and `snapshot --from`: the frame a
//! recording gives back at an instant is the one the live dashboard
//! computed at that instant.

use crate::snapshot::{demo_fleet, snapshot, Proc};
use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_vitals");

/// The parts of a snapshot that must agree: everything but the source.
fn comparable(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("source");
    }
    v
}

#[test]
fn after_a_kill_and_a_restart_the_replay_equals_the_live_snapshot() {
    let (_fleet, file_sd, _targets, state) = demo_fleet(&["--instances", "4", "--speed", "2"]);
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("incident");
    let rec_s = rec.to_str().unwrap();
    // A recorder killed with SIGKILL at a moment that is not chosen: once
    // its segment has grown past a size drawn at random, wherever its
    // writes then are.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let kill_past = 4_000 + u64::from(nanos % 40_000);
    let child = Command::new(BIN)
        .args([
            "snapshot",
            "--duration",
            "60s",
            "--record",
            rec_s,
            "--file-sd",
            &file_sd,
        ])
        .env("XDG_STATE_HOME", state.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = Proc(child);
    let segment = rec.join("00000001.vrec");
    crate::common::wait_for("the recording to grow", Duration::from_secs(50), || {
        let len = std::fs::metadata(&segment).map_or(0, |m| m.len());
        (len > kill_past).then_some(())
    });
    first.0.kill().unwrap(); // SIGKILL
    let _ = first.0.wait();
    // What it left reads back.
    let (code, before, err) = snapshot(&["--from", rec_s], state.path());
    assert_eq!(code, 0, "after a kill past {kill_past} bytes: {err}");
    assert_eq!(before["source"], "replay");
    // A restart with the same --record appends a new segment.
    let (code, live, err) = snapshot(
        &[
            "--duration",
            "30s",
            "--record",
            rec_s,
            "--file-sd",
            &file_sd,
        ],
        state.path(),
    );
    assert_eq!(code, 0, "{err}");
    let segments = std::fs::read_dir(&rec).unwrap().count();
    assert!(segments >= 2, "{segments} segments");
    let at = live["time"].as_str().unwrap().to_string();
    let (code, replayed, err) = snapshot(&["--from", rec_s, "--at", &at], state.path());
    assert_eq!(code, 0, "{err}");
    assert_eq!(replayed["time"], live["time"]);
    assert_eq!(
        comparable(replayed.clone()),
        comparable(live.clone()),
        "replayed:\n{replayed:#}\nlive:\n{live:#}"
    );
    // `check --from` decides as the live rules did at that instant.
    let out = Command::new(BIN)
        .args(["check", "--from", rec_s, "--at", &at, "--format", "json"])
        .env("XDG_STATE_HOME", state.path())
        .output()
        .unwrap();
    let firing = live["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["state"] == "firing");
    assert_eq!(out.status.code(), Some(i32::from(firing)), "{out:?}");
}

#[test]
fn bad_recordings_are_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let not = dir.path().join("page.vrec");
    std::fs::write(&not, "# TYPE x counter\nx 1\n").unwrap();
    let short = dir.path().join("short.vrec");
    std::fs::write(&short, b"\x89VITALS\n\x01").unwrap();
    let newer = dir.path().join("newer.vrec");
    let mut h = b"\x89VITALS\n".to_vec();
    h.extend_from_slice(&[9, 0, 0, 0]);
    h.extend_from_slice(&[0; 8]);
    std::fs::write(&newer, &h).unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    for (p, want) in [
        (&not, "not a vitals recording"),
        (&short, "truncated header"),
        (&newer, "newer than this vitals reads"),
        (&empty, "no recording segments"),
    ] {
        for cmd in [&["snapshot", "--from"][..], &["replay"][..]] {
            let out = Command::new(BIN)
                .args(cmd)
                .arg(p)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{cmd:?} {p:?}: {err}");
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(err.contains(want), "{cmd:?} {p:?}: {err}");
        }
    }
}

/// The replay's position on the status line (`HH:MM:SSZ` after `REPLAY`).
fn position(screen: &str) -> String {
    let line = screen.lines().next().unwrap_or("");
    let after = line.split("REPLAY").nth(1).unwrap_or("");
    after
        .split_whitespace()
        .find(|w| w.len() == 9 && w.ends_with('Z') && w.contains(':'))
        .unwrap_or("")
        .to_string()
}

#[test]
fn replay_in_a_terminal_seeks_jumps_to_an_alert_and_takes_a_note() {
    use crate::tmux_support::Tmux;
    let (_fleet, file_sd, _targets, state) = demo_fleet(&["--instances", "4", "--speed", "10"]);
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("incident");
    let rec_s = rec.to_str().unwrap();
    let (code, _, err) = snapshot(
        &[
            "--duration",
            "40s",
            "--record",
            rec_s,
            "--file-sd",
            &file_sd,
        ],
        state.path(),
    );
    assert_eq!(code, 0, "{err}");
    let Some(t) = Tmux::start(120, 36) else {
        return;
    };
    t.wait_screen("the shell prompt", Duration::from_secs(10), |s| {
        s.contains("READY$")
    });
    t.send(&[&format!("{BIN} replay {rec_s}"), "Enter"]);
    t.wait_screen("the replay", Duration::from_secs(20), |s| {
        s.contains("REPLAY ▶ 1x") && s.contains("Latency")
    });
    t.send(&["p"]);
    let paused = t.wait_screen("paused", Duration::from_secs(5), |s| s.contains("paused"));
    let at = position(&paused);
    assert!(!at.is_empty(), "{paused}");
    // The recording has alert transitions (the demo's incident at speed 10).
    assert!(!paused.contains(" 0 marks"), "{paused}");
    t.send(&["]"]);
    let later = t.wait_screen("a seek forward", Duration::from_secs(10), |s| {
        position(s) > at
    });
    // `g` and the recording's first instant (the bar's left end).
    let first = later
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .filter(|w| w.len() == 9 && w.ends_with('Z') && w.contains(':'))
        .nth(1)
        .unwrap_or("")
        .trim_end_matches('Z')
        .to_string();
    assert!(!first.is_empty(), "{later}");
    t.send(&["g"]);
    t.wait_screen("the goto prompt", Duration::from_secs(5), |s| {
        s.contains(":goto")
    });
    t.type_text(&first);
    t.send(&["Enter"]);
    let start = t.wait_screen("back near the start", Duration::from_secs(10), |s| {
        !position(s).is_empty() && position(s) < position(&later)
    });
    t.send(&["n"]);
    let jumped = t.wait_screen("the next alert transition", Duration::from_secs(10), |s| {
        position(s) > position(&start)
    });
    println!("{jumped}");
    t.send(&[":"]);
    t.type_text("note failover to db2 done");
    t.send(&["Enter"]);
    let noted = t.wait_screen("the note on the charts", Duration::from_secs(10), |s| {
        s.contains("note added") && s.contains('✎')
    });
    println!("{noted}");
    let md = dir.path().join("postmortem.md");
    t.send(&[":"]);
    t.type_text(&format!("export {}", md.display()));
    t.send(&["Enter"]);
    t.wait_screen("exported", Duration::from_secs(10), |s| {
        s.contains("exported to")
    });
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("Timeline"), "{text}");
    assert!(text.contains("failover to db2 done"), "{text}");
    assert!(text.contains("→ pending"), "{text}");
    t.send(&["q"]);
    t.wait_screen("the shell prompt back", Duration::from_secs(5), |s| {
        s.lines().any(|l| l.starts_with("READY$")) && !s.contains("Latency")
    });
    // The note went into the recording: a snapshot of the end has it.
    let (code, end, err) = snapshot(&["--from", rec_s], state.path());
    assert_eq!(code, 0, "{err}");
    let notes = end["notes"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n["text"] == "failover to db2 done"),
        "{notes:?}"
    );
}
