//! The public API's authentication at the HTTP edge: the middleware that turns the
//! `Authorization` header into a [`Principal`] and spends its rate limit, and the extractors that
//! check a permission before the body is read.

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;

use crate::auth::Principal;
use crate::error::{ApiError, Result};
use crate::model::Access;
use crate::state::AppState;

/// Middleware on the public API's routes: authenticate, rate-limit, and hand the principal on.
pub async fn require_api_key(
    axum::extract::State(state): axum::extract::State<AppState>,
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

/// The principal the middleware stored on the request.
fn principal(parts: &Parts) -> Result<Principal> {
    parts
        .extensions
        .get::<Principal>()
        .cloned()
        .ok_or_else(|| ApiError::internal("route is missing the require_api_key middleware"))
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

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        let who = principal(parts)?;
        who.require(Access::Read)?;
        Ok(Reader(who))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Writer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        let who = principal(parts)?;
        who.require(Access::Write)?;
        Ok(Writer(who))
    }
}
