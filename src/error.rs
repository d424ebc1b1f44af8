//! The one error type of the HTTP surface, rendered as the JSON error body of SPEC §1.2.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use crate::auth::AuthError;
use crate::auth::ratelimit::{RateLimitInfo, RateLimitScope};
use crate::model::ValidationError;
use crate::service::ServiceError;
use crate::store::StoreError;

/// `Result` with [`ApiError`] as the default error.
pub type Result<T, E = ApiError> = std::result::Result<T, E>;

/// Every way a request can fail, each mapped to one status and one `type`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request is malformed; `param` names the offending field when there is one.
    #[error("{message}")]
    Validation {
        param: Option<String>,
        message: String,
    },
    /// 401: no usable credentials.
    #[error("{0}")]
    Authentication(String),
    /// 403: valid credentials without access.
    #[error("{0}")]
    Permission(String),
    /// 404
    #[error("{0}")]
    NotFound(String),
    /// 405: the path exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409, with details such as the conflicting resource id.
    #[error("{message}")]
    Conflict { message: String, details: Value },
    /// 413
    #[error("request body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// 415
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 429
    #[error("rate limit exceeded")]
    RateLimited(RateLimitInfo),
    /// 503: a dependency (the database) is unavailable.
    #[error("{0}")]
    Overloaded(String),
    /// 503 with `Retry-After`: the server is at capacity for this kind of work right now.
    #[error("{message}")]
    Busy { message: String, retry_secs: u64 },
    /// 408: the client took too long to send its request.
    #[error("{0}")]
    Timeout(String),
    /// 414: the request target is longer than the server accepts.
    #[error("{0}")]
    UriTooLong(String),
    /// 431: the request's headers are larger, or more, than the server accepts.
    #[error("{0}")]
    HeadersTooLarge(String),
    /// 500: the cause is logged once, never sent.
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    /// A 500 with its cause (a message or an error), which only the log will see.
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        ApiError::Internal(cause.into())
    }

    /// A 400 naming `param`.
    pub fn invalid(param: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Validation {
            param: Some(param.into()),
            message: message.into(),
        }
    }

    /// A 409 with no details.
    pub fn conflict(message: impl Into<String>) -> Self {
        ApiError::Conflict {
            message: message.into(),
            details: serde_json::json!({}),
        }
    }

    /// A 400 about the request as a whole.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::Validation {
            param: None,
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Validation { .. } => StatusCode::BAD_REQUEST,
            ApiError::Authentication(_) => StatusCode::UNAUTHORIZED,
            ApiError::Permission(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Overloaded(_) | ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            ApiError::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            ApiError::Validation { .. }
            | ApiError::MethodNotAllowed
            | ApiError::UnsupportedMediaType(_)
            | ApiError::Timeout(_)
            | ApiError::UriTooLong(_)
            | ApiError::HeadersTooLarge(_) => "invalid_request_error",
            ApiError::Authentication(_) => "authentication_error",
            ApiError::Permission(_) => "permission_error",
            ApiError::NotFound(_) => "not_found_error",
            ApiError::Conflict { .. } => "conflict_error",
            ApiError::TooLarge { .. } => "request_too_large",
            ApiError::RateLimited(_) => "rate_limit_error",
            ApiError::Overloaded(_) | ApiError::Busy { .. } => "overloaded_error",
            ApiError::Internal(_) => "api_error",
        }
    }

    /// The JSON body of SPEC §1.2.
    pub fn body(&self) -> Value {
        serde_json::to_value(self.wire_body()).expect("an error body is plain JSON")
    }

    /// The JSON body of SPEC §1.2, borrowed from the error: what a response serializes, without
    /// building a JSON tree first.
    fn wire_body(&self) -> WireBody<'_> {
        let message = match self {
            // The cause of a 500 stays in the log.
            ApiError::Internal(_) => "internal server error".to_string(),
            ApiError::RateLimited(info) if info.scope == RateLimitScope::SignIn => format!(
                "too many failed sign-ins for this email: retry in {} s",
                info.retry_after_secs
            ),
            ApiError::RateLimited(info) if info.scope == RateLimitScope::SignInAddress => format!(
                "too many sign-in attempts from this address: at most {} per minute; retry in {} s",
                info.limit, info.retry_after_secs
            ),
            ApiError::RateLimited(info) => format!(
                "rate limit exceeded: at most {} requests per minute per API key; retry in {} s",
                info.limit, info.retry_after_secs
            ),
            other => other.to_string(),
        };
        WireBody {
            error: WireError {
                code: self.status().as_u16(),
                details: match self {
                    ApiError::Conflict { details, .. } => Some(details),
                    _ => None,
                },
                message,
                param: match self {
                    ApiError::Validation {
                        param: Some(param), ..
                    } => Some(param),
                    _ => None,
                },
                kind: self.kind(),
            },
        }
    }
}

/// `{"error": {…}}`, as [`ApiError::wire_body`] lends it out.
#[derive(Serialize)]
struct WireBody<'a> {
    error: WireError<'a>,
}

