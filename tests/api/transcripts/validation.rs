//! What an upload is checked for: each rule names the offending field, limits are inclusive,
//! unknown fields are ignored, malformed or non-JSON bodies are refused, and a refused upload
//! leaves nothing behind.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{MIB, list, post_raw, upload_created, with, without};
use crate::support::{TestApp, assert_error, assert_invalid, example_transcript};

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
