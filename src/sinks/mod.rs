//! The sinks: where alerts go once the engine has decided — the alert log
//! and the acks state file (`log`), Alertmanager and the webhook
//! (`delivery`), Alertmanager's silences and alert list (`alertmanager`).
//! Each runs in a task or thread of its own; the engine hands them
//! messages through the run loop and never waits on them.

pub mod alertmanager;
pub mod delivery;
pub mod log;
