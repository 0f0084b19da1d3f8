//! Which value of a panel to show first. The levels the screen draws are
//! the engine's verdicts in the frame (`Panel::level`, `Series::level`,
//! the instance rows' levels); nothing here judges a value.

use crate::frame::{Panel, Series};

/// The series to show first: the one the engine judged worst, the highest
/// value among equals, with that value. `None` when no series has a
/// value other than NaN.
pub fn headline(panel: &Panel) -> Option<(usize, &Series, f64)> {
    // A panel with a limit leads with what runs against it (the
    // autoscaler's current instances: `40 current of max 40`), not with
    // the most (targets up count the autoscaler's own exporter too).
    if panel.limit.is_some() {
        let current = panel.series.iter().enumerate().find_map(|(i, s)| {
            let v = s.value.filter(|v| !v.is_nan())?;
            (s.legend == "current").then_some((i, s, v))
        });
        if current.is_some() {
            return current;
        }
    }
    let mut best: Option<(usize, &Series, f64)> = None;
    for (i, s) in panel.series.iter().enumerate() {
        let Some(v) = s.value.filter(|v| !v.is_nan()) else {
            continue;
        };
        let better = match best {
            None => true,
            Some((_, b, bv)) => (s.level, v) > (b.level, bv),
        };
        if better {
            best = Some((i, s, v));
        }
    }
    best
}

/// How many series have a current value: the `N` of "worst of N" (series
/// of instances that are gone keep their history but have no value).
pub fn current_count(panel: &Panel) -> usize {
    panel
        .series
        .iter()
        .filter(|s| s.value.is_some_and(|v| !v.is_nan()))
        .count()
}

/// ` of max 40` after the headline of a panel with a limit line.
pub fn of_limit(panel: &Panel) -> Option<String> {
    let limit = panel.limit.filter(|v| v.is_finite())?;
    Some(format!(
        " of max {}",
        crate::report::format::value(limit, panel.unit)
    ))
}

