//! The engine's run loop, one for both backends: it applies what the
//! scrapers or the server's poller send, answers the screen's commands and
//! publishes a frame — every interval when scraping, after every answer
//! over a server (and after 1.5 intervals without one, so that the status
//! line moves on while the server is late). The only place that reads the
//! clock.

use super::Engine;
use crate::alerts::log::{WriteRequest, Written};
use crate::alerts::silence::{HeldPoll, SilenceReply};
use crate::config::reload::Reconfig;
use crate::frame::{Command, Frame};
use crate::promapi::feed::{Clock, Update};
use crate::record::Entry;
use crate::scrape::{ScrapeResult, Target};
use crate::vocab::time::now_ms;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

/// What feeds the engine.
pub enum Feed {
    /// Scraping: the scrape tasks' results and the target list.
    Scrapes {
        results: mpsc::Receiver<ScrapeResult>,
        targets: watch::Receiver<Vec<Target>>,
    },
    /// Over a server: the poller's updates
    /// ([`crate::promapi::feed::run_poller`]).
    Server(mpsc::Receiver<Update>),
}

/// One input of the loop.
enum Input {
    Scrape(ScrapeResult),
    Targets(Vec<Target>),
    Server(Update),
}

impl Feed {
    /// The next input; None when the feed has ended.
    async fn next(&mut self) -> Option<Input> {
        match self {
            Feed::Scrapes { results, targets } => tokio::select! {
                Some(r) = results.recv() => Some(Input::Scrape(r)),
                Ok(()) = targets.changed() => {
                    Some(Input::Targets(targets.borrow_and_update().clone()))
                }
                else => None,
            },
            Feed::Server(rx) => rx.recv().await.map(Input::Server),
        }
    }
}

/// What the engine's helper tasks send back; each arrives through the run
/// loop, so that a tick reads no channel.
#[derive(Default)]
pub struct Replies {
    /// The reloader's answers (`config::reload::Reloader`).
    pub reloads: Option<mpsc::Receiver<Result<Reconfig, String>>>,
    /// The notification sinks' reports (`crate::sinks::delivery`).
    pub sink_reports: Option<mpsc::Receiver<Option<String>>>,
    /// Alertmanager's replies to silence requests (`alerts::silence`).
    pub silences: Option<mpsc::Receiver<SilenceReply>>,
    /// The alerts Alertmanager holds, as last listed.
    pub held: Option<watch::Receiver<HeldPoll>>,
    /// The recorder's failure, if it stops.
    pub record_errors: Option<mpsc::Receiver<String>>,
}

/// The next message of an optional channel; never, without one.
async fn recv<T>(rx: &mut Option<mpsc::Receiver<T>>) -> Option<T> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// The next value of an optional watch; never, without one.
async fn changed<T: Clone>(rx: &mut Option<watch::Receiver<T>>) -> Option<T> {
    match rx {
        Some(rx) => {
            rx.changed().await.ok()?;
            Some(rx.borrow_and_update().clone())
        }
        None => std::future::pending().await,
    }
}

/// The channels the engine loop reads and writes.
pub struct EngineChannels {
    pub feed: Feed,
    pub replies: Replies,
    /// The alert log and acks state file's writer
    /// ([`crate::alerts::log::spawn_writer`]); without one, nothing is
    /// written.
    pub writer: Option<mpsc::Sender<WriteRequest>>,
    pub commands: mpsc::Receiver<Command>,
    pub frames: watch::Sender<Arc<Frame>>,
    pub cancel: watch::Receiver<bool>,
    /// Where the inputs, ticks and transitions are recorded
    /// ([`crate::record::spawn`]); None: not recorded.
    pub recorder: Option<mpsc::Sender<Entry>>,
}

/// One tick, with one diagnostics line when it was slow: its duration,
/// start and end, and the panel expression that took longest.
fn timed_tick(engine: &mut Engine, t_ms: i64) -> Frame {
    let start = now_ms();
    let frame = engine.tick(t_ms);
    let end = now_ms();
    let slowest = engine.take_slowest();
    if let Some(line) = super::slow::slow_tick_line(start, end, slowest.as_ref()) {
        tracing::warn!("{line}");
    }
    frame
}

impl Engine {
    /// The clock of this engine: its interval, and over a server its query
    /// offset ([`super::EngineOptions::query_offset`]).
    pub fn clock(&self) -> Clock {
        let offset = if self.is_remote() {
            self.opts.query_offset
        } else {
            Duration::ZERO
        };
        Clock::new(self.opts.interval, offset)
    }

