//! `--bell`: the terminal bell (BEL) once for each critical alert that
//! began firing while neither acknowledged nor muted, counted by the engine
//! in `Frame::bell`. Only a real terminal rings; test backends stay silent
//! so screen captures never contain it.

use super::alerts_keys::AlertsView;
use crate::frame::Frame;
use ratatui::backend::{CrosstermBackend, TestBackend};
use std::io::Write;

/// Most bells rung for one frame, however many alerts fired at once.
pub const MAX_RINGS: u64 = 3;

/// A backend that can ring the bell.
pub trait Bell {
    fn ring(&mut self, times: u64);
}

impl<W: Write> Bell for CrosstermBackend<W> {
    fn ring(&mut self, times: u64) {
        for _ in 0..times {
            let _ = self.write_all(b"\x07");
        }
        let _ = self.flush();
    }
}

impl Bell for TestBackend {
    fn ring(&mut self, _times: u64) {}
}

/// How many times to ring for `frame`, remembering what was rung. The
/// engine counts from its start, which is the screen's start too, so
/// before the first frame nothing has been rung.
pub fn due(view: &mut AlertsView, frame: &Frame) -> u64 {
    let before = view.rung.replace(frame.bell).unwrap_or(0);
    if view.bell && frame.bell > before {
        (frame.bell - before).min(MAX_RINGS)
    } else {
        0
    }
}

/// Rings for `frame` on `backend` if due.
pub fn ring<B: Bell>(view: &mut AlertsView, frame: &Frame, backend: &mut B) {
    let n = due(view, frame);
    if n > 0 {
        backend.ring(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(bell: u64) -> Frame {
        Frame {
            bell,
            ..Frame::default()
        }
    }

    #[test]
    fn rings_once_per_new_alert_and_only_when_enabled() {
        let mut v = AlertsView {
            bell: true,
            ..AlertsView::default()
        };
        assert_eq!(due(&mut v, &frame(0)), 0);
        assert_eq!(due(&mut v, &frame(2)), 2, "two fired since the last frame");
        assert_eq!(due(&mut v, &frame(2)), 0);
        assert_eq!(due(&mut v, &frame(3)), 1);
        assert_eq!(due(&mut v, &frame(3)), 0);
        assert_eq!(due(&mut v, &frame(13)), MAX_RINGS);
        let mut off = AlertsView::default();
        assert_eq!(due(&mut off, &frame(1)), 0);
        assert_eq!(due(&mut off, &frame(5)), 0);
        // The first frame already counting one (it fired as the screen
        // opened) rings.
        let mut first = AlertsView {
            bell: true,
            ..AlertsView::default()
        };
        assert_eq!(due(&mut first, &frame(1)), 1);
    }

    #[test]
    fn a_crossterm_backend_writes_bel() {
        let mut out = Vec::<u8>::new();
        let mut b = CrosstermBackend::new(&mut out);
        let mut v = AlertsView {
            bell: true,
            rung: Some(0),
            ..AlertsView::default()
        };
        ring(&mut v, &frame(1), &mut b);
        assert_eq!(out.as_slice(), b"\x07");
    }
}
