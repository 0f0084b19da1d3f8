//! The engine: the single owner of state. It applies scrape results to the
//! store, evaluates every panel and rule at each tick, advances the alert
//! state machines, writes the alert log and publishes one immutable
//! [`Frame`]. Time is always passed in; only [`run`] reads the clock.

pub mod acks;
mod backend;
mod ingest;
mod ingest_recorded;
mod notes;
mod outgoing;
mod panels;
mod pin;
mod recording;
mod reload;
mod remote;
mod remote_batch;
mod remote_frame;
mod remote_plan;
mod remote_route;
mod remote_rules;

mod mutes;
mod remote_table;
#[cfg(test)]
mod remote_tests;
pub mod replay;
mod rules;
pub mod run;
pub mod slow;
#[cfg(test)]
mod tests;

pub use crate::config::reload::Reconfig;
pub use notes::NOTES_KEPT;
pub use outgoing::SinkLink;
pub use remote::{TABLE_TOP_N, TOP_N};
pub use run::{run, EngineChannels, Feed, Replies};

use crate::alerts::log::{Writes, Written};
use crate::alerts::rulefile::FileRule;
use crate::detect::{Catalog, Detected, PanelDef};
use crate::frame::{Frame, TargetStatus};
use crate::scrape::Target;
use crate::store::Store;
use backend::Backend;
use panels::PanelRuntime;
use rules::RuleRuntime;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::vocab::STALE_NAN;

/// Names of the series the engine synthesises per target.
pub(crate) const SYNTHETIC: [&str; 3] = ["up", "scrape_duration_seconds", "scrape_samples_scraped"];

/// What the engine is told at start.
#[derive(Clone, Debug)]
pub struct EngineOptions {
    pub interval: Duration,
    pub retention: Duration,
    /// Ad hoc panels (`--expr`), ids `expr1`, `expr2`, ...
    pub exprs: Vec<String>,
    /// Where alert transitions are appended (None: not logged).
    pub alert_log: Option<PathBuf>,
    /// Diagnostics log path, shown in help.
    pub log_path: Option<String>,
    /// Replace every rule's `for` (e.g. 0s for `vitals check`).
    pub for_override: Option<Duration>,
    /// Rules read from `--rules` files, in file order.
    pub rules: Vec<FileRule>,
    /// Configured panels (`[[panel]]`): a panel with a detected panel's id
    /// takes its place, the others follow.
    pub panels: Vec<PanelDef>,
    /// Show the detected default panels (false: `panels = "custom"`).
    pub detected_panels: bool,
    /// The `--prometheus` server, if any: pushed alerts' `generatorURL`
    /// points at its graph page for the rule's expression.
    pub prometheus_url: Option<String>,
    /// Over a server, every instant (refreshes, the history stepped
    /// through at start, frames) is this long before now: for a store
    /// that makes samples searchable some time after they were scraped,
    /// whose answers for the last moments still change. Zero: now.
    pub query_offset: Duration,
    /// The file_sd files' current errors, shown on the status line and in
    /// the snapshot.
    pub file_sd_errors: crate::scrape::SdErrors,
    /// The store's series budget (`--max-series`; 0: none).
    pub max_series: usize,
    /// Each alert's state as the alert log last recorded it when the
    /// engine started (`crate::sinks::log::last_states`): a catch-up with
    /// a server's history does not log again what the log holds.
    pub logged_states: crate::alerts::log::LoggedStates,
    /// `[alerts]`: how alerts are grouped and inhibited.
    pub grouping: crate::alerts::group::Grouping,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            interval: Duration::from_secs(2),
            retention: Duration::from_secs(15 * 60),
            exprs: vec![],
            alert_log: None,
            log_path: None,
            for_override: None,
            rules: vec![],
            panels: vec![],
            detected_panels: true,
            prometheus_url: None,
            query_offset: Duration::ZERO,
            file_sd_errors: Default::default(),
            max_series: crate::store::DEFAULT_MAX_SERIES,
            grouping: Default::default(),
            logged_states: Default::default(),
        }
    }
}

struct TargetState {
    target: Arc<Target>,
    status: TargetStatus,
    /// Ever scraped successfully.
    seen_up: bool,
}

impl TargetState {
    /// Takes the target's new settings (its limits after a reload, the
    /// reason it is refused), keeping its status.
    fn follow(&mut self, t: &Target, store: &mut Store) {
        if *self.target != *t {
            if t.refused.is_some() {
                self.status.error = t.refused.clone();
            }
            if self.target.limits != t.limits {
                // Series texts known from before were checked against the
                // old label limits: check every line again.
                store.forget_series_texts(&t.url);
            }
            self.target = Arc::new(t.clone());
        }
    }
}

