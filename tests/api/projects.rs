//! Projects (SPEC §1.3): create, list, get with the executive summary, insights, and the
//! validation of names, domain packs and path ids.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::support::{
    ProjectId, TestApp, assert_error, assert_timestamp, example_transcript, read,
};

/// A well-formed project id that names no project.
const UNKNOWN_PROJECT: &str = "hp-0190a5e8-7c1b-7000-8000-000000000000";

fn project_id(id: &str) -> ProjectId {
    ProjectId::parse(id).unwrap_or_else(|| panic!("{id:?} is not hp-{{uuid}}"))
}

#[tokio::test]
async fn creating_a_project_returns_201_and_the_project_object() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let before = OffsetDateTime::now_utc();

    let (status, body) = app
        .post("/projects", &key, &json!({"name": "Support bot"}))
        .await;

    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(body["processing_time_ms"].is_u64(), "{body}");
    let project = &body["data"];
    let id = project["id"].as_str().expect("an id");
    let uuid = id.strip_prefix("hp-").expect("the id starts with hp-");
    assert!(
        uuid::Uuid::try_parse(uuid).is_ok() && uuid.len() == 36,
        "{id} is hp- and a hyphenated UUID"
    );
    assert_eq!(project["name"], "Support bot");
    assert_eq!(project["domain_pack"], "general");
    assert_eq!(project["transcript_count"], 0);
    assert_eq!(project["latest_transcript_at"], Value::Null);
    let created = assert_timestamp(&project["created_at"], "created_at");
    assert_timestamp(&project["updated_at"], "updated_at");
    assert_eq!(project["created_at"], project["updated_at"]);
    let drift = (created - before).whole_seconds().abs();
    assert!(drift < 60, "created_at {created} is now (±1 min)");
}

#[tokio::test]
async fn domain_pack_is_general_by_default_or_ai_coding_and_nothing_else() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let accepted = [
        ("absent", json!({"name": "p"}), "general"),
        ("null", json!({"name": "p", "domainPack": null}), "general"),
        (
            "general",
            json!({"name": "p", "domainPack": "general"}),
            "general",
        ),
        (
            "ai_coding",
            json!({"name": "p", "domainPack": "ai_coding"}),
            "ai_coding",
        ),
    ];
    for (case, body, expected) in accepted {
        let (status, response) = app.post("/projects", &key, &body).await;
        assert_eq!(status, StatusCode::CREATED, "{case}: {response}");
        assert_eq!(response["data"]["domain_pack"], expected, "{case}");
    }

    let rejected = [
        ("unknown pack", json!("invalid")),
        ("wrong case", json!("AI_CODING")),
        ("camelCase spelling", json!("aiCoding")),
        ("not a string", json!(5)),
    ];
    for (case, pack) in rejected {
        let (status, response) = app
            .post("/projects", &key, &json!({"name": "p", "domainPack": pack}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{case}: {response}");
        assert_error(
            status,
            &response,
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            Some("domainPack"),
        );
    }
}

#[tokio::test]
async fn a_project_name_is_required_and_at_most_500_characters_after_trimming() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let rejected = [
        ("missing", json!({})),
        ("null", json!({"name": null})),
        ("empty", json!({"name": ""})),
        ("blank after trimming", json!({"name": " \t\n "})),
        ("501 characters", json!({"name": "x".repeat(501)})),
        ("501 two-byte characters", json!({"name": "é".repeat(501)})),
        ("a number", json!({"name": 5})),
        ("an array", json!({"name": ["a"]})),
    ];
    for (case, body) in rejected {
        let (status, response) = app.post("/projects", &key, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{case}: {response}");
        assert_error(
            status,
            &response,
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            Some("name"),
        );
    }

    let accepted = [
        ("one character", "a".to_string(), "a".to_string()),
        ("500 characters", "x".repeat(500), "x".repeat(500)),
        (
            "500 two-byte characters (1000 bytes)",
            "é".repeat(500),
            "é".repeat(500),
        ),
        (
            "500 characters inside spaces",
            format!("  {}  ", "y".repeat(500)),
            "y".repeat(500),
        ),
        (
            "surrounding whitespace",
            "  Support bot \n".to_string(),
            "Support bot".to_string(),
        ),
    ];
    for (case, name, stored) in accepted {
        let (status, response) = app.post("/projects", &key, &json!({"name": name})).await;
        assert_eq!(status, StatusCode::CREATED, "{case}: {response}");
        assert_eq!(response["data"]["name"], stored.as_str(), "{case}");
    }
}

#[tokio::test]
async fn creating_a_project_needs_a_json_object_body() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let cases = [
        (
            "malformed JSON",
            "application/json",
            "{\"name\": ",
            StatusCode::BAD_REQUEST,
        ),
        (
            "an array",
            "application/json",
            "[]",
            StatusCode::BAD_REQUEST,
        ),
        ("empty", "application/json", "", StatusCode::BAD_REQUEST),
        (
            "a form",
            "application/x-www-form-urlencoded",
            "name=Support",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ];
    for (case, content_type, body, expected) in cases {
        let response = app
            .client
            .post(app.api("/projects"))
            .bearer_auth(&key)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .expect("request sent");
        let (status, response) = read(response).await;
        assert_eq!(status, expected, "{case}: {response}");
        assert_error(status, &response, expected, "invalid_request_error", None);
    }
    let (_, projects) = app.get("/projects", &key).await;
    assert_eq!(projects["pagination"]["total"], 0, "nothing created");
}

#[tokio::test]
async fn projects_are_listed_newest_first_in_the_list_envelope() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let (_, other_key) = app.tenant().await;
    app.project(&other_key, "another workspace's project").await;
    let mut created = Vec::new();
    for name in ["first", "second", "third"] {
        created.push(app.project(&key, name).await);
    }

    let (status, body) = app.get("/projects", &key).await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["pagination"],
        json!({"page": 1, "limit": 20, "total": 3})
    );
    assert!(body["processing_time_ms"].is_u64(), "{body}");
    let ids: Vec<&str> = body["data"]
        .as_array()
        .expect("data is an array")
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    let newest_first: Vec<&str> = created.iter().rev().map(String::as_str).collect();
    assert_eq!(ids, newest_first);
    let first = &body["data"][0];
    for field in [
        "id",
        "name",
        "domain_pack",
        "transcript_count",
        "latest_transcript_at",
        "created_at",
        "updated_at",
    ] {
        assert!(
            first.get(field).is_some(),
            "list item lacks {field}: {first}"
        );
    }
}

