//! Reading the TOML into [`Config`] without stopping at the first problem,
//! and without ever echoing a value.
//!
//! `toml` stops at the first value of the wrong type, and inside the
//! flattened credential keys it loses the position (1:1). So the document
//! is first read as a tree with positions: credential and TLS keys of the
//! wrong type are reported at their value and dropped; then the typed
//! reading is retried, each time dropping the entry (a top-level key, or
//! one element of `[[target]]`, `[[panel]]`, …) that held the problem, until
//! what remains reads. Messages name the expected type, never the value
//! found, so a secret typed as a number is not printed.

use super::Config;
use serde::de::IntoDeserializer;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use toml::de::{DeArray, DeTable, DeValue};
use toml::Spanned;

/// One problem, at a byte range of the text when it is known.
pub(super) struct Problem {
    pub span: Option<Range<usize>>,
    pub message: String,
}

/// What was read: the config from the entries that read (if the text
/// parses at all), the problems, and for each array of tables that lost
/// elements the original index of each element kept (to name entries in
/// later messages as the file numbers them).
pub(super) struct Read {
    pub config: Option<Config>,
    pub problems: Vec<Problem>,
    pub kept: BTreeMap<String, Vec<usize>>,
}

/// Keys of credentials and TLS settings (flattened into targets, file_sd
/// tables and servers) and the type each must have.
const AUTH_KEYS: [(&str, Kind); 9] = [
    ("bearer_token", Kind::String),
    ("bearer_token_file", Kind::String),
    ("password", Kind::String),
    ("password_file", Kind::String),
    ("ca_file", Kind::String),
    ("cert_file", Kind::String),
    ("key_file", Kind::String),
    ("server_name", Kind::String),
    ("insecure_skip_verify", Kind::Bool),
];

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    String,
    Bool,
}

/// The most entries dropped before giving up (a file with more problems
/// than this gets the first ones).
const MAX_PROBLEMS: usize = 64;

pub(super) fn read(text: &str) -> Read {
    let mut out = Read {
        config: None,
        problems: Vec::new(),
        kept: BTreeMap::new(),
    };
    let mut root = match DeTable::parse(text) {
        Ok(root) => root,
        Err(e) => {
            out.problems.push(Problem {
                span: e.span(),
                message: hide_values(e.message()),
            });
            return out;
        }
    };
    check_types(root.get_mut(), &mut out.problems);
    for _ in 0..MAX_PROBLEMS {
        let e = match Config::deserialize(root.clone().into_deserializer()) {
            Ok(c) => {
                out.config = Some(c);
                return out;
            }
            Err(e) => e,
        };
        // An unknown key is reported at its table: point at the key itself.
        let span = match e.span() {
            Some(s) if e.message().starts_with("unknown field") => {
                locate(root.get_ref(), e.message(), s.start).or(Some(s))
            }
            Some(s) => Some(s),
            None => locate(root.get_ref(), e.message(), 0),
        };
        out.problems.push(Problem {
            span: span.clone(),
            message: hide_values(e.message()),
        });
        let Some(span) = span else { break };
        if !drop_entry(root.get_mut(), span.start, &mut out.kept) {
            break;
        }
    }
    out
}

fn kind_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// Reports and removes credential and TLS keys of the wrong type, at any
/// depth.
fn check_types(table: &mut DeTable<'_>, problems: &mut Vec<Problem>) {
    let mut bad = Vec::new();
    for (k, v) in table.iter_mut() {
        let name: &str = k.get_ref();
        let want = AUTH_KEYS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t);
        let ok = matches!(
            (want, v.get_ref()),
            (None, _)
                | (Some(Kind::String), DeValue::String(_))
                | (Some(Kind::Bool), DeValue::Boolean(_))
        );
        if !ok {
            let expected = match want {
                Some(Kind::Bool) => "true or false",
                _ => "a string in quotes",
            };
            problems.push(Problem {
                span: Some(v.span()),
                message: format!(
                    "{name}: expected {expected}, found {} (the value is not shown)",
                    kind_name(v.get_ref())
                ),
            });
            bad.push(name.to_string());
            continue;
        }
        if name == "headers" {
            if let DeValue::Table(h) = v.get_mut() {
                header_values(h, problems);
                continue;
            }
        }
        match v.get_mut() {
            DeValue::Table(t) => check_types(t, problems),
            DeValue::Array(a) => {
                for item in a.iter_mut() {
                    if let DeValue::Table(t) = item.get_mut() {
                        check_types(t, problems);
                    }
                }
            }
            _ => {}
        }
    }
    for name in bad {
        table.remove(name.as_str());
    }
}

