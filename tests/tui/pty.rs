//! The dashboard in a real pseudo-terminal (through util-linux `script`):
//! it draws, and it gives the terminal back (leaves the alternate screen,
//! shows the cursor) and ends on `q` and SIGTERM; SIGHUP with the terminal
//! present asks for a reload; when the terminal itself goes away the
//! process ends instead of spinning.
//!
//! The test binary runs itself as the child, filtered to exactly
//! `pty_child_process` (by its full name, module path included), which
//! runs the dashboard when `VITALS_TUI_PTY_CHILD` is set and does nothing
//! otherwise.
#![cfg(unix)]

use crate::tui_fixture;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "VITALS_TUI_PTY_CHILD";
const PID_ENV: &str = "VITALS_TUI_PTY_PIDFILE";
const LEAVE_ALT_SCREEN: &str = "\x1b[?1049l";
const SHOW_CURSOR: &str = "\x1b[?25h";

/// The child side: runs the real dashboard over a fixed frame.
#[test]
fn pty_child_process() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let pidfile = std::env::var(PID_ENV).expect("pid file");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let result = rt.block_on(async move {
        let (frames_tx, frames_rx) = tokio::sync::watch::channel(Arc::new(tui_fixture::incident()));
        let (cmd_tx, mut cmd_rx) = tokio::sync::mpsc::channel(8);
        // A reload request leaves a mark the test can see.
        let mark = format!("{pidfile}.reload");
        tokio::spawn(async move {
            while let Some(c) = cmd_rx.recv().await {
                if c == vitals::frame::Command::Reload {
                    std::fs::write(&mark, "reload").unwrap();
                }
            }
        });
        std::fs::write(&pidfile, std::process::id().to_string()).unwrap();
        let opts = vitals::tui::UiOptions {
            title: "vitals pty".into(),
            ..Default::default()
        };
        if std::env::var(CHILD_ENV).as_deref() == Ok("panic") {
            // Another task panics once the dashboard is up.
            let pidfile = pidfile.clone();
            tokio::spawn(async move {
                while !Path::new(&pidfile).exists() {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
                panic!("engine exploded");
            });
        }
        let r = vitals::tui::run(frames_rx, cmd_tx, opts).await;
        drop(frames_tx);
        r
    });
    println!("\r\nDASHBOARD ENDED: {result:?}\r");
}

/// The harness's name for `pty_child_process`: its module path within
/// this test binary (the crate name left out), then the function.
fn child_test_name() -> String {
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    if module.is_empty() {
        "pty_child_process".to_string()
    } else {
        format!("{module}::pty_child_process")
    }
}

struct Session {
    script: Child,
    output: Arc<Mutex<Vec<u8>>>,
    pidfile: PathBuf,
    _dir: tempfile::TempDir,
}

fn script_available() -> bool {
    Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn start() -> Option<Session> {
    start_mode("1")
}

fn start_mode(mode: &str) -> Option<Session> {
    if !script_available() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("util-linux `script` is needed for the pty tests");
        }
        eprintln!("note: util-linux `script` not found; pty tests skipped");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let exe = std::env::current_exe().unwrap();
    let inner = format!(
        "stty cols 100 rows 30; exec '{}' {} --exact --nocapture --test-threads=1",
        exe.display(),
        child_test_name()
    );
    let mut script = Command::new("script")
        .args(["-qfec", &inner, "/dev/null"])
        .env(CHILD_ENV, mode)
        .env(PID_ENV, &pidfile)
        .env("TERM", "xterm-256color")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let output = Arc::new(Mutex::new(Vec::new()));
    let mut stdout = script.stdout.take().unwrap();
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
    Some(Session {
        script,
        output,
        pidfile,
        _dir: dir,
    })
}

/// Polls `cond` every 20 ms for at most `limit`.
fn wait_for(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}

impl Session {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    fn wait_drawn(&self) {
        let drawn = wait_for(Duration::from_secs(30), || {
            let t = self.text();
            t.contains("vitals pty") && t.contains("Latency") && self.pidfile.exists()
        });
        assert!(drawn, "dashboard never drawn:\n{}", self.text());
    }

