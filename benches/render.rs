//! Rendering cost: one whole 200x50 screen from a realistic frame (six
//! panels with five minutes of history, six instances, alerts firing).
//! Run: cargo bench --bench render

#[path = "../tests/tui_fixture/mod.rs"]
mod tui_fixture;

use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::hint::black_box;
use vitals::theme::{ColorDepth, Theme};
use vitals::tui::{render, View};

fn bench_render(c: &mut Criterion) {
    let frame = tui_fixture::incident();
    let theme = Theme::load_with_depth("dark", ColorDepth::Ansi16).expect("dark theme");
    let view = View {
        now_ms: Some(tui_fixture::NOW_MS),
        ..View::default()
    };
    for (w, h) in [(200u16, 50u16), (80, 24)] {
        let area = Rect::new(0, 0, w, h);
        let mut buf = Buffer::empty(area);
        c.bench_function(&format!("render {w}x{h}"), |b| {
            b.iter(|| {
                buf.reset();
                render(black_box(&frame), &view, &theme, area, &mut buf);
                black_box(&buf);
            })
        });
    }
    let expanded = View {
        expanded: true,
        ..view.clone()
    };
    let area = Rect::new(0, 0, 200, 50);
    let mut buf = Buffer::empty(area);
    c.bench_function("render 200x50 expanded", |b| {
        b.iter(|| {
            buf.reset();
            render(black_box(&frame), &expanded, &theme, area, &mut buf);
            black_box(&buf);
        })
    });
}

criterion_group!(benches, bench_render);
criterion_main!(benches);
