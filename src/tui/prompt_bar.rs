//! The bottom row while a `/` or `:` prompt is open (its text, a cursor,
//! and its error, with the character it points at marked; text longer
//! than the row scrolls so its end, the cursor and the error stay in
//! view), or a one-line message after a command; above it, after an
//! ambiguous Tab, a popup of the candidates starting at the word being
//! completed.

use super::view::View;
use crate::frame::Level;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

pub fn render(view: &View, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if area.height < 3 {
        return;
    }
    let row = Rect::new(area.x, area.bottom() - 1, area.width, 1);
    let line = if let Some(p) = &view.prompt {
        let tail = if let Some(e) = &p.error {
            Span::styled(format!("  {e}"), theme.level(Level::Warn))
        } else if !p.candidates.is_empty() {
            Span::styled(
                format!("  {} matches: type more, Tab again", p.candidates.len()),
                theme.muted(),
            )
        } else {
            let help = if p.is_filter() {
                "  regex on instance or job; Enter keeps, Esc cancels"
            } else {
                "  Tab completes, Enter runs, Esc cancels"
            };
            Span::styled(help, theme.muted())
        };
        let chars: Vec<char> = p.text.chars().collect();
        // Room is kept for an error; help and candidate counts give way.
        let keep = if p.error.is_some() {
            tail.content.chars().count()
        } else {
            0
        };
        let shown = window(chars.len(), keep, area.width);
        let mut spans = vec![Span::styled(p.sigil().to_string(), theme.text())];
        if shown.start > 0 {
            spans.push(Span::styled(ELLIPSIS.to_string(), theme.muted()));
        }
        let text = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
        match p
            .error_at
            .filter(|at| (shown.start..chars.len()).contains(at))
        {
            Some(at) => {
                let mark = theme
                    .level(Level::Warn)
                    .add_modifier(Modifier::UNDERLINED | Modifier::REVERSED);
                spans.push(Span::styled(text(shown.start, at), theme.text()));
                spans.push(Span::styled(chars[at].to_string(), mark));
                spans.push(Span::styled(text(at + 1, chars.len()), theme.text()));
            }
            None => spans.push(Span::styled(text(shown.start, chars.len()), theme.text())),
        }
        spans.push(Span::styled(
            " ",
            theme.text().add_modifier(Modifier::REVERSED),
        ));
        spans.push(tail);
        if !p.candidates.is_empty() {
            let at = (p.candidates_at + 1).saturating_sub(shown.start);
            popup(&p.candidates, at, theme, area, buf);
        }
        Line::from(spans)
    } else if let Some(m) = &view.message {
        // A message longer than the row wraps upwards (at most three
        // rows) instead of being cut.
        let need = m.chars().count().div_ceil(usize::from(area.width.max(1)));
        let rows = u16::try_from(need).unwrap_or(u16::MAX).clamp(1, 3);
        let rows = rows.min(area.height);
        let at = Rect::new(area.x, area.bottom() - rows, area.width, rows);
        Clear.render(at, buf);
        Paragraph::new(Line::from(Span::styled(m.as_str(), theme.info())))
            .wrap(Wrap { trim: false })
            .render(at, buf);
        return;
    } else {
        return;
    };
    Clear.render(row, buf);
    line.render(row, buf);
}

/// Marks text cut off at the start of a scrolled prompt.
const ELLIPSIS: char = '…';

/// Columns kept for the prompt's text whatever the length of its error.
const MIN_TEXT_COLUMNS: usize = 24;

/// The part of a prompt's text shown: text longer than the row scrolls so
/// its end (where the cursor is) and the error or help after it stay
/// visible; `start > 0` means an ellipsis stands for the text before.
#[derive(Debug, PartialEq)]
struct Shown {
    start: usize,
}

/// Which characters of a `len`-character text fit a row `width` columns
/// wide beside the sigil, the cursor and a `tail`-column error.
fn window(len: usize, tail: usize, width: u16) -> Shown {
    let width = usize::from(width);
    // Sigil and cursor.
    let room = width.saturating_sub(2);
    if len + tail <= room {
        return Shown { start: 0 };
    }
    let text_room = room.saturating_sub(tail).max(MIN_TEXT_COLUMNS.min(room));
    if len <= text_room {
        return Shown { start: 0 };
    }
    // One column goes to the ellipsis.
    Shown {
        start: len - text_room.saturating_sub(1),
    }
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
