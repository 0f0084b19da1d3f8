//! Small screens: every panel as one row (state glyph, name, current
//! values, a sparkline of the worst series, state word) inside one box.

use super::format;
use super::glyphs::{level_word, Glyphs};
use super::levels::{finite_points, headline, headline_level, panel_level};
use super::plot::ChartCtx;
use crate::frame::{Level, Panel};
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

const TITLE_WIDTH: usize = 11;
const WORD_WIDTH: usize = 5;
const MIN_SPARK: usize = 6;
const MAX_SPARK: usize = 40;

/// Draws the box around the rows.
pub fn render_box(ascii: bool, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let g = Glyphs::new(ascii);
    Block::default()
        .borders(Borders::ALL)
        .border_set(g.border())
        .border_style(theme.border(false))
        .title(Span::styled(" Signals ", theme.accent()))
        .render(area, buf);
}

/// Draws one panel as one row.
pub fn render_row(
    panel: &Panel,
    focused: bool,
    ctx: &ChartCtx,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let ascii = ctx.ascii;
    let g = Glyphs::new(ascii);
    let width = usize::from(area.width);
    let level = panel_level(panel);
    let marker = if focused {
        if ascii {
            ">"
        } else {
            "›"
        }
    } else {
        " "
    };
    let title_style = if focused {
        theme.accent().add_modifier(Modifier::REVERSED)
    } else {
        theme.accent()
    };
    let mut left = vec![
        Span::styled(marker, theme.accent()),
        Span::styled(g.level(level), theme.level(level)),
        Span::raw(" "),
        Span::styled(
            format!(
                "{:<TITLE_WIDTH$}",
                format::truncate(&panel.title, TITLE_WIDTH)
            ),
            title_style,
        ),
        Span::raw(" "),
    ];
    let mut spark_values: Vec<f64> = Vec::new();
    if let Some(err) = &panel.error {
        left.push(Span::styled(
            format!("error: {err}"),
            theme.level(Level::Warn),
        ));
    } else if let Some((hi, head, v)) = headline(panel) {
        let l = headline_level(panel, v);
        left.push(Span::styled(
            format::value(v, panel.unit),
            theme.level(l).add_modifier(Modifier::BOLD),
        ));
        if panel.series.len() > 1 {
            left.push(Span::styled(
                format!(" {}", format::truncate(&head.legend, 16)),
                theme.muted(),
            ));
        }
        if panel.series.len() <= 3 {
            for (i, s) in panel.series.iter().enumerate().filter(|(i, _)| *i != hi) {
                left.push(Span::styled(
                    format!(" {}", s.legend),
                    Style::new().fg(theme.series(i)),
                ));
                left.push(Span::styled(
                    format!(" {}", format::opt_value(s.value, panel.unit)),
                    theme.text(),
                ));
            }
        } else {
            left.push(Span::styled(
                format!(" (worst of {})", panel.series.len()),
                theme.muted(),
            ));
        }
        spark_values = finite_points(head)
            .filter(|(t, _)| ctx.range.contains(*t))
            .map(|p| p.1)
            .collect();
    } else {
        left.push(Span::styled("no data", theme.muted()));
    }
    let mut right = Vec::new();
    if panel.warming_up {
        right.push(Span::styled(
            format!("{}warming ", g.ellipsis),
            theme.muted(),
        ));
    }
    right.push(Span::styled(
        format!("{:>WORD_WIDTH$}", level_word(level)),
        theme.level(level),
    ));
    let left_w: usize = left.iter().map(|s| s.content.chars().count()).sum();
    let right_w: usize = right.iter().map(|s| s.content.chars().count()).sum();
    let free = width.saturating_sub(left_w + right_w + 2);
    if free >= MIN_SPARK && !spark_values.is_empty() {
        let n = free.min(MAX_SPARK);
        left.push(Span::raw(" ".repeat(free - n + 1)));
        left.push(Span::styled(
            g.sparkline(&spark_values, n),
            theme.level(level).remove_modifier(Modifier::REVERSED),
        ));
        left.push(Span::raw(" "));
    } else {
        left.push(Span::raw(" ".repeat(free + 2)));
    }
    Line::from(left).render(area, buf);
    if left_w + right_w < width {
        Line::from(right).right_aligned().render(area, buf);
    }
}
