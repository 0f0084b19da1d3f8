//! The focused panel over the whole body: a big chart, a legend with each
//! series' current, minimum and maximum value, and the expressions.

use super::format;
use super::glyphs::Glyphs;
use super::graph;
use super::levels::{finite_points, level_of};
use super::plot;
use crate::frame::{Frame, Level, Panel};
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Widget, Wrap};

fn legend(panel: &Panel, g: &Glyphs, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let swatch = if g.ascii { "*" } else { "■" };
    let rows: Vec<Row> = panel
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for (_, v) in finite_points(s) {
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
            let level = s.value.map_or(Level::Unknown, |v| level_of(v, panel));
            Row::new(vec![
                Cell::from(Line::from(vec![
                    Span::styled(swatch, Style::new().fg(theme.series(i))),
                    Span::styled(format!(" {}", s.legend), theme.text()),
                ])),
                Cell::from(Span::styled(
                    format::opt_value(s.value, panel.unit),
                    theme.level(level),
                )),
                Cell::from(Span::styled(range(lo), theme.muted())),
                Cell::from(Span::styled(range(hi), theme.muted())),
            ])
        })
        .collect();
    Table::new(
        rows,
        [
            Constraint::Fill(1),
            Constraint::Length(10),
            Constraint::Length(10),
            Constraint::Length(10),
        ],
    )
    .header(Row::new(["SERIES", "NOW", "MIN", "MAX"]).style(theme.muted()))
    .column_spacing(1)
    .render(area, buf);
}

pub fn render(
    panel: &Panel,
    frame: &Frame,
    ascii: bool,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let g = Glyphs::new(ascii);
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
    let [values, body, exprs] = Layout::vertical([
        Constraint::Length(header_rows),
        Constraint::Fill(1),
        Constraint::Length(expr_rows),
    ])
    .areas(inner);
    if header_rows == 1 || !graph::big_header(panel, &g, theme, values, buf) {
        graph::values_line(panel, &g, theme, values.width).render(values, buf);
    }
    let legend_w = if inner.width >= 80 {
        (inner.width / 3).min(56)
    } else {
        0
    };
    let [chart, side] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(legend_w)]).areas(body);
    plot::render(
        panel,
        frame.time_ms,
        frame.interval,
        ascii,
        theme,
        chart,
        buf,
    );
    if legend_w > 0 {
        legend(
            panel,
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
