//! Transcripts (SPEC §1.4): upload and its validation, the envelopes, safe retries by
//! `externalId`, the legacy upload, the detail view, pagination and every list filter.
//!
//! Shared here: the bodies the tests upload or break, and the calls that list and read back.

mod encoding;
mod filters;
mod get;
mod legacy;
mod list;
mod retries;
mod upload;
mod validation;

use std::collections::BTreeMap;

use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::support::{TestApp, TranscriptId, WorkspaceId, query_string, read};

/// Largest turn content, in bytes of UTF-8.
const MIB: usize = 1024 * 1024;

/// A small valid upload.
fn transcript(name: &str) -> Value {
    json!({"name": name, "turns": [{"role": "user", "content": "hi"}]})
}

/// A valid upload with three turns, for validation cases to break one field of.
fn valid() -> Value {
    json!({
        "name": "chat",
        "turns": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "hello"},
            {"role": "user", "content": "bye"}
        ]
    })
}

/// `valid()` with the value at JSON pointer `pointer` set (its parent must exist).
fn with(pointer: &str, value: Value) -> Value {
    let mut body = valid();
    let (parent, key) = pointer.rsplit_once('/').expect("a JSON pointer");
    let parent = body
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("{pointer}: no parent"));
    match parent {
        Value::Object(map) => {
            map.insert(key.to_string(), value);
        }
        Value::Array(items) => items[key.parse::<usize>().expect("an index")] = value,
        other => panic!("{pointer}: cannot set inside {other}"),
    }
    body
}

/// `valid()` without the field at JSON pointer `pointer`.
fn without(pointer: &str) -> Value {
    let mut body = valid();
    let (parent, key) = pointer.rsplit_once('/').expect("a JSON pointer");
    body.pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .and_then(|map| map.remove(key))
        .unwrap_or_else(|| panic!("{pointer}: nothing to remove"));
    body
}

/// Uploads and asserts 201; returns the response's `data`.
async fn upload_created(app: &TestApp, key: &str, project: &str, body: &Value) -> Value {
    let (status, response) = app.upload(key, project, body).await;
    assert_eq!(status, StatusCode::CREATED, "{response}");
    response["data"].clone()
}

/// `GET /projects/{project}/transcripts` with the query pairs, percent-encoded.
async fn list(
    app: &TestApp,
    key: &str,
    project: &str,
    query: &[(&str, &str)],
) -> (StatusCode, Value) {
    let path = format!("/projects/{project}/transcripts{}", query_string(query));
    app.get(&path, key).await
}

/// Posts `body` as raw bytes with the given Content-Type.
async fn post_raw(
    app: &TestApp,
    key: &str,
    path: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, Value) {
    let response = app
        .client
        .post(app.api(path))
        .bearer_auth(key)
        .header(header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .expect("request sent");
    read(response).await
}

fn ids_of(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap_or_else(|| panic!("data is an array: {list}"))
        .iter()
        .map(|t| t["id"].as_str().expect("an id").to_string())
        .collect()
}

fn names_of(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap_or_else(|| panic!("data is an array: {list}"))
        .iter()
        .map(|t| t["name"].as_str().expect("a name").to_string())
        .collect()
}

fn transcript_id(id: &Value) -> TranscriptId {
    id.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{id} is a transcript id"))
}

async fn annotate(app: &TestApp, ws: WorkspaceId, id: &Value, pairs: &[(&str, &str)]) {
    let annotations: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    app.store
        .set_annotations(ws, transcript_id(id), &annotations)
        .await
        .expect("annotations stored");
}
