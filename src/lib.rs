//! vitals: a live terminal dashboard for the engineer on call.
//!
//! Data flows one way: `scrape` → `engine` (owns `store`, evaluates
//! `promql`, runs `alerts`) → `Frame` → `tui`. See docs/architecture.md.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod alerts;
pub mod app;
pub mod cli;
pub mod config;
pub mod demo;
pub mod detect;
pub mod engine;
pub mod frame;
#[cfg(test)]
mod layers;
pub mod net;
pub mod promapi;
pub mod promql;
pub mod record;
pub mod report;
pub mod scrape;
pub mod sinks;

pub mod store;
pub mod theme;
pub mod tui;
pub mod vocab;
