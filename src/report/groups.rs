//! What the text summary and `check` say of alert groups and rules: one
//! line per group (`FIRING CpuHigh ×38 (critical) worst 99.0%
//! 127.0.0.1:43263`) and, for CI formats, one result per rule.

use super::format;
use crate::frame::{Alert, AlertGroup, AlertState, Frame, Panel, Severity, Unit};

/// The counts of the `Firing:` line: alerts firing and pending (neither
/// inhibited), groups with a firing alert, alerts inhibited.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub firing: usize,
    pub pending: usize,
    pub groups: usize,
    pub inhibited: usize,
}

/// The counts of `frame`'s groups.
pub fn counts(frame: &Frame) -> Counts {
    frame
        .alert_groups
        .iter()
        .fold(Counts::default(), |c, g| Counts {
            firing: c.firing + g.firing,
            pending: c.pending + g.pending,
            groups: c.groups + usize::from(g.firing > 0),
            inhibited: c.inhibited + g.inhibited,
        })
}

/// `Firing: N alerts in M groups, P pending` (the exact words).
pub fn firing_line(c: Counts) -> String {
    format!(
        "Firing: {} alerts in {} groups, {} pending",
        c.firing, c.groups, c.pending
    )
}

/// The panel whose threshold made `a`'s rule, if any.
fn panel_of<'a>(frame: &'a Frame, a: &Alert) -> Option<&'a Panel> {
    let id = a.panel.as_deref()?;
    frame.panels.iter().find(|p| p.id == id)
}

/// An alert's value as its panel shows it (a quantile at the top bucket
/// as `≥ 5s`), or with no unit for a rule of its own.
pub fn alert_value(frame: &Frame, a: &Alert, v: f64) -> String {
    // A rule's own unit, else its panel's (whose top bucket then applies).
    let top = panel_of(frame, a)
        .filter(|_| a.unit.is_none())
        .and_then(|p| p.top_bucket);
    format::quantile(v, a.unit_in(&frame.panels), top)
}

/// The group's word: `FIRING`, `PENDING`, or `INHIBITED` when an inhibit
/// rule holds back every alert of it.
pub fn state_word(g: &AlertGroup) -> &'static str {
    if g.firing > 0 {
        "FIRING"
    } else if g.pending > 0 {
        "PENDING"
    } else {
        "INHIBITED"
    }
}

/// The group's line: `FIRING CpuHigh ×38 (critical) worst 99.0%
/// 127.0.0.1:43263`, then `, 2 pending` and `, 3 inhibited` when there
/// are; `note` (e.g. `, started 12:01:02Z`) goes before those. `esc`
/// makes text from outside safe for the output.
pub fn group_line(
    frame: &Frame,
    g: &AlertGroup,
    esc: &dyn Fn(&str) -> String,
    note: &str,
) -> String {
    let n = match state_word(g) {
        "FIRING" => g.firing,
        "PENDING" => g.pending,
        _ => g.inhibited,
    };
    let members: Vec<&Alert> = g
        .members
        .iter()
        .filter_map(|&i| frame.alerts.get(i))
        .collect();
    let mut line = format!(
        "{} {} ×{n} ({})",
        state_word(g),
        esc(&g.name),
        g.severity.as_str()
    );
    if members.iter().any(|a| a.stale) {
        line.push_str(" (stale)");
    }
    // Labels the group is split by, beside `alertname`.
    let extra: Vec<String> = g
        .labels
        .iter()
        .filter(|(n, _)| *n != "alertname")
        .map(|(n, v)| format!("{n}={}", esc(v)))
        .collect();
    if !extra.is_empty() {
        line.push_str(&format!(" {{{}}}", extra.join(", ")));
    }
    if let Some(w) = &g.worst {
        // The alert the worst value is from gives its unit.
        let from = members
            .iter()
            .find(|a| a.value.is_some_and(|v| v.total_cmp(&w.value).is_eq()))
            .or(members.first());
        let value = match from {
            Some(a) => alert_value(frame, a, w.value),
            None => format::value(w.value, Unit::None),
        };
        line.push_str(&format!(" worst {value}"));
        if let Some(i) = &w.instance {
            line.push_str(&format!(" {}", esc(i)));
        }
    }
    line.push_str(note);
    if g.firing > 0 && g.pending > 0 {
        line.push_str(&format!(", {} pending", g.pending));
    }
    if g.inhibited > 0 && (g.firing > 0 || g.pending > 0) {
        line.push_str(&format!(", {} inhibited", g.inhibited));
    }
    line
}

