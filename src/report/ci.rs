//! `check --format tap|junit`: one test case per alerting rule, failing
//! while the rule fires, for CI systems. A rule with pending or inhibited
//! alerts passes and says so; down targets are noted (TAP comments, the
//! suite's `<system-err>`).

use super::groups::{alert_value, badness, round_decimals, rule_results, RuleResult};
use crate::frame::{AlertState, Frame};
use crate::vocab::text::one_line;

/// One line per active alert of a rule: `FIRING 127.0.0.1:43263 99.0% —
/// summary` (labels when it has no `instance`).
fn alert_lines(frame: &Frame, r: &RuleResult) -> Vec<String> {
    r.alerts
        .iter()
        .map(|a| {
            let mut line = a.state.as_str().to_uppercase();
            if a.inhibited {
                line.push_str(" (inhibited)");
            }
            let others = a.labels.drop_names(&["alertname", "severity"]);
            match a.labels.get("instance") {
                Some(i) => line.push_str(&format!(" {i}")),
                None if !others.is_empty() => line.push_str(&format!(" {others}")),
                None => {}
            }
            if let Some(v) = a.value {
                line.push_str(&format!(" {}", alert_value(frame, a, v)));
            }
            if !a.summary.is_empty() {
                line.push_str(&format!(" — {}", round_decimals(&a.summary)));
            }
            one_line(&line).into_owned()
        })
        .collect()
}

/// `38 firing, worst 99.0% 127.0.0.1:43263`: what a failing or noted
/// test case says in one line.
fn message(frame: &Frame, r: &RuleResult) -> String {
    let mut m = r.counts_text();
    // The worst value among the alerts in the rule's top state.
    let top = r.alerts.first().map(|a| a.state);
    let worst = r
        .alerts
        .iter()
        .filter(|a| Some(a.state) == top && a.value.is_some_and(|v| !v.is_nan()))
        .max_by(|a, b| badness(a).total_cmp(&badness(b)));
    if let Some(a) = worst {
        m.push_str(&format!(
            ", worst {}",
            alert_value(frame, a, a.value.unwrap_or(f64::NAN))
        ));
        if let Some(i) = a.labels.get("instance") {
            m.push_str(&format!(" {i}"));
        }
    }
    one_line(&m).into_owned()
}

/// A TAP description: one line, `#` and `\` escaped (TAP 13 and 14).
fn tap_text(s: &str) -> String {
    one_line(s).replace('\\', "\\\\").replace('#', "\\#")
}

/// A YAML scalar: a JSON string is one.
fn yaml(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// TAP version 13 (which TAP 14 readers accept): the plan, then one test
/// point per rule with a YAML block for every rule that has active alerts.
pub fn tap(frame: &Frame) -> Vec<String> {
    let rules = rule_results(frame);
    let mut out = vec!["TAP version 13".to_string()];
    if rules.is_empty() {
        out.push("1..0 # SKIP no alerting rules".into());
    } else {
        out.push(format!("1..{}", rules.len()));
    }
    for (n, r) in rules.iter().enumerate() {
        let verdict = if r.fails() { "not ok" } else { "ok" };
        out.push(format!("{verdict} {} - {}", n + 1, tap_text(&r.title())));
        if r.alerts.is_empty() {
            continue;
        }
        out.push("  ---".into());
        out.push(format!("  message: {}", yaml(&message(frame, r))));
        out.push(format!(
            "  severity: {}",
            if r.fails() { "fail" } else { "comment" }
        ));
        out.push("  data:".into());
        out.push(format!("    rule_severity: {}", r.severity.as_str()));
        out.push(format!(
            "    firing: {}",
            r.count(|a| a.state == AlertState::Firing && !a.inhibited)
        ));
        out.push(format!(
            "    pending: {}",
            r.count(|a| a.state == AlertState::Pending && !a.inhibited)
        ));
        out.push(format!("    inhibited: {}", r.count(|a| a.inhibited)));
        out.push("    alerts:".into());
        for l in alert_lines(frame, r) {
            out.push(format!("      - {}", yaml(&l)));
        }
        out.push("  ...".into());
    }
    for t in frame.targets.iter().filter(|t| !t.up) {
        let error = t.error.as_deref().unwrap_or("unknown");
        let url = crate::vocab::redact::redact_urls(&t.url);
        out.push(format!(
            "# target {} is down: {}",
            one_line(&url),
            one_line(error)
        ));
    }
    out
}

/// Text in XML 1.0 (attribute or element): markup characters as
/// entities, and the characters XML 1.0 cannot hold at all (control
/// characters but tab and line breaks, U+FFFE, U+FFFF) as visible escapes.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: `<testsuites>` holding one `<testsuite>` with one
/// `<testcase>` per rule, a `<failure>` (its alerts in the body) while the
/// rule fires, `<system-out>` for one with pending or inhibited alerts.
pub fn junit(frame: &Frame) -> Vec<String> {
    let rules = rule_results(frame);
    let failures = rules.iter().filter(|r| r.fails()).count();
    let time = crate::vocab::time::rfc3339_s(frame.time_ms);
    let counts = format!(
        "tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"0\"",
        rules.len()
    );
    let mut out = vec![
        r#"<?xml version="1.0" encoding="UTF-8"?>"#.to_string(),
        format!(r#"<testsuites name="vitals check" {counts}>"#),
        format!(
            r#"  <testsuite name="alert rules" {counts} timestamp="{}" hostname="vitals">"#,
            xml(&time)
        ),
    ];
    for r in &rules {
        let head = format!(
            r#"    <testcase classname="vitals.rules.{}" name="{}" time="0""#,
            r.severity.as_str(),
            xml(&r.title())
        );
        if r.alerts.is_empty() {
            out.push(format!("{head}/>"));
            continue;
        }
        out.push(format!("{head}>"));
        let body: String = alert_lines(frame, r)
            .iter()
            .map(|l| format!("{}\n", xml(l)))
            .collect();
        if r.fails() {
            out.push(format!(
                r#"      <failure type="firing" message="{}">{body}</failure>"#,
                xml(&message(frame, r))
            ));
        } else {
            out.push(format!("      <system-out>{body}</system-out>"));
        }
        out.push("    </testcase>".into());
    }
    let down: String = frame
        .targets
        .iter()
        .filter(|t| !t.up)
        .map(|t| {
            let url = crate::vocab::redact::redact_urls(&t.url);
            let error = t.error.as_deref().unwrap_or("unknown");
            format!("target {} is down: {}\n", xml(&url), xml(error))
        })
        .collect();
    if !down.is_empty() {
        out.push(format!("    <system-err>{down}</system-err>"));
    }
    out.push("  </testsuite>".into());
    out.push("</testsuites>".into());
    out
}
