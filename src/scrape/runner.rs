//! The scrape loops: one task per target, spread across the interval.

use super::{scrape_body, ScrapeOptions, ScrapeResult, Target};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

/// Counters of the scrape loops, shared with whoever wants to show them.
#[derive(Debug, Default)]
pub struct ScrapeStats {
    sent: AtomicU64,
    dropped: AtomicU64,
}

impl ScrapeStats {
    /// Results handed to the channel.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Results dropped because the channel stayed full for a whole interval.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// The stable offset of `url`'s scrapes within each interval (FNV-1a of
/// the URL modulo the interval), so that targets are spread out and each
/// keeps its slot across restarts.
pub fn scrape_offset(url: &str, interval: Duration) -> Duration {
    let nanos = interval.as_nanos();
    if nanos == 0 {
        return Duration::ZERO;
    }
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in url.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    Duration::from_nanos(u64::try_from(u128::from(hash) % nanos).unwrap_or(0))
}

/// Time from `now` (since the epoch) to the next instant whose position in
/// the interval is `offset`.
fn first_delay(now: Duration, offset: Duration, interval: Duration) -> Duration {
    let n = interval.as_nanos();
    if n == 0 {
        return Duration::ZERO;
    }
    let phase = now.as_nanos() % n;
    let delay = (offset.as_nanos() % n + n - phase) % n;
    Duration::from_nanos(u64::try_from(delay).unwrap_or(0))
}

/// Runs one scrape task per target until `cancel` turns true (or its sender
/// is dropped) or the result channel closes. Each target is scraped every
/// `opts.interval` at its [`scrape_offset`]; the target list is followed
/// from `targets` (new targets start, removed ones are aborted). A result
/// that cannot be sent within one interval is dropped and counted. Pages
/// are sent unparsed ([`scrape_body`]): the engine parses them into the
/// store.
pub async fn run_scrapers(
    client: reqwest::Client,
    opts: ScrapeOptions,
    targets: watch::Receiver<Vec<Target>>,
    tx: mpsc::Sender<ScrapeResult>,
    cancel: watch::Receiver<bool>,
) {
    let stats = Arc::new(ScrapeStats::default());
    run_scrapers_with_stats(client, opts, targets, tx, cancel, stats).await;
}

/// [`run_scrapers`], counting sent and dropped results in `stats`.
pub async fn run_scrapers_with_stats(
    client: reqwest::Client,
    opts: ScrapeOptions,
    mut targets: watch::Receiver<Vec<Target>>,
    tx: mpsc::Sender<ScrapeResult>,
    mut cancel: watch::Receiver<bool>,
    stats: Arc<ScrapeStats>,
) {
    let mut tasks: HashMap<Target, JoinHandle<()>> = HashMap::new();
    let mut targets_open = true;
    loop {
        if *cancel.borrow_and_update() {
            break;
        }
        let wanted: HashSet<Target> = targets
            .borrow_and_update()
            .iter()
            .filter(|t| t.refused.is_none())
            .cloned()
            .collect();
        tasks.retain(|t, task| {
            let keep = wanted.contains(t);
            if !keep {
                tracing::debug!(url = %t.url, "target removed");
                task.abort();
            }
            keep
        });
        for t in wanted {
            if let std::collections::hash_map::Entry::Vacant(slot) = tasks.entry(t) {
                let t = Arc::new(slot.key().clone());
                tracing::debug!(url = %t.url, "target added");
                slot.insert(tokio::spawn(target_loop(
                    client.clone(),
                    t,
                    opts,
                    tx.clone(),
                    stats.clone(),
                )));
            }
        }
        tokio::select! {
            changed = targets.changed(), if targets_open => targets_open = changed.is_ok(),
            changed = cancel.changed() => if changed.is_err() { break },
            _ = tx.closed() => break,
        }
    }
    for task in tasks.values() {
        task.abort();
    }
    for (_, task) in tasks {
        let _ = task.await;
    }
}

async fn target_loop(
    client: reqwest::Client,
    target: Arc<Target>,
    opts: ScrapeOptions,
    tx: mpsc::Sender<ScrapeResult>,
    stats: Arc<ScrapeStats>,
) {
    let opts = target_options(&target, opts);
    let interval = opts.interval.max(Duration::from_millis(1));
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let delay = first_delay(now, scrape_offset(&target.url, interval), interval);
    let base = Instant::now();
    let mut ticker = tokio::time::interval_at(base + delay, interval);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut grid = Grid::new(interval);
    loop {
        let tick = ticker.tick().await;
        let mut result = scrape_body(&client, target.clone(), &opts).await;
        result.time_ms = grid.align(result.time_ms, (tick - base).as_millis() as i64);
        match tokio::time::timeout(interval, tx.send(result)).await {
            Ok(Ok(())) => {
                stats.sent.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Err(_)) => return,
            Err(_) => {
                let n = stats.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                tracing::warn!(url = %target.url, dropped = n, "result channel full; scrape result dropped");
            }
        }
    }
}

/// Scrape timestamps on the ticker's grid, as Prometheus aligns them:
/// a scrape that starts within the tolerance of its tick is stamped with
/// the tick's time, so that the times of a series step by exactly the
/// interval and its chunks spend one bit on each (a stamp a millisecond off
/// takes nine). The grid follows the wall clock: a scrape further off
/// (a late tick, a clock step) is stamped as it started and moves the grid.
#[derive(Debug, Clone, Copy)]
pub struct Grid {
    /// Wall-clock ms of the ticker's base instant.
    offset_ms: Option<i64>,
    tolerance_ms: i64,
}

impl Grid {
    /// A grid for ticks `interval` apart: the tolerance is 10 ms, or a
    /// hundredth of a shorter interval.
    pub fn new(interval: Duration) -> Grid {
        Grid {
            offset_ms: None,
            tolerance_ms: (interval.as_millis() as i64 / 100).min(10),
        }
    }

