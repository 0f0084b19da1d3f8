//! Re-reading the configuration file on `r` or SIGHUP. The reloader task
//! owns the target feed (static targets and file_sd watcher); it loads and
//! checks the file, and on success replaces the targets (the scrape loops
//! keep the tasks of unchanged targets, stop removed ones and start added
//! ones) and sends the engine the new panels and rules. A file that fails
//! to load changes nothing: the engine shows why in its notice line.

use super::{load_settings, Overrides, Settings};
use crate::alerts::rulefile::{self, FileRule};
use crate::detect::PanelDef;
use crate::scrape::{self, SdEntry, Target};
use std::path::{Path, PathBuf};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// The panels and rules of a newly loaded configuration.
#[derive(Clone, Debug, Default)]
pub struct Reconfig {
    /// The configured panels.
    pub panels: Vec<PanelDef>,
    /// Show the detected default panels too.
    pub detected_panels: bool,
    /// Every rule: rule files and the configuration's `[[rule]]`s.
    pub rules: Vec<FileRule>,
    /// What to say on screen once applied, e.g. "config reloaded".
    pub message: String,
    /// The file's theme, when the reload changed it.
    pub theme: Option<String>,
    /// The file's retention, when the reload changed it.
    pub retention: Option<std::time::Duration>,
    /// The series budget, when the reload changed it.
    pub max_series: Option<usize>,
    /// `[alerts]`: grouping and inhibition.
    pub grouping: crate::alerts::group::Grouping,
}

/// The list of targets the scrape loops and the engine follow: static
/// targets plus the targets of the file_sd files, which are watched.
pub struct TargetFeed {
    tx: watch::Sender<Vec<Target>>,
    watcher: Option<JoinHandle<()>>,
    /// The file_sd files' current errors, for the engine to show.
    sd_errors: scrape::SdErrors,
}

impl TargetFeed {
    /// Starts feeding `tx` (call inside a tokio runtime).
    pub fn start(
        tx: watch::Sender<Vec<Target>>,
        statics: Vec<Target>,
        file_sd: Vec<SdEntry>,
    ) -> Self {
        let mut feed = TargetFeed {
            tx,
            watcher: None,
            sd_errors: scrape::SdErrors::default(),
        };
        feed.replace(statics, file_sd);
        feed
    }

    /// Replaces the static targets and file_sd files.
    pub fn replace(&mut self, statics: Vec<Target>, file_sd: Vec<SdEntry>) {
        if let Some(w) = self.watcher.take() {
            w.abort();
        }
        if file_sd.is_empty() {
            self.sd_errors.clear();
            self.tx.send_if_modified(|cur| {
                let changed = *cur != statics;
                if changed {
                    *cur = statics;
                }
                changed
            });
        } else {
            let errors = self.sd_errors.clone();
            let w = scrape::watch_file_sd_reporting(file_sd, statics, self.tx.clone(), errors);
            self.watcher = Some(w);
        }
    }

    /// The file_sd files' current errors (shared: follows reloads).
    pub fn sd_errors(&self) -> scrape::SdErrors {
        self.sd_errors.clone()
    }
}

impl TargetFeed {
    /// Keeps feeding until nobody follows the target list any more.
    pub async fn run_until_closed(self) {
        self.tx.closed().await;
    }
}

impl Drop for TargetFeed {
    fn drop(&mut self) {
        if let Some(w) = self.watcher.take() {
            w.abort();
        }
    }
}

/// Reads every `--rules` file.
pub fn load_rule_files(paths: &[PathBuf]) -> Result<Vec<FileRule>, String> {
    let mut rules = Vec::new();
    for p in paths {
        rules.extend(rulefile::load(p)?);
    }
    Ok(rules)
}

/// Checks that every file_sd file can be read now.
pub fn check_file_sd(sources: &[SdEntry]) -> Result<(), String> {
    for s in sources {
        scrape::read_sd_entry(s).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// What the engine gets from settings and the rule files' rules.
pub fn reconfig(s: &Settings, file_rules: Vec<FileRule>, message: String) -> Reconfig {
    let mut rules = file_rules;
    rules.extend(s.rules.iter().cloned());
    Reconfig {
        panels: s.panels.clone(),
        detected_panels: s.detected_panels,
        rules,
        message,
        theme: None,
        retention: None,
        max_series: None,
        grouping: s.grouping.clone(),
    }
}

/// Re-reads the configuration file on request.
pub struct Reloader {
    pub file: PathBuf,
    pub flags: Overrides,
    /// `--rules` files, re-read with the configuration.
    pub rule_files: Vec<PathBuf>,
    pub feed: TargetFeed,
    /// The settings running now.
    pub current: Settings,
}

/// "FILE: reload failed (kept the running configuration): first problem (+N more)".
fn refused(file: &Path, first: &str, more: usize) -> String {
    let more = if more > 0 {
        format!(" (+{more} more; vitals config check {})", file.display())
    } else {
        String::new()
    };
    format!("reload failed, running configuration kept: {first}{more}")
}

impl Reloader {
    /// Loads the file; on success applies the targets and returns the
    /// engine's part, else a one-line reason and nothing changes.
    pub fn reload(&mut self) -> Result<Reconfig, String> {
        let s = load_settings(Some(&self.file), &self.flags).map_err(|e| {
            let first = e.0.first().map(ToString::to_string).unwrap_or_default();
            refused(&self.file, &first, e.0.len().saturating_sub(1))
        })?;
        check_file_sd(&s.file_sd).map_err(|e| refused(&self.file, &e, 0))?;
        let file_rules =
            load_rule_files(&self.rule_files).map_err(|e| refused(&self.file, &e, 0))?;
        if s.targets != self.current.targets || s.file_sd != self.current.file_sd {
            self.feed.replace(s.targets.clone(), s.file_sd.clone());
        }
        let c = &self.current;
        let restart: Vec<&str> = [
            (
                "interval",
                c.interval != s.interval || c.timeout != s.timeout,
            ),
            ("alert_log", c.alert_log != s.alert_log),
            (
                "record",
                c.record != s.record || c.record_max != s.record_max,
            ),
            ("bell", c.bell != s.bell),
            ("prometheus", c.prometheus != s.prometheus),
            ("alertmanager", c.alertmanager != s.alertmanager),
            ("webhook", c.webhook != s.webhook),
        ]
        .into_iter()
        .filter_map(|(k, changed)| changed.then_some(k))
        .collect();
        let mut message = format!(
            "config reloaded: {} targets, {} file_sd, {} panels, {} rules",
            s.targets.len(),
            s.file_sd.len(),
            s.panels.len(),
            s.rules.len()
        );
        if !restart.is_empty() {
            message.push_str(&format!("; {} apply at the next start", restart.join(", ")));
        }
        let mut r = reconfig(&s, file_rules, message);
        r.theme = (s.theme != c.theme).then(|| s.theme.clone());
        r.retention = (s.retention != c.retention).then_some(s.retention);
        r.max_series = (s.max_series != c.max_series).then_some(s.max_series);
        self.current = s;
        Ok(r)
    }

    /// Answers reload requests until either channel closes.
    pub async fn run(
        mut self,
        mut requests: mpsc::Receiver<()>,
        results: mpsc::Sender<Result<Reconfig, String>>,
    ) {
        while requests.recv().await.is_some() {
            let r = self.reload();
            match &r {
                Ok(c) => tracing::info!(file = %self.file.display(), "{}", c.message),
                Err(e) => tracing::warn!(file = %self.file.display(), "{e}"),
            }
            if results.send(r).await.is_err() {
                break;
            }
        }
    }
}
