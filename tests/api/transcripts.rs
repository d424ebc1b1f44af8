//! Transcripts (SPEC §1.4): upload and its validation, the envelopes, safe retries by
//! `externalId`, the legacy upload, the detail view, pagination and every list filter.

use std::collections::{BTreeMap, HashSet};

use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::support::{
    ServerConfig, TestApp, TranscriptId, WorkspaceId, assert_error, assert_invalid,
    assert_timestamp, example_transcript, hint, query_string, read, test_config,
};

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

// ---------------------------------------------------------------------------------------------
// Upload

#[tokio::test]
async fn upload_returns_201_with_the_camel_case_shape_clients_parse() {
    let app = TestApp::spawn().await;
    let (ws, key) = app.tenant().await;
    let project = app.project(&key, "Support bot").await;
    let mut body = example_transcript();
    body["sourceTimestamp"] = json!("2026-03-15T12:30:00+02:00");
    body["externalUserId"] = json!("user-42");

    let (status, response) = app.upload(&key, &project, &body).await;

    assert_eq!(status, StatusCode::CREATED, "{response}");
    assert_eq!(response["success"], true, "{response}");
    assert!(response["processing_time_ms"].is_u64(), "{response}");
    let data = &response["data"];
    let keys: HashSet<&str> = data
        .as_object()
        .expect("data is an object")
        .keys()
        .map(String::as_str)
        .collect();
    let expected: HashSet<&str> = [
        "id",
        "projectId",
        "workspaceId",
        "name",
        "modelName",
        "language",
        "sourceSystem",
        "externalId",
        "externalUserId",
        "sourceTimestamp",
        "turnCount",
        "userTurnCount",
        "assistantTurnCount",
        "totalTokenCount",
        "userTokenCount",
        "assistantTokenCount",
        "createdAt",
        "createdBy",
    ]
    .into_iter()
    .collect();
    assert_eq!(keys, expected, "{data}");
    assert!(
        data["id"]
            .as_str()
            .is_some_and(|id| uuid::Uuid::try_parse(id).is_ok()),
        "{data}"
    );
    assert_eq!(data["projectId"], project.as_str());
    assert_eq!(data["workspaceId"], ws.to_string());
    assert_eq!(data["name"], "Refund request");
    assert_eq!(data["modelName"], "gpt-4o");
    assert_eq!(data["language"], "en");
    assert_eq!(data["sourceSystem"], "zendesk");
    assert_eq!(data["externalId"], "conv-1001");
    assert_eq!(data["externalUserId"], "user-42");
    assert_eq!(
        data["sourceTimestamp"], "2026-03-15T10:30:00.000Z",
        "normalized to UTC with milliseconds"
    );
    assert_eq!(data["turnCount"], 4);
    assert_eq!(data["userTurnCount"], 1);
    assert_eq!(data["assistantTurnCount"], 2);
    let total = data["totalTokenCount"].as_i64().unwrap();
    let user = data["userTokenCount"].as_i64().unwrap();
    let assistant = data["assistantTokenCount"].as_i64().unwrap();
    assert!(
        user > 0 && assistant > 0 && total >= user + assistant,
        "{data}"
    );
    assert_timestamp(&data["createdAt"], "createdAt");
    assert_eq!(
        data["createdBy"],
        hint(&key),
        "createdBy is the key's masked hint"
    );
    assert!(!data.to_string().contains(&key), "the key is never echoed");
}

#[tokio::test]
async fn optional_fields_are_null_in_the_upload_response_when_not_sent() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;

    let data = upload_created(&app, &key, &project, &transcript("bare")).await;

    for field in [
        "modelName",
        "language",
        "sourceSystem",
        "externalId",
        "externalUserId",
        "sourceTimestamp",
    ] {
        assert_eq!(data[field], Value::Null, "{field}: {data}");
    }
}

