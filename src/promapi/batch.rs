//! Several queries vitals wrote itself (detected panels, the instance
//! table, detected rules) in one request.
//!
//! Every member is sent verbatim inside
//! `label_replace(<member>, "__vitals_q", "<i>", "", "")` and the members
//! are joined by `or`: `label_replace` only adds the index label, and as
//! no two members share an index `or` keeps every series of every member.
//! The answer is split back by the index and the label dropped, so each
//! member gets exactly the series and values it gets when asked alone, at
//! the same evaluation time. Only instant-vector expressions can be
//! wrapped; a scalar (`1 + 1`) or a text that does not parse goes alone.
//!
//! A request costs the client more CPU (HTTP, TLS, JSON envelope) than
//! most answers do, and a refresh of the default dashboard asks about
//! twenty small queries: one request instead saves most of that. While
//! the server is slow, merging every group into one would put the queries
//! one after the other on the server, so [`Batcher`] then sends one
//! request per group (a panel's expressions, the table's, the rules'),
//! concurrently. A batch the server refuses (a member that fails on its
//! own, a query too large) or whose answer comes back without the index
//! labels (a server or proxy that drops them) is asked again member by
//! member at once, and the members that fail alone (all of them when
//! none does) go alone for [`RETRY_BATCH`].

use super::prometheus::PromClient;
use super::wire::{QueryResult, RangeResult, Value};
use super::SourceError;
use crate::vocab::labels::Labels;
use futures_util::future::join_all;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// The label a batch member's index travels in.
pub const INDEX_LABEL: &str = "__vitals_q";

/// The text of one request asking every member of `members`.
pub fn batch_text(members: &[&str]) -> String {
    let mut out = String::new();
    for (i, m) in members.iter().enumerate() {
        if i > 0 {
            out.push_str(" or ");
        }
        out.push_str(&format!(
            "label_replace({m}, \"{INDEX_LABEL}\", \"{i}\", \"\", \"\")"
        ));
    }
    out
}

/// A batch answer's series back to their `n` members, without the index
/// label, each member's series in the order the server sent them. Fails
/// on a series without a valid index (not an answer to [`batch_text`]).
pub fn split<T>(items: Vec<(Labels, T)>, n: usize) -> Result<Vec<Vec<(Labels, T)>>, String> {
    let mut out: Vec<Vec<(Labels, T)>> = (0..n).map(|_| Vec::new()).collect();
    for (mut labels, v) in items {
        let i = labels
            .get(INDEX_LABEL)
            .and_then(|s| s.parse::<usize>().ok())
            .filter(|i| *i < n)
            .ok_or_else(|| format!("a series of a batched answer has no valid {INDEX_LABEL}"))?;
        labels.remove(INDEX_LABEL);
        out[i].push((labels, v));
    }
    Ok(out)
}

/// True when `text` parses to an instant vector: only those can be
/// batched.
fn is_vector(text: &str) -> bool {
    use promql_parser::parser::{parse, value::ValueType};
    parse(text).is_ok_and(|e| e.value_type() == ValueType::Vector)
}

/// Instant or range requests: each has its own record of time spent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Instant = 0,
    Range = 1,
}

/// How long queries that broke a batch go alone before batching is tried
/// again: a refusal may have come from a proxy's bad minute, and an
/// on-call session lasts hours.
pub const RETRY_BATCH: Duration = Duration::from_secs(600);

/// Decides which queries of a refresh share a request.
#[derive(Debug, Default)]
pub struct Batcher {
    /// Every group goes in one request while the last refresh's requests
    /// of that kind took less than this, added up; `None`: no batching.
    budget: Option<Duration>,
    /// Time the requests of each [`Kind`] took in the last refresh.
    spent: [Duration; 2],
    /// Texts that failed on their own after their batch was refused, and
    /// until when they go alone ([`RETRY_BATCH`] after the first).
    alone: HashSet<String>,
    alone_until: Option<Instant>,
    /// Whether each text seen is an instant vector.
    vector: HashMap<String, bool>,
}

impl Batcher {
    /// Batching while the requests of a refresh take less than `budget`.
    pub fn new(budget: Option<Duration>) -> Batcher {
        Batcher {
            budget,
            ..Batcher::default()
        }
    }

    fn batchable(&mut self, text: &str) -> bool {
        if self.alone.contains(text) {
            return false;
        }
        if let Some(v) = self.vector.get(text) {
            return *v;
        }
        if self.vector.len() > 4096 {
            self.vector.clear();
        }
        let v = is_vector(text);
        self.vector.insert(text.to_string(), v);
        v
    }

