//! A key revoked, reactivated or deleted through the CLI or through one node's management API
//! reaches every node within one second, and the node that made the change at once.

use std::time::Instant;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{
    Node, UNAUTHORIZED, assert_within_one_second, client, create_key, propagation, start_nodes,
};
use crate::support::{
    PASSWORD, TestDb, create_member_cli, create_workspace, halfpipe_cli, read, text,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_revoked_reactivated_or_deleted_through_the_cli_reaches_every_node_within_one_second()
{
    let db = TestDb::fresh().await;
    let workspace = create_workspace(&db, "Acme").await;
    let (key, id) = create_key(&db, &workspace, "shared by two nodes").await;
    let client = client();
    // Default settings: change polling every 200 ms, and LISTEN/NOTIFY on PostgreSQL.
    let nodes = start_nodes(&client, &db.url, &[], &["node A", "node B"]).await;
    for node in &nodes {
        let (status, body) = node.projects(&client, &key).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{} before any change: {body}",
            node.name
        );
    }

    halfpipe_cli(&db.url, &["keys", "revoke", &id])
        .await
        .assert_success("keys revoke");
    let revoked = propagation(&client, &nodes, &key, UNAUTHORIZED, Instant::now()).await;
    halfpipe_cli(&db.url, &["keys", "reactivate", &id])
        .await
        .assert_success("keys reactivate");
    let reactivated = propagation(&client, &nodes, &key, StatusCode::OK, Instant::now()).await;
    halfpipe_cli(&db.url, &["keys", "delete", &id])
        .await
        .assert_success("keys delete");
    let deleted = propagation(&client, &nodes, &key, UNAUTHORIZED, Instant::now()).await;

    assert_within_one_second("revoke", &revoked, Some("revoked"));
    assert_within_one_second("reactivate", &reactivated, None);
    assert_within_one_second("delete", &deleted, Some("invalid"));
}

/// Makes an owner of `workspace` through the CLI and signs them in on `node`'s management
/// API; returns the session's JWT.
async fn owner_session(
    client: &reqwest::Client,
    db: &TestDb,
    workspace: &str,
    node: &Node,
) -> String {
    let email = "owner@acme.test";
    create_member_cli(db, workspace, email, "owner", PASSWORD)
        .await
        .assert_success("members create");
    let response = client
        .post(node.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .expect("request sent");
    let (status, body) = read(response).await;
    assert_eq!(status, StatusCode::OK, "signing in: {body}");
    text(&body["data"], "token")
}

/// Revokes, reactivates or deletes a key through `node`'s management API.
async fn change_key_through(
    client: &reqwest::Client,
    node: &Node,
    session: &str,
    workspace: &str,
    id: &str,
    action: &str,
) -> (StatusCode, Value) {
    let key = format!("/api/v1/workspaces/{workspace}/api-keys/{id}");
    let request = match action {
        "delete" => client.delete(node.url(&key)),
        _ => client.post(node.url(&format!("{key}/{action}"))),
    };
    read(
        request
            .bearer_auth(session)
            .send()
            .await
            .expect("request sent"),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_changed_through_one_node_is_honoured_there_at_once_and_everywhere_within_one_second()
{
    let db = TestDb::fresh().await;
    let workspace = create_workspace(&db, "Acme").await;
    let (key, id) = create_key(&db, &workspace, "managed on the dashboard").await;
    let client = client();
    let nodes = start_nodes(&client, &db.url, &[], &["node A", "node B"]).await;
    for node in &nodes {
        let (status, body) = node.projects(&client, &key).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{} before any change: {body}",
            node.name
        );
    }
    let session = owner_session(&client, &db, &workspace, &nodes[0]).await;
    let (a, b) = (&nodes[0], &nodes[1]);

    // Each change through one node, then at once the very next request to that node, then
    // the other node until it agrees.
    let mut steps = Vec::new();
    for (action, through, other, expected) in [
        ("revoke", a, b, UNAUTHORIZED),
        ("reactivate", b, a, StatusCode::OK),
        ("delete", a, b, UNAUTHORIZED),
    ] {
        let changed = change_key_through(&client, through, &session, &workspace, &id, action);
        let changed = changed.await;
        let at = Instant::now();
        let next = through.projects(&client, &key).await;
        let elsewhere = propagation(&client, std::slice::from_ref(other), &key, expected, at);
        steps.push((
            action,
            through.name,
            changed,
            next,
            expected,
            elsewhere.await,
        ));
    }

    for (action, through, changed, next, expected, elsewhere) in &steps {
        assert!(
            changed.0.is_success(),
            "{action} through {through}: {}",
            changed.1
        );
        assert_eq!(
            next.0, *expected,
            "{action}: the very next request to {through}: {}",
            next.1
        );
        let word = match *action {
            "revoke" => Some("revoked"),
            "delete" => Some("invalid"),
            _ => None,
        };
        if let Some(word) = word {
            let message = next.1["error"]["message"].as_str().unwrap_or_default();
            assert!(message.contains(word), "{action} on {through}: {}", next.1);
        }
        assert_within_one_second(
            &format!("{action} through {through}, on the other node"),
            elsewhere,
            word,
        );
    }
}
