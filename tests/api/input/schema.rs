//! The OpenAPI document and the server agree on the edges a generated test run found: the
//! largest `page`, a blank `domainPack`, blank optional timestamps, the form of the date
//! filters. `scripts/openapi-fuzz.sh` runs the generated tests themselves.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::upload_with;
use crate::support::{TestApp, assert_invalid};

#[tokio::test]
async fn page_goes_up_to_the_documented_maximum_and_no_further() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    for list in [
        "/projects".to_string(),
        format!("/projects/{project}/transcripts"),
    ] {
        let (status, body) = app.get(&format!("{list}?page=2147483647"), &key).await;
        assert_eq!(status, StatusCode::OK, "{list}: {body}");
        assert_eq!(body["data"], json!([]), "{list}: past the end");
        let (status, body) = app.get(&format!("{list}?page=2147483648"), &key).await;
        assert_invalid(&list, status, &body, "page");
    }
}

#[tokio::test]
async fn a_blank_domain_pack_is_outside_the_enum() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;

    let (status, body) = app
        .post("/projects", &key, &json!({"name": "p", "domainPack": ""}))
        .await;

    assert_invalid("domainPack \"\"", status, &body, "domainPack");
}

#[tokio::test]
async fn optional_text_limits_count_the_value_as_sent_as_the_schema_does() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let padded = format!("{}en{}", "\u{85}".repeat(20), " ".repeat(20));
    let cases = [
        ("language", json!(padded), 35),
        ("language", json!("\u{85}".repeat(40)), 35),
        ("modelName", json!(format!("  {}  ", "m".repeat(99))), 100),
        ("externalId", json!(format!("{} ", "e".repeat(255))), 255),
    ];
    for (field, value, limit) in cases {
        let body = upload_with(json!({ field: value }));

        let (status, response) = app.upload(&key, &project, &body).await;

        assert_invalid(
            &format!("{field} longer than {limit} as sent"),
            status,
            &response,
            field,
        );
    }
    let within = upload_with(json!({"language": " en-US ", "modelName": "  gpt-4o  "}));
    let (status, created) = app.upload(&key, &project, &within).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["data"]["language"], "en-US", "trimmed: {created}");
    assert_eq!(created["data"]["modelName"], "gpt-4o", "trimmed: {created}");
}

#[tokio::test]
async fn blank_optional_timestamps_count_as_absent() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    let body = upload_with(json!({
        "sourceTimestamp": "",
        "turns": [{"role": "user", "content": "hi", "createdAt": "  "}]
    }));

    let (status, created) = app.upload(&key, &project, &body).await;

    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["data"]["sourceTimestamp"], Value::Null, "{created}");
    let id = created["data"]["id"].as_str().expect("an id");
    let (_, stored) = app.get(&format!("/transcripts/{id}"), &key).await;
    assert_eq!(
        stored["data"]["turns"][0]["created_at"],
        Value::Null,
        "{stored}"
    );
}

#[tokio::test]
async fn the_document_gives_the_date_filters_and_page_their_forms() {
    let app = TestApp::spawn().await;
    let (status, doc) = app
        .request(
            reqwest::Method::GET,
            "/public/api/v1/openapi.json",
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let parameters =
        &doc["paths"]["/public/api/v1/projects/{projectId}/transcripts"]["get"]["parameters"];
    let schema_of = |name: &str| {
        parameters
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == name))
            .map(|p| p["schema"].clone())
            .unwrap_or_else(|| panic!("no parameter {name}"))
    };
    for name in ["date_from", "date_to"] {
        let formats: Vec<Value> = schema_of(name)["anyOf"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is a choice of forms"))
            .iter()
            .map(|s| s["format"].clone())
            .collect();
        assert!(formats.contains(&json!("date")), "{name}: {formats:?}");
        assert!(formats.contains(&json!("date-time")), "{name}: {formats:?}");
    }
    assert_eq!(schema_of("page")["maximum"], 2147483647);
}
