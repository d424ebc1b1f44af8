//! Client JSON — metadata, tool-call `args`, tool `result` — comes back exactly as it was
//! sent (key order, spacing, `\u0000` escapes), on both backends; a key given twice is a 400
//! naming it; `args` is an object (or a string holding one); the retry fingerprint still
//! treats the same content as the same upload.

use reqwest::StatusCode;
use serde_json::json;

use super::{get_text, post_text, upload_with};
use crate::support::{TestApp, assert_invalid};

/// An upload whose client JSON has keys out of alphabetical order, odd spacing and a NUL escape.
const UNORDERED: &str = r#"{"name": "order", "externalId": "ext-1",
    "metadata": {"zeta": 1, "alpha": {"y": [2, 1], "x": "\u0000"}},
    "turns": [
        {"role": "assistant", "content": "calling", "metadata": {"b": true,  "a": null},
         "toolCalls": [{"name": "lookup", "args": {"query": "refund", "limit": 5}}],
         "toolResults": [{"name": "lookup", "result": {"total": 2, "items": ["x"], "done": true}}]}
    ]}"#;

#[tokio::test]
async fn client_json_comes_back_exactly_as_it_was_sent() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;

    let (status, created) = post_text(
        &app,
        &key,
        &format!("/projects/{project}/transcripts"),
        UNORDERED,
    )
    .await;

    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["data"]["id"].as_str().expect("an id");
    let (status, detail) = get_text(&app, &key, &format!("/transcripts/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    for sent in [
        r#""metadata":{"zeta": 1, "alpha": {"y": [2, 1], "x": "\u0000"}}"#,
        r#""metadata":{"b": true,  "a": null}"#,
        r#""args":{"query": "refund", "limit": 5}"#,
        r#""result":{"total": 2, "items": ["x"], "done": true}"#,
    ] {
        assert!(detail.contains(sent), "{sent} is not in {detail}");
    }
    let (status, list) = get_text(&app, &key, &format!("/projects/{project}/transcripts")).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert!(
        list.contains(r#""metadata":{"zeta": 1, "alpha": {"y": [2, 1], "x": "\u0000"}}"#),
        "{list}"
    );
}

#[tokio::test]
async fn the_same_content_sent_again_is_a_retry_whatever_its_key_order() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let path = format!("/projects/{project}/transcripts");
    let (status, first) = post_text(&app, &key, &path, UNORDERED).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");

    let (status, again) = post_text(&app, &key, &path, UNORDERED).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "an identical body is a retry: {again}"
    );
    assert_eq!(again["data"]["id"], first["data"]["id"]);

    let reordered = UNORDERED
        .replace(r#"{"zeta": 1, "alpha""#, r#"{"alpha""#)
        .replace(r#""x": "\u0000"}}"#, r#""x": "\u0000"}, "zeta": 1}"#);
    assert_ne!(reordered, UNORDERED);
    let (status, reordered) = post_text(&app, &key, &path, &reordered).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the same content is a retry: {reordered}"
    );
    assert_eq!(reordered["data"]["id"], first["data"]["id"]);

    let changed = UNORDERED.replace(r#""limit": 5"#, r#""limit": 6"#);
    let (status, changed) = post_text(&app, &key, &path, &changed).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "different content conflicts: {changed}"
    );
}

#[tokio::test]
async fn a_key_given_twice_is_named_wherever_it_is() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let upload = format!("/projects/{project}/transcripts");
    let cases = [
        (
            "/projects",
            r#"{"name": "a", "name": "b"}"#.to_string(),
            "name",
        ),
        (
            upload.as_str(),
            r#"{"name": "a", "turns": [{"role": "user", "role": "tool", "content": ""}]}"#.into(),
            "turns[0].role",
        ),
        (
            upload.as_str(),
            r#"{"name": "a", "metadata": {"k": 1, "k": 2}, "turns": [{"role": "user", "content": ""}]}"#.into(),
            "metadata.k",
        ),
        (
            upload.as_str(),
            r#"{"name": "a", "turns": [{"role": "tool", "content": "", "toolCalls": [{"name": "f", "args": "{\"k\": 1, \"k\": 2}"}]}]}"#.into(),
            "turns[0].toolCalls[0].args.k",
        ),
    ];
    for (path, body, param) in cases {
        let (status, response) = post_text(&app, &key, path, &body).await;
        assert_invalid(&body, status, &response, param);
    }
}

#[tokio::test]
async fn tool_call_args_are_an_object_or_a_string_holding_one() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let with_args = |args: Option<serde_json::Value>| {
        let mut call = json!({"name": "lookup"});
        if let Some(args) = args {
            call["args"] = args;
        }
        upload_with(json!({"turns": [{"role": "assistant", "content": "", "toolCalls": [call]}]}))
    };
    for (case, args) in [
        ("a number", Some(json!(5))),
        ("an array", Some(json!([1, 2]))),
        ("null", Some(json!(null))),
        ("absent", None),
        ("a string that is not JSON", Some(json!("city=Paris"))),
        ("a string holding an array", Some(json!("[1]"))),
    ] {
        let (status, body) = app.upload(&key, &project, &with_args(args)).await;
        assert_invalid(case, status, &body, "turns[0].toolCalls[0].args");
    }

    let (status, created) = app
        .upload(
            &key,
            &project,
            &with_args(Some(json!("{\"city\": \"Paris\", \"days\": 2}"))),
        )
        .await;

    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["data"]["id"].as_str().expect("an id");
    let (_, detail) = get_text(&app, &key, &format!("/transcripts/{id}")).await;
    assert!(
        detail.contains(r#""args":{"city": "Paris", "days": 2}"#),
        "the string's object is stored: {detail}"
    );
}
