//! Small screens: every panel as one row (state glyph, name, current
//! values, a sparkline of the worst series, state word) inside one box.

use super::glyphs::{level_word, Glyphs};
use super::levels::{current_count, finite_points, headline, of_limit};
use super::plot::{self, ChartCtx};
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
/// The headline's legend at most, and at least when it gives way.
const LEGEND_WIDTH: usize = 16;
const MIN_LEGEND: usize = 8;
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
    // The headline's legend: the one text that gives way to the scale.
    let mut legend_at: Option<(usize, &str)> = None;
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
            legend_at = Some((left.len(), head.legend.as_str()));
            left.push(Span::styled(
                format!(" {}", format::truncate(&head.legend, LEGEND_WIDTH)),
                theme.muted(),
            ));
        }
        // `92 desired of max 40`.
        if let Some(max) = of_limit(panel) {
            left.push(Span::styled(
                max,
                theme.level(level).add_modifier(Modifier::BOLD),
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
                format!(" (worst of {})", current_count(panel)),
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
    let right_w: usize = right.iter().map(|s| s.content.chars().count()).sum();
    // The sparkline's scale (min–max at its right) and the first threshold
    // on it, so a bar reads against something: 101ms under a 200ms
    // threshold is half a bar, not a full one.
    let (lo, hi) = plot::y_bounds(panel, Some(ctx.range));
    let lo_text = if lo == 0.0 {
        "0".to_string()
    } else {
        format::value(lo, panel.unit)
    };
    let scale = format!(" {lo_text}–{}", format::value(hi, panel.unit));
    let mark = spark_threshold(panel, &g, lo, hi);
    let mut left_w: usize = left.iter().map(|s| s.content.chars().count()).sum();
    // The legend gives up characters (down to MIN_LEGEND) before the
    // sparkline loses its scale and threshold.
    let want = MIN_SPARK + scale.chars().count() + mark.chars().count();
    let short = (left_w + right_w + 2 + want).saturating_sub(width);
    if let (Some((i, legend)), true) = (legend_at, short > 0 && !spark_values.is_empty()) {
        let now = left[i].content.chars().count() - 1;
        let keep = now.saturating_sub(short).max(MIN_LEGEND.min(now));
        left[i].content = format!(" {}", format::truncate(legend, keep)).into();
        left_w = left.iter().map(|s| s.content.chars().count()).sum();
    }
    let free = width.saturating_sub(left_w + right_w + 2);
    // No sparkline without its scale: one that does not fit with it is
    // left out.
    let tails = [format!("{scale}{mark}"), scale];
    let tail = tails
        .into_iter()
        .find(|t| free >= MIN_SPARK + t.chars().count());
    match tail {
        Some(tail) if !spark_values.is_empty() => {
            let n = (free - tail.chars().count()).min(MAX_SPARK);
            left.push(Span::raw(" ".repeat(free - n - tail.chars().count() + 1)));
            left.push(Span::styled(
                g.sparkline_in(&spark_values, n, lo, hi),
                theme.level(level).remove_modifier(Modifier::REVERSED),
            ));
            left.push(Span::styled(tail, theme.muted()));
            left.push(Span::raw(" "));
        }
        _ => left.push(Span::raw(" ".repeat(free + 2))),
    }
    Line::from(left).render(area, buf);
    if left_w + right_w < width {
        Line::from(right).right_aligned().render(area, buf);
    }
}

/// ` ▲150ms`: the lowest threshold on the sparkline's scale, marked with
/// its level's glyph (warn before crit), or nothing.
fn spark_threshold(panel: &Panel, g: &Glyphs, lo: f64, hi: f64) -> String {
    [(panel.warn, Level::Warn), (panel.crit, Level::Crit)]
        .into_iter()
        .find_map(|(v, l)| v.filter(|v| *v >= lo && *v <= hi).map(|v| (v, l)))
        .map(|(v, l)| format!(" {}{}", g.level(l), format::value(v, panel.unit)))
        .unwrap_or_default()
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
            notes: &[],
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

    /// 101ms under a 200ms threshold is about half a bar, and the row says
    /// the scale and where the threshold is.
    #[test]
    fn a_sparkline_carries_its_scale_and_threshold() {
        let latency = Panel {
            title: "Latency".into(),
            unit: crate::frame::Unit::Seconds,
            warn: Some(0.15),
            crit: Some(0.2),
            series: vec![Series {
                legend: "p99".into(),
                value: Some(0.101),
                points: (0..30).map(|i| (i * 2000, 0.101)).collect(),
                ..Series::default()
            }],
            ..Panel::default()
        };
        let r = row(&latency);
        assert!(r.contains("0–210ms ▲150ms"), "{r}");
        assert!(!r.contains('█'), "{r}");
        assert!(r.contains("▄▄▄"), "{r}");
    }
}
