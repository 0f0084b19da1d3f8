//! What reaches the terminal: ratatui sends only the cells that changed, so
//! drawing the same frame again sends (almost) nothing, and a steady-state
//! update (one new point per series, two seconds later) sends a bounded
//! number of bytes. The figures are printed for the record.

use crate::tui_fixture;

use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::Write;
use std::sync::{Arc, Mutex};
use vitals::frame::Frame;
use vitals::theme::{ColorDepth, Theme};
use vitals::tui::{render, View};

#[derive(Clone, Default)]
struct Counter(Arc<Mutex<Vec<u8>>>);

impl Write for Counter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The frame two seconds later: every series gains a point and drops its
/// oldest, as in steady state.
fn next(f: &Frame) -> Frame {
    let mut n = f.clone();
    n.seq += 1;
    n.time_ms += 2000;
    for p in &mut n.panels {
        for s in &mut p.series {
            if let Some(&(t, v)) = s.points.last() {
                s.points.remove(0);
                s.points.push((t + 2000, v * 1.001));
                s.value = Some(v * 1.001);
            }
        }
    }
    n
}

#[test]
fn only_changed_cells_are_sent() {
    let theme = Theme::load_with_depth("dark", ColorDepth::Ansi16).unwrap();
    let out = Counter::default();
    // CrosstermBackend writes to any `Write`; its size comes from the
    // viewport we give it.
    let backend = CrosstermBackend::new(out.clone());
    let area = ratatui::layout::Rect::new(0, 0, 120, 36);
    let mut term = Terminal::with_options(
        backend,
        ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(area),
        },
    )
    .unwrap();
    let view = View::default();
    let mut frame = tui_fixture::calm();
    let mut draw = |f: &Frame| {
        out.0.lock().unwrap().clear();
        term.draw(|t| render(f, &view, &theme, t.area(), t.buffer_mut()))
            .unwrap();
        out.0.lock().unwrap().len()
    };
    let first = draw(&frame);
    let same = draw(&frame);
    let mut steady = Vec::new();
    for _ in 0..10 {
        frame = next(&frame);
        steady.push(draw(&frame));
    }
    let avg = steady.iter().sum::<usize>() / steady.len();
    println!("120x36: first draw {first} bytes, unchanged frame {same} bytes, steady update {avg} bytes per frame ({} B/s at a 2 s interval)", avg / 2);
    assert!(same < 64, "redrawing an unchanged frame sent {same} bytes");
    assert!(avg < first, "an update should send less than a full screen");
}
