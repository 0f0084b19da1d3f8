//! Tab completion on the `:` command line: command names; theme names after
//! `theme `; and inside `:expr` metric and function names, label names
//! (those of the metric before `{`, or every label name inside `by (...)`
//! and the like) and, after `instance="` or `job="`, the targets' values.
//! Names come from what the store holds (`Frame::catalog`).

use super::prompt::COMMANDS;
use crate::detect::Catalog;
use crate::frame::TargetStatus;
use std::collections::BTreeSet;

/// Functions and aggregations offered beside metric names.
const FUNCTIONS: [&str; 34] = [
    "abs",
    "absent",
    "avg",
    "avg_over_time",
    "bottomk",
    "ceil",
    "changes",
    "clamp_max",
    "clamp_min",
    "count",
    "count_over_time",
    "delta",
    "deriv",
    "floor",
    "group",
    "histogram_quantile",
    "idelta",
    "increase",
    "irate",
    "label_replace",
    "last_over_time",
    "max",
    "max_over_time",
    "min",
    "min_over_time",
    "predict_linear",
    "quantile",
    "quantile_over_time",
    "rate",
    "resets",
    "round",
    "sum",
    "sum_over_time",
    "topk",
];

/// Words before `(` whose parentheses list label names.
const LABEL_LISTS: [&str; 6] = [
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
];

/// Where names come from.
pub struct Names<'a> {
    pub themes: &'a [&'a str],
    pub catalog: &'a Catalog,
    pub targets: &'a [TargetStatus],
}

/// The result of one Tab.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completion {
    /// The new text of the command line.
    pub text: String,
    /// Every candidate when more than one remains (sorted).
    pub candidates: Vec<String>,
    /// Character position in `text` where the completed word starts.
    pub at: usize,
}

/// What kind of word ends the `:expr` text.
#[derive(Debug, PartialEq, Eq)]
enum Context {
    /// A metric or function name.
    Name,
    /// A label name: the metric whose labels to offer, if known, and
    /// whether inside `{...}` (then `="` follows a completed name).
    Label { metric: Option<String>, brace: bool },
    /// A label value inside quotes, for this label.
    Value(String),
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

/// The identifier that ends `s` (after trailing spaces when `skip_space`).
fn last_ident(s: &str, skip_space: bool) -> &str {
    let s = if skip_space { s.trim_end() } else { s };
    let start = s
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_ident(*c))
        .last()
        .map_or(s.len(), |(i, _)| i);
    &s[start..]
}

/// Reads the expression up to its end: inside which braces, parentheses
/// and quotes the end is. Returns the context and the byte offset where
/// the word being completed starts.
fn context(s: &str) -> (Context, usize) {
    let mut quote: Option<(char, usize)> = None;
    let mut brace: Option<usize> = None;
    let mut parens: Vec<bool> = Vec::new();
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if let Some((q, _)) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some((c, i)),
            '{' => brace = Some(i),
            '}' => brace = None,
            '(' => parens.push(LABEL_LISTS.contains(&last_ident(&s[..i], true))),
            ')' => {
                parens.pop();
            }
            _ => {}
        }
    }
    if let Some((_, q)) = quote {
        let before = s[..q].trim_end().trim_end_matches(['=', '!', '~']);
        let label = last_ident(before, true).to_string();
        return (Context::Value(label), q + 1);
    }
    let word = last_ident(s, false);
    let at = s.len() - word.len();
    if let Some(b) = brace {
        let metric = last_ident(&s[..b], true);
        let metric = (!metric.is_empty()).then(|| metric.to_string());
        return (
            Context::Label {
                metric,
                brace: true,
            },
            at,
        );
    }
    if parens.last().copied().unwrap_or(false) {
        return (
            Context::Label {
                metric: None,
                brace: false,
            },
            at,
        );
    }
    (Context::Name, at)
}

