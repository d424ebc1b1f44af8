//! Speaking HTTP to a [`TestApp`]: the public API with a key ([`TestApp::get`],
//! [`TestApp::post`]), the management API as a script, a browser or nobody ([`As`], [`call`]),
//! reading responses and cookies, and the assertions on the SPEC's error body.

use reqwest::header::{AsHeaderName, COOKIE, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::{Session, TestApp};

impl TestApp {
    /// URL of a public API path, e.g. `api("/projects")`.
    pub fn api(&self, path: &str) -> String {
        format!("{}/public/api/v1{}", self.address, path)
    }

    /// A request with an API key: a path starting `/` (not `/public`, not a service path) is
    /// on the public API.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let url = if path.starts_with('/') && !path.starts_with("/public") && !is_service(path) {
            self.api(path)
        } else {
            format!("{}{}", self.address, path)
        };
        let mut request = self.client.request(method, url);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("request sent");
        read(response).await
    }

    pub async fn get(&self, path: &str, key: &str) -> (StatusCode, Value) {
        self.request(Method::GET, path, Some(key), None).await
    }

    pub async fn post(&self, path: &str, key: &str, body: &Value) -> (StatusCode, Value) {
        self.request(Method::POST, path, Some(key), Some(body))
            .await
    }

    /// Uploads `transcript` into `project`; returns (status, body).
    pub async fn upload(
        &self,
        key: &str,
        project: &str,
        transcript: &Value,
    ) -> (StatusCode, Value) {
        self.post(&format!("/projects/{project}/transcripts"), key, transcript)
            .await
    }
}

fn is_service(path: &str) -> bool {
    ["/healthz", "/readyz", "/metrics"]
        .iter()
        .any(|p| path.starts_with(p))
}

/// How a request to the management API says who sends it.
#[derive(Debug, Clone, Copy)]
pub enum As<'a> {
    /// `Authorization: Bearer <JWT>`, the way a script calls.
    Script(&'a Session),
    /// The session cookie, with the headers a browser adds on the dashboard's own origin.
    Browser(&'a Session),
    /// No credentials at all.
    Nobody,
}

/// A request to `path` (from the server's root) sent as `who`, not yet sent.
pub fn request(
    app: &TestApp,
    method: Method,
    path: &str,
    who: As<'_>,
    body: Option<&Value>,
) -> reqwest::RequestBuilder {
    let mut request = app.client.request(method, format!("{}{path}", app.address));
    match who {
        As::Script(session) => request = request.bearer_auth(&session.jwt),
        As::Browser(session) => {
            request = request
                .header(COOKIE, &session.cookie)
                .header("origin", &app.address)
                .header("sec-fetch-site", "same-origin");
        }
        As::Nobody => {}
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    request
}

/// Sends [`request`]; returns the response as it came.
pub async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    who: As<'_>,
    body: Option<&Value>,
) -> reqwest::Response {
    request(app, method, path, who, body)
        .send()
        .await
        .expect("request sent")
}

/// Sends [`request`]; returns the status and JSON body.
pub async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    who: As<'_>,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    read(send(app, method, path, who, body).await).await
}

/// `POST /api/v1/auth/login` with `body`, as nobody.
pub async fn post_login(app: &TestApp, body: &Value) -> reqwest::Response {
    send(
        app,
        Method::POST,
        "/api/v1/auth/login",
        As::Nobody,
        Some(body),
    )
    .await
}

/// Status and JSON body of a response (a non-JSON body is a test failure).
pub async fn read(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{status}: body is not JSON ({e}): {text:?}"));
    (status, body)
}

/// A header of `response` as text (empty when it is missing).
pub fn header(response: &reqwest::Response, name: impl AsHeaderName) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The whole `Set-Cookie` header of the session cookie, if the response sets it.
pub fn session_set_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("halfpipe_session="))
        .map(str::to_string)
}

/// `name=value` of a `Set-Cookie` header.
pub fn cookie_pair(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .expect("a name=value pair")
        .trim()
        .to_string()
}

/// The attributes of a `Set-Cookie` header, lower-cased, without the name=value pair.
pub fn cookie_attributes(set_cookie: &str) -> Vec<String> {
    set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

/// Percent-encodes every byte but the unreserved ones of RFC 3986.
pub fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Percent-encodes query pairs into `?a=b&c=d` (empty when there are none).
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let joined: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect();
    format!("?{}", joined.join("&"))
}

/// Asserts the SPEC's error body: `type`, `code` = status, a message, and `param` if given.
pub fn assert_error(
    status: StatusCode,
    body: &Value,
    expected: StatusCode,
    kind: &str,
    param: Option<&str>,
) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["error"]["type"], kind, "{body}");
    assert_eq!(body["error"]["code"], expected.as_u16(), "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    if let Some(param) = param {
        assert_eq!(body["error"]["param"], param, "{body}");
    }
}

/// Asserts a 400 `invalid_request_error` naming `param`; `case` says which case failed.
pub fn assert_invalid(case: &str, status: StatusCode, body: &Value, param: &str) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{case}: {body}");
    assert_eq!(
        body["error"]["type"], "invalid_request_error",
        "{case}: {body}"
    );
    assert_eq!(body["error"]["code"], 400, "{case}: {body}");
    assert_eq!(body["error"]["param"], param, "{case}: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{case}: a message: {body}"
    );
}

/// The error a status stands for on this API.
pub fn error_type(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 | 405 | 415 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        409 => "conflict_error",
        429 => "rate_limit_error",
        other => panic!("no error type for {other}"),
    }
}

/// Asserts `expected`, and for an error the SPEC's body with the matching type.
pub fn assert_outcome(case: &str, status: StatusCode, body: &Value, expected: StatusCode) {
    assert_eq!(status, expected, "{case}: {body}");
    if !expected.is_success() {
        assert_eq!(
            body["error"]["type"],
            error_type(expected),
            "{case}: {body}"
        );
        assert_eq!(body["error"]["code"], expected.as_u16(), "{case}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{case}: a message: {body}"
        );
    }
}

/// Asserts `value` is a timestamp in the SPEC's form, RFC 3339 UTC with milliseconds
/// (`2026-03-15T10:30:00.000Z`), and returns it parsed.
pub fn assert_timestamp(value: &Value, what: &str) -> time::OffsetDateTime {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("{what}: expected a timestamp string, got {value}"));
    let shape = "dddd-dd-ddTdd:dd:dd.dddZ";
    let matches_shape = text.len() == shape.len()
        && text.chars().zip(shape.chars()).all(|(c, s)| match s {
            'd' => c.is_ascii_digit(),
            other => c == other,
        });
    assert!(
        matches_shape,
        "{what}: {text:?} is not of the shape 2026-03-15T10:30:00.000Z"
    );
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("{what}: {text:?} is not RFC 3339: {e}"))
}
