//! Keys are answered while the engine is busy: the real dashboard in tmux
//! with expensive panels (each evaluation ends at the budget, so the engine
//! is busy almost all the time), `?` pressed at several moments. The
//! diagnostics log names each slow evaluation with its start and end
//! (wall-clock epoch milliseconds); for every press that fell inside one,
//! the help overlay was on screen before that evaluation ended. An order of
//! events, not a speed.

mod common;
#[path = "tmux_support/mod.rs"]
mod tmux_support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tmux_support::{wait_for, Tmux};

/// The binary under test; `VITALS_TEST_BIN` measures another build (the
/// figures in BENCHMARKS.md come from the release one).
fn bin() -> String {
    match std::env::var("VITALS_TEST_BIN") {
        Ok(b) if !b.is_empty() => std::fs::canonicalize(&b)
            .unwrap_or_else(|e| panic!("VITALS_TEST_BIN={b}: {e}"))
            .display()
            .to_string(),
        _ => env!("CARGO_BIN_EXE_vitals").to_string(),
    }
}

/// Three nested one-hour subqueries at a one-second step: cut by the
/// evaluation budget (samples or time) on every tick.
const EXPENSIVE: &str = "max_over_time((max_over_time((max_over_time(up[1h:1s]))[1h:1s]))[1h:1s])";

/// What the help overlay shows.
const HELP: &str = "reload the configuration";

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A slow evaluation as the diagnostics log names it.
#[derive(Debug, Clone, Copy)]
struct Slow {
    start: i64,
    end: i64,
}

fn field(line: &str, name: &str) -> Option<i64> {
    let at = line.find(name)? + name.len();
    let digits: String = line[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn slow_evaluations(log: &std::path::Path) -> Vec<Slow> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("slow evaluation:"))
        .filter_map(|l| {
            Some(Slow {
                start: field(l, "start_ms=")?,
                end: field(l, "end_ms=")?,
            })
        })
        .collect()
}

/// When `text` is first seen on screen, polling as fast as tmux answers.
fn first_seen(t: &Tmux, text: &str) -> i64 {
    let limit = now_ms() + 30_000;
    loop {
        if t.screen().contains(text) {
            return now_ms();
        }
        assert!(now_ms() < limit, "no {text:?} on screen:\n{}", t.screen());
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// One press of `?`: just before it was sent, and when the help was first
/// seen on screen.
#[derive(Debug)]
struct Press {
    key: i64,
    seen: i64,
}

#[test]
fn keys_are_answered_before_the_expensive_evaluation_they_fall_in_ends() {
    let Some(t) = Tmux::start(120, 32) else {
        return;
    };
    let dir = t.dir.path();
    let config = dir.join("order.toml");
    let mut text = String::from(
        "panels = \"custom\"\n\n[[panel]]\ntitle = \"Targets up\"\nexpr = \"sum(up)\"\n",
    );
    for n in 1..=3 {
        text.push_str(&format!(
            "\n[[panel]]\ntitle = \"Expensive {n}\"\nexpr = \"{EXPENSIVE}\"\n"
        ));
    }
    std::fs::write(&config, text).unwrap();
    let log = dir.join("vitals").join("vitals.log");
    t.wait_screen("the shell prompt", Duration::from_secs(30), |s| {
        s.contains("READY$")
    });
    t.send(&[
        &format!(
            "{} demo --speed 5 --interval 500ms --config {} --alert-log {}/alerts.jsonl",
            bin(),
            config.display(),
            dir.display()
        ),
        "Enter",
    ]);
    t.wait_screen("the panels", Duration::from_secs(60), |s| {
        s.contains("Targets up") && s.contains("Expensive 3")
    });
    wait_for(
        "a slow evaluation in the log",
        Duration::from_secs(60),
        || (!slow_evaluations(&log).is_empty()).then_some(()),
    );

    let mut presses: Vec<Press> = vec![];
    // Presses inside an evaluation, with the evaluation they fell in.
    let mut judged: Vec<(Press, Slow)> = vec![];
    for i in 0..12u64 {
        if judged.len() >= 3 {
            break;
        }
        // Moments spread over the engine's cycle.
        std::thread::sleep(Duration::from_millis(97 * (i % 7)));
        let key = now_ms();
        t.send(&["?"]);
        let seen = first_seen(&t, HELP);
        t.send(&["Escape"]);
        t.wait_screen("the help closed", Duration::from_secs(30), |s| {
            !s.contains(HELP)
        });
        // Wait until the evaluation running at the press (if it was slow)
        // is in the log: the engine logs a slow one every tick.
        let logged = wait_for(
            "a slow evaluation ending after the press",
            Duration::from_secs(60),
            || {
                let all = slow_evaluations(&log);
                all.iter().any(|s| s.end >= seen).then_some(all)
            },
        );
        let press = Press { key, seen };
        match logged.iter().find(|s| s.start <= key && key <= s.end) {
            // A press in the last quarter of an evaluation is not judged:
            // drawing takes some time of its own, and the evaluation may
            // rightly end first.
            Some(s) if key <= s.start + (s.end - s.start) * 3 / 4 => judged.push((press, *s)),
            _ => presses.push(press),
        }
    }
    for (p, s) in &judged {
        eprintln!(
            "press at {} (evaluation {}..{}, {} ms): help seen after {} ms, {} ms before the evaluation ended",
            p.key,
            s.start,
            s.end,
            s.end - s.start,
            p.seen - p.key,
            s.end - p.seen
        );
    }
    for p in &presses {
        eprintln!(
            "press at {} outside a judged evaluation: help seen after {} ms",
            p.key,
            p.seen - p.key
        );
    }
    assert!(
        !judged.is_empty(),
        "no press fell inside a slow evaluation: {presses:?} vs {:?}",
        slow_evaluations(&log)
    );
    for (p, s) in &judged {
        assert!(
            p.seen <= s.end,
            "the help appeared at {} after the evaluation {s:?} it was pressed in ({}) ended",
            p.seen,
            p.key
        );
    }

    t.send(&["q"]);
    t.wait_screen("the shell prompt back", Duration::from_secs(30), |s| {
        s.lines().any(|l| l.starts_with("READY$")) && !s.contains("Targets up")
    });
}
