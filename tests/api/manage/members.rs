//! Members, roles and ownership, and the audit rows their changes write.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{
    As, MemberRole, PASSWORD, Team, assert_invalid, assert_outcome, call, fresh_email,
};

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