/// Header values (an `Authorization` header is a secret) must be strings:
/// others are reported at their value, unshown, and dropped.
fn header_values(headers: &mut DeTable<'_>, problems: &mut Vec<Problem>) {
    let mut bad = Vec::new();
    for (k, v) in headers.iter() {
        if !matches!(v.get_ref(), DeValue::String(_)) {
            let name: &str = k.get_ref();
            problems.push(Problem {
                span: Some(v.span()),
                message: format!(
                    "headers.{name}: expected a string in quotes, found {} (the value is not shown)",
                    kind_name(v.get_ref())
                ),
            });
            bad.push(name.to_string());
        }
    }
    for name in bad {
        headers.remove(name.as_str());
    }
}

/// Where an error without a precise position is: the first key at or
/// after byte `after` named by the message's first `quoted` word
/// (`unknown field `tls``).
fn locate(root: &DeTable<'_>, message: &str, after: usize) -> Option<Range<usize>> {
    let name = message.split('`').nth(1)?;
    let mut best: Option<Range<usize>> = None;
    find_key(root, name, after, &mut best);
    best
}

fn find_key(table: &DeTable<'_>, name: &str, after: usize, best: &mut Option<Range<usize>>) {
    for (k, v) in table.iter() {
        let span = k.span();
        let named = k.get_ref().as_ref() == name && span.start >= after;
        if named && best.as_ref().is_none_or(|b| span.start < b.start) {
            *best = Some(span);
        }
        match v.get_ref() {
            DeValue::Table(t) => find_key(t, name, after, best),
            DeValue::Array(a) => {
                for item in a.iter() {
                    if let DeValue::Table(t) = item.get_ref() {
                        find_key(t, name, after, best);
                    }
                }
            }
            _ => {}
        }
    }
}

fn contains(span: &Range<usize>, at: usize) -> bool {
    span.start <= at && at < span.end.max(span.start + 1)
}

/// Removes the top-level entry holding byte `at`: one element of an array,
/// or the whole key. False if none holds it.
fn drop_entry(root: &mut DeTable<'_>, at: usize, kept: &mut BTreeMap<String, Vec<usize>>) -> bool {
    // The entry starting last at or before `at` (an element of an array
    // of tables spans little more than its header, so containment is not
    // enough); elements win over their key.
    let mut found: Option<(usize, String, Option<usize>)> = None;
    let mut consider = |start: usize, key: &str, index: Option<usize>| {
        let better = found
            .as_ref()
            .is_none_or(|(s, _, i)| start > *s || (start == *s && i.is_none() && index.is_some()));
        if start <= at && better {
            found = Some((start, key.to_string(), index));
        }
    };
    for (k, v) in root.iter() {
        let name: &str = k.get_ref();
        consider(k.span().start.min(v.span().start), name, None);
        if let DeValue::Array(a) = v.get_ref() {
            for (i, item) in a.iter().enumerate() {
                if contains(&item.span(), at) || matches!(item.get_ref(), DeValue::Table(_)) {
                    consider(item.span().start, name, Some(i));
                }
            }
        }
    }
    let found = found.map(|(_, k, i)| (k, i));
    let Some((key, index)) = found else {
        return false;
    };
    match index {
        None => {
            root.remove(key.as_str());
        }
        Some(i) => {
            let Some(v) = root.get_mut(key.as_str()) else {
                return false;
            };
            let span = v.span();
            if let DeValue::Array(a) = v.get_ref() {
                let len = a.len();
                let mut rest = DeArray::new();
                for (j, item) in a.iter().enumerate() {
                    if j != i {
                        rest.push(item.clone());
                    }
                }
                *v = Spanned::new(span, DeValue::Array(rest));
                kept.entry(key)
                    .or_insert_with(|| (0..len).collect())
                    .remove(i);
            }
        }
    }
    true
}

