//! Hostile but well-formed input (issue 8): instants past year 9999 in UTC, NUL characters,
//! duplicate JSON keys, client JSON that must come back as it was sent. Each case is a 400
//! naming the field as the client spelled it, or a round trip that keeps every byte — never a
//! panic or a 500, on either backend.

mod json_values;
mod nul;
mod schema;
mod timestamps;

use reqwest::{StatusCode, header};
use serde_json::Value;

use crate::support::{TestApp, read};

/// A valid upload with `extra` merged into its top level.
fn upload_with(extra: Value) -> Value {
    let mut body = serde_json::json!({
        "name": "chat",
        "turns": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "hello"}
        ]
    });
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    body
}

/// Posts `body` as raw JSON text to a public API path.
async fn post_text(app: &TestApp, key: &str, path: &str, body: &str) -> (StatusCode, Value) {
    let response = app
        .client
        .post(app.api(path))
        .bearer_auth(key)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("request sent");
    read(response).await
}

/// The raw response text of `GET path` on the public API, as the client receives it.
async fn get_text(app: &TestApp, key: &str, path: &str) -> (StatusCode, String) {
    let response = app
        .client
        .get(app.api(path))
        .bearer_auth(key)
        .send()
        .await
        .expect("request sent");
    let status = response.status();
    (status, response.text().await.expect("a body"))
}