#[tokio::test]
async fn token_counts_come_from_the_o200k_base_tokenizer() {
    // Reference counts from tiktoken's o200k_base (the same values the crate's unit test in
    // src/tokens.rs pins): "hello world" is 2 tokens, "Hello, world!" is 4. A characters/4
    // estimate would give 3 for both.
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let body = json!({
        "name": "greetings",
        "turns": [
            {"role": "user", "content": "hello world"},
            {"role": "assistant", "content": "Hello, world!"},
            {"role": "system", "content": "hello world"},
            {"role": "tool", "content": ""},
            {"role": "human_agent", "content": "Hello, world!"},
            {"role": "user", "content": "Hello, world!"}
        ]
    });

    let data = upload_created(&app, &key, &project, &body).await;

    assert_eq!(data["turnCount"], 6);
    assert_eq!(data["userTurnCount"], 2);
    assert_eq!(data["assistantTurnCount"], 1);
    assert_eq!(data["userTokenCount"], 2 + 4);
    assert_eq!(data["assistantTokenCount"], 4);
    assert_eq!(data["totalTokenCount"], 2 + 4 + 2 + 4 + 4);
    let (status, detail) = app
        .get(
            &format!("/transcripts/{}", data["id"].as_str().unwrap()),
            &key,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    let per_turn: Vec<i64> = detail["data"]["turns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["token_count"].as_i64().unwrap())
        .collect();
    assert_eq!(per_turn, [2, 4, 2, 0, 4, 4]);
}

#[tokio::test]
async fn each_validation_rule_names_the_offending_field() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let turn = json!({"role": "user", "content": "x"});
    let cases: Vec<(&str, Value, &str)> = vec![
        ("name missing", without("/name"), "name"),
        ("name null", with("/name", json!(null)), "name"),
        ("name empty", with("/name", json!("")), "name"),
        (
            "name blank after trimming",
            with("/name", json!(" \t ")),
            "name",
        ),
        (
            "name of 501 characters",
            with("/name", json!("x".repeat(501))),
            "name",
        ),
        ("name a number", with("/name", json!(5)), "name"),
        ("turns missing", without("/turns"), "turns"),
        ("turns null", with("/turns", json!(null)), "turns"),
        ("turns empty", with("/turns", json!([])), "turns"),
        (
            "1001 turns",
            with("/turns", json!(vec![turn; 1001])),
            "turns",
        ),
        ("turns an object", with("/turns", json!({})), "turns"),
        (
            "a turn that is a string",
            with("/turns/1", json!("hello")),
            "turns[1]",
        ),
        ("role missing", without("/turns/1/role"), "turns[1].role"),
        (
            "role unknown",
            with("/turns/1/role", json!("bot")),
            "turns[1].role",
        ),
        (
            "role in the wrong case",
            with("/turns/1/role", json!("User")),
            "turns[1].role",
        ),
        (
            "role a number",
            with("/turns/2/role", json!(5)),
            "turns[2].role",
        ),
        (
            "content missing",
            without("/turns/0/content"),
            "turns[0].content",
        ),
        (
            "content null",
            with("/turns/0/content", json!(null)),
            "turns[0].content",
        ),
        (
            "content a number",
            with("/turns/2/content", json!(5)),
            "turns[2].content",
        ),
        (
            "content of 1 MiB + 1 byte",
            with("/turns/0/content", json!("x".repeat(MIB + 1))),
            "turns[0].content",
        ),
        (
            "content of 1 MiB + 2 bytes in two-byte characters",
            with("/turns/2/content", json!("é".repeat(MIB / 2 + 1))),
            "turns[2].content",
        ),
        (
            "turn metadata not an object",
            with("/turns/0/metadata", json!("x")),
            "turns[0].metadata",
        ),
        (
            "turn createdAt not RFC 3339",
            with("/turns/1/createdAt", json!("noon")),
            "turns[1].createdAt",
        ),
        (
            "turn createdAt a number",
            with("/turns/1/createdAt", json!(5)),
            "turns[1].createdAt",
        ),
        (
            "a tool call without a name",
            with("/turns/1/toolCalls", json!([{"args": {}}])),
            "turns[1].toolCalls[0].name",
        ),
        (
            "a tool call name that is a number",
            with("/turns/1/toolCalls", json!([{"name": 5}])),
            "turns[1].toolCalls[0].name",
        ),
        (
            "a tool result without a name",
            with("/turns/1/toolResults", json!([{"result": 1}])),
            "turns[1].toolResults[0].name",
        ),
        (
            "toolCalls not an array",
            with("/turns/1/toolCalls", json!("x")),
            "turns[1].toolCalls",
        ),
        (
            "modelName of 101 characters",
            with("/modelName", json!("m".repeat(101))),
            "modelName",
        ),
        (
            "modelName a number",
            with("/modelName", json!(5)),
            "modelName",
        ),
        (
            "externalId of 256 characters",
            with("/externalId", json!("e".repeat(256))),
            "externalId",
        ),
        (
            "externalId a number",
            with("/externalId", json!(5)),
            "externalId",
        ),
        (
            "externalUserId of 256 characters",
            with("/externalUserId", json!("u".repeat(256))),
            "externalUserId",
        ),
        (
            "language of 36 characters",
            with("/language", json!("abcdefgh-abcdefgh-abcdefgh-abcdefg-x")),
            "language",
        ),
        (
            "language not a tag",
            with("/language", json!("english!")),
            "language",
        ),
        (
            "language with an underscore",
            with("/language", json!("en_US")),
            "language",
        ),
        (
            "language of one letter",
            with("/language", json!("e")),
            "language",
        ),
        (
            "sourceSystem of 101 characters",
            with("/sourceSystem", json!("s".repeat(101))),
            "sourceSystem",
        ),
        (
            "sourceTimestamp a word",
            with("/sourceTimestamp", json!("yesterday")),
            "sourceTimestamp",
        ),
        (
            "sourceTimestamp a date only",
            with("/sourceTimestamp", json!("2026-03-15")),
            "sourceTimestamp",
        ),
        (
            "sourceTimestamp without an offset",
            with("/sourceTimestamp", json!("2026-03-15T10:30:00")),
            "sourceTimestamp",
        ),
        (
            "sourceTimestamp a number",
            with("/sourceTimestamp", json!(1773570600)),
            "sourceTimestamp",
        ),
        (
            "metadata an array",
            with("/metadata", json!([1])),
            "metadata",
        ),
        (
            "metadata a string",
            with("/metadata", json!("x")),
            "metadata",
        ),
        ("metadata a number", with("/metadata", json!(5)), "metadata"),
    ];
    for (case, body, param) in cases {
        let (status, response) = app.upload(&key, &project, &body).await;
        assert_invalid(case, status, &response, param);
    }
}

#[tokio::test]
async fn limits_are_inclusive_and_every_role_is_accepted() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let turn = json!({"role": "assistant", "content": "x"});
    let cases: Vec<(&str, Value)> = vec![
        (
            "name of 500 characters",
            with("/name", json!("n".repeat(500))),
        ),
        ("1000 turns", with("/turns", json!(vec![turn; 1000]))),
        (
            "content of exactly 1 MiB",
            with("/turns/0/content", json!("x".repeat(MIB))),
        ),
        (
            "content of exactly 1 MiB in two-byte characters",
            with("/turns/0/content", json!("é".repeat(MIB / 2))),
        ),
        ("empty content", with("/turns/0/content", json!(""))),
        (
            "modelName of 100 characters",
            with("/modelName", json!("m".repeat(100))),
        ),
        (
            "externalId of 255 characters",
            with("/externalId", json!("e".repeat(255))),
        ),
        (
            "externalUserId of 255 characters",
            with("/externalUserId", json!("u".repeat(255))),
        ),
        (
            "language of 35 characters",
            with("/language", json!("abcdefgh-abcdefgh-abcdefgh-abcdefgh")),
        ),
        ("language with a region", with("/language", json!("pt-BR"))),
        (
            "sourceSystem of 100 characters",
            with("/sourceSystem", json!("s".repeat(100))),
        ),
        (
            "sourceTimestamp with an offset",
            with("/sourceTimestamp", json!("2026-03-15T12:30:00.123+02:00")),
        ),
        ("empty metadata", with("/metadata", json!({}))),
        ("null metadata", with("/metadata", json!(null))),
        ("role system", with("/turns/0/role", json!("system"))),
        ("role tool", with("/turns/0/role", json!("tool"))),
        (
            "role human_agent",
            with("/turns/0/role", json!("human_agent")),
        ),
        (
            "tool calls and results",
            with(
                "/turns/1",
                json!({"role": "assistant", "content": "",
                       "toolCalls": [{"name": "search", "args": {"q": "x"}}],
                       "toolResults": [{"name": "search", "result": [1, 2]}]}),
            ),
        ),
    ];
    for (case, body) in cases {
        let (status, response) = app.upload(&key, &project, &body).await;
        assert_eq!(status, StatusCode::CREATED, "{case}: {response}");
    }
}

