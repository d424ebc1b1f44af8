//! The permission matrix: every management endpoint as the owner, an admin, a member, a member
//! of another workspace and someone signed out call it.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::public_projects;
use crate::support::{
    Actor, As, MemberRole, SecretToken, Team, Timestamp, assert_outcome, fresh_email,
};

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
