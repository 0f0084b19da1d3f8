//! Fuzz target for the recording reader: any bytes as a segment (behind a
//! valid header when the first byte is even, so that the records, not
//! only the header, are explored). It must never panic, and must end
//! either cleanly, with a torn-tail notice or with one error.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run record -- -max_total_time=30`
//! (what `scripts/test` runs).
#![no_main]

use libfuzzer_sys::fuzz_target;
use vitals::record::Events;

fuzz_target!(|data: &[u8]| {
    let bytes = match data.first() {
        Some(b) if b % 2 == 0 => {
            let mut v = b"\x89VITALS\n\x01\x00\x00\x00".to_vec();
            v.extend_from_slice(&0i64.to_le_bytes());
            v.extend_from_slice(&data[1..]);
            v
        }
        _ => data.to_vec(),
    };
    let mut ev = Events::from_bytes(bytes);
    let mut n = 0usize;
    for e in ev.by_ref() {
        let _ = e.time_ms();
        n += 1;
    }
    assert!(ev.notices.len() <= 1, "one torn tail at most");
    let _ = n;
});
