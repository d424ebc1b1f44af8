//! Service endpoints, without authentication: `/healthz`, `/readyz`, `/metrics`.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::app::AppState;
use crate::error::{ApiError, Result};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// The process is up.
async fn healthz() -> Response {
    axum::Json(json!({"status": "ok"})).into_response()
}

/// The database answers.
async fn readyz(State(state): State<AppState>) -> Result<Response> {
    state.store.ping().await.map_err(|e| match e {
        ApiError::Overloaded(m) | ApiError::Internal(m) => {
            ApiError::Overloaded(format!("not ready: {m}"))
        }
        other => other,
    })?;
    Ok(axum::Json(json!({"status": "ready"})).into_response())
}

/// Prometheus text format.
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
