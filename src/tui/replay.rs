//! The screen side of `vitals replay`, active only while the frame carries
//! a [`ReplayStatus`]: the replay's keys (sent to the player as
//! [`Command::Replay`]) and its part of the status line.
//!
//! Keys: `p`/Space play or pause, `<`/`>` slower/faster, `[`/`]` seek back
//! or forward by half the chart window (at least [`MIN_SEEK_MS`]), `0` the
//! end, `n`/`N` the next/previous alert transition or note, `g` the
//! `:goto TIME` prompt. Live, `p [ ] 0` keep their meaning (pause, pan,
//! back to live) and the others do nothing.
//!
//! The charts end at the replay position (the frame's instant), so a move
//! of the position drops any pan and value cursor of the view.
//!
//! ```text
//!  vitals replay  REPLAY ▶ 10x  14:03:22Z 13:50:01Z ━━━━●──┼──── 14:50:00Z 3 marks │ targets 6/6 up
//! ```

use super::glyphs::Glyphs;
use super::prompt::{Prompt, PromptKind};
use super::timeview::{self, clock, span_ms};
use super::view::{KeyOutcome, View};
use crate::frame::{Command, Frame, Level, ReplayCommand, ReplayStatus};
use crate::theme::Theme;
use crossterm::event::KeyCode;
use ratatui::text::Span;

/// The shortest seek of `[`/`]`, in ms.
pub const MIN_SEEK_MS: i64 = 30_000;

/// What the prompt opened by `g` holds.
pub const GOTO_PREFILL: &str = "goto ";

/// Columns of the status line kept for what follows the replay's part
/// (targets, interval, path) before the position bar takes any.
const KEEP_FOR_REST: usize = 20;

/// Widest position bar.
const MAX_BAR: usize = 40;

/// Narrowest position bar worth drawing.
const MIN_BAR: usize = 8;

impl View {
    /// A replay key, when the frame is a replay's; `None` leaves the key to
    /// the live handlers.
    pub(super) fn on_replay_key(&mut self, code: KeyCode, frame: &Frame) -> Option<KeyOutcome> {
        frame.replay.as_ref()?;
        let cmd = match code {
            KeyCode::Char('p') | KeyCode::Char(' ') => ReplayCommand::TogglePlay,
            KeyCode::Char('<') => ReplayCommand::Slower,
            KeyCode::Char('>') => ReplayCommand::Faster,
            KeyCode::Char('[') => ReplayCommand::Seek(-self.seek_step(frame)),
            KeyCode::Char(']') => ReplayCommand::Seek(self.seek_step(frame)),
            KeyCode::Char('0') => ReplayCommand::ToEnd,
            KeyCode::Char('n') => ReplayCommand::NextMark,
            KeyCode::Char('N') => ReplayCommand::PrevMark,
            KeyCode::Char('g') => {
                self.prompt = Some(Prompt::new(PromptKind::Command, GOTO_PREFILL));
                return Some(KeyOutcome::Redraw);
            }
            _ => return None,
        };
        Some(self.send_replay(cmd))
    }

    /// How far `[`/`]` seek: half the chart window, at least
    /// [`MIN_SEEK_MS`].
    pub fn seek_step(&self, frame: &Frame) -> i64 {
        let width = timeview::width(self.window_ms, span_ms(frame));
        (width / 2).max(MIN_SEEK_MS)
    }

    /// `:goto TIME`: checked here so that a time that cannot be read keeps
    /// the prompt open with the reason.
    pub(super) fn goto(&mut self, spec: &str, frame: &Frame) -> Result<KeyOutcome, String> {
        let Some(r) = &frame.replay else {
            return Err("goto moves a replay: open one with vitals replay PATH".to_string());
        };
        let utc = !self.local_time;
        crate::record::timespec::parse_at(spec, r.start_ms, r.end_ms, utc)?;
        Ok(self.send_replay(ReplayCommand::GoTo {
            spec: spec.to_string(),
            utc,
        }))
    }

