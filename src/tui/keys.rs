//! Keys beyond focus and expansion: the time window (`+ - [ ] 0 p`), the
//! expanded panel's value cursor (`← →`), local time (`t`), the instance
//! table's sort and filter (`s S /`) and the `:` command line. In a
//! replay `p [ ] 0` (and Space `< > g n N`) are the player's: `replay.rs`.

use super::complete;
use super::prompt::{self, Cmd, Prompt, PromptKind};
use super::table_view;
use super::timeview::{self, span_ms};
use super::view::{Focus, KeyOutcome, View};
use crate::frame::{Command, Frame};
use crate::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

impl View {
    /// Handles the keys of this file; `None` leaves the key to `on_key`.
    pub(super) fn on_extra_key(&mut self, code: KeyCode, frame: &Frame) -> Option<KeyOutcome> {
        if let Some(outcome) = self.on_replay_key(code, frame) {
            return Some(outcome);
        }
        let before = self.clone();
        let span = span_ms(frame);
        let on_panel = self.expanded && matches!(self.focus, Focus::Panel(_));
        match code {
            KeyCode::Char('+') | KeyCode::Char('=') => self.zoom(frame, true),
            KeyCode::Char('-') | KeyCode::Char('_') => self.zoom(frame, false),
            KeyCode::Char('[') => {
                if self.window_ms.is_none() {
                    self.window_ms = timeview::narrower(None, span);
                }
                let width = timeview::width(self.window_ms, span);
                let step = width / 2;
                self.pan_ms = self.pan_ms.saturating_add(step).min(span - width);
            }
            KeyCode::Char(']') => {
                let step = timeview::width(self.window_ms, span) / 2;
                self.pan_ms = self.pan_ms.saturating_sub(step).max(0);
            }
            KeyCode::Char('0') => {
                self.pan_ms = 0;
                self.paused = false;
                self.cursor_ms = None;
            }
            KeyCode::Char('p') => self.paused = !self.paused,
            KeyCode::Char('t') => self.local_time = !self.local_time,
            KeyCode::Char('s') => {
                self.sort = self.sort.next();
                self.sort_reversed = false;
            }
            KeyCode::Char('S') => self.sort_reversed = !self.sort_reversed,
            KeyCode::Char('/') => {
                let text = self.filter.clone().unwrap_or_default();
                self.prompt = Some(Prompt::new(PromptKind::Filter, &text));
            }
            KeyCode::Char(':') => self.prompt = Some(Prompt::new(PromptKind::Command, "")),
            KeyCode::Left if on_panel => self.step_cursor(frame, false),
            KeyCode::Right if on_panel => self.step_cursor(frame, true),
            _ => return None,
        }
        Some(if *self == before {
            KeyOutcome::Ignored
        } else {
            KeyOutcome::Redraw
        })
    }

    /// A mouse event: a click focuses the region under it (and selects a
    /// row of the instance table), the wheel
    /// narrows (up) or widens (down) the time window.
    pub fn on_mouse(&mut self, ev: MouseEvent, frame: &Frame, area: Rect) -> KeyOutcome {
        if self.help || self.prompt.is_some() {
            return KeyOutcome::Ignored;
        }
        let before = self.clone();
        match ev.kind {
            MouseEventKind::ScrollUp => self.zoom(frame, true),
            MouseEventKind::ScrollDown => self.zoom(frame, false),
            MouseEventKind::Down(MouseButton::Left) if !self.expanded => {
                let at = Position::new(ev.column, ev.row);
                let plan = super::layout::plan(area, frame, self);
                if let Some((f, r)) = plan.focusable().into_iter().find(|(_, r)| r.contains(at)) {
                    // A click on a row of the instance table selects it
                    // (`Enter` then pins), keeping the rows where they are.
                    if f == Focus::Instances {
                        if let Some((row, scroll)) =
                            super::instances::row_at(frame, self, r, ev.row)
                        {
                            self.table_row = row;
                            self.table_scroll = scroll;
                        }
                    }
                    self.focus = f;
                }
            }
            _ => {}
        }
        if *self == before {
            KeyOutcome::Ignored
        } else {
            KeyOutcome::Redraw
        }
    }

    fn zoom(&mut self, frame: &Frame, narrower: bool) {
        let span = span_ms(frame);
        self.window_ms = if narrower {
            timeview::narrower(self.window_ms, span)
        } else {
            timeview::wider(self.window_ms, span)
        };
        let width = timeview::width(self.window_ms, span);
        self.pan_ms = self.pan_ms.clamp(0, span - width);
    }

    /// Moves the cursor to the previous or next point time of the expanded
    /// panel inside the window; the first step lands on the newest point.
    fn step_cursor(&mut self, frame: &Frame, forward: bool) {
        let Focus::Panel(i) = self.focus else { return };
        let Some(panel) = frame.panels.get(i) else {
            return;
        };
        let r = timeview::range(frame, self);
        let mut times: Vec<i64> = panel
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .filter(|t| r.contains(*t))
            .collect();
        times.sort_unstable();
        times.dedup();
        let next = match (self.cursor_ms.filter(|c| r.contains(*c)), forward) {
            (None, _) => times.last().copied(),
            (Some(c), true) => times.iter().find(|t| **t > c).copied().or(Some(c)),
            (Some(c), false) => times.iter().rev().find(|t| **t < c).copied().or(Some(c)),
        };
        if next.is_some() {
            self.cursor_ms = next;
        }
    }

