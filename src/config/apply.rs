//! From a validated [`Config`] and the command line's flags to the settings
//! the commands run with. Precedence: a flag given on the command line wins
//! over the file, the file wins over the defaults. Targets are the
//! exception to key-by-key merging: TARGET arguments or `--file-sd` replace
//! the file's targets and file_sd files as a whole (pointing vitals at one
//! host shows that host, not the fleet in the file).

pub use super::defs::{compose_panels, render_legend, DEFAULT_PANEL_IDS};
use super::defs::{panels, rule};
use super::{Auth, Config, ConfigErrors, PanelsMode};
use crate::alerts::group::{Equal, Grouping, InhibitRule, Matcher};
use crate::alerts::rulefile::FileRule;
use crate::detect::PanelDef;
use crate::scrape::{LimitOverrides, ScrapeLimits, SdEntry, Target, DEFAULT_TARGET_LIMIT};
use crate::vocab::duration::parse_duration;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Default scrape and evaluation interval.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(2);
/// Default in-memory retention when scraping.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(60 * 60);
/// Default retention over `--prometheus`: the chart window asked of the
/// server, which holds the history itself.
pub const DEFAULT_REMOTE_RETENTION: Duration = Duration::from_secs(15 * 60);
/// Default theme.
pub const DEFAULT_THEME: &str = "dark";

/// The limit keys of a configuration level (the file's top level, a
/// `[[target]]`, a `file_sd` table).
macro_rules! limit_keys {
    ($c:expr) => {
        LimitOverrides {
            sample_limit: $c.sample_limit,
            label_limit: $c.label_limit,
            label_name_length_limit: $c.label_name_length_limit,
            label_value_length_limit: $c.label_value_length_limit,
        }
    };
}

/// What the command line says; `None` / empty: not given.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// TARGET arguments, already parsed.
    pub targets: Vec<Target>,
    pub file_sd: Vec<PathBuf>,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub retention: Option<Duration>,
    pub theme: Option<String>,
    pub alert_log: Option<PathBuf>,
    pub alertmanager: Option<String>,
    pub webhook: Option<String>,
    pub max_series: Option<usize>,
    /// `--record`, `--record-max`.
    pub record: Option<PathBuf>,
    pub record_max: Option<u64>,
    /// `--prometheus` was given (the default retention is then the
    /// server's chart window).
    pub remote: bool,
}

/// An HTTP endpoint (`[prometheus]`, `[alertmanager]`, `[webhook]` or the
/// flag of the same name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    pub timeout: Option<Duration>,
    /// Credentials and TLS from the file, resolved (flags carry none).
    pub auth: Option<Arc<crate::net::HttpAuth>>,
}

/// The settings a command runs with, after merging defaults, file and flags.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The configuration file in use, if any.
    pub file: Option<PathBuf>,
    /// The flags these settings were merged with (a reload merges again).
    pub flags: Overrides,
    pub interval: Duration,
    pub timeout: Duration,
    pub retention: Duration,
    pub theme: String,
    /// Static targets (TARGET arguments, or the file's `[[target]]`s).
    pub targets: Vec<Target>,
    /// file_sd files (`--file-sd`, or the file's `file_sd` with its
    /// targets' settings).
    pub file_sd: Vec<SdEntry>,
    /// Whether the targets came from the command line.
    pub targets_from_flags: bool,
    /// Show the detected default panels.
    pub detected_panels: bool,
    /// The file's panels, in file order.
    pub panels: Vec<PanelDef>,
    /// The file's `[[rule]]`s.
    pub rules: Vec<FileRule>,
    /// `None`: the default location.
    pub alert_log: Option<PathBuf>,
    pub bell: bool,
    pub prometheus: Option<Endpoint>,
    pub alertmanager: Option<Endpoint>,
    pub webhook: Option<Endpoint>,
    /// The store's series budget (0: none).
    pub max_series: usize,
    /// `[alerts]`: grouping and inhibition.
    pub grouping: Grouping,
    /// Where everything is recorded (None: not recorded), and the cap.
    pub record: Option<PathBuf>,
    pub record_max: u64,
}

/// The file to read: `--config FILE` (which must exist), else the default
/// location when a file is there.
pub fn choose_file(flag: Option<&Path>) -> Option<PathBuf> {
    match flag {
        Some(p) => Some(p.to_path_buf()),
        None => super::default_path().filter(|p| p.is_file()),
    }
}

/// Reads `file` (when given) and merges it with the flags.
pub fn load_settings(file: Option<&Path>, flags: &Overrides) -> Result<Settings, ConfigErrors> {
    let config = match file {
        Some(p) => super::load_for_use(p)?,
        None => Config::default(),
    };
    Ok(resolve(file, &config, flags))
}

