//! Safe retries by `externalId`: a replay returns the same transcript, a different body is a
//! conflict, concurrent retries store one, and the id is unique within a project only.

use reqwest::StatusCode;
use serde_json::json;

use super::{ids_of, list, post_raw, transcript, upload_created};
use crate::support::{TestApp, assert_error, example_transcript};

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
