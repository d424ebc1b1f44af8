//! Who and what a test acts with, each made one way: a workspace, an API key, a project, a
//! member (an account in a workspace with a role), a signed-in [`Session`], and a [`Team`] of
//! all of them. Workspaces, keys and members are arranged directly in the store; projects
//! through the public API; sessions by signing in over HTTP.

use std::sync::OnceLock;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::http::cookie_pair;
use super::{
    Actor, As, KeyId, KeyRequest, Member, MemberRole, ServerConfig, TestApp, ValidKeyRequest,
    WorkspaceId, call, create_key, hash_password, post_login, read, session_set_cookie,
    test_config,
};

/// Every account made by the tests has this password.
pub const PASSWORD: &str = "correct horse battery staple";

/// The argon2id hash of [`PASSWORD`], computed once: accounts arranged directly in the store
/// share it, so that arranging a team costs no hashing.
fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password(PASSWORD).expect("the password hashes"))
}

/// An email address no other account of the test has.
pub fn fresh_email(what: &str) -> String {
    format!("{what}-{}@acme.test", uuid::Uuid::new_v4().simple())
}

impl TestApp {
    pub async fn workspace(&self, name: &str) -> WorkspaceId {
        self.store
            .create_workspace(name)
            .await
            .expect("workspace")
            .id
    }

    /// Creates the key `request` describes; returns its plaintext and id.
    pub async fn key_from(&self, ws: WorkspaceId, request: ValidKeyRequest) -> (String, KeyId) {
        let created = create_key(
            self.store.as_ref(),
            ws,
            request,
            "test",
            &Actor("test".into()),
        )
        .await
        .expect("key created");
        (created.key.expose().to_string(), created.record.id)
    }

    /// Creates a key with `permissions` (empty = full access); returns its plaintext and id.
    pub async fn key_with_id(&self, ws: WorkspaceId, permissions: &[&str]) -> (String, KeyId) {
        let request = KeyRequest {
            name: Some("test key".into()),
            permissions: permissions.iter().map(|p| p.to_string()).collect(),
            ..Default::default()
        }
        .validate()
        .expect("valid key request");
        self.key_from(ws, request).await
    }

    pub async fn key(&self, ws: WorkspaceId, permissions: &[&str]) -> String {
        self.key_with_id(ws, permissions).await.0
    }

    /// A new workspace with one full-access key.
    pub async fn tenant(&self) -> (WorkspaceId, String) {
        let ws = self.workspace("tenant").await;
        let key = self.key(ws, &[]).await;
        (ws, key)
    }

    /// Creates a project; returns its id.
    pub async fn project(&self, key: &str, name: &str) -> String {
        let (status, body) = self.post("/projects", key, &json!({ "name": name })).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["data"]["id"].as_str().unwrap().to_string()
    }

    /// Creates an account with [`PASSWORD`] and adds it to `ws` with `role`.
    pub async fn add_member(&self, ws: WorkspaceId, email: &str, role: MemberRole) -> Member {
        let member = self
            .store
            .create_member(email, password_hash())
            .await
            .expect("the account is created");
        self.store
            .add_membership(ws, &member, role, &Actor("test".into()))
            .await
            .expect("the membership is added");
        member
    }

    /// Signs in over HTTP with [`PASSWORD`].
    pub async fn sign_in(&self, email: &str) -> Session {
        let response = post_login(self, &json!({"email": email, "password": PASSWORD})).await;
        Session::from_response(response, email).await
    }
}

/// What a successful sign-in hands a client.
#[derive(Debug, Clone)]
pub struct Session {
    /// `halfpipe_session=…`, as a `Cookie` header sends it back.
    pub cookie: String,
    /// The JWT from the response body.
    pub jwt: String,
}

impl Session {
    /// Turns a successful sign-in (or invitation acceptance) response into a session.
    pub async fn from_response(response: reqwest::Response, email: &str) -> Self {
        let set_cookie = session_set_cookie(&response);
        let (status, body) = read(response).await;
        assert_eq!(status, StatusCode::OK, "signing in as {email}: {body}");
        let set_cookie = set_cookie.unwrap_or_else(|| panic!("no session cookie for {email}"));
        Self {
            cookie: cookie_pair(&set_cookie),
            jwt: body["data"]["token"]
                .as_str()
                .unwrap_or_else(|| panic!("no token in {body}"))
                .to_string(),
        }
    }
}

/// A workspace "Acme" with an owner, an admin and a member, all signed in, and the owner of
/// another workspace, "Globex".
pub struct Team {
    pub app: TestApp,
    pub ws: WorkspaceId,
    pub other_ws: WorkspaceId,
    pub owner: Session,
    pub admin: Session,
    pub member: Session,
    /// The owner of Globex, who is not in Acme.
    pub outsider: Session,
    pub owner_account: Member,
    pub admin_account: Member,
    pub member_account: Member,
    pub outsider_account: Member,
}

impl Team {
    pub async fn spawn() -> Self {
        Self::spawn_with(test_config()).await
    }

    pub async fn spawn_with(config: ServerConfig) -> Self {
        let app = TestApp::spawn_with(config).await;
        let ws = app.workspace("Acme").await;
        let other_ws = app.workspace("Globex").await;
        let owner_account = app
            .add_member(ws, "owner@acme.test", MemberRole::Owner)
            .await;
        let admin_account = app
            .add_member(ws, "admin@acme.test", MemberRole::Admin)
            .await;
        let member_account = app
            .add_member(ws, "member@acme.test", MemberRole::Member)
            .await;
        let outsider_account = app
            .add_member(other_ws, "owner@globex.test", MemberRole::Owner)
            .await;
        Self {
            owner: app.sign_in("owner@acme.test").await,
            admin: app.sign_in("admin@acme.test").await,
            member: app.sign_in("member@acme.test").await,
            outsider: app.sign_in("owner@globex.test").await,
            app,
            ws,
            other_ws,
            owner_account,
            admin_account,
            member_account,
            outsider_account,
        }
    }

    /// `/api/v1/workspaces/{ws}` + `rest`.
    pub fn path(&self, rest: &str) -> String {
        format!("/api/v1/workspaces/{}{rest}", self.ws)
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        who: As<'_>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        call(&self.app, method, path, who, body).await
    }

    /// Creates an invitation through the API as `who`; returns (invitation id, token).
    pub async fn invite(&self, who: As<'_>, role: &str) -> (String, String) {
        let (status, body) = self
            .call(
                Method::POST,
                &self.path("/invitations"),
                who,
                Some(&json!({ "role": role })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "inviting a {role}: {body}");
        let data = &body["data"];
        (
            data["invitation"]["id"]
                .as_str()
                .expect("an id")
                .to_string(),
            data["token"].as_str().expect("a token").to_string(),
        )
    }

    /// The roles of Acme's members by email.
    pub async fn roles(&self) -> Vec<(String, String)> {
        let (status, body) = self
            .call(
                Method::GET,
                &self.path("/members"),
                As::Script(&self.admin),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let mut roles: Vec<(String, String)> = body["data"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|m| {
                (
                    m["email"].as_str().unwrap_or_default().to_string(),
                    m["role"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        roles.sort();
        roles
    }

    /// Acme's audit log, newest first, as its first owner reads it.
    pub async fn audit_log(&self) -> Vec<Value> {
        let (status, body) = self
            .call(
                Method::GET,
                &self.path("/audit-log?limit=100"),
                // Nobody removes the owner, who can always read it.
                As::Script(&self.owner),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["data"].as_array().expect("a list").clone()
    }
}
