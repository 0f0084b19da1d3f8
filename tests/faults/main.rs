//! Fault tests in one binary: hostile targets against the limits, broken
//! sinks, broken PromQL, bad text in configs and pages, pastes into the
//! prompt. (The order of key presses under a busy engine is timed against
//! the engine's own evaluations, so it keeps a binary of its own:
//! tests/faults_order.rs.)

#[path = "../alerts_support/mod.rs"]
mod alerts_support;
#[path = "../common/mod.rs"]
mod common;
#[path = "../faults_support/mod.rs"]
mod faults_support;
#[path = "../remote_support/mod.rs"]
mod remote_support;
#[path = "../scrape_support/mod.rs"]
mod scrape_support;
#[path = "../tmux_support/mod.rs"]
mod tmux_support;
#[path = "../tui_fixture/mod.rs"]
mod tui_fixture;

mod limits;
mod paste;
mod promql;
mod sinks;
mod targets;
mod text;