#[tokio::test]
async fn projects_paginate_and_a_page_past_the_end_is_empty_with_the_true_total() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(app.project(&key, &format!("project {i}")).await);
    }
    created.reverse();

    let mut seen = Vec::new();
    for page in 1..=3 {
        let (status, body) = app
            .get(&format!("/projects?limit=2&page={page}"), &key)
            .await;
        assert_eq!(status, StatusCode::OK, "page {page}: {body}");
        assert_eq!(
            body["pagination"],
            json!({"page": page, "limit": 2, "total": 5}),
            "page {page}"
        );
        for project in body["data"].as_array().unwrap() {
            seen.push(project["id"].as_str().unwrap().to_string());
        }
    }
    let (status, past_the_end) = app.get("/projects?limit=2&page=4", &key).await;

    assert_eq!(seen, created, "every project once, newest first");
    assert_eq!(status, StatusCode::OK, "{past_the_end}");
    assert_eq!(past_the_end["data"], json!([]));
    assert_eq!(
        past_the_end["pagination"],
        json!({"page": 4, "limit": 2, "total": 5})
    );
}

#[tokio::test]
async fn project_list_pagination_out_of_range_is_a_400_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let cases = [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=-1", "limit"),
        ("limit=ten", "limit"),
        ("limit=2.5", "limit"),
        ("limit=", "limit"),
        ("page=0", "page"),
        ("page=-3", "page"),
        ("page=first", "page"),
    ];
    for (query, param) in cases {
        let (status, body) = app.get(&format!("/projects?{query}"), &key).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_error(
            status,
            &body,
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            Some(param),
        );
    }
    let (status, body) = app.get("/projects?limit=100&page=1", &key).await;
    assert_eq!(status, StatusCode::OK, "the bounds are inclusive: {body}");
}

#[tokio::test]
async fn a_project_has_no_executive_summary_until_a_report_exists() {
    let app = TestApp::spawn().await;
    let (ws, key) = app.tenant().await;
    let id = app.project(&key, "Support bot").await;

    let (status, before) = app.get(&format!("/projects/{id}"), &key).await;
    assert_eq!(status, StatusCode::OK, "{before}");
    assert_eq!(before["data"]["id"], id.as_str());
    assert_eq!(before["data"]["name"], "Support bot");
    assert!(
        before["data"]
            .as_object()
            .unwrap()
            .contains_key("executive_summary"),
        "executive_summary is present, as null: {before}"
    );
    assert_eq!(before["data"]["executive_summary"], Value::Null);

    let summary = json!({
        "overview": "Customers mostly ask about refunds.",
        "patterns": ["refund requests"],
        "issues": ["duplicate charges"],
        "trends": []
    });
    app.store
        .put_report(ws, project_id(&id), &summary.to_string(), "[]")
        .await
        .expect("report stored");

    let (status, after) = app.get(&format!("/projects/{id}"), &key).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["data"]["executive_summary"], summary);
    assert_eq!(after["data"]["id"], id.as_str());
}

