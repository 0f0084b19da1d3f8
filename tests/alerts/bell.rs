//! `--bell`: the real binary in a pseudo-terminal (util-linux `script`)
//! writes exactly one BEL when a critical alert starts firing, none
//! without `--bell`, and none again once it has been acknowledged.
#![cfg(unix)]

use crate::alerts_support;
use crate::common;

use alerts_support::{rule_file, Exporter};
use common::{require_program, wait_for};
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_vitals");

struct Pty {
    child: Child,
    output: Arc<Mutex<Vec<u8>>>,
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Pty {
    fn start(target: &str, bell: bool) -> Pty {
        let dir = tempfile::tempdir().unwrap();
        let rules = rule_file(dir.path(), "critical");
        let log = dir.path().join("alerts.jsonl");
        let inner = format!(
            "stty cols 100 rows 30; exec '{BIN}' {target} --rules '{}' --interval 200ms --alert-log '{}'{}",
            rules.display(),
            log.display(),
            if bell { " --bell" } else { "" }
        );
        let mut child = Command::new("script")
            .args(["-qfec", &inner, "/dev/null"])
            .env("TERM", "xterm-256color")
            .env("XDG_STATE_HOME", dir.path())
            .env("HOME", dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let output = Arc::new(Mutex::new(Vec::new()));
        let mut stdout = child.stdout.take().unwrap();
        let sink = Arc::clone(&output);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&chunk[..n]);
            }
        });
        Pty {
            child,
            output,
            log,
            _dir: dir,
        }
    }

    fn bells(&self) -> usize {
        self.output
            .lock()
            .unwrap()
            .iter()
            .filter(|b| **b == 0x07)
            .count()
    }

    fn len(&self) -> usize {
        self.output.lock().unwrap().len()
    }

    fn fired(&self) -> usize {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .matches("\"to\":\"firing\"")
            .count()
    }

    fn send(&mut self, keys: &[u8]) {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(keys).unwrap();
        stdin.flush().unwrap();
    }

    /// Waits until at least `bytes` more have been drawn (a few frames).
    fn wait_frames(&self, bytes: usize) {
        let from = self.len();
        wait_for("more frames", Duration::from_secs(20), || {
            (self.len() >= from + bytes).then_some(())
        });
    }
}

#[test]
fn the_bell_rings_once_per_new_critical_alert_and_only_with_bell() {
    if require_program("script").is_none() {
        return;
    }
    let exporter = Exporter::start(9.0);
    let target = exporter.target();
    let mut pty = Pty::start(&target, true);
    wait_for("the alert to fire", Duration::from_secs(30), || {
        (pty.fired() >= 1 && pty.bells() >= 1).then_some(())
    });
    pty.wait_frames(400);
    assert_eq!(pty.bells(), 1, "one alert, one bell");
    // Acknowledged (`a` acts on the alert first in the bar), resolved and
    // firing again: a new firing rings again, since the ack ended with
    // the resolution.
    pty.send(b"a");
    exporter.set(1.0);
    wait_for("the alert to resolve", Duration::from_secs(30), || {
        std::fs::read_to_string(&pty.log)
            .unwrap_or_default()
            .contains("\"to\":\"resolved\"")
            .then_some(())
    });
    exporter.set(9.0);
    wait_for("the alert to fire again", Duration::from_secs(30), || {
        (pty.fired() >= 2).then_some(())
    });
    pty.wait_frames(400);
    assert_eq!(pty.bells(), 2);
    pty.send(b"q");

    let quiet = Pty::start(&target, false);
    wait_for("the alert to fire", Duration::from_secs(30), || {
        (quiet.fired() >= 1).then_some(())
    });
    quiet.wait_frames(400);
    assert_eq!(quiet.bells(), 0, "no --bell, no bell");
}
