//! The loop over a server: a poller task asks, the engine applies and
//! publishes. The poller never blocks the engine: a slow or failing server
//! leaves the dashboard running on its last answers, with the error and
//! their age in the status line.

use super::Engine;
use crate::frame::{Command, Frame};
use crate::promapi::{backoff, Discovery, Plan, Poller, PromClient, Refresh};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// Metric names and metadata are read again this often (new metrics, such
/// as lazily created 5xx series, change the detected panels).
const REDISCOVER: Duration = Duration::from_secs(60);

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

/// The channels of the engine loop over a server.
pub struct RemoteChannels {
    pub commands: mpsc::Receiver<Command>,
    pub frames: watch::Sender<Arc<Frame>>,
    pub cancel: watch::Receiver<bool>,
}

/// Runs the engine over the server until cancelled. `engine` must have
/// been connected with [`Engine::connect_remote`]; `plan` is what that
/// returned.
///
/// The poller and the engine run on a thread of their own with a
/// single-threaded runtime: a refresh's requests, their connections, the
/// answers and the engine's tick then stay on one thread, instead of
/// waking the shared runtime's other worker for each answer and again for
/// the engine (most of the process's CPU over a fast server went to those
/// wake-ups). Only the frame crosses to the screen's thread.
pub async fn run(
    engine: Engine,
    client: Arc<PromClient>,
    plan: watch::Receiver<Plan>,
    ch: RemoteChannels,
) {
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    let task = async move {
        let clock = Clock::of(&engine);
        let (tx, rx) = mpsc::channel(4);
        let poller = tokio::spawn(poll(client, clock, plan, tx, ch.cancel.clone()));
        engine_loop(engine, rx, ch).await;
        poller.abort();
        let _ = done_tx.send(());
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::warn!("no runtime of its own for the engine ({e}): sharing the main one");
            return task.await;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("vitals-engine".into())
        .spawn(move || rt.block_on(task));
    match spawned {
        Ok(_) => {
            let _ = done_rx.await;
        }
        Err(e) => tracing::error!("cannot start the engine thread: {e}"),
    }
}

/// The engine's side: applies the poller's updates and publishes frames.
async fn engine_loop(mut engine: Engine, mut rx: mpsc::Receiver<Update>, mut ch: RemoteChannels) {
    let clock = Clock::of(&engine);
    let interval = clock.interval;
    let mut last = clock.now_ms();
    let _ = ch.frames.send(Arc::new(engine.tick(last)));
    // A tick of its own only when no frame went out for 1.5 intervals (the
    // server is late: the status line must move on); no wake-up otherwise.
    let wait = interval.saturating_mul(3) / 2;
    let late = tokio::time::sleep(wait);
    tokio::pin!(late);
    loop {
        let t = tokio::select! {
            biased;
            _ = ch.cancel.changed() => break,
            Some(u) = rx.recv() => match u {
                Update::Discovered(d) => {
                    engine.apply_discovery(*d);
                    clock.now_ms()
                }
                Update::Refreshed(r) => {
                    let t = r.time_ms;
                    engine.apply_refresh(*r);
                    t
                }
                Update::History(steps) => {
                    // Alert states only: the frame waits for the first
                    // refresh, whose range answers are the charts.
                    if let Some(t) = engine.catch_up(steps) {
                        last = t.max(last);
                    }
                    continue;
                }
                Update::Failed(e) => {
                    engine.remote_failed(e);
                    clock.now_ms()
                }
            },
            () = &mut late => clock.now_ms(),
            Some(c) = ch.commands.recv() => {
                engine.command(c);
                continue;
            }
        };
        last = t.max(last);
        if ch.frames.send(Arc::new(engine.tick(last))).is_err() {
            break;
        }
        late.as_mut().reset(tokio::time::Instant::now() + wait);
    }
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
/// per panel, concurrently ([`crate::promapi::Plan::groups`]).
fn batch_budget(interval: Duration) -> Duration {
    (interval / 10).clamp(Duration::from_millis(50), Duration::from_millis(500))
}

/// The poller: discovery, then one refresh per interval (backing off
/// while the server fails), re-reading names every [`REDISCOVER`].
async fn poll(
    client: Arc<PromClient>,
    clock: Clock,
    mut plan: watch::Receiver<Plan>,
    tx: mpsc::Sender<Update>,
    mut cancel: watch::Receiver<bool>,
) {
    let interval = clock.interval;
    let mut poller = Poller::batching(client, batch_budget(interval));
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

/// The engine's clock over a server: the refresh interval, and now less
/// the `query_offset` ([`super::EngineOptions::query_offset`]).
#[derive(Clone, Copy)]
struct Clock {
    interval: Duration,
    offset_ms: i64,
}

impl Clock {
    fn of(engine: &Engine) -> Clock {
        Clock {
            interval: engine.opts.interval,
            offset_ms: i64::try_from(engine.opts.query_offset.as_millis()).unwrap_or(i64::MAX),
        }
    }

    fn now_ms(&self) -> i64 {
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
/// `catch_up` span (at most [`crate::promapi::MAX_POINTS`] steps), ending
/// one step before now; empty when no rule has a `for`.
async fn catch_up(
    poller: &Poller,
    plan: &Plan,
    clock: Clock,
) -> Result<Vec<Refresh>, crate::promapi::SourceError> {
    let step = i64::try_from(clock.interval.as_millis())
        .unwrap_or(i64::MAX)
        .max(1);
    let span = i64::try_from(plan.catch_up.as_millis())
        .unwrap_or(i64::MAX)
        .min(step.saturating_mul(crate::promapi::MAX_POINTS - 2));
    match history_span(clock.now_ms(), span, step) {
        Some((start, end)) if !plan.instant.is_empty() => {
            poller.history(plan, start, end, step).await
        }
        _ => Ok(Vec::new()),
    }
}

/// Without a screen (`snapshot`, `check`): discovery; the alert rules
/// stepped through the server's history over their longest `for` (so a
/// condition that has held long enough fires at once); then a refresh and
/// a tick every interval until `duration` has passed. Returns the last
/// frame. A server that cannot be read at all is an error (one line).
pub async fn collect(
    engine: &mut Engine,
    client: Arc<PromClient>,
    duration: Duration,
) -> Result<Frame, String> {
    let clock = Clock::of(engine);
    let mut poller = Poller::new(client);
    let d = poller.discover().await.map_err(|e| e.to_string())?;
    engine.apply_discovery(d);
    let history = catch_up(&poller, &engine.remote_plan(), clock)
        .await
        .map_err(|e| e.to_string())?;
    engine.catch_up(history);
    let end = clock.now_ms() + i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
    loop {
        let started = tokio::time::Instant::now();
        let t = clock.now_ms();
        let r = poller.refresh(&engine.remote_plan(), t, true).await;
        if r.all_failed {
            let url = poller.client().url();
            return Err(r.error.unwrap_or_else(|| format!("no answer from {url}")));
        }
        engine.apply_refresh(r);
        let frame = engine.tick(t);
        if t >= end {
            return Ok(frame);
        }
        tokio::time::sleep(clock.interval.saturating_sub(started.elapsed())).await;
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