    fn child_pid(&self) -> String {
        std::fs::read_to_string(&self.pidfile).unwrap()
    }

    fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .args([&format!("-{sig}"), &self.child_pid()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn wait_exit(&mut self) {
        let exited = wait_for(Duration::from_secs(10), || {
            matches!(self.script.try_wait(), Ok(Some(_)))
        });
        if !exited {
            let _ = self.script.kill();
        }
        assert!(exited, "dashboard did not end:\n{}", self.text());
    }

    fn assert_restored(&self) {
        let t = self.text();
        let drawn_at = t.find("vitals pty").unwrap();
        let left = t.rfind(LEAVE_ALT_SCREEN).expect("alternate screen left");
        assert!(left > drawn_at, "restore came before drawing");
        assert!(t[left..].contains(SHOW_CURSOR) || t.rfind(SHOW_CURSOR) > Some(drawn_at));
        assert!(t.contains("DASHBOARD ENDED: Ok(())"), "{t}");
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.script.kill();
        let _ = self.script.wait();
    }
}

/// The process has ended (a zombie waiting to be reaped counts as ended).
fn process_gone(pid: &str) -> bool {
    let stat = Path::new("/proc").join(pid.trim()).join("stat");
    match std::fs::read_to_string(stat) {
        Err(_) => true,
        Ok(s) => s
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X'])),
    }
}

#[test]
fn q_quits_and_restores_the_terminal() {
    let Some(mut s) = start() else { return };
    s.wait_drawn();
    s.script.stdin.as_mut().unwrap().write_all(b"q").unwrap();
    s.script.stdin.as_mut().unwrap().flush().unwrap();
    s.wait_exit();
    s.assert_restored();
}

#[test]
fn sigterm_restores_the_terminal() {
    let Some(mut s) = start() else { return };
    s.wait_drawn();
    s.signal("TERM");
    s.wait_exit();
    s.assert_restored();
}

/// SIGHUP while the terminal is still there asks for a configuration
/// reload and the dashboard carries on (a hangup of the terminal itself
/// ends it: see `terminal_going_away_ends_the_process`).
#[test]
fn sighup_with_the_terminal_present_reloads() {
    let Some(mut s) = start() else { return };
    s.wait_drawn();
    s.signal("HUP");
    let mark = s.pidfile.with_extension("reload");
    assert!(
        wait_for(Duration::from_secs(10), || mark.exists()),
        "no reload requested:\n{}",
        s.text()
    );
    assert!(!process_gone(&s.child_pid()), "SIGHUP ended the dashboard");
    s.script.stdin.as_mut().unwrap().write_all(b"q").unwrap();
    s.script.stdin.as_mut().unwrap().flush().unwrap();
    s.wait_exit();
    s.assert_restored();
}

/// The terminal disappears (the pty's other end closes, as when an SSH
/// connection drops): the dashboard ends on its own.
#[test]
fn terminal_going_away_ends_the_process() {
    let Some(mut s) = start() else { return };
    s.wait_drawn();
    let pid = s.child_pid();
    let _ = s.script.kill();
    let _ = s.script.wait();
    assert!(
        wait_for(Duration::from_secs(5), || process_gone(&pid)),
        "dashboard process {pid} still running after its terminal went away"
    );
}

/// A panic anywhere gives the terminal back before its message is printed,
/// and the dashboard stops instead of drawing over the restored screen.
#[test]
fn panic_restores_the_terminal_first() {
    let Some(mut s) = start_mode("panic") else {
        return;
    };
    s.wait_drawn();
    s.wait_exit();
    let t = s.text();
    let left = t.rfind(LEAVE_ALT_SCREEN).expect("alternate screen left");
    let message = t.find("engine exploded").expect("panic message printed");
    assert!(
        left < message,
        "panic message printed inside the dashboard:\n{t}"
    );
    assert!(
        t.contains("DASHBOARD ENDED: Err(the dashboard stopped after a panic"),
        "{t}"
    );
}
