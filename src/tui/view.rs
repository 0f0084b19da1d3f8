//! What the user is looking at (focus, expanded panel, help, scroll) and
//! how keys change it. No drawing here and no I/O.

use super::layout::{self, Areas};
use super::prompt::Prompt;
use super::table_view::SortKey;
use crate::frame::{Command, Frame};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;

/// The focused region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    /// A panel, by index in `Frame::panels`.
    Panel(usize),
    /// The instance table.
    Instances,
}

/// The view state the event loop keeps between frames.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    pub focus: Focus,
    /// The focused panel (or table) fills the body.
    pub expanded: bool,
    /// The `?` overlay is open.
    pub help: bool,
    /// First line of the help overlay shown.
    pub help_scroll: u16,
    /// First row of the instance table shown.
    pub table_scroll: usize,
    /// Plain ASCII only (`--ascii`).
    pub ascii: bool,
    /// Shown first on the status line (`vitals demo`, `vitals`).
    pub title: String,
    /// The wall clock at drawing time (ms since the epoch), set by the event
    /// loop; used only to tell how old the data is. `None` in tests that do
    /// not care.
    pub now_ms: Option<i64>,
    /// The diagnostics log, when the frame does not name one.
    pub log_path: Option<String>,
    /// The configuration file in use (help shows it).
    pub config_path: Option<String>,
    /// Width of the chart window in ms; `None`: the default, the last 15
    /// minutes ([`super::timeview::DEFAULT_WINDOW_MS`]).
    pub window_ms: Option<i64>,
    /// How far back from the newest data the window ends, in ms.
    pub pan_ms: i64,
    /// The view holds the frame it had; new frames wait underneath.
    pub paused: bool,
    /// The value cursor of the expanded panel (ms since the epoch).
    pub cursor_ms: Option<i64>,
    /// The instance table's sort column and direction.
    pub sort: SortKey,
    pub sort_reversed: bool,
    /// The committed instance filter (a regex over instance and job).
    pub filter: Option<String>,
    /// The `/` or `:` prompt being typed.
    pub prompt: Option<Prompt>,
    /// A one-line message at the bottom (a command's error), until the next key.
    pub message: Option<String>,
    /// Times are shown in local time instead of UTC.
    pub local_time: bool,
    /// The local offset from UTC in seconds, computed once at start.
    pub local_offset_s: i32,
    /// The selected row of the instance table (position among the rows
    /// shown), moved by `j`/`k` while the table has focus.
    pub table_row: usize,
    /// The instance every panel is pinned to (`Enter` on a row, `Esc` ends).
    pub pinned: Option<String>,
    /// The alerts list, its selection and mute prompt, and the bell.
    pub alerts: super::alerts_keys::AlertsView,
}

impl Default for View {
    fn default() -> View {
        View {
            focus: Focus::Panel(0),
            expanded: false,
            help: false,
            help_scroll: 0,
            table_scroll: 0,
            ascii: false,
            title: "vitals".to_string(),
            now_ms: None,
            log_path: None,
            config_path: None,
            window_ms: None,
            pan_ms: 0,
            paused: false,
            cursor_ms: None,
            sort: SortKey::Natural,
            sort_reversed: false,
            filter: None,
            prompt: None,
            message: None,
            local_time: false,
            local_offset_s: 0,
            table_row: 0,
            pinned: None,
            alerts: Default::default(),
        }
    }
}

/// What a key asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyOutcome {
    /// Leave the dashboard.
    Quit,
    /// The view changed: draw again.
    Redraw,
    /// Nothing to do.
    Ignored,
    /// Ask the engine for something (and draw again).
    Send(Command),
    /// Switch to the named theme (`:theme NAME`).
    SetTheme(String),
    /// Write the Markdown summary (`:export [PATH]`; `None`: the state dir)
    /// and offer it to the clipboard.
    Export(Option<String>),
}

#[derive(Clone, Copy)]
enum Dir {
    Left,
    Right,
    Up,
    Down,
}

