//! Which credentials the management API takes (the JWT, the session cookie) and which it refuses,
//! and its error body.

use reqwest::header::COOKIE;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{me, public_projects};
use crate::support::{As, PREFIX, SecretToken, Team, assert_error, assert_outcome, call, read};

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
