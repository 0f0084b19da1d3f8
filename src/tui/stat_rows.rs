//! Small screens: every panel as one row (state glyph, name, current
//! values, a sparkline of the worst series, state word) inside one box.

use super::glyphs::{level_word, Glyphs};
use super::levels::{finite_points, headline};
use super::plot::ChartCtx;
use crate::frame::{Level, Panel};
use crate::report::format;
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
    let level = panel.level;
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
        // The headline is the worst value: its state is the panel's.
        left.push(Span::styled(
            format::value(v, panel.unit),
            theme.level(level).add_modifier(Modifier::BOLD),
        ));
        if panel.series.len() > 1 {
            left.push(Span::styled(
                format!(" {}", format::truncate(&head.legend, 16)),
                theme.muted(),
            ));
        }
        // Series of their own expressions (up, targets, desired, …) are
        // different signals, all worth reading; a breakdown by instance is
        // summed up by its worst.
        let signals = panel.exprs.len() >= panel.series.len();
        if panel.series.len() <= 3 || signals {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{Panel, Series};
    use crate::theme::ColorDepth;

    fn row(panel: &Panel) -> String {
        let ctx = ChartCtx {
            range: super::super::timeview::Range {
                start: 0,
                end: 60_000,
                live: true,
            },
            interval: std::time::Duration::from_secs(2),
            cursor: None,
            tz: None,
            ascii: false,
        };
        let theme = Theme::load_with_depth("dark", ColorDepth::TrueColor).unwrap();
        let area = Rect::new(0, 0, 100, 1);
        let mut buf = Buffer::empty(area);
        render_row(panel, false, &ctx, &theme, area, &mut buf);
        (0..area.width).map(|x| buf[(x, 0)].symbol()).collect()
    }

    fn series(legend: &str, v: f64) -> Series {
        Series {
            legend: legend.into(),
            value: Some(v),
            points: vec![(60_000, v)],
            ..Series::default()
        }
    }

    #[test]
    fn separate_signals_are_all_shown_and_a_breakdown_by_its_worst() {
        let names = ["up", "targets", "current", "desired"];
        let signals = Panel {
            title: "Instances".into(),
            exprs: names.iter().map(|n| format!("count({n})")).collect(),
            series: names.iter().map(|n| series(n, 5.0)).collect(),
            ..Panel::default()
        };
        let r = row(&signals);
        assert!(r.contains("targets 5 current 5 desired 5"), "{r}");
        assert!(!r.contains("worst of"), "{r}");
        let breakdown = Panel {
            title: "CPU".into(),
            exprs: vec!["rate(cpu[1m])".into()],
            series: (0..4).map(|i| series(&format!("host{i}"), 0.5)).collect(),
            ..Panel::default()
        };
        assert!(
            row(&breakdown).contains("(worst of 4)"),
            "{}",
            row(&breakdown)
        );
    }
}
