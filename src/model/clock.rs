//! The application's clock: the system time, or — for tests of expiry — the system time moved
//! forward on demand, so that nothing waits for real time to pass.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use super::Timestamp;

/// Where "now" comes from. Cheap to clone; clones share one offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Milliseconds added to the system time; `None` for the plain system clock.
    offset_ms: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The system time.
    pub fn system() -> Self {
        Self::default()
    }

    /// The system time plus an offset that [`Clock::advance`] moves forward.
    pub fn adjustable() -> Self {
        Self {
            offset_ms: Some(Arc::new(AtomicI64::new(0))),
        }
    }

    pub fn now(&self) -> Timestamp {
        let now = Timestamp::now();
        match &self.offset_ms {
            Some(offset) => now.plus(time::Duration::milliseconds(offset.load(Ordering::Relaxed))),
            None => now,
        }
    }

    /// Moves an adjustable clock forward by `by`.
    ///
    /// # Panics
    /// On the system clock, which no one may move.
    pub fn advance(&self, by: time::Duration) {
        let offset = self
            .offset_ms
            .as_ref()
            .expect("only an adjustable clock can be moved");
        offset.fetch_add(by.whole_milliseconds() as i64, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_adjustable_clock_moves_forward_and_its_clones_with_it() {
        let clock = Clock::adjustable();
        let shared = clock.clone();
        let before = clock.now();
        clock.advance(time::Duration::hours(2));
        let after = shared.now();
        assert!(
            after >= before.plus(time::Duration::hours(2)),
            "{before} → {after}"
        );
    }

    #[test]
    #[should_panic(expected = "adjustable")]
    fn the_system_clock_cannot_be_moved() {
        Clock::system().advance(time::Duration::SECOND);
    }
}
