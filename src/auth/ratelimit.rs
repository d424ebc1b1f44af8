//! Per-API-key rate limiting (GCRA from `governor`) and its `RateLimit-*` headers.

use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter as Gcra};

use axum::http::HeaderValue;

use super::AuthError;
use crate::model::KeyId;

/// What a response tells the client about its budget.
#[derive(Debug, Clone, Copy)]
pub struct RateLimitInfo {
    pub limit: u32,
    pub remaining: u32,
    /// `RateLimit-Reset`: seconds until the whole budget is available again — the same
    /// meaning on a success and on a 429.
    pub reset_secs: u64,
    /// `Retry-After` of a 429: seconds until the next request is let through.
    pub retry_after_secs: u64,
    /// Whose budget ran out, for the message.
    pub scope: RateLimitScope,
}

/// What a rate limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimitScope {
    /// Requests of one API key per minute.
    ApiKey,
    /// Failed sign-ins in a row for one email.
    SignIn,
    /// Sign-in attempts per minute from one network address.
    SignInAddress,
}

impl RateLimitInfo {
    /// Writes the `RateLimit-*` headers onto `response`.
    pub fn apply(&self, headers: &mut axum::http::HeaderMap) {
        headers.insert("ratelimit-limit", HeaderValue::from(self.limit));
        headers.insert("ratelimit-remaining", HeaderValue::from(self.remaining));
        headers.insert("ratelimit-reset", HeaderValue::from(self.reset_secs));
    }
}

type Limiter = Gcra<KeyId, DefaultKeyedStateStore<KeyId>, DefaultClock, StateInformationMiddleware>;

/// A budget of `per_minute` requests per key, refilled evenly, with a full minute's burst.
pub struct RateLimiter {
    limiter: Option<(Limiter, DefaultClock)>,
    per_minute: u32,
}

impl RateLimiter {
    /// `per_minute == 0` disables limiting.
    pub fn new(per_minute: u32) -> Self {
        let limiter = NonZeroU32::new(per_minute).map(|n| {
            let clock = DefaultClock::default();
            let limiter = Gcra::<_, _, _, governor::middleware::NoOpMiddleware<_>>::new(
                Quota::per_minute(n),
                DefaultKeyedStateStore::default(),
                clock.clone(),
            )
            .with_middleware::<StateInformationMiddleware>();
            (limiter, clock)
        });
        Self {
            limiter,
            per_minute,
        }
    }

    /// Spends one request of `key`'s budget: the headers to send, or a 429.
    pub fn check(&self, key: KeyId) -> Result<Option<RateLimitInfo>, AuthError> {
        let Some((limiter, clock)) = &self.limiter else {
            return Ok(None);
        };
        let seconds_per_request = 60.0 / f64::from(self.per_minute);
        match limiter.check_key(&key) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                let used = self.per_minute.saturating_sub(remaining);
                Ok(Some(RateLimitInfo {
                    limit: self.per_minute,
                    remaining,
                    reset_secs: (f64::from(used) * seconds_per_request).ceil() as u64,
                    retry_after_secs: 0,
                    scope: RateLimitScope::ApiKey,
                }))
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(clock.now()).as_secs_f64();
                // The next request comes back after `wait`; the rest of the budget refills
                // one request per interval after that.
                let full = wait + f64::from(self.per_minute - 1) * seconds_per_request;
                Err(AuthError::Throttled(RateLimitInfo {
                    limit: self.per_minute,
                    remaining: 0,
                    reset_secs: full.ceil().max(1.0) as u64,
                    retry_after_secs: wait.ceil().max(1.0) as u64,
                    scope: RateLimitScope::ApiKey,
                }))
            }
        }
    }

    /// Drops the state of keys whose budget is full again, so memory stays bounded.
    pub fn prune(&self) {
        if let Some((limiter, _)) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_past_the_budget_is_refused_with_a_retry_time() {
        let limiter = RateLimiter::new(3);
        let key = KeyId::new();
        let remaining: Vec<u32> = (0..3)
            .map(|_| limiter.check(key).unwrap().unwrap().remaining)
            .collect();
        assert_eq!(remaining, vec![2, 1, 0]);
        match limiter.check(key) {
            Err(AuthError::Throttled(info)) => {
                assert!(info.retry_after_secs >= 1);
                assert!(info.reset_secs >= info.retry_after_secs, "{info:?}");
            }
            other => panic!("expected 429, got {other:?}"),
        }
        // Other keys have their own budget.
        assert!(limiter.check(KeyId::new()).is_ok());
    }

    #[test]
    fn zero_disables_limiting() {
        let limiter = RateLimiter::new(0);
        let key = KeyId::new();
        for _ in 0..1000 {
            assert!(limiter.check(key).unwrap().is_none());
        }
    }
}
