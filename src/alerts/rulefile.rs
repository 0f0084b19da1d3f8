//! Rule files in Prometheus's own format: `groups:` of alerting rules
//! (`alert`, `expr`, `for`, `keep_firing_for`, `labels`, `annotations`) and
//! recording rules (`record`, `expr`, `labels`). Every error is one line
//! naming `file:line:column`.

use crate::frame::Severity;
use crate::vocab::labels::Labels;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// One rule read from a file.
#[derive(Clone, Debug, PartialEq)]
pub enum FileRule {
    Alerting(AlertingRule),
    Recording(RecordingRule),
}

/// An alerting rule.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertingRule {
    pub name: String,
    pub expr: String,
    pub for_: Duration,
    pub keep_firing_for: Duration,
    /// From the `severity` label (warning when absent or unknown).
    pub severity: Severity,
    pub labels: Labels,
    /// Every annotation, `summary` and `runbook_url` included.
    pub annotations: BTreeMap<String, String>,
    /// The group the rule belongs to.
    pub group: String,
    /// Hysteresis (config `[[rule]]` only): once firing, the instance stays
    /// firing until its value falls below this. None: plain Prometheus semantics.
    pub clear_below: Option<f64>,
}

/// A recording rule: its result is stored under `record` each evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordingRule {
    pub record: String,
    pub expr: String,
    pub labels: Labels,
    pub group: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    groups: Vec<RawGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    name: String,
    #[serde(default)]
    interval: Option<String>,
    #[serde(default)]
    limit: Option<u64>,
    #[serde(default)]
    query_offset: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    #[serde(default)]
    alert: Option<String>,
    #[serde(default)]
    record: Option<String>,
    expr: ExprValue,
    #[serde(default, rename = "for")]
    for_: Option<String>,
    #[serde(default)]
    keep_firing_for: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

/// `expr` may be written as a number (`expr: 1`).
#[derive(Deserialize)]
#[serde(untagged)]
enum ExprValue {
    Text(String),
    Int(i64),
    Float(f64),
}

impl ExprValue {
    fn text(self) -> String {
        match self {
            ExprValue::Text(s) => s,
            ExprValue::Int(i) => i.to_string(),
            ExprValue::Float(f) => f.to_string(),
        }
    }
}

/// Reads and checks one rule file.
pub fn load(path: &Path) -> Result<Vec<FileRule>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&path.display().to_string(), &text)
}