#[tokio::test]
async fn insights_are_empty_before_analysis_and_the_stored_ranking_after() {
    let app = TestApp::spawn().await;
    let (ws, key) = app.tenant().await;
    let id = app.project(&key, "Support bot").await;

    let (status, before) = app.get(&format!("/projects/{id}/insights"), &key).await;
    assert_eq!(status, StatusCode::OK, "{before}");
    assert_eq!(before["data"], json!([]));
    assert!(before["processing_time_ms"].is_u64(), "{before}");

    let insights = json!([{
        "rank": 1,
        "title": "Duplicate charges",
        "description": "Customers are charged twice.",
        "tags": ["billing"],
        "severity": "high",
        "flagged_count": 3,
        "quotes": [{"text": "I was charged twice", "transcript_id": "t-1", "speaker": "user"}],
        "why_it_matters": {"user_impact": "Money lost", "action_to_take": "Fix billing"},
        "category_breakdown": [{"category": "billing", "count": 3}],
        "transcript_ids": ["t-1"]
    }]);
    app.store
        .put_report(ws, project_id(&id), "{}", &insights.to_string())
        .await
        .expect("report stored");

    let (status, after) = app.get(&format!("/projects/{id}/insights"), &key).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["data"], insights);
}

#[tokio::test]
async fn a_malformed_project_id_in_the_path_is_a_400_naming_project_id() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let bad_ids = [
        "123",
        "hp-",
        "hp-123",
        "0190a5e8-7c1b-7000-8000-000000000000",
        "xp-0190a5e8-7c1b-7000-8000-000000000000",
        "hp-0190a5e87c1b70008000000000000000",
        "hp-0190a5e8-7c1b-7000-8000-00000000000g",
        "hp-0190a5e8-7c1b-7000-8000-0000000000001",
    ];
    for bad in bad_ids {
        let requests = [
            (Method::GET, format!("/projects/{bad}"), None),
            (Method::GET, format!("/projects/{bad}/insights"), None),
            (Method::GET, format!("/projects/{bad}/transcripts"), None),
            (
                Method::POST,
                format!("/projects/{bad}/transcripts"),
                Some(example_transcript()),
            ),
        ];
        for (method, path, body) in requests {
            let (status, response) = app
                .request(method.clone(), &path, Some(&key), body.as_ref())
                .await;
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{method} {path}: {response}"
            );
            assert_error(
                status,
                &response,
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                Some("projectId"),
            );
        }
    }
}

#[tokio::test]
async fn an_unknown_well_formed_project_id_is_a_404() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let requests = [
        (Method::GET, format!("/projects/{UNKNOWN_PROJECT}"), None),
        (
            Method::GET,
            format!("/projects/{UNKNOWN_PROJECT}/insights"),
            None,
        ),
        (
            Method::GET,
            format!("/projects/{UNKNOWN_PROJECT}/transcripts"),
            None,
        ),
        (
            Method::POST,
            format!("/projects/{UNKNOWN_PROJECT}/transcripts"),
            Some(example_transcript()),
        ),
    ];
    for (method, path, body) in requests {
        let (status, response) = app
            .request(method.clone(), &path, Some(&key), body.as_ref())
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {response}");
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
async fn a_project_created_then_read_back_is_the_same_project() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let (_, created) = app
        .post(
            "/projects",
            &key,
            &json!({"name": "Coding agent", "domainPack": "ai_coding"}),
        )
        .await;
    let id = created["data"]["id"].as_str().unwrap();

    let (status, read) = app.get(&format!("/projects/{id}"), &key).await;

    assert_eq!(status, StatusCode::OK, "{read}");
    for field in [
        "id",
        "name",
        "domain_pack",
        "transcript_count",
        "latest_transcript_at",
        "created_at",
        "updated_at",
    ] {
        assert_eq!(read["data"][field], created["data"][field], "{field}");
    }
    assert_eq!(read["data"]["domain_pack"], "ai_coding");
}
