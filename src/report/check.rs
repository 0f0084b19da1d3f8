//! What `vitals check` prints: one line per alert group (firing groups
//! first) on standard output, one per down target on standard error, and
//! the verdict; or the same as JSON, TAP or JUnit XML
//! (`--format json|tap|junit`, see [`super::ci`]).

use super::groups::{group_line, lone_summary, rule_results};
use crate::frame::{AlertState, Frame};
use crate::vocab::text::{for_terminal, one_line};
use serde_json::{json, Value};

/// The lines of `check` for `frame`, and whether anything fires.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CheckReport {
    /// Standard output: the groups, then `OK: …` when nothing fires (or
    /// the whole document of another format).
    pub out: Vec<String>,
    /// Standard error: the targets that are down.
    pub err: Vec<String>,
    /// An alert is firing (exit code 1).
    pub firing: bool,
}

/// What `check --format` writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CheckFormat {
    /// One line per group and the verdict.
    #[default]
    Text,
    /// `{"alert_groups": [...], "rules": [...], ...}`.
    Json,
    /// TAP version 13: one test point per rule, `not ok` while it fires.
    Tap,
    /// JUnit XML: one `<testcase>` per rule, a `<failure>` while it fires.
    Junit,
}

/// `check`'s report of `frame` as text.
pub fn check_report(frame: &Frame) -> CheckReport {
    check_report_as(frame, CheckFormat::Text)
}

/// `check`'s report of `frame` in `format`: the exit code (an alert
/// firing) and stderr's down targets are the same in every format.
pub fn check_report_as(frame: &Frame, format: CheckFormat) -> CheckReport {
    let mut r = CheckReport {
        firing: frame.alerts.iter().any(|a| a.state == AlertState::Firing),
        ..CheckReport::default()
    };
    for t in frame.targets.iter().filter(|t| !t.up) {
        let error = t.error.as_deref().unwrap_or("unknown");
        let line = format!("vitals: target {} is down: {}", t.url, one_line(error));
        r.err.push(for_terminal(&line));
    }
    r.out = match format {
        CheckFormat::Text => text(frame, r.firing),
        CheckFormat::Json => {
            let doc = serde_json::to_string_pretty(&to_json(frame, r.firing))
                .unwrap_or_else(|_| "{}".into());
            vec![crate::vocab::text::json(&doc).into_owned()]
        }
        CheckFormat::Tap => super::ci::tap(frame),
        CheckFormat::Junit => super::ci::junit(frame),
    };
    r
}

fn text(frame: &Frame, firing: bool) -> Vec<String> {
    let esc = |s: &str| one_line(s).into_owned();
    let mut out: Vec<String> = frame
        .alert_groups
        .iter()
        .map(|g| {
            let mut line = group_line(frame, g, &esc, "");
            if let Some(s) = lone_summary(frame, g) {
                line.push_str(&format!(" — {}", esc(&s)));
            }
            line
        })
        .collect();
    if !firing {
        out.push(format!(
            "OK: no alert firing ({} targets)",
            frame.targets.len()
        ));
    }
    out
}

/// `check --format json`: the snapshot's `alert_groups`, each rule's
/// outcome, the verdict and the targets.
pub fn to_json(frame: &Frame, firing: bool) -> Value {
    let rules: Vec<Value> = rule_results(frame)
        .iter()
        .map(|r| {
            let state = if r.fails() {
                "firing"
            } else if r.alerts.is_empty() {
                "inactive"
            } else {
                "pending"
            };
            json!({
                "name": r.name,
                "severity": r.severity.as_str(),
                "state": state,
                "firing": r.count(|a| a.state == AlertState::Firing && !a.inhibited),
                "pending": r.count(|a| a.state == AlertState::Pending && !a.inhibited),
                "inhibited": r.count(|a| a.inhibited),
            })
        })
        .collect();
    let down: Vec<Value> = frame
        .targets
        .iter()
        .filter(|t| !t.up)
        .map(|t| {
            json!({
                "url": crate::vocab::redact::redact_urls(&t.url),
                "instance": t.instance,
                "error": t.error,
            })
        })
        .collect();
    json!({
        "time": crate::vocab::time::rfc3339_ms(frame.time_ms),
        "firing": firing,
        "alert_groups": super::groups_json(frame),
        "rules": rules,
        "targets": frame.targets.len(),
        "targets_down": down,
    })
}