#[tokio::test]
async fn unknown_fields_are_ignored() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let body = json!({
        "name": "chat",
        "futureField": {"nested": true},
        "turns": [{"role": "user", "content": "hi", "sentiment": "happy"}]
    });

    let data = upload_created(&app, &key, &project, &body).await;

    assert_eq!(data["name"], "chat");
    assert_eq!(data["turnCount"], 1);
}

#[tokio::test]
async fn malformed_json_is_a_400_without_a_param() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let path = format!("/projects/{project}/transcripts");
    let bodies = [
        ("truncated", "{"),
        ("missing value", r#"{"name": }"#),
        ("trailing comma", r#"{"name": "a",}"#),
        ("not JSON", "name=a"),
        ("two objects", "{} {}"),
        ("an array", "[1, 2]"),
        ("a string", r#""text""#),
        ("null", "null"),
        ("empty", ""),
    ];
    for (case, body) in bodies {
        let (status, response) = post_raw(&app, &key, &path, "application/json", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{case}: {response}");
        assert_error(
            status,
            &response,
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            None,
        );
        assert!(
            response["error"].get("param").is_none(),
            "{case}: no field to name: {response}"
        );
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_by_content_type_is_a_415() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let path = format!("/projects/{project}/transcripts");
    let json_text = example_transcript().to_string();
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
    ] {
        let (status, response) = post_raw(&app, &key, &path, content_type, json_text.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}: {response}"
        );
        assert_error(
            status,
            &response,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_request_error",
            None,
        );
    }
    let (status, response) = post_raw(
        &app,
        &key,
        &path,
        "application/json; charset=utf-8",
        json_text,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "parameters are fine: {response}"
    );
}

#[tokio::test]
async fn a_body_over_the_configured_limit_is_a_413_and_stores_nothing() {
    let app = TestApp::spawn_with(ServerConfig {
        max_body_bytes: 4096,
        ..test_config()
    })
    .await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let oversize = with("/turns/0/content", json!("x".repeat(8192)));

    let (status, response) = app.upload(&key, &project, &oversize).await;
    assert_error(
        status,
        &response,
        StatusCode::PAYLOAD_TOO_LARGE,
        "request_too_large",
        None,
    );
    let (status, response) = app.post("/halfpipe/transcripts", &key, &oversize).await;
    assert_error(
        status,
        &response,
        StatusCode::PAYLOAD_TOO_LARGE,
        "request_too_large",
        None,
    );

    let (_, listed) = list(&app, &key, &project, &[]).await;
    assert_eq!(listed["pagination"]["total"], 0, "{listed}");
    let under = with("/turns/0/content", json!("x".repeat(1024)));
    let (status, response) = app.upload(&key, &project, &under).await;
    assert_eq!(status, StatusCode::CREATED, "under the limit: {response}");
}

#[tokio::test]
async fn a_body_of_exactly_the_configured_limit_is_accepted() {
    let limit = 4096;
    let app = TestApp::spawn_with(ServerConfig {
        max_body_bytes: limit,
        ..test_config()
    })
    .await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let path = format!("/projects/{project}/transcripts");
    let body_of = |size: usize| {
        let frame = r#"{"name":"n","turns":[{"role":"user","content":""}]}"#;
        let content = "x".repeat(size - frame.len());
        format!(r#"{{"name":"n","turns":[{{"role":"user","content":"{content}"}}]}}"#)
    };

    let (at_limit, response) =
        post_raw(&app, &key, &path, "application/json", body_of(limit)).await;
    assert_eq!(at_limit, StatusCode::CREATED, "{response}");
    let (over, response) =
        post_raw(&app, &key, &path, "application/json", body_of(limit + 1)).await;
    assert_error(
        over,
        &response,
        StatusCode::PAYLOAD_TOO_LARGE,
        "request_too_large",
        None,
    );
}

#[tokio::test]
async fn upload_that_fails_validation_leaves_nothing_behind() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let mut turns = vec![json!({"role": "user", "content": "fine"}); 999];
    turns.push(json!({"role": "robot", "content": "the last turn is wrong"}));
    let failing = json!({"name": "chat", "externalId": "conv-1", "turns": turns});

    let (status, response) = app.upload(&key, &project, &failing).await;

    assert_invalid("bad last turn", status, &response, "turns[999].role");
    let (_, detail) = app.get(&format!("/projects/{project}"), &key).await;
    assert_eq!(detail["data"]["transcript_count"], 0, "{detail}");
    assert_eq!(detail["data"]["latest_transcript_at"], Value::Null);
    let (_, listed) = list(&app, &key, &project, &[]).await;
    assert_eq!(listed["data"], json!([]));
    assert_eq!(listed["pagination"]["total"], 0);
    let mut fixed = failing.clone();
    fixed["turns"][999]["role"] = json!("assistant");
    let (status, response) = app.upload(&key, &project, &fixed).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the externalId is still free, not a replay or a conflict: {response}"
    );
}

// ---------------------------------------------------------------------------------------------
// Safe retries by externalId

#[tokio::test]
async fn replaying_an_identical_upload_returns_200_and_the_same_transcript() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let path = format!("/projects/{project}/transcripts");
    let original = r#"{"name": "Refund request", "externalId": "conv-7",
        "metadata": {"a": 1, "b": {"x": 1, "y": 2}},
        "turns": [{"role": "user", "content": "hi", "metadata": {"k": 1, "j": 2}}]}"#;
    let reordered = r#"{"turns":[{"metadata":{"j":2,"k":1},"content":"hi","role":"user"}],
        "metadata":{"b":{"y":2,"x":1},"a":1},"externalId":"conv-7","name":"Refund request"}"#;

    let (status, first) = post_raw(&app, &key, &path, "application/json", original).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    for (case, body) in [
        ("same text", original),
        ("keys in another order", reordered),
    ] {
        let (status, replay) = post_raw(&app, &key, &path, "application/json", body).await;
        assert_eq!(status, StatusCode::OK, "{case}: {replay}");
        assert_eq!(replay["success"], true, "{case}");
        assert_eq!(
            replay["data"], first["data"],
            "{case}: the stored transcript"
        );
    }

    let (_, listed) = list(&app, &key, &project, &[]).await;
    assert_eq!(listed["pagination"]["total"], 1, "no duplicate: {listed}");
    let (_, detail) = app.get(&format!("/projects/{project}"), &key).await;
    assert_eq!(detail["data"]["transcript_count"], 1, "{detail}");
}