impl View {
    /// Applies one key. `area` is the whole screen, used to move focus by
    /// position.
    pub fn on_key(&mut self, key: KeyEvent, frame: &Frame, area: Rect) -> KeyOutcome {
        if key.kind == KeyEventKind::Release {
            return KeyOutcome::Ignored;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('c') {
            return KeyOutcome::Quit;
        }
        if self.prompt.is_some() {
            return self.on_prompt_key(key, frame);
        }
        if let Some(outcome) = self.on_alerts_key(key, frame) {
            return outcome;
        }
        if key.code == KeyCode::Char('q') {
            return KeyOutcome::Quit;
        }
        if self.help {
            return self.on_help_key(key.code);
        }
        let before = self.clone();
        self.message = None;
        if let Some(outcome) = self.on_table_key(key.code, frame) {
            return outcome;
        }
        if let Some(outcome) = self.on_extra_key(key.code, frame) {
            return outcome;
        }
        match key.code {
            KeyCode::Char('?') => {
                self.help = true;
                self.help_scroll = 0;
            }
            KeyCode::Esc => {
                self.expanded = false;
                self.cursor_ms = None;
            }
            KeyCode::Enter | KeyCode::Char('e') => self.expanded = true,
            KeyCode::Tab => self.cycle(frame, area, true),
            KeyCode::BackTab => self.cycle(frame, area, false),
            KeyCode::Char('h') | KeyCode::Left => self.go(frame, area, Dir::Left),
            KeyCode::Char('l') | KeyCode::Right => self.go(frame, area, Dir::Right),
            KeyCode::Char('k') | KeyCode::Up => self.go(frame, area, Dir::Up),
            KeyCode::Char('j') | KeyCode::Down => self.go(frame, area, Dir::Down),
            KeyCode::PageDown => self.table_scroll = self.table_scroll.saturating_add(10),
            KeyCode::PageUp => self.table_scroll = self.table_scroll.saturating_sub(10),
            KeyCode::Home => self.table_scroll = 0,
            KeyCode::Char('r') => return KeyOutcome::Send(Command::Reload),
            _ => return KeyOutcome::Ignored,
        }
        self.clamp(frame);
        if *self == before {
            KeyOutcome::Ignored
        } else {
            KeyOutcome::Redraw
        }
    }

    fn on_help_key(&mut self, code: KeyCode) -> KeyOutcome {
        match code {
            KeyCode::Char('?') | KeyCode::Esc | KeyCode::Enter => self.help = false,
            KeyCode::Char('j') | KeyCode::Down => {
                self.help_scroll = self.help_scroll.saturating_add(1)
            }
            KeyCode::Char('k') | KeyCode::Up => {
                self.help_scroll = self.help_scroll.saturating_sub(1)
            }
            KeyCode::PageDown => self.help_scroll = self.help_scroll.saturating_add(10),
            KeyCode::PageUp => self.help_scroll = self.help_scroll.saturating_sub(10),
            _ => return KeyOutcome::Ignored,
        }
        KeyOutcome::Redraw
    }

    /// Keeps focus and scroll inside what the frame has.
    pub fn clamp(&mut self, frame: &Frame) {
        if let Focus::Panel(i) = self.focus {
            if i >= frame.panels.len() {
                self.focus = if frame.panels.is_empty() {
                    Focus::Instances
                } else {
                    Focus::Panel(frame.panels.len() - 1)
                };
            }
        }
        if self.focus == Focus::Instances && frame.instances.is_empty() && !frame.panels.is_empty()
        {
            self.focus = Focus::Panel(0);
        }
        self.table_scroll = self
            .table_scroll
            .min(frame.instances.len().saturating_sub(1));
    }

    /// The offset to write times with: `None` for UTC.
    pub fn tz(&self) -> Option<i32> {
        self.local_time.then_some(self.local_offset_s)
    }

    fn grid_plan(&self, frame: &Frame, area: Rect) -> Areas {
        let mut grid_view = self.clone();
        grid_view.expanded = false;
        layout::plan(area, frame, &grid_view)
    }

    fn cycle(&mut self, frame: &Frame, area: Rect, forward: bool) {
        let regions = self.grid_plan(frame, area).focusable();
        if regions.is_empty() {
            return;
        }
        let pos = regions.iter().position(|(f, _)| *f == self.focus);
        let next = match (pos, forward) {
            (None, _) => 0,
            (Some(p), true) => (p + 1) % regions.len(),
            (Some(p), false) => (p + regions.len() - 1) % regions.len(),
        };
        self.focus = regions[next].0;
    }

    fn go(&mut self, frame: &Frame, area: Rect, dir: Dir) {
        if self.expanded {
            return;
        }
        let regions = self.grid_plan(frame, area).focusable();
        let Some((_, cur)) = regions.iter().find(|(f, _)| *f == self.focus) else {
            if let Some((f, _)) = regions.first() {
                self.focus = *f;
            }
            return;
        };
        let center = |r: &Rect| {
            (
                i32::from(r.x) * 2 + i32::from(r.width),
                i32::from(r.y) * 2 + i32::from(r.height),
            )
        };
        let (cx, cy) = center(cur);
        let best = regions
            .iter()
            .filter(|(f, _)| *f != self.focus)
            .filter_map(|(f, r)| {
                let (x, y) = center(r);
                let (along, across) = match dir {
                    Dir::Left => (cx - x, (y - cy).abs()),
                    Dir::Right => (x - cx, (y - cy).abs()),
                    Dir::Up => (cy - y, (x - cx).abs()),
                    Dir::Down => (y - cy, (x - cx).abs()),
                };
                (along > 0).then_some((along + 3 * across, *f))
            })
            .min_by_key(|(score, _)| *score);
        if let Some((_, f)) = best {
            self.focus = f;
        }
    }
}

#[cfg(test)]
#[path = "view_tests.rs"]
mod tests;