/// The fields of an error body, in the alphabetical order in which a `serde_json::Value`
/// writes them, so that both ways of rendering an error give the same bytes.
#[derive(Serialize)]
struct WireError<'a> {
    code: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a Value>,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    param: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'static str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Internal(cause) => {
                tracing::error!(cause = %error_chain(cause.as_ref()), "request failed")
            }
            ApiError::Overloaded(cause) => log_unavailable(cause, "service unavailable"),
            _ => {}
        }
        let mut response = (self.status(), axum::Json(self.wire_body())).into_response();
        let headers = response.headers_mut();
        match &self {
            ApiError::RateLimited(info) => {
                info.apply(headers);
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(info.retry_after_secs),
                );
            }
            ApiError::Busy { retry_secs, .. } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_secs));
            }
            ApiError::Authentication(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}

impl From<ValidationError> for ApiError {
    fn from(err: ValidationError) -> Self {
        ApiError::Validation {
            param: err.param,
            message: err.message,
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Forbidden(message) => ApiError::Permission(message),
            AuthError::Throttled(info) => ApiError::RateLimited(info),
            AuthError::Store(err) => err.into(),
            AuthError::Hashing(_) => ApiError::Internal(err.into()),
            AuthError::Busy { retry_secs } => ApiError::Busy {
                message: err.to_string(),
                retry_secs,
            },
            AuthError::Missing
            | AuthError::Jwt
            | AuthError::Invalid
            | AuthError::Revoked
            | AuthError::Expired
            | AuthError::WrongCredentials => ApiError::Authentication(err.to_string()),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::Invalid(invalid) => invalid.into(),
            ServiceError::Auth(auth) => auth.into(),
            ServiceError::Store(store) => store.into(),
            ServiceError::Internal(_) => ApiError::Internal(err.into()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(message) => ApiError::conflict(message),
            StoreError::Invalid(invalid) => invalid.into(),
            StoreError::Forbidden(message) => ApiError::Permission(message),
            StoreError::NotFound(message) => ApiError::NotFound(message),
            StoreError::Unavailable(_) => ApiError::Overloaded(err.to_string()),
            StoreError::Database(_) | StoreError::Corrupt { .. } => ApiError::Internal(err.into()),
        }
    }
}

/// How long without a 503 ends an outage, for [`log_unavailable`].
const OUTAGE_QUIET: std::time::Duration = std::time::Duration::from_secs(10);

/// Logs a 503's cause once per outage: the first after a quiet spell at `warn`, those that
/// follow it (every request fails while the database is away) at `debug`. An outage ends after
/// [`OUTAGE_QUIET`] without a 503.
pub fn log_unavailable(cause: &str, what: &str) {
    static LAST: std::sync::Mutex<Option<std::time::Instant>> = std::sync::Mutex::new(None);
    let now = std::time::Instant::now();
    let first = {
        let mut last = LAST.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let first = last.is_none_or(|at| now.duration_since(at) > OUTAGE_QUIET);
        *last = Some(now);
        first
    };
    if first {
        tracing::warn!(%cause, "{what} (logged once per outage; further failures at debug)");
    } else {
        tracing::debug!(%cause, "{what}");
    }
}

/// An error and its sources, outermost first: `a: b: c`.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.ends_with(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(err: tokio::task::JoinError) -> Self {
        ApiError::Internal(err.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_always_the_http_status() {
        let cases = [
            ApiError::invalid("name", "x"),
            ApiError::Authentication("x".into()),
            ApiError::Permission("x".into()),
            ApiError::NotFound("x".into()),
            ApiError::MethodNotAllowed,
            ApiError::TooLarge { limit: 1 },
            ApiError::Internal("secret cause".into()),
        ];
        for err in cases {
            let body = err.body();
            assert_eq!(body["error"]["code"], err.status().as_u16(), "{err:?}");
            assert_eq!(body["error"]["type"], err.kind(), "{err:?}");
        }
    }

    #[test]
    fn responses_write_the_same_bytes_as_the_body() {
        let cases = [
            ApiError::invalid("turns[3].role", "bad role"),
            ApiError::bad_request("malformed JSON"),
            ApiError::Authentication("invalid API key".into()),
            ApiError::MethodNotAllowed,
            ApiError::Conflict {
                message: "exists".into(),
                details: serde_json::json!({ "transcript_id": "t-1" }),
            },
            ApiError::Internal("secret cause".into()),
        ];
        for err in cases {
            assert_eq!(
                serde_json::to_string(&err.wire_body()).unwrap(),
                err.body().to_string(),
                "{err:?}"
            );
        }
    }

    #[test]
    fn internal_error_body_hides_its_cause() {
        let body = ApiError::Internal("secret cause".into()).body();
        assert!(!body.to_string().contains("secret"));
    }

    #[test]
    fn validation_error_names_its_param() {
        let body = ApiError::invalid("turns[3].role", "bad role").body();
        assert_eq!(body["error"]["param"], "turns[3].role");
    }
}
