//! The real binary in tmux with a configuration file found at
//! `$XDG_CONFIG_HOME/vitals/config.toml`: its panels are shown, SIGHUP and
//! `r` reload it while the dashboard runs, and a bad new file is reported
//! on the status line while the old configuration keeps running.

use crate::common;

use common::{require_program, wait_for};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_vitals");

/// A tmux server on its own socket with one bash window, killed on drop.
struct Session {
    socket: String,
    dir: tempfile::TempDir,
}

impl Session {
    fn start() -> Option<Session> {
        require_program("tmux")?;
        let dir = tempfile::tempdir().unwrap();
        let socket = format!(
            "vitals-config-{}-{}",
            std::process::id(),
            dir.path().file_name().unwrap().to_string_lossy()
        );
        let s = Session { socket, dir };
        let home = s.dir.path().display().to_string();
        let status = Command::new("tmux")
            .args(["-L", &s.socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", "120", "-y", "32", "env", "-i"])
            .arg(format!(
                "PATH={}",
                std::env::var("PATH").unwrap_or_default()
            ))
            .arg(format!("HOME={home}"))
            .arg(format!("XDG_STATE_HOME={home}"))
            .arg(format!("XDG_CONFIG_HOME={home}"))
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
        Some(s)
    }

    fn config_path(&self) -> PathBuf {
        self.dir.path().join("vitals").join("config.toml")
    }

    fn write_config(&self, text: &str) {
        let p = self.config_path();
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        // Written aside and renamed, as editors do: never read half-written.
        let tmp = p.with_extension("tmp");
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, &p).unwrap();
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

    fn wait_screen(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            wait_for(what, Duration::from_secs(30), || {
                let s = self.screen();
                ok(&s).then_some(s)
            })
        }));
        r.unwrap_or_else(|_| panic!("timed out waiting for {what}; screen:\n{}", self.screen()))
    }

    fn marker(&self) -> String {
        format!("{}/alerts.jsonl", self.dir.path().display())
    }

    fn pids(&self) -> Vec<String> {
        let out = Command::new("pgrep")
            .args(["-f", &self.marker()])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    }

    fn hangup(&self) {
        for pid in self.pids() {
            let status = Command::new("kill").args(["-HUP", &pid]).status().unwrap();
            assert!(status.success());
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

fn config(panels: &[(&str, &str)]) -> String {
    let mut s = String::from("panels = \"custom\"\n");
    for (title, expr) in panels {
        s.push_str(&format!(
            "\n[[panel]]\ntitle = \"{title}\"\nexpr = '{expr}'\n"
        ));
    }
    s
}

#[test]
fn sighup_and_r_reload_the_config_and_a_bad_file_is_reported() {
    let Some(s) = Session::start() else { return };
    s.write_config(&config(&[("Targets up", "sum(up)")]));
    s.wait_screen("the shell prompt", |t| t.contains("READY$"));
    s.send(&[
        &format!("{BIN} demo --speed 5 --alert-log {}", s.marker()),
        "Enter",
    ]);
    s.wait_screen("the configured panel", |t| {
        t.contains("Targets up") && !t.contains("Saturation")
    });
    assert_eq!(s.pids().len(), 1, "one dashboard process");

    // SIGHUP with the terminal present: the new panel appears.
    s.write_config(&config(&[
        ("Targets up", "sum(up)"),
        ("Scrape seconds", "max(scrape_duration_seconds)"),
    ]));
    s.hangup();
    let screen = s.wait_screen("the panel added by SIGHUP", |t| {
        t.contains("Scrape seconds") && t.contains("config reloaded")
    });
    assert!(screen.contains("Targets up"), "{screen}");

    // A bad file: reported on the status line, the old panels stay.
    s.write_config("panels = \"custom\"\n[[panel]]\ntitle = \"Broken\"\nexpr = \"sum(up\"\n");
    s.hangup();
    let screen = s.wait_screen("the reload failure", |t| t.contains("reload failed"));
    assert!(
        screen.contains("Scrape seconds") && !screen.contains("Broken"),
        "{screen}"
    );
    assert_eq!(s.pids().len(), 1, "still running");

    // `r` reloads too, once the file is fixed.
    s.write_config(&config(&[
        ("Targets up", "sum(up)"),
        ("Samples", "sum(scrape_samples_scraped)"),
    ]));
    s.send(&["r"]);
    let screen = s.wait_screen("the panel added by r", |t| {
        t.contains("Samples") && !t.contains("Scrape seconds")
    });
    assert!(!screen.contains("reload failed"), "{screen}");

    s.send(&["q"]);
    s.wait_screen("the shell prompt back", |t| {
        t.lines().any(|l| l.starts_with("READY$")) && !t.contains("Targets up")
    });
    wait_for("vitals to exit", Duration::from_secs(5), || {
        s.pids().is_empty().then_some(())
    });
}