/// The summary of a group of one alert (inhibited ones aside), its long
/// decimals cut to three digits ([`round_decimals`]): what a lone alert
/// says of itself.
pub fn lone_summary(frame: &Frame, g: &AlertGroup) -> Option<String> {
    let mut live = g
        .members
        .iter()
        .filter_map(|&i| frame.alerts.get(i))
        .filter(|a| !a.inhibited);
    match (live.next(), live.next()) {
        (Some(a), None) if !a.summary.is_empty() => Some(round_decimals(&a.summary)),
        _ => None,
    }
}

/// One alerting rule's outcome (a test case of `check --format tap|junit`).
#[derive(Clone, Debug)]
pub struct RuleResult<'a> {
    pub name: &'a str,
    pub severity: Severity,
    /// Its pending and firing alerts, firing first, worst first.
    pub alerts: Vec<&'a Alert>,
}

impl RuleResult<'_> {
    /// The rule fires (an inhibited alert of it fires too).
    pub fn fails(&self) -> bool {
        self.count(|a| a.state == AlertState::Firing) > 0
    }

    /// How many of its alerts satisfy `f`.
    pub fn count(&self, f: impl Fn(&Alert) -> bool) -> usize {
        self.alerts.iter().filter(|a| f(a)).count()
    }

    /// `38 firing, 2 pending` (the non-zero ones, each with how many of
    /// them are inhibited: `1 firing (1 inhibited)`), or `ok`.
    pub fn counts_text(&self) -> String {
        let parts: Vec<String> = [AlertState::Firing, AlertState::Pending]
            .into_iter()
            .filter_map(|state| {
                let n = self.count(|a| a.state == state);
                let held = self.count(|a| a.state == state && a.inhibited);
                let word = state.as_str();
                match (n, held) {
                    (0, _) => None,
                    (n, 0) => Some(format!("{n} {word}")),
                    (n, h) => Some(format!("{n} {word} ({h} inhibited)")),
                }
            })
            .collect();
        if parts.is_empty() {
            "ok".into()
        } else {
            parts.join(", ")
        }
    }

    /// `CpuHigh (critical)`: rules of one name differ by severity.
    pub fn title(&self) -> String {
        format!("{} ({})", self.name, self.severity.as_str())
    }
}

/// How bad a value is in its rule's direction (a value under its
/// threshold belongs to a rule that fires low).
pub fn badness(a: &Alert) -> f64 {
    match (a.value, a.threshold) {
        (Some(v), _) if v.is_nan() => f64::NEG_INFINITY,
        (Some(v), Some(t)) if v < t => -v,
        (Some(v), _) => v,
        (None, _) => f64::NEG_INFINITY,
    }
}

/// Every rule the engine evaluated (and any other rule an active alert
/// names), each with its active alerts.
pub fn rule_results(frame: &Frame) -> Vec<RuleResult<'_>> {
    let mut out: Vec<RuleResult> = frame
        .rules
        .iter()
        .map(|(name, severity)| RuleResult {
            name,
            severity: *severity,
            alerts: Vec::new(),
        })
        .collect();
    let active = frame
        .alerts
        .iter()
        .filter(|a| matches!(a.state, AlertState::Firing | AlertState::Pending));
    for a in active {
        let i = match out
            .iter()
            .position(|r| r.name == a.name && r.severity == a.severity)
        {
            Some(i) => i,
            None => {
                out.push(RuleResult {
                    name: &a.name,
                    severity: a.severity,
                    alerts: Vec::new(),
                });
                out.len() - 1
            }
        };
        out[i].alerts.push(a);
    }
    for r in &mut out {
        r.alerts.sort_by(|a, b| {
            b.state
                .cmp(&a.state)
                .then(a.inhibited.cmp(&b.inhibited))
                .then(badness(b).total_cmp(&badness(a)))
        });
    }
    out
}

/// Free text (a rule's summary) with every long decimal number — three
/// or more digits after the point and more than three significant ones,
/// as `{{ $value }}` writes them — cut to three significant digits: `p99 is 0.6179715178480036s` → `p99 is
/// 0.618s`. Dotted names (`127.0.0.1`, `1.2.3`) stay as they are.
pub fn round_decimals(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let mut parts = run.split('.');
        let long = match (parts.next(), parts.next(), parts.next()) {
            (Some(i), Some(f), None) if !i.is_empty() && f.len() >= 3 => {
                let digits = format!("{i}{f}");
                digits.trim_start_matches('0').len() > 3
            }
            _ => false,
        };
        match run.parse::<f64>() {
            Ok(v) if long => out.push_str(&format::sig3(v)),
            _ => out.push_str(run),
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() || c == '.' {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}