#[tokio::test]
async fn reusing_an_external_id_with_a_different_body_is_a_409_naming_the_existing_transcript() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let original = example_transcript();
    let first = upload_created(&app, &key, &project, &original).await;
    let mut other_content = original.clone();
    other_content["turns"][0]["content"] = json!("A different question");
    let mut other_name = original.clone();
    other_name["name"] = json!("Another name");
    let mut other_metadata = original.clone();
    other_metadata["metadata"] = json!({"channel": "email"});
    let mut fewer_turns = original.clone();
    fewer_turns["turns"].as_array_mut().unwrap().pop();

    for (case, body) in [
        ("other content", other_content),
        ("other name", other_name),
        ("other metadata", other_metadata),
        ("fewer turns", fewer_turns),
    ] {
        let (status, response) = app.upload(&key, &project, &body).await;
        assert_eq!(status, StatusCode::CONFLICT, "{case}: {response}");
        assert_error(
            status,
            &response,
            StatusCode::CONFLICT,
            "conflict_error",
            None,
        );
        assert_eq!(
            response["error"]["details"]["transcript_id"], first["id"],
            "{case}"
        );
    }

    let (_, listed) = list(&app, &key, &project, &[]).await;
    assert_eq!(ids_of(&listed), [first["id"].as_str().unwrap()]);
    let (_, detail) = app
        .get(
            &format!("/transcripts/{}", first["id"].as_str().unwrap()),
            &key,
        )
        .await;
    assert_eq!(
        detail["data"]["turns"][0]["content"], original["turns"][0]["content"],
        "the original is kept"
    );
}

// Several worker threads, so the server handles the requests truly in parallel.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_of_one_upload_store_it_once() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let body = example_transcript();

    let upload = || app.upload(&key, &project, &body);
    let (a, b, c, d, e, f) =
        tokio::join!(upload(), upload(), upload(), upload(), upload(), upload());
    let responses = [a, b, c, d, e, f];

    let created = responses
        .iter()
        .filter(|(status, _)| *status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "exactly one upload creates it: {responses:?}");
    let first_id = &responses[0].1["data"]["id"];
    for (status, response) in &responses {
        assert!(
            *status == StatusCode::CREATED || *status == StatusCode::OK,
            "{status}: {response}"
        );
        assert_eq!(
            &response["data"]["id"], first_id,
            "one transcript id for all"
        );
    }
    let (_, listed) = list(&app, &key, &project, &[]).await;
    assert_eq!(listed["pagination"]["total"], 1, "{listed}");
}

#[tokio::test]
async fn identical_uploads_without_an_external_id_are_two_transcripts() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let body = transcript("no external id");

    let first = upload_created(&app, &key, &project, &body).await;
    let second = upload_created(&app, &key, &project, &body).await;

    assert_ne!(first["id"], second["id"], "nothing silently dropped");
    let (_, listed) = list(&app, &key, &project, &[]).await;
    assert_eq!(listed["pagination"]["total"], 2, "{listed}");
}

#[tokio::test]
async fn an_external_id_is_unique_within_a_project_only() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let first_project = app.project(&key, "first").await;
    let second_project = app.project(&key, "second").await;
    let body = example_transcript();

    let first = upload_created(&app, &key, &first_project, &body).await;
    let second = upload_created(&app, &key, &second_project, &body).await;

    assert_ne!(first["id"], second["id"]);
    assert_eq!(second["projectId"], second_project.as_str());
}

// ---------------------------------------------------------------------------------------------
// The legacy upload

