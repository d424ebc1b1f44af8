//! The dashboard: the management API (`/api/v1`, JSON, authenticated by a member's session)
//! and the server-rendered pages, both protected against cross-site request forgery.

pub mod api;
mod assets;
mod form;
pub mod pages;
mod session;
mod views;

use axum::Router;
use axum::http::HeaderMap;
use axum::http::header::HOST;
use axum::response::IntoResponse;
use tower_http::csrf::{CsrfLayer, ProtectionError};

use crate::app::AppState;
use crate::error::ApiError;

/// Routes of the management API and the pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .nest("/api/v1", api::router())
        .merge(pages::router())
        .layer(
            // State-changing requests must come from this origin (Sec-Fetch-Site / Origin);
            // scripts without those headers use a JWT, which a browser never sends by itself.
            // This covers the pages' own posts (sign-in, sign-out) as well.
            CsrfLayer::new().with_rejection_response(|error: ProtectionError| {
                ApiError::Permission(format!(
                    "cross-site request refused ({error}): send state-changing requests from \
                     the dashboard's own origin"
                ))
                .into_response()
            }),
        )
}

/// `http(s)://host` of this server as the browser reached it, for copy-paste examples.
pub(crate) fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or(&state.config.listen);
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}
