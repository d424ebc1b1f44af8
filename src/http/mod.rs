//! The HTTP edge shared by every surface: the request's arrival time, the success envelopes,
//! extractors that name the offending field, the API-key middleware and the session extractors.

mod api_key;
mod extract;
mod filter;
pub mod session;

use std::time::Instant;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

pub use api_key::{Reader, Writer, require_api_key};
pub use extract::{JsonBody, JsonBodyOrDefault, PathParam, QueryParams, parse_json};
pub use filter::parse_filter;

use crate::model::Page;

/// The network address the request came from, as the serve loop records it on every request
/// (`ConnectInfo`); the sign-in throttle counts attempts by it.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub std::net::IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = crate::error::ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &S,
    ) -> std::result::Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| Peer(info.0.ip()))
            .ok_or_else(|| {
                crate::error::ApiError::internal("the serve loop recorded no peer address")
            })
    }
}

/// When the request arrived, for `processing_time_ms`.
#[derive(Debug, Clone, Copy)]
pub struct RequestStart(pub Instant);

impl<S: Send + Sync> FromRequestParts<S> for RequestStart {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &S,
    ) -> std::result::Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<RequestStart>()
            .copied()
            .unwrap_or_else(|| RequestStart(std::time::Instant::now())))
    }
}

impl RequestStart {
    pub fn elapsed_ms(&self) -> u64 {
        self.0.elapsed().as_millis() as u64
    }
}

/// A success response: `data` and how long the server took.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Envelope<T> {
    data: T,
    /// Milliseconds the server spent on the request.
    processing_time_ms: u64,
}

/// `page`, `limit` and `total` of a list response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Pagination {
    #[schema(minimum = 1)]
    pub page: u32,
    #[schema(minimum = 1, maximum = 100)]
    pub limit: u32,
    /// Items in the whole list, across all pages.
    #[schema(minimum = 0)]
    pub total: i64,
}

/// A page of a list, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ListEnvelope<T> {
    data: Vec<T>,
    pagination: Pagination,
    /// Milliseconds the server spent on the request.
    processing_time_ms: u64,
}

/// `{"data": …, "processing_time_ms": …}` with `status`.
pub fn respond<T: Serialize>(status: StatusCode, start: RequestStart, data: T) -> Response {
    let body = Envelope {
        data,
        processing_time_ms: start.elapsed_ms(),
    };
    (status, axum::Json(body)).into_response()
}

/// A list page with its pagination block.
pub fn respond_list<T: Serialize>(
    start: RequestStart,
    items: Vec<T>,
    page: Page,
    total: i64,
) -> Response {
    let body = ListEnvelope {
        data: items,
        pagination: Pagination {
            page: page.page,
            limit: page.limit,
            total,
        },
        processing_time_ms: start.elapsed_ms(),
    };
    axum::Json(body).into_response()
}
