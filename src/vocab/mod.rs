//! The vocabulary every layer speaks: label sets, durations, severities and
//! alert states, notes, the metric catalog, text made safe to show, where files
//! live and how instants are written. It imports nothing of the crate, so
//! any layer may use it (see `tests/layers.rs`).

pub mod alert;
pub mod catalog;
pub mod duration;
pub mod labels;
pub mod note;
pub mod paths;
pub mod redact;
pub mod size;
pub mod text;
pub mod time;

pub use note::{note_author, Note};

/// Prometheus's staleness marker: the NaN with this bit pattern marks a
/// series that ended (a target went away, a series left its page).
pub const STALE_NAN_BITS: u64 = 0x7ff0_0000_0000_0002;

/// [`STALE_NAN_BITS`] as a value.
pub const STALE_NAN: f64 = f64::from_bits(STALE_NAN_BITS);

/// True for the staleness marker itself (not for any other NaN).
pub fn is_stale_nan(v: f64) -> bool {
    v.to_bits() == STALE_NAN_BITS
}

/// Finite values as JSON numbers; NaN and infinities as `"NaN"`, `"+Inf"`, `"-Inf"`.
pub fn json_number(v: f64) -> serde_json::Value {
    if v.is_nan() {
        serde_json::json!("NaN")
    } else if v == f64::INFINITY {
        serde_json::json!("+Inf")
    } else if v == f64::NEG_INFINITY {
        serde_json::json!("-Inf")
    } else {
        serde_json::json!(v)
    }
}
