//! The end-to-end tests in one binary: the demo's exporters and scenarios, the
//! snapshot command against real exporters, and the real dashboard in tmux
//! and in a pseudo-terminal.

#[path = "../common/mod.rs"]
mod common;
#[path = "../demo_support/mod.rs"]
mod demo_support;
#[path = "../tmux_support/mod.rs"]
mod tmux_support;

mod bandwidth;
mod demo_http;
mod demo_scenario;
mod incident_loop;
mod record;
mod session;
mod snapshot;
mod tmux;
