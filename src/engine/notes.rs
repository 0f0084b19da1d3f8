//! Notes (`:note TEXT`): kept in time order, published with every frame,
//! and left for the writer (the alert log appends a line each; a
//! recording may take them from the same [`Writes`](crate::alerts::log::Writes)).

use super::Engine;
use crate::vocab::Note;
use std::sync::Arc;

/// How many notes the engine keeps (the newest by time).
pub const NOTES_KEPT: usize = 10_000;

/// The notes and who signs the ones typed here.
#[derive(Default)]
pub(super) struct Notes {
    /// In time order; notes of the same instant in the order added.
    list: Arc<Vec<Note>>,
    /// `user@host`, read at the first note.
    author: Option<String>,
}

impl Notes {
    /// The notes as published (shared until the next one is added).
    pub fn shared(&self) -> Arc<Vec<Note>> {
        Arc::clone(&self.list)
    }
}

impl Engine {
    /// Adds a note at its time, keeping the newest [`NOTES_KEPT`], and
    /// leaves it for the writer.
    pub fn add_note(&mut self, note: Note) {
        let list = Arc::make_mut(&mut self.notes.list);
        let at = list.partition_point(|n| n.time_ms <= note.time_ms);
        list.insert(at, note.clone());
        if list.len() > NOTES_KEPT {
            let extra = list.len() - NOTES_KEPT;
            list.drain(..extra);
        }
        self.writes.notes.push(note);
    }

    /// The notes kept, in time order.
    pub fn notes(&self) -> Arc<Vec<Note>> {
        self.notes.shared()
    }

    /// `Command::Note`: the text trimmed (an empty note is not added), at
    /// `at_ms` or the last evaluation instant, signed by this process's
    /// user ([`crate::vocab::note_author`]).
    pub(super) fn note_command(&mut self, text: String, at_ms: Option<i64>) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let author = self
            .notes
            .author
            .get_or_insert_with(crate::vocab::note_author)
            .clone();
        self.add_note(Note {
            time_ms: at_ms.unwrap_or(self.last_tick_ms),
            author,
            text: text.to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineOptions;
    use crate::frame::Command;

    fn note(t: i64, text: &str) -> Note {
        Note {
            time_ms: t,
            author: "oncall@db1".into(),
            text: text.into(),
        }
    }

    #[test]
    fn notes_are_kept_in_time_order_and_left_for_the_writer() {
        let mut e = Engine::new(EngineOptions::default());
        e.add_note(note(3000, "third"));
        e.add_note(note(1000, "first"));
        e.add_note(note(3000, "fourth, same instant, added later"));
        e.add_note(note(2000, "second"));
        let texts: Vec<String> = e.notes().iter().map(|n| n.text.clone()).collect();
        assert_eq!(
            texts,
            [
                "first",
                "second",
                "third",
                "fourth, same instant, added later"
            ]
        );
        // The writer gets them in the order they were written.
        let w = e.take_writes();
        let written: Vec<&str> = w.notes.iter().map(|n| n.text.as_str()).collect();
        assert_eq!(
            written,
            [
                "third",
                "first",
                "fourth, same instant, added later",
                "second"
            ]
        );
        assert!(!w.is_empty());
        assert!(e.take_writes().notes.is_empty(), "taken once");
    }

    #[test]
    fn frames_carry_the_notes_and_share_them_until_one_is_added() {
        let mut e = Engine::new(EngineOptions::default());
        let f0 = e.tick(10_000);
        assert!(f0.notes.is_empty());
        e.command(Command::Note {
            text: "  failover started ".into(),
            at_ms: None,
        });
        e.command(Command::Note {
            text: "cause: bad deploy at 09:58".into(),
            at_ms: Some(4_000),
        });
        e.command(Command::Note {
            text: "   ".into(),
            at_ms: None,
        });
        let f1 = e.tick(12_000);
        let got: Vec<(i64, &str)> = f1
            .notes
            .iter()
            .map(|n| (n.time_ms, n.text.as_str()))
            .collect();
        // No time: the last evaluation instant; a blank note is dropped.
        assert_eq!(
            got,
            [
                (4_000, "cause: bad deploy at 09:58"),
                (10_000, "failover started")
            ]
        );
        assert_eq!(f1.notes[0].author, crate::vocab::note_author());
        let f2 = e.tick(14_000);
        assert!(Arc::ptr_eq(&f1.notes, &f2.notes), "one Arc until a note");
        let w = e.take_writes();
        assert_eq!(w.notes.len(), 2);
    }

    #[test]
    fn only_the_newest_notes_are_kept() {
        let mut e = Engine::new(EngineOptions::default());
        for i in 0..(NOTES_KEPT as i64 + 5) {
            e.add_note(note(i, "n"));
        }
        let notes = e.notes();
        assert_eq!(notes.len(), NOTES_KEPT);
        assert_eq!(notes[0].time_ms, 5);
        assert_eq!(notes.last().unwrap().time_ms, NOTES_KEPT as i64 + 4);
    }
}
