//! Uploading a transcript: the response shape clients parse, token counts, and the body
//! size limit.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{list, post_raw, transcript, upload_created, with};
use crate::support::{
    ServerConfig, TestApp, assert_error, assert_timestamp, example_transcript, hint, test_config,
};

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
