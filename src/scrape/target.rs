//! Target addresses: the command line's `host:port` and URLs, and the
//! addresses and labels of file_sd groups.

use super::Target;
use crate::vocab::labels::Labels;
use reqwest::Url;

/// The `job` of a target that names none.
pub const DEFAULT_JOB: &str = "vitals";

/// The metrics path used when an address or URL gives none.
const DEFAULT_PATH: &str = "/metrics";

/// A target string that cannot be scraped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid target {target:?}: {reason}")]
pub struct TargetError {
    /// The target as written.
    pub target: String,
    /// What is wrong with it and what is expected.
    pub reason: String,
}

impl TargetError {
    /// The target is kept with any `user:password@` replaced by `***@`.
    fn new(target: &str, reason: impl Into<String>) -> Self {
        let shown = match target.split_once("://") {
            Some(_) => crate::net::redact_urls(target),
            None => {
                let end = target.find('/').unwrap_or(target.len());
                match target[..end].rfind('@') {
                    Some(at) => format!("***@{}", &target[at + 1..]),
                    None => target.to_string(),
                }
            }
        };
        TargetError {
            target: shown,
            reason: reason.into(),
        }
    }
}

/// Parses a command-line target.
///
/// `http(s)://host:port/path` is taken as is (a URL without a path gets
/// `/metrics`); `host:port` means `http://host:port/metrics` and
/// `host:port/path` means `http://host:port/path`. The instance is
/// `host:port` (the scheme's default port when the URL has none) and the
/// job is [`DEFAULT_JOB`].
pub fn parse_target(s: &str) -> Result<Target, TargetError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(TargetError::new(
            s,
            "empty; expected host:port or http(s)://host:port/path",
        ));
    }
    let mut url = if let Some((scheme, rest)) = t.split_once("://") {
        check_scheme(t, scheme)?;
        let mut url = Url::parse(t).map_err(|e| TargetError::new(t, format!("bad URL: {e}")))?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err(TargetError::new(t, "URL has no host"));
        }
        if !rest.contains('/') {
            url.set_path(DEFAULT_PATH);
        }
        url.set_fragment(None);
        url
    } else {
        let (addr, path) = match t.find('/') {
            Some(i) => t.split_at(i),
            None => (t, DEFAULT_PATH),
        };
        address_url(t, "http", addr, path)?
    };
    let auth = if url.username().is_empty() && url.password().is_none() {
        None
    } else {
        // Credentials in the URL become basic auth and leave the URL, so
        // they are never shown or logged with it.
        let user = percent_decode(url.username());
        let pass = url.password().map(percent_decode);
        let _ = url.set_username("");
        let _ = url.set_password(None);
        let auth = crate::net::basic_from_url(&user, pass.as_deref())
            .map_err(|e| TargetError::new(t, e.0))?;
        Some(std::sync::Arc::new(auth))
    };
    Ok(Target {
        auth,
        ..from_url(&url, DEFAULT_JOB, None, Labels::new())
    })
}

/// The `user` and `password` of a target URL's `user:password@`, decoded;
/// `None` for a target without them (or that is not a URL).
pub fn url_credentials(s: &str) -> Option<(String, Option<String>)> {
    let url = Url::parse(s.trim()).ok()?;
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    Some((
        percent_decode(url.username()),
        url.password().map(percent_decode),
    ))
}

/// Undoes the percent-encoding of a URL's user or password.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |j: usize| bytes.get(j).and_then(|b| (*b as char).to_digit(16));
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Builds a target from a file_sd address (`host:port`) and the group's
/// scheme, path, query parameters and labels.
pub(super) fn from_address(
    addr: &str,
    scheme: &str,
    path: &str,
    params: &[(String, String)],
    job: &str,
    instance: Option<&str>,
    labels: Labels,
) -> Result<Target, TargetError> {
    if addr.contains("://") {
        return Err(TargetError::new(
            addr,
            "file_sd targets are host:port; set the labels __scheme__ and __metrics_path__ instead",
        ));
    }
    check_scheme(addr, scheme)?;
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    let mut url = address_url(addr, scheme, addr, &path)?;
    if !params.is_empty() {
        url.query_pairs_mut().extend_pairs(params);
    }
    Ok(from_url(&url, job, instance, labels))
}

fn check_scheme(target: &str, scheme: &str) -> Result<(), TargetError> {
    match scheme {
        "http" | "https" => Ok(()),
        other => Err(TargetError::new(
            target,
            format!("unsupported scheme {other:?}; use http or https"),
        )),
    }
}

