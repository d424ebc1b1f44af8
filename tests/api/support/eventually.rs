//! Waiting for what happens in the background (a flush, a change reaching a node, a process
//! starting or stopping): one helper that polls a condition until a deadline, says what it
//! waited for when the deadline passes, and tells how long the wait took.
//!
//! ```ignore
//! let revoked = eventually("the revocation reaches the server", Duration::from_secs(2))
//!     .every(Duration::from_millis(20))
//!     .until(async || match get(&key).await {
//!         StatusCode::UNAUTHORIZED => Ok(()),
//!         other => Err(other),
//!     })
//!     .await;
//! eprintln!("revoked after {:?}", revoked.after);
//! ```

use std::fmt::Display;
use std::time::{Duration, Instant};

/// How often a wait polls unless told otherwise.
const EVERY: Duration = Duration::from_millis(20);

/// What a wait ended with, and how long after its start the condition first held.
#[derive(Debug)]
pub struct Waited<T> {
    pub value: T,
    pub after: Duration,
}

/// A wait for `what`, polled every [`Eventually::every`] for at most `within`.
#[must_use = "a wait does nothing until `until` or `outcome` is awaited"]
pub struct Eventually {
    what: String,
    within: Duration,
    every: Duration,
}

/// Starts describing a wait for `what` (said as "waiting until {what}") of at most `within`.
pub fn eventually(what: impl Into<String>, within: Duration) -> Eventually {
    Eventually {
        what: what.into(),
        within,
        every: EVERY,
    }
}

impl Eventually {
    /// Polls this often (20 ms unless told).
    pub fn every(self, every: Duration) -> Self {
        Self { every, ..self }
    }

    /// Polls `check` until it returns `Ok`; its `Err` says what it saw instead. Past the
    /// deadline the test fails, naming what it waited for and what it saw last.
    pub async fn until<T, E: Display>(self, check: impl AsyncFnMut() -> Result<T, E>) -> Waited<T> {
        let (what, within) = (self.what.clone(), self.within);
        self.outcome(check).await.unwrap_or_else(|last| {
            panic!("timed out after {within:?} waiting until {what}; last seen: {last}")
        })
    }

    /// Like [`Eventually::until`], but past the deadline returns what `check` saw last, for a
    /// test that asserts on the outcome itself (or measures how far a wait got).
    pub async fn outcome<T, E>(
        self,
        mut check: impl AsyncFnMut() -> Result<T, E>,
    ) -> Result<Waited<T>, E> {
        let started = Instant::now();
        loop {
            match check().await {
                Ok(value) => {
                    return Ok(Waited {
                        value,
                        after: started.elapsed(),
                    });
                }
                Err(last) if started.elapsed() >= self.within => return Err(last),
                Err(_) => tokio::time::sleep(self.every).await,
            }
        }
    }
}
