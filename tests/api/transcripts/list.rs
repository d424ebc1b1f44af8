//! Listing transcripts: pagination, newest first.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::json;

use super::{ids_of, list, transcript, upload_created};
use crate::support::{TestApp, assert_invalid};

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
