//! The instance table: instance, job, up, CPU, p99, error ratio and the last
//! scrape error, one row per instance. Cells past a panel's thresholds are
//! coloured and marked with the level glyph.

use super::format;
use super::glyphs::Glyphs;
use super::levels::level_of;
use crate::frame::{Frame, InstanceRow, Level, Panel, Unit};
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, Widget};

fn panel<'a>(frame: &'a Frame, id: &str) -> Option<&'a Panel> {
    frame.panels.iter().find(|p| p.id == id)
}

/// A value cell coloured by `panel_id`'s thresholds.
fn cell<'a>(
    v: Option<f64>,
    unit: Unit,
    frame: &Frame,
    panel_id: &str,
    g: &Glyphs,
    theme: &Theme,
) -> Cell<'a> {
    let Some(v) = v else {
        return Cell::from(Span::styled("-", theme.muted()));
    };
    let level = panel(frame, panel_id).map_or(Level::Unknown, |p| level_of(v, p));
    let mark = match level {
        Level::Warn | Level::Crit => format!(" {}", g.level(level)),
        _ => String::new(),
    };
    Cell::from(Span::styled(
        format!("{}{mark}", format::value(v, unit)),
        theme.level(level),
    ))
}

fn row<'a>(r: &'a InstanceRow, frame: &Frame, g: &Glyphs, theme: &Theme, job: bool) -> Row<'a> {
    let (up_text, up_style) = if r.up {
        (format!("{} up", g.ok), theme.level(Level::Ok))
    } else if r.awaiting_first_scrape {
        ("… wait".to_string(), theme.muted())
    } else {
        (format!("{} DOWN", g.crit), theme.level(Level::Crit))
    };
    let name_style = if r.up { theme.text() } else { theme.stale() };
    let cpu_unit = if r.cpu_is_cores {
        Unit::Cores
    } else {
        Unit::Ratio
    };
    let mut cells = vec![Cell::from(Span::styled(r.instance.as_str(), name_style))];
    if job {
        cells.push(Cell::from(Span::styled(r.job.as_str(), theme.muted())));
    }
    cells.extend([
        Cell::from(Span::styled(up_text, up_style)),
        cell(r.cpu, cpu_unit, frame, "cpu", g, theme),
        cell(r.p99, Unit::Seconds, frame, "latency", g, theme),
        cell(r.error_ratio, Unit::Ratio, frame, "errors", g, theme),
        Cell::from(Span::styled(
            r.last_error.as_deref().unwrap_or(""),
            theme.level(if r.last_error.is_some() {
                Level::Warn
            } else {
                Level::Unknown
            }),
        )),
    ]);
    Row::new(cells)
}

pub fn render(
    frame: &Frame,
    focused: bool,
    scroll: usize,
    ascii: bool,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let g = Glyphs::new(ascii);
    let total = frame.instances.len();
    let up = frame.instances.iter().filter(|r| r.up).count();
    let inner_rows = usize::from(area.height.saturating_sub(3));
    let scroll = scroll.min(total.saturating_sub(inner_rows.max(1)));
    let mut title = vec![Span::styled(" Instances ", theme.accent())];
    let count_style = if up < total {
        theme.level(Level::Crit)
    } else {
        theme.text()
    };
    title.push(Span::styled(format!("{up}/{total} up "), count_style));
    if total > inner_rows && inner_rows > 0 {
        let last = (scroll + inner_rows).min(total);
        title.push(Span::styled(
            format!("rows {}-{last} of {total} (PgUp/PgDn) ", scroll + 1),
            theme.muted(),
        ));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(if focused {
            g.focus_border()
        } else {
            g.border()
        })
        .border_style(theme.border(focused))
        .title(Line::from(title));
    if total == 0 {
        let inner = block.inner(area);
        block.render(area, buf);
        let text = if frame.time_ms == 0 {
            "waiting for the first scrape"
        } else {
            "no instances"
        };
        Span::styled(text, theme.muted()).render(inner, buf);
        return;
    }
    let job = area.width >= 100;
    let inst_w = frame
        .instances
        .iter()
        .map(|r| r.instance.chars().count())
        .max()
        .unwrap_or(8)
        .clamp(8, 32) as u16;
    let mut widths = vec![Constraint::Length(inst_w)];
    let mut header = vec!["INSTANCE"];
    if job {
        widths.push(Constraint::Length(12));
        header.push("JOB");
    }
    widths.extend([
        Constraint::Length(6),
        Constraint::Length(12),
        Constraint::Length(9),
        Constraint::Length(8),
        Constraint::Fill(1),
    ]);
    header.extend(["UP", "CPU", "P99", "ERRORS", "LAST SCRAPE ERROR"]);
    let rows: Vec<Row> = frame
        .instances
        .iter()
        .skip(scroll)
        .map(|r| row(r, frame, &g, theme, job))
        .collect();
    Table::new(rows, widths)
        .header(Row::new(header).style(theme.muted()))
        .column_spacing(1)
        .block(block)
        .style(Style::new())
        .render(area, buf);
}