/// `scheme://addr/path` after checking that `addr` is `host:port`.
fn address_url(target: &str, scheme: &str, addr: &str, path: &str) -> Result<Url, TargetError> {
    let expected = "expected host:port or http(s)://host:port/path";
    let Some((host, port)) = addr.rsplit_once(':') else {
        return Err(TargetError::new(
            target,
            format!("missing port; {expected}"),
        ));
    };
    let bracketed = host.starts_with('[') && host.ends_with(']');
    if host.is_empty() || (host.contains(':') && !bracketed) {
        return Err(TargetError::new(target, format!("bad host; {expected}")));
    }
    if host
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '@' | '?' | '#' | '/'))
    {
        return Err(TargetError::new(target, format!("bad host; {expected}")));
    }
    if port.parse::<u16>().map_or(true, |p| p == 0) {
        return Err(TargetError::new(
            target,
            format!("bad port {port:?}; {expected}"),
        ));
    }
    Url::parse(&format!("{scheme}://{addr}{path}"))
        .map_err(|e| TargetError::new(target, format!("bad address: {e}")))
}

/// Gives targets that would carry the same labels (same job, instance
/// and target labels) but are different URLs, e.g. `h:9100/metrics` and
/// `h:9100/other`, distinct instances: each one whose path is not
/// `/metrics` gets its path (and query) added to its instance,
/// `h:9100/other`. Targets that do not collide keep `host:port`.
pub fn distinguish_paths(targets: &mut [Target]) {
    use std::collections::HashMap;
    let mut urls: HashMap<crate::vocab::labels::Labels, Vec<usize>> = HashMap::new();
    for (i, t) in targets.iter().enumerate() {
        urls.entry(t.target_labels()).or_default().push(i);
    }
    for group in urls.into_values().filter(|g| g.len() > 1) {
        let first = &targets[group[0]].url;
        if group.iter().all(|&i| targets[i].url == *first) {
            continue;
        }
        for i in group {
            let Ok(url) = Url::parse(&targets[i].url) else {
                continue;
            };
            let mut path = url.path().to_string();
            if let Some(q) = url.query() {
                path = format!("{path}?{q}");
            }
            if path != DEFAULT_PATH {
                targets[i].instance.push_str(&path);
            }
        }
    }
}

fn from_url(url: &Url, job: &str, instance: Option<&str>, labels: Labels) -> Target {
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(80);
    Target {
        url: url.to_string(),
        job: job.to_string(),
        instance: instance.map_or_else(|| format!("{host}:{port}"), str::to_string),
        labels,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Target {
        parse_target(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn host_port_means_http_metrics() {
        let t = ok("localhost:9100");
        assert_eq!(t.url, "http://localhost:9100/metrics");
        assert_eq!(t.instance, "localhost:9100");
        assert_eq!(t.job, "vitals");
        assert!(t.labels.is_empty());
        assert_eq!(ok("10.0.0.1:80").url, "http://10.0.0.1/metrics");
        assert_eq!(ok("10.0.0.1:80").instance, "10.0.0.1:80");
        assert_eq!(ok("h:8080/custom").url, "http://h:8080/custom");
    }

    #[test]
    fn urls_are_kept() {
        let t = ok("https://example.org/probe?module=x");
        assert_eq!(t.url, "https://example.org/probe?module=x");
        assert_eq!(t.instance, "example.org:443");
        assert_eq!(ok("http://h:9100/m").url, "http://h:9100/m");
        assert_eq!(ok("http://h:9100").url, "http://h:9100/metrics");
        assert_eq!(ok("http://h:9100/").url, "http://h:9100/");
        assert_eq!(ok("http://h").instance, "h:80");
    }

    #[test]
    fn targets_differing_only_in_path_get_distinct_instances() {
        let mut ts = vec![
            ok("127.0.0.1:9100/metrics"),
            ok("127.0.0.1:9100/other"),
            ok("127.0.0.1:9200/x"),
        ];
        distinguish_paths(&mut ts);
        let inst: Vec<&str> = ts.iter().map(|t| t.instance.as_str()).collect();
        assert_eq!(
            inst,
            ["127.0.0.1:9100", "127.0.0.1:9100/other", "127.0.0.1:9200"]
        );
        // Already distinct: unchanged the second time.
        distinguish_paths(&mut ts);
        assert_eq!(ts[1].instance, "127.0.0.1:9100/other");
    }

    #[test]
    fn ipv6() {
        let t = ok("[::1]:9100");
        assert_eq!(t.url, "http://[::1]:9100/metrics");
        assert_eq!(t.instance, "[::1]:9100");
        assert_eq!(ok("http://[::1]:9100/metrics").instance, "[::1]:9100");
    }

    #[test]
    fn bad_targets_say_why() {
        for (s, want) in [
            ("", "empty"),
            ("   ", "empty"),
            ("localhost", "missing port"),
            ("localhost:", "bad port"),
            ("localhost:99999", "bad port"),
            ("localhost:0", "bad port"),
            (":9100", "bad host"),
            ("::1:9100", "bad host"),
            ("ftp://h:21/x", "unsupported scheme"),
            ("http://:9100/x", "bad URL"),
            ("user@h:9100", "bad host"),
        ] {
            let e = parse_target(s).expect_err(s).to_string();
            assert!(e.contains(want), "{s:?}: {e}");
            assert!(!e.contains('\n'));
        }
    }
}
