//! What an HTTP request to a secured endpoint needs: credentials turned
//! into headers, and a client for the endpoint's TLS settings.
//!
//! Scrape targets, the `--prometheus` server and the alert sinks all build
//! theirs with [`build_http_auth`] from a [`Auth`]. Token and
//! password files are read once, here, and trimmed of surrounding
//! whitespace as Prometheus does. Secrets live only inside [`HttpAuth`]
//! (as header values marked sensitive): its `Debug` and every error of this
//! module name files and header names, never a secret.
//!
//! Every client uses rustls (no OpenSSL), takes its proxy from
//! `HTTP_PROXY`/`HTTPS_PROXY`/`ALL_PROXY` with `NO_PROXY` honoured and
//! loopback never proxied, and follows redirects only within the first
//! request's host and never from https down to http, so credentials never
//! travel to another host.
//!
//! `server_name` checks the server's certificate against that name instead
//! of the URL's host; the TLS SNI sent is still the URL's host name (none
//! for an IP address).

mod auth;
mod client;
mod tls;

pub use crate::vocab::redact::redact_urls;
pub use client::{base_builder, redirect_policy};

pub use auth::{Auth, BasicAuth};
use base64::Engine as _;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION};
use std::path::Path;
use std::sync::Arc;
use tls::TlsKey;

/// A configuration of credentials or TLS that cannot be used; the message
/// names the key or file at fault and never holds a secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AuthError(pub String);

/// Credentials and TLS of one endpoint, resolved: the client to send with
/// and the headers to add to every request. Two values are equal when they
/// send the same headers with the same TLS material.
#[derive(Clone)]
pub struct HttpAuth {
    client: Arc<reqwest::Client>,
    headers: HeaderMap,
    identity: Identity,
}

/// What makes two [`HttpAuth`]s the same (secrets included, never shown).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Identity {
    tls: TlsKey,
    headers: Vec<(String, Vec<u8>)>,
    credentials: bool,
}

impl HttpAuth {
    /// The client for this endpoint's TLS settings (shared by every
    /// endpoint with the same settings).
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The headers sent with every request: `Authorization` from the
    /// credentials and the configured `headers`, values marked sensitive.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// `req` with this endpoint's headers added.
    pub fn apply(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        req.headers(self.headers.clone())
    }

    /// True when the server's certificate is not checked: shown on screen
    /// as a warning.
    pub fn insecure_skip_verify(&self) -> bool {
        self.identity.tls.insecure
    }

    /// True when a bearer token or basic auth is sent.
    pub fn has_credentials(&self) -> bool {
        self.identity.credentials
    }
}

impl PartialEq for HttpAuth {
    fn eq(&self, other: &Self) -> bool {
        self.identity == other.identity
    }
}

impl Eq for HttpAuth {}

impl std::hash::Hash for HttpAuth {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.identity.hash(state);
    }
}

impl PartialOrd for HttpAuth {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for HttpAuth {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.identity.cmp(&other.identity)
    }
}

/// Never prints a secret: header names and TLS switches only.
impl std::fmt::Debug for HttpAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpAuth")
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("tls", &self.identity.tls)
            .finish()
    }
}

/// Resolves `auth`: reads the token, password, CA, certificate and key
/// files (once), checks that the settings fit together, and builds (or
/// reuses) the client for the TLS settings. Paths are used as given.
pub fn build_http_auth(auth: &Auth) -> Result<HttpAuth, AuthError> {
    let authorization = credentials(auth)?;
    let mut headers = HeaderMap::new();
    let mut identity_headers = Vec::new();
    let credentials = authorization.is_some();
    for (name, value) in &auth.headers {
        let n = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| AuthError(format!("headers: invalid header name {name:?}")))?;
        if n == AUTHORIZATION && credentials {
            return Err(AuthError(
                "headers: Authorization cannot be set together with bearer_token or basic_auth"
                    .into(),
            ));
        }
        let mut v = HeaderValue::from_str(value.trim()).map_err(|_| {
            AuthError(format!(
                "headers: the value of {name} is not a valid header value"
            ))
        })?;
        v.set_sensitive(true);
        identity_headers.push((n.as_str().to_string(), v.as_bytes().to_vec()));
        headers.append(n, v);
    }
    if let Some(mut v) = authorization {
        v.set_sensitive(true);
        identity_headers.push(("authorization".into(), v.as_bytes().to_vec()));
        headers.insert(AUTHORIZATION, v);
    }
    identity_headers.sort();
    let tls = TlsKey::load(auth)?;
    let client = client::shared(&tls)?;
    Ok(HttpAuth {
        client,
        headers,
        identity: Identity {
            tls,
            headers: identity_headers,
            credentials,
        },
    })
}

