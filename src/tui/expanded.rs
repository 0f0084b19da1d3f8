//! The focused panel over the whole body: a big chart, a legend with each
//! series' current, minimum and maximum value, and the expressions.

use super::glyphs::Glyphs;
use super::graph;
use super::levels::finite_points;
use super::plot::{self, ChartCtx};
use super::timeview::clock;
use crate::frame::{Level, Panel, Series};
use crate::report::format;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Widget, Wrap};

/// A series' value at the cursor: the point at that instant, or the one
/// just before it when it is no older than an interval and a half.
pub fn value_at(s: &Series, t: i64, ctx: &ChartCtx) -> Option<f64> {
    let tolerance = i64::try_from(ctx.interval.as_millis() * 3 / 2).unwrap_or(i64::MAX);
    let i = s.points.partition_point(|p| p.0 <= t);
    let (pt, v) = *s.points.get(i.checked_sub(1)?)?;
    (t - pt <= tolerance && v.is_finite()).then_some(v)
}

/// `at 12:00:01Z  ■ p50 40ms  ■ p99 231ms …` for the cursor row.
fn cursor_line<'a>(
    panel: &'a Panel,
    t: i64,
    ctx: &ChartCtx,
    g: &Glyphs,
    theme: &Theme,
) -> Line<'a> {
    let mut spans = vec![Span::styled(
        format!("at {} ", clock(t, ctx.tz)),
        theme.accent(),
    )];
    for (i, s) in panel.series.iter().enumerate() {
        spans.push(Span::styled(
            format!(" {}", g.series(i)),
            Style::new().fg(theme.series(i)),
        ));
        spans.push(Span::styled(
            format!(
                " {} {}",
                s.legend,
                format::opt_value(value_at(s, t, ctx), panel.unit)
            ),
            theme.text(),
        ));
    }
    Line::from(spans)
}

/// Width of the legend's value columns (`231ms`, `32.4%`, `1.23k/s`).
const VALUE_W: u16 = 8;

/// The name of a series in the legend: its legend, with the instance it
/// comes from when the legend does not already name it (a breakdown by
/// instance reads `que 10.0.0.7:9100`, not `que` eighty times).
fn series_name(s: &Series) -> String {
    match s.labels.get("instance") {
        Some(i) if !s.legend.contains(i) => format!("{} {i}", s.legend),
        _ => s.legend.clone(),
    }
}

fn legend(panel: &Panel, ctx: &ChartCtx, g: &Glyphs, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let rows: Vec<Row> = panel
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for (_, v) in finite_points(s).filter(|(t, _)| ctx.range.contains(*t)) {
                lo = lo.min(v);
                hi = hi.max(v);
            }
            let range = |v: f64| {
                if v.is_finite() {
                    format::value(v, panel.unit)
                } else {
                    "-".to_string()
                }
            };
            // Now: the engine's verdict. At the cursor: the point there,
            // judged by the same rule against the series' thresholds.
            let (shown, level) = match ctx.cursor {
                Some(t) => {
                    let v = value_at(s, t, ctx);
                    (v, v.map_or(Level::Unknown, |v| s.thresholds.judge(v)))
                }
                None => (s.value, s.level),
            };
            Row::new(vec![
                Cell::from(Line::from(vec![
                    Span::styled(g.series(i), Style::new().fg(theme.series(i))),
                    Span::styled(format!(" {}", series_name(s)), theme.text()),
                ])),
                Cell::from(Span::styled(
                    format::opt_value(shown, panel.unit),
                    theme.level(level),
                )),
                Cell::from(Span::styled(range(lo), theme.muted())),
                Cell::from(Span::styled(range(hi), theme.muted())),
            ])
        })
        .collect();
    let now_header = match ctx.cursor {
        Some(t) => clock(t, ctx.tz),
        None => "NOW".to_string(),
    };
    Table::new(
        rows,
        [
            Constraint::Min(8),
            Constraint::Length(VALUE_W),
            Constraint::Length(VALUE_W),
            Constraint::Length(VALUE_W),
        ],
    )
    .header(
        Row::new(["SERIES".to_string(), now_header, "MIN".into(), "MAX".into()])
            .style(theme.muted()),
    )
    .column_spacing(1)
    .render(area, buf);
}

pub fn render(panel: &Panel, ctx: &ChartCtx, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let g = Glyphs::new(ctx.ascii);
    let inner = graph::panel_box(panel, true, &g, theme, area, buf);
    if inner.height < 2 {
        return;
    }
    if panel.error.is_some() {
        graph::render_error(panel, theme, inner, buf);
        return;
    }
    let expr_rows = u16::try_from(panel.exprs.len())
        .unwrap_or(u16::MAX)
        .min(inner.height / 4)
        .min(4);
    let header_rows = if inner.height >= 14 && inner.width >= 60 {
        super::bignum::HEIGHT
    } else {
        1
    };
    let cursor_rows = u16::from(ctx.cursor.is_some());
    let [values, body, cursor_row, exprs] = Layout::vertical([
        Constraint::Length(header_rows),
        Constraint::Fill(1),
        Constraint::Length(cursor_rows),
        Constraint::Length(expr_rows),
    ])
    .areas(inner);
    if let Some(t) = ctx.cursor {
        cursor_line(panel, t, ctx, &g, theme).render(cursor_row, buf);
    }
    if header_rows == 1 || !graph::big_header(panel, &g, theme, values, buf) {
        graph::values_line(panel, &g, theme, values.width).render(values, buf);
    }
    // Room for the names (instances are ~20 characters) and three values.
    let legend_w = if inner.width >= 80 {
        (inner.width / 2).min(64)
    } else {
        0
    };
    let [chart, side] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(legend_w)]).areas(body);
    plot::render_marked(panel, ctx, theme, chart, buf, true);
    if legend_w > 0 {
        legend(
            panel,
            ctx,
            &g,
            theme,
            Rect {
                x: side.x + 1,
                width: side.width.saturating_sub(1),
                ..side
            },
            buf,
        );
    }
    let lines: Vec<Line> = panel
        .exprs
        .iter()
        .map(|e| Line::from(Span::styled(format!("expr: {e}"), theme.muted())))
        .collect();
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(exprs, buf);
}
