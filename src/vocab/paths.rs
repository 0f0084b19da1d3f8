//! Where vitals keeps its files, by the XDG base directory rules.

use std::path::PathBuf;

/// An environment variable's value, when set and not empty.
fn non_empty(key: &str) -> Option<PathBuf> {
    std::env::var_os(key)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// `$XDG_CONFIG_HOME/vitals` (default `~/.config/vitals`); None without
/// either variable.
pub fn config_dir() -> Option<PathBuf> {
    let base =
        non_empty("XDG_CONFIG_HOME").or_else(|| non_empty("HOME").map(|h| h.join(".config")))?;
    Some(base.join("vitals"))
}

/// `$XDG_STATE_HOME/vitals` (default `~/.local/state/vitals`, else under
/// the temporary folder).
pub fn state_dir() -> PathBuf {
    non_empty("XDG_STATE_HOME")
        .or_else(|| non_empty("HOME").map(|h| h.join(".local/state")))
        .unwrap_or_else(std::env::temp_dir)
        .join("vitals")
}

/// Where diagnostics are logged: `state_dir()/vitals.log`.
pub fn log_path() -> PathBuf {
    state_dir().join("vitals.log")
}
