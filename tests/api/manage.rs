//! The management API (`/api/v1`) and dashboard accounts, through real HTTP: sign-in (cookie
//! and JWT), sign-out, session expiry, the sign-in throttle, CSRF, the permission matrix of
//! owner / admin / member, API keys as the public API sees them, the audit log, invitations,
//! ownership, the `members` CLI and the bootstrap owner of `halfpipe serve`.

use std::time::{Duration, Instant};

use reqwest::header::{CACHE_CONTROL, COOKIE, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{
    Actor, As, CliOutput, MemberRole, PASSWORD, PREFIX, SecretToken, ServeProcess, ServerConfig,
    Session, Team, TestApp, TestDb, Timestamp, assert_error, assert_invalid, assert_outcome, call,
    cli_json, cookie_attributes, cookie_pair, create_workspace, fresh_email, halfpipe_cli,
    halfpipe_cli_with_stdin, header, hint, post_login, read, request, send, session_set_cookie,
    test_config,
};

const EVIL_ORIGIN: &str = "http://evil.example";

/// `GET /api/v1/me`.
async fn me(app: &TestApp, who: As<'_>) -> (StatusCode, Value) {
    call(app, Method::GET, "/api/v1/me", who, None).await
}

/// `GET /public/api/v1/projects` with an API key.
async fn public_projects(app: &TestApp, key: &str) -> (StatusCode, Value) {
    app.get("/projects", key).await
}

// Signing in.

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

// Credentials.

#[tokio::test]
async fn the_jwt_works_on_the_management_api_and_the_public_api_rejects_it() {
    let team = Team::spawn().await;

    let (management, me_body) = me(&team.app, As::Script(&team.member)).await;
    let (public, public_body) = public_projects(&team.app, &team.member.jwt).await;

    assert_eq!(management, StatusCode::OK, "{me_body}");
    assert_eq!(me_body["data"]["member"]["email"], "member@acme.test");
    assert_error(
        public,
        &public_body,
        StatusCode::UNAUTHORIZED,
        "authentication_error",
        None,
    );
    let message = public_body["error"]["message"].as_str().unwrap_or_default();
    for word in ["JWT", "not supported", PREFIX] {
        assert!(
            message.contains(word),
            "the public API says {word:?}: {message}"
        );
    }
}

#[tokio::test]
async fn the_session_cookie_works_on_the_management_api() {
    let team = Team::spawn().await;
    let keys = team.path("/api-keys");
    let cookie_only = |method: Method, path: &str| {
        team.app
            .client
            .request(method, format!("{}{path}", team.app.address))
            .header(COOKIE, &team.admin.cookie)
    };

    let (me_status, me_body) =
        read(cookie_only(Method::GET, "/api/v1/me").send().await.unwrap()).await;
    let (list_status, list) = read(cookie_only(Method::GET, &keys).send().await.unwrap()).await;
    let (create_status, created) = call(
        &team.app,
        Method::POST,
        &keys,
        As::Browser(&team.admin),
        Some(&json!({"name": "made in the browser"})),
    )
    .await;

    assert_eq!(me_status, StatusCode::OK, "{me_body}");
    assert_eq!(me_body["data"]["member"]["email"], "admin@acme.test");
    assert_eq!(list_status, StatusCode::OK, "{list}");
    assert_eq!(create_status, StatusCode::CREATED, "{created}");
}

#[tokio::test]
async fn the_management_api_accepts_no_other_credentials() {
    let team = Team::spawn().await;
    let api_key = team.app.key(team.ws, &[]).await;
    let mut tampered = team.owner.jwt.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let headers: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("no credentials", vec![]),
        (
            "an API key",
            vec![("authorization", format!("Bearer {api_key}"))],
        ),
        (
            "a JWT with a forged signature",
            vec![("authorization", format!("Bearer {tampered}"))],
        ),
        (
            "a JWT as a cookie",
            vec![("cookie", format!("halfpipe_session={}", team.owner.jwt))],
        ),
        (
            "an unknown session cookie",
            vec![(
                "cookie",
                format!("halfpipe_session={}", SecretToken::generate().expose()),
            )],
        ),
        (
            "the session cookie's value as a bearer token",
            vec![(
                "authorization",
                format!("Bearer {}", &team.owner.cookie["halfpipe_session=".len()..]),
            )],
        ),
    ];

    for (case, headers) in headers {
        for path in ["/api/v1/me".to_string(), team.path("/api-keys")] {
            let mut request = team.app.client.get(format!("{}{path}", team.app.address));
            for (name, value) in &headers {
                request = request.header(*name, value);
            }

            let (status, body) = read(request.send().await.expect("request sent")).await;

            assert_outcome(
                &format!("{case} on {path}"),
                status,
                &body,
                StatusCode::UNAUTHORIZED,
            );
        }
    }
}

