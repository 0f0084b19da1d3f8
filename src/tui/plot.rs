//! A panel's line chart: series over time, warn/crit threshold lines named
//! at their right end (so colour is not needed), a limit line, and axes with
//! formatted values. Braille dots, or plain dots with `--ascii`.

use super::levels::finite_points;
use super::timeview::{clock, Range};
use crate::frame::{Level, Panel};
use crate::report::format;
use crate::theme::Theme;
use crate::vocab::Note;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::symbols::Marker;
use ratatui::widgets::canvas::{Canvas, Line as CanvasLine, Points};
use ratatui::widgets::Widget;
use std::time::Duration;

/// What every chart of one screen shares: the time window, the value
/// cursor, the notes marked on the time axis, how times are written and
/// the glyph set.
#[derive(Clone, Copy, Debug)]
pub struct ChartCtx<'a> {
    pub range: Range,
    pub interval: Duration,
    pub cursor: Option<i64>,
    /// The notes (`:note`), in time order: those in the window are marked
    /// on the time axis.
    pub notes: &'a [Note],
    /// Offset from UTC for times on the axis; `None` writes UTC.
    pub tz: Option<i32>,
    pub ascii: bool,
}

/// Marks each note inside the window `t0 ..= t1` on `axis`, the row
/// under the plot with the plot's columns: the note glyph at the note's
/// column, over the axis labels (one glyph per column).
fn mark_notes(ctx: &ChartCtx, t0: i64, t1: i64, axis: Rect, theme: &Theme, buf: &mut Buffer) {
    if axis.width == 0 || t1 <= t0 {
        return;
    }
    let glyph = super::glyphs::Glyphs::new(ctx.ascii).note;
    let style = theme.accent().add_modifier(ratatui::style::Modifier::BOLD);
    let start = ctx.notes.partition_point(|n| n.time_ms < t0);
    for n in ctx.notes[start..].iter().take_while(|n| n.time_ms <= t1) {
        let f = (n.time_ms - t0) as f64 / (t1 - t0) as f64;
        let col = axis.x + (f.clamp(0.0, 1.0) * f64::from(axis.width - 1)).round() as u16;
        buf.set_string(col, axis.y, glyph, style);
    }
}

