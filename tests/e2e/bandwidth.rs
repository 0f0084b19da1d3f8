//! What the real dashboard costs at steady state, measured as PRODUCT.md
//! asks: `vitals --file-sd FILE` in its own process and its own 120x36 pty
//! (util-linux `script`), over `vitals demo --no-ui --scenario calm` in
//! another process; after a warm-up, the bytes the terminal receives per
//! second and the dashboard's CPU (utime+stime from /proc/PID/stat) over
//! the measured window. The figures are printed, not asserted (this is a
//! debug build on a shared machine); `scripts/measure-bandwidth` measures
//! the release build the same way.
#![cfg(target_os = "linux")]

use crate::common;

use common::{require_program, wait_for};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_vitals");

/// Kills the process when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn secs_from_env(name: &str, default: u64) -> Duration {
    Duration::from_secs(
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default),
    )
}

/// utime + stime of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(") ")?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

fn clock_ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100)
}

/// The `vitals` process `script` started (its shell execs the dashboard).
fn dashboard_pid(script: u32) -> Option<u32> {
    let children =
        std::fs::read_to_string(format!("/proc/{script}/task/{script}/children")).ok()?;
    children.split_whitespace().find_map(|c| {
        let pid: u32 = c.parse().ok()?;
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
        (comm.trim() == "vitals").then_some(pid)
    })
}

#[test]
fn steady_state_bytes_and_cpu_through_a_pty() {
    if require_program("script").is_none() {
        return;
    }
    let warm_up = secs_from_env("VITALS_BANDWIDTH_WARMUP_S", 10);
    let measured = secs_from_env("VITALS_BANDWIDTH_MEASURE_S", 20);
    let state = tempfile::tempdir().unwrap();

    let mut demo = Killed(
        Command::new(BIN)
            .args(["demo", "--no-ui", "--scenario", "calm"])
            .env("XDG_STATE_HOME", state.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let (tx, rx) = mpsc::channel();
    let out = demo.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Some(p) = line.strip_prefix("file_sd: ") {
                let _ = tx.send(p.to_string());
            }
        }
    });
    let file_sd = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the demo prints its file_sd path");

    let inner = format!("stty cols 120 rows 36; exec '{BIN}' --file-sd '{file_sd}'");
    let mut script = Killed(
        Command::new("script")
            .args(["-qfec", &inner, "/dev/null"])
            .env("TERM", "xterm-256color")
            .env("XDG_STATE_HOME", state.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let received = Arc::new(Mutex::new(Vec::<u8>::new()));
    let mut tty = script.0.stdout.take().unwrap();
    let sink = Arc::clone(&received);
    std::thread::spawn(move || {
        let mut chunk = [0u8; 8192];
        while let Ok(n) = tty.read(&mut chunk) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    });
    let pid = wait_for("the dashboard process", Duration::from_secs(30), || {
        dashboard_pid(script.0.id())
    });
    wait_for(
        "the dashboard drawn with data",
        Duration::from_secs(60),
        || {
            let t = String::from_utf8_lossy(&received.lock().unwrap()).into_owned();
            (t.contains("Latency") && t.contains("targets")).then_some(())
        },
    );

    // The measurement windows themselves (not a wait for anything).
    std::thread::sleep(warm_up);
    let (b0, c0) = (received.lock().unwrap().len(), cpu_ticks(pid));
    std::thread::sleep(measured);
    let (b1, c1) = (received.lock().unwrap().len(), cpu_ticks(pid));
    let (c0, c1) = (c0.expect("dashboard alive"), c1.expect("dashboard alive"));
    let secs = measured.as_secs_f64();
    let bytes = b1 - b0;
    let cpu = (c1 - c0) as f64 / clock_ticks_per_second() as f64 / secs * 100.0;
    println!(
        "120x36 pty, calm demo, {} s warm-up, {secs} s measured (debug build): {bytes} bytes = {:.0} B/s to the terminal; dashboard CPU {:.2} % of one core",
        warm_up.as_secs(),
        bytes as f64 / secs,
        cpu
    );
    // Something was measured: the clock on the status line moves every tick.
    assert!(bytes > 0, "the terminal received nothing in {secs} s");

    let stdin = script.0.stdin.as_mut().unwrap();
    stdin.write_all(b"q").unwrap();
    stdin.flush().unwrap();
    wait_for(
        "the dashboard to quit on q",
        Duration::from_secs(10),
        || matches!(script.0.try_wait(), Ok(Some(_))).then_some(()),
    );
}