/// The single owner of the dashboard's state.
pub struct Engine {
    opts: EngineOptions,
    store: Store,
    /// Where the numbers come from: the scraped targets, or a server.
    backend: Backend,
    catalog: Catalog,
    catalog_changed: bool,
    detected: Detected,
    panels: Vec<PanelRuntime>,
    rules: Vec<RuleRuntime>,
    recording: Vec<recording::RecordingRuntime>,
    sinks: Option<outgoing::SinkState>,
    acks: acks::Acks,
    /// The last evaluation instant (commands carry no time).
    last_tick_ms: i64,
    table: panels::TableRuntime,
    /// When the first good scrape arrived (warming-up reference).
    started_ms: Option<i64>,
    /// The alert log's path, while it can be written.
    alert_log_path: Option<PathBuf>,
    /// What the tick left for the writer.
    writes: Writes,
    /// The last failure to open or write the alert log.
    alert_log_error: Option<String>,
    /// While alert states catch up with a server's history: each alert's
    /// state as the alert log last recorded it (`catch_up`).
    replay: Option<crate::alerts::log::LoggedStates>,
    seq: u64,
    notice: Option<String>,
    reload: Option<reload::ReloadState>,
    /// Every panel pinned to one instance (`Command::Pin`).
    pin: Option<pin::Pinned>,
    /// The catalog as last published (shared by frames until it changes).
    published_catalog: Arc<Catalog>,
    /// Bell count and transition history for the alerts list.
    journal: rules::Journal,
    /// Silences and the alerts Alertmanager holds (`--alertmanager`).
    alertmanager: Option<mutes::AlertmanagerState>,
    /// The theme the last reload asked for (see [`Frame::theme`]).
    theme_request: Option<(u64, String)>,
    /// The notes (`:note`), in time order.
    notes: notes::Notes,
    /// The clock `run.rs` hands in for timing evaluations (None: untimed).
    clock: Option<fn() -> i64>,
    /// The longest panel expression evaluation of the current tick.
    slowest: Option<slow::Slowest>,
    /// While recording: the transitions since the recorder last took them.
    tapped: Option<Vec<crate::vocab::alert::Transition>>,
}

impl Engine {
    /// A new engine. It reads the acks state file; it writes nothing
    /// itself: the alert log's transitions and the state file go to the
    /// run loop's writer ([`Engine::take_writes`]).
    pub fn new(opts: EngineOptions) -> Engine {
        let mut notice = None;
        let alert_log_path = opts.alert_log.clone();
        let acks = match acks::Acks::load(opts.alert_log.as_deref().map(acks::state_path)) {
            Ok(a) => a,
            Err(e) => {
                notice = Some(e);
                acks::Acks::default()
            }
        };
        let recording = recording::runtimes(&opts.rules);
        let mut store = Store::new(opts.retention.as_millis() as i64);
        store.set_max_series(opts.max_series);
        store.set_series_bytes(crate::store::series_bytes_cap(
            opts.retention.as_millis() as i64,
            opts.interval.as_millis() as i64,
        ));
        let mut e = Engine {
            store,
            opts,
            backend: Backend::Local(BTreeMap::new()),
            catalog: Catalog::new(),
            catalog_changed: true,
            detected: Detected::default(),
            panels: vec![],
            rules: vec![],
            recording,
            sinks: None,
            acks,
            last_tick_ms: 0,
            table: Default::default(),
            started_ms: None,
            alert_log_path,
            writes: Writes::default(),
            alert_log_error: None,
            replay: None,
            seq: 0,
            notice,
            reload: None,
            pin: None,
            published_catalog: Arc::default(),
            journal: Default::default(),
            alertmanager: None,
            theme_request: None,
            notes: Default::default(),
            clock: None,
            slowest: None,
            tapped: None,
        };
        e.redetect();
        e
    }

    /// Keeps every transition for [`Engine::take_tapped`] (a recording).
    pub fn tap_transitions(&mut self) {
        self.tapped.get_or_insert_with(Vec::new);
    }

