//! Choosing an instance: while the instance table has focus `j`/`k` (and
//! the arrows, PgUp/PgDn, Home) move a selected row; `Enter` pins every
//! panel to the selected instance (the engine rewrites each panel for that
//! instance alone) and `Esc` goes back to the whole fleet.

use super::table_view;
use super::view::{Focus, KeyOutcome, View};
use crate::frame::{Command, Frame};
use crossterm::event::KeyCode;

impl View {
    /// Keys of the instance table's selection and of pinning; `None` leaves
    /// the key to the other handlers.
    pub(super) fn on_table_key(&mut self, code: KeyCode, frame: &Frame) -> Option<KeyOutcome> {
        if code == KeyCode::Esc && !self.expanded && self.cursor_ms.is_none() {
            let instance = self.pinned.take()?;
            self.message = Some(format!("unpinned {instance}: the whole fleet again"));
            return Some(KeyOutcome::Send(Command::Pin(None)));
        }
        if self.focus != Focus::Instances || frame.instances.is_empty() {
            return None;
        }
        let shown = table_view::visible(frame, self);
        let last = shown.len().saturating_sub(1);
        let row = self.table_row.min(last);
        let moved = match code {
            KeyCode::Char('j') | KeyCode::Down if row < last => row + 1,
            // At the top row `k` leaves the table, as focus moves do.
            KeyCode::Char('k') | KeyCode::Up if row > 0 => row - 1,
            KeyCode::PageDown => (row + 10).min(last),
            KeyCode::PageUp => row.saturating_sub(10),
            KeyCode::Home => 0,
            KeyCode::Enter => {
                let i = *shown.get(row)?;
                let instance = frame.instances[i].instance.clone();
                self.table_row = row;
                self.expanded = false;
                self.message = None;
                self.pinned = Some(instance.clone());
                return Some(KeyOutcome::Send(Command::Pin(Some(instance))));
            }
            _ => return None,
        };
        self.table_row = moved;
        // Page keys also scroll the table (see `on_key`).
        if matches!(code, KeyCode::PageDown | KeyCode::PageUp | KeyCode::Home) {
            return None;
        }
        Some(KeyOutcome::Redraw)
    }

    /// The selected row's position among the rows shown, when the table has
    /// focus.
    pub fn selected_row(&self, shown: usize) -> Option<usize> {
        (self.focus == Focus::Instances && shown > 0).then(|| self.table_row.min(shown - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::InstanceRow;
    use crossterm::event::{KeyEvent, KeyModifiers};
    use ratatui::layout::Rect;

    fn frame() -> Frame {
        Frame {
            instances: (1..=3)
                .map(|i| InstanceRow {
                    instance: format!("10.0.0.{i}:9100"),
                    job: "node".into(),
                    up: true,
                    ..Default::default()
                })
                .collect(),
            ..Frame::default()
        }
    }

    fn press(v: &mut View, f: &Frame, code: KeyCode) -> KeyOutcome {
        v.on_key(
            KeyEvent::new(code, KeyModifiers::NONE),
            f,
            Rect::new(0, 0, 80, 24),
        )
    }

    /// Backspace on an empty `/` prompt leaves it open (k9s, readline), so
    /// the Enter typed next submits the prompt (an empty filter: all rows)
    /// and never reaches the table to pin a row.
    #[test]
    fn enter_after_backspace_on_an_empty_filter_prompt_pins_nothing() {
        let f = frame();
        let mut v = View {
            focus: Focus::Instances,
            filter: Some("0.0.2".into()),
            ..View::default()
        };
        press(&mut v, &f, KeyCode::Char('j'));
        press(&mut v, &f, KeyCode::Char('/'));
        for _ in 0.."0.0.2".len() + 2 {
            press(&mut v, &f, KeyCode::Backspace);
        }
        assert!(v.prompt.is_some());
        assert_eq!(press(&mut v, &f, KeyCode::Enter), KeyOutcome::Redraw);
        assert!(v.prompt.is_none());
        assert_eq!(v.filter, None);
        assert_eq!(v.pinned, None);
    }

    #[test]
    fn enter_pins_the_selected_row_and_esc_unpins() {
        let f = frame();
        let mut v = View {
            focus: Focus::Instances,
            expanded: true,
            ..View::default()
        };
        assert_eq!(press(&mut v, &f, KeyCode::Char('j')), KeyOutcome::Redraw);
        assert_eq!(press(&mut v, &f, KeyCode::Down), KeyOutcome::Redraw);
        // The last row: no further.
        press(&mut v, &f, KeyCode::Char('j'));
        assert_eq!(v.table_row, 2);
        press(&mut v, &f, KeyCode::Char('k'));
        let out = press(&mut v, &f, KeyCode::Enter);
        assert_eq!(
            out,
            KeyOutcome::Send(Command::Pin(Some("10.0.0.2:9100".into())))
        );
        assert_eq!(v.pinned.as_deref(), Some("10.0.0.2:9100"));
        assert!(!v.expanded, "pinning shows the pinned panels");
        assert_eq!(
            press(&mut v, &f, KeyCode::Esc),
            KeyOutcome::Send(Command::Pin(None))
        );
        assert_eq!(v.pinned, None);
        // Nothing pinned, nothing expanded: Esc only clears the message.
        press(&mut v, &f, KeyCode::Esc);
        assert_eq!(press(&mut v, &f, KeyCode::Esc), KeyOutcome::Ignored);
    }

    #[test]
    fn esc_closes_the_expanded_panel_before_unpinning() {
        let f = frame();
        let mut v = View {
            expanded: true,
            pinned: Some("10.0.0.1:9100".into()),
            ..View::default()
        };
        assert_eq!(press(&mut v, &f, KeyCode::Esc), KeyOutcome::Redraw);
        assert!(!v.expanded);
        assert!(v.pinned.is_some());
        assert_eq!(
            press(&mut v, &f, KeyCode::Esc),
            KeyOutcome::Send(Command::Pin(None))
        );
    }

    #[test]
    fn the_selection_follows_the_filter_and_k_at_the_top_leaves_the_table() {
        let f = frame();
        let mut v = View {
            focus: Focus::Instances,
            table_row: 2,
            filter: Some("0\\.3".into()),
            ..View::default()
        };
        // One row shown: the selection is on it.
        assert_eq!(v.selected_row(1), Some(0));
        assert_eq!(
            press(&mut v, &f, KeyCode::Enter),
            KeyOutcome::Send(Command::Pin(Some("10.0.0.3:9100".into())))
        );
        let f = Frame {
            panels: vec![Default::default()],
            ..frame()
        };
        let mut v = View {
            focus: Focus::Instances,
            ..View::default()
        };
        press(&mut v, &f, KeyCode::Char('k'));
        assert_eq!(v.focus, Focus::Panel(0));
        // Panels have no selection: Enter expands as before.
        press(&mut v, &f, KeyCode::Enter);
        assert!(v.expanded);
    }
}