#[tokio::test]
async fn legacy_upload_without_a_project_id_goes_to_one_default_project() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;

    let (status, first) = app
        .post("/halfpipe/transcripts", &key, &transcript("one"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["success"], true);
    let (status, second) = app
        .post("/halfpipe/transcripts", &key, &transcript("two"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");

    let default = first["data"]["projectId"].as_str().expect("a project id");
    assert_eq!(
        second["data"]["projectId"], default,
        "the same project reused"
    );
    let (_, projects) = app.get("/projects", &key).await;
    assert_eq!(
        projects["pagination"]["total"], 1,
        "created once: {projects}"
    );
    assert_eq!(projects["data"][0]["id"], default);
    assert_eq!(projects["data"][0]["name"], "Default");
    assert_eq!(projects["data"][0]["domain_pack"], "general");
    assert_eq!(projects["data"][0]["transcript_count"], 2);
}

// Several worker threads, so the server handles the requests truly in parallel.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_legacy_uploads_share_one_default_project() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let bodies: Vec<Value> = (0..6).map(|i| transcript(&format!("t{i}"))).collect();
    let upload = |i: usize| app.post("/halfpipe/transcripts", &key, &bodies[i]);

    let (a, b, c, d, e, f) = tokio::join!(
        upload(0),
        upload(1),
        upload(2),
        upload(3),
        upload(4),
        upload(5)
    );
    let responses = [a, b, c, d, e, f];

    let mut project_ids = HashSet::new();
    for (status, response) in &responses {
        assert_eq!(*status, StatusCode::CREATED, "{response}");
        project_ids.insert(response["data"]["projectId"].to_string());
    }
    assert_eq!(project_ids.len(), 1, "{project_ids:?}");
    let (_, projects) = app.get("/projects", &key).await;
    assert_eq!(projects["pagination"]["total"], 1, "{projects}");
    assert_eq!(projects["data"][0]["transcript_count"], 6);
}

#[tokio::test]
async fn each_workspace_gets_its_own_default_project() {
    let app = TestApp::spawn().await;
    let (_, first_key) = app.tenant().await;
    let (_, second_key) = app.tenant().await;

    let (_, first) = app
        .post("/halfpipe/transcripts", &first_key, &transcript("a"))
        .await;
    let (_, second) = app
        .post("/halfpipe/transcripts", &second_key, &transcript("b"))
        .await;

    assert_ne!(first["data"]["projectId"], second["data"]["projectId"]);
    assert_ne!(first["data"]["workspaceId"], second["data"]["workspaceId"]);
}

#[tokio::test]
async fn legacy_upload_with_a_project_id_goes_to_that_project() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "Support bot").await;
    let mut body = transcript("chat");
    body["projectId"] = json!(project);

    let (status, response) = app.post("/halfpipe/transcripts", &key, &body).await;

    assert_eq!(status, StatusCode::CREATED, "{response}");
    assert_eq!(response["data"]["projectId"], project.as_str());
    let (_, projects) = app.get("/projects", &key).await;
    assert_eq!(
        projects["pagination"]["total"], 1,
        "no Default project: {projects}"
    );
    let (_, listed) = list(&app, &key, &project, &[]).await;
    assert_eq!(ids_of(&listed), [response["data"]["id"].as_str().unwrap()]);
}

#[tokio::test]
async fn legacy_upload_with_a_bad_project_id_is_a_400_naming_project_id() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    for (case, project_id) in [
        ("not an id", json!("nope")),
        ("hp- and not a UUID", json!("hp-123")),
        ("a bare UUID", json!("0190a5e8-7c1b-7000-8000-000000000000")),
        ("a number", json!(5)),
    ] {
        let mut body = transcript("chat");
        body["projectId"] = project_id;
        let (status, response) = app.post("/halfpipe/transcripts", &key, &body).await;
        assert_invalid(case, status, &response, "projectId");
    }
    let mut unknown = transcript("chat");
    unknown["projectId"] = json!("hp-0190a5e8-7c1b-7000-8000-000000000000");
    let (status, response) = app.post("/halfpipe/transcripts", &key, &unknown).await;
    assert_error(
        status,
        &response,
        StatusCode::NOT_FOUND,
        "not_found_error",
        None,
    );
    let (_, projects) = app.get("/projects", &key).await;
    assert_eq!(projects["pagination"]["total"], 0, "{projects}");
}

#[tokio::test]
async fn legacy_upload_validates_like_the_upload() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    for (case, body, param) in [
        ("name missing", without("/name"), "name"),
        ("turns empty", with("/turns", json!([])), "turns"),
        (
            "role unknown",
            with("/turns/2/role", json!("bot")),
            "turns[2].role",
        ),
    ] {
        let (status, response) = app.post("/halfpipe/transcripts", &key, &body).await;
        assert_invalid(case, status, &response, param);
    }
}

// ---------------------------------------------------------------------------------------------
// Reading a transcript

#[tokio::test]
async fn a_transcript_reads_back_with_its_turns_and_annotations_in_snake_case() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let body = json!({
        "name": "Greeting",
        "modelName": "gpt-4o",
        "externalId": "conv-9",
        "externalUserId": "user-9",
        "language": "en",
        "sourceSystem": "zendesk",
        "sourceTimestamp": "2026-03-15T12:30:00+02:00",
        "metadata": {"channel": "chat"},
        "turns": [
            {"role": "user", "content": "hello world", "metadata": {"intent": "greeting"},
             "createdAt": "2026-03-15T12:30:00.5+02:00"},
            {"role": "assistant", "content": "Hello, world!",
             "toolCalls": [{"name": "lookup_order", "args": {"order_id": "A-1001"}}]},
            {"role": "tool", "content": "",
             "toolResults": [{"name": "lookup_order", "result": {"charges": 2}}]}
        ]
    });
    let uploaded = upload_created(&app, &key, &project, &body).await;
    let id = uploaded["id"].as_str().unwrap();

    let (status, response) = app.get(&format!("/transcripts/{id}"), &key).await;

    assert_eq!(status, StatusCode::OK, "{response}");
    assert!(response["processing_time_ms"].is_u64(), "{response}");
    let detail = &response["data"];
    let expected_summary = json!({
        "id": id,
        "project_id": project,
        "name": "Greeting",
        "model_name": "gpt-4o",
        "language": "en",
        "source_system": "zendesk",
        "external_id": "conv-9",
        "external_user_id": "user-9",
        "metadata": {"channel": "chat"},
        "turn_count": 3,
        "user_turn_count": 1,
        "assistant_turn_count": 1,
        "total_token_count": 6,
        "source_timestamp": "2026-03-15T10:30:00.000Z",
        "created_at": uploaded["createdAt"],
    });
    for (field, value) in expected_summary.as_object().unwrap() {
        assert_eq!(&detail[field], value, "{field}: {detail}");
    }
    for field in detail.as_object().unwrap().keys() {
        assert!(
            !field.chars().any(|c| c.is_ascii_uppercase()),
            "GET responses are snake_case, not {field}"
        );
    }
    assert_eq!(
        detail["turns"],
        json!([
            {"index": 0, "role": "user", "content": "hello world", "token_count": 2,
             "tool_calls": null, "tool_results": null, "metadata": {"intent": "greeting"},
             "created_at": "2026-03-15T10:30:00.500Z"},
            {"index": 1, "role": "assistant", "content": "Hello, world!", "token_count": 4,
             "tool_calls": [{"name": "lookup_order", "args": {"order_id": "A-1001"}}],
             "tool_results": null, "metadata": null, "created_at": null},
            {"index": 2, "role": "tool", "content": "", "token_count": 0,
             "tool_calls": null,
             "tool_results": [{"name": "lookup_order", "result": {"charges": 2}}],
             "metadata": null, "created_at": null}
        ])
    );
    assert_eq!(detail["annotations"], json!({}), "empty before analysis");
}

