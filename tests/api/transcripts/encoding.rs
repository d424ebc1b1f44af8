//! Compressed request bodies: the server does not decode them, and says so with a 415.

use reqwest::{StatusCode, header};

use crate::support::{TestApp, assert_error, example_transcript, read};

#[tokio::test]
async fn a_compressed_body_is_a_415_naming_its_encoding_not_a_parse_error() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    // The gzip header and then anything: the server must refuse it for its encoding alone.
    let compressed: Vec<u8> = [0x1f, 0x8b, 0x08, 0x00]
        .into_iter()
        .chain(example_transcript().to_string().into_bytes())
        .collect();
    for encoding in ["gzip", "br", "deflate", "GZIP"] {
        let response = app
            .client
            .post(app.api(&format!("/projects/{project}/transcripts")))
            .bearer_auth(&key)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_ENCODING, encoding)
            .body(compressed.clone())
            .send()
            .await
            .expect("request sent");
        let (status, body) = read(response).await;
        assert_error(
            status,
            &body,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_request_error",
            None,
        );
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("Content-Encoding"),
            "{encoding}: the message names the header: {body}"
        );
    }
    let identity = app
        .client
        .post(app.api(&format!("/projects/{project}/transcripts")))
        .bearer_auth(&key)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_ENCODING, "identity")
        .body(example_transcript().to_string())
        .send()
        .await
        .expect("request sent");
    assert_eq!(
        identity.status(),
        StatusCode::CREATED,
        "identity is no encoding"
    );
}
