//! The immutable picture the engine publishes each tick: everything the
//! screen and `snapshot` show. Rendering reads a `Frame` and nothing else.

pub use crate::vocab::alert::{AlertState, Severity};
use crate::vocab::labels::Labels;
use std::time::Duration;

/// Where the numbers come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SourceKind {
    /// Scraped directly and evaluated locally.
    #[default]
    Scrape,
    /// Queried from a Prometheus-compatible server.
    Prometheus,
    /// Played back from a recording (`vitals replay`, `--from`).
    Replay,
}

impl SourceKind {
    /// The name used in JSON and on screen.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Scrape => "scrape",
            SourceKind::Replay => "replay",
            SourceKind::Prometheus => "prometheus",
        }
    }
}

/// One complete picture of the dashboard at one evaluation instant.
#[derive(Clone, Debug, Default)]
pub struct Frame {
    /// Increases by one with every published frame.
    pub seq: u64,
    /// The evaluation instant, milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// Where the data comes from.
    pub source: SourceKind,
    /// Scrape (or refresh) interval.
    pub interval: Duration,
    /// Every scrape target, in a stable order.
    pub targets: Vec<TargetStatus>,
    /// Panels in display order.
    pub panels: Vec<Panel>,
    /// Every alert instance known this run (firing first).
    pub alerts: Vec<Alert>,
    /// The pending and firing alerts grouped (`[alerts] group_by`), in
    /// display order: firing groups first, then by severity, then the
    /// earliest to start firing (causes fire before their symptoms).
    pub alert_groups: Vec<AlertGroup>,
    /// Every alerting rule the engine evaluates (detected, configured and
    /// from rule files), as (`alertname`, severity), in evaluation order:
    /// what `check --format tap|junit` reports one test case for.
    pub rules: Vec<(String, Severity)>,
    /// One row per instance for the instance table.
    pub instances: Vec<InstanceRow>,
    /// Where diagnostics are logged (shown in help).
    pub log_path: Option<String>,
    /// Where alert transitions are logged.
    pub alert_log_path: Option<String>,
    /// A problem with the dashboard itself (bad reload, sink failure, ...).
    pub notice: Option<String>,
    /// The last failure to open or write the alert log, kept once it
    /// happened (a command that exits reports it on stderr).
    pub alert_log_error: Option<String>,
    /// Each file_sd file that cannot be read or parsed now (path, error);
    /// it keeps the targets it last gave.
    pub file_sd: Vec<(String, String)>,
    /// The instance every panel is pinned to (`Command::Pin`), if any.
    pub pinned: Option<String>,
    /// Metric names and their label names, for completion; the same `Arc`
    /// from frame to frame until the catalog changes.
    pub catalog: std::sync::Arc<crate::vocab::catalog::Catalog>,
    /// Counts, since start, the critical alerts that began firing while
    /// neither acknowledged nor muted; the screen rings the terminal bell
    /// (`--bell`) once for each increase.
    pub bell: u64,
    /// The latest alert transitions of this run, oldest first (bounded).
    pub alert_history: Vec<crate::vocab::alert::Transition>,
    /// The notes (`:note`), in time order (the newest 10,000); the same
    /// `Arc` from frame to frame until a note is added.
    pub notes: std::sync::Arc<Vec<crate::vocab::Note>>,
    /// The alerts `--alertmanager` holds that are not this process's own
    /// (`GET /api/v2/alerts`, polled apart from the engine).
    pub alertmanager_alerts: Vec<HeldAlert>,
    /// The server answering the queries (`--prometheus`), if any.
    pub server: Option<ServerStatus>,
    /// The theme a configuration reload asked for, numbered so that the
    /// screen applies each request once (`:theme` may change it since).
    pub theme: Option<(u64, String)>,
    /// In `vitals replay`: where the playback is.
    pub replay: Option<ReplayStatus>,
}

/// A replay's position and controls, for the status line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReplayStatus {
    /// The recording (its folder or file).
    pub path: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub playing: bool,
    /// Playback speed, 1x to 60x.
    pub speed: u32,
    /// Alert transitions and notes of the whole recording, in time order
    /// (what `n`/`N` jump between).
    pub marks: Vec<i64>,
    /// The last seek's problem, or a torn tail skipped.
    pub message: Option<String>,
}

/// What the replay's keys ask.
#[derive(Clone, Debug, PartialEq)]
pub enum ReplayCommand {
    /// `p` / Space.
    TogglePlay,
    /// `>` / `<`.
    Faster,
    Slower,
    /// `]` / `[`: this many ms forward (negative: back).
    Seek(i64),
    /// `0`.
    ToEnd,
    /// `g`: an instant as `--at` takes it; `utc`: clock times are UTC.
    GoTo {
        spec: String,
        utc: bool,
    },
    /// `n` / `N`.
    NextMark,
    PrevMark,
}

