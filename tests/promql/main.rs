//! The PromQL tests in one binary: the conformance cases (the `.test` files
//! beside this one and, when configured, Prometheus's own) and the
//! differential comparison with a real Prometheus.

#[path = "../common/mod.rs"]
mod common;

mod conformance;
mod differential;
