//! Prometheus file_sd: reading target groups from JSON files and following
//! their changes.

use super::target::{from_address, DEFAULT_JOB};
use super::{ScrapeLimits, Target};
use crate::vocab::labels::Labels;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How often [`watch_file_sd`] looks at its files.
pub const SD_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// A file_sd file that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SdError {
    #[error("file_sd {}: {message}", path.display())]
    Io { path: PathBuf, message: String },
    #[error("file_sd {}:{line}:{column}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
}

/// A file_sd file, and what its targets get that the file cannot say:
/// credentials and TLS, the scheme and job when a group does not set them,
/// and the scrape interval and timeout (Prometheus keeps these in the
/// scrape config around its `file_sd_configs`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SdEntry {
    pub path: PathBuf,
    /// The scheme of groups without a `__scheme__` label (default `http`).
    pub scheme: Option<String>,
    /// The job of groups without a `job` label (default `vitals`).
    pub job: Option<String>,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub auth: Option<Arc<crate::net::HttpAuth>>,
    /// The limits of the file's targets.
    pub limits: ScrapeLimits,
    /// Most targets the file may list (0: no limit): the rest are refused,
    /// shown as one target row saying so.
    pub target_limit: u64,
}

impl SdEntry {
    /// A file whose targets get nothing more than the file says, and the
    /// default limits.
    pub fn file(path: impl Into<PathBuf>) -> SdEntry {
        SdEntry {
            path: path.into(),
            target_limit: super::DEFAULT_TARGET_LIMIT,
            ..SdEntry::default()
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Group {
    targets: Vec<String>,
    #[serde(default)]
    labels: Option<BTreeMap<String, String>>,
}

/// Reads one file_sd JSON file: `[{"targets": ["host:port"], "labels": {...}}]`.
///
/// The `job` label sets [`Target::job`], `instance` overrides the instance,
/// `__scheme__`, `__metrics_path__` and `__param_NAME` shape the URL, other
/// `__` labels are dropped and the rest become [`Target::labels`].
pub fn read_file_sd(path: &Path) -> Result<Vec<Target>, SdError> {
    parse_file_sd(path, &read_capped(path)?)
}

/// Reads `source`'s file and gives its targets the source's settings.
pub fn read_sd_entry(source: &SdEntry) -> Result<Vec<Target>, SdError> {
    parse_sd_source(source, &read_capped(&source.path)?)
}

/// Largest file_sd file read.
const MAX_FILE_BYTES: u64 = 16 << 20;

fn read_capped(path: &Path) -> Result<Vec<u8>, SdError> {
    use std::io::Read;
    let io = |message: String| SdError::Io {
        path: path.to_path_buf(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| io(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(io(format!("larger than {} MiB", MAX_FILE_BYTES >> 20)));
    }
    Ok(bytes)
}

/// Parses file_sd JSON text; `path` only names the file in errors.
pub(crate) fn parse_file_sd(path: &Path, bytes: &[u8]) -> Result<Vec<Target>, SdError> {
    parse_sd_source(&SdEntry::file(path), bytes)
}

/// Parses file_sd JSON text with `source`'s defaults and settings.
fn parse_sd_source(source: &SdEntry, bytes: &[u8]) -> Result<Vec<Target>, SdError> {
    let path = source.path.as_path();
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_col(bytes, e.valid_up_to());
        invalid(path, line, column, "not UTF-8".to_string())
    })?;
    let groups: Vec<Group> = serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        // serde_json appends " at line L column C"; the position goes first.
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m)
            .to_string();
        invalid(path, e.line().max(1), e.column().max(1), message)
    })?;
    let mut out = Vec::new();
    for group in groups {
        let labels = group.labels.unwrap_or_default();
        let at = |needle: &str| {
            let quoted = serde_json::to_string(needle).unwrap_or_default();
            let offset = text.find(&quoted).unwrap_or(0);
            line_col(bytes, offset)
        };
        let mut scheme = source.scheme.as_deref().unwrap_or("http");
        let mut metrics_path = "/metrics";
        let mut job = source.job.as_deref().unwrap_or(DEFAULT_JOB);
        let mut instance = None;
        let mut params = Vec::new();
        let mut extra = Vec::new();
        for (name, value) in &labels {
            if !valid_label_name(name) {
                let (line, column) = at(name);
                return Err(invalid(
                    path,
                    line,
                    column,
                    format!("invalid label name {name:?}"),
                ));
            }
            match name.as_str() {
                "__scheme__" => scheme = value,
                "__metrics_path__" => metrics_path = value,
                "job" => job = value,
                "instance" => instance = Some(value.as_str()),
                n if n.starts_with("__param_") => {
                    params.push((n["__param_".len()..].to_string(), value.clone()));
                }
                n if n.starts_with("__") => {}
                n => extra.push((n, value.as_str())),
            }
        }
        let extra = Labels::from_pairs(extra);
        for addr in &group.targets {
            let target = from_address(
                addr,
                scheme,
                metrics_path,
                &params,
                job,
                instance,
                extra.clone(),
            )
            .map_err(|e| {
                let (line, column) = at(addr);
                invalid(path, line, column, e.to_string())
            })?;
            out.push(Target {
                interval: source.interval,
                timeout: source.timeout,
                auth: source.auth.clone(),
                limits: source.limits,
                ..target
            });
        }
    }
    Ok(refuse_beyond_limit(source, out))
}

