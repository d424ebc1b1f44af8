//! Service endpoints and the error body on routes that do not exist.

use reqwest::{Method, StatusCode};

use crate::support::{TestApp, assert_error};

#[tokio::test]
async fn healthz_and_readyz_answer_without_a_key() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/readyz"] {
        let (status, _) = app.request(Method::GET, path, None, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn metrics_are_in_prometheus_text_format() {
    let app = TestApp::spawn().await;
    app.request(Method::GET, "/healthz", None, None).await;
    let response = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.text().await.unwrap();
    assert!(text.contains("halfpipe_http_requests_total"), "{text}");
}

#[tokio::test]
async fn unknown_routes_get_a_json_404() {
    let app = TestApp::spawn().await;
    let (ws, key) = app.tenant().await;
    let _ = ws;
    for path in ["/public/api/v1/nope", "/nope", "/"] {
        let (status, body) = app.request(Method::GET, path, Some(&key), None).await;
        assert_error(
            status,
            &body,
            StatusCode::NOT_FOUND,
            "not_found_error",
            None,
        );
    }
}

#[tokio::test]
async fn wrong_methods_get_a_json_405() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let (status, body) = app
        .request(Method::DELETE, "/projects", Some(&key), None)
        .await;
    assert_error(
        status,
        &body,
        StatusCode::METHOD_NOT_ALLOWED,
        "invalid_request_error",
        None,
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_echoes_the_clients() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert!(response.headers().contains_key("x-request-id"));
    let response = app
        .client
        .get(format!("{}/public/api/v1/projects", app.address))
        .header("x-request-id", "client-chosen-id")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "client-chosen-id");
}

#[tokio::test]
async fn a_path_parameter_that_does_not_decode_is_a_json_400_naming_it() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    for (path, param) in [
        ("/public/api/v1/transcripts/%FF", "transcriptId"),
        ("/public/api/v1/projects/%FF", "projectId"),
        ("/public/api/v1/projects/%FF/transcripts", "projectId"),
    ] {
        let (status, body) = app.request(Method::GET, path, Some(&key), None).await;
        assert_error(
            status,
            &body,
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            Some(param),
        );
    }
}
