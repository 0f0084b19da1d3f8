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
/// first frame seen only sets the count: nothing that fired before the
/// screen opened rings.
pub fn due(view: &mut AlertsView, frame: &Frame) -> u64 {
    let before = view.rung.replace(frame.bell);
    match before {
        Some(b) if view.bell && frame.bell > b => (frame.bell - b).min(MAX_RINGS),
        _ => 0,
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
        assert_eq!(
            due(&mut v, &frame(2)),
            0,
            "the first frame only sets the count"
        );
        assert_eq!(due(&mut v, &frame(2)), 0);
        assert_eq!(due(&mut v, &frame(3)), 1);
        assert_eq!(due(&mut v, &frame(3)), 0);
        assert_eq!(due(&mut v, &frame(13)), MAX_RINGS);
        let mut off = AlertsView::default();
        due(&mut off, &frame(0));
        assert_eq!(due(&mut off, &frame(5)), 0);
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
