//! The configuration file (TOML): schema with strict keys, validation with
//! `file:line:column` for every problem, and the merge with defaults.
//!
//! Loading never stops at the first problem: [`load`] returns every error
//! it can find, each one line naming where it is and what is expected.

pub mod apply;
mod check;
mod defs;
mod position;
mod recover;
pub mod reload;
mod schema;
#[cfg(test)]
mod tests;

pub use apply::{load_settings, Endpoint, Overrides, Settings};
pub use check::check_file;
pub use schema::*;

use crate::vocab::duration::parse_duration;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One problem in a configuration file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

/// All the problems of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// `$XDG_CONFIG_HOME/vitals/config.toml` (default `~/.config/vitals/config.toml`).
pub fn default_path() -> Option<PathBuf> {
    Some(crate::vocab::paths::config_dir()?.join("config.toml"))
}

/// Reads and validates a configuration file.
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    let text = read_text(path)?;
    parse(path, &text)
}

fn read_text(path: &Path) -> Result<String, ConfigErrors> {
    std::fs::read_to_string(path).map_err(|e| {
        ConfigErrors(vec![ConfigError {
            file: path.to_path_buf(),
            line: 1,
            column: 1,
            message: format!("cannot read the file: {e}"),
        }])
    })
}

/// Parses and validates configuration text (`path` names it in errors).
pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigErrors> {
    parse_with(path, text, |_, _| {})
}

