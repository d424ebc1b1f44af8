//! The public API (`/public/api/v1`): one module per resource, and the lookups they share.

mod access;
pub mod openapi;
pub mod projects;
pub mod schema;
pub mod service;
pub mod transcripts;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::get;

use crate::http::require_api_key;
use crate::state::AppState;

/// Every authenticated route, plus the OpenAPI document (public).
pub fn public_router(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(projects::router())
        .merge(transcripts::router())
        .route_layer(from_fn_with_state(state, require_api_key))
        .route("/openapi.json", get(openapi::document))
}