/// An alert that Alertmanager holds (`GET /api/v2/alerts`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HeldAlert {
    /// `alertname`.
    pub name: String,
    pub labels: Labels,
    pub severity: Severity,
    /// `startsAt` (ms since epoch).
    pub starts_at_ms: Option<i64>,
    /// `status.state`: `active`, `suppressed` or `unprocessed`.
    pub state: String,
    /// Ids of the silences suppressing it.
    pub silenced_by: Vec<String>,
    /// The `summary` annotation.
    pub summary: String,
    pub generator_url: String,
}

/// A value column of the instance table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableColumn {
    Cpu,
    P99,
    Errors,
}

/// The instance table sorted by a value column: the busiest first
/// (`worst_first`) or the least busy, with `rows` rows down to the
/// deepest one in sight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableRank {
    pub column: TableColumn,
    pub worst_first: bool,
    pub rows: usize,
}

/// The Prometheus-compatible server behind the dashboard (`--prometheus`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServerStatus {
    /// Base URL, without credentials.
    pub url: String,
    /// From `/api/v1/status/buildinfo`, when the server has it.
    pub version: Option<String>,
    /// Why the last refresh failed; the data shown is then stale.
    pub error: Option<String>,
    /// When the data shown was evaluated (ms since epoch).
    pub data_ms: Option<i64>,
    /// Partial-response and other warnings of the last refresh.
    pub warnings: Vec<String>,
    /// How far apart the charts' points are (the range queries' step):
    /// consecutive points this far apart are one line, not a gap.
    pub chart_step: Option<std::time::Duration>,
}

/// The health of one scrape target.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TargetStatus {
    pub url: String,
    pub job: String,
    pub instance: String,
    pub up: bool,
    /// Duration of the last scrape, seconds.
    pub scrape_duration_seconds: f64,
    /// Samples on the last good page.
    pub samples: u64,
    /// Lines of the last page that could not be parsed.
    pub invalid_lines: u64,
    /// Why the target is down, or the first invalid line of the page.
    pub error: Option<String>,
    /// When the last scrape finished (ms since epoch); `None` before the first.
    pub last_scrape_ms: Option<i64>,
    /// The server's TLS certificate is not checked (`insecure_skip_verify`):
    /// the screen warns.
    pub insecure_skip_verify: bool,
}

/// What a panel's numbers measure; decides formatting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Unit {
    /// Seconds (latency): shown as µs/ms/s.
    Seconds,
    /// A fraction 0..1 shown as a percentage (error ratio, CPU busy, fill).
    Ratio,
    /// Events per second.
    PerSecond,
    /// A plain count (instances).
    Count,
    /// Bytes: shown as KiB/MiB/GiB.
    Bytes,
    /// CPU cores (when no core count is known).
    Cores,
    /// No unit known.
    #[default]
    None,
}

impl Unit {
    /// The name used in JSON and config.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Seconds => "seconds",
            Unit::Ratio => "ratio",
            Unit::PerSecond => "per_second",
            Unit::Count => "count",
            Unit::Bytes => "bytes",
            Unit::Cores => "cores",
            Unit::None => "none",
        }
    }
}

/// How a panel is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PanelKind {
    #[default]
    Graph,
    Stat,
    Table,
    Histogram,
}

/// A value's state against its thresholds, or the worst of a panel's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Level {
    /// No data or no thresholds.
    #[default]
    Unknown,
    Ok,
    Warn,
    Crit,
}

/// Whether `v` is past the threshold `t`: strictly above it (strictly
/// below it when `below`), exactly when the threshold's alert rule
/// `expr > t` (`expr < t`) fires. NaN never is.
pub fn crosses(v: f64, t: f64, below: bool) -> bool {
    if below {
        v < t
    } else {
        v > t
    }
}

/// The warn and crit thresholds the values of one expression are judged
/// against (none: its values are not judged).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Thresholds {
    pub warn: Option<f64>,
    pub crit: Option<f64>,
    /// Crossed downwards (a panel's `below = true`).
    pub below: bool,
}

impl Thresholds {
    /// The level of `v`, by the one rule the engine and the screen share:
    /// `Crit` past crit, else `Warn` past warn (see [`crosses`]), else
    /// `Ok`; `Unknown` without thresholds or for NaN.
    pub fn judge(&self, v: f64) -> Level {
        if v.is_nan() || (self.warn.is_none() && self.crit.is_none()) {
            return Level::Unknown;
        }
        let past = |t: Option<f64>| t.is_some_and(|t| crosses(v, t, self.below));
        if past(self.crit) {
            Level::Crit
        } else if past(self.warn) {
            Level::Warn
        } else {
            Level::Ok
        }
    }
}

