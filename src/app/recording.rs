//! `--record`: the recorder started beside the pipeline, and the
//! configuration it records first (credentials redacted).

use crate::config::Settings;
use crate::engine::EngineOptions;
use crate::record::{ConfigRecord, Entry, Recorder, SourceText};
use anyhow::{bail, Result};

/// The recorder of `s.record`, with the configuration already queued;
/// None when nothing is recorded.
pub fn start(
    s: &Settings,
    rule_files: &[std::path::PathBuf],
    eopts: &EngineOptions,
    remote: bool,
) -> Result<Option<crate::record::Spawned>> {
    let Some(dir) = &s.record else {
        return Ok(None);
    };
    if remote {
        bail!(
            "--record records scrapes: recording the answers of --prometheus is not supported yet"
        );
    }
    let rec = Recorder::open(dir, s.record_max)
        .map_err(|e| anyhow::anyhow!("--record {}: {e}", dir.display()))?;
    let spawned = crate::record::spawn(rec);
    let _ = spawned
        .tx
        .try_send(Entry::Config(config_record(s, rule_files, eopts)));
    Ok(Some(spawned))
}

/// What a replay needs to evaluate as the dashboard did.
pub fn config_record(
    s: &Settings,
    rule_files: &[std::path::PathBuf],
    eopts: &EngineOptions,
) -> ConfigRecord {
    let read = |p: &std::path::Path| std::fs::read_to_string(p).ok();
    ConfigRecord {
        source: "scrape".into(),
        interval_ms: eopts.interval.as_millis() as u64,
        retention_ms: eopts.retention.as_millis() as u64,
        exprs: eopts.exprs.clone(),
        config: s.file.as_deref().and_then(|p| {
            Some(SourceText {
                path: p.display().to_string(),
                text: redact_toml(&read(p)?),
            })
        }),
        rules: rule_files
            .iter()
            .filter_map(|p| {
                Some(SourceText {
                    path: p.display().to_string(),
                    text: read(p)?,
                })
            })
            .collect(),
        max_series: eopts.max_series,
        version: env!("CARGO_PKG_VERSION").into(),
        session: crate::vocab::time::now_ms(),
    }
}

/// A config file with every secret replaced by `***`: values of keys that
/// name a secret (password, token, credentials, …), every header value,
/// and credentials in URLs.
pub fn redact_toml(text: &str) -> String {
    let Ok(mut v) = text.parse::<toml::Table>() else {
        return String::new();
    };
    fn walk(v: &mut toml::Value, secret: bool) {
        match v {
            toml::Value::String(s) => {
                *s = if secret {
                    "***".into()
                } else {
                    crate::vocab::redact::redact_urls(s)
                }
            }
            toml::Value::Array(a) => a.iter_mut().for_each(|x| walk(x, secret)),
            toml::Value::Table(t) => table(t, secret),
            _ => {}
        }
    }
    fn table(t: &mut toml::Table, secret: bool) {
        for (k, x) in t.iter_mut() {
            let s = secret
                || crate::vocab::redact::is_secret_name(k)
                || k == "headers"
                || k == "authorization";
            walk(x, s);
        }
    }
    table(&mut v, false);
    toml::to_string(&v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_are_redacted() {
        let t = super::redact_toml(
            r#"interval = "5s"
[[target]]
url = "https://user:pw@127.0.0.1:9100/metrics"
basic_auth = { username = "u", password = "hunter2" }
bearer_token = "abc"
headers = { "X-Scope-OrgID" = "tenant" }
"#,
        );
        assert!(
            !t.contains("hunter2") && !t.contains("abc") && !t.contains(":pw@"),
            "{t}"
        );
        assert!(!t.contains("tenant"), "{t}");
        assert!(t.contains("interval = \"5s\""), "{t}");
    }
}
