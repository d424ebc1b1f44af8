//! Reading a transcript: its turns and annotations, the detail against the list item, a 404,
//! and what an upload changes on its project.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{annotate, list, transcript, upload_created};
use crate::support::{TestApp, assert_error, assert_timestamp, example_transcript};

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
             "created_at": "2026-03-15T10:30:00.500Z", "signals": []},
            {"index": 1, "role": "assistant", "content": "Hello, world!", "token_count": 4,
             "tool_calls": [{"name": "lookup_order", "args": {"order_id": "A-1001"}}],
             "tool_results": null, "metadata": null, "created_at": null, "signals": []},
            {"index": 2, "role": "tool", "content": "", "token_count": 0,
             "tool_calls": null,
             "tool_results": [{"name": "lookup_order", "result": {"charges": 2}}],
             "metadata": null, "created_at": null, "signals": []}
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
