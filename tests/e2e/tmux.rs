//! The real binary in a real terminal (tmux): what a user sees.

use crate::tmux_support;

use std::time::Duration;
use tmux_support::{pids_matching, wait_for, Tmux};

const BIN: &str = env!("CARGO_BIN_EXE_vitals");

const TITLES: [&str; 6] = [
    "Latency",
    "Traffic",
    "Errors",
    "CPU",
    "Instances",
    "Saturation",
];

fn demo_command(t: &Tmux) -> String {
    format!(
        "{BIN} demo --speed 5 --alert-log {}/alerts.jsonl",
        t.dir.path().display()
    )
}

#[test]
fn demo_shows_every_panel_and_q_restores_the_shell() {
    let Some(t) = Tmux::start(80, 24) else { return };
    t.wait_screen("the shell prompt", Duration::from_secs(10), |s| {
        s.contains("READY$")
    });
    t.send(&[&demo_command(&t), "Enter"]);
    let screen = t.wait_screen(
        "every panel title with values",
        Duration::from_secs(40),
        |s| {
            TITLES.iter().all(|title| s.contains(title))
                && !s.contains("READY$")
                && !s.contains("no data")
                && !s.contains("error")
                && !s.contains("warming")
                && s.contains("ms p99")
        },
    );
    println!("{screen}");
    t.send(&["q"]);
    let screen = t.wait_screen(
        "the shell prompt back after q",
        Duration::from_secs(5),
        |s| s.contains("READY$") && !s.contains("Saturation"),
    );
    assert!(screen.lines().any(|l| l.starts_with("READY$")));
    let marker = format!("{}/alerts.jsonl", t.dir.path().display());
    wait_for("vitals to exit", Duration::from_secs(2), || {
        pids_matching(&marker).is_empty().then_some(())
    });
}

#[test]
fn hangup_leaves_no_process_behind() {
    let Some(t) = Tmux::start(100, 30) else {
        return;
    };
    t.wait_screen("the shell prompt", Duration::from_secs(10), |s| {
        s.contains("READY$")
    });
    t.send(&[&demo_command(&t), "Enter"]);
    t.wait_screen("the dashboard", Duration::from_secs(30), |s| {
        s.contains("Latency")
    });
    let marker = format!("{}/alerts.jsonl", t.dir.path().display());
    assert!(!pids_matching(&marker).is_empty(), "vitals is running");
    t.kill_server();
    wait_for(
        "vitals to exit after hangup",
        Duration::from_secs(2),
        || pids_matching(&marker).is_empty().then_some(()),
    );
}
