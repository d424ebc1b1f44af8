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

/// A client bound to `127.0.0.{last}` (all of 127/8 is loopback on Linux).
fn client_from(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, last]))
        .build()
        .expect("a client")
}

#[tokio::test]
async fn one_address_trying_many_emails_is_throttled_on_both_sign_in_paths() {
    let app = TestApp::spawn_with(crate::support::ServerConfig {
        sign_ins_per_address_per_minute: 3,
        ..crate::support::test_config()
    })
    .await;
    let ws = app.workspace("Acme").await;
    app.add_member(ws, "ada@acme.test", MemberRole::Member)
        .await;
    let (guesser, bystander) = (client_from(7), client_from(8));
    let login = format!("{}/api/v1/auth/login", app.address);
    for n in 1..=3 {
        let response = guesser
            .post(&login)
            .json(&json!({"email": format!("guess{n}@acme.test"), "password": "wrong password"}))
            .send()
            .await
            .unwrap();
        let (status, body) = read(response).await;
        assert_outcome(
            &format!("guess {n}"),
            status,
            &body,
            StatusCode::UNAUTHORIZED,
        );
    }

    let api = guesser
        .post(&login)
        .json(&json!({"email": "ada@acme.test", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let api_retry = header(&api, RETRY_AFTER);
    let (api_status, api_body) = read(api).await;
    let form = guesser
        .post(format!("{}/login", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("email=ada%40acme.test&password={PASSWORD}"))
        .send()
        .await
        .unwrap();
    let (form_status, form_retry) = (form.status(), header(&form, RETRY_AFTER));
    let elsewhere = bystander
        .post(&login)
        .json(&json!({"email": "ada@acme.test", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let (elsewhere_status, elsewhere_body) = read(elsewhere).await;

    assert_outcome(
        "the fourth attempt from one address, even with the right password",
        api_status,
        &api_body,
        StatusCode::TOO_MANY_REQUESTS,
    );
    assert!(
        api_body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("from this address")),
        "{api_body}"
    );
    assert!(
        api_retry.parse::<u64>().is_ok_and(|s| s >= 1),
        "Retry-After: {api_retry:?}"
    );
    assert_eq!(
        form_status,
        StatusCode::TOO_MANY_REQUESTS,
        "the sign-in form"
    );
    assert!(
        form_retry.parse::<u64>().is_ok_and(|s| s >= 1),
        "the form's Retry-After"
    );
    assert_outcome(
        "the same account from another address",
        elsewhere_status,
        &elsewhere_body,
        StatusCode::OK,
    );
}
