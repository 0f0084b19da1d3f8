//! The bottom row while a `/` or `:` prompt is open (its text, a cursor,
//! and its error or completions), or a one-line message after a command.

use super::view::View;
use crate::frame::Level;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Widget};

pub fn render(view: &View, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if area.height < 3 {
        return;
    }
    let row = Rect::new(area.x, area.bottom() - 1, area.width, 1);
    let line = if let Some(p) = &view.prompt {
        let mut spans = vec![
            Span::styled(format!("{}{}", p.sigil(), p.text), theme.text()),
            Span::styled(" ", theme.text().add_modifier(Modifier::REVERSED)),
        ];
        if let Some(e) = &p.error {
            spans.push(Span::styled(format!("  {e}"), theme.level(Level::Warn)));
        } else if let Some(h) = &p.hint {
            spans.push(Span::styled(format!("  {h}"), theme.muted()));
        } else {
            let help = if p.is_filter() {
                "  regex on instance or job; Enter keeps, Esc cancels"
            } else {
                "  Tab completes, Enter runs, Esc cancels"
            };
            spans.push(Span::styled(help, theme.muted()));
        }
        Line::from(spans)
    } else if let Some(m) = &view.message {
        Line::from(Span::styled(m.as_str(), theme.info()))
    } else {
        return;
    };
    Clear.render(row, buf);
    line.render(row, buf);
}
