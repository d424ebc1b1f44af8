//! The OpenAPI 3.1 document of the whole HTTP surface, served at
//! `GET /public/api/v1/openapi.json`.
//!
//! It is assembled from the `#[utoipa::path]` annotation on each handler and the `ToSchema`
//! derives on the types the handlers read and write, so field names come from serde itself.
//! [`Conventions`] then adds what every authenticated operation shares: the bearer scheme, the
//! 401/403/429/500/503 error responses, and the `X-Request-Id` and `RateLimit-*` headers. The
//! types that no handler builds (the error body, query parameters) live in [`super::schema`]:
//! they exist only to describe the JSON the server reads and writes by hand.

use std::sync::LazyLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr};
use utoipa::{Modify, OpenApi, PartialSchema};

use super::schema::{ErrorBody, ErrorType};
use super::{projects, service, transcripts};

/// The document, built and serialized once.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document serializes");
    forbid_nul(&mut doc);
    doc.to_string()
});

/// No text the server accepts may hold U+0000 (PostgreSQL's `text` cannot; see docs/api.md):
/// every free-form string schema — a string without a format, enum or pattern of its own —
/// gets a pattern that says so, so that the document and the server agree.
fn forbid_nul(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let is_string = match map.get("type") {
                Some(Value::String(t)) => t == "string",
                Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
                _ => false,
            };
            let constrained = ["format", "enum", "pattern", "const"]
                .iter()
                .any(|k| map.contains_key(*k));
            if is_string && !constrained {
                map.insert("pattern".into(), json!(NUL_FREE));
            }
            map.values_mut().for_each(forbid_nul);
        }
        Value::Array(items) => items.iter_mut().for_each(forbid_nul),
        _ => {}
    }
}

/// Any text without U+0000.
const NUL_FREE: &str = "^[^\\x00]*$";

/// This OpenAPI document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "getOpenApiDocument",
    tag = "service",
    responses(
        (status = 200, description = "This document (OpenAPI 3.1).", body = Object,
            content_type = "application/json"),
    ),
)]
pub async fn document() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
        .into_response()
}

const DESCRIPTION: &str = "\
Halfpipe serves the Bigspin public API: upload the transcripts of an AI assistant's \
conversations into projects, list and search them, and read each project's analysis.

**Authentication.** Every request under `/public/api/v1` (except this document) carries \
`Authorization: Bearer sk-bigspin-api03-…`; see the `bearerAuth` scheme.

**Envelopes.** A success is `{\"data\": …, \"processing_time_ms\": N}`; a list adds \
`pagination` (`page`, `limit`, `total`) and is newest first. The transcript upload answers in \
camelCase with `\"success\": true`; every other response is snake_case. Request bodies are \
camelCase JSON objects; unknown fields are ignored, and a key given twice in any object is a \
400 naming it. No text field or query parameter accepts U+0000 (NUL). Client JSON (metadata, \
tool-call `args`, tool `result`) comes back exactly as it was sent.

**Errors.** Every non-2xx response, including unknown paths (404) and wrong methods (405, \
`invalid_request_error`), is `{\"error\": {\"type\", \"code\", \"message\", \"param\"?, \
\"details\"?}}` where `code` is the HTTP status. `param` names the offending field as the client \
spelled it: a body path such as `turns[3].role`, a query parameter, or a path parameter.

**Headers.** Every response carries `X-Request-Id` (the client's own, if it sent one). \
Responses to authenticated requests carry `RateLimit-Limit`, `RateLimit-Remaining` and \
`RateLimit-Reset` while rate limiting is on.

**Timestamps** are RFC 3339 UTC with milliseconds, e.g. `2026-03-15T10:30:00.000Z`.";

/// The endpoints under `/public/api/v1`, with paths relative to it.
#[derive(OpenApi)]
#[openapi(paths(
    projects::create,
    projects::list,
    projects::show,
    projects::insights,
    transcripts::upload,
    transcripts::list,
    transcripts::show,
    transcripts::upload_legacy,
    document,
))]
struct PublicApi;