    /// The timestamp of a scrape that started at wall-clock `started_ms`
    /// for the tick `tick_ms` after the ticker's base instant.
    pub fn align(&mut self, started_ms: i64, tick_ms: i64) -> i64 {
        if let Some(offset) = self.offset_ms {
            let on_grid = offset.saturating_add(tick_ms);
            if (started_ms - on_grid).abs() <= self.tolerance_ms {
                return on_grid;
            }
        }
        self.offset_ms = Some(started_ms - tick_ms);
        started_ms
    }
}

/// The options of one target: its own interval and timeout when it has
/// them (the timeout defaulting to 80 % of its own interval), else `opts`.
pub fn target_options(target: &Target, opts: ScrapeOptions) -> ScrapeOptions {
    let interval = target.interval.unwrap_or(opts.interval);
    let timeout = match (target.timeout, target.interval) {
        (Some(t), _) => t,
        (None, Some(i)) => i.mul_f64(0.8),
        (None, None) => opts.timeout,
    };
    ScrapeOptions {
        interval,
        timeout: timeout.min(interval),
        ..opts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrape_times_snap_to_the_grid_within_the_tolerance() {
        let mut g = Grid::new(Duration::from_secs(2));
        assert_eq!(
            g.align(1_000_003, 0),
            1_000_003,
            "the first scrape sets the grid"
        );
        assert_eq!(g.align(1_002_005, 2000), 1_002_003);
        assert_eq!(g.align(1_003_998, 4000), 1_004_003);
        // Late by more than 10 ms: stamped as it started, and the grid moves.
        assert_eq!(g.align(1_006_030, 6000), 1_006_030);
        assert_eq!(g.align(1_008_031, 8000), 1_008_030);
        // A clock step.
        assert_eq!(g.align(5_000_000, 10_000), 5_000_000);
        assert_eq!(g.align(5_002_000, 12_000), 5_002_000);
        let mut fast = Grid::new(Duration::from_millis(200));
        fast.align(0, 0);
        assert_eq!(
            fast.align(203, 200),
            203,
            "3 ms is past a 200 ms interval's tolerance"
        );
    }

    #[test]
    fn a_target_may_have_its_own_interval_and_timeout() {
        let opts = ScrapeOptions::with_interval(Duration::from_secs(2));
        let mut t = Target::default();
        assert_eq!(target_options(&t, opts), opts);
        t.interval = Some(Duration::from_secs(10));
        let o = target_options(&t, opts);
        assert_eq!(
            (o.interval, o.timeout),
            (Duration::from_secs(10), Duration::from_secs(8))
        );
        t.timeout = Some(Duration::from_secs(3));
        assert_eq!(target_options(&t, opts).timeout, Duration::from_secs(3));
        t.interval = None;
        t.timeout = Some(Duration::from_secs(5));
        assert_eq!(target_options(&t, opts).timeout, Duration::from_secs(2));
    }

    #[test]
    fn offsets_are_stable_and_spread() {
        let i = Duration::from_secs(2);
        let a = scrape_offset("http://a:9100/metrics", i);
        assert_eq!(a, scrape_offset("http://a:9100/metrics", i));
        assert!(a < i);
        let offsets: Vec<Duration> = (0..100)
            .map(|n| scrape_offset(&format!("http://10.0.0.{n}:9100/metrics"), i))
            .collect();
        // spread: both halves of the interval are used
        assert!(offsets.iter().any(|o| *o < i / 2));
        assert!(offsets.iter().any(|o| *o >= i / 2));
        assert_eq!(scrape_offset("x", Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn first_delay_lands_on_the_offset() {
        let i = Duration::from_secs(2);
        let ms = Duration::from_millis;
        assert_eq!(first_delay(ms(10_000), ms(500), i), ms(500));
        assert_eq!(first_delay(ms(10_700), ms(500), i), ms(1_800));
        assert_eq!(first_delay(ms(10_500), ms(500), i), ms(0));
        assert_eq!(first_delay(ms(10_000), ms(0), Duration::ZERO), ms(0));
    }
}
