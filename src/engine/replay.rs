//! The recording backend: an engine fed from a recording instead of the
//! scrapers. The recorded scrapes and target lists are applied in the
//! order they were recorded and the engine ticks at the recorded ticks, so
//! that a replayed frame is the live one — with the panels and rules the
//! replay is given, which may be new ones. Nothing leaves the process:
//! the engine has no sinks, no alert log, and acks and mutes stay in it.

use super::{Engine, EngineOptions};
use crate::frame::{Command, Frame, ReplayCommand, ReplayStatus};
use crate::record::{Event, Events, Index, Recording};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// Before the instant a seek goes to, how much of the recording is
/// replayed into a fresh engine: the longest rate window and `for` of
/// the default panels and rules fit in it, so the frame at the instant is
/// the live one.
pub const WARMUP_MS: i64 = 15 * 60 * 1000;

/// The speeds `<` and `>` step through.
pub const SPEEDS: [u32; 7] = [1, 2, 5, 10, 20, 30, 60];

/// A recording played through an engine.
pub struct Player {
    rec: Recording,
    opts: EngineOptions,
    engine: Engine,
    events: Events,
    peeked: Option<Event>,
    /// The last tick applied.
    pub pos_ms: i64,
    /// The playback's clock: the tick at or before it is shown.
    cursor_ms: i64,
    index: Index,
    marks: Vec<i64>,
    frame: Option<Frame>,
    playing: bool,
    speed: usize,
    message: Option<String>,
    /// The recording session being played (a restart begins a new one).
    session: Option<i64>,
}

impl Player {
    /// Opens `rec` at its first tick.
    pub fn new(rec: Recording, opts: EngineOptions) -> Player {
        let opts = EngineOptions {
            alert_log: None,
            ..opts
        };
        let mut p = Player {
            engine: Engine::new(opts.clone()),
            events: rec.events().lean(),
            peeked: None,
            pos_ms: rec.start_ms(),
            cursor_ms: rec.start_ms(),
            index: Index {
                end_ms: rec.start_ms(),
                ..Default::default()
            },
            marks: Vec::new(),
            frame: None,
            playing: true,
            speed: 0,
            message: None,
            session: None,
            opts,
            rec,
        };
        p.step_to(p.pos_ms);
        if p.frame.is_none() {
            p.next_tick();
        }
        p.cursor_ms = p.pos_ms;
        p
    }

    /// Reads the recording's ticks, transitions and notes (what `0`, `n`
    /// and `N` need): after the first frame is shown.
    pub fn load_index(&mut self) {
        self.index = self.rec.index_from(0);
        let mut marks: Vec<i64> = self
            .index
            .transitions
            .iter()
            .map(|t| t.time_ms)
            .chain(self.index.notes.iter().map(|n| n.time_ms))
            .collect();
        marks.sort_unstable();
        marks.dedup();
        self.marks = marks;
    }

    pub fn start_ms(&self) -> i64 {
        self.rec.start_ms()
    }

    pub fn end_ms(&self) -> i64 {
        self.index.end_ms.max(self.pos_ms)
    }

    /// Every transition and note recorded.
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// `:note` in a replay: at `at_ms` (else the position), signed, kept
    /// with the recording's notes and appended to the recording.
    pub fn add_note(&mut self, text: String, at_ms: Option<i64>) {
        let text = text.trim().to_string();
        if text.is_empty() {
            return;
        }
        let note = crate::vocab::Note {
            time_ms: at_ms.unwrap_or(self.pos_ms),
            author: crate::vocab::note_author(),
            text,
        };
        if let Err(e) = crate::record::append_note(&self.rec, &note, self.end_ms()) {
            self.message = Some(format!("note not saved in the recording: {e}"));
        }
        let at = self
            .index
            .notes
            .partition_point(|n| n.time_ms <= note.time_ms);
        self.index.notes.insert(at, note.clone());
        let at = self.marks.partition_point(|m| *m < note.time_ms);
        if self.marks.get(at) != Some(&note.time_ms) {
            self.marks.insert(at, note.time_ms);
        }
        // A note added to the last segment file, or a new one: the index
        // of segments is read again for it.
        if let Ok(rec) = Recording::open(&self.rec.path) {
            self.rec = rec;
        }
    }

    fn peek(&mut self) -> Option<&Event> {
        if self.peeked.is_none() {
            self.peeked = self.events.next();
            if self.peeked.is_none() {
                if let Some(e) = self.events.error.take() {
                    self.message = Some(e);
                } else if let Some(n) = self.events.notices.pop() {
                    self.message = Some(n);
                }
            }
        }
        self.peeked.as_ref()
    }

    /// Applies one event; `skip_before`: scrapes and ticks before it are
    /// read but not applied (a seek's fresh engine starts there).
    fn apply(&mut self, e: Event, skip_before: i64) {
        match e {
            Event::Config(c) => {
                // The recorder restarted: so did its engine.
                if self.session.is_some_and(|s| s != c.session) {
                    self.engine = Engine::new(self.opts.clone());
                }
                self.session = Some(c.session);
            }
            Event::Transition(_) => {}
            Event::Targets { time_ms, targets } => self.engine.set_targets(&targets, time_ms),
            Event::Scrape(r) if r.time_ms >= skip_before => self.engine.apply(r),
            Event::Scrape(_) => {}
            Event::LeanScrape(r) if r.time_ms >= skip_before => self.engine.apply_recorded(r),
            Event::LeanScrape(_) => {}
            Event::Tick(t) if t >= skip_before => {
                self.frame = Some(self.engine.tick(t));
                self.pos_ms = t;
            }
            Event::Tick(t) => self.pos_ms = t,
            Event::Note(_) => {}
        }
    }