    /// Sends `cmd` to the player; a move of the position lets the charts
    /// follow it (no pan, no cursor left at an instant of the old place).
    fn send_replay(&mut self, cmd: ReplayCommand) -> KeyOutcome {
        if !matches!(
            cmd,
            ReplayCommand::TogglePlay | ReplayCommand::Faster | ReplayCommand::Slower
        ) {
            self.pan_ms = 0;
            self.cursor_ms = None;
        }
        self.paused = false;
        KeyOutcome::Send(Command::Replay(cmd))
    }
}

/// The replay's part of the status line: state and speed, position, the
/// position in the recording as a bar of `bar` cells (with the
/// recording's first and last instants when `labels`), and the count of
/// marks.
pub fn spans(
    r: &ReplayStatus,
    time_ms: i64,
    view: &View,
    theme: &Theme,
    bar: usize,
) -> Vec<Span<'static>> {
    let tz = view.tz();
    let state = match (r.playing, view.ascii) {
        (true, false) => format!(" REPLAY ▶ {}x ", r.speed),
        (true, true) => format!(" REPLAY > {}x ", r.speed),
        (false, false) => format!(" REPLAY ‖ paused {}x ", r.speed),
        (false, true) => format!(" REPLAY || paused {}x ", r.speed),
    };
    let mut out = vec![
        Span::raw(" "),
        Span::styled(state, theme.banner(Level::Unknown)),
        Span::styled(format!(" {}", clock(time_ms, tz)), theme.accent()),
    ];
    if bar > 0 {
        let labels = bar >= MIN_BAR + label_width(view);
        let cells = if labels { bar - label_width(view) } else { bar };
        out.push(Span::raw(" "));
        if labels {
            out.push(Span::styled(
                format!("{} ", clock(r.start_ms, tz)),
                theme.muted(),
            ));
        }
        out.push(Span::styled(
            progress(r, time_ms, cells, view.ascii),
            theme.info(),
        ));
        if labels {
            out.push(Span::styled(
                format!(" {}", clock(r.end_ms, tz)),
                theme.muted(),
            ));
        }
    }
    let marks = match r.marks.len() {
        1 => "1 mark".to_string(),
        n => format!("{n} marks"),
    };
    out.push(Span::styled(format!(" {marks}"), theme.text()));
    out
}

/// Columns the first and last instants take beside the bar.
fn label_width(view: &View) -> usize {
    2 * (clock(0, view.tz()).chars().count() + 1)
}

/// How many cells the position bar gets (labels included) on a status
/// line `width` wide whose other parts before it take `used`: what is left
/// after [`KEEP_FOR_REST`], none when that is too little.
pub fn bar_width(width: u16, used: usize) -> usize {
    let room = usize::from(width).saturating_sub(used + 1 + KEEP_FOR_REST);
    if room < MIN_BAR {
        0
    } else {
        room.min(MAX_BAR)
    }
}

/// `━━━━●──┼────`: played, the position, to come, and the marks (alert
/// transitions and notes) where they fall.
pub fn progress(r: &ReplayStatus, time_ms: i64, cells: usize, ascii: bool) -> String {
    if cells == 0 {
        return String::new();
    }
    let (played, here, ahead, mark) = if ascii {
        ('=', 'o', '-', '+')
    } else {
        ('━', '●', '─', '┼')
    };
    let cell = |t: i64| -> usize {
        let len = r.end_ms.saturating_sub(r.start_ms);
        if len <= 0 {
            return cells - 1;
        }
        let f = (t.saturating_sub(r.start_ms)) as f64 / len as f64;
        (f.clamp(0.0, 1.0) * (cells - 1) as f64).round() as usize
    };
    let pos = cell(time_ms);
    let mut out: Vec<char> = (0..cells)
        .map(|i| if i < pos { played } else { ahead })
        .collect();
    for m in &r.marks {
        out[cell(*m)] = mark;
    }
    out[pos] = here;
    out.into_iter().collect()
}

/// The replay's message (a seek that found nothing, a torn tail skipped),
/// shown with the status line's notice.
pub fn message(frame: &Frame, g: &Glyphs) -> Option<String> {
    let m = frame.replay.as_ref()?.message.as_ref()?;
    Some(format!("{} {m}", g.warn))
}

#[cfg(test)]
#[path = "replay_tests.rs"]
mod tests;