    /// Applies one input and says what follows.
    fn input(&mut self, input: Input, clock: &Clock) -> After {
        match input {
            Input::Scrape(r) => {
                self.apply(r);
                After::Nothing
            }
            Input::Targets(t) => {
                self.set_targets(&t, clock.now_ms());
                After::Nothing
            }
            Input::Server(Update::Discovered(d)) => {
                self.apply_discovery(*d);
                After::Publish(clock.now_ms())
            }
            Input::Server(Update::Refreshed(r)) => {
                let t = r.time_ms;
                self.apply_refresh(*r);
                After::Publish(t)
            }
            // Alert states only: the frame waits for the first refresh,
            // whose range answers are the charts.
            Input::Server(Update::History(steps)) => match self.catch_up(steps) {
                Some(t) => After::Advance(t),
                None => After::Nothing,
            },
            Input::Server(Update::Failed(e)) => {
                self.remote_failed(e);
                After::Publish(clock.now_ms())
            }
        }
    }

    /// How long the loop goes without a frame before it makes one anyway:
    /// scraping, the interval (on its grid); over a server, 1.5 intervals
    /// (the server is late: the status line must move on).
    fn quiet_limit(&self) -> Duration {
        if self.is_remote() {
            self.opts.interval.saturating_mul(3) / 2
        } else {
            self.opts.interval
        }
    }

    /// Whether a command's effect is shown at once: a pin changes every
    /// panel, and the store can answer it now; a server answers at its next
    /// refresh (the plan changed, so the poller asks at once).
    fn shows_at_once(&self, c: &Command) -> bool {
        matches!(c, Command::Pin(_)) && !self.is_remote()
    }
}

/// What an input calls for.
enum After {
    Nothing,
    /// The frames' time moves on to at least this instant.
    Advance(i64),
    /// A frame now, at this instant.
    Publish(i64),
    /// The notes changed: the last frame again, with them.
    Notes,
}

/// Hands what the engine left to write to the writer and waits for it;
/// `frame`, about to be published, shows a failure at once.
async fn flush(
    engine: &mut Engine,
    writer: Option<&mpsc::Sender<WriteRequest>>,
    frame: Option<&mut Frame>,
    tape: &mut Tape,
) {
    let w = engine.take_writes();
    for n in &w.notes {
        tape.put(|| Entry::Note(n.clone())).await;
    }
    let Some(tx) = writer.filter(|_| !w.is_empty()) else {
        return;
    };
    let (done, result) = oneshot::channel();
    let stopped = || Written {
        log_error: Some("alert log: its writer stopped".into()),
        ..Written::default()
    };
    let written = match tx.send((w, done)).await {
        Ok(()) => result.await.unwrap_or_else(|_| stopped()),
        Err(_) => stopped(),
    };
    engine.written(written, frame);
}

