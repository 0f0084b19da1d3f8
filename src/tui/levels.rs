//! Which value of a panel to show first, and a value's state against a
//! panel's thresholds.

use crate::frame::{Level, Panel, Series};

/// The series whose current value is the worst (highest, or lowest when
/// `lower_is_worse`), with that value. `None` when no series has a finite
/// value.
pub fn headline(panel: &Panel) -> Option<(usize, &Series, f64)> {
    let mut best: Option<(usize, &Series, f64)> = None;
    for (i, s) in panel.series.iter().enumerate() {
        let Some(v) = s.value.filter(|v| !v.is_nan()) else {
            continue;
        };
        let better = match best {
            None => true,
            Some((_, _, b)) if panel.lower_is_worse => v < b,
            Some((_, _, b)) => v > b,
        };
        if better {
            best = Some((i, s, v));
        }
    }
    best
}

/// The state of `v` against `panel`'s warn/crit thresholds.
pub fn level_of(v: f64, panel: &Panel) -> Level {
    if v.is_nan() {
        return Level::Unknown;
    }
    let crossed = |t: f64| {
        if panel.lower_is_worse {
            v <= t
        } else {
            v >= t
        }
    };
    match (panel.warn, panel.crit) {
        (None, None) => Level::Unknown,
        (_, Some(c)) if crossed(c) => Level::Crit,
        (Some(w), _) if crossed(w) => Level::Warn,
        _ => Level::Ok,
    }
}

/// The level to show for a panel: the engine's, unless it has none and the
/// headline value says otherwise.
pub fn panel_level(panel: &Panel) -> Level {
    if panel.level != Level::Unknown || panel.error.is_some() {
        return panel.level;
    }
    headline(panel).map_or(Level::Unknown, |(_, _, v)| level_of(v, panel))
}

/// The state of a panel's headline value `v`: the engine's level for the
/// panel when it has one, else `v` against the thresholds.
pub fn headline_level(panel: &Panel, v: f64) -> Level {
    if panel.level == Level::Unknown {
        level_of(v, panel)
    } else {
        panel.level
    }
}

/// Finite points of a series.
pub fn finite_points(s: &Series) -> impl Iterator<Item = (i64, f64)> + '_ {
    s.points.iter().copied().filter(|(_, v)| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panel(values: &[f64], lower: bool) -> Panel {
        Panel {
            series: values
                .iter()
                .map(|v| Series {
                    value: Some(*v),
                    ..Series::default()
                })
                .collect(),
            warn: Some(if lower { 3.0 } else { 0.15 }),
            crit: Some(if lower { 2.0 } else { 0.2 }),
            lower_is_worse: lower,
            ..Panel::default()
        }
    }

    #[test]
    fn headline_is_the_worst_value() {
        let p = panel(&[0.01, 0.3, f64::NAN, 0.1], false);
        assert_eq!(headline(&p).map(|h| h.0), Some(1));
        assert_eq!(panel_level(&p), Level::Crit);
        let p = panel(&[5.0, 2.5, 4.0], true);
        assert_eq!(headline(&p).map(|h| h.0), Some(1));
        assert_eq!(level_of(2.5, &p), Level::Warn);
        assert_eq!(level_of(9.0, &p), Level::Ok);
        assert!(headline(&Panel::default()).is_none());
    }
}