/// The file's first `target_limit` targets, and for the rest one refused
/// target that says how many were left out and why.
fn refuse_beyond_limit(source: &SdEntry, mut targets: Vec<Target>) -> Vec<Target> {
    let limit = usize::try_from(source.target_limit).unwrap_or(usize::MAX);
    if limit == 0 || targets.len() <= limit {
        return targets;
    }
    let listed = targets.len();
    targets.truncate(limit);
    targets.push(Target {
        url: format!("file_sd:{}", source.path.display()),
        job: source.job.clone().unwrap_or_else(|| DEFAULT_JOB.to_string()),
        instance: "target_limit".to_string(),
        refused: Some(format!(
            "target_limit exceeded: file_sd {} lists {listed} targets, limit {limit}; {} not scraped",
            source.path.display(),
            listed - limit
        )),
        ..Target::default()
    });
    targets
}

fn invalid(path: &Path, line: usize, column: usize, message: String) -> SdError {
    SdError::Invalid {
        path: path.to_path_buf(),
        line,
        column,
        message,
    }
}

/// 1-based line and column (in characters) of byte `offset`.
fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

fn valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// One watched file: what it said last and the targets it last gave.
struct SdFile {
    source: SdEntry,
    content: Option<Vec<u8>>,
    last_error: Option<String>,
    targets: Vec<Target>,
    /// Where the error is shown from.
    errors: super::SdErrors,
}

impl SdFile {
    /// Looks at the file once; true when its targets changed.
    fn poll(&mut self) -> bool {
        let bytes = match read_capped(&self.source.path) {
            Ok(b) => b,
            Err(e) => {
                self.report(Some(e.to_string()));
                return false;
            }
        };
        if self.content.as_deref() == Some(bytes.as_slice()) {
            return false;
        }
        let parsed = parse_sd_source(&self.source, &bytes);
        self.content = Some(bytes);
        match parsed {
            Ok(targets) => {
                self.report(None);
                if targets == self.targets {
                    return false;
                }
                tracing::info!(path = %self.source.path.display(), targets = targets.len(), "file_sd read");
                self.targets = targets;
                true
            }
            Err(e) => {
                self.report(Some(e.to_string()));
                false
            }
        }
    }

    /// Logs a new error once, and the recovery from it.
    fn report(&mut self, error: Option<String>) {
        if error == self.last_error {
            return;
        }
        match &error {
            Some(e) => tracing::warn!("{e}; keeping the previous targets"),
            None => tracing::info!(path = %self.source.path.display(), "file_sd readable again"),
        }
        self.errors.set(&self.source.path, error.clone());
        self.last_error = error;
    }
}

/// Static targets plus every file's targets, sorted, without duplicates.
fn merged(static_targets: &[Target], files: &[SdFile]) -> Vec<Target> {
    let mut all: Vec<Target> = static_targets.to_vec();
    for f in files {
        all.extend(f.targets.iter().cloned());
    }
    all.sort();
    all.dedup();
    super::distinguish_paths(&mut all);
    all
}

/// Follows file_sd files: looks at them every [`SD_POLL_INTERVAL`] and,
/// when one's content changed and parses, sends the merged list of the
/// static targets and every file's targets. A file that cannot be read or
/// parsed (a bad rewrite, or one caught mid-write) keeps its previous
/// targets; the error is logged. Ends when every receiver is gone.
pub fn watch_file_sd(
    sources: Vec<SdEntry>,
    static_targets: Vec<Target>,
    tx: watch::Sender<Vec<Target>>,
) -> JoinHandle<()> {
    watch_file_sd_reporting(sources, static_targets, tx, super::SdErrors::default())
}

