//! The flags every command that runs a pipeline takes (the dashboard,
//! `demo`, `snapshot`, `check`), and the settings they make with the
//! configuration file.

use crate::config::{self, Overrides, Settings};
use crate::scrape;
use crate::vocab::duration::parse_duration;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args, Debug, Clone)]
pub struct Flags {
    /// Configuration file (TOML) [default: $XDG_CONFIG_HOME/vitals/config.toml if it exists]; flags override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Prometheus file_sd JSON file of targets, re-read when it changes (repeatable).
    #[arg(long = "file-sd", value_name = "PATH")]
    pub file_sd: Vec<PathBuf>,
    /// Ad hoc panel over a PromQL expression (repeatable; ids expr1, expr2, ...).
    #[arg(long = "expr", value_name = "PROMQL")]
    pub exprs: Vec<String>,
    /// Scrape and evaluation interval (Prometheus duration) [default: 2s].
    #[arg(long, value_name = "DUR", value_parser = parse_dur)]
    pub interval: Option<Duration>,
    /// Scrape timeout [default: 80% of the interval].
    #[arg(long, value_name = "DUR", value_parser = parse_dur)]
    pub timeout: Option<Duration>,
    /// How long samples are kept in memory [default: 1h; 15m over --prometheus, the chart window asked of the server].
    #[arg(long, value_name = "DUR", value_parser = parse_dur)]
    pub retention: Option<Duration>,
    /// Most series held in memory, scraped or still in retention; new series beyond it are refused and their target says so (0: no limit) [default: 75000].
    #[arg(long = "max-series", value_name = "N")]
    pub max_series: Option<usize>,
    /// Alert transitions log (JSONL) [default: $XDG_STATE_HOME/vitals/alerts.jsonl].
    #[arg(long = "alert-log", value_name = "PATH")]
    pub alert_log: Option<PathBuf>,
    /// Prometheus rule file (groups of alerting and recording rules; repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Alertmanager base URL: firing and resolved alerts are posted to /api/v2/alerts.
    #[arg(long, value_name = "URL")]
    pub alertmanager: Option<String>,
    /// URL receiving Alertmanager webhook (v4) JSON when an alert fires or resolves.
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,
    /// Ring the terminal bell when a critical alert starts firing (unless acknowledged or muted).
    #[arg(long)]
    pub bell: bool,
    /// Colour theme: dark, light, high-contrast, colorblind, mono [default: dark].
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// No colour at all (the NO_COLOR environment variable does the same).
    #[arg(long = "no-color")]
    pub no_color: bool,
    /// Draw without braille or box-drawing characters.
    #[arg(long)]
    pub ascii: bool,
    /// Maximum redraws per second.
    #[arg(long, value_name = "N", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=120))]
    pub fps: u32,
    /// Record every scrape, target status, alert transition and note to this folder of segments (created, mode 0700; files 0600), for `vitals replay`, `snapshot --from` and `export`.
    #[arg(long, value_name = "PATH")]
    pub record: Option<PathBuf>,
    /// Most bytes the recording keeps: the oldest five-minute segment is dropped first (e.g. 500MiB) [default: 1GiB].
    #[arg(long = "record-max", value_name = "SIZE", value_parser = crate::vocab::size::parse_size)]
    pub record_max: Option<u64>,
    /// Read from a Prometheus-compatible server (Prometheus, Thanos, Mimir, ...) instead of scraping.
    #[arg(long, value_name = "URL")]
    pub prometheus: Option<String>,
    /// Header sent with every request to --prometheus, e.g. X-Scope-OrgID=tenant (repeatable).
    #[arg(long = "header", value_name = "NAME=VALUE", value_parser = parse_header)]
    pub headers: Vec<(String, String)>,
}

impl Default for Flags {
    /// No flag given: as the command line parses an empty argument list.
    fn default() -> Flags {
        Flags {
            config: None,
            file_sd: vec![],
            exprs: vec![],
            interval: None,
            timeout: None,
            retention: None,
            max_series: None,
            alert_log: None,
            rules: vec![],
            alertmanager: None,
            webhook: None,
            bell: false,
            theme: None,
            no_color: false,
            ascii: false,
            fps: 30,
            record: None,
            record_max: None,
            prometheus: None,
            headers: vec![],
        }
    }
}

fn parse_header(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("expected NAME=VALUE, got {s:?}")),
    }
}

pub fn parse_dur(s: &str) -> Result<Duration, String> {
    parse_duration(s).map_err(|e| e.to_string())
}

/// The settings of a command: the configuration file (`--config`, else the
/// default location if present) under the command line's flags and
/// `targets`.
pub fn settings(f: &Flags, targets: &[String]) -> Result<Settings> {
    let overrides = overrides(f, targets)?;
    let file = config::apply::choose_file(f.config.as_deref());
    config::load_settings(file.as_deref(), &overrides).map_err(|e| anyhow::anyhow!("{e}"))
}

/// What the flags and `targets` override in the configuration file.
pub fn overrides(f: &Flags, targets: &[String]) -> Result<Overrides> {
    let targets = targets
        .iter()
        .map(|a| scrape::parse_target(a).map_err(|e| anyhow::anyhow!("{e}")))
        .collect::<Result<_>>()?;
    let overrides = Overrides {
        targets,
        file_sd: f.file_sd.clone(),
        interval: f.interval,
        timeout: f.timeout,
        retention: f.retention,
        theme: f.theme.clone(),
        alert_log: f.alert_log.clone(),
        alertmanager: f.alertmanager.clone(),
        webhook: f.webhook.clone(),
        max_series: f.max_series,
        record: f.record.clone(),
        record_max: f.record_max,
        remote: f.prometheus.is_some(),
    };
    Ok(overrides)
}

#[cfg(test)]
mod tests {
    use super::Flags;
    use clap::Parser;

    #[derive(Parser)]
    struct Line {
        #[command(flatten)]
        flags: Flags,
    }

    #[test]
    fn the_default_is_an_empty_command_line() {
        let parsed = Line::parse_from(["vitals"]).flags;
        assert_eq!(format!("{parsed:?}"), format!("{:?}", Flags::default()));
    }
}

/// What `check --format` writes (see [`crate::report::CheckFormat`]).
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CheckFormat {
    #[default]
    Text,
    Json,
    Tap,
    Junit,
}

impl From<CheckFormat> for crate::report::CheckFormat {
    fn from(f: CheckFormat) -> Self {
        match f {
            CheckFormat::Text => Self::Text,
            CheckFormat::Json => Self::Json,
            CheckFormat::Tap => Self::Tap,
            CheckFormat::Junit => Self::Junit,
        }
    }
}
