//! The poller task over a server, as the scrapers are over targets: it
//! discovers the server's names and targets, brings alert states up to
//! date from its history, then refreshes every interval (backing off while
//! the server fails) and sends each answer to the engine as an [`Update`].
//! The engine never waits on it.

use super::{backoff, Discovery, Plan, Poller, PromClient, Refresh};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// Metric names and metadata are read again this often (new metrics, such
/// as lazily created 5xx series, change the detected panels).
pub const REDISCOVER: Duration = Duration::from_secs(60);

/// Target health is read at most this often (it is the largest answer on
/// a big fleet).
const TARGETS_EVERY: Duration = Duration::from_secs(10);

/// What the poller tells the engine.
#[derive(Debug)]
pub enum Update {
    Discovered(Box<Discovery>),
    Refreshed(Box<Refresh>),
    /// The server's history at each interval step over the longest `for`,
    /// oldest first, before the first refresh: alert states catch up.
    History(Vec<Refresh>),
    /// Nothing could be read (discovery failed).
    Failed(String),
}

/// Waits `d`, or less when cancelled or the plan changes.
async fn pause(d: Duration, plan: &mut watch::Receiver<Plan>, cancel: &mut watch::Receiver<bool>) {
    tokio::select! {
        _ = tokio::time::sleep(d) => {}
        _ = plan.changed() => {}
        _ = cancel.changed() => {}
    }
}

/// While a refresh's requests take less than this, added up, the
/// dashboard's own queries share one request; beyond it they are asked
/// per panel, concurrently ([`Plan::groups`]).
fn batch_budget(interval: Duration) -> Duration {
    (interval / 10).clamp(Duration::from_millis(50), Duration::from_millis(500))
}

/// The poller task: discovery, then one refresh per interval (backing off
/// while the server fails), re-reading names every [`REDISCOVER`].
/// `batching`: the dashboard's own queries may share requests
/// ([`Plan::groups`]); without it (`snapshot`, `check`) each request is
/// exactly one of the expressions the JSON shows.
pub async fn run_poller(
    client: Arc<PromClient>,
    clock: Clock,
    mut plan: watch::Receiver<Plan>,
    tx: mpsc::Sender<Update>,
    mut cancel: watch::Receiver<bool>,
    batching: bool,
) {
    let interval = clock.interval;
    let mut poller = match batching {
        true => Poller::batching(client, batch_budget(interval)),
        false => Poller::new(client),
    };
    let mut failures = 0u32;
    let mut discovered: Option<tokio::time::Instant> = None;
    let mut targets_at: Option<tokio::time::Instant> = None;
    while !*cancel.borrow() {
        let started = tokio::time::Instant::now();
        if discovered.is_none_or(|d| d.elapsed() >= REDISCOVER) {
            match poller.discover().await {
                Ok(d) => {
                    let first = discovered.is_none();
                    discovered = Some(started);
                    targets_at = Some(started);
                    plan.mark_unchanged();
                    if tx.send(Update::Discovered(Box::new(d))).await.is_err() {
                        return;
                    }
                    if first {
                        // The engine answers with the plan for these names.
                        let _ = tokio::time::timeout(interval, plan.changed()).await;
                        let current = plan.borrow_and_update().clone();
                        // Alert states catch up with the server's history,
                        // as `check` does: a condition that has held for
                        // its `for` is firing from the first frame.
                        if let Ok(steps) = catch_up(&poller, &current, clock).await {
                            if !steps.is_empty() && tx.send(Update::History(steps)).await.is_err() {
                                return;
                            }
                        }
                    }
                }
                Err(e) => {
                    failures += 1;
                    if tx.send(Update::Failed(e.to_string())).await.is_err() {
                        return;
                    }
                    pause(backoff(failures, interval), &mut plan, &mut cancel).await;
                    continue;
                }
            }
        }
        let current = plan.borrow_and_update().clone();
        let with_targets = targets_at.is_none_or(|t| t.elapsed() >= TARGETS_EVERY);
        let r = poller.refresh(&current, clock.now_ms(), with_targets).await;
        if with_targets {
            targets_at = Some(started);
        }
        failures = if r.all_failed && r.transient {
            failures + 1
        } else {
            0
        };
        if tx.send(Update::Refreshed(Box::new(r))).await.is_err() {
            return;
        }
        let wait = backoff(failures, interval).saturating_sub(started.elapsed());
        pause(wait, &mut plan, &mut cancel).await;
    }
}

/// The clock of the refreshes: the interval, and now less the query
/// offset (for a store that makes samples searchable some time after they
/// were scraped, whose answers for the last moments still change).
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    pub interval: Duration,
    offset_ms: i64,
}

impl Clock {
    /// Refreshes every `interval`, asking `offset` before now.
    pub fn new(interval: Duration, offset: Duration) -> Clock {
        Clock {
            interval,
            offset_ms: i64::try_from(offset.as_millis()).unwrap_or(i64::MAX),
        }
    }

    /// Now, less the offset.
    pub fn now_ms(&self) -> i64 {
        crate::vocab::time::now_ms().saturating_sub(self.offset_ms)
    }
}

/// The steps of the history brought up to date at `now_ms`: every `step`
/// over `span`, ending one step before now, on the grid of multiples of
/// the step (servers that round a range to its step, as VictoriaMetrics
/// does, then answer at exactly these instants); `None` when empty.
fn history_span(now_ms: i64, span: i64, step: i64) -> Option<(i64, i64)> {
    if span <= 0 || step <= 0 {
        return None;
    }
    let end = now_ms
        .saturating_sub(step)
        .div_euclid(step)
        .saturating_mul(step);
    let steps = span / step + i64::from(span % step != 0);
    Some((end.saturating_sub(steps.saturating_mul(step)), end))
}

/// The server's answers to `plan` at every interval step over its
/// `catch_up` span (at most [`super::MAX_POINTS`] steps), ending
/// one step before now; empty when no rule has a `for`.
pub async fn catch_up(
    poller: &Poller,
    plan: &Plan,
    clock: Clock,
) -> Result<Vec<Refresh>, super::SourceError> {
    let step = i64::try_from(clock.interval.as_millis())
        .unwrap_or(i64::MAX)
        .max(1);
    let span = i64::try_from(plan.catch_up.as_millis())
        .unwrap_or(i64::MAX)
        .min(step.saturating_mul(super::MAX_POINTS - 2));
    match history_span(clock.now_ms(), span, step) {
        Some((start, end)) if !plan.instant.is_empty() => {
            poller.history(plan, start, end, step).await
        }
        _ => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::history_span;

    #[test]
    fn the_history_is_on_the_step_grid() {
        // 30 s at 1 s steps, ending a step before now, on whole seconds.
        assert_eq!(
            history_span(1_000_500, 30_000, 1_000),
            Some((969_000, 999_000))
        );
        // A span that is not a whole number of steps is rounded up.
        assert_eq!(history_span(10_000, 5_000, 2_000), Some((2_000, 8_000)));
        assert_eq!(history_span(10_000, 0, 1_000), None);
        assert_eq!(history_span(10_000, 1_000, 0), None);
    }
}