fn common_prefix(words: &[String]) -> String {
    let mut common = words.first().cloned().unwrap_or_default();
    for w in &words[1..] {
        while !w.starts_with(&common) {
            common.pop();
        }
    }
    common
}

/// Completes `word` (which starts at byte `at` of `text`) from
/// `candidates`; `suffix` is appended when exactly one fits.
fn finish(
    text: &str,
    at: usize,
    candidates: impl IntoIterator<Item = String>,
    suffix: impl Fn(&str) -> &'static str,
) -> Completion {
    let word = &text[at..];
    let hits: BTreeSet<String> = candidates
        .into_iter()
        .filter(|c| c.starts_with(word))
        .collect();
    let hits: Vec<String> = hits.into_iter().collect();
    let at_chars = text[..at].chars().count();
    match hits.as_slice() {
        [] => Completion {
            text: text.to_string(),
            candidates: vec![],
            at: at_chars,
        },
        [one] => Completion {
            text: format!("{}{one}{}", &text[..at], suffix(one)),
            candidates: vec![],
            at: at_chars,
        },
        many => Completion {
            text: format!("{}{}", &text[..at], common_prefix(many)),
            candidates: hits.clone(),
            at: at_chars,
        },
    }
}

fn complete_expr(text: &str, start: usize, names: &Names) -> Completion {
    let (ctx, at) = context(&text[start..]);
    let at = start + at;
    match ctx {
        Context::Name => {
            let metrics = names.catalog.keys().cloned();
            let funcs = FUNCTIONS.iter().map(|f| f.to_string());
            finish(text, at, metrics.chain(funcs), |w| {
                if FUNCTIONS.contains(&w) {
                    "("
                } else {
                    ""
                }
            })
        }
        Context::Label { metric, brace } => {
            let labels: BTreeSet<String> = match metric.and_then(|m| names.catalog.get(&m)) {
                Some(info) => info.labels.iter().cloned().collect(),
                None => names
                    .catalog
                    .values()
                    .flat_map(|i| i.labels.iter().cloned())
                    .collect(),
            };
            finish(text, at, labels, move |_| if brace { "=\"" } else { "" })
        }
        Context::Value(label) => {
            let values: Vec<String> = match label.as_str() {
                "instance" => names.targets.iter().map(|t| t.instance.clone()).collect(),
                "job" => names.targets.iter().map(|t| t.job.clone()).collect(),
                _ => vec![],
            };
            finish(text, at, values, |_| "\"")
        }
    }
}

