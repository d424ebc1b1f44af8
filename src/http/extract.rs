//! Extractors for bodies, paths and queries whose errors name the field as the client spelled it.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, Result};
use crate::model::json::duplicate_key;
use crate::model::{Page, ValidationError};
use crate::state::AppState;

/// A JSON request body. Errors name the offending field as the client spelled it.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self> {
        let bytes = json_bytes(request, state).await?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// A JSON request body that may also be empty, which reads as `T::default()`.
pub struct JsonBodyOrDefault<T>(pub T);

impl<T: DeserializeOwned + Default> FromRequest<AppState> for JsonBodyOrDefault<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self> {
        let bytes = json_bytes(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonBodyOrDefault(T::default()));
        }
        parse_json(&bytes).map(JsonBodyOrDefault)
    }
}

/// The body of a request that must be JSON if it has a `Content-Type`: 415 otherwise, 413 past
/// the configured limit.
async fn json_bytes(request: Request, state: &AppState) -> Result<Bytes> {
    // A compressed body is not JSON as it stands; decoding it is not offered, so say which
    // encoding is refused rather than failing to parse the compressed bytes.
    if let Some(encoding) = request.headers().get(header::CONTENT_ENCODING) {
        let encoding = encoding.to_str().unwrap_or_default().trim();
        if !encoding.is_empty() && !encoding.eq_ignore_ascii_case("identity") {
            return Err(ApiError::UnsupportedMediaType(format!(
                "Content-Encoding {encoding:?} is not supported: send the JSON body uncompressed"
            )));
        }
    }
    if let Some(content_type) = request.headers().get(header::CONTENT_TYPE) {
        let mime = content_type.to_str().unwrap_or_default();
        let essence = mime.split(';').next().unwrap_or_default().trim();
        let is_json = essence.eq_ignore_ascii_case("application/json")
            || essence.to_ascii_lowercase().ends_with("+json");
        if !is_json {
            return Err(ApiError::UnsupportedMediaType(format!(
                "request body must be JSON: send Content-Type: application/json, not {essence:?}"
            )));
        }
    }
    let limit = state.config.max_body_bytes;
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge { limit }
            } else if timed_out(&rejection) {
                ApiError::Timeout(
                    "the request body did not arrive in time: send it at once after the headers"
                        .into(),
                )
            } else {
                ApiError::bad_request(format!("cannot read the request body: {rejection}"))
            }
        })
}

/// Whether reading the body failed because the connection's body deadline passed.
fn timed_out(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(err) = source {
        if err
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return true;
        }
        source = err.source();
    }
    false
}

/// Parses a JSON object, reporting type errors with the path of the offending field. A key
/// given twice in any object of the body (`{"name": "a", "name": "b"}`) is a 400 naming it
/// (`name`, `turns[0].role`, `metadata.a`) rather than one of the two winning silently.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "request body is empty: send a JSON object",
        ));
    }
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok() {
        return Err(ApiError::bad_request("request body must be a JSON object"));
    }
    if let Some(path) = duplicate_key(bytes, "") {
        return Err(ApiError::invalid(
            &path,
            format!("{path} is given twice: each key of an object may appear once"),
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_data() {
            let message = strip_position(&inner.to_string());
            // serde reports a missing required field at its parent; name the field itself.
            let param = match (missing_field(&message), path.as_str()) {
                (Some(field), ".") => field.to_string(),
                (Some(field), parent) => format!("{parent}.{field}"),
                (None, ".") => return ApiError::bad_request("request body must be a JSON object"),
                (None, parent) => parent.to_string(),
            };
            ApiError::invalid(&param, format!("{param}: {message}"))
        } else {
            ApiError::bad_request(format!("malformed JSON: {inner}"))
        }
    })?;
    deserializer
        .end()
        .map_err(|e| ApiError::bad_request(format!("malformed JSON: {e}")))?;
    Ok(value)
}

/// The field a serde "missing field `x`" message names.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.strip_suffix('`')
}

/// serde_json appends " at line L column C" to data errors; the field path says it better.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// A route's path parameters, percent-decoded: a `String` for one, a tuple for several. A
/// parameter that does not decode (e.g. invalid UTF-8) is a 400 naming it.
pub struct PathParam<T = String>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PathParam<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(PathParam(value)),
            Err(rejection) => {
                let key = match &rejection {
                    PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
                        ErrorKind::InvalidUtf8InPathParam { key }
                        | ErrorKind::ParseErrorAtKey { key, .. }
                        | ErrorKind::DeserializeError { key, .. } => Some(key.clone()),
                        _ => None,
                    },
                    _ => None,
                };
                let name = key.unwrap_or_else(|| "path".to_string());
                Err(ApiError::invalid(
                    &name,
                    format!("{name} in the path is not valid: {}", rejection.body_text()),
                ))
            }
        }
    }
}