/// The value range of the chart: data in the window, plus thresholds that
/// are near it.
pub(super) fn y_bounds(panel: &Panel, range: Option<Range>) -> (f64, f64) {
    let mut lo = 0.0f64;
    let mut hi = f64::NEG_INFINITY;
    for s in &panel.series {
        let inside = finite_points(s).filter(|(t, _)| range.is_none_or(|r| r.contains(*t)));
        for (_, v) in inside {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if let Some(v) = s.value.filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    // The limit as it was in the window, not only as it is now.
    let limit_hi = panel
        .limit_points
        .iter()
        .filter(|(t, v)| v.is_finite() && range.is_none_or(|r| r.contains(*t)))
        .map(|p| p.1)
        .fold(panel.limit, |m, v| Some(m.map_or(v, |m: f64| m.max(v))));
    let refs = [panel.warn, panel.crit, limit_hi];
    if hi == f64::NEG_INFINITY {
        hi = refs.iter().flatten().copied().fold(lo, f64::max);
    } else {
        let near = hi.abs().max(f64::MIN_POSITIVE) * 3.0;
        for r in refs.iter().flatten() {
            if r.is_finite() && *r <= near {
                hi = hi.max(*r);
            }
        }
    }
    if hi <= lo {
        // Flat data (errors at 0 %): scale to the thresholds, so the
        // lines are in view and a rise shows, rather than to an arbitrary 1.
        hi = refs
            .iter()
            .flatten()
            .copied()
            .filter(|r| r.is_finite() && *r > lo)
            .fold(lo, f64::max);
        if hi <= lo {
            hi = lo + 1.0;
        }
    }
    (lo, hi + (hi - lo) * 0.05)
}

/// Keeps the lowest and highest point of each of `buckets` time slices, so
/// spikes survive when there are more points than dots.
fn decimate(points: &[(f64, f64)], buckets: usize) -> Vec<(f64, f64)> {
    if buckets == 0 || points.len() <= buckets * 2 {
        return points.to_vec();
    }
    let mut out = Vec::with_capacity(buckets * 2);
    let n = points.len();
    for b in 0..buckets {
        let slice = &points[b * n / buckets..((b + 1) * n / buckets).max(b * n / buckets + 1)];
        let (mut lo, mut hi) = (0usize, 0usize);
        for (i, p) in slice.iter().enumerate() {
            if p.1 < slice[lo].1 {
                lo = i;
            }
            if p.1 > slice[hi].1 {
                hi = i;
            }
        }
        out.push(slice[lo.min(hi)]);
        if lo != hi {
            out.push(slice[lo.max(hi)]);
        }
    }
    out
}

/// Draws the chart of `panel` over the window of `ctx` into `area`.
pub fn render(panel: &Panel, ctx: &ChartCtx, theme: &Theme, area: Rect, buf: &mut Buffer) {
    render_marked(panel, ctx, theme, area, buf, false);
}

/// As [`render`]; with `marks`, each line ends in its series' mark
/// (`Glyphs::series`, as in the legend), so lines are told apart without
/// colour.
pub fn render_marked(
    panel: &Panel,
    ctx: &ChartCtx,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
    marks: bool,
) {
    if area.height < 2 || area.width < 8 {
        return;
    }
    let (ascii, interval) = (ctx.ascii, ctx.interval);
    let t1 = ctx.range.end;
    let t0 = ctx.range.start.min(t1.saturating_sub(1000));
    let (lo, hi) = y_bounds(panel, Some(ctx.range));
    let hi_label = format::value(hi, panel.unit);
    let lo_label = format::value(lo, panel.unit);
    let label_w = hi_label.chars().count().max(lo_label.chars().count()) as u16;
    let axes = area.height >= 5 && area.width >= 24 && label_w + 16 <= area.width;
    let mut plot = area;
    if axes {
        let muted = theme.muted();
        buf.set_string(area.x, area.y, &hi_label, muted);
        buf.set_string(area.x, area.bottom() - 2, &lo_label, muted);
        let x0 = area.x + label_w + 1;
        let y = area.bottom() - 1;
        let left = clock(t0, ctx.tz);
        let right = if ctx.range.live {
            "now".to_string()
        } else {
            clock(t1, ctx.tz)
        };
        let mid = format!("{} window", format::duration_ms(t1.saturating_sub(t0)));
        let room = area.right().saturating_sub(x0);
        let (lw, rw, mw) = (left.len() as u16, right.len() as u16, mid.len() as u16);
        if lw + rw + 2 <= room {
            buf.set_string(x0, y, &left, muted);
        }
        buf.set_string(area.right().saturating_sub(rw), y, &right, muted);
        if lw + rw + mw + 4 <= room {
            buf.set_string(x0 + (room - mw) / 2, y, &mid, muted);
        }
        plot = Rect::new(
            x0,
            area.y,
            area.width.saturating_sub(label_w + 1),
            area.height - 1,
        );
        let axis = Rect::new(plot.x, y, plot.width, 1);
        mark_notes(ctx, t0, t1, axis, theme, buf);
    }
    if plot.is_empty() {
        return;
    }
    let x_of = |t: i64| t.saturating_sub(t1) as f64 / 1000.0;
    let x_min = x_of(t0);
    let gap = (interval.as_secs_f64() * 3.0).max(1.0);
    let buckets = usize::from(plot.width) * 2;
    // A limit with a history is drawn as it was: steps where it changed.
    let limit_steps: Vec<(f64, f64)> = panel
        .limit_points
        .iter()
        .filter(|(t, v)| v.is_finite() && ctx.range.contains(*t))
        .map(|(t, v)| (x_of(*t), *v))
        .collect();
    let flat_limit = panel.limit.filter(|_| limit_steps.is_empty());
    let limit_now = limit_steps.last().map(|p| p.1).or(panel.limit);
    let thresholds: Vec<(f64, Color, &str)> = [
        (flat_limit, theme.limit(), "limit"),
        (panel.warn, theme.threshold(Level::Warn), "warn"),
        (panel.crit, theme.threshold(Level::Crit), "crit"),
    ]
    .into_iter()
    .filter_map(|(v, c, n)| v.filter(|v| *v >= lo && *v <= hi).map(|v| (v, c, n)))
    .collect();
    let lines: Vec<(Color, Vec<(f64, f64)>)> = panel
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let pts: Vec<(f64, f64)> = finite_points(s)
                .filter(|(t, _)| ctx.range.contains(*t))
                .map(|(t, v)| (x_of(t), v))
                .collect();
            (theme.series(i), decimate(&pts, buckets))
        })
        .collect();
    let cursor_x = ctx.cursor.filter(|t| ctx.range.contains(*t)).map(x_of);
    Canvas::default()
        .marker(if ascii { Marker::Dot } else { Marker::Braille })
        .x_bounds([x_min, 0.0])
        .y_bounds([lo, hi])
        .paint(|c| {
            for (v, color, _) in &thresholds {
                c.draw(&CanvasLine::new(x_min, *v, 0.0, *v, *color));
            }
            for w in limit_steps.windows(2) {
                let ((xa, ya), (xb, yb)) = (w[0], w[1]);
                if xb - xa <= gap {
                    c.draw(&CanvasLine::new(xa, ya, xb, ya, theme.limit()));
                    c.draw(&CanvasLine::new(xb, ya, xb, yb, theme.limit()));
                }
            }
            if let Some(&(x, v)) = limit_steps.last() {
                c.draw(&CanvasLine::new(x, v, 0.0, v, theme.limit()));
            }
            if let Some(x) = cursor_x {
                c.draw(&CanvasLine::new(
                    x,
                    lo,
                    x,
                    hi,
                    theme.muted().fg.unwrap_or(Color::Reset),
                ));
            }
            c.layer();
            for (color, pts) in &lines {
                if pts.len() == 1 {
                    c.draw(&Points {
                        coords: pts,
                        color: *color,
                    });
                }
                for w in pts.windows(2) {
                    let ((xa, ya), (xb, yb)) = (w[0], w[1]);
                    if xb - xa <= gap {
                        c.draw(&CanvasLine::new(xa, ya, xb, yb, *color));
                    }
                }
            }
        })
        .render(plot, buf);
    // Marks only while each live series has one of its own; more lines
    // than marks are told apart in the legend.
    let live = panel.series.iter().filter(|s| s.value.is_some()).count();
    if marks && live <= super::glyphs::SERIES_MARKS && plot.width >= 2 && plot.height >= 2 {
        let g = super::glyphs::Glyphs::new(ascii);
        for (i, (color, pts)) in lines.iter().enumerate() {
            if panel.series[i].value.is_none() {
                continue;
            }
            let Some(&(x, v)) = pts.last() else { continue };
            let fx = (x - x_min) / (0.0 - x_min).max(f64::MIN_POSITIVE);
            let fy = (hi - v) / (hi - lo);
            let col = plot.x + (fx.clamp(0.0, 1.0) * f64::from(plot.width - 1)).round() as u16;
            let row = plot.y + (fy.clamp(0.0, 1.0) * f64::from(plot.height - 1)).round() as u16;
            buf.set_string(
                col,
                row,
                g.series(i),
                ratatui::style::Style::new().fg(*color),
            );
        }
    }
    let mut labels = thresholds.clone();
    if let Some(v) = limit_now.filter(|v| !limit_steps.is_empty() && *v >= lo && *v <= hi) {
        labels.push((v, theme.limit(), "limit"));
    }
    if plot.height >= 3 {
        for (v, color, name) in &labels {
            let frac = (hi - v) / (hi - lo);
            let row = plot.y + (frac * f64::from(plot.height - 1)).round() as u16;
            let text = format!(" {name} {} ", format::value(*v, panel.unit));
            let w = text.chars().count() as u16;
            if w + 2 < plot.width {
                let style = ratatui::style::Style::new().fg(*color);
                buf.set_string(plot.right() - w, row.min(plot.bottom() - 1), &text, style);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimate_keeps_spikes() {
        let mut pts: Vec<(f64, f64)> = (0..1000).map(|i| (f64::from(i), 1.0)).collect();
        pts[500].1 = 50.0;
        let d = decimate(&pts, 10);
        assert!(d.len() <= 20);
        assert!(d.iter().any(|p| p.1 == 50.0));
        assert!(d.windows(2).all(|w| w[0].0 <= w[1].0));
    }

    #[test]
    fn flat_data_scales_to_the_thresholds() {
        let p = Panel {
            warn: Some(0.01),
            crit: Some(0.05),
            series: vec![crate::frame::Series {
                value: Some(0.0),
                points: vec![(0, 0.0), (1000, 0.0)],
                ..Default::default()
            }],
            ..Panel::default()
        };
        let (lo, hi) = y_bounds(&p, None);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.0525).abs() < 1e-12, "{hi}");
    }

    #[test]
    fn y_bounds_include_near_thresholds_only() {
        let mut p = Panel {
            warn: Some(0.15),
            crit: Some(0.2),
            series: vec![crate::frame::Series {
                value: Some(0.1),
                ..Default::default()
            }],
            ..Panel::default()
        };
        let (lo, hi) = y_bounds(&p, None);
        assert_eq!(lo, 0.0);
        assert!(hi > 0.2);
        p.series[0].value = Some(0.001);
        let (_, hi) = y_bounds(&p, None);
        assert!(hi < 0.01);
        let (lo, hi) = y_bounds(&Panel::default(), None);
        assert!(hi > lo);
    }
}