/// Completes the command line `text` (without the `:`).
pub fn complete(text: &str, names: &Names) -> Completion {
    if let Some(rest) = text.strip_prefix("theme ") {
        let at = text.len() - rest.trim_start().len();
        return finish(text, at, names.themes.iter().map(|t| t.to_string()), |_| "");
    }
    for cmd in ["expr ", "e "] {
        if text.starts_with(cmd) {
            return complete_expr(text, cmd.len(), names);
        }
    }
    if text.contains(' ') {
        return Completion {
            text: text.to_string(),
            candidates: vec![],
            at: text.chars().count(),
        };
    }
    let commands = COMMANDS.iter().map(|c| c.0.to_string());
    finish(text, 0, commands, |one| {
        if COMMANDS.iter().any(|c| c.0 == one && !c.1.is_empty()) {
            " "
        } else {
            ""
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::MetricInfo;

    fn catalog() -> Catalog {
        let info = |labels: &[&str]| MetricInfo {
            labels: labels.iter().map(|l| l.to_string()).collect(),
            ..Default::default()
        };
        [
            ("http_requests_total", info(&["code", "instance", "job"])),
            (
                "http_request_duration_seconds_bucket",
                info(&["instance", "job", "le"]),
            ),
            ("up", info(&["instance", "job"])),
            ("node_load1", info(&["instance", "job", "zone"])),
        ]
        .into_iter()
        .map(|(n, i)| (n.to_string(), i))
        .collect()
    }

    fn targets() -> Vec<TargetStatus> {
        ["127.0.0.1:41001", "127.0.0.1:41002", "10.1.1.1:9100"]
            .iter()
            .map(|i| TargetStatus {
                instance: i.to_string(),
                job: "demo".into(),
                ..Default::default()
            })
            .collect()
    }

    fn tab(text: &str) -> Completion {
        let c = catalog();
        let t = targets();
        let names = Names {
            themes: &["dark", "light", "high-contrast"],
            catalog: &c,
            targets: &t,
        };
        complete(text, &names)
    }

    fn text(s: &str) -> String {
        tab(s).text
    }

    #[test]
    fn commands_and_themes() {
        assert_eq!(text("th"), "theme ");
        assert_eq!(text("he"), "help");
        assert_eq!(text("ex"), "exp");
        assert_eq!(tab("ex").candidates, vec!["export", "expr"]);
        assert_eq!(text("theme l"), "theme light");
        let c = tab("q");
        assert_eq!((c.text.as_str(), c.candidates.len()), ("q", 2));
        assert!(tab("").candidates.contains(&"expr".to_string()));
        assert_eq!(text("zz"), "zz");
        assert!(tab("window 3").candidates.is_empty());
        assert_eq!(text("no"), "note ");
        assert!(tab("note failover do").candidates.is_empty());
    }

    #[test]
    fn metric_and_function_names() {
        assert_eq!(text("expr no"), "expr node_load1");
        assert_eq!(
            text("expr sum(rate(http_requests_t"),
            "expr sum(rate(http_requests_total"
        );
        let c = tab("expr http_re");
        assert_eq!(c.text, "expr http_request");
        assert_eq!(c.candidates.len(), 2);
        assert_eq!(c.at, 5);
        assert_eq!(text("expr histogram_q"), "expr histogram_quantile(");
        assert_eq!(text("e u"), "e up");
        // Nothing fits: unchanged, no candidates.
        assert_eq!(
            tab("expr zzz"),
            Completion {
                text: "expr zzz".into(),
                candidates: vec![],
                at: 5
            }
        );
    }

    #[test]
    fn label_names_of_the_metric_or_of_all() {
        assert_eq!(text("expr node_load1{z"), "expr node_load1{zone=\"");
        assert_eq!(text("expr up{j"), "expr up{job=\"");
        assert_eq!(tab("expr up{").candidates, vec!["instance", "job"]);
        // A metric without `zone` does not offer it.
        assert_eq!(text("expr up{z"), "expr up{z");
        assert_eq!(
            text("expr up{job=\"demo\", i"),
            "expr up{job=\"demo\", instance=\""
        );
        // Inside `by (...)`: every label name.
        assert_eq!(text("expr sum by (l"), "expr sum by (le");
        assert_eq!(text("expr sum(x) without (zo"), "expr sum(x) without (zone");
        // After a closed label list, names again.
        assert_eq!(text("expr sum by (le) (ra"), "expr sum by (le) (rate(");
    }

    #[test]
    fn label_values_of_instance_and_job() {
        let c = tab("expr up{instance=\"127");
        assert_eq!(c.text, "expr up{instance=\"127.0.0.1:4100");
        assert_eq!(c.candidates, vec!["127.0.0.1:41001", "127.0.0.1:41002"]);
        assert_eq!(
            text("expr up{instance=\"10"),
            "expr up{instance=\"10.1.1.1:9100\""
        );
        assert_eq!(text("expr up{job=~\"d"), "expr up{job=~\"demo\"");
        // Other labels: no values known, nothing changes.
        assert_eq!(text("expr up{zone=\"a"), "expr up{zone=\"a");
    }

    #[test]
    fn odd_input_never_panics() {
        for s in [
            "expr ",
            "expr {",
            "expr }",
            "expr \"",
            "expr (((",
            "expr )))",
            "expr µ{é=\"ü",
            "expr a{b=\"c\\\"",
            "e",
            "expr sum by",
            "theme ",
        ] {
            let _ = tab(s);
        }
    }
}
