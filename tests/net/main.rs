//! The network tests in one binary: credentials, TLS, secrets kept out of
//! every output, the alert sinks with the same settings, and the real
//! binary with credentials in target URLs.
//! (Proxies come from the environment, which that test sets for its whole
//! process, so it keeps a binary of its own: tests/net_proxy.rs.)

#[path = "../net_support/mod.rs"]
mod net_support;

mod auth;
mod e2e;
mod secrets;
mod sinks;
mod tls;
