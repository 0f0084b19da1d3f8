//! The fleet's one source of time, injectable so tests can step it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Unix time the fleet pretends to start at under a [`ManualClock`].
const MANUAL_EPOCH: f64 = 1_800_000_000.0;

/// Where the fleet's time comes from.
#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// The runtime's monotonic clock (`tokio::time::Instant`, so paused
    /// test runtimes control it too).
    #[default]
    Monotonic,
    /// Time that moves only when stepped.
    Manual(ManualClock),
}

/// A clock that moves only when told to; clones share the same time.
#[derive(Clone, Debug, Default)]
pub struct ManualClock(Arc<Mutex<Duration>>);

impl ManualClock {
    /// A clock at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t = t.saturating_add(by);
    }

    /// Time since the clock was made.
    pub fn elapsed(&self) -> Duration {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A clock started with the fleet.
#[derive(Debug)]
pub(crate) struct Started {
    clock: Clock,
    origin: tokio::time::Instant,
    /// Unix time of the start, for `process_start_time_seconds`.
    pub(crate) epoch: f64,
}

impl Started {
    pub(crate) fn new(clock: Clock) -> Self {
        let epoch = match &clock {
            // The only wall-clock read: the start, as a Unix time.
            Clock::Monotonic => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or(MANUAL_EPOCH),
            Clock::Manual(_) => MANUAL_EPOCH,
        };
        Started {
            clock,
            origin: tokio::time::Instant::now(),
            epoch,
        }
    }

    /// Real seconds since the start.
    pub(crate) fn elapsed(&self) -> f64 {
        match &self.clock {
            Clock::Monotonic => self.origin.elapsed().as_secs_f64(),
            Clock::Manual(m) => m.elapsed().as_secs_f64(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_stepped() {
        let m = ManualClock::new();
        let started = Started::new(Clock::Manual(m.clone()));
        assert_eq!(started.elapsed(), 0.0);
        m.advance(Duration::from_millis(1500));
        assert_eq!(started.elapsed(), 1.5);
        m.advance(Duration::MAX);
        assert!(started.elapsed() > 1e9);
        assert_eq!(started.epoch, MANUAL_EPOCH);
    }

    #[tokio::test]
    async fn monotonic_clock_starts_at_zero_and_moves_forward() {
        let started = Started::new(Clock::Monotonic);
        let a = started.elapsed();
        let b = started.elapsed();
        assert!((0.0..1.0).contains(&a));
        assert!(b >= a);
        assert!(started.epoch > 1e9);
    }
}