/// Runs the engine until cancelled.
pub async fn run(mut engine: Engine, ch: EngineChannels) {
    let EngineChannels {
        mut feed,
        mut replies,
        writer,
        mut commands,
        frames,
        mut cancel,
        recorder,
    } = ch;
    let mut tape = Tape(recorder);
    if tape.0.is_some() {
        engine.tap_transitions();
    }
    engine.set_clock(now_ms);
    let clock = engine.clock();
    if let Feed::Scrapes { targets, .. } = &mut feed {
        let initial = targets.borrow_and_update().clone();
        let now = clock.now_ms();
        tape.put(|| Entry::Targets {
            time_ms: now,
            targets: initial.clone(),
        })
        .await;
        engine.set_targets(&initial, now);
    }
    let quiet = engine.quiet_limit();
    // Scraping ticks on the interval's grid; over a server the wait starts
    // again after every frame.
    let on_grid = !engine.is_remote();
    let mut last = clock.now_ms();
    tape.put(|| Entry::Tick(last)).await;
    let mut first = timed_tick(&mut engine, last);
    tape.transitions(&mut engine).await;
    flush(&mut engine, writer.as_ref(), Some(&mut first), &mut tape).await;
    let _ = frames.send(Arc::new(first));
    let mut due = Instant::now() + quiet;
    loop {
        let after = tokio::select! {
            biased;
            _ = cancel.changed() => break,
            () = tokio::time::sleep_until(due) => {
                // Missed ticks are not made up: the grid moves on from now.
                let now = Instant::now();
                due = if due + quiet > now { due + quiet } else { now + quiet };
                After::Publish(clock.now_ms())
            }
            Some(input) = feed.next() => {
                tape.input(&input, &clock).await;
                engine.input(input, &clock)
            }
            Some(e) = recv(&mut replies.record_errors) => {
                tape.0 = None;
                engine.record_failed(e);
                After::Nothing
            }
            Some(r) = recv(&mut replies.reloads) => {
                engine.reloaded(r, clock.now_ms());
                After::Nothing
            }
            Some(r) = recv(&mut replies.sink_reports) => {
                engine.sink_report(r);
                After::Nothing
            }
            Some(r) = recv(&mut replies.silences) => {
                engine.silence_reply(r);
                After::Nothing
            }
            Some(p) = changed(&mut replies.held) => {
                engine.alertmanager_held(p);
                After::Nothing
            }
            Some(c) = commands.recv() => {
                let at_once = engine.shows_at_once(&c);
                let note = matches!(c, Command::Note { .. });
                engine.command(c);
                if at_once {
                    After::Publish(clock.now_ms())
                } else if note {
                    After::Notes
                } else {
                    After::Nothing
                }
            }
        };
        if let After::Notes = after {
            // The note is logged, then shown at once on the frame last
            // published: nothing else changed, so nothing is evaluated.
            flush(&mut engine, writer.as_ref(), None, &mut tape).await;
            let notes = engine.notes();
            frames.send_if_modified(|f| {
                if Arc::ptr_eq(&f.notes, &notes) {
                    return false;
                }
                let mut again = Frame::clone(f);
                again.notes = notes;
                *f = Arc::new(again);
                true
            });
            continue;
        }
        // Frames never go back in time (a refresh may be stamped before
        // the frame the clock last made).
        let t = match after {
            After::Nothing | After::Notes => None,
            After::Advance(t) => {
                last = t.max(last);
                None
            }
            After::Publish(t) => Some(t.max(last)),
        };
        let Some(t) = t else {
            // An ack, a mute or a catch-up may have left writes.
            flush(&mut engine, writer.as_ref(), None, &mut tape).await;
            continue;
        };
        last = t;
        tape.put(|| Entry::Tick(t)).await;
        let mut frame = timed_tick(&mut engine, t);
        tape.transitions(&mut engine).await;
        // The log holds a transition before the screen shows it.
        flush(&mut engine, writer.as_ref(), Some(&mut frame), &mut tape).await;
        if frames.send(Arc::new(frame)).is_err() {
            break;
        }
        if !on_grid {
            due = Instant::now() + quiet;
        }
    }
}

/// The recorder's end of the loop: what it is sent, in the loop's order
/// (inputs, then the tick they precede, then its transitions), so that a
/// replay applies the same inputs before the same ticks.
struct Tape(Option<mpsc::Sender<Entry>>);

impl Tape {
    async fn put(&mut self, entry: impl FnOnce() -> Entry) {
        if let Some(tx) = &self.0 {
            if tx.send(entry()).await.is_err() {
                self.0 = None;
            }
        }
    }

    async fn input(&mut self, input: &Input, clock: &Clock) {
        match input {
            Input::Scrape(r) => self.put(|| Entry::Scrape(r.clone())).await,
            Input::Targets(t) => {
                self.put(|| Entry::Targets {
                    time_ms: clock.now_ms(),
                    targets: t.clone(),
                })
                .await
            }
            Input::Server(_) => {}
        }
    }

    async fn transitions(&mut self, engine: &mut Engine) {
        for t in engine.take_tapped() {
            self.put(|| Entry::Transition(t)).await;
        }
    }
}

impl Engine {
    /// The recorder stopped: the status line says why.
    fn record_failed(&mut self, e: String) {
        tracing::error!("{e}");
        self.notice = Some(e);
    }

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
            Command::Note { text, at_ms } => self.note_command(text, at_ms),
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
            Command::AckGroup { alerts } => {
                for (name, labels) in alerts {
                    if let Err(e) = self.acks.ack(&name, &labels) {
                        self.notice = Some(e);
                    }
                }
            }
            Command::MuteGroup {
                labels,
                alerts,
                duration,
            } => self.mute_group_command(labels, alerts, duration),
            Command::Replay(_) => {}
        }
    }
}