#[tokio::test]
async fn a_transcript_shows_its_annotations_once_analysis_has_set_them() {
    let app = TestApp::spawn().await;
    let (ws, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let uploaded = upload_created(&app, &key, &project, &example_transcript()).await;
    annotate(
        &app,
        ws,
        &uploaded["id"],
        &[
            ("sentiment", "negative"),
            ("topic", "billing"),
            ("escalated", "false"),
        ],
    )
    .await;

    let (status, response) = app
        .get(
            &format!("/transcripts/{}", uploaded["id"].as_str().unwrap()),
            &key,
        )
        .await;

    assert_eq!(status, StatusCode::OK, "{response}");
    assert_eq!(
        response["data"]["annotations"],
        json!({"sentiment": "negative", "topic": "billing", "escalated": "false"})
    );
}

#[tokio::test]
async fn a_transcript_detail_is_its_list_item_plus_turns_and_annotations() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let uploaded = upload_created(&app, &key, &project, &example_transcript()).await;
    let (_, listed) = list(&app, &key, &project, &[]).await;
    let item = listed["data"][0].as_object().unwrap().clone();

    let (_, response) = app
        .get(
            &format!("/transcripts/{}", uploaded["id"].as_str().unwrap()),
            &key,
        )
        .await;

    let mut detail = response["data"].as_object().unwrap().clone();
    assert!(detail.remove("turns").is_some_and(|t| t.is_array()));
    assert!(detail.remove("annotations").is_some_and(|a| a.is_object()));
    assert_eq!(detail, item);
    for field in [
        "id",
        "project_id",
        "name",
        "model_name",
        "language",
        "source_system",
        "external_id",
        "external_user_id",
        "metadata",
        "turn_count",
        "user_turn_count",
        "assistant_turn_count",
        "total_token_count",
        "source_timestamp",
        "created_at",
    ] {
        assert!(
            item.contains_key(field),
            "list item lacks {field}: {item:?}"
        );
    }
}

#[tokio::test]
async fn an_unknown_transcript_is_a_404() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    for id in ["0190a5e8-7c1b-7000-8000-000000000000", "not-a-uuid"] {
        let (status, response) = app.get(&format!("/transcripts/{id}"), &key).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}: {response}");
        assert_error(
            status,
            &response,
            StatusCode::NOT_FOUND,
            "not_found_error",
            None,
        );
    }
}

#[tokio::test]
async fn uploading_updates_the_projects_count_and_latest_transcript_time() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let path = format!("/projects/{project}");
    let (_, before) = app.get(&path, &key).await;
    assert_eq!(before["data"]["transcript_count"], 0);
    assert_eq!(before["data"]["latest_transcript_at"], Value::Null);

    let first = upload_created(&app, &key, &project, &transcript("one")).await;
    let (_, after_one) = app.get(&path, &key).await;
    let second = upload_created(&app, &key, &project, &transcript("two")).await;
    let (_, after_two) = app.get(&path, &key).await;

    assert_eq!(after_one["data"]["transcript_count"], 1);
    assert_eq!(
        after_one["data"]["latest_transcript_at"],
        first["createdAt"]
    );
    assert_eq!(after_two["data"]["transcript_count"], 2);
    assert_eq!(
        after_two["data"]["latest_transcript_at"],
        second["createdAt"]
    );
    let created = assert_timestamp(&after_two["data"]["created_at"], "created_at");
    let updated = assert_timestamp(&after_two["data"]["updated_at"], "updated_at");
    let latest = assert_timestamp(&after_two["data"]["latest_transcript_at"], "latest");
    assert!(updated >= created && updated >= latest, "{after_two}");
    let (_, projects) = app.get("/projects", &key).await;
    assert_eq!(
        projects["data"][0]["transcript_count"], 2,
        "the list agrees"
    );
}

// ---------------------------------------------------------------------------------------------
// Listing: pagination

#[tokio::test]
async fn paging_through_45_transcripts_seven_at_a_time_sees_each_once_newest_first() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let elsewhere = app.project(&key, "elsewhere").await;
    upload_created(&app, &key, &elsewhere, &transcript("not in this project")).await;
    let mut uploaded = Vec::new();
    for i in 0..45 {
        let data = upload_created(&app, &key, &project, &transcript(&format!("t{i}"))).await;
        uploaded.push(data["id"].as_str().unwrap().to_string());
    }
    let newest_first: Vec<String> = uploaded.iter().rev().cloned().collect();

    let mut walks = Vec::new();
    for _ in 0..2 {
        let mut seen = Vec::new();
        for page in 1..=7 {
            let page_text = page.to_string();
            let (status, body) = list(
                &app,
                &key,
                &project,
                &[("limit", "7"), ("page", &page_text)],
            )
            .await;
            assert_eq!(status, StatusCode::OK, "page {page}: {body}");
            assert_eq!(
                body["pagination"],
                json!({"page": page, "limit": 7, "total": 45}),
                "page {page}"
            );
            let ids = ids_of(&body);
            assert_eq!(ids.len(), if page < 7 { 7 } else { 3 }, "page {page}");
            seen.extend(ids);
        }
        walks.push(seen);
    }

    let distinct: HashSet<&String> = walks[0].iter().collect();
    assert_eq!(distinct.len(), 45, "no duplicates, no gaps");
    assert_eq!(walks[0], newest_first, "newest first");
    assert_eq!(walks[0], walks[1], "stable across walks");
    let (status, past_the_end) = list(&app, &key, &project, &[("limit", "7"), ("page", "8")]).await;
    assert_eq!(status, StatusCode::OK, "{past_the_end}");
    assert_eq!(past_the_end["data"], json!([]));
    assert_eq!(
        past_the_end["pagination"],
        json!({"page": 8, "limit": 7, "total": 45})
    );
}

