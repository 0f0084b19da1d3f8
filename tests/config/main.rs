//! The configuration and command-line tests in one binary: the example and
//! fixture files, reloading, the snapshot command, the config file in a real
//! terminal, and the help, man page and completions.

#[path = "../common/mod.rs"]
mod common;

mod cli_docs;
mod example;
mod fixtures;
mod reload;
mod snapshot;
mod tmux;
