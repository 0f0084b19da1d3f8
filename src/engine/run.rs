//! The engine's event loop: the one place that reads the clock.

use super::Engine;
use crate::frame::{Command, Frame};
use crate::scrape::{ScrapeResult, Target};
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

/// The channels the engine loop reads and writes.
pub struct EngineChannels {
    pub results: mpsc::Receiver<ScrapeResult>,
    pub commands: mpsc::Receiver<Command>,
    pub targets: watch::Receiver<Vec<Target>>,
    pub frames: watch::Sender<Arc<Frame>>,
    pub cancel: watch::Receiver<bool>,
}

/// Wall-clock milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// One tick, with one diagnostics line when it was slow: its duration,
/// start and end, and the panel expression that took longest.
fn timed_tick(engine: &mut Engine) -> Frame {
    let start = now_ms();
    let frame = engine.tick(start);
    let end = now_ms();
    let slowest = engine.take_slowest();
    if let Some(line) = super::slow::slow_tick_line(start, end, slowest.as_ref()) {
        tracing::warn!("{line}");
    }
    frame
}

/// Runs the engine until cancelled: applies scrape results as they come,
/// evaluates and publishes a frame every interval.
pub async fn run(mut engine: Engine, mut ch: EngineChannels) {
    let interval = engine.opts.interval;
    engine.set_clock(now_ms);
    let initial = ch.targets.borrow_and_update().clone();
    engine.set_targets(&initial, now_ms());
    let _ = ch.frames.send(Arc::new(timed_tick(&mut engine)));
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await;
    loop {
        tokio::select! {
            biased;
            _ = ch.cancel.changed() => break,
            _ = ticker.tick() => {
                let frame = timed_tick(&mut engine);
                if ch.frames.send(Arc::new(frame)).is_err() {
                    break;
                }
            }
            Some(r) = ch.results.recv() => engine.apply(r),
            Ok(()) = ch.targets.changed() => {
                let t = ch.targets.borrow_and_update().clone();
                engine.set_targets(&t, now_ms());
            }
            Some(c) = ch.commands.recv() => {
                // A pin changes every panel: show it now, not at the next tick.
                let republish = matches!(c, Command::Pin(_));
                engine.command(c);
                if republish && ch.frames.send(Arc::new(timed_tick(&mut engine))).is_err() {
                    break;
                }
            }
        }
    }
}

impl Engine {
    /// Answers a command from the UI.
    pub fn command(&mut self, c: Command) {
        match c {
            Command::AddExpr(e) => {
                self.opts.exprs.push(e);
                self.catalog_changed = true;
                self.detected = Default::default();
            }
            Command::Reload => self.request_reload(),
            Command::Pin(instance) => self.set_pin(instance),
            Command::TableWindow(instances) => self.set_table_window(instances),
            Command::ChartWidth(cells) => self.set_chart_width(cells),
            Command::TableRank(rank) => self.set_table_rank(rank),
            Command::Ack { name, labels } => {
                if let Err(e) = self.acks.ack(&name, &labels) {
                    self.notice = Some(e);
                }
            }
            Command::Mute {
                name,
                labels,
                duration,
            } => self.mute_command(name, labels, duration),
        }
    }
}