/// The whole document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Bigspin public API (Halfpipe)",
        description = DESCRIPTION,
        license(name = "MIT"),
    ),
    nest((path = "/public/api/v1", api = PublicApi)),
    paths(service::healthz, service::readyz, service::metrics),
    components(schemas(ErrorBody, ErrorType)),
    modifiers(&Conventions),
    tags(
        (name = "projects", description = "Containers of transcripts, with their analysis."),
        (name = "transcripts", description = "Conversations: upload, list and search, read."),
        (name = "service", description = "Health, readiness, metrics and this document; no key needed."),
    ),
)]
pub struct ApiDoc;

/// Name of the security scheme of the public API.
pub const BEARER: &str = "bearerAuth";

const KEY_FORMAT: &str = "\
An API key of the workspace, sent as `Authorization: Bearer <key>` (the scheme word is \
case-insensitive). Keys look like `sk-bigspin-api03-` followed by 43 base62 characters of secret \
and 6 base62 characters of checksum (CRC-32 of everything before it); a key of the wrong length, \
alphabet or checksum is rejected at once. Legacy `sk-prism-api03-` keys are still accepted. \
JWTs (tokens starting with `ey`) are not accepted here: they get a 401 `authentication_error`. \
A key may be limited to `projects-read` and/or `projects-write` (legacy keys: \
`halfpipe-transcripts-write`, which allows exactly creating projects and uploading \
transcripts); a key without restrictions may do everything. Write does not imply read.";

/// An error response every authenticated operation may give, as a reusable component.
struct CommonError {
    status: u16,
    component: &'static str,
    description: &'static str,
    kind: &'static str,
    example_message: &'static str,
}

const COMMON_ERRORS: [CommonError; 5] = [
    CommonError {
        status: 401,
        component: "Unauthorized",
        description: "No API key (missing header, empty value or a scheme other than Bearer), a \
            JWT, or a key that is malformed, unknown, deleted, revoked or expired. Carries \
            `WWW-Authenticate: Bearer`.",
        kind: "authentication_error",
        example_message: "invalid API key",
    },
    CommonError {
        status: 403,
        component: "Forbidden",
        description: "The key lacks the permission this endpoint needs, or the resource belongs \
            to another workspace.",
        kind: "permission_error",
        example_message: "this API key lacks the projects-read permission that this endpoint \
            requires",
    },
    CommonError {
        status: 429,
        component: "TooManyRequests",
        description: "The key has spent its requests for now; retry after `Retry-After` seconds.",
        kind: "rate_limit_error",
        example_message: "rate limit exceeded: at most 600 requests per minute per API key; \
            retry in 1 s",
    },
    CommonError {
        status: 500,
        component: "InternalError",
        description: "An unexpected failure; the body never says why (the server logs it with \
            the request id).",
        kind: "api_error",
        example_message: "internal server error",
    },
    CommonError {
        status: 503,
        component: "ServiceUnavailable",
        description: "The database cannot be reached right now; retry later.",
        kind: "overloaded_error",
        example_message: "database unavailable",
    },
];

/// Response headers, as components: (name, description, example).
const HEADERS: [(&str, &str, &str); 6] = [
    (
        "X-Request-Id",
        "The request's id: the client's own `X-Request-Id` if it sent one, else a new UUID. The \
         server's log lines carry it.",
        "0195a2c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
    ),
    (
        "RateLimit-Limit",
        "Requests per minute this API key may make (sent while rate limiting is on).",
        "600",
    ),
    (
        "RateLimit-Remaining",
        "Requests this API key may still make right now.",
        "599",
    ),
    (
        "RateLimit-Reset",
        "Seconds until the key's budget is full again.",
        "1",
    ),
    ("Retry-After", "Seconds to wait before retrying.", "1"),
    ("WWW-Authenticate", "Always `Bearer`.", "Bearer"),
];

const RATE_LIMIT_HEADERS: [&str; 3] = ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"];

