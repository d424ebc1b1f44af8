//! The management API (`/api/v1`): sign-in, API keys, audit log, members and invitations.
//! Authenticated by a member's session (cookie or JWT), never by an API key.

use axum::Router;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{delete, get, post};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::session::{InWorkspace, SignedIn, session_cookie};
use crate::api::{JsonBody, PathParam, QueryParams, parse_json, respond};
use crate::app::{AppState, RequestStart};
use crate::auth::manage::{KeyRequest, create_key, create_member};
use crate::auth::session::{SESSION_COOKIE, SecretToken, session_jwt, verify_password};
use crate::error::{ApiError, Result};
use crate::model::member::normalize_email;
use crate::model::{KeyId, Member, MemberId, MemberRole, Membership, Timestamp};
use crate::store::KeyAction;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/me", get(me))
        .route(
            "/workspaces/{workspaceId}/api-keys",
            get(list_keys).post(new_key),
        )
        .route(
            "/workspaces/{workspaceId}/api-keys/{keyId}/revoke",
            post(revoke_key),
        )
        .route(
            "/workspaces/{workspaceId}/api-keys/{keyId}/reactivate",
            post(reactivate_key),
        )
        .route(
            "/workspaces/{workspaceId}/api-keys/{keyId}",
            delete(delete_key),
        )
        .route("/workspaces/{workspaceId}/audit-log", get(audit_log))
        .route("/workspaces/{workspaceId}/members", get(list_members))
        .route(
            "/workspaces/{workspaceId}/members/{memberId}",
            delete(remove_member),
        )
        .route(
            "/workspaces/{workspaceId}/members/{memberId}/role",
            post(change_role),
        )
        .route(
            "/workspaces/{workspaceId}/transfer-ownership",
            post(transfer_ownership),
        )
        .route(
            "/workspaces/{workspaceId}/invitations",
            get(list_invitations).post(invite),
        )
        .route(
            "/workspaces/{workspaceId}/invitations/{invitationId}",
            delete(withdraw_invitation),
        )
        .route("/invitations/{token}", get(show_invitation))
        .route("/invitations/{token}/accept", post(accept_invitation))
}

/// Two path parameters: the workspace, then the item.
struct TwoParams(String, String);

impl axum::extract::FromRequestParts<AppState> for TwoParams {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self> {
        let axum::extract::Path((a, b)) =
            axum::extract::Path::<(String, String)>::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::bad_request(format!("invalid path: {}", e.body_text())))?;
        Ok(TwoParams(a, b))
    }
}

#[derive(Debug, Deserialize)]
pub struct LoginBody {
    email: Option<String>,
    password: Option<String>,
}

/// What sign-in and `/me` answer.
#[derive(Debug, Serialize)]
struct Me {
    member: Member,
    workspaces: Vec<Membership>,
}

#[derive(Debug, Serialize)]
struct LoggedIn {
    member: Member,
    workspaces: Vec<Membership>,
    /// A JWT for `Authorization: Bearer` on this API (not on the public API).
    token: String,
    token_expires_at: Timestamp,
    session_expires_at: Timestamp,
}

fn required<'a>(value: &'a Option<String>, field: &str) -> Result<&'a str> {
    value
        .as_deref()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::invalid(field, format!("{field} is required")))
}

/// The `Set-Cookie` value of a session.
pub(super) fn session_set_cookie(
    token: &SecretToken,
    max_age_secs: u64,
    secure: bool,
) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}",
        token.expose()
    ))
    .expect("cookie is ASCII")
}