/// A `toml`/serde message without the value it found: `invalid type:
/// integer `123`, expected a string` becomes `invalid type: integer,
/// expected a string`. Line breaks are joined.
pub(super) fn hide_values(message: &str) -> String {
    let message = message.replace('\n', " ");
    let message = message.trim();
    for lead in ["invalid type: ", "invalid value: ", "invalid length "] {
        let Some(rest) = message.strip_prefix(lead) else {
            continue;
        };
        let Some((found, expected)) = rest.split_once(", expected") else {
            return format!("{lead}(value not shown)");
        };
        // `integer `123`` / `string "x"`: the kind is the first word.
        let kind = found.split([' ', '`', '"']).next().unwrap_or("");
        return format!("{lead}{kind}, expected{expected}");
    }
    message.to_string()
}

/// `target[3].url: …` for an element that was `target[k]` in the kept
/// entries: the index the file gives it.
pub(super) fn renumber(message: &str, kept: &BTreeMap<String, Vec<usize>>) -> String {
    for (key, orig) in kept {
        let Some(rest) = message.strip_prefix(&format!("{key}[")) else {
            continue;
        };
        let Some((k, tail)) = rest.split_once(']') else {
            continue;
        };
        if let Some(o) = k.parse::<usize>().ok().and_then(|k| orig.get(k)) {
            return format!("{key}[{o}]{tail}");
        }
    }
    message.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_never_echoed() {
        assert_eq!(
            hide_values("invalid type: integer `123456789`, expected a string"),
            "invalid type: integer, expected a string"
        );
        assert_eq!(
            hide_values("invalid value: string \"hunter2\", expected one of a, b"),
            "invalid value: string, expected one of a, b"
        );
        assert_eq!(hide_values("unknown field `tls`"), "unknown field `tls`");
    }

    #[test]
    fn every_entry_with_a_problem_is_reported() {
        let text = "interval = 5\n[[target]]\nurl = \"a:1\"\nbearer_token = 123456789\n\n[[target]]\nurl = 7\n\n[[target]]\nurl = \"c:1\"\ntls = 1\n\n[[target]]\nurl = \"d:1\"\nheaders = { Authorization = 55501234 }\n";
        let r = read(text);
        let msgs: Vec<String> = r.problems.iter().map(|p| p.message.clone()).collect();
        assert_eq!(r.problems.len(), 5, "{msgs:?}");
        assert!(!msgs.iter().any(|m| m.contains("123456789")), "{msgs:?}");
        assert!(!msgs.iter().any(|m| m.contains("55501234")), "{msgs:?}");
        let at = |p: &Problem| p.span.clone().map(|s| &text[s]);
        let spans: Vec<_> = r.problems.iter().map(at).collect();
        assert!(spans.contains(&Some("123456789")), "{spans:?}");
        assert!(spans.contains(&Some("7")), "{spans:?}");
        assert!(spans.contains(&Some("tls")), "{spans:?}");
        assert!(spans.contains(&Some("55501234")), "{spans:?}");
        let c = r.config.expect("the rest reads");
        assert_eq!(c.target.len(), 2);
        assert_eq!(r.kept["target"], vec![0, 3]);
        assert_eq!(renumber("target[1].url: x", &r.kept), "target[3].url: x");
    }
}
