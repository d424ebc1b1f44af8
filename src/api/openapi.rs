//! The OpenAPI 3.1 document of the public API.

use axum::response::{IntoResponse, Response};

/// `GET /public/api/v1/openapi.json`
pub async fn document() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        "{}",
    )
        .into_response()
}
