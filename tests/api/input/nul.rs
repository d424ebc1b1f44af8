//! U+0000 in text: PostgreSQL's `text` cannot hold it, so on both backends every text field
//! and text filter refuses it with a 400 naming the field, rather than a 500 on one backend
//! and a stored NUL on the other, or a silent alteration.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::upload_with;
use crate::support::{As, Team, TestApp, assert_invalid, call, post_login, query_string, read};

const NUL: &str = "a\u{0}b";

#[tokio::test]
async fn an_upload_with_nul_in_any_text_field_names_the_field() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let turn_with = |field: &str| {
        let mut turn = json!({"role": "tool", "content": "ok"});
        turn[field] = match field {
            "toolCalls" => json!([{"name": NUL, "args": {}}]),
            "toolResults" => json!([{"name": NUL, "result": 1}]),
            _ => json!(NUL),
        };
        upload_with(json!({"turns": [{"role": "user", "content": "hi"}, turn]}))
    };
    let mut cases: Vec<(String, Value, &str)> = [
        "name",
        "modelName",
        "externalId",
        "externalUserId",
        "language",
        "sourceSystem",
    ]
    .into_iter()
    .map(|field| (field.to_string(), upload_with(json!({ field: NUL })), field))
    .collect();
    cases.push(("content".into(), turn_with("content"), "turns[1].content"));
    cases.push((
        "a tool call's name".into(),
        turn_with("toolCalls"),
        "turns[1].toolCalls[0].name",
    ));
    cases.push((
        "a tool result's name".into(),
        turn_with("toolResults"),
        "turns[1].toolResults[0].name",
    ));
    for (case, body, param) in cases {
        let (status, response) = app.upload(&key, &project, &body).await;
        assert_invalid(&case, status, &response, param);
    }
    let (status, listed) = app
        .get(&format!("/projects/{project}/transcripts"), &key)
        .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed["pagination"]["total"], 0, "nothing was stored");
}

#[tokio::test]
async fn a_project_name_with_nul_names_the_field() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;

    let (status, body) = app.post("/projects", &key, &json!({"name": NUL})).await;

    assert_invalid("project name", status, &body, "name");
}

#[tokio::test]
async fn a_text_filter_with_nul_names_the_parameter() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    for name in ["q", "model_name", "language", "source_system", "annotation"] {
        let path = format!(
            "/projects/{project}/transcripts{}",
            query_string(&[(name, NUL)])
        );
        let (status, body) = app.get(&path, &key).await;
        assert_invalid(name, status, &body, name);
    }
}

#[tokio::test]
async fn a_sign_in_email_with_nul_names_the_field() {
    let app = TestApp::spawn().await;

    let response = post_login(
        &app,
        &json!({"email": "ada\u{0}@example.com", "password": "whatever it is"}),
    )
    .await;

    let (status, body) = read(response).await;
    assert_invalid("login email", status, &body, "email");
}

#[tokio::test]
async fn a_key_name_or_description_with_nul_names_the_field() {
    let team = Team::spawn().await;
    for (field, body) in [
        ("name", json!({"name": NUL})),
        ("description", json!({"name": "fine", "description": NUL})),
    ] {
        let (status, response) = call(
            &team.app,
            Method::POST,
            &team.path("/api-keys"),
            As::Script(&team.admin),
            Some(&body),
        )
        .await;
        assert_invalid(field, status, &response, field);
    }
}
