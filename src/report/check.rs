//! What `vitals check` prints: one line per firing or pending alert on
//! standard output, one per down target on standard error, and the verdict.

use crate::frame::{AlertState, Frame};
use crate::vocab::text::{for_terminal, one_line};

/// The lines of `check` for `frame`, and whether anything fires.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CheckReport {
    /// Standard output: the alerts, then `OK: …` when nothing fires.
    pub out: Vec<String>,
    /// Standard error: the targets that are down.
    pub err: Vec<String>,
    /// An alert is firing (exit code 1).
    pub firing: bool,
}

/// `check`'s report of `frame`.
pub fn check_report(frame: &Frame) -> CheckReport {
    let mut r = CheckReport::default();
    for a in &frame.alerts {
        if matches!(a.state, AlertState::Firing | AlertState::Pending) {
            r.firing |= a.state == AlertState::Firing;
            r.out.push(format!(
                "{} {} [{}]{} {}",
                a.state.as_str().to_uppercase(),
                one_line(&a.name),
                a.severity.as_str(),
                if a.stale { " (stale)" } else { "" },
                one_line(&a.summary)
            ));
        }
    }
    for t in frame.targets.iter().filter(|t| !t.up) {
        let error = t.error.as_deref().unwrap_or("unknown");
        let line = format!("vitals: target {} is down: {}", t.url, one_line(error));
        r.err.push(for_terminal(&line));
    }
    if !r.firing {
        r.out.push(format!(
            "OK: no alert firing ({} targets)",
            frame.targets.len()
        ));
    }
    r
}