/// The `Set-Cookie` value that ends a session in the browser.
pub(super) fn cleared_cookie() -> HeaderValue {
    HeaderValue::from_static("halfpipe_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// Checks an email and password, then opens a session. Failures are throttled per email.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: &str,
) -> Result<(Member, SecretToken)> {
    let wrong = || ApiError::Authentication("wrong email or password".into());
    let email = normalize_email(email).ok_or_else(wrong)?;
    state.login_throttle.attempt(&email)?;
    let found = state.store.member_by_email(&email).await?;
    let password = password.to_string();
    let (member, ok) = match found {
        Some((member, stored)) => {
            let ok =
                tokio::task::spawn_blocking(move || verify_password(&password, &stored)).await?;
            (Some(member), ok)
        }
        None => {
            // Spend the same time as a real check, so timing does not reveal who has an account.
            tokio::task::spawn_blocking(move || verify_password(&password, DUMMY_HASH)).await?;
            (None, false)
        }
    };
    match member {
        Some(member) if ok => {
            state.login_throttle.succeeded(&email);
            let token = open_session(state, &member).await?;
            Ok((member, token))
        }
        // The attempt already counts as a failure.
        _ => Err(wrong()),
    }
}

/// An argon2id hash of a random password, verified against when the email is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Ysy8zXyqvtFvKxJYZ8Qe5Ae2x1Cq6kQK3PcoKqK9yU";

async fn open_session(state: &AppState, member: &Member) -> Result<SecretToken> {
    let token = SecretToken::generate();
    let expires_at = Timestamp::from_unix_millis(
        Timestamp::now().unix_millis() + state.config.session_ttl_secs as i64 * 1000,
    )
    .unwrap_or_else(Timestamp::now);
    state
        .store
        .create_session(token.hash(), member.id, expires_at)
        .await?;
    Ok(token)
}

/// The response to a successful sign-in: cookie, JWT, member and workspaces.
async fn signed_in_response(
    state: &AppState,
    start: RequestStart,
    member: Member,
    token: SecretToken,
) -> Result<Response> {
    let ttl = state.config.session_ttl_secs;
    let session_expires_at =
        Timestamp::from_unix_millis(Timestamp::now().unix_millis() + ttl as i64 * 1000)
            .unwrap_or_else(Timestamp::now);
    let secret = state.jwt_secret().await?;
    let (jwt, token_expires_at) = session_jwt(&secret, member.id, token.hash(), session_expires_at);
    let workspaces = state.store.memberships(member.id).await?;
    let mut response = respond(
        StatusCode::OK,
        start,
        LoggedIn {
            member,
            workspaces,
            token: jwt,
            token_expires_at,
            session_expires_at,
        },
    );
    let headers = response.headers_mut();
    headers.insert(
        SET_COOKIE,
        session_set_cookie(&token, ttl, state.config.secure_cookies),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn login(
    State(state): State<AppState>,
    start: RequestStart,
    JsonBody(body): JsonBody<LoginBody>,
) -> Result<Response> {
    let email = required(&body.email, "email")?;
    let password = required(&body.password, "password")?;
    let (member, token) = sign_in(&state, email, password).await?;
    signed_in_response(&state, start, member, token).await
}

async fn logout(
    State(state): State<AppState>,
    start: RequestStart,
    headers: HeaderMap,
) -> Result<Response> {
    if let Some(who) = SignedIn::from_headers(&state, &headers).await? {
        state.store.delete_session(who.session).await?;
    } else if let Some(token) = session_cookie(&headers) {
        state.store.delete_session(token.hash()).await?;
    }
    let mut response = respond(StatusCode::OK, start, json!({"signed_out": true}));
    response.headers_mut().insert(SET_COOKIE, cleared_cookie());
    Ok(response)
}

async fn me(State(state): State<AppState>, start: RequestStart, who: SignedIn) -> Result<Response> {
    let workspaces = state.store.memberships(who.member.id).await?;
    Ok(respond(
        StatusCode::OK,
        start,
        Me {
            member: who.member,
            workspaces,
        },
    ))
}

async fn list_keys(
    State(state): State<AppState>,
    start: RequestStart,
    who: SignedIn,
    PathParam(ws): PathParam,
) -> Result<Response> {
    let at = InWorkspace::resolve(&state, who.member, &ws).await?;
    let keys = state.store.list_keys(at.workspace).await?;
    Ok(respond(StatusCode::OK, start, keys))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewKeyBody {
    name: Option<String>,
    description: Option<String>,
    permissions: Option<Vec<String>>,
    expires_at: Option<String>,
}

async fn new_key(
    State(state): State<AppState>,
    start: RequestStart,
    who: SignedIn,
    PathParam(ws): PathParam,
    JsonBody(body): JsonBody<NewKeyBody>,
) -> Result<Response> {
    let at = InWorkspace::resolve(&state, who.member, &ws).await?;
    at.require_manager("create API keys")?;
    let request = KeyRequest {
        name: body.name,
        description: body.description,
        permissions: body.permissions.unwrap_or_default(),
        expires_at: body.expires_at,
    }
    .validate()?;
    let created = create_key(
        state.store.as_ref(),
        at.workspace,
        request,
        &at.member.email,
        &at.actor(),
    )
    .await?;
    let mut response = respond(StatusCode::CREATED, start, created);
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Applies `action` to a key of the workspace and drops it from this node's cache, so the
/// public API honours the change on its very next request.
async fn change_key(
    state: &AppState,
    who: SignedIn,
    ws: &str,
    key: &str,
    action: KeyAction,
) -> Result<(InWorkspace, KeyId)> {
    let at = InWorkspace::resolve(state, who.member, ws).await?;
    at.require_manager("manage API keys")?;
    let not_found = || ApiError::NotFound(format!("API key {key} not found in this workspace"));
    let id: KeyId = key.trim().parse().map_err(|_| not_found())?;
    let hash = state
        .store
        .change_key(at.workspace, id, action, &at.actor())
        .await?
        .ok_or_else(not_found)?;
    state.auth.cache().invalidate([hash]);
    Ok((at, id))
}

async fn key_after(state: &AppState, start: RequestStart, id: KeyId) -> Result<Response> {
    let key = state
        .store
        .get_key(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("API key {id} not found")))?;
    Ok(respond(StatusCode::OK, start, key))
}

async fn revoke_key(
    State(state): State<AppState>,
    start: RequestStart,
    who: SignedIn,
    TwoParams(ws, key): TwoParams,
) -> Result<Response> {
    let (_, id) = change_key(&state, who, &ws, &key, KeyAction::Revoke).await?;
    key_after(&state, start, id).await
}

async fn reactivate_key(
    State(state): State<AppState>,
    start: RequestStart,
    who: SignedIn,
    TwoParams(ws, key): TwoParams,
) -> Result<Response> {
    let (_, id) = change_key(&state, who, &ws, &key, KeyAction::Reactivate).await?;
    key_after(&state, start, id).await
}

async fn delete_key(
    State(state): State<AppState>,
    start: RequestStart,
    who: SignedIn,
    TwoParams(ws, key): TwoParams,
) -> Result<Response> {
    let (at, id) = change_key(&state, who, &ws, &key, KeyAction::Delete).await?;
    Ok(respond(
        StatusCode::OK,
        start,
        json!({"id": id, "workspace_id": at.workspace, "deleted": true}),
    ))
}

async fn audit_log(
    State(state): State<AppState>,
    start: RequestStart,
    who: SignedIn,
    PathParam(ws): PathParam,
    query: QueryParams,
) -> Result<Response> {
    let at = InWorkspace::resolve(&state, who.member, &ws).await?;
    let limit = query.page()?.limit;
    let entries = state.store.audit_log(at.workspace, limit).await?;
    Ok(respond(StatusCode::OK, start, entries))
}

async fn list_members(
    State(state): State<AppState>,
    start: RequestStart,
    who: SignedIn,
    PathParam(ws): PathParam,
) -> Result<Response> {
    let at = InWorkspace::resolve(&state, who.member, &ws).await?;
    let members = state.store.list_members(at.workspace).await?;
    Ok(respond(StatusCode::OK, start, members))
}

/// The member of the workspace `raw` names.
async fn member_in(state: &AppState, at: &InWorkspace, raw: &str) -> Result<(Member, MemberRole)> {
    let not_found = || ApiError::NotFound(format!("member {raw} not found in this workspace"));
    let id: MemberId = raw.trim().parse().map_err(|_| not_found())?;
    let role = state
        .store
        .role_of(at.workspace, id)
        .await?
        .ok_or_else(not_found)?;
    let member = state.store.get_member(id).await?.ok_or_else(not_found)?;
    Ok((member, role))
}

async fn remove_member(
    State(state): State<AppState>,
    start: RequestStart,
    who: SignedIn,
    TwoParams(ws, member): TwoParams,
) -> Result<Response> {
    let at = InWorkspace::resolve(&state, who.member, &ws).await?;
    at.require_manager("remove members")?;
    let (target, role) = member_in(&state, &at, &member).await?;
    match role {
        MemberRole::Owner => {
            return Err(ApiError::Permission(
                "the owner cannot be removed; transfer ownership first".into(),
            ));
        }
        MemberRole::Admin => at.require_owner("remove an admin")?,
        MemberRole::Member => {}
    }
    state
        .store
        .remove_member(at.workspace, &target, &at.actor())
        .await?;
    Ok(respond(
        StatusCode::OK,
        start,
        json!({"id": target.id, "removed": true}),
    ))
}

#[derive(Debug, Deserialize)]
pub struct RoleBody {
    role: Option<String>,
}

fn parse_role(raw: &Option<String>) -> Result<MemberRole> {
    let raw = required(raw, "role")?;
    MemberRole::parse(raw).ok_or_else(|| {
        ApiError::invalid(
            "role",
            format!("role must be owner, admin or member, got {raw:?}"),
        )
    })
}

async fn change_role(
    State(state): State<AppState>,
    start: RequestStart,
    who: SignedIn,
    TwoParams(ws, member): TwoParams,
    JsonBody(body): JsonBody<RoleBody>,
) -> Result<Response> {
    let at = InWorkspace::resolve(&state, who.member, &ws).await?;
    at.require_owner("change roles")?;
    let role = parse_role(&body.role)?;
    let (target, current) = member_in(&state, &at, &member).await?;
    if role == MemberRole::Owner && target.id == at.member.id {
        return Err(ApiError::invalid("role", "you already own this workspace"));
    } else if role == MemberRole::Owner {
        state
            .store
            .transfer_ownership(at.workspace, at.member.id, &target, &at.actor())
            .await?;
    } else if current == MemberRole::Owner {
        return Err(ApiError::invalid(
            "role",
            "the owner's role changes only by transferring ownership to someone else",
        ));
    } else {
        state
            .store
            .set_role(at.workspace, &target, role, &at.actor())
            .await?;
    }
    let members = state.store.list_members(at.workspace).await?;
    Ok(respond(StatusCode::OK, start, members))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferBody {
    member_id: Option<String>,
}

async fn transfer_ownership(
    State(state): State<AppState>,
    start: RequestStart,
    who: SignedIn,
    PathParam(ws): PathParam,
    JsonBody(body): JsonBody<TransferBody>,
) -> Result<Response> {
    let at = InWorkspace::resolve(&state, who.member, &ws).await?;
    at.require_owner("transfer ownership")?;
    let (target, _) = member_in(&state, &at, required(&body.member_id, "memberId")?).await?;
    if target.id == at.member.id {
        return Err(ApiError::invalid(
            "memberId",
            "you already own this workspace",
        ));
    }
    state
        .store
        .transfer_ownership(at.workspace, at.member.id, &target, &at.actor())
        .await?;
    let members = state.store.list_members(at.workspace).await?;
    Ok(respond(StatusCode::OK, start, members))
}

async fn list_invitations(
    State(state): State<AppState>,
    start: RequestStart,
    who: SignedIn,
    PathParam(ws): PathParam,
) -> Result<Response> {
    // Every member sees the workspace's invitations (never their links); admins manage them.
    let at = InWorkspace::resolve(&state, who.member, &ws).await?;
    let invitations = state.store.list_invitations(at.workspace).await?;
    Ok(respond(StatusCode::OK, start, invitations))
}

/// How long an invitation link works.
const INVITATION_DAYS: i64 = 7;

async fn invite(
    State(state): State<AppState>,
    start: RequestStart,
    who: SignedIn,
    headers: HeaderMap,
    PathParam(ws): PathParam,
    JsonBody(body): JsonBody<RoleBody>,
) -> Result<Response> {
    let at = InWorkspace::resolve(&state, who.member, &ws).await?;
    at.require_manager("invite members")?;
    let role = match body.role {
        None => MemberRole::Member,
        Some(_) => parse_role(&body.role)?,
    };
    match role {
        MemberRole::Owner => {
            return Err(ApiError::invalid(
                "role",
                "invite as admin or member; ownership is transferred, not invited",
            ));
        }
        MemberRole::Admin => at.require_owner("invite admins")?,
        MemberRole::Member => {}
    }
    let token = SecretToken::generate();
    let expires_at =
        Timestamp::from_unix_millis(Timestamp::now().unix_millis() + INVITATION_DAYS * 86_400_000)
            .unwrap_or_else(Timestamp::now);
    let invitation = state
        .store
        .create_invitation(at.workspace, token.hash(), role, &at.actor(), expires_at)
        .await?;
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    let url = format!("http://{host}/invite/{}", token.expose());
    let mut response = respond(
        StatusCode::CREATED,
        start,
        json!({"invitation": invitation, "token": token.expose(), "url": url}),
    );
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn withdraw_invitation(
    State(state): State<AppState>,
    start: RequestStart,
    who: SignedIn,
    TwoParams(ws, id): TwoParams,
) -> Result<Response> {
    let at = InWorkspace::resolve(&state, who.member, &ws).await?;
    at.require_manager("withdraw invitations")?;
    if !state
        .store
        .delete_invitation(at.workspace, &id, &at.actor())
        .await?
    {
        return Err(ApiError::NotFound(format!(
            "no open invitation {id} in this workspace"
        )));
    }
    Ok(respond(
        StatusCode::OK,
        start,
        json!({"id": id, "withdrawn": true}),
    ))
}

async fn show_invitation(
    State(state): State<AppState>,
    start: RequestStart,
    PathParam(token): PathParam,
) -> Result<Response> {
    let (invitation, workspace_name) = state
        .store
        .open_invitation(SecretToken::presented(&token).hash())
        .await?
        .ok_or_else(|| ApiError::NotFound("this invitation is unknown, used or expired".into()))?;
    Ok(respond(
        StatusCode::OK,
        start,
        json!({
            "workspace_id": invitation.workspace_id,
            "workspace_name": workspace_name,
            "role": invitation.role,
            "expires_at": invitation.expires_at,
        }),
    ))
}

#[derive(Debug, Deserialize)]
pub struct AcceptBody {
    email: Option<String>,
    password: Option<String>,
}

/// Joins the invitation's workspace: as the signed-in member, or with an email and password
/// (signing in to an existing account, or creating one).
async fn accept_invitation(
    State(state): State<AppState>,
    start: RequestStart,
    headers: HeaderMap,
    PathParam(token): PathParam,
    body: axum::body::Bytes,
) -> Result<Response> {
    let invitation = SecretToken::presented(&token);
    let gone = || ApiError::NotFound("this invitation is unknown, used or expired".into());
    state
        .store
        .open_invitation(invitation.hash())
        .await?
        .ok_or_else(gone)?;
    let (member, session) = match SignedIn::from_headers(&state, &headers).await? {
        Some(who) => (who.member, None),
        None => {
            let body: AcceptBody = if body.iter().all(u8::is_ascii_whitespace) {
                AcceptBody {
                    email: None,
                    password: None,
                }
            } else {
                parse_json(&body)?
            };
            let email_raw = required(&body.email, "email")?;
            let password = required(&body.password, "password")?;
            let email = normalize_email(email_raw).ok_or_else(|| {
                ApiError::invalid("email", "email must look like name@example.com")
            })?;
            match state.store.member_by_email(&email).await? {
                Some(_) => {
                    let (member, token) = sign_in(&state, &email, password).await?;
                    (member, Some(token))
                }
                None => {
                    let member = create_member(state.store.as_ref(), &email, password).await?;
                    let token = open_session(&state, &member).await?;
                    (member, Some(token))
                }
            }
        }
    };
    let (workspace, role) = state
        .store
        .accept_invitation(invitation.hash(), &member)
        .await?
        .ok_or_else(gone)?;
    match session {
        Some(token) => signed_in_response(&state, start, member, token).await,
        None => Ok(respond(
            StatusCode::OK,
            start,
            json!({"workspace_id": workspace, "role": role}),
        )),
    }
}