/// Adds the conventions every operation shares; see the module documentation.
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("sk-bigspin-api03-…")
                    .description(Some(KEY_FORMAT))
                    .build(),
            ),
        );
        for (name, description, example) in HEADERS {
            let (schema, example) = match example.parse::<u64>() {
                Ok(n) => (u64::schema(), json!(n)),
                Err(_) => (String::schema(), json!(example)),
            };
            let header = HeaderBuilder::new()
                .schema(Some(schema))
                .description(Some(description))
                .example(Some(example))
                .build();
            components.headers.insert(name.into(), RefOr::T(header));
        }
        for error in &COMMON_ERRORS {
            components
                .responses
                .insert(error.component.into(), RefOr::T(error.response()));
        }
        for item in doc.paths.paths.values_mut() {
            operations_mut(item).for_each(apply_conventions);
        }
    }
}

impl CommonError {
    fn response(&self) -> utoipa::openapi::Response {
        let example = json!({"error": {
            "type": self.kind,
            "code": self.status,
            "message": self.example_message,
        }});
        let mut headers = vec!["X-Request-Id"];
        match self.status {
            401 => headers.push("WWW-Authenticate"),
            429 => headers.extend(["Retry-After"].into_iter().chain(RATE_LIMIT_HEADERS)),
            _ => {}
        }
        headers
            .into_iter()
            .fold(
                ResponseBuilder::new()
                    .description(self.description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .example(Some(example))
                            .build(),
                    ),
                |response, name| response.header_ref(name, header_ref(name)),
            )
            .build()
    }
}

/// `X-Request-Id` on every response; on authenticated operations, the common errors and the
/// `RateLimit-*` headers of a success.
fn apply_conventions(operation: &mut Operation) {
    let authenticated = operation
        .security
        .as_ref()
        .is_some_and(|requirements| !requirements.is_empty());
    for (status, response) in &mut operation.responses.responses {
        let RefOr::T(response) = response else {
            continue;
        };
        let mut names = vec!["X-Request-Id"];
        if authenticated && status.starts_with('2') {
            names.extend(RATE_LIMIT_HEADERS);
        }
        for name in names {
            response
                .headers
                .insert(name.into(), RefOr::Ref(header_ref(name)));
        }
    }
    if authenticated {
        for error in &COMMON_ERRORS {
            operation
                .responses
                .responses
                .entry(error.status.to_string())
                .or_insert_with(|| Ref::from_response_name(error.component).into());
        }
    }
}

fn header_ref(name: &str) -> Ref {
    Ref::new(format!("#/components/headers/{name}"))
}

fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
        &mut item.query,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;

    fn document_json() -> Value {
        serde_json::from_str(&DOCUMENT).expect("the OpenAPI document is JSON")
    }

    #[test]
    fn error_types_are_the_ones_the_server_sends() {
        let doc = document_json();
        let documented: Vec<&str> = doc["components"]["schemas"]["ErrorType"]["enum"]
            .as_array()
            .expect("ErrorType is an enum")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let errors = [
            ApiError::invalid("name", "x"),
            ApiError::Authentication("x".into()),
            ApiError::Permission("x".into()),
            ApiError::NotFound("x".into()),
            ApiError::MethodNotAllowed,
            ApiError::Conflict {
                message: "x".into(),
                details: json!({}),
            },
            ApiError::TooLarge { limit: 1 },
            ApiError::UnsupportedMediaType("x".into()),
            ApiError::RateLimited(crate::auth::ratelimit::RateLimitInfo {
                limit: 1,
                remaining: 0,
                reset_secs: 1,
                retry_after_secs: 1,
                scope: crate::auth::ratelimit::RateLimitScope::ApiKey,
            }),
            ApiError::Overloaded("x".into()),
            ApiError::Internal("x".into()),
        ];
        let mut sent: Vec<&str> = errors.iter().map(ApiError::kind).collect();
        sent.sort_unstable();
        sent.dedup();
        let mut documented_sorted = documented.clone();
        documented_sorted.sort_unstable();
        assert_eq!(documented_sorted, sent);
    }

    #[test]
    fn document_is_openapi_3_1() {
        let doc = document_json();
        assert!(
            doc["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1.")),
            "{}",
            doc["openapi"]
        );
    }
}
