//! Service endpoints, without authentication: `/healthz`, `/readyz`, `/metrics`.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::schema::{ErrorBody, ServiceStatus};
use crate::error::{ApiError, Result};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// The process is up.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    tag = "service",
    summary = "Liveness: the process is up",
    responses(
        (status = 200, description = "The process is up.", body = ServiceStatus,
            example = json!({"status": "ok"})),
    ),
)]
async fn healthz() -> Response {
    axum::Json(json!({"status": "ok"})).into_response()
}

/// The database answers.
#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "readyz",
    tag = "service",
    summary = "Readiness: the database answers",
    responses(
        (status = 200, description = "The database answers.", body = ServiceStatus,
            example = json!({"status": "ready"})),
        (status = 503, description = "The database cannot be reached (`overloaded_error`).",
            body = ErrorBody),
    ),
)]
async fn readyz(State(state): State<AppState>) -> Result<Response> {
    state
        .store
        .ping()
        .await
        .map_err(|e| ApiError::Overloaded(format!("not ready: {e}")))?;
    Ok(axum::Json(json!({"status": "ready"})).into_response())
}

/// Prometheus text format.
#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "service",
    summary = "Metrics in the Prometheus text format",
    responses(
        (status = 200, description = "Metrics in the Prometheus text format (version 0.0.4).",
            body = String, content_type = "text/plain; version=0.0.4; charset=utf-8"),
    ),
)]
async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}