/// Parses and validates `text`, then runs `more` on what was read (if any)
/// for checks of its own; every problem found is returned, in file order.
fn parse_with(
    path: &Path,
    text: &str,
    more: impl FnOnce(&Config, &mut Report<'_>),
) -> Result<Config, ConfigErrors> {
    let at = |span: Option<Range<usize>>, message: String| {
        let (line, column) = line_col(text, span.map_or(0, |s| s.start));
        ConfigError {
            file: path.to_path_buf(),
            line,
            column,
            message,
        }
    };
    let read = recover::read(text);
    let mut errors: Vec<ConfigError> = read
        .problems
        .into_iter()
        .map(|p| at(p.span, p.message))
        .collect();
    if let Some(config) = &read.config {
        let mut report = |span: Range<usize>, msg: String| {
            errors.push(at(Some(span), recover::renumber(&msg, &read.kept)))
        };
        validate(config, text, &mut report);
        more(config, &mut report);
    }
    match read.config {
        Some(config) if errors.is_empty() => Ok(config),
        _ => {
            errors.sort_by_key(|e| (e.line, e.column));
            Err(ConfigErrors(errors))
        }
    }
}

/// Reads and validates a configuration file for use: as [`load`], and every
/// credential and TLS file it names must also be readable and valid (a
/// missing token or CA file is a start-up error at its endpoint).
/// `config check` ([`check_file`]) reads these and the file_sd files.
pub fn load_for_use(path: &Path) -> Result<Config, ConfigErrors> {
    let text = read_text(path)?;
    parse_with(path, &text, |config, report| {
        check_credentials(path, config, report)
    })
}

/// Reads every credential and TLS file the way the scraper will (paths taken
/// from the file's directory) so a missing token file or a bad certificate is
/// reported at its endpoint, before anything starts. Messages never hold a
/// secret ([`crate::net::AuthError`]).
fn check_credentials(path: &Path, c: &Config, report: &mut Report<'_>) {
    let base = path.parent().unwrap_or(Path::new(""));
    let resolved = apply::relative_to(base, c);
    let mut check = |what: String, auth: &Auth, at: Range<usize>| {
        if *auth != Auth::default() {
            if let Err(e) = crate::net::build_http_auth(auth) {
                report(at, format!("{what}: {e}"));
            }
        }
    };
    for (i, (t, r)) in c.target.iter().zip(&resolved.target).enumerate() {
        check(format!("target[{i}]"), &apply::target_auth(r), t.url.span());
    }
    for (i, (f, r)) in c.file_sd.iter().zip(&resolved.file_sd).enumerate() {
        if let (FileSd::Table(f), FileSd::Table(r)) = (f, r) {
            check(format!("file_sd[{i}]"), &r.auth, f.path.span());
        }
    }
    let servers = [
        ("prometheus", &c.prometheus, &resolved.prometheus),
        ("alertmanager", &c.alertmanager, &resolved.alertmanager),
        ("webhook", &c.webhook, &resolved.webhook),
    ];
    for (name, s, r) in servers {
        if let (Some(s), Some(r)) = (s, r) {
            check(name.to_string(), &r.auth, s.url.span());
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

type Report<'a> = dyn FnMut(Range<usize>, String) + 'a;

fn duration(v: &Option<Spanned<String>>, what: &str, report: &mut Report<'_>) -> Option<Duration> {
    let v = v.as_ref()?;
    match parse_duration(v.get_ref()) {
        Ok(d) => Some(d),
        Err(_) => {
            report(
                v.span(),
                format!(
                    "{what}: {:?} is not a duration; expected a Prometheus duration such as 500ms, 30s, 5m or 1h30m",
                    v.get_ref()
                ),
            );
            None
        }
    }
}

/// Checks the PromQL of a value (one string, or each string of an array)
/// whose text spans `at`; a syntax error is reported at its own position.
fn promql(text: &str, exprs: &[&str], at: Range<usize>, what: &str, report: &mut Report<'_>) {
    let raw = text.get(at.clone()).unwrap_or("");
    let literals = position::string_literals(raw);
    for (k, expr) in exprs.iter().enumerate() {
        let Err(e) = crate::promql::parse(expr) else {
            continue;
        };
        let (message, offset) = position::promql_error_offset(expr, &e.message);
        let pos = match (offset, literals.get(k)) {
            (Some(o), Some(lit)) => {
                at.start + lit.start + position::offset_in_literal(&raw[lit.clone()], o)
            }
            _ => at.start,
        };
        let what = if exprs.len() > 1 {
            format!("{what}[{k}]")
        } else {
            what.to_string()
        };
        report(pos..pos, format!("{what}: {message}"));
    }
}

fn validate(c: &Config, text: &str, report: &mut Report<'_>) {
    let interval = duration(&c.interval, "interval", report);
    let timeout = duration(&c.timeout, "timeout", report);
    if let (Some(i), Some(t)) = (interval, timeout) {
        if t > i {
            if let Some(s) = &c.timeout {
                report(s.span(), "timeout: must be at most the interval".into());
            }
        }
    }
    if let (Some(s), Some(i)) = (&c.interval, interval) {
        if i < Duration::from_millis(100) {
            report(s.span(), "interval: must be 100ms or more".into());
        }
    }
    duration(&c.retention, "retention", report);
    if let Some(s) = &c.record_max {
        if let Err(e) = crate::vocab::size::parse_size(s.get_ref()) {
            report(s.span(), format!("record_max: {e}"));
        }
    }
    if let Some(m) = &c.panels {
        if *m.get_ref() == PanelsMode::Custom && c.panel.is_empty() {
            report(
                m.span(),
                "panels: \"custom\" shows only [[panel]] entries, and there is none".into(),
            );
        }
    }
    let mut urls: std::collections::BTreeMap<String, usize> = Default::default();
    for (i, t) in c.target.iter().enumerate() {
        let what = format!("target[{i}]");
        match crate::scrape::parse_target(t.url.get_ref()) {
            Err(e) => report(t.url.span(), format!("{what}.url: {e}")),
            Ok(parsed) => {
                if let Some(first) = urls.insert(parsed.url.clone(), i) {
                    report(
                        t.url.span(),
                        format!(
                            "{what}.url: {} is already target[{first}]; each URL is scraped once",
                            parsed.url
                        ),
                    );
                    urls.insert(parsed.url, first);
                }
            }
        }
        let ti = duration(&t.interval, &format!("{what}.interval"), report);
        let tt = duration(&t.timeout, &format!("{what}.timeout"), report);
        if let (Some(s), Some(i)) = (&t.interval, ti) {
            if i < std::time::Duration::from_millis(100) {
                report(s.span(), format!("{what}.interval: must be 100ms or more"));
            }
        }
        if let (Some(s), Some(tt)) = (&t.timeout, tt) {
            if tt
                > ti.or(interval)
                    .unwrap_or(crate::config::apply::DEFAULT_INTERVAL)
            {
                report(
                    s.span(),
                    format!("{what}.timeout: must be at most the target's interval"),
                );
            }
        }
        label_names(&t.labels, &what, t.url.span(), report);
        t.auth.validate(&what, t.url.span(), report);
        let a = &t.auth;
        let explicit =
            a.basic_auth.is_some() || a.bearer_token.is_some() || a.bearer_token_file.is_some();
        if explicit && crate::scrape::url_credentials(t.url.get_ref()).is_some() {
            report(
                t.url.span(),
                format!("{what}.url: has user:password@ and the target sets basic_auth or a bearer token; give the credentials in one place"),
            );
        }
    }
    for (i, f) in c.file_sd.iter().enumerate() {
        if let FileSd::Table(f) = f {
            file_sd_table(f, &format!("file_sd[{i}]"), interval, report);
        }
    }
    for (i, p) in c.panel.iter().enumerate() {
        let what = format!("panel[{i}]");
        if p.exprs().is_empty() {
            report(
                p.title.span(),
                format!("{what}: needs expr (a PromQL expression or a list of them)"),
            );
        }
        if let Some(at) = p.expr.as_ref().map(|e| e.span()) {
            promql(text, &p.exprs(), at, &format!("{what}.expr"), report);
        }
        if let (Some(w), Some(cr)) = (&p.warn, &p.crit) {
            let (w, cr) = (*w.get_ref(), *cr.get_ref());
            let below = p.below.unwrap_or(false);
            if (!below && w > cr) || (below && w < cr) {
                report(
                    p.title.span(),
                    format!("{what}: warn {w} is past crit {cr}; warn must be crossed first"),
                );
            }
        }
        if let Some(c) = &p.clear_below {
            let lowest = [&p.warn, &p.crit]
                .into_iter()
                .flatten()
                .map(|t| *t.get_ref())
                .fold(f64::INFINITY, f64::min);
            if p.below.unwrap_or(false) {
                report(
                    c.span(),
                    format!("{what}.clear_below: applies to upward thresholds only (below = true)"),
                );
            } else if *c.get_ref() > lowest {
                report(
                    c.span(),
                    format!(
                        "{what}.clear_below: {} is above the threshold {lowest}; expected a value at or below it",
                        c.get_ref()
                    ),
                );
            }
        }
    }
    for (i, r) in c.rule.iter().enumerate() {
        let what = format!("rule[{i}] {:?}", r.name.get_ref());
        if r.name.get_ref().is_empty() {
            report(r.name.span(), format!("rule[{i}].name: must not be empty"));
        }
        promql(
            text,
            &[r.expr.get_ref()],
            r.expr.span(),
            &format!("{what}.expr"),
            report,
        );
        label_names(&r.labels, &what, r.name.span(), report);
        duration(&r.r#for, &format!("{what}.for"), report);
        duration(
            &r.keep_firing_for,
            &format!("{what}.keep_firing_for"),
            report,
        );
    }
    if let Some(a) = &c.alerts {
        alerts_section(a, report);
    }
    for (name, s) in [
        ("prometheus", &c.prometheus),
        ("alertmanager", &c.alertmanager),
        ("webhook", &c.webhook),
    ] {
        if let Some(s) = s {
            let url = s.url.get_ref();
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                report(
                    s.url.span(),
                    format!(
                        "{name}.url: {:?} must start with http:// or https://",
                        crate::net::redact_urls(url)
                    ),
                );
            }
            duration(&s.timeout, &format!("{name}.timeout"), report);
            s.auth.validate(name, s.url.span(), report);
        }
    }
}

/// `[alerts]`: group_by label names and every inhibit rule's matchers.
fn alerts_section(a: &AlertsConfig, report: &mut Report<'_>) {
    if let Some(g) = &a.group_by {
        for n in g.get_ref() {
            if !is_label_name(n) && n != "alertname" {
                report(
                    g.span(),
                    format!("alerts.group_by: {n:?} is not a label name"),
                );
            }
        }
    }
    for (i, r) in a.inhibit_rules.iter().enumerate() {
        let what = format!("alerts.inhibit_rules[{i}]");
        for (side, list) in [
            ("source_matchers", &r.source_matchers),
            ("target_matchers", &r.target_matchers),
        ] {
            for m in list {
                if let Err(e) = crate::alerts::group::Matcher::parse(m.get_ref()) {
                    report(m.span(), format!("{what}.{side}: {e}"));
                }
            }
        }
        if r.target_matchers.is_empty() {
            report(
                r.source_matchers.first().map_or(0..0, |m| m.span()),
                format!("{what}: target_matchers must name what is inhibited"),
            );
        }
    }
}

fn is_label_name(name: &str) -> bool {
    let mut c = name.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        && !name.starts_with("__")
}

/// A file_sd table's scheme, interval, timeout and credentials.
fn file_sd_table(
    f: &FileSdConfig,
    what: &str,
    interval: Option<Duration>,
    report: &mut Report<'_>,
) {
    if let Some(s) = &f.scheme {
        if !matches!(s.get_ref().as_str(), "http" | "https") {
            report(
                s.span(),
                format!("{what}.scheme: {:?} is not http or https", s.get_ref()),
            );
        }
    }
    let fi = duration(&f.interval, &format!("{what}.interval"), report);
    let ft = duration(&f.timeout, &format!("{what}.timeout"), report);
    if let (Some(s), Some(i)) = (&f.interval, fi) {
        if i < Duration::from_millis(100) {
            report(s.span(), format!("{what}.interval: must be 100ms or more"));
        }
    }
    if let (Some(s), Some(t)) = (&f.timeout, ft) {
        if t > fi.or(interval).unwrap_or(apply::DEFAULT_INTERVAL) {
            report(
                s.span(),
                format!("{what}.timeout: must be at most the targets' interval"),
            );
        }
    }
    f.auth.validate(what, f.path.span(), report);
}

fn label_names(
    labels: &std::collections::BTreeMap<String, String>,
    what: &str,
    at: Range<usize>,
    report: &mut Report<'_>,
) {
    for name in labels.keys() {
        if !is_label_name(name) {
            report(
                at.clone(),
                format!("{what}.labels: {name:?} is not a label name; expected letters, digits and _ (not starting with a digit or __)"),
            );
        }
    }
}

impl Auth {
    fn validate(&self, what: &str, at: Range<usize>, report: &mut Report<'_>) {
        if self.bearer_token.is_some() && self.bearer_token_file.is_some() {
            report(
                at.clone(),
                format!("{what}: give bearer_token or bearer_token_file, not both"),
            );
        }
        if let Some(b) = &self.basic_auth {
            if b.password.is_some() && b.password_file.is_some() {
                report(
                    at.clone(),
                    format!("{what}.basic_auth: give password or password_file, not both"),
                );
            }
        }
        if self.cert_file.is_some() != self.key_file.is_some() {
            report(
                at,
                format!(
                    "{what}: cert_file and key_file go together (client certificate and its key)"
                ),
            );
        }
    }
}
