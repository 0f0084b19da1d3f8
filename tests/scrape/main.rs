//! The scrape tests in one binary: one scrape and the scrape loops against
//! real HTTP servers on loopback, file_sd, and the real node_exporter.

#[path = "../scrape_support/mod.rs"]
mod scrape_support;

mod http;
mod node_exporter;
mod runner;
mod sd;
