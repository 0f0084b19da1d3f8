//! Any values (NaN, infinities, huge, negative, out-of-order points) and any
//! screen size render without panicking or writing outside the area.

use crate::tui_fixture;

use proptest::prelude::*;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use vitals::frame::{Level, Thresholds, Unit};
use vitals::theme::Theme;
use vitals::tui::{render, Focus, View};

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::MAX),
        Just(-f64::MAX),
        Just(0.0),
        -1e12f64..1e12,
        0.0f64..1.0,
    ]
}

const UNITS: [Unit; 7] = [
    Unit::Seconds,
    Unit::Ratio,
    Unit::PerSecond,
    Unit::Count,
    Unit::Bytes,
    Unit::Cores,
    Unit::None,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn renders_anything(
        values in proptest::collection::vec(value(), 1..40),
        times in proptest::collection::vec(-1_000_000i64..1_000_000, 1..40),
        thresholds in proptest::collection::vec(proptest::option::of(value()), 3),
        unit in 0usize..7,
        w in 1u16..220,
        h in 1u16..60,
        expanded in any::<bool>(),
        help in any::<bool>(),
        ascii in any::<bool>(),
        focus in 0usize..8,
    ) {
        let mut f = tui_fixture::incident();
        for (pi, p) in f.panels.iter_mut().enumerate() {
            p.unit = UNITS[(unit + pi) % UNITS.len()];
            p.warn = thresholds[0];
            p.crit = thresholds[1];
            p.limit = thresholds[2];
            p.level = [Level::Unknown, Level::Ok, Level::Warn, Level::Crit][pi % 4];
            let th = Thresholds { warn: p.warn, crit: p.crit, below: pi % 2 == 0 };
            for (si, s) in p.series.iter_mut().enumerate() {
                s.value = values.first().copied();
                s.thresholds = th;
                s.level = [Level::Unknown, Level::Ok, Level::Warn, Level::Crit][(pi + si) % 4];
                s.points = times
                    .iter()
                    .zip(values.iter().cycle())
                    .map(|(t, v)| (tui_fixture::NOW_MS + t, *v))
                    .collect();
            }
        }
        for r in &mut f.instances {
            r.cpu = values.get(1).copied();
            r.p99 = values.get(2).copied();
            r.error_ratio = values.last().copied();
            r.cpu_level = Level::Crit;
            r.p99_level = Level::Warn;
        }
        for a in &mut f.alerts {
            a.value = values.get(3).copied();
            a.fired_at_ms = Some(tui_fixture::NOW_MS + times[0]);
        }
        let view = View {
            expanded,
            help,
            ascii,
            focus: if focus == 7 { Focus::Instances } else { Focus::Panel(focus) },
            now_ms: Some(tui_fixture::NOW_MS + times[0]),
            ..View::default()
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, w + 2, h + 2));
        render(&f, &view, &Theme::default(), Rect::new(1, 1, w, h), &mut buf);
        for x in 0..w + 2 {
            prop_assert_eq!(buf[(x, 0)].symbol(), " ");
            prop_assert_eq!(buf[(x, h + 1)].symbol(), " ");
        }
        for y in 0..h + 2 {
            prop_assert_eq!(buf[(0, y)].symbol(), " ");
            prop_assert_eq!(buf[(w + 1, y)].symbol(), " ");
        }
        if ascii {
            prop_assert!(buf.content().iter().all(|c| c.symbol().is_ascii()));
        }
    }
}
