//! Hostile but well-formed input (issue 8): instants past year 9999 in UTC, NUL characters,
//! duplicate JSON keys, client JSON that must come back as it was sent. Each case is a 400
//! naming the field as the client spelled it, or a round trip that keeps every byte — never a
//! panic or a 500, on either backend.

mod timestamps;

use serde_json::Value;

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