/// One panel: its expressions, current values and chart history.
#[derive(Clone, Debug, Default)]
pub struct Panel {
    /// Stable id (`latency`, `traffic`, ... or `expr1`, ...).
    pub id: String,
    pub title: String,
    /// The expressions exactly as evaluated or sent (rate window expanded).
    pub exprs: Vec<String>,
    pub unit: Unit,
    pub kind: PanelKind,
    /// Some data is younger than the longest range in the expressions.
    pub warming_up: bool,
    pub series: Vec<Series>,
    /// Why the panel cannot be computed (then `series` is empty).
    pub error: Option<String>,
    pub warn: Option<f64>,
    pub crit: Option<f64>,
    /// A reference line such as a `max_instances` gauge.
    pub limit: Option<f64>,
    /// The reference line's history, oldest first (ms since epoch, value):
    /// the limit as it was at each instant, drawn as such.
    pub limit_points: Vec<(i64, f64)>,
    /// The highest finite `le` bound of the histogram its quantiles read
    /// (`histogram_quantile` over a local store): a quantile equal to it
    /// lies in the `+Inf` bucket and means "at least this much".
    pub top_bucket: Option<f64>,
    /// The engine's verdict on the panel: the worst level of its series.
    pub level: Level,
}

/// One series of a panel.
#[derive(Clone, Debug, Default)]
pub struct Series {
    /// The full label set of the series.
    pub labels: Labels,
    /// A short name for legends (`p99`, `127.0.0.1:9100`, ...).
    pub legend: String,
    /// The value at the frame's evaluation instant, if the series has one.
    pub value: Option<f64>,
    /// The engine's verdict on `value` against `thresholds`.
    pub level: Level,
    /// The thresholds of the series' expression: another value of the
    /// series (a point of its history) is judged by them with
    /// [`Thresholds::judge`].
    pub thresholds: Thresholds,
    /// Chart history, oldest first: (ms since epoch, value).
    pub points: Vec<(i64, f64)>,
}

/// One alert instance (one rule, one label set).
#[derive(Clone, Debug, Default)]
pub struct Alert {
    /// Rule name (`alertname`).
    pub name: String,
    pub state: AlertState,
    /// A target whose series the rule read cannot be scraped: the state is
    /// held, not resolved, until it is back.
    pub stale: bool,
    pub severity: Severity,
    /// The instance's labels (rule labels and series labels).
    pub labels: Labels,
    pub value: Option<f64>,
    pub threshold: Option<f64>,
    /// When it became pending (ms since epoch).
    pub active_since_ms: Option<i64>,
    /// When it fired (ms since epoch).
    pub fired_at_ms: Option<i64>,
    /// When it resolved (ms since epoch).
    pub resolved_at_ms: Option<i64>,
    /// Time left before a pending alert fires.
    pub pending_remaining: Option<Duration>,
    pub summary: String,
    /// The panel whose threshold created the rule, if any.
    pub panel: Option<String>,
    pub acknowledged: bool,
    /// Muted until (ms since epoch).
    pub muted_until_ms: Option<i64>,
    /// The Alertmanager silence behind the mute (`--alertmanager`).
    pub silence_id: Option<String>,
    /// An `inhibit_rules` entry holds it back (a firing critical of the
    /// same alert, by default): still listed and logged, never notified.
    pub inhibited: bool,
    /// What its value measures, when its rule's expression says (else its
    /// panel's unit: see [`Alert::unit_in`]).
    pub unit: Option<Unit>,
}

impl Alert {
    /// The unit its value is shown in: its rule's own, else its panel's.
    pub fn unit_in(&self, panels: &[Panel]) -> Unit {
        self.unit.unwrap_or_else(|| {
            self.panel
                .as_deref()
                .and_then(|id| panels.iter().find(|p| p.id == id))
                .map_or(Unit::None, |p| p.unit)
        })
    }
}

/// Alerts grouped as Alertmanager groups them (by `alertname` plus the
/// configured `group_by` labels): what the alert bar, the alerts list,
/// the text summary and `check` show one line for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlertGroup {
    /// Alertmanager's `groupKey`: `{}:{alertname="CpuHigh"}`.
    pub key: String,
    /// `alertname`.
    pub name: String,
    /// The group's labels (`alertname` and each `group_by` label present).
    pub labels: Labels,
    /// The highest severity among its alerts that are not inhibited.
    pub severity: Severity,
    /// Alerts firing (not inhibited).
    pub firing: usize,
    /// Alerts pending (not inhibited).
    pub pending: usize,
    /// Alerts, pending or firing, that an inhibit rule holds back.
    pub inhibited: usize,
    /// When its first alert still firing began firing (ms since epoch).
    pub started_ms: Option<i64>,
    /// When its first alert still active became pending.
    pub active_since_ms: Option<i64>,
    /// The worst value in the rule's bad direction, and where.
    pub worst: Option<Worst>,
    /// Its alerts, as indices into the frame's `alerts`, firing first.
    pub members: Vec<usize>,
    /// Every active alert of it that is not inhibited is acknowledged.
    pub acknowledged: bool,
    /// Every active alert of it that is not inhibited is muted or silenced.
    pub muted: bool,
}