#[tokio::test]
async fn the_management_api_answers_errors_with_the_public_api_error_body() {
    let team = Team::spawn().await;
    let login = format!("{}/api/v1/auth/login", team.app.address);
    let client = &team.app.client;
    let owner = &team.owner.jwt;
    let cases: Vec<(&str, reqwest::RequestBuilder, StatusCode, Option<&str>)> = vec![
        (
            "an unknown endpoint",
            client
                .get(format!("{}/api/v1/no-such-thing", team.app.address))
                .bearer_auth(owner),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            "a wrong method",
            client.get(&login),
            StatusCode::METHOD_NOT_ALLOWED,
            None,
        ),
        (
            "a body that is not JSON",
            client
                .post(&login)
                .header("content-type", "text/plain")
                .body("email=ada"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            None,
        ),
        (
            "malformed JSON",
            client
                .post(&login)
                .header("content-type", "application/json")
                .body("{\"email\": "),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "a key name that is not a string",
            client
                .post(format!("{}{}", team.app.address, team.path("/api-keys")))
                .bearer_auth(owner)
                .json(&json!({"name": 5})),
            StatusCode::BAD_REQUEST,
            Some("name"),
        ),
        (
            "an audit log page of no rows",
            client
                .get(format!(
                    "{}{}",
                    team.app.address,
                    team.path("/audit-log?limit=0")
                ))
                .bearer_auth(owner),
            StatusCode::BAD_REQUEST,
            Some("limit"),
        ),
    ];

    for (case, request, expected, param) in cases {
        let (status, body) = read(request.send().await.expect("request sent")).await;

        assert_outcome(case, status, &body, expected);
        if let Some(param) = param {
            assert_eq!(body["error"]["param"], param, "{case}: {body}");
        }
    }
}

// Signing out and expiry.

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

    // Poll (bounded) until the session has expired; it must within a few seconds.
    let deadline = Instant::now() + Duration::from_secs(10);
    let (status, body) = loop {
        let (status, body) = me(&app, As::Browser(&session)).await;
        if status != StatusCode::OK || Instant::now() > deadline {
            break (status, body);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

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

// The sign-in throttle.

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

// Cross-site request forgery.

#[tokio::test]
async fn browser_headers_decide_whether_a_cookie_may_change_state() {
    let team = Team::spawn().await;
    let address = team.app.address.clone();
    // (case, Origin, Sec-Fetch-Site, expected)
    let cases = [
        (
            "a cross-site form",
            Some(EVIL_ORIGIN),
            Some("cross-site"),
            StatusCode::FORBIDDEN,
        ),
        (
            "a page of a sibling subdomain",
            Some(EVIL_ORIGIN),
            Some("same-site"),
            StatusCode::FORBIDDEN,
        ),
        (
            "an old browser on another origin",
            Some(EVIL_ORIGIN),
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            "the dashboard itself",
            Some(address.as_str()),
            Some("same-origin"),
            StatusCode::CREATED,
        ),
        (
            "an old browser on the dashboard",
            Some(address.as_str()),
            None,
            StatusCode::CREATED,
        ),
        (
            "a request the user typed",
            None,
            Some("none"),
            StatusCode::CREATED,
        ),
    ];

    for (case, origin, fetch_site, expected) in cases {
        let mut request = team
            .app
            .client
            .post(format!("{address}{}", team.path("/api-keys")))
            .header(COOKIE, &team.admin.cookie)
            .json(&json!({"name": case}));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(site) = fetch_site {
            request = request.header("sec-fetch-site", site);
        }

        let (status, body) = read(request.send().await.expect("request sent")).await;

        assert_outcome(case, status, &body, expected);
    }
    let (_, listed) = team
        .call(
            Method::GET,
            &team.path("/api-keys"),
            As::Script(&team.admin),
            None,
        )
        .await;
    let names: Vec<&str> = listed["data"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|k| k["name"].as_str())
        .collect();
    assert_eq!(
        names.len(),
        3,
        "only the allowed requests made keys: {names:?}"
    );
}

#[tokio::test]
async fn every_state_changing_request_from_another_site_is_refused_with_a_json_403() {
    let team = Team::spawn().await;
    let (key, key_id) = team.app.key_with_id(team.ws, &[]).await;
    let (invitation, token) = team.invite(As::Script(&team.owner), "member").await;
    let member_id = team.member_account.id.to_string();
    let log_before = team.audit_log().await.len();
    let cases: Vec<(&str, Method, String, Value)> = vec![
        (
            "sign in",
            Method::POST,
            "/api/v1/auth/login".into(),
            json!({"email": "owner@acme.test", "password": PASSWORD}),
        ),
        (
            "sign out",
            Method::POST,
            "/api/v1/auth/logout".into(),
            json!({}),
        ),
        (
            "create a key",
            Method::POST,
            team.path("/api-keys"),
            json!({"name": "forged"}),
        ),
        (
            "revoke a key",
            Method::POST,
            team.path(&format!("/api-keys/{key_id}/revoke")),
            json!({}),
        ),
        (
            "reactivate a key",
            Method::POST,
            team.path(&format!("/api-keys/{key_id}/reactivate")),
            json!({}),
        ),
        (
            "delete a key",
            Method::DELETE,
            team.path(&format!("/api-keys/{key_id}")),
            json!({}),
        ),
        (
            "change a role",
            Method::POST,
            team.path(&format!("/members/{member_id}/role")),
            json!({"role": "admin"}),
        ),
        (
            "transfer ownership",
            Method::POST,
            team.path("/transfer-ownership"),
            json!({"memberId": member_id}),
        ),
        (
            "remove a member",
            Method::DELETE,
            team.path(&format!("/members/{member_id}")),
            json!({}),
        ),
        (
            "invite",
            Method::POST,
            team.path("/invitations"),
            json!({"role": "admin"}),
        ),
        (
            "withdraw an invitation",
            Method::DELETE,
            team.path(&format!("/invitations/{invitation}")),
            json!({}),
        ),
        (
            "accept an invitation",
            Method::POST,
            format!("/api/v1/invitations/{token}/accept"),
            json!({"email": "new@acme.test", "password": PASSWORD}),
        ),
    ];

    for (case, method, path, body) in cases {
        let response = team
            .app
            .client
            .request(method, format!("{}{path}", team.app.address))
            .header(COOKIE, &team.owner.cookie)
            .header("origin", EVIL_ORIGIN)
            .header("sec-fetch-site", "cross-site")
            .json(&body)
            .send()
            .await
            .expect("request sent");

        let set_cookie = session_set_cookie(&response);
        let (status, body) = read(response).await;
        assert_outcome(case, status, &body, StatusCode::FORBIDDEN);
        assert_eq!(set_cookie, None, "{case}: no cookie is set or cleared");
    }
    assert_eq!(
        team.audit_log().await.len(),
        log_before,
        "nothing was changed"
    );
    assert_eq!(
        me(&team.app, As::Browser(&team.owner)).await.0,
        StatusCode::OK,
        "the owner is still signed in"
    );
    assert_eq!(
        public_projects(&team.app, &key).await.0,
        StatusCode::OK,
        "the key still works"
    );
    let (status, _) = call(
        &team.app,
        Method::GET,
        &format!("/api/v1/invitations/{token}"),
        As::Nobody,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the invitation is still open");
}

#[tokio::test]
async fn reading_is_allowed_from_another_site() {
    let team = Team::spawn().await;

    let response = team
        .app
        .client
        .get(format!("{}{}", team.app.address, team.path("/api-keys")))
        .header(COOKIE, &team.member.cookie)
        .header("origin", EVIL_ORIGIN)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("request sent");

    // Safe methods change nothing; SameSite keeps the cookie off real cross-site requests.
    assert_eq!(response.status(), StatusCode::OK);
}

// The permission matrix.

/// What an endpoint acts on, made afresh for each caller.
#[derive(Debug, Clone, Copy)]
enum Target {
    Nothing,
    /// A new API key of Acme.
    Key,
    /// A new account with the member role in Acme.
    Member,
    /// A new account with the admin role in Acme.
    Admin,
    /// Acme's owner.
    Owner,
    /// A new open invitation to Acme.
    Invitation,
}

/// One management endpoint and the status each caller gets.
struct Endpoint {
    what: &'static str,
    method: Method,
    /// `{ws}` and `{target}` are replaced.
    path: &'static str,
    target: Target,
    body: Option<fn(&str) -> Value>,
    /// For the owner, an admin, a member, a member of another workspace, and nobody.
    expected: [u16; 5],
}

const CALLERS: [&str; 5] = [
    "the owner",
    "an admin",
    "a member",
    "a member of another workspace",
    "someone signed out",
];

fn endpoints() -> Vec<Endpoint> {
    let endpoint = |what, method, path, target, body, expected| Endpoint {
        what,
        method,
        path,
        target,
        body,
        expected,
    };
    vec![
        endpoint(
            "see who they are",
            Method::GET,
            "/api/v1/me",
            Target::Nothing,
            None,
            [200, 200, 200, 200, 401],
        ),
        endpoint(
            "list API keys",
            Method::GET,
            "/api/v1/workspaces/{ws}/api-keys",
            Target::Nothing,
            None,
            [200, 200, 200, 403, 401],
        ),
        endpoint(
            "create an API key",
            Method::POST,
            "/api/v1/workspaces/{ws}/api-keys",
            Target::Nothing,
            Some(|_| json!({"name": "matrix key"})),
            [201, 201, 403, 403, 401],
        ),
        endpoint(
            "revoke an API key",
            Method::POST,
            "/api/v1/workspaces/{ws}/api-keys/{target}/revoke",
            Target::Key,
            None,
            [200, 200, 403, 403, 401],
        ),
        endpoint(
            "reactivate an API key",
            Method::POST,
            "/api/v1/workspaces/{ws}/api-keys/{target}/reactivate",
            Target::Key,
            None,
            [200, 200, 403, 403, 401],
        ),
        endpoint(
            "delete an API key",
            Method::DELETE,
            "/api/v1/workspaces/{ws}/api-keys/{target}",
            Target::Key,
            None,
            [200, 200, 403, 403, 401],
        ),
        endpoint(
            "read the audit log",
            Method::GET,
            "/api/v1/workspaces/{ws}/audit-log",
            Target::Nothing,
            None,
            [200, 200, 200, 403, 401],
        ),
        endpoint(
            "list members",
            Method::GET,
            "/api/v1/workspaces/{ws}/members",
            Target::Nothing,
            None,
            [200, 200, 200, 403, 401],
        ),
        endpoint(
            "remove a member",
            Method::DELETE,
            "/api/v1/workspaces/{ws}/members/{target}",
            Target::Member,
            None,
            [200, 200, 403, 403, 401],
        ),
        endpoint(
            "remove an admin",
            Method::DELETE,
            "/api/v1/workspaces/{ws}/members/{target}",
            Target::Admin,
            None,
            [200, 403, 403, 403, 401],
        ),
        endpoint(
            "remove the owner",
            Method::DELETE,
            "/api/v1/workspaces/{ws}/members/{target}",
            Target::Owner,
            None,
            [403, 403, 403, 403, 401],
        ),
        endpoint(
            "make a member an admin",
            Method::POST,
            "/api/v1/workspaces/{ws}/members/{target}/role",
            Target::Member,
            Some(|_| json!({"role": "admin"})),
            [200, 403, 403, 403, 401],
        ),
        endpoint(
            "make an admin a member",
            Method::POST,
            "/api/v1/workspaces/{ws}/members/{target}/role",
            Target::Admin,
            Some(|_| json!({"role": "member"})),
            [200, 403, 403, 403, 401],
        ),
        endpoint(
            "list invitations",
            Method::GET,
            "/api/v1/workspaces/{ws}/invitations",
            Target::Nothing,
            None,
            [200, 200, 200, 403, 401],
        ),
        endpoint(
            "invite a member",
            Method::POST,
            "/api/v1/workspaces/{ws}/invitations",
            Target::Nothing,
            Some(|_| json!({"role": "member"})),
            [201, 201, 403, 403, 401],
        ),
        endpoint(
            "invite an admin",
            Method::POST,
            "/api/v1/workspaces/{ws}/invitations",
            Target::Nothing,
            Some(|_| json!({"role": "admin"})),
            [201, 403, 403, 403, 401],
        ),
        endpoint(
            "withdraw an invitation",
            Method::DELETE,
            "/api/v1/workspaces/{ws}/invitations/{target}",
            Target::Invitation,
            None,
            [200, 200, 403, 403, 401],
        ),
        // Last: when the owner's call succeeds, the owner is an admin from then on.
        endpoint(
            "transfer ownership",
            Method::POST,
            "/api/v1/workspaces/{ws}/transfer-ownership",
            Target::Member,
            Some(|target| json!({ "memberId": target })),
            [200, 403, 403, 403, 401],
        ),
    ]
}

impl Team {
    /// Makes what `target` names; returns its id as the path shows it.
    async fn arrange(&self, target: Target) -> String {
        match target {
            Target::Nothing => String::new(),
            Target::Key => self.app.key_with_id(self.ws, &[]).await.1.to_string(),
            Target::Member | Target::Admin => {
                let role = if matches!(target, Target::Admin) {
                    MemberRole::Admin
                } else {
                    MemberRole::Member
                };
                self.app
                    .add_member(self.ws, &fresh_email("target"), role)
                    .await
                    .id
                    .to_string()
            }
            Target::Owner => self.owner_account.id.to_string(),
            Target::Invitation => {
                let expires_at =
                    Timestamp::from_unix_millis(Timestamp::now().unix_millis() + 3_600_000)
                        .expect("a time");
                self.app
                    .store
                    .create_invitation(
                        self.ws,
                        SecretToken::generate().hash(),
                        MemberRole::Member,
                        &Actor("test".into()),
                        expires_at,
                    )
                    .await
                    .expect("an invitation")
                    .id
            }
        }
    }
}

#[tokio::test]
async fn every_endpoint_answers_each_role_as_the_permission_matrix_says() {
    let team = Team::spawn().await;
    let callers = [
        As::Script(&team.owner),
        As::Script(&team.admin),
        As::Script(&team.member),
        As::Script(&team.outsider),
        As::Nobody,
    ];

    for endpoint in endpoints() {
        for ((caller, who), expected) in CALLERS.iter().zip(callers).zip(endpoint.expected) {
            let target = team.arrange(endpoint.target).await;
            let path = endpoint
                .path
                .replace("{ws}", &team.ws.to_string())
                .replace("{target}", &target);
            let body = endpoint.body.map(|make| make(&target));

            let (status, body) = team
                .call(endpoint.method.clone(), &path, who, body.as_ref())
                .await;

            let case = format!(
                "{caller} may {}? ({} {path})",
                endpoint.what, endpoint.method
            );
            let expected = StatusCode::from_u16(expected).expect("a status");
            assert_outcome(&case, status, &body, expected);
        }
    }
    assert_eq!(
        team.roles()
            .await
            .iter()
            .filter(|(_, role)| role == "owner")
            .count(),
        1,
        "exactly one owner at the end"
    );
}

#[tokio::test]
async fn a_workspace_that_does_not_exist_is_a_404_on_every_endpoint() {
    let team = Team::spawn().await;
    let missing = uuid::Uuid::new_v4().to_string();

    for endpoint in endpoints().into_iter().filter(|e| e.path.contains("{ws}")) {
        for workspace in [missing.as_str(), "not-a-workspace"] {
            let target = team.arrange(endpoint.target).await;
            let path = endpoint
                .path
                .replace("{ws}", workspace)
                .replace("{target}", &target);
            let body = endpoint.body.map(|make| make(&target));

            let (status, body) = team
                .call(
                    endpoint.method.clone(),
                    &path,
                    As::Script(&team.owner),
                    body.as_ref(),
                )
                .await;

            let case = format!("{} in workspace {workspace}", endpoint.what);
            assert_outcome(&case, status, &body, StatusCode::NOT_FOUND);
        }
    }
}

#[tokio::test]
async fn a_key_or_member_of_another_workspace_is_not_found_through_this_one() {
    let team = Team::spawn().await;
    let (globex_key, globex_key_id) = team.app.key_with_id(team.other_ws, &[]).await;
    let outsider = team.outsider_account.id;
    let cases = [
        (
            "revoke Globex's key",
            Method::POST,
            team.path(&format!("/api-keys/{globex_key_id}/revoke")),
            None,
        ),
        (
            "delete Globex's key",
            Method::DELETE,
            team.path(&format!("/api-keys/{globex_key_id}")),
            None,
        ),
        (
            "a key id that is not an id",
            Method::POST,
            team.path("/api-keys/not-a-key/revoke"),
            None,
        ),
        (
            "remove Globex's owner",
            Method::DELETE,
            team.path(&format!("/members/{outsider}")),
            None,
        ),
        (
            "promote Globex's owner",
            Method::POST,
            team.path(&format!("/members/{outsider}/role")),
            Some(json!({"role": "admin"})),
        ),
        (
            "hand Acme to Globex's owner",
            Method::POST,
            team.path("/transfer-ownership"),
            Some(json!({"memberId": outsider})),
        ),
        (
            "withdraw an unknown invitation",
            Method::DELETE,
            team.path(&format!("/invitations/{}", uuid::Uuid::new_v4())),
            None,
        ),
    ];

    for (case, method, path, body) in cases {
        let (status, body) = team
            .call(method, &path, As::Script(&team.owner), body.as_ref())
            .await;

        assert_outcome(case, status, &body, StatusCode::NOT_FOUND);
    }
    assert_eq!(
        public_projects(&team.app, &globex_key).await.0,
        StatusCode::OK,
        "Globex's key is untouched"
    );
}

// API keys through the management API, as the public API sees them.

#[tokio::test]
async fn a_key_made_here_is_shown_once_and_its_changes_reach_the_public_api_at_once() {
    // No periodic polling: only the management API's own cache invalidation can make the public
    // API notice a change at once.
    let team = Team::spawn_with(ServerConfig {
        key_poll_ms: 3_600_000,
        ..test_config()
    })
    .await;
    let keys = team.path("/api-keys");
    let admin = As::Script(&team.admin);

    let response = send(
        &team.app,
        Method::POST,
        &keys,
        admin,
        Some(&json!({
            "name": "CI uploader",
            "description": "nightly job",
            "permissions": ["projects-read"],
            "expiresAt": "2099-01-01T00:00:00Z",
        })),
    )
    .await;
    let cache_control = header(&response, CACHE_CONTROL);
    let (status, created) = read(response).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(cache_control, "no-store", "the plaintext is not cached");
    let created = &created["data"];
    let key = created["key"]
        .as_str()
        .expect("the plaintext key")
        .to_string();
    let id = created["id"].as_str().expect("an id").to_string();
    assert!(key.starts_with(PREFIX), "{key}");
    assert_eq!(created["hint"], hint(&key), "{created}");
    assert_eq!(created["status"], "active", "{created}");
    assert_eq!(created["created_by"], "admin@acme.test", "{created}");
    assert_eq!(
        created["permissions"],
        json!(["projects-read"]),
        "{created}"
    );
    assert_eq!(
        created["expires_at"], "2099-01-01T00:00:00.000Z",
        "{created}"
    );
    assert_eq!(created["workspace_id"], team.ws.to_string(), "{created}");

    let response = send(
        &team.app,
        Method::GET,
        &keys,
        As::Script(&team.member),
        None,
    )
    .await;
    let list_text = response.text().await.expect("a body");
    assert!(!list_text.contains(&key), "the list shows the plaintext");
    let listed: Value = serde_json::from_str(&list_text).expect("JSON");
    let listed = listed["data"].as_array().expect("a list");
    assert!(listed.iter().any(|k| k["id"] == id.as_str()), "{listed:?}");
    assert!(listed.iter().all(|k| k.get("key").is_none()), "{listed:?}");

    let (status, body) = public_projects(&team.app, &key).await;
    assert_eq!(status, StatusCode::OK, "the new key works: {body}");
    let (status, body) = team
        .app
        .post("/projects", &key, &json!({"name": "not allowed"}))
        .await;
    assert_outcome(
        "writing with a read-only key",
        status,
        &body,
        StatusCode::FORBIDDEN,
    );

    // Each change, then at once the public API: (what, path, status after, the public API's
    // answer, a word its message must have).
    let changes = [
        (
            "revoke",
            Method::POST,
            format!("{keys}/{id}/revoke"),
            Some("revoked"),
            StatusCode::UNAUTHORIZED,
            "revoked",
        ),
        (
            "reactivate",
            Method::POST,
            format!("{keys}/{id}/reactivate"),
            Some("active"),
            StatusCode::OK,
            "",
        ),
        (
            "delete",
            Method::DELETE,
            format!("{keys}/{id}"),
            None,
            StatusCode::UNAUTHORIZED,
            "invalid",
        ),
    ];
    for (what, method, path, key_status, public_status, word) in changes {
        let (status, body) = team.call(method, &path, admin, None).await;

        let (public, public_body) = public_projects(&team.app, &key).await;

        assert_eq!(status, StatusCode::OK, "{what}: {body}");
        if let Some(key_status) = key_status {
            assert_eq!(body["data"]["status"], key_status, "{what}: {body}");
        } else {
            assert_eq!(body["data"]["deleted"], true, "{what}: {body}");
        }
        assert_outcome(
            &format!("the public API right after {what}"),
            public,
            &public_body,
            public_status,
        );
        let message = public_body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(word), "after {what}: {public_body}");
    }
    let (_, listed) = team.call(Method::GET, &keys, admin, None).await;
    assert!(
        listed["data"]
            .as_array()
            .expect("a list")
            .iter()
            .all(|k| k["id"] != id.as_str()),
        "a deleted key is gone from the list: {listed}"
    );
    let log = team.audit_log().await;
    let mut actions: Vec<&str> = log
        .iter()
        .filter(|e| e["key_id"] == id.as_str())
        .map(|e| {
            assert_eq!(
                e["actor"], "admin@acme.test",
                "the actor is the member: {e}"
            );
            e["action"].as_str().unwrap_or_default()
        })
        .collect();
    actions.reverse();
    assert_eq!(
        actions,
        [
            "api_key.created",
            "api_key.revoked",
            "api_key.reactivated",
            "api_key.deleted"
        ],
        "one audit row per change, in order: {log:#?}"
    );
}

#[tokio::test]
async fn creating_a_key_validates_each_field_and_names_it() {
    let team = Team::spawn().await;
    let cases = [
        ("no name", json!({}), "name"),
        ("a name of two characters", json!({"name": "ab"}), "name"),
        (
            "a name of 101 characters",
            json!({"name": "x".repeat(101)}),
            "name",
        ),
        (
            "a description of 1001 characters",
            json!({"name": "fine", "description": "d".repeat(1001)}),
            "description",
        ),
        (
            "an unknown permission",
            json!({"name": "fine", "permissions": ["admin"]}),
            "permissions",
        ),
        (
            "an expiry in the past",
            json!({"name": "fine", "expiresAt": "2000-01-01T00:00:00Z"}),
            "expiresAt",
        ),
        (
            "an expiry that is not a timestamp",
            json!({"name": "fine", "expiresAt": "tomorrow"}),
            "expiresAt",
        ),
    ];

    for (case, body, param) in cases {
        let (status, body) = team
            .call(
                Method::POST,
                &team.path("/api-keys"),
                As::Script(&team.owner),
                Some(&body),
            )
            .await;

        assert_invalid(case, status, &body, param);
    }
}

// Members, roles and ownership.

#[tokio::test]
async fn transferring_ownership_leaves_exactly_one_owner_and_makes_the_old_owner_an_admin() {
    let team = Team::spawn().await;
    let owner = As::Script(&team.owner);
    let admin_id = team.admin_account.id.to_string();

    let (status, body) = team
        .call(
            Method::POST,
            &team.path("/transfer-ownership"),
            owner,
            Some(&json!({ "memberId": admin_id })),
        )
        .await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        team.roles().await,
        [
            ("admin@acme.test".to_string(), "owner".to_string()),
            ("member@acme.test".to_string(), "member".to_string()),
            ("owner@acme.test".to_string(), "admin".to_string()),
        ],
        "the admin owns Acme now; the old owner is an admin"
    );
    let (status, body) = team
        .call(
            Method::POST,
            &team.path("/transfer-ownership"),
            owner,
            Some(&json!({ "memberId": team.member_account.id })),
        )
        .await;
    assert_outcome(
        "the old owner transfers again",
        status,
        &body,
        StatusCode::FORBIDDEN,
    );
    let (status, body) = team
        .call(
            Method::POST,
            &team.path(&format!("/members/{}/role", team.member_account.id)),
            As::Script(&team.admin),
            Some(&json!({"role": "owner"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the new owner hands it on by role: {body}"
    );
    assert_eq!(
        team.roles().await,
        [
            ("admin@acme.test".to_string(), "admin".to_string()),
            ("member@acme.test".to_string(), "owner".to_string()),
            ("owner@acme.test".to_string(), "admin".to_string()),
        ],
        "giving the owner role is a transfer"
    );
}

#[tokio::test]
async fn ownership_changes_only_by_a_transfer_to_another_member() {
    let team = Team::spawn().await;
    let owner = As::Script(&team.owner);
    let cases = [
        (
            "the owner demotes themselves",
            team.path(&format!("/members/{}/role", team.owner_account.id)),
            json!({"role": "admin"}),
            "role",
        ),
        (
            "the owner transfers to themselves",
            team.path("/transfer-ownership"),
            json!({"memberId": team.owner_account.id}),
            "memberId",
        ),
        (
            "a transfer to nobody",
            team.path("/transfer-ownership"),
            json!({}),
            "memberId",
        ),
        (
            "a role that does not exist",
            team.path(&format!("/members/{}/role", team.member_account.id)),
            json!({"role": "root"}),
            "role",
        ),
    ];

    for (case, path, body, param) in cases {
        let (status, body) = team.call(Method::POST, &path, owner, Some(&body)).await;

        assert_invalid(case, status, &body, param);
    }
    assert_eq!(
        team.roles().await,
        [
            ("admin@acme.test".to_string(), "admin".to_string()),
            ("member@acme.test".to_string(), "member".to_string()),
            ("owner@acme.test".to_string(), "owner".to_string()),
        ],
        "nothing changed"
    );
}

#[tokio::test]
async fn a_removed_member_loses_the_workspace_at_once() {
    let team = Team::spawn().await;

    let (status, body) = team
        .call(
            Method::DELETE,
            &team.path(&format!("/members/{}", team.member_account.id)),
            As::Browser(&team.admin),
            None,
        )
        .await;
    let (after, after_body) = team
        .call(
            Method::GET,
            &team.path("/api-keys"),
            As::Script(&team.member),
            None,
        )
        .await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_outcome(
        "the removed member reads the keys",
        after,
        &after_body,
        StatusCode::FORBIDDEN,
    );
}

#[tokio::test]
async fn member_changes_are_audited_with_the_member_email_as_actor() {
    let team = Team::spawn().await;
    let newcomer = fresh_email("newcomer");
    let (invitation, token) = team.invite(As::Browser(&team.admin), "member").await;
    let (status, _) = call(
        &team.app,
        Method::POST,
        &format!("/api/v1/invitations/{token}/accept"),
        As::Nobody,
        Some(&json!({"email": newcomer, "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (withdrawn, _) = team.invite(As::Script(&team.owner), "admin").await;
    let carol = team
        .app
        .add_member(team.ws, "carol@acme.test", MemberRole::Member)
        .await;
    let steps = [
        (
            As::Script(&team.owner),
            Method::DELETE,
            team.path(&format!("/invitations/{withdrawn}")),
            None,
        ),
        (
            As::Script(&team.owner),
            Method::POST,
            team.path(&format!("/members/{}/role", carol.id)),
            Some(json!({"role": "admin"})),
        ),
        (
            As::Script(&team.admin),
            Method::DELETE,
            team.path(&format!("/members/{}", team.member_account.id)),
            None,
        ),
        (
            As::Script(&team.owner),
            Method::POST,
            team.path("/transfer-ownership"),
            Some(json!({"memberId": team.admin_account.id})),
        ),
    ];
    for (who, method, path, body) in steps {
        let (status, body) = team.call(method, &path, who, body.as_ref()).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }

    let log = team.audit_log().await;

    let expected = [
        ("invitation.created", "admin@acme.test", invitation.as_str()),
        (
            "invitation.accepted",
            newcomer.as_str(),
            invitation.as_str(),
        ),
        ("invitation.created", "owner@acme.test", withdrawn.as_str()),
        ("invitation.revoked", "owner@acme.test", withdrawn.as_str()),
        (
            "member.role_changed:admin",
            "owner@acme.test",
            "carol@acme.test",
        ),
        ("member.removed", "admin@acme.test", "member@acme.test"),
        (
            "ownership.transferred",
            "owner@acme.test",
            "admin@acme.test",
        ),
    ];
    for (action, actor, target) in expected {
        assert!(
            log.iter()
                .any(|e| e["action"] == action && e["actor"] == actor && e["target"] == target),
            "no audit row {action} by {actor} on {target}: {log:#?}"
        );
    }
}

// Invitations.

#[tokio::test]
async fn admins_invite_members_and_only_the_owner_invites_admins() {
    let team = Team::spawn().await;
    let cases = [
        (
            "an admin invites a member",
            As::Script(&team.admin),
            json!({"role": "member"}),
            StatusCode::CREATED,
            "member",
        ),
        (
            "an admin invites without a role",
            As::Browser(&team.admin),
            json!({}),
            StatusCode::CREATED,
            "member",
        ),
        (
            "an admin invites an admin",
            As::Script(&team.admin),
            json!({"role": "admin"}),
            StatusCode::FORBIDDEN,
            "",
        ),
        (
            "the owner invites an admin",
            As::Script(&team.owner),
            json!({"role": "admin"}),
            StatusCode::CREATED,
            "admin",
        ),
        (
            "the owner invites an owner",
            As::Script(&team.owner),
            json!({"role": "owner"}),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            "a member invites a member",
            As::Script(&team.member),
            json!({"role": "member"}),
            StatusCode::FORBIDDEN,
            "",
        ),
    ];

    for (case, who, body, expected, role) in cases {
        let response = send(
            &team.app,
            Method::POST,
            &team.path("/invitations"),
            who,
            Some(&body),
        )
        .await;

        let cache_control = header(&response, CACHE_CONTROL);
        let (status, body) = read(response).await;
        assert_outcome(case, status, &body, expected);
        if expected != StatusCode::CREATED {
            continue;
        }
        assert_eq!(cache_control, "no-store", "{case}");
        let token = body["data"]["token"].as_str().expect("a token");
        assert_eq!(
            body["data"]["url"],
            format!("{}/invite/{token}", team.app.address),
            "{case}: a link to copy: {body}"
        );
        assert_eq!(body["data"]["invitation"]["role"], role, "{case}: {body}");
        let (status, shown) = call(
            &team.app,
            Method::GET,
            &format!("/api/v1/invitations/{token}"),
            As::Nobody,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{case}: {shown}");
        assert_eq!(
            shown["data"]["workspace_id"],
            team.ws.to_string(),
            "{case}: {shown}"
        );
        assert_eq!(shown["data"]["workspace_name"], "Acme", "{case}: {shown}");
        assert_eq!(shown["data"]["role"], role, "{case}: {shown}");
    }
}

#[tokio::test]
async fn accepting_an_invitation_with_a_new_account_signs_the_newcomer_in() {
    let team = Team::spawn().await;
    let (_, token) = team.invite(As::Script(&team.owner), "admin").await;
    let accept = format!("/api/v1/invitations/{token}/accept");

    let response = send(
        &team.app,
        Method::POST,
        &accept,
        As::Nobody,
        Some(&json!({"email": "Newcomer@Acme.test", "password": "a new password"})),
    )
    .await;

    let newcomer = Session::from_response(response, "newcomer@acme.test").await;
    assert!(newcomer.jwt.starts_with("ey"), "{newcomer:?}");
    let (status, body) = me(&team.app, As::Browser(&newcomer)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["member"]["email"], "newcomer@acme.test");
    assert_eq!(
        body["data"]["workspaces"],
        json!([{"workspace_id": team.ws, "workspace_name": "Acme", "role": "admin"}]),
        "{body}"
    );
    let (status, body) = read(
        post_login(
            &team.app,
            &json!({"email": "newcomer@acme.test", "password": "a new password"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the new account signs in: {body}");
    let (status, body) = call(
        &team.app,
        Method::POST,
        &team.path("/api-keys"),
        As::Script(&newcomer),
        Some(&json!({"name": "admin's key"})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the new admin manages keys: {body}"
    );
}

#[tokio::test]
async fn accepting_an_invitation_signed_out_needs_an_email_and_a_valid_password() {
    let team = Team::spawn().await;
    let (_, token) = team.invite(As::Script(&team.owner), "member").await;
    let accept = format!("/api/v1/invitations/{token}/accept");
    let cases = [
        ("no body", None, "email"),
        ("no email", Some(json!({"password": PASSWORD})), "email"),
        (
            "no password",
            Some(json!({"email": "new@acme.test"})),
            "password",
        ),
        (
            "a password of 7 characters",
            Some(json!({"email": "new@acme.test", "password": "1234567"})),
            "password",
        ),
        (
            "something that is not an email",
            Some(json!({"email": "new", "password": PASSWORD})),
            "email",
        ),
    ];

    for (case, body, param) in cases {
        let (status, body) =
            call(&team.app, Method::POST, &accept, As::Nobody, body.as_ref()).await;

        assert_invalid(case, status, &body, param);
    }
    let (shown, _) = call(
        &team.app,
        Method::GET,
        &format!("/api/v1/invitations/{token}"),
        As::Nobody,
        None,
    )
    .await;
    assert_eq!(shown, StatusCode::OK, "the invitation is still open");
    let (status, _) = read(
        post_login(
            &team.app,
            &json!({"email": "new@acme.test", "password": "1234567"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "no account was made");
}

#[tokio::test]
async fn accepting_with_an_existing_email_needs_that_account_password() {
    let team = Team::spawn().await;
    let (_, token) = team.invite(As::Script(&team.owner), "member").await;
    let accept = format!("/api/v1/invitations/{token}/accept");

    let (wrong, wrong_body) = call(
        &team.app,
        Method::POST,
        &accept,
        As::Nobody,
        Some(&json!({"email": "owner@globex.test", "password": "not it"})),
    )
    .await;
    let (right, right_body) = call(
        &team.app,
        Method::POST,
        &accept,
        As::Nobody,
        Some(&json!({"email": "owner@globex.test", "password": PASSWORD})),
    )
    .await;

    assert_outcome(
        "the wrong password",
        wrong,
        &wrong_body,
        StatusCode::UNAUTHORIZED,
    );
    assert_eq!(right, StatusCode::OK, "the right password: {right_body}");
    let roles: Vec<(Value, Value)> = right_body["data"]["workspaces"]
        .as_array()
        .expect("workspaces")
        .iter()
        .map(|w| (w["workspace_name"].clone(), w["role"].clone()))
        .collect();
    assert_eq!(
        roles,
        [
            (json!("Acme"), json!("member")),
            (json!("Globex"), json!("owner"))
        ]
    );
}

#[tokio::test]
async fn a_member_of_another_workspace_accepts_while_signed_in_and_switches_between_both() {
    let team = Team::spawn().await;
    let (_, token) = team.invite(As::Script(&team.admin), "member").await;
    let outsider = As::Browser(&team.outsider);

    let (status, body) = call(
        &team.app,
        Method::POST,
        &format!("/api/v1/invitations/{token}/accept"),
        outsider,
        None,
    )
    .await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["workspace_id"], team.ws.to_string(), "{body}");
    assert_eq!(body["data"]["role"], "member", "{body}");
    let (_, me_body) = me(&team.app, outsider).await;
    let mut workspaces: Vec<(String, String)> = me_body["data"]["workspaces"]
        .as_array()
        .expect("workspaces")
        .iter()
        .map(|w| {
            (
                w["workspace_id"].as_str().unwrap_or_default().to_string(),
                w["role"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    workspaces.sort();
    let mut expected = vec![
        (team.ws.to_string(), "member".to_string()),
        (team.other_ws.to_string(), "owner".to_string()),
    ];
    expected.sort();
    assert_eq!(workspaces, expected, "/me lists both: {me_body}");
    // Switching is naming the other workspace: each answers with the role held there.
    let cases = [
        (team.ws, Method::GET, StatusCode::OK, "reads Acme's keys"),
        (
            team.ws,
            Method::POST,
            StatusCode::FORBIDDEN,
            "creates a key in Acme, where they are a member",
        ),
        (
            team.other_ws,
            Method::GET,
            StatusCode::OK,
            "reads Globex's keys",
        ),
        (
            team.other_ws,
            Method::POST,
            StatusCode::CREATED,
            "creates a key in Globex, which they own",
        ),
    ];
    for (ws, method, expected, case) in cases {
        let body = (method == Method::POST).then(|| json!({"name": "switching"}));
        let (status, body) = call(
            &team.app,
            method,
            &format!("/api/v1/workspaces/{ws}/api-keys"),
            outsider,
            body.as_ref(),
        )
        .await;
        assert_outcome(case, status, &body, expected);
    }
}

#[tokio::test]
async fn used_withdrawn_expired_and_unknown_invitations_are_not_found() {
    let team = Team::spawn().await;
    let (_, used) = team.invite(As::Script(&team.admin), "member").await;
    let (status, _) = call(
        &team.app,
        Method::POST,
        &format!("/api/v1/invitations/{used}/accept"),
        As::Browser(&team.outsider),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the first use");
    let (withdrawn_id, withdrawn) = team.invite(As::Script(&team.admin), "member").await;
    let withdraw = team.path(&format!("/invitations/{withdrawn_id}"));
    let (status, _) = team
        .call(Method::DELETE, &withdraw, As::Script(&team.admin), None)
        .await;
    assert_eq!(status, StatusCode::OK, "withdrawn");
    let expired = SecretToken::generate();
    team.app
        .store
        .create_invitation(
            team.ws,
            expired.hash(),
            MemberRole::Member,
            &Actor("test".into()),
            Timestamp::from_unix_millis(Timestamp::now().unix_millis() - 1000).expect("a time"),
        )
        .await
        .expect("an expired invitation");
    let unknown = SecretToken::generate();
    let cases = [
        ("a used invitation", used.as_str()),
        ("a withdrawn invitation", withdrawn.as_str()),
        ("an expired invitation", expired.expose()),
        ("an unknown invitation", unknown.expose()),
    ];

    for (case, token) in cases {
        let (shown, shown_body) = call(
            &team.app,
            Method::GET,
            &format!("/api/v1/invitations/{token}"),
            As::Nobody,
            None,
        )
        .await;
        let (accepted, accepted_body) = call(
            &team.app,
            Method::POST,
            &format!("/api/v1/invitations/{token}/accept"),
            As::Nobody,
            Some(&json!({"email": fresh_email("late"), "password": PASSWORD})),
        )
        .await;

        assert_outcome(
            &format!("showing {case}"),
            shown,
            &shown_body,
            StatusCode::NOT_FOUND,
        );
        assert_outcome(
            &format!("accepting {case}"),
            accepted,
            &accepted_body,
            StatusCode::NOT_FOUND,
        );
    }
    let (again, again_body) = team
        .call(Method::DELETE, &withdraw, As::Script(&team.admin), None)
        .await;
    assert_outcome(
        "withdrawing twice",
        again,
        &again_body,
        StatusCode::NOT_FOUND,
    );
}

#[tokio::test]
async fn accepting_an_invitation_to_a_workspace_one_is_already_in_is_a_conflict() {
    let team = Team::spawn().await;
    let (_, token) = team.invite(As::Script(&team.owner), "admin").await;

    let (status, body) = call(
        &team.app,
        Method::POST,
        &format!("/api/v1/invitations/{token}/accept"),
        As::Script(&team.member),
        None,
    )
    .await;
    let (shown, _) = call(
        &team.app,
        Method::GET,
        &format!("/api/v1/invitations/{token}"),
        As::Nobody,
        None,
    )
    .await;

    assert_outcome("a member accepts", status, &body, StatusCode::CONFLICT);
    assert_eq!(shown, StatusCode::OK, "the invitation stays open");
    assert!(
        team.roles()
            .await
            .contains(&("member@acme.test".into(), "member".into())),
        "the member's role is unchanged"
    );
}

// The `members` command line and the bootstrap owner.

/// `members create … --password-stdin --json` with `password` on stdin.
async fn create_member_cli(
    db: &TestDb,
    workspace: &str,
    email: &str,
    role: &str,
    password: &str,
) -> CliOutput {
    halfpipe_cli_with_stdin(
        &db.url,
        &[
            "members",
            "create",
            "--workspace",
            workspace,
            "--email",
            email,
            "--role",
            role,
            "--password-stdin",
            "--json",
        ],
        password,
    )
    .await
}

#[tokio::test]
async fn members_create_reads_the_password_from_stdin_and_the_member_can_sign_in() {
    let db = TestDb::fresh().await;
    let ws = create_workspace(&db, "Acme").await;

    let output = create_member_cli(&db, &ws, "Ada@Acme.test", "admin", "from stdin 123\n").await;

    output.assert_success("members create");
    let created = output.json();
    assert!(
        created["id"]
            .as_str()
            .is_some_and(|id| uuid::Uuid::try_parse(id).is_ok()),
        "{created}"
    );
    assert_eq!(created["email"], "ada@acme.test", "{created}");
    assert_eq!(created["workspace_id"], ws.as_str(), "{created}");
    assert_eq!(created["role"], "admin", "{created}");
    assert!(
        !output.stdout.contains("from stdin") && !output.stderr.contains("from stdin"),
        "the password is not printed"
    );
    let app = TestApp::spawn_on(db, test_config()).await;
    let (status, body) = read(
        post_login(
            &app,
            &json!({"email": "ada@acme.test", "password": "from stdin 123"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the trailing newline is not part of it: {body}"
    );
    assert_eq!(body["data"]["workspaces"][0]["role"], "admin", "{body}");
}

#[tokio::test]
async fn members_list_prints_every_member_with_its_role_and_no_password() {
    let db = TestDb::fresh().await;
    let ws = create_workspace(&db, "Acme").await;
    for (email, role) in [("owner@acme.test", "owner"), ("bob@acme.test", "member")] {
        create_member_cli(&db, &ws, email, role, PASSWORD)
            .await
            .assert_success(email);
    }

    let output = halfpipe_cli(&db.url, &["members", "list", "--workspace", &ws, "--json"]).await;

    output.assert_success("members list");
    let listed = output.json();
    let mut roles: Vec<(&str, &str)> = listed
        .as_array()
        .expect("an array")
        .iter()
        .map(|m| {
            (
                m["email"].as_str().unwrap_or_default(),
                m["role"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    roles.sort();
    assert_eq!(
        roles,
        [("bob@acme.test", "member"), ("owner@acme.test", "owner")],
        "{listed}"
    );
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["id"].is_string()),
        "{listed}"
    );
    assert!(
        !output.stdout.contains("argon2") && !output.stdout.contains("password"),
        "no password hash: {}",
        output.stdout
    );
}

#[tokio::test]
async fn one_account_can_be_a_member_of_several_workspaces() {
    let db = TestDb::fresh().await;
    let acme = create_workspace(&db, "Acme").await;
    let globex = create_workspace(&db, "Globex").await;
    create_member_cli(&db, &acme, "ada@acme.test", "member", PASSWORD)
        .await
        .assert_success("the account");

    // The account exists, so no password is needed.
    let added = cli_json(
        &db,
        &[
            "members",
            "create",
            "--workspace",
            &globex,
            "--email",
            "ada@acme.test",
            "--role",
            "admin",
        ],
    )
    .await;

    assert_eq!(added["workspace_id"], globex.as_str(), "{added}");
    let app = TestApp::spawn_on(db, test_config()).await;
    let session = app.sign_in("ada@acme.test").await;
    let (_, body) = me(&app, As::Script(&session)).await;
    let roles: Vec<(Value, Value)> = body["data"]["workspaces"]
        .as_array()
        .expect("workspaces")
        .iter()
        .map(|w| (w["workspace_name"].clone(), w["role"].clone()))
        .collect();
    assert_eq!(
        roles,
        [
            (json!("Acme"), json!("member")),
            (json!("Globex"), json!("admin"))
        ],
        "{body}"
    );
}

#[tokio::test]
async fn members_create_refuses_a_second_owner_and_bad_input() {
    let db = TestDb::fresh().await;
    let ws = create_workspace(&db, "Acme").await;
    create_member_cli(&db, &ws, "owner@acme.test", "owner", PASSWORD)
        .await
        .assert_success("the first owner");
    let cases = [
        (
            "a second owner",
            vec![
                "--email",
                "second@acme.test",
                "--role",
                "owner",
                "--password-stdin",
            ],
            PASSWORD,
            "conflict_error",
        ),
        (
            "a new email without --password-stdin",
            vec!["--email", "new@acme.test", "--role", "member"],
            "",
            "invalid_request_error",
        ),
        (
            "a password of 7 characters",
            vec!["--email", "short@acme.test", "--password-stdin"],
            "1234567",
            "invalid_request_error",
        ),
        (
            "a role that does not exist",
            vec![
                "--email",
                "root@acme.test",
                "--role",
                "root",
                "--password-stdin",
            ],
            PASSWORD,
            "invalid_request_error",
        ),
        (
            "an email that is not one",
            vec!["--email", "ada", "--password-stdin"],
            PASSWORD,
            "invalid_request_error",
        ),
        (
            "already a member",
            vec!["--email", "owner@acme.test", "--role", "member"],
            "",
            "conflict_error",
        ),
    ];

    for (case, extra, stdin, kind) in cases {
        let mut args = vec!["members", "create", "--workspace", &ws, "--json"];
        args.extend(extra);

        let output = halfpipe_cli_with_stdin(&db.url, &args, stdin).await;

        assert!(
            !output.status.success(),
            "{case}: exited successfully\n{}",
            output.stdout
        );
        let error = output.json();
        assert_eq!(error["error"]["type"], kind, "{case}: {error}");
    }
    let listed = cli_json(&db, &["members", "list", "--workspace", &ws]).await;
    let owners: Vec<&Value> = listed
        .as_array()
        .expect("an array")
        .iter()
        .filter(|m| m["role"] == "owner")
        .collect();
    assert_eq!(owners.len(), 1, "exactly one owner: {listed}");
    assert_eq!(owners[0]["email"], "owner@acme.test", "{listed}");
}

#[tokio::test]
async fn the_owner_printed_by_the_first_serve_can_sign_in_and_no_secret_is_logged() {
    let db = TestDb::fresh().await;
    let server = ServeProcess::start(&db);
    let (_, address, lines) = server.bootstrap_lines();
    let field = |name: &str| {
        lines
            .iter()
            .find_map(|line| {
                let mut words = line.split_whitespace();
                (words.next() == Some(name)).then(|| words.next()).flatten()
            })
            .unwrap_or_else(|| panic!("no {name} line in {lines:#?}"))
            .to_string()
    };
    let (email, password) = (field("email"), field("password"));
    let client = reqwest::Client::new();

    let response = client
        .post(format!("{address}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("request sent");
    let cookie = session_set_cookie(&response).map(|c| cookie_pair(&c));
    let (status, body) = read(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["workspaces"][0]["role"], "owner", "{body}");
    let jwt = body["data"]["token"].as_str().expect("a token").to_string();
    let cookie = cookie.expect("a session cookie");
    let me = client
        .get(format!("{address}/api/v1/me"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .expect("request sent");
    assert_eq!(me.status(), StatusCode::OK);
    let workspace = body["data"]["workspaces"][0]["workspace_id"]
        .as_str()
        .expect("a workspace id")
        .to_string();
    let invited = client
        .post(format!(
            "{address}/api/v1/workspaces/{workspace}/invitations"
        ))
        .bearer_auth(&jwt)
        .json(&json!({"role": "member"}))
        .send()
        .await
        .expect("request sent");
    let (status, invited) = read(invited).await;
    assert_eq!(status, StatusCode::CREATED, "{invited}");
    let invitation = invited["data"]["token"]
        .as_str()
        .expect("a token")
        .to_string();
    let shown = client
        .get(format!("{address}/api/v1/invitations/{invitation}"))
        .send()
        .await
        .expect("request sent");
    assert_eq!(shown.status(), StatusCode::OK);
    let signed_out = client
        .post(format!("{address}/api/v1/auth/logout"))
        .bearer_auth(&jwt)
        .send()
        .await
        .expect("request sent");
    assert_eq!(signed_out.status(), StatusCode::OK);

    let (exit, stdout, stderr) = server.terminate().await;

    assert!(exit.success(), "exit after SIGTERM: {exit}\n{stderr}");
    assert!(stderr.contains("DEBUG"), "debug logs were written");
    let session_secret = &cookie["halfpipe_session=".len()..];
    for (what, secret) in [
        ("the password", password.as_str()),
        ("the session token", session_secret),
        ("the JWT", jwt.as_str()),
        ("the invitation token", invitation.as_str()),
    ] {
        assert!(!stderr.contains(secret), "the log contains {what}");
    }
    assert_eq!(
        stdout.matches(password.as_str()).count(),
        1,
        "the password is printed exactly once:\n{stdout}"
    );
}
