//! Cross-site request forgery: which browser headers may change state with a cookie.

use reqwest::header::COOKIE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{me, public_projects};
use crate::support::{As, PASSWORD, Team, assert_outcome, call, read, session_set_cookie};

const EVIL_ORIGIN: &str = "http://evil.example";

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
