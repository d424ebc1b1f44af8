//! Authentication of the public API: the bearer token → a [`Principal`], in the order of the
//! outcome table of SPEC §1.1, with the key cache and the last-used tracker behind it.

mod cache;
mod key;
pub mod password;
pub mod ratelimit;
pub mod session;

use std::sync::Arc;

use axum::http::HeaderValue;

pub use cache::{CachedKey, KeyCache, LastUsed};
pub use key::{
    KeyFormatError, KeyKind, LEGACY_PREFIX, PREFIX, PlaintextKey, check_format, generate, hint,
    parse_legacy,
};

use crate::model::{Access, Clock, KeyHash, KeyId, KeyStatus, PermissionSet, WorkspaceId};
use crate::store::{Store, StoreError};

/// Why a request or a sign-in is refused, in the order of the outcome table of SPEC §1.1.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(
        "missing API key: send it in the Authorization header as `Authorization: Bearer sk-bigspin-api03-…`"
    )]
    Missing,
    #[error(
        "JWT tokens are not supported on the public API: use an API key with the sk-bigspin-api03- prefix"
    )]
    Jwt,
    #[error("invalid API key")]
    Invalid,
    #[error("this API key has been revoked")]
    Revoked,
    #[error("this API key has expired")]
    Expired,
    /// A dashboard sign-in with an unknown email or the wrong password.
    #[error("wrong email or password")]
    WrongCredentials,
    /// A valid key without the permission an endpoint needs.
    #[error("{0}")]
    Forbidden(String),
    /// Too many requests or failed sign-ins.
    #[error("rate limit exceeded")]
    Throttled(ratelimit::RateLimitInfo),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot hash a password: {0}")]
    Hashing(String),
    /// Every password thread stayed busy for as long as a sign-in may wait.
    #[error("too many sign-ins are being checked right now: retry in {retry_secs} s")]
    Busy { retry_secs: u64 },
}

/// The authenticated caller of a public API request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub key_id: KeyId,
    pub workspace_id: WorkspaceId,
    pub permissions: PermissionSet,
    /// The key's masked hint: how uploads record who created them.
    pub hint: Arc<str>,
}

impl Principal {
    /// 403 unless the key may do `access`.
    pub fn require(&self, access: Access) -> Result<(), AuthError> {
        if self.permissions.allows(access) {
            Ok(())
        } else {
            let needed = access.permission();
            let also = match access {
                Access::Write => " (or the legacy halfpipe-transcripts-write)",
                Access::Read => "",
            };
            Err(AuthError::Forbidden(format!(
                "this API key lacks the {needed} permission{also} that this endpoint requires"
            )))
        }
    }
}

/// The bearer token of an `Authorization` header value, if it has the Bearer scheme.
pub fn bearer_token(value: &HeaderValue) -> Option<&str> {
    let value = value.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    (!token.is_empty()).then_some(token)
}

/// Verifies API keys: format first, then the cache, then the store.
pub struct Authenticator {
    store: Arc<dyn Store>,
    cache: KeyCache,
    last_used: LastUsed,
    clock: Clock,
}

impl Authenticator {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self::with_clock(store, Clock::system())
    }

    /// An authenticator that judges expiry by `clock`.
    pub fn with_clock(store: Arc<dyn Store>, clock: Clock) -> Self {
        Self {
            store,
            cache: KeyCache::new(),
            last_used: LastUsed::default(),
            clock,
        }
    }

    pub fn cache(&self) -> &KeyCache {
        &self.cache
    }

    pub fn last_used(&self) -> &LastUsed {
        &self.last_used
    }

    /// Turns an `Authorization` header into a principal, or the 401 the table prescribes.
    pub async fn authenticate(&self, header: Option<&HeaderValue>) -> Result<Principal, AuthError> {
        let token = header.and_then(bearer_token).ok_or(AuthError::Missing)?;
        if token.starts_with("ey") {
            return Err(AuthError::Jwt);
        }
        check_format(token).map_err(|_| AuthError::Invalid)?;
        let hash = KeyHash::of(token);
        let record = match self.cache.get(&hash) {
            Some(cached) => cached,
            None => {
                let generation = self.cache.generation();
                let found = self
                    .store
                    .find_key_by_hash(hash)
                    .await?
                    .map(|r| Arc::new(CachedKey::from(r)));
                self.cache.insert(hash, found.clone(), generation);
                found
            }
        };
        let record = record.ok_or(AuthError::Invalid)?;
        if record.status == KeyStatus::Revoked {
            return Err(AuthError::Revoked);
        }
        let now = self.clock.now();
        if record.expires_at.is_some_and(|at| at <= now) {
            return Err(AuthError::Expired);
        }
        self.last_used.record(record.id, now);
        Ok(Principal {
            key_id: record.id,
            workspace_id: record.workspace_id,
            permissions: record.permissions,
            hint: Arc::clone(&record.hint),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        for value in ["Bearer abc", "bearer abc", "BEARER abc", "  Bearer   abc  "] {
            assert_eq!(
                bearer_token(&HeaderValue::from_str(value).unwrap()),
                Some("abc"),
                "{value}"
            );
        }
    }

    #[test]
    fn other_schemes_and_empty_tokens_are_missing() {
        for value in ["Basic abc", "Bearer", "Bearer   ", "abc", "Token abc", ""] {
            assert_eq!(
                bearer_token(&HeaderValue::from_str(value).unwrap()),
                None,
                "{value}"
            );
        }
    }
}
