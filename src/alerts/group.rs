//! Alertmanager's grouping and inhibition, applied to the frame's alerts.
//!
//! **Inhibition** (`inhibit_rules`): an alert matching a rule's target
//! matchers is inhibited while an alert matching its source matchers fires
//! with the same values of the `equal` labels (a missing label equals an
//! empty one, and an alert never inhibits itself), as Alertmanager does.
//! The default rule lets a firing critical inhibit the warning of the same
//! alert and labels, so one alert shows one severity. Inhibited alerts stay
//! in the list and the log, marked; they are not notified.
//!
//! **Grouping** (`group_by`): pending and firing alerts with the same
//! `alertname` and the same values of the `group_by` labels form a group,
//! which the bar, the list, the summary and `check` show as one line.

use crate::frame::{Alert, AlertGroup, AlertState, Severity, Worst};
use crate::vocab::labels::Labels;
use regex::Regex;
use std::collections::{BTreeMap, HashMap};

/// How a matcher compares a label's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchOp {
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

/// One label matcher as Alertmanager writes them: `severity="critical"`,
/// `job!="x"`, `alertname=~"Cpu.*"`, `team!~"a|b"` (quotes optional).
#[derive(Clone, Debug)]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
    /// The anchored regex of `=~` and `!~`.
    re: Option<Regex>,
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.op == other.op && self.value == other.value
    }
}

impl Matcher {
    /// An equality matcher.
    pub fn equal(name: &str, value: &str) -> Matcher {
        Matcher {
            name: name.to_string(),
            op: MatchOp::Equal,
            value: value.to_string(),
            re: None,
        }
    }

    /// A regex matcher (`name=~"pattern"`), anchored as Alertmanager's.
    pub fn regex(name: &str, pattern: &str) -> Result<Matcher, String> {
        let re = Regex::new(&format!("^(?:{pattern})$"))
            .map_err(|e| format!("matcher `{name}=~{pattern:?}`: bad regex: {e}"))?;
        Ok(Matcher {
            name: name.to_string(),
            op: MatchOp::Regex,
            value: pattern.to_string(),
            re: Some(re),
        })
    }

    /// Reads `name op value`, the value quoted (`"…"`, with `\"` and `\\`
    /// escapes) or bare.
    pub fn parse(text: &str) -> Result<Matcher, String> {
        let t = text.trim();
        let t = t
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(t)
            .trim();
        let end = t
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(t.len());
        let (name, rest) = t.split_at(end);
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!("matcher `{text}`: expected a label name first"));
        }
        let rest = rest.trim_start();
        let (op, rest) = if let Some(r) = rest.strip_prefix("=~") {
            (MatchOp::Regex, r)
        } else if let Some(r) = rest.strip_prefix("!~") {
            (MatchOp::NotRegex, r)
        } else if let Some(r) = rest.strip_prefix("!=") {
            (MatchOp::NotEqual, r)
        } else if let Some(r) = rest.strip_prefix('=') {
            (MatchOp::Equal, r)
        } else {
            return Err(format!(
                "matcher `{text}`: expected =, !=, =~ or !~ after `{name}`"
            ));
        };
        let value = unquote(rest.trim())
            .ok_or_else(|| format!("matcher `{text}`: the value's quotes are not closed"))?;
        let re = match op {
            MatchOp::Regex | MatchOp::NotRegex => {
                Some(Regex::new(&format!("^(?:{value})$")).map_err(|e| {
                    let e = e.to_string();
                    let why = e
                        .lines()
                        .last()
                        .unwrap_or_default()
                        .trim_start_matches("error: ");
                    format!("matcher `{text}`: bad regex: {why}")
                })?)
            }
            _ => None,
        };
        Ok(Matcher {
            name: name.to_string(),
            op,
            value,
            re,
        })
    }

    /// Whether `labels` satisfy the matcher (a missing label is empty).
    pub fn matches(&self, labels: &Labels) -> bool {
        let v = labels.get(&self.name).unwrap_or("");
        match (self.op, &self.re) {
            (MatchOp::Equal, _) => v == self.value,
            (MatchOp::NotEqual, _) => v != self.value,
            (MatchOp::Regex, Some(re)) => re.is_match(v),
            (MatchOp::NotRegex, Some(re)) => !re.is_match(v),
            _ => false,
        }
    }
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = match self.op {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex => "=~",
            MatchOp::NotRegex => "!~",
        };
        write!(f, "{}{op}{:?}", self.name, self.value)
    }
}

