//! Per-key rate limiting (SPEC §1.2): the 429 past the budget, and the `RateLimit-*` headers.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::support::{ServerConfig, TestApp, assert_error, test_config};

const BUDGET: u32 = 3;

async fn limited_app() -> TestApp {
    TestApp::spawn_with(ServerConfig {
        rate_limit_per_minute: BUDGET,
        ..test_config()
    })
    .await
}

/// `GET /projects` with `key`: status, headers, body.
async fn list_projects(app: &TestApp, key: &str) -> (StatusCode, HeaderMap, Value) {
    let response = app
        .client
        .get(app.api("/projects"))
        .bearer_auth(key)
        .send()
        .await
        .expect("request sent");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.json().await.expect("a JSON body");
    (status, headers, body)
}

/// A header's value as a number (a test failure if absent or not a number).
fn number(headers: &HeaderMap, name: &str, case: &str) -> u64 {
    let value = headers
        .get(name)
        .unwrap_or_else(|| panic!("{case}: no {name} header in {headers:?}"));
    value
        .to_str()
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{case}: {name} is not a number: {value:?}"))
}

#[tokio::test]
async fn successful_responses_carry_the_rate_limit_headers() {
    let app = limited_app().await;
    let (_, key) = app.tenant().await;

    let mut remaining = Vec::new();
    for n in 1..=BUDGET {
        let case = format!("request {n}");
        let (status, headers, body) = list_projects(&app, &key).await;

        assert_eq!(status, StatusCode::OK, "{case}: {body}");
        assert_eq!(
            number(&headers, "ratelimit-limit", &case),
            u64::from(BUDGET),
            "{case}"
        );
        number(&headers, "ratelimit-reset", &case);
        remaining.push(number(&headers, "ratelimit-remaining", &case));
    }

    assert_eq!(remaining, [2, 1, 0], "RateLimit-Remaining counts down");
}

#[tokio::test]
async fn the_request_past_the_budget_gets_a_429_with_retry_after() {
    let app = limited_app().await;
    let (_, key) = app.tenant().await;
    for n in 1..=BUDGET {
        let (status, _, body) = list_projects(&app, &key).await;
        assert_eq!(status, StatusCode::OK, "request {n}: {body}");
    }

    let (status, headers, body) = list_projects(&app, &key).await;

    assert_error(
        status,
        &body,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limit_error",
        None,
    );
    let case = "the request past the budget";
    let retry_after = number(&headers, "retry-after", case);
    assert!(
        (1..=60).contains(&retry_after),
        "Retry-After {retry_after} s is within the minute"
    );
    assert_eq!(number(&headers, "ratelimit-limit", case), u64::from(BUDGET));
    assert_eq!(number(&headers, "ratelimit-remaining", case), 0);
    let reset = number(&headers, "ratelimit-reset", case);
    assert!((1..=60).contains(&reset), "RateLimit-Reset {reset} s");
}

#[tokio::test]
async fn rate_limit_reset_means_the_same_on_a_success_and_on_a_429() {
    let app = limited_app().await;
    let (_, key) = app.tenant().await;
    let mut last_success_reset = 0;
    for n in 1..=BUDGET {
        let (status, headers, body) = list_projects(&app, &key).await;
        assert_eq!(status, StatusCode::OK, "request {n}: {body}");
        last_success_reset = number(&headers, "ratelimit-reset", &format!("request {n}"));
    }

    let (status, headers, _) = list_projects(&app, &key).await;

    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let case = "the request past the budget";
    let reset = number(&headers, "ratelimit-reset", case);
    let retry_after = number(&headers, "retry-after", case);
    assert!(
        reset + 1 >= last_success_reset,
        "RateLimit-Reset is the time until the whole budget is back on both: \
         {last_success_reset} s on the last success, {reset} s on the 429"
    );
    assert!(
        reset >= retry_after,
        "the whole budget ({reset} s) comes back no sooner than the next request ({retry_after} s)"
    );
}

#[tokio::test]
async fn another_key_has_its_own_budget() {
    let app = limited_app().await;
    let (ws, spent) = app.tenant().await;
    let same_workspace = app.key(ws, &[]).await;
    let (_, other_workspace) = app.tenant().await;
    for _ in 0..=BUDGET {
        list_projects(&app, &spent).await;
    }
    let (status, _, _) = list_projects(&app, &spent).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the first key is spent"
    );

    for (case, key) in [
        ("a key of the same workspace", &same_workspace),
        ("a key of another workspace", &other_workspace),
    ] {
        let (status, headers, body) = list_projects(&app, key).await;

        assert_eq!(status, StatusCode::OK, "{case}: {body}");
        assert_eq!(
            number(&headers, "ratelimit-remaining", case),
            u64::from(BUDGET - 1),
            "{case}"
        );
    }
}

#[tokio::test]
async fn rate_limiting_is_on_by_default_with_a_generous_limit() {
    let app = TestApp::spawn_with(ServerConfig {
        listen: "127.0.0.1:0".into(),
        ..ServerConfig::default()
    })
    .await;
    let (_, key) = app.tenant().await;

    let (status, headers, body) = list_projects(&app, &key).await;

    assert_eq!(status, StatusCode::OK, "{body}");
    let limit = number(&headers, "ratelimit-limit", "default configuration");
    assert!(limit >= 600, "a generous default limit, got {limit}/minute");
}
