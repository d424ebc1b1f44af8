//! The management API (`/api/v1`) and dashboard accounts, through real HTTP: sign-in (cookie
//! and JWT), sign-out, session expiry, the sign-in throttle, CSRF, the permission matrix of
//! owner / admin / member, API keys as the public API sees them, the audit log, invitations,
//! ownership, the `members` CLI and the bootstrap owner of `halfpipe serve`.

mod credentials;
mod csrf;
mod invitations;
mod keys;
mod members;
mod members_cli;
mod permissions;
mod sessions;
mod sign_in;
mod throttle;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::{As, TestApp, call};

/// `GET /api/v1/me`.
async fn me(app: &TestApp, who: As<'_>) -> (StatusCode, Value) {
    call(app, Method::GET, "/api/v1/me", who, None).await
}

/// `GET /public/api/v1/projects` with an API key.
async fn public_projects(app: &TestApp, key: &str) -> (StatusCode, Value) {
    app.get("/projects", key).await
}