    /// A key while the `/` or `:` prompt is open.
    pub(super) fn on_prompt_key(&mut self, key: KeyEvent, frame: &Frame) -> KeyOutcome {
        let Some(p) = self.prompt.as_mut() else {
            return KeyOutcome::Ignored;
        };
        p.candidates.clear();
        match key.code {
            KeyCode::Esc => self.prompt = None,
            // On an empty prompt Backspace does nothing (as k9s's prompt
            // and readline): closing it there would let the next Enter,
            // meant for the prompt, act on the table (pin a row). Esc
            // closes it.
            KeyCode::Backspace => {
                p.text.pop();
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => p.text.clear(),
            KeyCode::Char(c) => p.text.push(c),
            KeyCode::Tab if p.kind == PromptKind::Command => {
                let names = complete::Names {
                    themes: &Theme::builtin_names(),
                    catalog: &frame.catalog,
                    targets: &frame.targets,
                };
                let c = complete::complete(&p.text, &names);
                p.text = c.text;
                p.candidates = c.candidates;
                p.candidates_at = c.at;
            }
            KeyCode::Enter => return self.submit(frame),
            _ => return KeyOutcome::Ignored,
        }
        self.prompt_edited()
    }

    /// After the open prompt's text changed: a filter is checked as typed,
    /// a command only when run; the table starts again from its top.
    pub(super) fn prompt_edited(&mut self) -> KeyOutcome {
        if let Some(p) = self.prompt.as_mut() {
            p.error_at = None;
            p.error = match p.kind {
                PromptKind::Filter => table_view::compile(&p.text).err(),
                PromptKind::Command => None,
            };
        }
        self.table_scroll = 0;
        KeyOutcome::Redraw
    }

    fn submit(&mut self, frame: &Frame) -> KeyOutcome {
        let Some(p) = self.prompt.take() else {
            return KeyOutcome::Ignored;
        };
        let result = match p.kind {
            PromptKind::Filter => self.set_filter(&p.text).map(|()| KeyOutcome::Redraw),
            PromptKind::Command => {
                prompt::parse(&p.text).and_then(|cmd| self.run_command(cmd, frame))
            }
        };
        match result {
            Ok(outcome) => outcome,
            Err(e) => {
                // Kept open with the error beside it; nothing applied.
                self.prompt = Some(Prompt {
                    error_at: expr_error_at(&p.text, &e),
                    error: Some(e),
                    ..p
                });
                KeyOutcome::Redraw
            }
        }
    }

    fn set_filter(&mut self, text: &str) -> Result<(), String> {
        let text = text.trim();
        if text.is_empty() {
            self.filter = None;
        } else {
            table_view::compile(text)?;
            self.filter = Some(text.to_string());
        }
        self.table_scroll = 0;
        Ok(())
    }

    fn run_command(&mut self, cmd: Cmd, frame: &Frame) -> Result<KeyOutcome, String> {
        Ok(match cmd {
            Cmd::Quit => KeyOutcome::Quit,
            Cmd::Help => {
                self.help = true;
                self.help_scroll = 0;
                KeyOutcome::Redraw
            }
            Cmd::Theme(name) => KeyOutcome::SetTheme(name),
            Cmd::Window(text) => {
                let d = crate::vocab::duration::parse_duration(&text)
                    .map_err(|_| format!("bad window {text:?}: write it like 30m or 2h"))?;
                let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
                if ms < 1000 {
                    return Err("the window must be at least 1s".to_string());
                }
                self.window_ms = Some(ms);
                self.pan_ms = 0;
                self.clamp(frame);
                KeyOutcome::Redraw
            }
            Cmd::Filter(text) => {
                self.set_filter(&text)?;
                KeyOutcome::Redraw
            }
            Cmd::Expr(e) => {
                // Checked here so the error shows where it is, in the prompt.
                let (_, body) = crate::detect::units::split_unit(&e)?;
                crate::promql::parse(body).map_err(|err| err.message)?;
                self.message = Some(format!("adding panel: {e}"));
                KeyOutcome::Send(Command::AddExpr(e))
            }
            Cmd::Export(path) => KeyOutcome::Export(path),
            Cmd::Note(text) => {
                let at_ms = timeview::note_time(frame, self);
                let at = at_ms.unwrap_or(frame.time_ms);
                self.message = Some(format!("note added at {}", timeview::clock(at, self.tz())));
                KeyOutcome::Send(Command::Note { text, at_ms })
            }
            Cmd::GoTo(spec) => self.goto(&spec, frame)?,
        })
    }
}

/// Where in the command line `text` a PromQL error `message` (`... (at
/// column N)`) points, as a character position.
fn expr_error_at(text: &str, message: &str) -> Option<usize> {
    let col = message.rsplit_once("(at column ")?.1;
    let col: usize = col.trim_end_matches(')').parse().ok()?;
    let arg = text.trim_start();
    let (name, rest) = arg.split_once(char::is_whitespace)?;
    if !matches!(name, "expr" | "e") {
        return None;
    }
    let mut rest = rest.trim_start();
    // `unit=NAME ` before the expression.
    if let Some(after) = rest.strip_prefix("unit=") {
        rest = after
            .split_once(char::is_whitespace)
            .map_or("", |(_, e)| e.trim_start());
    }
    let lead = text.len() - rest.len();
    Some(text[..lead].chars().count() + col.saturating_sub(1))
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
