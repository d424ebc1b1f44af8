//! Requests the HTTP parser refuses (a request line or headers too large, too many headers,
//! bytes that are not HTTP) get the JSON error body of SPEC §1.2 like every other error, sent
//! as raw bytes over TCP.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{connect, exchange, parse_response};
use crate::support::{ServerConfig, TestApp, test_config};

/// (case, raw request, status)
fn cases() -> Vec<(&'static str, Vec<u8>, u16)> {
    let get = |target: String, headers: String| {
        format!("GET {target} HTTP/1.1\r\nHost: x\r\n{headers}\r\n").into_bytes()
    };
    vec![
        (
            "a 100 KB query",
            get(format!("/healthz?q={}", "a".repeat(100_000)), String::new()),
            414,
        ),
        (
            "a 1 MB query",
            get(
                format!("/healthz?q={}", "a".repeat(1_000_000)),
                String::new(),
            ),
            414,
        ),
        (
            "2,000 headers",
            get(
                "/healthz".into(),
                (0..2000).map(|n| format!("X-H{n}: v\r\n")).collect(),
            ),
            431,
        ),
        (
            "one 480 KB header",
            get(
                "/healthz".into(),
                format!("X-Big: {}\r\n", "b".repeat(480_000)),
            ),
            431,
        ),
        (
            "headers over the configured size",
            get(
                "/healthz".into(),
                (0..40)
                    .map(|n| format!("X-H{n}: {}\r\n", "v".repeat(1000)))
                    .collect(),
            ),
            431,
        ),
        (
            "a control character in a header value",
            get("/healthz".into(), "X-Bad: a\u{1}b\r\n".into()),
            400,
        ),
        (
            "Content-Length: -1",
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n".to_vec(),
            400,
        ),
        (
            "two different Content-Lengths",
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\
              Content-Length: 3\r\n\r\n{}"
                .to_vec(),
            400,
        ),
        (
            "a request line that is not HTTP",
            b"HELLO\r\n\r\n".to_vec(),
            400,
        ),
    ]
}

#[tokio::test]
async fn requests_the_parser_refuses_get_the_json_error_body() {
    let app = TestApp::spawn_with(ServerConfig {
        max_header_bytes: 32 * 1024,
        ..test_config()
    })
    .await;
    for (case, request, expected) in cases() {
        let (status, body, head) = exchange(&app.address, &request).await;
        assert_eq!(status, expected, "{case}: {body}");
        assert_eq!(body["error"]["code"], expected, "{case}: {body}");
        assert_eq!(
            body["error"]["type"], "invalid_request_error",
            "{case}: {body}"
        );
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/json"),
            "{case}: {head}"
        );
        assert!(
            head.to_ascii_lowercase().contains("x-request-id:"),
            "{case}: {head}"
        );
    }
}

#[tokio::test]
async fn a_bad_request_after_a_good_one_on_the_same_connection_gets_the_json_body_too() {
    let app = TestApp::spawn().await;
    let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n";
    let mut stream = connect(&app.address).await;
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("the server closes the connection after the bad request")
        .unwrap();
    let text = String::from_utf8_lossy(&answer);
    let second = text
        .match_indices("HTTP/1.1 ")
        .nth(1)
        .map(|(at, _)| at)
        .unwrap_or_else(|| panic!("two responses: {text:?}"));
    assert!(text.starts_with("HTTP/1.1 200"), "{text:?}");
    let (status, body, _) = parse_response(&answer[second..]);
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["type"], "invalid_request_error", "{body}");
}
