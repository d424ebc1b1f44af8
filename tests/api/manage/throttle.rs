//! The sign-in throttle: repeated failures lock out one email, however the guesses arrive.

use reqwest::header::RETRY_AFTER;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{
    As, MemberRole, PASSWORD, TestApp, assert_outcome, header, post_login, read, request,
    session_set_cookie,
};

#[tokio::test]
async fn repeated_failed_sign_ins_are_throttled_for_that_email_only() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("Acme").await;
    app.add_member(ws, "ada@acme.test", MemberRole::Member)
        .await;
    app.add_member(ws, "bob@acme.test", MemberRole::Member)
        .await;
    let wrong = json!({"email": "ada@acme.test", "password": "guess"});
    for attempt in 1..=5 {
        let (status, body) = read(post_login(&app, &wrong).await).await;
        assert_outcome(
            &format!("failed attempt {attempt}"),
            status,
            &body,
            StatusCode::UNAUTHORIZED,
        );
    }

    // The lockout after five failures is short (1 s), so these follow at once.
    let right = post_login(
        &app,
        &json!({"email": "ada@acme.test", "password": PASSWORD}),
    )
    .await;
    let retry_after = header(&right, RETRY_AFTER);
    let right_cookie = session_set_cookie(&right);
    let (right_status, right_body) = read(right).await;
    let (again, again_body) = read(post_login(&app, &wrong).await).await;
    let (other_case, other_case_body) = read(
        post_login(
            &app,
            &json!({"email": "ADA@acme.test", "password": PASSWORD}),
        )
        .await,
    )
    .await;
    let (bob, bob_body) = read(
        post_login(
            &app,
            &json!({"email": "bob@acme.test", "password": PASSWORD}),
        )
        .await,
    )
    .await;

    assert_outcome(
        "the right password during the lockout",
        right_status,
        &right_body,
        StatusCode::TOO_MANY_REQUESTS,
    );
    assert_eq!(right_cookie, None, "no session during the lockout");
    let retry_after: u64 = retry_after
        .parse()
        .unwrap_or_else(|_| panic!("Retry-After is whole seconds: {retry_after:?}"));
    assert!(
        (1..=300).contains(&retry_after),
        "Retry-After {retry_after}"
    );
    assert!(
        right_body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("sign-in")),
        "the message says what is limited: {right_body}"
    );
    assert_outcome(
        "another wrong password during the lockout",
        again,
        &again_body,
        StatusCode::TOO_MANY_REQUESTS,
    );
    assert_outcome(
        "the same email in other letters",
        other_case,
        &other_case_body,
        StatusCode::TOO_MANY_REQUESTS,
    );
    assert_eq!(
        bob,
        StatusCode::OK,
        "another email is not slowed: {bob_body}"
    );
}

#[tokio::test]
async fn guesses_sent_all_at_once_are_throttled_too() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("Acme").await;
    app.add_member(ws, "ada@acme.test", MemberRole::Member)
        .await;
    let mut guesses = tokio::task::JoinSet::new();
    for n in 0..20 {
        let body = json!({"email": "ada@acme.test", "password": format!("guess {n}")});
        let guess = request(
            &app,
            Method::POST,
            "/api/v1/auth/login",
            As::Nobody,
            Some(&body),
        );
        guesses.spawn(async move { guess.send().await.expect("request sent").status() });
    }

    let statuses = guesses.join_all().await;

    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let throttled = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(
        (checked, throttled),
        (5, 15),
        "only five passwords are tried before the lockout: {statuses:?}"
    );
}
