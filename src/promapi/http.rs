//! One HTTP exchange with the server: URL and credentials, headers, the
//! deadline, the body cap, and sharing of identical requests in flight.

use super::wire::{self, WireError};
use super::SourceError;
use futures_util::future::{BoxFuture, FutureExt, Shared, WeakShared};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT_ENCODING};
use reqwest::{Method, Url};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

type Fetched = Result<(u16, Arc<Vec<u8>>), SourceError>;
type InFlight = Shared<BoxFuture<'static, Fetched>>;

/// The server's base URL, split into what is sent and what is shown.
#[derive(Clone)]
pub(crate) struct Base {
    /// Without user info, trailing slash removed from the path.
    url: Url,
    basic: Option<(String, Option<String>)>,
}

impl Base {
    /// Parses `base` (`http://user:pass@h:9090/prefix`; a bare `h:9090`
    /// means http). Credentials move to basic auth and out of every message.
    pub(crate) fn parse(base: &str) -> Result<Base, SourceError> {
        let text = base.trim();
        let with_scheme = if text.contains("://") {
            text.to_string()
        } else {
            format!("http://{text}")
        };
        let mut url = Url::parse(&with_scheme)
            .map_err(|e| SourceError::Config(format!("invalid URL {}: {e}", redact_text(text))))?;
        if !matches!(url.scheme(), "http" | "https") {
            let msg = format!("URL {} must be http:// or https://", redact_text(text));
            return Err(SourceError::Config(msg));
        }
        if url.host_str().is_none_or(str::is_empty) {
            let msg = format!("URL {} has no host", redact_text(text));
            return Err(SourceError::Config(msg));
        }
        let basic = if url.username().is_empty() && url.password().is_none() {
            None
        } else {
            let user = decode(url.username());
            let pass = url.password().map(decode);
            // Infallible for http(s) URLs with a host.
            let _ = url.set_username("");
            let _ = url.set_password(None);
            Some((user, pass))
        };
        if url.query().is_some() {
            let msg = format!("URL {url} must not have a query string");
            return Err(SourceError::Config(msg));
        }
        url.set_fragment(None);
        let path = url.path().trim_end_matches('/').to_string();
        url.set_path(&path);
        Ok(Base { url, basic })
    }

    /// The URL of API path `api` (e.g. `/api/v1/query`) under the base.
    pub(crate) fn endpoint(&self, api: &str) -> Url {
        let mut url = self.url.clone();
        let path = format!("{}{api}", url.path().trim_end_matches('/'));
        url.set_path(&path);
        url
    }

    /// True when the URL carried `user:password@`.
    pub(crate) fn has_credentials(&self) -> bool {
        self.basic.is_some()
    }

    /// The base URL as shown to the user (never with credentials).
    pub(crate) fn shown(&self) -> String {
        self.url.as_str().trim_end_matches('/').to_string()
    }
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let v = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(v as u8);
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

/// `text` with anything between `://` and the last `@` of the authority
/// replaced, for messages about URLs that did not parse.
pub(crate) fn redact_text(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return match text.split_once('@') {
            Some((_, host)) => format!("***@{host}"),
            None => text.to_string(),
        };
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => text.to_string(),
    }
}

/// Builds the header map, refusing names or values HTTP cannot carry.
pub(crate) fn header_map(headers: &[(String, String)]) -> Result<HeaderMap, SourceError> {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let n = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| SourceError::Config(format!("invalid header name {name:?}")))?;
        let v = HeaderValue::from_str(value.trim())
            .map_err(|_| SourceError::Config(format!("invalid value for header {name}")))?;
        map.append(n, v);
    }
    Ok(map)
}

/// The client side of the server: sends requests, shares identical ones.
pub(crate) struct Http {
    pub(crate) base: Base,
    pub(crate) client: reqwest::Client,
    pub(crate) headers: HeaderMap,
    pub(crate) timeout: Duration,
    pub(crate) body_limit: usize,
    inflight: Mutex<HashMap<String, WeakShared<BoxFuture<'static, Fetched>>>>,
}

impl Http {
    pub(crate) fn new(
        base: Base,
        client: reqwest::Client,
        headers: HeaderMap,
        timeout: Duration,
        body_limit: usize,
    ) -> Http {
        Http {
            base,
            client,
            headers,
            timeout,
            body_limit,
            inflight: Mutex::new(HashMap::new()),
        }
    }

