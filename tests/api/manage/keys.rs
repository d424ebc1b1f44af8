//! API keys through the management API, as the public API sees them.

use reqwest::header::CACHE_CONTROL;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::public_projects;
use crate::support::{
    As, PREFIX, ServerConfig, Team, assert_invalid, assert_outcome, header, hint, read, send,
    test_config,
};

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