/// As [`watch_file_sd`], and each file's current error is kept in `errors`
/// (replacing what it held) to be shown.
pub fn watch_file_sd_reporting(
    sources: Vec<SdEntry>,
    static_targets: Vec<Target>,
    tx: watch::Sender<Vec<Target>>,
    errors: super::SdErrors,
) -> JoinHandle<()> {
    errors.clear();
    tokio::spawn(async move {
        let mut files: Vec<SdFile> = sources
            .into_iter()
            .map(|source| SdFile {
                source,
                content: None,
                last_error: None,
                targets: Vec::new(),
                errors: errors.clone(),
            })
            .collect();
        let mut ticker = tokio::time::interval(SD_POLL_INTERVAL);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut first = true;
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = tx.closed() => return,
            }
            let mut changed = first;
            for f in &mut files {
                changed |= f.poll();
            }
            first = false;
            if changed {
                let list = merged(&static_targets, &files);
                tx.send_if_modified(|cur| {
                    if *cur == list {
                        false
                    } else {
                        *cur = list;
                        true
                    }
                });
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Target>, SdError> {
        parse_file_sd(Path::new("sd.json"), text.as_bytes())
    }

    #[test]
    fn groups_and_labels() {
        let t = parse(
            r#"[
  {"targets": ["a:9100", "b:9100"], "labels": {"job": "node", "env": "prod", "__meta_x": "y"}},
  {"targets": ["c:443"], "labels": {"__scheme__": "https", "__metrics_path__": "/m",
     "__param_module": "http_2xx", "instance": "custom"}},
  {"targets": ["d:1"]}
]"#,
        )
        .unwrap();
        assert_eq!(t.len(), 4);
        assert_eq!(t[0].url, "http://a:9100/metrics");
        assert_eq!(t[0].job, "node");
        assert_eq!(t[0].instance, "a:9100");
        assert_eq!(t[0].labels, Labels::from_pairs([("env", "prod")]));
        assert_eq!(t[2].url, "https://c/m?module=http_2xx");
        assert_eq!(t[2].instance, "custom");
        assert_eq!(t[2].job, "vitals");
        assert!(t[2].labels.is_empty());
        assert_eq!(t[3].url, "http://d:1/metrics");
        assert!(parse("[]").unwrap().is_empty());
    }

    #[test]
    fn errors_name_line_and_column() {
        let cases = [
            (
                "[\n  {\"targets\": [\"a:1\",]}\n]",
                "sd.json:2:",
                "trailing comma",
            ),
            ("[{\"targets\": [\"a:1\"]", "sd.json:1:", "EOF"),
            ("", "sd.json:1:1", "EOF"),
            ("{}", "sd.json:1:", "expected a sequence"),
            ("[{\"target\": []}]", "sd.json:1:", "unknown field"),
            (
                "[\n{\"targets\": [\"ok:1\",\n  \"nope\"]}]",
                "sd.json:3:3",
                "missing port",
            ),
            (
                "[{\"targets\": [\"a:1\"], \"labels\": {\"bad-name\": \"x\"}}]",
                "sd.json:1:34",
                "invalid label name",
            ),
            (
                "[{\"targets\": [\"http://a:1/m\"]}]",
                "sd.json:1:15",
                "__scheme__",
            ),
            (
                "[{\"targets\": [\"a:1\"], \"labels\": {\"__scheme__\": \"ftp\"}}]",
                "sd.json:1:15",
                "unsupported scheme",
            ),
        ];
        for (text, at, what) in cases {
            let e = parse(text).expect_err(text).to_string();
            assert!(e.starts_with(&format!("file_sd {at}")), "{text:?}: {e}");
            assert!(e.contains(what), "{text:?}: {e}");
            assert!(!e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn line_col_counts_characters() {
        let s = "ab\né€x";
        assert_eq!(line_col(s.as_bytes(), 0), (1, 1));
        assert_eq!(line_col(s.as_bytes(), 3), (2, 1));
        assert_eq!(line_col(s.as_bytes(), s.find('x').unwrap()), (2, 3));
    }
}
