//! The alert tests in one binary: rules and hysteresis, acknowledging, muting
//! and silences, the sinks, the bell, the alert list, and the dashboard
//! killed with alerts firing.

#[path = "../alerts_support/mod.rs"]
mod alerts_support;
#[path = "../common/mod.rs"]
mod common;
#[path = "../tui_fixture/mod.rs"]
mod tui_fixture;

mod ack;
mod bell;
mod check;
mod flapping;
mod group_mute;
mod groups;
mod hysteresis;
mod kill;
mod mute;
mod rules;
mod silences;
mod sinks;
mod ui;