/// Basic auth from a URL's `user:password@` (already percent-decoded).
pub fn basic_from_url(user: &str, password: Option<&str>) -> Result<HttpAuth, AuthError> {
    let auth = Auth {
        basic_auth: Some(BasicAuth {
            username: user.to_string(),
            password: Some(password.unwrap_or_default().to_string()),
            password_file: None,
        }),
        ..Auth::default()
    };
    build_http_auth(&auth)
}

/// The `Authorization` value of the bearer token or basic auth, if any.
fn credentials(auth: &Auth) -> Result<Option<HeaderValue>, AuthError> {
    let token = match (&auth.bearer_token, &auth.bearer_token_file) {
        (Some(_), Some(_)) => {
            return Err(AuthError(
                "bearer_token and bearer_token_file: set only one".into(),
            ))
        }
        (Some(t), None) => Some(t.trim().to_string()),
        (None, Some(p)) => Some(read_secret(p, "bearer_token_file")?),
        (None, None) => None,
    };
    let basic = match &auth.basic_auth {
        None => None,
        Some(b) => {
            let password = match (&b.password, &b.password_file) {
                (Some(_), Some(_)) => {
                    return Err(AuthError(
                        "basic_auth: password and password_file: set only one".into(),
                    ))
                }
                (Some(p), None) => p.clone(),
                (None, Some(p)) => read_secret(p, "basic_auth.password_file")?,
                (None, None) => String::new(),
            };
            if b.username.contains(':') {
                return Err(AuthError(
                    "basic_auth: username must not contain ':'".into(),
                ));
            }
            Some((b.username.clone(), password))
        }
    };
    let text = match (token, basic) {
        (Some(_), Some(_)) => {
            return Err(AuthError(
                "bearer_token and basic_auth: set only one kind of credentials".into(),
            ))
        }
        (Some(t), None) => {
            if t.is_empty() {
                return Err(AuthError("bearer_token is empty".into()));
            }
            format!("Bearer {t}")
        }
        (None, Some((user, pass))) => {
            let encoded =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
            format!("Basic {encoded}")
        }
        (None, None) => return Ok(None),
    };
    HeaderValue::from_str(&text)
        .map(Some)
        .map_err(|_| AuthError("the credentials hold characters HTTP headers cannot carry".into()))
}

/// Reads a token or password file, trimmed of surrounding whitespace.
fn read_secret(path: &Path, key: &str) -> Result<String, AuthError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        AuthError(format!(
            "{key}: cannot read {}: {}",
            path.display(),
            crate::vocab::text::io_reason(&e)
        ))
    })?;
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(AuthError(format!("{key}: {} is empty", path.display())));
    }
    Ok(trimmed.to_string())
}

/// The text of an HTTP client error, for a message or the log: without
/// the request's URL (the caller names the endpoint, redacted), with the
/// causes that say what went wrong (`connection refused`), and redacted in
/// case a cause quotes a URL.
pub fn error_text(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        let t = c.to_string();
        if !text.contains(&t) {
            text.push_str(": ");
            text.push_str(&t);
        }
        cause = c.source();
    }
    redact_urls(&text)
}

#[cfg(test)]
mod tests;