    /// The requests that ask `texts`: members of `groups` share one
    /// (every group together while the server is fast), every other text
    /// goes alone. Each text is in exactly one request.
    pub fn requests<'a>(
        &mut self,
        texts: &[&'a String],
        groups: &[Vec<String>],
        kind: Kind,
    ) -> Vec<Vec<&'a String>> {
        let Some(budget) = self.budget else {
            return texts.iter().map(|t| vec![*t]).collect();
        };
        let merge = self.spent[kind as usize] < budget;
        let mut placed = vec![false; texts.len()];
        let mut out: Vec<Vec<&'a String>> = Vec::new();
        let mut merged = Vec::new();
        for g in groups {
            let mut req = Vec::new();
            for (i, t) in texts.iter().enumerate() {
                if !placed[i] && g.contains(t) && self.batchable(t) {
                    placed[i] = true;
                    req.push(*t);
                }
            }
            if merge {
                merged.extend(req);
            } else if !req.is_empty() {
                out.push(req);
            }
        }
        if !merged.is_empty() {
            out.push(merged);
        }
        let single = texts.iter().zip(&placed).filter(|(_, p)| !**p);
        out.extend(single.map(|(t, _)| vec![*t]));
        out
    }

    /// At `now`, batching is tried again for the queries that went alone
    /// once [`RETRY_BATCH`] has passed.
    pub fn expire(&mut self, now: Instant) {
        if self.alone_until.is_some_and(|t| now >= t) {
            self.alone.clear();
            self.alone_until = None;
        }
    }

    /// Records the time a refresh's requests of `kind` took, added up.
    pub fn spent(&mut self, kind: Kind, total: Duration) {
        self.spent[kind as usize] = total;
    }

    /// Learns from the answers to one request of several members: those
    /// that failed on their own with a lasting error go alone from now on
    /// (all of them when the batch was refused but none failed alone).
    pub fn learn<T>(
        &mut self,
        members: &[&String],
        answers: &[Result<T, SourceError>],
        refused: bool,
        now: Instant,
    ) {
        if members.len() < 2 || !refused {
            return;
        }
        self.alone_until.get_or_insert(now + RETRY_BATCH);
        let failed = members
            .iter()
            .zip(answers)
            .filter(|(_, a)| a.as_ref().is_err_and(|e| !e.is_transient()));
        let before = self.alone.len();
        self.alone.extend(failed.map(|(m, _)| m.to_string()));
        if self.alone.len() == before {
            self.alone.extend(members.iter().map(|m| m.to_string()));
        }
    }
}

/// The answers to one request's members, in order, and whether the server
/// refused the batch (the members were then asked one by one).
pub struct Answers<T> {
    pub each: Vec<Result<T, SourceError>>,
    pub refused: bool,
}

/// A batch's series and the server's warnings.
type Batch<U> = (Vec<(Labels, U)>, Vec<String>);
/// The same, split by member.
type Parts<U> = (Vec<Vec<(Labels, U)>>, Vec<String>);

/// A batch's answer split to its `n` members, or why it cannot be (an
/// answer without the index labels is [`SourceError::Malformed`]: a
/// server or proxy that drops them).
fn parts<U>(
    r: Result<Batch<U>, SourceError>,
    n: usize,
    url: &str,
) -> Result<Parts<U>, SourceError> {
    let (items, warnings) = r?;
    let parts = split(items, n).map_err(|reason| SourceError::Malformed {
        url: url.to_string(),
        reason,
    })?;
    Ok((parts, warnings))
}

/// Each member's answer from a batch's: its own series with the batch's
/// warnings, or the batch's (transient) error.
fn spread<T, U>(
    r: Result<Parts<U>, SourceError>,
    n: usize,
    wrap: impl Fn(Vec<(Labels, U)>, Vec<String>) -> T,
) -> Answers<T> {
    let each = match r {
        Ok((parts, warnings)) => parts
            .into_iter()
            .map(|p| Ok(wrap(p, warnings.clone())))
            .collect(),
        Err(e) => (0..n).map(|_| Err(e.clone())).collect(),
    };
    Answers {
        each,
        refused: false,
    }
}

/// True when the batch must be asked again member by member: the server
/// refused it, or its answer could not be split (anything but an error
/// that may pass on its own).
fn refused<T>(r: &Result<T, SourceError>) -> bool {
    r.as_ref().is_err_and(|e| !e.is_transient())
}

impl PromClient {
    /// Every member of `members` at `t_ms`: one request for all of them
    /// when there are several (see the module documentation), answered as
    /// if each had been asked alone.
    pub async fn query_many(
        &self,
        members: &[&String],
        t_ms: i64,
        plain: bool,
    ) -> Answers<QueryResult> {
        if members.len() > 1 {
            let url = self.shown("/api/v1/query");
            let texts: Vec<&str> = members.iter().map(|m| m.as_str()).collect();
            let r = self.query_as(&batch_text(&texts), t_ms, plain).await;
            let r = r.and_then(|q| match q.value {
                Value::Vector(v) => Ok((v, q.warnings)),
                _ => Err(SourceError::Malformed {
                    url: url.clone(),
                    reason: "a batched query did not answer a vector".into(),
                }),
            });
            let r = parts(r, members.len(), &url);
            if !refused(&r) {
                return spread(r, members.len(), |v, warnings| QueryResult {
                    value: Value::Vector(v),
                    warnings,
                });
            }
        }
        let each = join_all(members.iter().map(|m| self.query_as(m, t_ms, plain))).await;
        Answers {
            each,
            refused: members.len() > 1,
        }
    }

    /// [`PromClient::query_range`] for every member of `members`, in one
    /// request when there are several.
    pub async fn query_range_many(
        &self,
        members: &[&String],
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
    ) -> Answers<RangeResult> {
        if members.len() > 1 {
            let url = self.shown("/api/v1/query_range");
            let texts: Vec<&str> = members.iter().map(|m| m.as_str()).collect();
            let r = self
                .query_range(&batch_text(&texts), start_ms, end_ms, step_ms)
                .await;
            let r = parts(r.map(|r| (r.series, r.warnings)), members.len(), &url);
            if !refused(&r) {
                return spread(r, members.len(), |series, warnings| RangeResult {
                    series,
                    warnings,
                });
            }
        }
        let asks = members
            .iter()
            .map(|m| self.query_range(m, start_ms, end_ms, step_ms));
        Answers {
            each: join_all(asks).await,
            refused: members.len() > 1,
        }
    }
}

#[cfg(test)]
#[path = "batch_tests.rs"]
mod tests;
