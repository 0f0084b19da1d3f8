//! The configuration schema: strict keys (`deny_unknown_fields`), values
//! that need a position for their errors kept `Spanned`.

pub use crate::net::{Auth, BasicAuth};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

pub use toml::Spanned;

/// The whole file. Every key is optional: the file overrides defaults,
/// flags override the file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Scrape and evaluation interval (Prometheus duration).
    pub interval: Option<Spanned<String>>,
    /// Scrape timeout (default 80 % of the interval).
    pub timeout: Option<Spanned<String>>,
    /// How long samples are kept in memory.
    pub retention: Option<Spanned<String>>,
    /// Theme name or theme file path.
    pub theme: Option<String>,
    /// Which panels: the detected defaults, the configured ones, or both.
    pub panels: Option<Spanned<PanelsMode>>,
    /// Alert transitions log.
    pub alert_log: Option<PathBuf>,
    /// Record everything to this folder of segments (`--record`).
    pub record: Option<PathBuf>,
    /// The recording's size cap (`--record-max`), e.g. "1GiB".
    pub record_max: Option<Spanned<String>>,
    /// Ring the terminal bell on new critical alerts.
    pub bell: Option<bool>,
    /// Prometheus file_sd JSON files, followed as they change: each a path,
    /// or a table with the path and its targets' credentials and settings.
    #[serde(default)]
    pub file_sd: Vec<FileSd>,
    /// Static targets.
    #[serde(default)]
    pub target: Vec<TargetConfig>,
    /// The series budget: most series held in memory (0: none).
    pub max_series: Option<u64>,
    /// Most targets one file_sd file may list (0: no limit).
    pub target_limit: Option<u64>,
    /// Most samples one scrape may bring (0: no limit).
    pub sample_limit: Option<u64>,
    /// Most labels one series may have (0: no limit).
    pub label_limit: Option<u64>,
    /// Longest label name, bytes (0: no limit).
    pub label_name_length_limit: Option<u64>,
    /// Longest label value, bytes (0: no limit).
    pub label_value_length_limit: Option<u64>,

    /// Panels.
    #[serde(default)]
    pub panel: Vec<PanelConfig>,
    /// Alerting rules.
    #[serde(default)]
    pub rule: Vec<RuleConfig>,
    /// Read from a Prometheus-compatible server instead of scraping.
    pub prometheus: Option<ServerConfig>,
    /// Push alerts to (and list alerts of) an Alertmanager.
    pub alertmanager: Option<ServerConfig>,
    /// Post Alertmanager webhook v4 JSON on transitions.
    pub webhook: Option<ServerConfig>,
    /// How alerts are grouped and inhibited (`[alerts]`).
    pub alerts: Option<AlertsConfig>,
}

/// `[alerts]`: Alertmanager's grouping and inhibition.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// Labels that split groups (`alertname` always does).
    pub group_by: Option<Spanned<Vec<String>>>,
    /// Alertmanager's `inhibit_rules`, after the default one.
    #[serde(default)]
    pub inhibit_rules: Vec<InhibitRuleConfig>,
    /// The default rule: a firing critical inhibits the warning of the
    /// same alert and labels (default true).
    pub default_inhibit: Option<bool>,
}

/// One `[[alerts.inhibit_rules]]`, as Alertmanager writes it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InhibitRuleConfig {
    #[serde(default)]
    pub source_matchers: Vec<Spanned<String>>,
    #[serde(default)]
    pub target_matchers: Vec<Spanned<String>>,
    #[serde(default)]
    pub equal: Vec<String>,
}

/// `panels = "defaults" | "custom" | "defaults+custom"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum PanelsMode {
    #[serde(rename = "defaults")]
    Defaults,
    #[serde(rename = "custom")]
    Custom,
    #[default]
    #[serde(rename = "defaults+custom")]
    DefaultsAndCustom,
}

/// One static target (`[[target]]`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    /// `http(s)://host:port/path` or `host:port`.
    pub url: Spanned<String>,
    pub job: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub interval: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    /// Most samples one scrape may bring (0: no limit).
    pub sample_limit: Option<u64>,
    /// Most labels one series may have (0: no limit).
    pub label_limit: Option<u64>,
    /// Longest label name, bytes (0: no limit).
    pub label_name_length_limit: Option<u64>,
    /// Longest label value, bytes (0: no limit).
    pub label_value_length_limit: Option<u64>,
    #[serde(flatten)]
    pub auth: Auth,
}

/// One `file_sd` entry: `"targets.json"`, or
/// `{ path = "targets.json", scheme = "https", bearer_token_file = "…" }`.
#[derive(Clone, Debug)]
pub enum FileSd {
    Path(PathBuf),
    Table(Box<FileSdConfig>),
}

impl FileSd {
    pub fn path(&self) -> &std::path::Path {
        match self {
            FileSd::Path(p) => p,
            FileSd::Table(t) => t.path.get_ref(),
        }
    }