#[tokio::test]
async fn the_transcript_list_defaults_to_page_1_of_20() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    for i in 0..21 {
        upload_created(&app, &key, &project, &transcript(&format!("t{i}"))).await;
    }

    let (status, body) = list(&app, &key, &project, &[]).await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["pagination"],
        json!({"page": 1, "limit": 20, "total": 21})
    );
    assert_eq!(ids_of(&body).len(), 20);
    assert!(body["processing_time_ms"].is_u64(), "{body}");
}

#[tokio::test]
async fn transcript_list_pagination_out_of_range_is_a_400_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let cases = [
        ("limit", "0"),
        ("limit", "101"),
        ("limit", "-5"),
        ("limit", "many"),
        ("limit", "7.5"),
        ("page", "0"),
        ("page", "-1"),
        ("page", "two"),
        ("page", "1e3"),
    ];
    for (name, value) in cases {
        let (status, body) = list(&app, &key, &project, &[(name, value)]).await;
        assert_invalid(&format!("{name}={value}"), status, &body, name);
    }
    let (status, body) = list(&app, &key, &project, &[("limit", "1"), ("page", "1")]).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the lower bounds are inclusive: {body}"
    );
}

// ---------------------------------------------------------------------------------------------
// Listing: filters

/// A project with five transcripts that the filter tests pick apart, uploaded in this order.
struct Catalogue {
    app: TestApp,
    key: String,
    project: String,
    /// `createdAt` of "No timestamp", the one transcript without a `sourceTimestamp`.
    untimed_created_at: String,
}

async fn catalogue() -> Catalogue {
    let app = TestApp::spawn().await;
    let (ws, key) = app.tenant().await;
    let project = app.project(&key, "catalogue").await;
    let elsewhere = app.project(&key, "elsewhere").await;
    let turns = |user: &str, assistant: &str| {
        let user = json!({"role": "user", "content": user});
        let assistant = json!({"role": "assistant", "content": assistant});
        json!([user, assistant])
    };
    let bodies = [
        json!({"name": "Refund request", "modelName": "gpt-4o", "language": "en",
               "sourceSystem": "zendesk", "sourceTimestamp": "2026-03-14T23:59:59.999Z",
               "turns": turns("I was charged twice for my order",
                              "I refunded the duplicate charge")}),
        json!({"name": "Password reset", "modelName": "claude-3-5-sonnet", "language": "de",
               "sourceSystem": "intercom", "sourceTimestamp": "2026-03-15T00:00:00Z",
               "turns": turns("Ich habe mein Passwort vergessen", "Click the reset link")}),
        json!({"name": "Shipping question", "modelName": "gpt-4o", "language": "fr",
               "sourceSystem": "zendesk", "sourceTimestamp": "2026-03-15T23:59:59.999Z",
               "turns": turns("Where is my parcel?",
                              "Your parcel ships tomorrow, no refund needed")}),
        json!({"name": "Account closure", "modelName": "gpt-4o-mini", "language": "EN",
               "sourceSystem": "intercom", "sourceTimestamp": "2026-03-16T01:00:00+01:00",
               "turns": turns("Please close my account", "Done")}),
        json!({"name": "No timestamp", "turns": turns("hello world", "Hello, world!")}),
    ];
    let mut uploaded = Vec::new();
    for body in &bodies {
        uploaded.push(upload_created(&app, &key, &project, body).await);
    }
    // The same words in another project must never show up.
    upload_created(&app, &key, &elsewhere, &bodies[0]).await;
    annotate(
        &app,
        ws,
        &uploaded[0]["id"],
        &[("sentiment", "negative"), ("topic", "billing")],
    )
    .await;
    annotate(&app, ws, &uploaded[1]["id"], &[("sentiment", "neutral")]).await;
    annotate(
        &app,
        ws,
        &uploaded[2]["id"],
        &[("sentiment", "negative"), ("note", "a:b")],
    )
    .await;
    let untimed_created_at = uploaded[4]["createdAt"].as_str().unwrap().to_string();
    Catalogue {
        app,
        key,
        project,
        untimed_created_at,
    }
}

impl Catalogue {
    /// Asserts that the list filtered by `query` holds exactly `expected`, newest first.
    async fn assert_finds(&self, case: &str, query: &[(&str, &str)], expected: &[&str]) {
        let (status, body) = list(&self.app, &self.key, &self.project, query).await;
        assert_eq!(status, StatusCode::OK, "{case}: {body}");
        let newest_first: Vec<&str> = expected.iter().rev().copied().collect();
        assert_eq!(names_of(&body), newest_first, "{case}: {query:?}");
        assert_eq!(
            body["pagination"]["total"],
            expected.len(),
            "{case}: the total counts matches only"
        );
    }
}

/// A filter case: what it shows, the query, and the names it finds (oldest first).
type FilterCase<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);

const REFUND: &str = "Refund request";
const PASSWORD: &str = "Password reset";
const SHIPPING: &str = "Shipping question";
const ACCOUNT: &str = "Account closure";
const UNTIMED: &str = "No timestamp";

