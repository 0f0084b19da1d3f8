//! A tmux server of its own for driving the real binary in a real
//! terminal: send keys, capture the screen, wait for what it shows.
//! The test binary declares `common` beside it.
#![allow(dead_code)]

use super::common::require_program;
pub use super::common::wait_for;
use std::process::Command;
use std::time::Duration;

/// A tmux server of its own (its own socket), killed on drop.
pub struct Tmux {
    pub socket: String,
    pub dir: tempfile::TempDir,
}

impl Tmux {
    pub fn start(width: u16, height: u16) -> Option<Tmux> {
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

    pub fn send(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "0"])
            .args(keys)
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Types `text` literally (no key names).
    pub fn type_text(&self, text: &str) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "0", "-l", text])
            .status()
            .unwrap();
        assert!(status.success());
    }

    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "0"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn wait_screen(&self, what: &str, limit: Duration, ok: impl Fn(&str) -> bool) -> String {
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

    pub fn kill_server(&self) {
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

pub fn pids_matching(pattern: &str) -> Vec<u32> {
    let out = Command::new("pgrep")
        .args(["-f", pattern])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}
