//! The tests against real Prometheus and VictoriaMetrics servers in one
//! binary: the Prometheus API source and its errors, batched queries, the
//! dashboard and an incident over a server, and rules evaluated over one.

#[path = "../remote_support/mod.rs"]
mod remote_support;
#[path = "../scrape_support/mod.rs"]
mod scrape_support;

mod batch;
mod dashboard;
mod incident;
mod rules;
mod source_errors;
mod source_prometheus;