    /// Calls `api` with `params` (a form body for POST, the query string
    /// for GET) and opens the answer: the `data` and the warnings.
    pub(crate) async fn call(
        &self,
        method: Method,
        api: &str,
        params: Vec<(&'static str, String)>,
    ) -> Result<(serde_json::Value, Vec<String>), SourceError> {
        self.call_with(method, api, params, false, wire::open).await
    }

    /// Calls `api` with `params` and reads the answer with `parse`, which
    /// opens the envelope itself (an API error is [`WireError::Api`]).
    /// `plain` asks for the answer uncompressed (worth it for small ones:
    /// a gzip stream costs both sides more CPU than it saves there).
    pub(crate) async fn call_with<T>(
        &self,
        method: Method,
        api: &str,
        params: Vec<(&'static str, String)>,
        plain: bool,
        parse: impl FnOnce(&[u8]) -> Result<T, WireError>,
    ) -> Result<T, SourceError> {
        let url = self.base.endpoint(api);
        let shown = format!("{}{api}", self.base.shown());
        let (status, body) = self
            .fetch(method, url, shown.clone(), params, plain)
            .await?;
        let success = (200..300).contains(&status);
        match parse(&body) {
            Ok(ok) if success => Ok(ok),
            Err(WireError::Api { error_type, error }) => Err(SourceError::BadData {
                url: shown,
                error_type,
                error,
            }),
            Err(WireError::Malformed(reason)) if success => {
                Err(SourceError::Malformed { url: shown, reason })
            }
            _ => Err(SourceError::Http {
                url: shown,
                status,
                body_excerpt: wire::excerpt(&body),
            }),
        }
    }

    /// One exchange, shared with any identical request still in flight.
    async fn fetch(
        &self,
        method: Method,
        url: Url,
        shown: String,
        params: Vec<(&'static str, String)>,
        plain: bool,
    ) -> Fetched {
        let mut key = format!("{method} {url}{}", if plain { " plain" } else { "" });
        for (k, v) in &params {
            key.push_str(&format!("\n{k}={v}"));
        }
        let shared: InFlight = {
            let mut map = self.inflight.lock().unwrap_or_else(PoisonError::into_inner);
            match map.get(&key).and_then(WeakShared::upgrade) {
                Some(f) if f.peek().is_none() => f,
                _ => {
                    map.retain(|_, w| w.upgrade().is_some_and(|f| f.peek().is_none()));
                    let mut req = self.client.request(method.clone(), url);
                    req = req.headers(self.headers.clone());
                    if plain && !self.headers.contains_key(ACCEPT_ENCODING) {
                        req = req.header(ACCEPT_ENCODING, "identity");
                    }
                    if let Some((user, pass)) = &self.base.basic {
                        req = req.basic_auth(user, pass.as_ref());
                    }
                    req = if method == Method::POST {
                        req.form(&params)
                    } else {
                        req.query(&params)
                    };
                    let f = exchange(req, shown, self.timeout, self.body_limit)
                        .boxed()
                        .shared();
                    if let Some(w) = f.downgrade() {
                        map.insert(key.clone(), w);
                    }
                    f
                }
            }
        };
        let out = shared.await;
        let mut map = self.inflight.lock().unwrap_or_else(PoisonError::into_inner);
        if map
            .get(&key)
            .and_then(WeakShared::upgrade)
            .is_none_or(|f| f.peek().is_some())
        {
            map.remove(&key);
        }
        out
    }
}

/// Sends `req` and reads the body, all within `timeout`.
async fn exchange(
    req: reqwest::RequestBuilder,
    shown: String,
    timeout: Duration,
    limit: usize,
) -> Fetched {
    let run = async {
        let mut resp = req.send().await.map_err(|e| unreachable(&shown, e))?;
        let status = resp.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| unreachable(&shown, e))? {
            if body.len() + chunk.len() > limit {
                return Err(SourceError::Malformed {
                    url: shown.clone(),
                    reason: format!("answer larger than {} MiB", limit >> 20),
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, Arc::new(body)))
    };
    match tokio::time::timeout(timeout, run).await {
        Ok(r) => r,
        Err(_) => Err(SourceError::Timeout {
            url: shown,
            timeout,
        }),
    }
}

/// The innermost cause of a transport error (reqwest's own message names
/// the URL; the causes do not).
fn unreachable(shown: &str, e: reqwest::Error) -> SourceError {
    let mut innermost = None;
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        innermost = Some(c.to_string());
        cause = c.source();
    }
    SourceError::Unreachable {
        url: shown.to_string(),
        reason: innermost.unwrap_or_else(|| e.without_url().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_leave_the_url() {
        let b = Base::parse("https://us%40er:p%3Ass@h:9090/prometheus/").unwrap();
        assert_eq!(b.shown(), "https://h:9090/prometheus");
        assert_eq!(b.basic, Some(("us@er".into(), Some("p:ss".into()))));
        assert_eq!(
            b.endpoint("/api/v1/query").as_str(),
            "https://h:9090/prometheus/api/v1/query"
        );
    }

    #[test]
    fn bare_host_is_http() {
        let b = Base::parse("localhost:9090").unwrap();
        assert_eq!(b.shown(), "http://localhost:9090");
        assert_eq!(
            b.endpoint("/api/v1/query").as_str(),
            "http://localhost:9090/api/v1/query"
        );
        assert!(b.basic.is_none());
    }

    #[test]
    fn bad_urls_never_show_the_password() {
        for url in [
            "ftp://u:secret@h/",
            "http://u:secret@/x",
            "http://u:secret@h:99999",
            "http://h/?a=b",
        ] {
            let e = Base::parse(url).err().unwrap().to_string();
            assert!(!e.contains("secret"), "{e}");
            assert!(!e.contains('\n'), "{e}");
        }
        assert_eq!(redact_text("u:secret@h:1"), "***@h:1");
    }

    #[test]
    fn headers_are_checked() {
        let h = header_map(&[("X-Scope-OrgID".into(), "tenant-1".into())]).unwrap();
        assert_eq!(h["x-scope-orgid"], "tenant-1");
        assert!(header_map(&[("bad name".into(), "v".into())]).is_err());
        assert!(header_map(&[("X-A".into(), "a\nb".into())]).is_err());
    }
}
