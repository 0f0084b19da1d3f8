//! The HTTP clients: one per distinct TLS setting, shared while any
//! endpoint uses it; proxies from the environment; the redirect policy.

use super::tls::TlsKey;
use super::AuthError;
use crate::vocab::redact::redact_urls;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};

/// Redirects followed at most.
const MAX_REDIRECTS: usize = 10;

/// Never proxied, whatever `NO_PROXY` says: a proxy cannot reach our own
/// loopback.
const LOOPBACK: &str = "localhost,127.0.0.0/8,::1";

/// Follows at most ten redirects, all within the first request's host and
/// port (or its https upgrade) and never from https down to http:
/// credentials never go to another host.
pub fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
        }
        let Some(first) = attempt.previous().first() else {
            return attempt.follow();
        };
        let to = attempt.url();
        let same_port = to.port_or_known_default() == first.port_or_known_default();
        let upgrade = first.scheme() == "http" && to.scheme() == "https";
        if to.host_str() != first.host_str() || !(same_port || upgrade) {
            let msg = format!(
                "redirect to another host refused: {}",
                redact_urls(to.as_str())
            );
            attempt.error(msg)
        } else if first.scheme() == "https" && to.scheme() != "https" {
            let msg = format!(
                "redirect from https to http refused: {}",
                redact_urls(to.as_str())
            );
            attempt.error(msg)
        } else {
            attempt.follow()
        }
    })
}

/// A client builder with what every vitals client has: rustls, gzip, the
/// user agent, the redirect policy and the environment's proxies (with
/// loopback never proxied). TLS is the built-in roots until the caller
/// sets its own.
pub fn base_builder() -> reqwest::ClientBuilder {
    let mut b = reqwest::Client::builder()
        .use_rustls_tls()
        .gzip(true)
        .no_proxy()
        .redirect(redirect_policy())
        .user_agent(concat!("vitals/", env!("CARGO_PKG_VERSION")));
    for p in env_proxies(|name| std::env::var(name).ok()) {
        b = b.proxy(p);
    }
    b
}

/// The proxies that `HTTP_PROXY`, `HTTPS_PROXY` and `ALL_PROXY` (or their
/// lower-case forms) name, each skipping `NO_PROXY` and loopback. As
/// curl does, `HTTP_PROXY` is ignored when `REQUEST_METHOD` is set (CGI).
fn env_proxies(var: impl Fn(&str) -> Option<String>) -> Vec<reqwest::Proxy> {
    let get = |names: [&str; 2]| {
        names
            .iter()
            .find_map(|n| var(n).filter(|v| !v.trim().is_empty()))
    };
    let no = get(["NO_PROXY", "no_proxy"]).unwrap_or_default();
    let bypass = reqwest::NoProxy::from_string(&format!("{no},{LOOPBACK}"));
    let cgi = var("REQUEST_METHOD").is_some();
    let mut out = Vec::new();
    let mut add = |made: reqwest::Result<reqwest::Proxy>, which: &str| match made {
        Ok(p) => out.push(p.no_proxy(bypass.clone())),
        Err(_) => tracing::warn!("{which} is not a valid proxy URL; ignored"),
    };
    if let (Some(p), false) = (get(["HTTP_PROXY", "http_proxy"]), cgi) {
        add(reqwest::Proxy::http(p.trim()), "HTTP_PROXY");
    }
    if let Some(p) = get(["HTTPS_PROXY", "https_proxy"]) {
        add(reqwest::Proxy::https(p.trim()), "HTTPS_PROXY");
    }
    if let Some(p) = get(["ALL_PROXY", "all_proxy"]) {
        add(reqwest::Proxy::all(p.trim()), "ALL_PROXY");
    }
    out
}

type Cache = Mutex<HashMap<TlsKey, Weak<reqwest::Client>>>;

/// The client for `tls`: the one already in use for equal settings, or a
/// new one.
pub(super) fn shared(tls: &TlsKey) -> Result<Arc<reqwest::Client>, AuthError> {
    static CLIENTS: OnceLock<Cache> = OnceLock::new();
    let cache = CLIENTS.get_or_init(Cache::default);
    let mut map = cache.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(c) = map.get(tls).and_then(Weak::upgrade) {
        return Ok(c);
    }
    map.retain(|_, w| w.strong_count() > 0);
    let builder = if tls.is_default() {
        base_builder()
    } else {
        base_builder().use_preconfigured_tls(tls.rustls_config()?)
    };
    let client = Arc::new(builder.build().map_err(|e| {
        let reason = redact_urls(&e.to_string());
        AuthError(format!("cannot build the HTTP client: {reason}"))
    })?);
    map.insert(tls.clone(), Arc::downgrade(&client));
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(vars: &[(&str, &str)]) -> usize {
        env_proxies(|n| {
            vars.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.to_string())
        })
        .len()
    }

    #[test]
    fn proxies_come_from_the_usual_variables() {
        assert_eq!(proxies(&[]), 0);
        assert_eq!(proxies(&[("HTTP_PROXY", "http://proxy:3128")]), 1);
        assert_eq!(
            proxies(&[
                ("http_proxy", "http://proxy:3128"),
                ("HTTPS_PROXY", "http://proxy:3128"),
                ("ALL_PROXY", "http://proxy:3129"),
            ]),
            3
        );
        // CGI: a request's Proxy header must not choose our proxy.
        assert_eq!(
            proxies(&[("HTTP_PROXY", "http://p:1"), ("REQUEST_METHOD", "GET")]),
            0
        );
        assert_eq!(proxies(&[("HTTP_PROXY", "  ")]), 0);
    }
}
