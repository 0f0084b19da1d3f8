//! The exposition parser's tests in one binary: one-behaviour cases, real and
//! live pages, the Python reference parser, round trips, and the optional
//! external suite.

#[path = "../expo_util/mod.rs"]
mod expo_util;

mod behaviour;
mod cases;
mod cases_meta;
mod external;
mod live;
mod real;
mod reference;
mod roundtrip;
