//! Sessions ending: signing out (in the browser or with the JWT) and expiry.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::me;
use crate::support::{
    As, MemberRole, PASSWORD, ServerConfig, Session, TestApp, assert_outcome, call,
    cookie_attributes, post_login, read, send, session_set_cookie, test_config,
};

#[tokio::test]
async fn signing_out_ends_the_session_and_the_jwt_tied_to_it() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("Acme").await;
    app.add_member(ws, "ada@acme.test", MemberRole::Member)
        .await;
    let cases = [
        ("signing out in the browser", true),
        ("signing out with the JWT", false),
    ];

    for (case, in_the_browser) in cases {
        let session = app.sign_in("ada@acme.test").await;
        let (before, _) = me(&app, As::Browser(&session)).await;

        let response = send(
            &app,
            Method::POST,
            "/api/v1/auth/logout",
            if in_the_browser {
                As::Browser(&session)
            } else {
                As::Script(&session)
            },
            None,
        )
        .await;

        let cleared = session_set_cookie(&response);
        let (status, body) = read(response).await;
        assert_eq!(before, StatusCode::OK, "{case}: signed in at first");
        assert_eq!(status, StatusCode::OK, "{case}: {body}");
        let cleared = cleared.unwrap_or_else(|| panic!("{case}: the cookie is cleared"));
        assert!(
            cookie_attributes(&cleared).iter().any(|a| a == "max-age=0"),
            "{case}: {cleared}"
        );
        for (credential, who) in [
            ("cookie", As::Browser(&session)),
            ("JWT", As::Script(&session)),
        ] {
            let (status, body) = me(&app, who).await;
            assert_outcome(
                &format!("{case}: the {credential} afterwards"),
                status,
                &body,
                StatusCode::UNAUTHORIZED,
            );
        }
    }
}

#[tokio::test]
async fn signing_out_ends_only_that_session() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("Acme").await;
    app.add_member(ws, "ada@acme.test", MemberRole::Member)
        .await;
    let laptop = app.sign_in("ada@acme.test").await;
    let phone = app.sign_in("ada@acme.test").await;

    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/auth/logout",
        As::Browser(&laptop),
        None,
    )
    .await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        me(&app, As::Browser(&laptop)).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(me(&app, As::Browser(&phone)).await.0, StatusCode::OK);
    assert_eq!(me(&app, As::Script(&phone)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_session_and_its_jwt_stop_working_once_the_session_expires() {
    let app = TestApp::spawn_with(ServerConfig {
        session_ttl_secs: 1,
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
    let set_cookie = session_set_cookie(&response).expect("a session cookie");
    let session = Session::from_response(response, "ada@acme.test").await;
    let (fresh, fresh_body) = me(&app, As::Browser(&session)).await;

    // Move the server's clock past the session's end (no waiting).
    app.advance_clock(time::Duration::seconds(2));
    let (status, body) = me(&app, As::Browser(&session)).await;

    assert!(
        cookie_attributes(&set_cookie)
            .iter()
            .any(|a| a == "max-age=1"),
        "the cookie lives as long as the session: {set_cookie}"
    );
    assert_eq!(fresh, StatusCode::OK, "right after sign-in: {fresh_body}");
    assert_outcome(
        "the cookie after expiry",
        status,
        &body,
        StatusCode::UNAUTHORIZED,
    );
    let (status, body) = me(&app, As::Script(&session)).await;
    assert_outcome(
        "the JWT after expiry",
        status,
        &body,
        StatusCode::UNAUTHORIZED,
    );
}