/// The largest `page`: 2^31 − 1.
const MAX_PAGE: u32 = i32::MAX as u32;

/// Query parameters by name (the last one wins when repeated). A value holding U+0000 is a
/// 400 naming its parameter: no text the server stores or searches can hold it.
pub struct QueryParams(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map_err(|e| ApiError::bad_request(format!("malformed query string: {e}")))?;
        for (name, value) in &pairs {
            ValidationError::reject_nul(value, name)?;
        }
        Ok(QueryParams(pairs.into_iter().collect()))
    }
}

impl QueryParams {
    /// A non-empty value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// `page` (1 to 2^31 − 1, the OpenAPI document's `int32`; default 1) and `limit` (1–100,
    /// default 20).
    pub fn page(&self) -> Result<Page> {
        Ok(Page {
            page: self.number("page", 1, MAX_PAGE, 1)?,
            limit: self.number("limit", 1, 100, 20)?,
        })
    }

    fn number(&self, name: &str, min: u32, max: u32, default: u32) -> Result<u32> {
        let Some(raw) = self.0.get(name) else {
            return Ok(default);
        };
        let range = format!("an integer from {min} to {max}");
        match raw.trim().parse::<i64>() {
            Ok(n) if n >= i64::from(min) && n <= i64::from(max) => Ok(n as u32),
            _ => Err(ApiError::invalid(
                name,
                format!("{name} must be {range}, got {raw:?}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::transcript::UploadBody;

    fn param_of<T: DeserializeOwned + std::fmt::Debug>(body: &str) -> Option<String> {
        match parse_json::<T>(body.as_bytes()) {
            Err(ApiError::Validation { param, .. }) => param,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn type_errors_name_the_nested_field() {
        let body = r#"{"name": "x", "turns": [{"role": "user", "content": ""}, {"role": 5}]}"#;
        assert_eq!(
            param_of::<UploadBody>(body).as_deref(),
            Some("turns[1].role")
        );
        assert_eq!(
            param_of::<UploadBody>(r#"{"name": 5}"#).as_deref(),
            Some("name")
        );
    }

    #[test]
    fn a_missing_nested_field_is_named_itself_not_its_parent() {
        let body = r#"{"name": "x", "turns": [{"role": "user", "content": "", "toolCalls": [{"args": {}}]}]}"#;
        assert_eq!(
            param_of::<UploadBody>(body).as_deref(),
            Some("turns[0].toolCalls[0].name")
        );
    }

    #[test]
    fn a_duplicated_key_is_named_at_its_path() {
        let cases = [
            (r#"{"name": "a", "name": "b", "turns": []}"#, "name"),
            (
                r#"{"name": "x", "turns": [{"role": "user", "role": "tool", "content": ""}]}"#,
                "turns[0].role",
            ),
            (
                r#"{"name": "x", "metadata": {"k": 1, "k": 1}, "turns": []}"#,
                "metadata.k",
            ),
        ];
        for (body, param) in cases {
            assert_eq!(
                param_of::<UploadBody>(body).as_deref(),
                Some(param),
                "{body}"
            );
        }
    }

    #[test]
    fn malformed_json_has_no_param() {
        for body in ["{", "", "[1,2]", "\"text\"", "{} {}"] {
            assert_eq!(param_of::<UploadBody>(body), None, "{body:?}");
        }
    }

    fn query(pairs: &[(&str, &str)]) -> QueryParams {
        QueryParams(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn pagination_defaults_and_bounds() {
        assert_eq!(query(&[]).page().unwrap(), Page { page: 1, limit: 20 });
        assert_eq!(
            query(&[("page", "3"), ("limit", "100")]).page().unwrap(),
            Page {
                page: 3,
                limit: 100
            }
        );
        for (name, value) in [
            ("page", "0"),
            ("page", "-1"),
            ("page", "x"),
            ("page", "2147483648"),
            ("limit", "0"),
            ("limit", "101"),
            ("limit", "1.5"),
            ("limit", ""),
        ] {
            match query(&[(name, value)]).page() {
                Err(ApiError::Validation { param, .. }) => {
                    assert_eq!(param.as_deref(), Some(name), "{name}={value}")
                }
                other => panic!("{name}={value}: expected 400, got {other:?}"),
            }
        }
    }
}
