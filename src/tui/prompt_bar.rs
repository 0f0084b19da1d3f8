//! The bottom row while a `/` or `:` prompt is open (its text, a cursor,
//! and its error, with the character it points at marked), or a one-line
//! message after a command; above it, after an ambiguous Tab, a popup of
//! the candidates starting at the word being completed.

use super::view::View;
use crate::frame::Level;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Widget};

pub fn render(view: &View, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if area.height < 3 {
        return;
    }
    let row = Rect::new(area.x, area.bottom() - 1, area.width, 1);
    let line = if let Some(p) = &view.prompt {
        let mut spans = vec![Span::styled(p.sigil().to_string(), theme.text())];
        let chars: Vec<char> = p.text.chars().collect();
        match p.error_at.filter(|at| *at < chars.len()) {
            Some(at) => {
                let mark = theme
                    .level(Level::Warn)
                    .add_modifier(Modifier::UNDERLINED | Modifier::REVERSED);
                spans.push(Span::styled(
                    chars[..at].iter().collect::<String>(),
                    theme.text(),
                ));
                spans.push(Span::styled(chars[at].to_string(), mark));
                spans.push(Span::styled(
                    chars[at + 1..].iter().collect::<String>(),
                    theme.text(),
                ));
            }
            None => spans.push(Span::styled(p.text.as_str(), theme.text())),
        }
        spans.push(Span::styled(
            " ",
            theme.text().add_modifier(Modifier::REVERSED),
        ));
        if let Some(e) = &p.error {
            spans.push(Span::styled(format!("  {e}"), theme.level(Level::Warn)));
        } else if !p.candidates.is_empty() {
            spans.push(Span::styled(
                format!("  {} matches: type more, Tab again", p.candidates.len()),
                theme.muted(),
            ));
        } else {
            let help = if p.is_filter() {
                "  regex on instance or job; Enter keeps, Esc cancels"
            } else {
                "  Tab completes, Enter runs, Esc cancels"
            };
            spans.push(Span::styled(help, theme.muted()));
        }
        if !p.candidates.is_empty() {
            popup(&p.candidates, p.candidates_at + 1, theme, area, buf);
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

/// The candidates in a box just above the bottom row, its text starting
/// under column `col` (the word being completed) where it fits; at most
/// half the screen tall, the rest counted on the last line.
fn popup(items: &[String], col: usize, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let max_rows = usize::from(area.height / 2).saturating_sub(2).clamp(1, 12);
    let (shown, more) = if items.len() > max_rows {
        (&items[..max_rows - 1], items.len() - (max_rows - 1))
    } else {
        (items, 0)
    };
    let more_line = (more > 0).then(|| format!("... {more} more"));
    let inner_w = shown
        .iter()
        .map(|s| s.chars().count())
        .chain(more_line.iter().map(|s| s.chars().count()))
        .max()
        .unwrap_or(0);
    let w = u16::try_from(inner_w + 2)
        .unwrap_or(u16::MAX)
        .min(area.width);
    let rows = shown.len() + usize::from(more_line.is_some());
    let h = u16::try_from(rows + 2).unwrap_or(u16::MAX);
    if w < 4 || h + 1 > area.height {
        return;
    }
    // The box's left border sits one column before the word.
    let col = u16::try_from(col.saturating_sub(1)).unwrap_or(u16::MAX);
    let x = area.x + col.min(area.width - w);
    let rect = Rect::new(x, area.bottom() - 1 - h, w, h);
    Clear.render(rect, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true));
    let inner = block.inner(rect);
    block.render(rect, buf);
    for (i, s) in shown.iter().enumerate() {
        let y = inner.y + i as u16;
        buf.set_stringn(inner.x, y, s, usize::from(inner.width), theme.text());
    }
    if let Some(m) = more_line {
        let y = inner.y + shown.len() as u16;
        buf.set_stringn(inner.x, y, m, usize::from(inner.width), theme.muted());
    }
}
