//! A scripted on-call session with the real binary in tmux at 80x24: the
//! dashboard (`vitals --file-sd FILE`) over the demo's loopback exporters
//! (`vitals demo --no-ui` in another process), driven with send-keys; the
//! screen is asserted after every step, waiting on what it shows with
//! bounded polls.

use crate::tmux_support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
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

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The demo's exporters: the file_sd path and the first target's
/// `host:port`.
fn exporters() -> (Killed, String, String) {
    let mut demo = Killed(
        Command::new(BIN)
            .args(["demo", "--no-ui", "--scenario", "calm"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let (tx, rx) = mpsc::channel();
    let out = demo.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut file_sd = None;
    let mut target = None;
    while file_sd.is_none() || target.is_none() {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the demo prints file_sd and targets");
        if let Some(p) = line.strip_prefix("file_sd: ") {
            file_sd = Some(p.to_string());
        } else if let Some(u) = line.strip_prefix("target: http://") {
            target = u.strip_suffix("/metrics").map(str::to_string);
        }
    }
    (demo, file_sd.unwrap(), target.unwrap())
}

/// The line of the screen the focus mark `›` is on.
fn focused_line(s: &str) -> &str {
    s.lines().find(|l| l.contains('›')).unwrap_or("")
}

/// The name of the focused signal row (empty when none has the mark).
fn focused_name(s: &str) -> String {
    focused_line(s)
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .to_string()
}

fn last_line(s: &str) -> &str {
    s.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("")
}

/// The x-axis label of an expanded chart shows at least a minute of data.
/// The first data row of the instance table (the line after its header).
fn first_table_row(s: &str) -> Option<&str> {
    let mut lines = s.lines().skip_while(|l| !l.contains("INSTANCE"));
    lines.next()?;
    lines.next()
}

/// More than a minute of history on screen: `+` narrows only to a step
/// below the current width, and the narrowest step is one minute, so a
/// window of exactly `1m00s` cannot narrow.
fn a_minute_shown(s: &str) -> bool {
    s.lines().any(|l| {
        l.split_whitespace()
            .collect::<Vec<_>>()
            .windows(2)
            .any(|w| {
                w[1] == "window"
                    && w[0].contains('m')
                    && !w[0].ends_with("ms")
                    && !matches!(w[0], "1m" | "1m00s" | "1m01s")
            })
    })
}

#[test]
fn on_call_session_at_80x24() {
    let Some(t) = Tmux::start(80, 24) else { return };
    let (_demo, file_sd, target) = exporters();
    let port = target.rsplit(':').next().unwrap().to_string();
    t.wait_screen("the shell prompt", Duration::from_secs(10), |s| {
        s.contains("READY$")
    });
    t.type_text(&format!("{BIN} --file-sd {file_sd}"));
    t.send(&["Enter"]);
    let s = t.wait_screen("every panel with data", Duration::from_secs(60), |s| {
        TITLES.iter().all(|title| s.contains(title))
            && s.contains("ms p99")
            && s.contains("targets")
            && !s.contains("warming")
    });
    assert!(focused_line(&s).contains("Latency"), "{s}");

    // Focus: Tab moves to the next signal.
    t.send(&["Tab"]);
    t.wait_screen("focus on Traffic", Duration::from_secs(5), |s| {
        focused_line(s).contains("Traffic")
    });

    // Expand: the focused panel fills the screen with its expression.
    t.send(&["Enter"]);
    t.wait_screen("Traffic expanded", Duration::from_secs(5), |s| {
        s.contains("┏ Traffic") && s.contains("expr: ") && !s.contains("Saturation")
    });

    // Zoom: once a minute of data is held, `+` narrows to one minute and
    // `-` widens back to everything.
    t.wait_screen(
        "a minute of history",
        Duration::from_secs(120),
        a_minute_shown,
    );
    t.type_text("+");
    let s = t.wait_screen("a one-minute window", Duration::from_secs(5), |s| {
        s.contains(" 1m window") && s.contains("window 1m")
    });
    assert!(s.contains("┏ Traffic"), "{s}");
    t.type_text("-");
    t.wait_screen("the whole history again", Duration::from_secs(5), |s| {
        !s.contains(" 1m window") && !s.contains("window 1m") && a_minute_shown(s)
    });
    t.send(&["Escape"]);
    t.wait_screen("the dashboard again", Duration::from_secs(5), |s| {
        TITLES.iter().all(|title| s.contains(title))
    });

    // Filter: `/` with a regex keeps only the matching instance.
    t.send(&["/"]);
    t.type_text(&port);
    t.send(&["Enter"]);
    let s = t.wait_screen("one instance shown", Duration::from_secs(5), |s| {
        s.contains("1 shown")
    });
    let rows = s
        .lines()
        .filter(|l| {
            l.strip_prefix(['│', '┃'])
                .is_some_and(|r| r.starts_with("127.0.0.1:"))
        })
        .count();
    assert_eq!(rows, 1, "only {target} listed:\n{s}");
    assert!(s.contains(&target), "{s}");
    t.type_text(":filter");
    t.send(&["Enter"]);
    t.wait_screen("the filter cleared", Duration::from_secs(5), |s| {
        !s.contains("shown")
    });

    // Pause: a visible banner; `p` again resumes.
    t.send(&["p"]);
    t.wait_screen("PAUSED", Duration::from_secs(5), |s| s.contains("PAUSED"));
    t.send(&["p"]);
    t.wait_screen("resumed", Duration::from_secs(5), |s| !s.contains("PAUSED"));

    // Pin: focus the instance table, select its first row, Enter pins
    // every panel to that instance; Esc goes back to the fleet.
    for _ in 0..10 {
        if t.screen().contains("┏ Instances") {
            break;
        }
        let before = focused_name(&t.screen());
        t.send(&["Tab"]);
        t.wait_screen("focus to move", Duration::from_secs(5), |s| {
            focused_name(s) != before || s.contains("┏ Instances")
        });
    }
    t.wait_screen("the table focused", Duration::from_secs(5), |s| {
        s.contains("┏ Instances")
    });
    // Only the service's instances (job `app`): the autoscaler's own
    // target, which may sort first, has no latency or CPU to pin to.
    t.send(&["/"]);
    t.type_text("^app$");
    t.send(&["Enter"]);
    t.wait_screen("the app instances", Duration::from_secs(5), |s| {
        s.contains("/^app$ ")
    });
    // The selected (first) row may be an instance the demo's autoscaler has
    // just added, with no rates yet; pinned to it, every panel rightly says
    // "no data". Wait until that row has its values.
    t.wait_screen("the first row with values", Duration::from_secs(60), |s| {
        first_table_row(s).is_some_and(|row| row.contains("ms"))
    });
    t.send(&["Enter"]);
    let s = t.wait_screen("the pinned mark", Duration::from_secs(10), |s| {
        s.contains("pinned: 127.0.0.1:")
    });
    assert!(s.contains("ms p99"), "pinned panels have data:\n{s}");
    t.send(&["Escape"]);
    t.wait_screen("unpinned", Duration::from_secs(10), |s| {
        !s.contains("pinned: ")
    });
    t.type_text(":filter");
    t.send(&["Enter"]);
    t.wait_screen("the filter cleared", Duration::from_secs(5), |s| {
        !s.contains("shown")
    });

    // `:expr` adds a panel titled with its expression.
    t.type_text(":expr sum(up)");
    t.send(&["Enter"]);
    let s = t.wait_screen("the sum(up) panel", Duration::from_secs(20), |s| {
        s.lines()
            .any(|l| l.starts_with('│') && l.contains("sum(up)"))
    });
    assert!(s.contains("Latency"), "{s}");

    // A bad expression: the error and where it is, in the prompt.
    t.type_text(":expr sum(rate(up[1m])) +* 2");
    t.send(&["Enter"]);
    let s = t.wait_screen("the parse error", Duration::from_secs(5), |s| {
        last_line(s).contains("(at column")
    });
    assert!(last_line(&s).contains("(at column 19)"), "{s}");
    t.send(&["Escape"]);
    t.wait_screen("the prompt closed", Duration::from_secs(5), |s| {
        !s.contains("(at column")
    });

    // Export: the Markdown summary lands in the state directory.
    t.type_text(":export");
    t.send(&["Enter"]);
    // A message longer than the line wraps upwards from the bottom row.
    let s = t.wait_screen("where the export went", Duration::from_secs(5), |s| {
        s.lines()
            .rev()
            .take(3)
            .any(|l| l.starts_with("exported to "))
    });
    let dir = t.dir.path().join("vitals");
    let file = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}\n{s}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("export-") && n.ends_with(".md"))
        })
        .unwrap_or_else(|| panic!("no export-*.md in {}", dir.display()));
    let md = std::fs::read_to_string(&file).unwrap();
    assert!(md.contains("| signal | series | value |"), "{md}");
    assert!(md.contains("**Worst instances**"), "{md}");
    assert!(md.contains("| sum(up) |"), "{md}");

    // Quit: the shell and its screen come back.
    t.send(&["q"]);
    let s = t.wait_screen("the shell prompt after q", Duration::from_secs(10), |s| {
        s.contains("READY$") && !s.contains("Saturation")
    });
    assert!(s.lines().any(|l| l.starts_with("READY$")), "{s}");
    wait_for("the dashboard to exit", Duration::from_secs(5), || {
        pids_matching(&format!("--file-sd {file_sd}"))
            .is_empty()
            .then_some(())
    });
}
