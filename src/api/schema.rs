//! Types that describe JSON the server reads or writes by hand, for the OpenAPI document: the
//! error body, the legacy upload body, the service answers and the query parameters. The
//! handlers name them in their `#[utoipa::path]` annotations; `openapi` assembles the document.

use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::model::ProjectId;
use crate::model::transcript::UploadBody;

/// The body of every error response.
#[derive(ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(ToSchema)]
pub struct ErrorDetail {
    #[serde(rename = "type")]
    pub kind: ErrorType,
    /// The HTTP status of the response.
    #[schema(minimum = 400, maximum = 599, example = 400)]
    pub code: u16,
    /// What went wrong and what was expected, for a person to read.
    pub message: String,
    /// The offending field, spelled as the client spelled it: a path in the body
    /// (`name`, `turns[3].role`, `sourceTimestamp`), a query parameter (`limit`) or a path
    /// parameter (`projectId`). Only on validation errors that concern one field.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "turns[3].role")]
    pub param: Option<String>,
    /// More about the error, e.g. `transcript_id` of the conflicting transcript on a 409.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub details: Option<Value>,
}

/// The kind of an error. `invalid_request_error` is 400 (and 405 for a wrong method, 415 for a
/// body that is not JSON), `authentication_error` 401, `permission_error` 403, `not_found_error`
/// 404, `conflict_error` 409, `request_too_large` 413, `rate_limit_error` 429, `api_error` 500,
/// `overloaded_error` 503.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorType {
    InvalidRequestError,
    AuthenticationError,
    PermissionError,
    NotFoundError,
    ConflictError,
    RequestTooLarge,
    RateLimitError,
    ApiError,
    OverloadedError,
}

/// The body of the legacy upload: an upload body plus an optional `projectId`.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LegacyUploadBody {
    #[serde(flatten)]
    pub transcript: UploadBody,
    /// The project to upload into. Absent, `null` or blank: the workspace's "Default" project,
    /// created on first use.
    pub project_id: Option<ProjectId>,
}

/// The answer of `/healthz` and `/readyz`.
#[derive(ToSchema)]
pub struct ServiceStatus {
    /// `ok` (`/healthz`) or `ready` (`/readyz`).
    pub status: String,
}

/// `page` and `limit` of a list request; out of range or not an integer is a 400 naming the
/// parameter.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The page, from 1. A page past the end has empty `data` and the true `total`.
    #[param(nullable = false, minimum = 1, maximum = 2147483647, default = 1)]
    pub page: Option<u32>,
    /// Items per page.
    #[param(nullable = false, minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
}

/// The filters of the transcript list; all given ones must match. Blank values are ignored.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TranscriptFilterQuery {
    /// Full-text search over the transcript's name and its turns' content: every word must
    /// match, each as a word prefix, case-insensitively.
    #[param(nullable = false, example = "refund")]
    pub q: Option<String>,
    /// Exactly this `model_name`.
    #[param(nullable = false, example = "gpt-4o")]
    pub model_name: Option<String>,
    /// This `language`, case-insensitively.
    #[param(nullable = false, example = "en")]
    pub language: Option<String>,
    /// Exactly this `source_system`.
    #[param(nullable = false, example = "zendesk")]
    pub source_system: Option<String>,
    /// `key` (the transcript has this annotation) or `key:value` (with this value).
    #[param(nullable = false, example = "sentiment:negative")]
    pub annotation: Option<String>,
    /// Inclusive lower bound on `source_timestamp` (or `created_at` where there is none):
    /// `YYYY-MM-DD` (from the start of that day, UTC) or an RFC 3339 timestamp, in years
    /// 0000–9999 in UTC.
    #[param(schema_with = date_bound, example = "2026-03-01")]
    pub date_from: Option<String>,
    /// Inclusive upper bound on `source_timestamp` (or `created_at` where there is none):
    /// `YYYY-MM-DD` (to the end of that day, UTC) or an RFC 3339 timestamp, in years
    /// 0000–9999 in UTC.
    #[param(schema_with = date_bound, example = "2026-03-31")]
    pub date_to: Option<String>,
}

/// `date_from` and `date_to`: a date, an RFC 3339 timestamp, or blank (ignored).
fn date_bound() -> utoipa::openapi::schema::Schema {
    crate::model::instant_or_blank_schema(true, false)
}