/// Parses rule-file text; `name` is used in error messages.
pub fn parse(name: &str, text: &str) -> Result<Vec<FileRule>, String> {
    super::yaml_depth::check(text)
        .map_err(|(line, column, message)| format!("{name}:{line}:{column}: {message}"))?;
    let raw: RawFile = serde_yaml_ng::from_str(text).map_err(|e| match e.location() {
        Some(l) => format!("{name}:{}:{}: {}", l.line(), l.column(), strip_location(&e)),
        None => format!("{name}:1:1: {e}"),
    })?;
    let mut out = Vec::new();
    let mut group_names = std::collections::BTreeSet::new();
    // Positions are looked up in the text, searching forward from the
    // previous rule so repeated names point at the right place.
    let mut cursor = 0usize;
    for g in raw.groups {
        let at = find(text, &mut cursor, &["name:"], &g.name);
        if g.name.is_empty() {
            return Err(format!("{name}:{at}: group name must not be empty"));
        }
        if !group_names.insert(g.name.clone()) {
            return Err(format!("{name}:{at}: group {:?} repeated", g.name));
        }
        for (k, v) in [("interval", &g.interval), ("query_offset", &g.query_offset)] {
            if let Some(v) = v {
                crate::vocab::duration::parse_duration(v)
                    .map_err(|e| format!("{name}:{at}: group {:?} {k} {v:?}: {e}", g.name))?;
            }
        }
        let _ = g.limit;
        for r in g.rules {
            let (kind, rule_name) = match (&r.alert, &r.record) {
                (Some(a), None) => ("alert:", a.clone()),
                (None, Some(rec)) => ("record:", rec.clone()),
                (Some(_), Some(_)) => {
                    let at = find(text, &mut cursor, &["alert:"], "");
                    return Err(format!(
                        "{name}:{at}: a rule has both 'alert' and 'record'; it must have one"
                    ));
                }
                (None, None) => {
                    let at = find(text, &mut cursor, &["expr:"], "");
                    return Err(format!(
                        "{name}:{at}: a rule needs 'alert' or 'record' beside 'expr'"
                    ));
                }
            };
            let at = find(text, &mut cursor, &[kind], &rule_name);
            let fail = |msg: String| {
                format!(
                    "{name}:{at}: {} {rule_name:?}: {msg}",
                    &kind[..kind.len() - 1]
                )
            };
            let expr = r.expr.text();
            crate::promql::parse(&expr).map_err(|e| fail(format!("expr: {e}")))?;
            let mut labels = Labels::new();
            for (k, v) in g.labels.iter().chain(r.labels.iter()) {
                if !valid_label_name(k) {
                    return Err(fail(format!("invalid label name {k:?}")));
                }
                labels.set(k, v);
            }
            let dur = |field: &str, v: &Option<String>| -> Result<Duration, String> {
                match v {
                    None => Ok(Duration::ZERO),
                    Some(s) => crate::vocab::duration::parse_duration(s)
                        .map_err(|e| fail(format!("{field} {s:?}: {e}"))),
                }
            };
            if r.record.is_some() {
                if !valid_metric_name(&rule_name) {
                    return Err(fail("invalid metric name".into()));
                }
                for field in [("for", &r.for_), ("keep_firing_for", &r.keep_firing_for)] {
                    if field.1.is_some() {
                        return Err(fail(format!("'{}' is for alerting rules only", field.0)));
                    }
                }
                if !r.annotations.is_empty() {
                    return Err(fail("'annotations' is for alerting rules only".into()));
                }
                out.push(FileRule::Recording(RecordingRule {
                    record: rule_name,
                    expr,
                    labels,
                    group: g.name.clone(),
                }));
            } else {
                if rule_name.is_empty() {
                    return Err(fail("alert name must not be empty".into()));
                }
                let severity = match labels.get("severity") {
                    Some("critical") | Some("page") => Severity::Critical,
                    Some("info") | Some("none") => Severity::Info,
                    _ => Severity::Warning,
                };
                out.push(FileRule::Alerting(AlertingRule {
                    for_: dur("for", &r.for_)?,
                    keep_firing_for: dur("keep_firing_for", &r.keep_firing_for)?,
                    name: rule_name,
                    expr,
                    severity,
                    labels,
                    annotations: r.annotations,
                    group: g.name.clone(),
                    clear_below: None,
                }));
            }
        }
    }
    Ok(out)
}

/// serde_yaml_ng appends " at line L column C"; the prefix says it already.
fn strip_location(e: &serde_yaml_ng::Error) -> String {
    let s = e.to_string();
    match s.find(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// `line:column` of the next `key` whose value is `value` (any value when
/// empty), searching from `cursor` and moving it past the match; falls
/// back to the cursor's own position.
fn find(text: &str, cursor: &mut usize, keys: &[&str], value: &str) -> String {
    let rest = &text[*cursor..];
    let mut best: Option<usize> = None;
    for key in keys {
        let mut from = 0;
        while let Some(i) = rest[from..].find(key) {
            let pos = from + i;
            let after = rest[pos + key.len()..].lines().next().unwrap_or("").trim();
            let after = after.trim_matches(|c| c == '"' || c == '\'');
            let boundary = pos == 0 || !rest.as_bytes()[pos - 1].is_ascii_alphanumeric();
            if boundary && (value.is_empty() || after == value) {
                best = Some(best.map_or(pos, |b: usize| b.min(pos)));
                break;
            }
            from = pos + key.len();
        }
    }
    let abs = *cursor + best.unwrap_or(0);
    if best.is_some() {
        *cursor = abs + 1;
    }
    let before = &text[..abs];
    let line = before.matches('\n').count() + 1;
    let col = abs - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("{line}:{col}")
}

fn valid_label_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

fn valid_metric_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_' || f == ':')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == ':')
}
