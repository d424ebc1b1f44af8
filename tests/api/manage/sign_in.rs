//! Signing in with an email and password: the session cookie and the JWT, and what a failed sign-in
//! is told.

use reqwest::StatusCode;
use reqwest::header::CACHE_CONTROL;
use serde_json::json;

use super::me;
use crate::support::{
    As, MemberRole, PASSWORD, ServerConfig, TestApp, assert_error, assert_invalid,
    cookie_attributes, cookie_pair, header, post_login, read, session_set_cookie, test_config,
};

#[tokio::test]
async fn signing_in_sets_an_httponly_samesite_session_cookie_and_returns_a_jwt() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("Acme").await;
    app.add_member(ws, "ada@acme.test", MemberRole::Admin).await;

    let response = post_login(
        &app,
        &json!({"email": "ada@acme.test", "password": PASSWORD}),
    )
    .await;

    let set_cookie = session_set_cookie(&response).expect("a session cookie is set");
    let cache_control = header(&response, CACHE_CONTROL);
    let (status, body) = read(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let attributes = cookie_attributes(&set_cookie);
    for wanted in ["httponly", "path=/", "max-age=604800"] {
        assert!(
            attributes.iter().any(|a| a == wanted),
            "the cookie has {wanted}: {set_cookie}"
        );
    }
    assert!(
        attributes
            .iter()
            .any(|a| a == "samesite=lax" || a == "samesite=strict"),
        "the cookie is SameSite=Lax or Strict: {set_cookie}"
    );
    assert_eq!(
        cache_control, "no-store",
        "a sign-in response is not cached"
    );
    let data = &body["data"];
    let jwt = data["token"].as_str().expect("a token");
    assert!(jwt.starts_with("ey"), "the token is a JWT: {jwt}");
    assert_eq!(jwt.split('.').count(), 3, "a JWT has three parts: {jwt}");
    assert_eq!(data["member"]["email"], "ada@acme.test", "{body}");
    assert_eq!(
        data["workspaces"],
        json!([{"workspace_id": ws, "workspace_name": "Acme", "role": "admin"}]),
        "{body}"
    );
    let session_secret = cookie_pair(&set_cookie)["halfpipe_session=".len()..].to_string();
    let text = body.to_string();
    assert!(
        !text.contains(&session_secret),
        "the body echoes the cookie"
    );
    assert!(
        !text.contains("argon2") && !text.contains("password"),
        "the body shows no password hash: {text}"
    );
}

#[tokio::test]
async fn secure_cookies_mark_the_session_cookie_secure() {
    let app = TestApp::spawn_with(ServerConfig {
        secure_cookies: true,
        ..test_config()
    })
    .await;
    let ws = app.workspace("Acme").await;
    app.add_member(ws, "ada@acme.test", MemberRole::Member)
        .await;

    let response = post_login(
        &app,
        &json!({"email": "ada@acme.test", "password": PASSWORD}),
    )
    .await;

    let set_cookie = session_set_cookie(&response).expect("a session cookie is set");
    assert!(
        cookie_attributes(&set_cookie).iter().any(|a| a == "secure"),
        "{set_cookie}"
    );
}

#[tokio::test]
async fn the_email_is_matched_whatever_its_case_and_surrounding_spaces() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("Acme").await;
    app.add_member(ws, "ada@acme.test", MemberRole::Member)
        .await;

    let session = app.sign_in("  Ada@ACME.test ").await;

    let (status, body) = me(&app, As::Script(&session)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["member"]["email"], "ada@acme.test", "{body}");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_401() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("Acme").await;
    app.add_member(ws, "ada@acme.test", MemberRole::Member)
        .await;
    let cases = [
        (
            "a wrong password",
            json!({"email": "ada@acme.test", "password": "not the password"}),
        ),
        (
            "an unknown email",
            json!({"email": "nobody@acme.test", "password": PASSWORD}),
        ),
        (
            "something that is not an email",
            json!({"email": "ada", "password": PASSWORD}),
        ),
    ];

    let mut messages = Vec::new();
    for (case, body) in cases {
        let response = post_login(&app, &body).await;

        let set_cookie = session_set_cookie(&response);
        let (status, body) = read(response).await;
        assert_error(
            status,
            &body,
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            None,
        );
        assert_eq!(set_cookie, None, "{case}: no session cookie");
        assert_eq!(body.get("data"), None, "{case}: no token: {body}");
        messages.push((case, body["error"]["message"].clone()));
    }
    let (first_case, first) = &messages[0];
    for (case, message) in &messages {
        assert_eq!(
            message, first,
            "{case} and {first_case} must not be told apart"
        );
    }
}

#[tokio::test]
async fn signing_in_without_an_email_or_a_password_is_a_400_naming_it() {
    let app = TestApp::spawn().await;
    let cases = [
        ("no fields", json!({}), "email"),
        ("no password", json!({"email": "ada@acme.test"}), "password"),
        ("no email", json!({"password": PASSWORD}), "email"),
        (
            "an empty email",
            json!({"email": "", "password": PASSWORD}),
            "email",
        ),
        (
            "an empty password",
            json!({"email": "ada@acme.test", "password": ""}),
            "password",
        ),
        (
            "an email that is not a string",
            json!({"email": 7, "password": PASSWORD}),
            "email",
        ),
    ];

    for (case, body, param) in cases {
        let (status, body) = read(post_login(&app, &body).await).await;

        assert_invalid(case, status, &body, param);
    }
}
