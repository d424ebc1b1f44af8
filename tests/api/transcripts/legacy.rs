//! The legacy upload (`/halfpipe/transcripts`): the default project, an explicit `projectId`, and
//! the same validation as the upload.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{ids_of, list, transcript, with, without};
use crate::support::{TestApp, assert_error, assert_invalid};

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
