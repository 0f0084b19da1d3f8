//! The scrape options taken from the merged settings.

use crate::config::Settings;
use crate::scrape::ScrapeOptions;
use anyhow::{bail, Result};
use std::time::Duration;

/// The scrape options of `s`, checked.
pub fn scrape_options(s: &Settings) -> Result<ScrapeOptions> {
    if s.interval < Duration::from_millis(100) {
        bail!(
            "--interval {:?} is too short: use 100ms or more",
            s.interval
        );
    }
    if s.timeout.is_zero() || s.timeout > s.interval {
        bail!("--timeout must be more than 0 and at most the interval");
    }
    Ok(ScrapeOptions {
        interval: s.interval,
        timeout: s.timeout,
        body_limit: 16 * 1024 * 1024,
    })
}
