//! Instants that are valid RFC 3339 but land outside years 0000–9999 in UTC
//! (`9999-12-31T23:59:59-23:59` is in year 10000): a 400 naming the field everywhere a client
//! can send one, and a clear CLI error.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::upload_with;
use crate::support::{
    As, Team, TestApp, TestDb, assert_invalid, call, create_workspace, halfpipe_cli, query_string,
};

const PAST_YEAR_9999: &str = "9999-12-31T23:59:59-23:59";
const BEFORE_YEAR_0: &str = "0000-01-01T00:00:00+00:01";

#[tokio::test]
async fn an_upload_with_an_instant_past_year_9999_names_the_field() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "sourceTimestamp past 9999",
            upload_with(json!({"sourceTimestamp": PAST_YEAR_9999})),
            "sourceTimestamp",
        ),
        (
            "sourceTimestamp before year 0",
            upload_with(json!({"sourceTimestamp": BEFORE_YEAR_0})),
            "sourceTimestamp",
        ),
        (
            "a turn's createdAt past 9999",
            upload_with(json!({"turns": [
                {"role": "user", "content": "hi"},
                {"role": "user", "content": "hi", "createdAt": PAST_YEAR_9999}
            ]})),
            "turns[1].createdAt",
        ),
    ];
    for (case, body, param) in cases {
        let (status, response) = app.upload(&key, &project, &body).await;
        assert_invalid(case, status, &response, param);
    }
    let (status, response) = app
        .get(&format!("/projects/{project}/transcripts"), &key)
        .await;
    assert_eq!(status, StatusCode::OK, "{response}");
    assert_eq!(response["pagination"]["total"], 0, "nothing was stored");
}

#[tokio::test]
async fn the_last_millisecond_of_year_9999_is_stored_and_read_back() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let body = upload_with(json!({"sourceTimestamp": "9999-12-31T23:59:59.999Z"}));

    let (status, created) = app.upload(&key, &project, &body).await;

    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["data"]["id"].as_str().expect("an id");
    let (status, stored) = app.get(&format!("/transcripts/{id}"), &key).await;
    assert_eq!(status, StatusCode::OK, "{stored}");
    assert_eq!(
        stored["data"]["source_timestamp"],
        "9999-12-31T23:59:59.999Z"
    );
    let query = query_string(&[("date_from", "9999-12-31"), ("date_to", "9999-12-31")]);
    let (status, listed) = app
        .get(&format!("/projects/{project}/transcripts{query}"), &key)
        .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed["pagination"]["total"], 1, "{listed}");
}

#[tokio::test]
async fn a_date_filter_past_year_9999_names_the_parameter() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    for name in ["date_from", "date_to"] {
        for value in [PAST_YEAR_9999, BEFORE_YEAR_0] {
            let path = format!(
                "/projects/{project}/transcripts{}",
                query_string(&[(name, value)])
            );
            let (status, body) = app.get(&path, &key).await;
            assert_invalid(&format!("{name}={value}"), status, &body, name);
        }
    }
}

#[tokio::test]
async fn a_key_expiring_past_year_9999_names_expires_at() {
    let team = Team::spawn().await;
    let body = json!({"name": "far future", "expiresAt": PAST_YEAR_9999});

    let (status, response) = call(
        &team.app,
        Method::POST,
        &team.path("/api-keys"),
        As::Script(&team.admin),
        Some(&body),
    )
    .await;

    assert_invalid("expiresAt past 9999", status, &response, "expiresAt");
}

#[tokio::test]
async fn keys_create_with_an_expiry_past_year_9999_fails_cleanly() {
    let db = TestDb::fresh().await;
    let ws = create_workspace(&db, "Acme").await;
    let args = [
        "keys",
        "create",
        "--workspace",
        &ws,
        "--name",
        "far future",
        "--expires-at",
        PAST_YEAR_9999,
    ];

    let output = halfpipe_cli(&db.url, &args).await;

    let code = output.status.code();
    assert!(
        matches!(code, Some(1 | 2)),
        "exit code {code:?}\nstderr:\n{}",
        output.stderr
    );
    assert!(!output.stderr.contains("panicked"), "{}", output.stderr);
    assert!(output.stderr.contains("expiresAt"), "{}", output.stderr);
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let output = halfpipe_cli(&db.url, &json_args).await;
    let error = output.json();
    assert_eq!(error["error"]["param"], "expiresAt", "{error}");
}