pub(super) fn dur(v: &Option<super::Spanned<String>>) -> Option<Duration> {
    v.as_ref().and_then(|s| parse_duration(s.get_ref()).ok())
}

/// Merges a validated configuration with the flags. Relative paths in the
/// file (file_sd, alert_log, credential and TLS files) are taken from the
/// file's directory, as Prometheus does.
pub fn resolve(file: Option<&Path>, c: &Config, flags: &Overrides) -> Settings {
    let base = file.and_then(Path::parent).unwrap_or(Path::new(""));
    let c = &relative_to(base, c);
    let interval = flags
        .interval
        .or(dur(&c.interval))
        .unwrap_or(DEFAULT_INTERVAL);
    // The file's timeout belongs to the file's interval.
    let timeout = match (flags.timeout, flags.interval) {
        (Some(t), _) => t,
        (None, Some(i)) => i.mul_f64(0.8),
        (None, None) => dur(&c.timeout).unwrap_or(interval.mul_f64(0.8)),
    };
    let mode = c.panels.as_ref().map(|m| *m.get_ref()).unwrap_or_default();
    let targets_from_flags = !flags.targets.is_empty() || !flags.file_sd.is_empty();
    let limits = limit_keys!(c).over(ScrapeLimits::default());
    let target_limit = c.target_limit.unwrap_or(DEFAULT_TARGET_LIMIT);
    let (targets, file_sd) = if targets_from_flags {
        let targets = flags.targets.iter().cloned();
        (
            targets.map(|t| Target { limits, ..t }).collect(),
            flags
                .file_sd
                .iter()
                .map(|p| SdEntry {
                    limits,
                    target_limit,
                    ..SdEntry::file(p)
                })
                .collect(),
        )
    } else {
        (
            c.target.iter().filter_map(|t| target(t, limits)).collect(),
            c.file_sd
                .iter()
                .map(|f| sd_source(f, limits, target_limit))
                .collect(),
        )
    };
    let mut targets: Vec<Target> = targets;
    crate::scrape::distinguish_paths(&mut targets);
    let flag_endpoint = |url: &Option<String>| {
        url.as_ref().map(|u| Endpoint {
            url: u.clone(),
            timeout: None,
            auth: None,
        })
    };
    let file_endpoint = |s: &Option<super::ServerConfig>| {
        s.as_ref().map(|s| Endpoint {
            url: s.url.get_ref().clone(),
            timeout: dur(&s.timeout),
            auth: auth(&s.auth),
        })
    };
    Settings {
        file: file.map(Path::to_path_buf),
        flags: flags.clone(),
        interval,
        timeout,
        retention: flags.retention.or(dur(&c.retention)).unwrap_or(
            if flags.remote || c.prometheus.is_some() {
                DEFAULT_REMOTE_RETENTION
            } else {
                DEFAULT_RETENTION
            },
        ),
        theme: flags
            .theme
            .clone()
            .or(c.theme.clone())
            .unwrap_or_else(|| DEFAULT_THEME.to_string()),
        targets,
        file_sd,
        targets_from_flags,
        detected_panels: mode != PanelsMode::Custom,
        panels: if mode == PanelsMode::Defaults {
            vec![]
        } else {
            panels(c)
        },
        rules: c.rule.iter().map(rule).collect(),
        alert_log: flags.alert_log.clone().or(c.alert_log.clone()),
        bell: c.bell.unwrap_or(false),
        prometheus: file_endpoint(&c.prometheus),
        alertmanager: flag_endpoint(&flags.alertmanager).or(file_endpoint(&c.alertmanager)),
        webhook: flag_endpoint(&flags.webhook).or(file_endpoint(&c.webhook)),
        max_series: flags.max_series.unwrap_or_else(|| {
            c.max_series.map_or(crate::store::DEFAULT_MAX_SERIES, |n| {
                usize::try_from(n).unwrap_or(usize::MAX)
            })
        }),
        grouping: grouping(c.alerts.as_ref()),
        record: flags.record.clone().or(c.record.clone()),
        record_max: flags.record_max.unwrap_or_else(|| {
            c.record_max
                .as_ref()
                .and_then(|s| crate::vocab::size::parse_size(s.get_ref()).ok())
                .unwrap_or(crate::record::DEFAULT_MAX_BYTES)
        }),
    }
}