    pub fn path_mut(&mut self) -> &mut PathBuf {
        match self {
            FileSd::Path(p) => p,
            FileSd::Table(t) => t.path.get_mut(),
        }
    }
}

/// A string is a path; a table is read strictly as [`FileSdConfig`], so
/// a misspelt key is reported by name.
impl<'de> Deserialize<'de> for FileSd {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entry;
        impl<'de> serde::de::Visitor<'de> for Entry {
            type Value = FileSd;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a file_sd path, or a table { path = \"…\", … }")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<FileSd, E> {
                Ok(FileSd::Path(PathBuf::from(v)))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<FileSd, A::Error> {
                FileSdConfig::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|t| FileSd::Table(Box::new(t)))
            }
        }
        d.deserialize_any(Entry)
    }
}

/// A file_sd file with what its targets get: the scheme and job of groups
/// that do not set `__scheme__` or `job`, interval, timeout, credentials
/// and TLS.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSdConfig {
    pub path: Spanned<PathBuf>,
    pub scheme: Option<Spanned<String>>,
    pub job: Option<String>,
    pub interval: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    /// Most targets the file may list (0: no limit).
    pub target_limit: Option<u64>,
    /// Most samples one scrape may bring (0: no limit).
    pub sample_limit: Option<u64>,
    /// Most labels one series may have (0: no limit).
    pub label_limit: Option<u64>,
    /// Longest label name, bytes (0: no limit).
    pub label_name_length_limit: Option<u64>,
    /// Longest label value, bytes (0: no limit).
    pub label_value_length_limit: Option<u64>,
    #[serde(flatten)]
    pub auth: Auth,
}

/// One panel (`[[panel]]`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanelConfig {
    pub title: Spanned<String>,
    /// One expression or a list of them.
    pub expr: Option<Spanned<OneOrMany>>,
    pub unit: Option<UnitName>,
    pub kind: Option<KindName>,
    pub warn: Option<Spanned<f64>>,
    pub crit: Option<Spanned<f64>>,
    /// Thresholds are crossed downwards (e.g. instances up).
    pub below: Option<bool>,
    /// Hysteresis for the threshold alerts: once firing, they resolve only
    /// when the value falls below this (upward thresholds only).
    pub clear_below: Option<Spanned<f64>>,
    /// Legend template per series (`{{ instance }}`).
    pub legend: Option<String>,
}

impl PanelConfig {
    /// The panel's expressions.
    pub fn exprs(&self) -> Vec<&str> {
        match self.expr.as_ref().map(|e| e.get_ref()) {
            None => vec![],
            Some(OneOrMany::One(e)) => vec![e.as_str()],
            Some(OneOrMany::Many(v)) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// A string or a list of strings.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// Panel units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitName {
    Seconds,
    Ratio,
    PerSecond,
    Count,
    Bytes,
    Cores,
    None,
}

impl From<UnitName> for crate::frame::Unit {
    fn from(u: UnitName) -> Self {
        use crate::frame::Unit;
        match u {
            UnitName::Seconds => Unit::Seconds,
            UnitName::Ratio => Unit::Ratio,
            UnitName::PerSecond => Unit::PerSecond,
            UnitName::Count => Unit::Count,
            UnitName::Bytes => Unit::Bytes,
            UnitName::Cores => Unit::Cores,
            UnitName::None => Unit::None,
        }
    }
}

/// Panel kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KindName {
    Graph,
    Stat,
    Table,
    Histogram,
}

impl From<KindName> for crate::frame::PanelKind {
    fn from(k: KindName) -> Self {
        use crate::frame::PanelKind;
        match k {
            KindName::Graph => PanelKind::Graph,
            KindName::Stat => PanelKind::Stat,
            KindName::Table => PanelKind::Table,
            KindName::Histogram => PanelKind::Histogram,
        }
    }
}

/// Alert severities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeverityName {
    Info,
    Warning,
    Critical,
}

impl From<SeverityName> for crate::frame::Severity {
    fn from(s: SeverityName) -> Self {
        use crate::frame::Severity;
        match s {
            SeverityName::Info => Severity::Info,
            SeverityName::Warning => Severity::Warning,
            SeverityName::Critical => Severity::Critical,
        }
    }
}

/// One alerting rule (`[[rule]]`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    pub name: Spanned<String>,
    pub expr: Spanned<String>,
    pub r#for: Option<Spanned<String>>,
    pub keep_firing_for: Option<Spanned<String>>,
    pub severity: Option<SeverityName>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub summary: Option<String>,
    pub runbook: Option<String>,
    /// Hysteresis: once firing, resolve only when the value falls below this.
    pub clear_below: Option<f64>,
}

/// An HTTP endpoint: `[prometheus]`, `[alertmanager]`, `[webhook]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub url: Spanned<String>,
    pub timeout: Option<Spanned<String>>,
    #[serde(flatten)]
    pub auth: Auth,
}