    /// The transitions since the last call (empty unless tapped).
    pub fn take_tapped(&mut self) -> Vec<crate::vocab::alert::Transition> {
        self.tapped.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// The store (read-only), for tests and ad hoc queries.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The current panel definitions.
    pub fn panel_defs(&self) -> Vec<PanelDef> {
        self.panels.iter().map(|p| p.def.clone()).collect()
    }

    /// The known metric names, types and label names.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// What the last ticks and commands left to write: the alert log's
    /// transitions and notes, and the acks state file. The run loop hands
    /// them to the writer and waits before it publishes the frame.
    pub fn take_writes(&mut self) -> Writes {
        let mut w = std::mem::take(&mut self.writes);
        w.acks = self.acks.take_state();
        w
    }

    /// What became of the writes; `frame`, the one about to be published,
    /// shows a failure at once.
    pub fn written(&mut self, w: Written, frame: Option<&mut Frame>) {
        if let Some(e) = w.acks_error {
            self.notice = Some(e);
        }
        if let Some(e) = w.log_error {
            self.notice = Some(e.clone());
            self.alert_log_error = Some(e);
        }
        if let Some(f) = frame {
            if self.notice.is_some() {
                f.notice = self.notice.clone();
            }
            f.alert_log_error = self.alert_log_error.clone();
        }
    }

    /// Where the alert log is written (None: not logged).
    pub fn alert_log(&self) -> Option<&std::path::Path> {
        self.alert_log_path.as_deref()
    }

    /// The alert log could not be opened: transitions are not logged, and
    /// the reason is shown.
    pub fn alert_log_unavailable(&mut self, reason: String) {
        self.alert_log_path = None;
        self.notice = Some(reason.clone());
        self.alert_log_error = Some(reason);
    }

    /// Replaces the target list. Targets that disappear get staleness
    /// markers on all their series, as Prometheus writes them.
    pub fn set_targets(&mut self, targets: &[Target], now_ms: i64) {
        let Some(known) = self.backend.scraped_mut() else {
            return;
        };
        let wanted: BTreeMap<&str, &Target> = targets.iter().map(|t| (t.url.as_str(), t)).collect();
        // A target whose labels changed (a reload) is a new one.
        let gone: Vec<String> = known
            .iter()
            .filter(|(k, ts)| {
                wanted
                    .get(k.as_str())
                    .is_none_or(|t| t.target_labels() != ts.target.target_labels())
            })
            .map(|(k, _)| k.clone())
            .collect();
        for url in gone {
            if let Some(ts) = known.remove(&url) {
                self.store.mark_target_down(&url, now_ms);
                for name in SYNTHETIC {
                    let l = ingest::target_labels(&ts.target, name);
                    self.store.append(&l, now_ms, STALE_NAN);
                }
            }
        }
        for t in targets {
            known
                .entry(t.url.clone())
                .or_insert_with(|| TargetState {
                    status: TargetStatus {
                        url: t.url.clone(),
                        job: t.job.clone(),
                        instance: t.instance.clone(),
                        up: false,
                        error: Some(
                            t.refused
                                .clone()
                                .unwrap_or_else(|| "not scraped yet".into()),
                        ),
                        insecure_skip_verify: t
                            .auth
                            .as_ref()
                            .is_some_and(|a| a.insecure_skip_verify()),
                        // A refused target is down, not awaiting a scrape.
                        last_scrape_ms: t.refused.as_ref().map(|_| now_ms),
                        ..Default::default()
                    },
                    target: Arc::new(t.clone()),
                    seen_up: false,
                })
                .follow(t, &mut self.store);
        }
    }

    /// Evaluates everything at `now_ms` and returns the frame to publish.
    pub fn tick(&mut self, now_ms: i64) -> Frame {
        self.slowest = None;
        self.expire_reload_notice(now_ms);
        if self.store.gc(now_ms) > 0 {
            // Names whose every series aged out leave the catalog, so that
            // churning names cannot grow it without bound.
            let before = self.catalog.len();
            let store = &self.store;
            self.catalog
                .retain(|name, _| SYNTHETIC.contains(&name.as_str()) || store.has_metric(name));
            self.catalog_changed |= self.catalog.len() != before;
        }
        if self.catalog_changed {
            self.catalog_changed = false;
            self.redetect();
            self.published_catalog = Arc::new(self.catalog.clone());
        }
        self.eval_recording(now_ms);
        // Over a server the charts are its range answers.
        self.server_charts();
        let panels = self.eval_panels(now_ms);
        let panels = self.eval_pinned(now_ms).unwrap_or(panels);
        let (mut alerts, mut transitions) = self.eval_rules(now_ms);
        let mut panels = panels;
        panels::judge_by_alerts(&mut panels, &alerts);
        self.last_tick_ms = now_ms;
        self.acks.apply(&mut alerts, now_ms);
        crate::alerts::group::inhibit(&mut alerts, &self.opts.grouping.inhibit);
        crate::alerts::group::mark_inhibited(&mut transitions, &alerts);
        if self.alert_log_path.is_some() {
            let logged = match self.replay.as_mut() {
                Some(states) => crate::alerts::log::unlogged(states, &transitions),
                None => transitions.clone(),
            };
            for t in &logged {
                let key = (t.rule.clone(), t.labels.to_string());
                self.opts
                    .logged_states
                    .insert(key, t.to.as_str().to_string());
            }
            self.writes.transitions.extend(logged);
        }
        let held = self.held_alerts(&mut alerts);
        let alert_groups = crate::alerts::group::groups(&alerts, &self.opts.grouping.group_by);
        self.journal.record(&transitions, &alerts);
        if let Some(tap) = self.tapped.as_mut() {
            tap.extend(transitions.iter().cloned());
        }
        for t in &transitions {
            tracing::info!(rule = %t.rule, labels = %t.labels, from = t.from.as_str(), to = t.to.as_str(), "alert");
        }
        self.notify(now_ms, &alerts);
        // What the next refresh asks (over a server) follows this tick's
        // panels, rules and table window.
        self.update_plan();
        let targets = self.backend.target_statuses();
        let instances = self.instance_rows(now_ms, &targets);
        self.seq += 1;
        let file_sd = self.opts.file_sd_errors.current();
        Frame {
            seq: self.seq,
            time_ms: now_ms,
            source: self.backend.kind(),
            interval: self.opts.interval,
            targets,
            panels,
            alerts,
            alert_groups,
            rules: rule_names(&self.rules),
            instances,
            log_path: self.opts.log_path.clone(),
            alert_log_path: self
                .alert_log_path
                .as_ref()
                .map(|p| p.display().to_string()),
            alert_log_error: self.alert_log_error.clone(),
            notice: self
                .notice
                .clone()
                .or_else(|| self.recording.iter().find_map(|r| r.error.clone()))
                .or_else(|| self.alertmanager_error())
                .or_else(|| rules::first_error(&self.rules))
                .or_else(|| sd_notice(&file_sd)),
            file_sd,
            pinned: self.pinned().map(str::to_string),
            catalog: Arc::clone(&self.published_catalog),
            bell: self.journal.bell,
            alert_history: self.journal.history.iter().cloned().collect(),
            notes: self.notes.shared(),
            alertmanager_alerts: held,
            server: self.backend.server_status(now_ms),
            theme: self.theme_request.clone(),
            replay: None,
        }
    }

    /// Rebuilds panels and rules from the catalog, keeping chart history and
    /// alert state of everything that did not change.
    fn redetect(&mut self) {
        let detected = self.detect_defaults();
        if detected == self.detected && !self.panels.is_empty() {
            return;
        }
        let mut defs = crate::config::apply::compose_panels(
            detected.panels.clone(),
            &self.opts.panels,
            self.opts.detected_panels,
        );
        for (i, e) in self.opts.exprs.iter().enumerate() {
            defs.push(panels::adhoc_panel(i + 1, e));
        }
        self.panels = panels::rebuild(std::mem::take(&mut self.panels), defs);
        self.table = panels::TableRuntime::new(&detected.table);
        self.rules = rules::rebuild(
            std::mem::take(&mut self.rules),
            &self.panels,
            if self.opts.detected_panels {
                &detected.rules
            } else {
                &[]
            },
            &self.opts.rules,
            self.opts.for_override,
        );
        self.detected = detected;
    }
}

/// Every alerting rule evaluated, as (`alertname`, severity), each pair once.
fn rule_names(rules: &[RuleRuntime]) -> Vec<(String, crate::frame::Severity)> {
    let mut out: Vec<(String, crate::frame::Severity)> = Vec::with_capacity(rules.len());
    for r in rules {
        let pair = (r.state.spec.name.clone(), r.state.spec.severity);
        if !out.contains(&pair) {
            out.push(pair);
        }
    }
    out
}

/// The status line's word on broken file_sd files: the first one's error
/// (which names it), and how many more there are.
fn sd_notice(errors: &[(String, String)]) -> Option<String> {
    let (_, first) = errors.first()?;
    Some(match errors.len() {
        1 => format!("{first}; keeping its last targets"),
        n => format!(
            "{first}; keeping its last targets (and {} more file_sd files)",
            n - 1
        ),
    })
}