fn unquote(v: &str) -> Option<String> {
    let Some(inner) = v.strip_prefix('"') else {
        return Some(v.to_string());
    };
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                c => out.push(c),
            },
            '"' => return chars.as_str().trim().is_empty().then_some(out),
            c => out.push(c),
        }
    }
    None
}

/// Which labels a source and a target must share.
#[derive(Clone, Debug, PartialEq)]
pub enum Equal {
    /// These labels (Alertmanager's `equal`).
    Labels(Vec<String>),
    /// Every label but these: the default rule's "same alert and labels".
    AllBut(Vec<String>),
}

/// One `inhibit_rules` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct InhibitRule {
    pub source: Vec<Matcher>,
    pub target: Vec<Matcher>,
    pub equal: Equal,
}

impl InhibitRule {
    /// A firing critical inhibits the warning of the same alert and labels.
    pub fn critical_over_warning() -> InhibitRule {
        InhibitRule {
            source: vec![Matcher::equal("severity", "critical")],
            target: vec![Matcher::equal("severity", "warning")],
            equal: Equal::AllBut(vec!["severity".into()]),
        }
    }

    fn key(&self, labels: &Labels) -> Vec<(String, String)> {
        match &self.equal {
            Equal::Labels(names) => names
                .iter()
                .map(|n| (n.clone(), labels.get(n).unwrap_or("").to_string()))
                .collect(),
            Equal::AllBut(skip) => labels
                .iter()
                .filter(|(n, v)| !skip.iter().any(|s| s == n) && !v.is_empty())
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        }
    }
}

/// How alerts are grouped and inhibited (`[alerts]` of the config).
#[derive(Clone, Debug, PartialEq)]
pub struct Grouping {
    /// Labels besides `alertname` that split groups.
    pub group_by: Vec<String>,
    /// Inhibit rules, the default one first unless turned off.
    pub inhibit: Vec<InhibitRule>,
}

impl Default for Grouping {
    fn default() -> Self {
        Grouping {
            group_by: Vec::new(),
            inhibit: vec![InhibitRule::critical_over_warning()],
        }
    }
}

fn is_active(a: &Alert) -> bool {
    matches!(a.state, AlertState::Pending | AlertState::Firing)
}

/// Marks the pending and firing alerts that an inhibit rule holds back
/// (and clears the mark of every other alert).
pub fn inhibit(alerts: &mut [Alert], rules: &[InhibitRule]) {
    let mut inhibited = vec![false; alerts.len()];
    for rule in rules {
        // How many firing sources hold each key.
        let mut sources: HashMap<Vec<(String, String)>, usize> = HashMap::new();
        for a in alerts.iter() {
            if a.state == AlertState::Firing && rule.source.iter().all(|m| m.matches(&a.labels)) {
                *sources.entry(rule.key(&a.labels)).or_default() += 1;
            }
        }
        if sources.is_empty() {
            continue;
        }
        for (i, a) in alerts.iter().enumerate() {
            if !is_active(a) || !rule.target.iter().all(|m| m.matches(&a.labels)) {
                continue;
            }
            let n = sources.get(&rule.key(&a.labels)).copied().unwrap_or(0);
            // An alert never inhibits itself.
            let own = usize::from(
                a.state == AlertState::Firing && rule.source.iter().all(|m| m.matches(&a.labels)),
            );
            if n > own {
                inhibited[i] = true;
            }
        }
    }
    for (a, i) in alerts.iter_mut().zip(inhibited) {
        a.inhibited = i;
    }
}

/// Marks the transitions of alerts that are inhibited now, for the log.
pub fn mark_inhibited(transitions: &mut [crate::vocab::alert::Transition], alerts: &[Alert]) {
    let held: std::collections::HashSet<(&str, &Labels)> = alerts
        .iter()
        .filter(|a| a.inhibited)
        .map(|a| (a.name.as_str(), &a.labels))
        .collect();
    if held.is_empty() {
        return;
    }
    for t in transitions {
        t.inhibited = held.contains(&(t.rule.as_str(), &t.labels));
    }
}