/// `[alerts]` as the engine applies it (matchers were checked on load).
pub fn grouping(a: Option<&super::AlertsConfig>) -> Grouping {
    let Some(a) = a else {
        return Grouping::default();
    };
    let matchers = |list: &[super::Spanned<String>]| -> Vec<Matcher> {
        list.iter()
            .filter_map(|m| Matcher::parse(m.get_ref()).ok())
            .collect()
    };
    let mut inhibit = Vec::new();
    if a.default_inhibit != Some(false) {
        inhibit.push(InhibitRule::critical_over_warning());
    }
    inhibit.extend(a.inhibit_rules.iter().map(|r| InhibitRule {
        source: matchers(&r.source_matchers),
        target: matchers(&r.target_matchers),
        equal: Equal::Labels(r.equal.clone()),
    }));
    Grouping {
        group_by: a
            .group_by
            .as_ref()
            .map(|g| {
                g.get_ref()
                    .iter()
                    .filter(|n| *n != "alertname")
                    .cloned()
                    .collect()
            })
            .unwrap_or_default(),
        inhibit,
    }
}

pub(super) fn relative_to(base: &Path, c: &Config) -> Config {
    let at = |p: &mut PathBuf| {
        if p.is_relative() && !base.as_os_str().is_empty() {
            *p = base.join(&*p);
        }
    };
    let auth = |a: &mut Auth| {
        for p in [
            &mut a.bearer_token_file,
            &mut a.ca_file,
            &mut a.cert_file,
            &mut a.key_file,
        ]
        .into_iter()
        .flatten()
        {
            at(p);
        }
        if let Some(p) = a.basic_auth.as_mut().and_then(|b| b.password_file.as_mut()) {
            at(p);
        }
    };
    let mut c = c.clone();
    for f in &mut c.file_sd {
        at(f.path_mut());
        if let super::FileSd::Table(t) = f {
            auth(&mut t.auth);
        }
    }
    c.alert_log.iter_mut().for_each(at);
    c.record.iter_mut().for_each(at);
    c.target.iter_mut().for_each(|t| auth(&mut t.auth));
    for s in [&mut c.prometheus, &mut c.alertmanager, &mut c.webhook]
        .into_iter()
        .flatten()
    {
        auth(&mut s.auth);
    }
    c
}

/// The resolved credentials and TLS settings of one endpoint. Validation
/// ([`super::load`]) has already built them once and reported any problem at
/// its place in the file; a file that changed since (a token file removed
/// between check and use) is reported here and the endpoint goes without.
fn auth(a: &Auth) -> Option<Arc<crate::net::HttpAuth>> {
    if *a == Auth::default() {
        return None;
    }
    match crate::net::build_http_auth(a) {
        Ok(h) => Some(Arc::new(h)),
        Err(e) => {
            tracing::warn!("credentials or TLS settings not applied: {e}");
            None
        }
    }
}

pub(super) fn sd_source(f: &super::FileSd, limits: ScrapeLimits, target_limit: u64) -> SdEntry {
    match f {
        super::FileSd::Path(p) => SdEntry {
            limits,
            target_limit,
            ..SdEntry::file(p)
        },
        super::FileSd::Table(t) => SdEntry {
            limits: limit_keys!(t).over(limits),
            target_limit: t.target_limit.unwrap_or(target_limit),
            path: t.path.get_ref().clone(),
            scheme: t.scheme.as_ref().map(|s| s.get_ref().clone()),
            job: t.job.clone(),
            interval: dur(&t.interval),
            timeout: dur(&t.timeout),
            auth: auth(&t.auth),
        },
    }
}

fn target(t: &super::TargetConfig, limits: ScrapeLimits) -> Option<Target> {
    let mut out = crate::scrape::parse_target(t.url.get_ref()).ok()?;
    out.limits = limit_keys!(t).over(limits);
    if let Some(job) = &t.job {
        out.job = job.clone();
    }
    for (k, v) in &t.labels {
        match k.as_str() {
            "job" => out.job = v.clone(),
            "instance" => out.instance = v.clone(),
            _ => out.labels.set(k, v),
        }
    }
    out.interval = dur(&t.interval);
    out.timeout = dur(&t.timeout);
    out.auth = auth(&target_auth(t));
    Some(out)
}

/// A target's credentials and TLS: its `user:password@` becomes basic auth
/// (validation refuses it beside `basic_auth` or a bearer token), kept
/// together with the target's TLS settings and headers.
pub(super) fn target_auth(t: &super::TargetConfig) -> Auth {
    let mut a = t.auth.clone();
    if let Some((username, password)) = crate::scrape::url_credentials(t.url.get_ref()) {
        if a.basic_auth.is_none() && a.bearer_token.is_none() && a.bearer_token_file.is_none() {
            a.basic_auth = Some(super::BasicAuth {
                username,
                password,
                password_file: None,
            });
        }
    }
    a
}