/// The worst value of a group and the alert it belongs to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Worst {
    pub value: f64,
    /// The alert's `instance` label, if it has one.
    pub instance: Option<String>,
}

impl AlertGroup {
    /// Pending or firing alerts that are not inhibited.
    pub fn active(&self) -> usize {
        self.firing + self.pending
    }
}

/// One row of the instance table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InstanceRow {
    pub instance: String,
    pub job: String,
    pub up: bool,
    /// Busy fraction 0..1 (or cores when `cpu_is_cores`).
    pub cpu: Option<f64>,
    pub cpu_is_cores: bool,
    /// p99 latency, seconds.
    pub p99: Option<f64>,
    /// Error ratio 0..1.
    pub error_ratio: Option<f64>,
    /// The engine's verdict on `cpu`, `p99` and `error_ratio`, each against
    /// the thresholds of its panel (`cpu`, `latency`, `errors`).
    pub cpu_level: Level,
    pub p99_level: Level,
    pub error_level: Level,
    pub last_error: Option<String>,
    /// No scrape of this target has finished yet.
    pub awaiting_first_scrape: bool,
}

/// What the UI asks of the engine.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Acknowledge an alert instance (rule name and labels).
    Ack { name: String, labels: Labels },
    /// Silence an alert instance for a while.
    Mute {
        name: String,
        labels: Labels,
        duration: Duration,
    },
    /// Acknowledge every alert of a group (`a` on a group): each alert's
    /// rule name and labels.
    AckGroup { alerts: Vec<(String, Labels)> },
    /// Mute every alert of a group (`m` on a group) for a while; zero
    /// unmutes. With `--alertmanager` it is one silence: the group's
    /// `labels` plus `instance=~"…"` naming its alerts' instances.
    MuteGroup {
        labels: Labels,
        alerts: Vec<(String, Labels)>,
        duration: Duration,
    },
    /// Re-read the configuration.
    Reload,
    /// Add an ad hoc panel.
    AddExpr(String),
    /// Pin every panel to one instance (its own values, by adding an
    /// `instance` matcher to every selector); `None` goes back to the fleet.
    Pin(Option<String>),
    /// The instances the table shows now, top to bottom. Over a server
    /// their values are asked for by name, so rows past the busiest ones
    /// get values too; scraping ignores it.
    TableWindow(Vec<String>),
    /// The instance table is sorted by a value column (`None`: it is
    /// not). Over a server that column is asked for down past the deepest
    /// row in sight, so every row in sight has its value and its place;
    /// scraping ignores it.
    TableRank(Option<TableRank>),
    /// The width in cells of the widest chart on screen (two braille dots
    /// each). Over a server the charts' range step follows it; scraping
    /// ignores it.
    ChartWidth(u16),
    /// A replay's playback (ignored live).
    Replay(ReplayCommand),
    /// Add a note (`:note TEXT`) about the instant `at_ms` (the chart
    /// cursor's time, or the right edge of a window panned into the past);
    /// `None`: the engine's last evaluation instant. The engine signs it
    /// ([`crate::vocab::note_author`]).
    Note { text: String, at_ms: Option<i64> },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_threshold_is_crossed_strictly_past_it_as_its_alert_fires() {
        let up = Thresholds {
            warn: Some(0.7),
            crit: Some(0.8),
            below: false,
        };
        assert_eq!(up.judge(0.7), Level::Ok);
        assert_eq!(up.judge(0.75), Level::Warn);
        assert_eq!(up.judge(0.8), Level::Warn);
        assert_eq!(up.judge(0.81), Level::Crit);
        // `+Inf > 0.8` fires; NaN compares false and is not judged.
        assert_eq!(up.judge(f64::INFINITY), Level::Crit);
        assert_eq!(up.judge(f64::NAN), Level::Unknown);
        let down = Thresholds {
            warn: Some(3.0),
            crit: None,
            below: true,
        };
        assert_eq!(down.judge(3.0), Level::Ok);
        assert_eq!(down.judge(f64::NEG_INFINITY), Level::Warn);
        assert_eq!(Thresholds::default().judge(1.0), Level::Unknown);
    }
}