/// The labels that name an alert's group: `alertname` and each `group_by`
/// label it has.
pub fn group_labels(a: &Alert, group_by: &[String]) -> Labels {
    let mut l = Labels::from_pairs([("alertname", a.name.as_str())]);
    for n in group_by {
        if let Some(v) = a.labels.get(n).filter(|v| !v.is_empty()) {
            l.set(n, v);
        }
    }
    l
}

/// Alertmanager's `groupKey` of a group (the root route, `{}`).
pub fn group_key(labels: &Labels) -> String {
    format!("{{}}:{labels}")
}

/// How bad a value is in its rule's direction: a value under its threshold
/// belongs to a rule that fires low.
fn badness(a: &Alert) -> Option<f64> {
    let v = a.value.filter(|v| !v.is_nan())?;
    Some(match a.threshold {
        Some(t) if v < t => -v,
        _ => v,
    })
}

/// Groups the pending and firing alerts, in display order: groups with a
/// firing alert first, then by severity, then the earliest to start firing
/// (pending-only groups: to become pending), then by name and labels.
pub fn groups(alerts: &[Alert], group_by: &[String]) -> Vec<AlertGroup> {
    let mut by_key: BTreeMap<Labels, Vec<usize>> = BTreeMap::new();
    for (i, a) in alerts.iter().enumerate() {
        if is_active(a) {
            by_key.entry(group_labels(a, group_by)).or_default().push(i);
        }
    }
    let mut out: Vec<AlertGroup> = by_key
        .into_iter()
        .map(|(labels, members)| build(alerts, labels, members))
        .collect();
    out.sort_by(|a, b| {
        (b.firing > 0)
            .cmp(&(a.firing > 0))
            .then(b.severity.cmp(&a.severity))
            .then(start_of(a).cmp(&start_of(b)))
            .then(a.name.cmp(&b.name))
            .then(a.labels.cmp(&b.labels))
    });
    out
}

/// The instant a group is ordered by: when it started firing, or for a
/// pending-only group when it became pending (unknown last).
fn start_of(g: &AlertGroup) -> i64 {
    g.started_ms.or(g.active_since_ms).unwrap_or(i64::MAX)
}

fn build(alerts: &[Alert], labels: Labels, mut members: Vec<usize>) -> AlertGroup {
    let live: Vec<&Alert> = members
        .iter()
        .map(|&i| &alerts[i])
        .filter(|a| !a.inhibited)
        .collect();
    // A group whose every alert is inhibited keeps its own severity.
    let shown: Vec<&Alert> = if live.is_empty() {
        members.iter().map(|&i| &alerts[i]).collect()
    } else {
        live.clone()
    };
    let firing = live
        .iter()
        .filter(|a| a.state == AlertState::Firing)
        .count();
    let worst = shown
        .iter()
        .filter_map(|a| Some((badness(a)?, *a)))
        .max_by(|x, y| x.0.total_cmp(&y.0))
        .map(|(_, a)| Worst {
            value: a.value.unwrap_or(f64::NAN),
            instance: a.labels.get("instance").map(str::to_string),
        });
    members.sort_by(|&x, &y| {
        let (a, b) = (&alerts[x], &alerts[y]);
        a.inhibited
            .cmp(&b.inhibited)
            .then(b.state.cmp(&a.state))
            .then(b.severity.cmp(&a.severity))
            .then(
                badness(b)
                    .unwrap_or(f64::NEG_INFINITY)
                    .total_cmp(&badness(a).unwrap_or(f64::NEG_INFINITY)),
            )
            .then(a.labels.cmp(&b.labels))
    });
    AlertGroup {
        key: group_key(&labels),
        name: labels.get("alertname").unwrap_or_default().to_string(),
        severity: shown
            .iter()
            .map(|a| a.severity)
            .max()
            .unwrap_or(Severity::Warning),
        firing,
        pending: live.len() - firing,
        inhibited: members.len() - live.len(),
        started_ms: live.iter().filter_map(|a| a.fired_at_ms).min(),
        active_since_ms: shown.iter().filter_map(|a| a.active_since_ms).min(),
        worst,
        acknowledged: !live.is_empty() && live.iter().all(|a| a.acknowledged),
        muted: !live.is_empty()
            && live
                .iter()
                .all(|a| a.muted_until_ms.is_some() || a.silence_id.is_some()),
        labels,
        members,
    }
}

#[cfg(test)]
#[path = "group_tests.rs"]
mod tests;
