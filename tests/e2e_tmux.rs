//! The real binary in a real terminal (tmux): what a user sees.

mod common;

use common::{require_program, wait_for};
use std::process::Command;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_vitals");

/// A tmux server of its own (its own socket), killed on drop.
struct Tmux {
    socket: String,
    dir: tempfile::TempDir,
}

impl Tmux {
    fn start(width: u16, height: u16) -> Option<Tmux> {
        require_program("tmux")?;
        let dir = tempfile::tempdir().unwrap();
        let socket = format!(
            "vitals-test-{}-{}",
            std::process::id(),
            dir.path().file_name().unwrap().to_string_lossy()
        );
        let t = Tmux { socket, dir };
        let status = Command::new("tmux")
            .args(["-L", &t.socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", &width.to_string(), "-y", &height.to_string()])
            .args([
                "env",
                "-i",
                &format!("PATH={}", std::env::var("PATH").unwrap_or_default()),
            ])
            .arg(format!("HOME={}", t.dir.path().display()))
            .arg(format!("XDG_STATE_HOME={}", t.dir.path().display()))
            .args([
                "TERM=xterm-256color",
                "PS1=READY$ ",
                "bash",
                "--norc",
                "--noprofile",
            ])
            .status()
            .unwrap();
        assert!(status.success());
        Some(t)
    }

    fn send(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "0"])
            .args(keys)
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "0"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn wait_screen(&self, what: &str, limit: Duration, ok: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            wait_for(what, limit, || {
                last = self.screen();
                ok(&last).then(|| last.clone())
            })
        }));
        match r {
            Ok(s) => s,
            Err(_) => panic!(
                "timed out waiting for {what}; screen was:\n{}",
                self.screen()
            ),
        }
    }

    fn kill_server(&self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.kill_server();
    }
}

fn pids_matching(pattern: &str) -> Vec<u32> {
    let out = Command::new("pgrep")
        .args(["-f", pattern])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

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
