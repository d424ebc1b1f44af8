//! Authentication of the public API: the bearer token → a [`Principal`], in the order of the
//! outcome table of SPEC §1.1, with the key cache and the last-used tracker behind it.

mod cache;
mod key;
pub mod manage;
pub mod session;

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::HeaderValue;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;

pub use cache::{CachedKey, KeyCache, LastUsed};
pub use key::{
    KeyFormatError, KeyKind, LEGACY_PREFIX, PREFIX, PlaintextKey, check_format, generate, hint,
    parse_legacy,
};

use crate::app::AppState;
use crate::error::{ApiError, Result};
use crate::model::{Access, KeyHash, KeyId, KeyStatus, PermissionSet, Timestamp, WorkspaceId};
use crate::store::Store;

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
    pub fn require(&self, access: Access) -> Result<()> {
        if self.permissions.allows(access) {
            Ok(())
        } else {
            let needed = access.permission();
            let also = match access {
                Access::Write => " (or the legacy halfpipe-transcripts-write)",
                Access::Read => "",
            };
            Err(ApiError::Permission(format!(
                "this API key lacks the {needed} permission{also} that this endpoint requires"
            )))
        }
    }
}

const MISSING: &str = "missing API key: send it in the Authorization header as \
     `Authorization: Bearer sk-bigspin-api03-…`";
const JWT: &str = "JWT tokens are not supported on the public API: use an API key with the \
     sk-bigspin-api03- prefix";
const INVALID: &str = "invalid API key";

/// The bearer token of an `Authorization` header value, if it has the Bearer scheme.
pub(crate) fn bearer_token(value: &HeaderValue) -> Option<&str> {
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
}

impl Authenticator {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            cache: KeyCache::new(),
            last_used: LastUsed::default(),
        }
    }

    pub fn cache(&self) -> &KeyCache {
        &self.cache
    }

    pub fn last_used(&self) -> &LastUsed {
        &self.last_used
    }

    /// Turns an `Authorization` header into a principal, or the 401 the table prescribes.
    pub async fn authenticate(&self, header: Option<&HeaderValue>) -> Result<Principal> {
        let token = header
            .and_then(bearer_token)
            .ok_or_else(|| ApiError::Authentication(MISSING.into()))?;
        if token.starts_with("ey") {
            return Err(ApiError::Authentication(JWT.into()));
        }
        check_format(token).map_err(|_| ApiError::Authentication(INVALID.into()))?;
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
        let record = record.ok_or_else(|| ApiError::Authentication(INVALID.into()))?;
        if record.status == KeyStatus::Revoked {
            return Err(ApiError::Authentication(
                "this API key has been revoked".into(),
            ));
        }
        let now = Timestamp::now();
        if record.expires_at.is_some_and(|at| at <= now) {
            return Err(ApiError::Authentication("this API key has expired".into()));
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

/// Middleware on the public API's routes: authenticate, rate-limit, and hand the principal on.
pub async fn require_api_key(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response> {
    let header = request.headers().get(axum::http::header::AUTHORIZATION);
    let principal = state.auth.authenticate(header).await?;
    let limit = state.rate_limiter.check(principal.key_id)?;
    request.extensions_mut().insert(principal);
    let mut response = next.run(request).await;
    if let Some(limit) = limit {
        limit.apply(response.headers_mut());
    }
    Ok(response)
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        parts.extensions.get::<Principal>().cloned().ok_or_else(|| {
            ApiError::Internal("route is missing the require_api_key middleware".into())
        })
    }
}

/// A principal allowed to read. As an extractor it runs before the body is read, so a key
/// without the permission gets 403 whatever it sent.
#[derive(Debug, Clone)]
pub struct Reader(pub Principal);

/// A principal allowed to write (create projects, upload transcripts).
#[derive(Debug, Clone)]
pub struct Writer(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        let who = Principal::from_request_parts(parts, state).await?;
        who.require(Access::Read)?;
        Ok(Reader(who))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Writer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        let who = Principal::from_request_parts(parts, state).await?;
        who.require(Access::Write)?;
        Ok(Writer(who))
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
