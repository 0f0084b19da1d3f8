//! Command-line settings of scraping: the series budget and the scrape
//! options taken from the merged settings.

use crate::config::Settings;
use crate::scrape::ScrapeOptions;
use anyhow::{bail, Result};
use clap::Args;
use std::time::Duration;

/// Bounds on what the targets may make vitals hold.
#[derive(Args, Debug, Clone)]
pub(super) struct Budget {
    /// Most series held in memory, scraped or still in retention; new series beyond it are refused and their target says so (0: no limit) [default: 75000].
    #[arg(long = "max-series", value_name = "N")]
    pub max_series: Option<usize>,
}

/// The scrape options of `s`, checked.
pub(super) fn scrape_options(s: &Settings) -> Result<ScrapeOptions> {
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