#[tokio::test]
async fn q_searches_names_and_turn_contents_by_word_prefix_ignoring_case() {
    let c = catalogue().await;
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "a word of a name and of a turn",
            "refund",
            &[REFUND, SHIPPING],
        ),
        ("upper case", "REFUND", &[REFUND, SHIPPING]),
        ("a prefix", "refu", &[REFUND, SHIPPING]),
        ("a prefix of a turn's word", "charg", &[REFUND]),
        ("only in a turn", "passwort", &[PASSWORD]),
        ("only in a name", "closure", &[ACCOUNT]),
        ("every word must match", "duplicate charge", &[REFUND]),
        (
            "words from the name and a turn",
            "shipping tomorrow",
            &[SHIPPING],
        ),
        ("words from different transcripts", "refund password", &[]),
        ("punctuation is not a word", "hello, world!", &[UNTIMED]),
        ("not inside a word", "und", &[]),
        (
            "search syntax is read as words",
            "refund)* \"",
            &[REFUND, SHIPPING],
        ),
        ("search operators are read as words", "NEAR(refund", &[]),
        ("no such word", "xylophone", &[]),
    ];
    for (case, q, expected) in cases {
        c.assert_finds(case, &[("q", q)], expected).await;
    }
}

#[tokio::test]
async fn model_name_language_and_source_system_filter_exactly() {
    let c = catalogue().await;
    let cases: &[FilterCase] = &[
        (
            "model_name",
            &[("model_name", "gpt-4o")],
            &[REFUND, SHIPPING],
        ),
        (
            "another model_name",
            &[("model_name", "gpt-4o-mini")],
            &[ACCOUNT],
        ),
        ("unknown model_name", &[("model_name", "gpt-5")], &[]),
        (
            "language (tags ignore case)",
            &[("language", "en")],
            &[REFUND, ACCOUNT],
        ),
        ("language de", &[("language", "de")], &[PASSWORD]),
        (
            "source_system",
            &[("source_system", "intercom")],
            &[PASSWORD, ACCOUNT],
        ),
        (
            "source_system zendesk",
            &[("source_system", "zendesk")],
            &[REFUND, SHIPPING],
        ),
        (
            "filters combine",
            &[
                ("model_name", "gpt-4o"),
                ("source_system", "zendesk"),
                ("q", "refund"),
            ],
            &[REFUND, SHIPPING],
        ),
        (
            "all of them",
            &[
                ("model_name", "gpt-4o"),
                ("language", "en"),
                ("q", "refund"),
            ],
            &[REFUND],
        ),
        (
            "no filter",
            &[],
            &[REFUND, PASSWORD, SHIPPING, ACCOUNT, UNTIMED],
        ),
    ];
    for (case, query, expected) in cases {
        c.assert_finds(case, query, expected).await;
    }
}

#[tokio::test]
async fn annotation_filters_by_key_or_key_and_value() {
    let c = catalogue().await;
    let cases: &[(&str, &str, &[&str])] = &[
        ("a key", "sentiment", &[REFUND, PASSWORD, SHIPPING]),
        ("a key and value", "sentiment:negative", &[REFUND, SHIPPING]),
        ("another key and value", "topic:billing", &[REFUND]),
        ("a value with a colon", "note:a:b", &[SHIPPING]),
        ("a value nobody has", "topic:shipping", &[]),
        ("a key nobody has", "escalated", &[]),
    ];
    for (case, annotation, expected) in cases {
        c.assert_finds(case, &[("annotation", annotation)], expected)
            .await;
    }
}

#[tokio::test]
async fn date_filters_are_inclusive_and_apply_to_the_source_timestamp_or_else_created_at() {
    let c = catalogue().await;
    let untimed_day = &c.untimed_created_at[..10];
    let untimed = c.untimed_created_at.as_str();
    let cases: &[FilterCase] = &[
        (
            "one whole day",
            &[("date_from", "2026-03-15"), ("date_to", "2026-03-15")],
            &[PASSWORD, SHIPPING],
        ),
        ("up to a day", &[("date_to", "2026-03-14")], &[REFUND]),
        (
            "a sourceTimestamp sent with an offset counts in UTC",
            &[("date_from", "2026-03-16"), ("date_to", "2026-03-16")],
            &[ACCOUNT],
        ),
        (
            "RFC 3339 bounds are inclusive",
            &[
                ("date_from", "2026-03-14T23:59:59.999Z"),
                ("date_to", "2026-03-15T00:00:00Z"),
            ],
            &[REFUND, PASSWORD],
        ),
        (
            "RFC 3339 bounds with offsets",
            &[
                ("date_from", "2026-03-15T01:00:00+01:00"),
                ("date_to", "2026-03-16T01:00:00+01:00"),
            ],
            &[PASSWORD, SHIPPING, ACCOUNT],
        ),
        (
            "bounds a millisecond inside the edges",
            &[
                ("date_from", "2026-03-15T00:00:00.001Z"),
                ("date_to", "2026-03-15T23:59:59.998Z"),
            ],
            &[],
        ),
        (
            "no sourceTimestamp: created_at, by day",
            &[("date_from", untimed_day), ("date_to", untimed_day)],
            &[UNTIMED],
        ),
        (
            "no sourceTimestamp: created_at, exactly",
            &[("date_from", untimed), ("date_to", untimed)],
            &[UNTIMED],
        ),
        (
            "an empty range",
            &[("date_from", "2026-03-16"), ("date_to", "2026-03-14")],
            &[],
        ),
    ];
    for (case, query, expected) in cases {
        c.assert_finds(case, query, expected).await;
    }
}

#[tokio::test]
async fn a_bad_date_or_annotation_filter_is_a_400_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    for name in ["date_from", "date_to"] {
        for value in [
            "yesterday",
            "2026-13-01",
            "2026-02-30",
            "15/03/2026",
            "2026-03-15T10:30:00",
            "20260315",
        ] {
            let (status, body) = list(&app, &key, &project, &[(name, value)]).await;
            assert_invalid(&format!("{name}={value}"), status, &body, name);
        }
    }
    for value in [":negative", " :x"] {
        let (status, body) = list(&app, &key, &project, &[("annotation", value)]).await;
        assert_invalid(
            &format!("annotation={value:?}"),
            status,
            &body,
            "annotation",
        );
    }
}
