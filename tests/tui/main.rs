//! The dashboard's tests in one binary: panels, screens, themes, views and
//! windows drawn on a test backend, the bytes sent to the terminal, a fuzzed
//! event loop, and the real terminal through a pseudo-terminal.

#[path = "../common/mod.rs"]
mod common;
#[path = "../tui_fixture/mod.rs"]
mod tui_fixture;

mod bandwidth;
mod fuzz;
mod no_color_pty;
mod notes;
mod panels;
mod peak;
mod pty;
mod screen;
mod themes;
mod views;
mod window;