    /// Applies every event up to instant `t`. True when a tick was.
    fn step_to_from(&mut self, t: i64, skip_before: i64) -> bool {
        let before = self.pos_ms;
        while let Some(e) = self.peek() {
            if e.time_ms().is_some_and(|et| et > t) {
                break;
            }
            let e = self.peeked.take().expect("peeked");
            self.apply(e, skip_before);
        }
        self.pos_ms != before
    }

    fn step_to(&mut self, t: i64) -> bool {
        self.step_to_from(t, i64::MIN)
    }

    /// Applies events up to and including the next tick.
    fn next_tick(&mut self) -> bool {
        while let Some(e) = self.peek() {
            let tick = matches!(e, Event::Tick(_));
            let e = self.peeked.take().expect("peeked");
            self.apply(e, i64::MIN);
            if tick {
                return true;
            }
        }
        false
    }

    /// Goes to instant `t` (clamped to the recording): forward within the
    /// warm-up by playing on, else through a fresh engine that starts
    /// [`WARMUP_MS`] before it.
    pub fn seek(&mut self, t: i64) {
        let t = t.clamp(self.start_ms(), self.end_ms());
        self.cursor_ms = t;
        if t >= self.pos_ms && t - self.pos_ms <= WARMUP_MS {
            self.step_to(t);
            return;
        }
        let from = t - WARMUP_MS;
        self.engine = Engine::new(self.opts.clone());
        self.events = self.rec.events_from(self.rec.segment_at(from)).lean();
        self.peeked = None;
        self.frame = None;
        self.session = None;
        self.pos_ms = self.start_ms();
        self.step_to_from(t, from);
    }

    /// Plays on by `real` of wall time at the current speed.
    pub fn play(&mut self, real: Duration) -> bool {
        if !self.playing {
            return false;
        }
        self.cursor_ms += real.as_millis() as i64 * SPEEDS[self.speed] as i64;
        let moved = self.step_to(self.cursor_ms);
        if self.peek().is_none() {
            self.playing = false;
            return true;
        }
        moved
    }

    /// Answers a replay key.
    pub fn control(&mut self, c: ReplayCommand) {
        self.message = None;
        match c {
            ReplayCommand::TogglePlay => self.playing = !self.playing,
            ReplayCommand::Faster => self.speed = (self.speed + 1).min(SPEEDS.len() - 1),
            ReplayCommand::Slower => self.speed = self.speed.saturating_sub(1),
            ReplayCommand::Seek(d) => self.seek(self.cursor_ms + d),
            ReplayCommand::ToEnd => self.seek(self.end_ms()),
            ReplayCommand::GoTo { spec, utc } => {
                match crate::record::timespec::parse_at(&spec, self.start_ms(), self.end_ms(), utc)
                {
                    Ok(t) => self.seek(t),
                    Err(e) => self.message = Some(e),
                }
            }
            ReplayCommand::NextMark => match self.marks.iter().find(|m| **m > self.pos_ms) {
                Some(t) => self.seek(*t),
                None => self.message = Some("no later alert transition or note".into()),
            },
            ReplayCommand::PrevMark => match self.marks.iter().rev().find(|m| **m < self.pos_ms) {
                Some(t) => self.seek(*t),
                None => self.message = Some("no earlier alert transition or note".into()),
            },
        }
    }

    /// The frame at the current position, with the replay's status.
    pub fn frame(&self) -> Frame {
        let mut f = self.frame.clone().unwrap_or_default();
        f.source = crate::frame::SourceKind::Replay;
        let upto = self
            .index
            .notes
            .partition_point(|n| n.time_ms <= self.pos_ms);
        f.notes = Arc::new(self.index.notes[..upto].to_vec());
        f.replay = Some(ReplayStatus {
            path: self.rec.path.display().to_string(),
            start_ms: self.start_ms(),
            end_ms: self.end_ms(),
            playing: self.playing,
            speed: SPEEDS[self.speed],
            marks: self.marks.clone(),
            message: self.message.clone(),
        });
        f
    }

    /// The engine (tests, `snapshot --from`).
    pub fn engine_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }

    /// Pauses (`snapshot --from` reads one instant).
    pub fn pause(&mut self) {
        self.playing = false;
    }
}

/// Plays `player` to the screen until cancelled: frames go out as the
/// playback moves and after every command.
pub async fn run(
    mut player: Player,
    mut commands: mpsc::Receiver<Command>,
    frames: watch::Sender<Arc<Frame>>,
    mut cancel: watch::Receiver<bool>,
) {
    let _ = frames.send(Arc::new(player.frame()));
    player.load_index();
    let _ = frames.send(Arc::new(player.frame()));
    let step = Duration::from_millis(100);
    let mut tick = tokio::time::interval(step);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let publish = tokio::select! {
            biased;
            _ = cancel.changed() => break,
            Some(c) = commands.recv() => {
                match c {
                    Command::Replay(r) => player.control(r),
                    Command::Note { text, at_ms } => player.add_note(text, at_ms),
                    c => {
                        let again = matches!(c, Command::Pin(_) | Command::AddExpr(_));
                        player.engine.command(c);
                        if again {
                            player.frame = Some(player.engine.tick(player.pos_ms));
                        }
                    }
                }
                true
            }
            _ = tick.tick() => player.play(step),
        };
        if publish && frames.send(Arc::new(player.frame())).is_err() {
            break;
        }
    }
}