/// Finite points of a series.
pub fn finite_points(s: &Series) -> impl Iterator<Item = (i64, f64)> + '_ {
    s.points.iter().copied().filter(|(_, v)| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{Level, Thresholds};
    use ratatui::buffer::Buffer;
    use ratatui::style::Color;

    fn panel(values: &[f64], thresholds: Thresholds) -> Panel {
        Panel {
            series: values
                .iter()
                .map(|v| Series {
                    value: Some(*v),
                    level: thresholds.judge(*v),
                    thresholds,
                    ..Series::default()
                })
                .collect(),
            ..Panel::default()
        }
    }

    #[test]
    fn headline_is_the_worst_value() {
        let up = Thresholds {
            warn: Some(0.15),
            crit: Some(0.2),
            below: false,
        };
        let p = panel(&[0.01, 0.3, f64::NAN, 0.1], up);
        assert_eq!(headline(&p).map(|h| h.0), Some(1));
        // Crossed downwards, the lowest value is the one judged worst.
        let down = Thresholds {
            warn: Some(3.0),
            crit: Some(2.0),
            below: true,
        };
        let p = panel(&[5.0, 2.5, 4.0], down);
        assert_eq!(headline(&p).map(|h| h.0), Some(1));
        assert_eq!(p.series[1].level, Level::Warn);
        assert_eq!(p.series[0].level, Level::Ok);
        // Unjudged series (no thresholds) come after judged ones.
        let mut p = panel(&[0.1, 0.05], up);
        p.series[0].level = Level::Unknown;
        assert_eq!(headline(&p).map(|h| h.0), Some(1));
        assert!(headline(&Panel::default()).is_none());
    }

    #[test]
    fn worst_of_counts_series_that_still_have_a_value() {
        let mut p = panel(&[0.1, 0.2, 0.3], Thresholds::default());
        p.series[1].value = None;
        assert_eq!(current_count(&p), 2);
        assert_eq!(of_limit(&p), None);
        p.limit = Some(40.0);
        p.unit = crate::frame::Unit::Count;
        assert_eq!(of_limit(&p).as_deref(), Some(" of max 40"));
        // Against a limit, the current instances lead, not the most.
        assert_eq!(headline(&p).map(|h| h.0), Some(2));
        p.series[0].legend = "current".into();
        assert_eq!(headline(&p).map(|h| h.0), Some(0));
    }

    /// The text of row `y` and, for the first `text` after `after` in
    /// any row, the colour it is drawn in.
    fn colour_after(buf: &Buffer, after: &str, text: &str) -> Option<Color> {
        (0..buf.area.height).find_map(|y| {
            let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
            let from = row.find(after)? + after.len();
            let at = from + row[from..].find(text)?;
            let x = row[..at].chars().count() as u16;
            buf[(x, y)].fg.into()
        })
    }

    /// A value exactly at a threshold is not past it: the engine judges it
    /// by the alert rule's `>`, the series and the panel carry that verdict
    /// (the alerts agree), and every place the screen colours the value
    /// draws it: the stat row, the grid's series rows, the expanded
    /// legend, and the expanded legend at the cursor (a point of history,
    /// judged by the same rule).
    #[test]
    fn a_value_at_a_threshold_is_drawn_as_the_engine_judged_it() {
        use super::super::glyphs::Glyphs;
        use super::super::plot::ChartCtx;
        use super::super::timeview::Range;
        use super::super::{expanded, graph, stat_rows};
        use crate::detect::{ExprDef, PanelDef, Threshold};
        use crate::engine::{Engine, EngineOptions};
        use crate::frame::{AlertState, PanelKind, Severity, Unit};
        use crate::report::format;
        use crate::scrape::{expo, ScrapeResult, Target};
        use crate::theme::{ColorDepth, Theme};
        use ratatui::layout::Rect;
        use std::sync::Arc;
        use std::time::Duration;

        let threshold = |severity, value| Threshold {
            alert: "QueueHigh".into(),
            severity,
            value,
            below: false,
            for_: Duration::ZERO,
            summary: String::new(),
            clear_below: None,
        };
        let def = PanelDef {
            id: "queue".into(),
            title: "Queue".into(),
            unit: Unit::Count,
            kind: PanelKind::Stat,
            exprs: vec![ExprDef {
                expr: "queue_depth".into(),
                add_labels: vec![],
                legend: "depth".into(),
                thresholds: vec![
                    threshold(Severity::Warning, 3.0),
                    threshold(Severity::Critical, 5.0),
                ],
                is_limit: false,
            }],
            error: None,
            warn: Some(3.0),
            crit: Some(5.0),
        };
        let mut e = Engine::new(EngineOptions {
            panels: vec![def],
            detected_panels: false,
            ..EngineOptions::default()
        });
        let target = Target {
            url: "http://127.0.0.1:9001/metrics".into(),
            job: "app".into(),
            instance: "127.0.0.1:9001".into(),
            ..Default::default()
        };
        const T0: i64 = 1_795_348_800_000;
        e.set_targets(std::slice::from_ref(&target), T0);
        let theme = Theme::load_with_depth("dark", ColorDepth::TrueColor).unwrap();
        let g = Glyphs::new(false);
        let cases = [
            (3.0, Level::Ok, "OK"),
            (5.0, Level::Warn, "WARN"),
            (5.5, Level::Crit, "CRIT"),
        ];
        for (i, (depth, level, word)) in cases.into_iter().enumerate() {
            let t = T0 + i as i64 * 2000;
            let page = format!("# TYPE queue_depth gauge\nqueue_depth {depth}\n");
            e.apply(ScrapeResult {
                target: Arc::new(target.clone()),
                time_ms: t,
                duration: Duration::from_millis(3),
                outcome: Ok(expo::parse_page(page.as_bytes(), None)),
            });
            let f = e.tick(t + 1000);
            let p = f.panels.iter().find(|p| p.id == "queue").unwrap();
            assert_eq!(p.series[0].value, Some(depth));
            assert_eq!((p.series[0].level, p.level), (level, level), "{depth}");
            let firing = |sev| {
                f.alerts
                    .iter()
                    .any(|a| a.severity == sev && a.state == AlertState::Firing)
            };
            assert_eq!(firing(Severity::Critical), level == Level::Crit, "{depth}");
            assert_eq!(firing(Severity::Warning), level >= Level::Warn, "{depth}");

            let colour = theme.level(level).fg;
            let shown = format::value(depth, Unit::Count);
            let mut ctx = ChartCtx {
                range: Range {
                    start: T0 - 60_000,
                    end: t + 1000,
                    live: true,
                },
                interval: Duration::from_secs(2),
                cursor: None,
                notes: &[],
                tz: None,
                ascii: false,
            };
            // The stat row: glyph, value and state word.
            let mut buf = Buffer::empty(Rect::new(0, 0, 100, 1));
            stat_rows::render_row(p, false, &ctx, &theme, buf.area, &mut buf);
            let row: String = (0..100).map(|x| buf[(x, 0)].symbol()).collect();
            assert_eq!(buf[(1, 0)].symbol(), g.level(level), "{row}");
            assert!(row.trim_end().ends_with(word), "{row}");
            assert_eq!(colour_after(&buf, "Queue", &shown), colour, "{row}");
            // The grid panel's series rows.
            let mut buf = Buffer::empty(Rect::new(0, 0, 60, 8));
            graph::render(p, false, &ctx, &theme, buf.area, &mut buf);
            assert_eq!(colour_after(&buf, "depth ", &shown), colour, "{depth}");
            // The expanded legend, now and at the cursor on this point.
            for cursor in [None, Some(t + 1000)] {
                ctx.cursor = cursor;
                let mut buf = Buffer::empty(Rect::new(0, 0, 200, 30));
                expanded::render(p, &ctx, &theme, buf.area, &mut buf);
                assert_eq!(
                    colour_after(&buf, "■ depth", &shown),
                    colour,
                    "{depth} at {cursor:?}"
                );
            }
        }
    }
}
