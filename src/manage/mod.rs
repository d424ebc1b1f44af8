//! The management API (`/api/v1`): sign-in, API keys, audit log, members and invitations.
//! Authenticated by a member's session (cookie or JWT), never by an API key.

use axum::Router;
use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{delete, get, post};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::session::{SecretToken, SessionJwt, session_jwt};
use crate::error::{ApiError, Result};
use crate::http::session::{
    InWorkspace, SignedIn, base_url, presented_session, with_session_cookie,
};
use crate::http::{
    JsonBody, JsonBodyOrDefault, PathParam, Peer, QueryParams, RequestStart, respond,
};
use crate::model::{KeyId, Member, MemberId, MemberRole, Membership, Timestamp};
use crate::service::keys::{KeyRequest, create_key};
use crate::service::members::{NewSession, sign_in, sign_in_or_up};
use crate::state::AppState;
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

/// `{email, password}`: signing in, or accepting an invitation without a session.
#[derive(Debug, Default, Deserialize)]
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
    token: SessionJwt,
    token_expires_at: Timestamp,
    session_expires_at: Timestamp,
}

fn required<'a>(value: &'a Option<String>, field: &str) -> Result<&'a str> {
    value
        .as_deref()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::invalid(field, format!("{field} is required")))
}

/// The response to a successful sign-in: cookie, JWT, member and workspaces.
async fn signed_in_response(
    state: &AppState,
    start: RequestStart,
    member: Member,
    session: NewSession,
) -> Result<Response> {
    let (jwt, token_expires_at) = session_jwt(
        state.jwt_secret().await?,
        member.id,
        session.token.hash(),
        session.expires_at,
        state.clock.now(),
    );
    let workspaces = state.store.memberships(member.id).await?;
    let response = respond(
        StatusCode::OK,
        start,
        LoggedIn {
            member,
            workspaces,
            token: jwt,
            token_expires_at,
            session_expires_at: session.expires_at,
        },
    );
    Ok(with_session_cookie(response, state, Some(&session)))
}

async fn login(
    State(state): State<AppState>,
    start: RequestStart,
    Peer(peer): Peer,
    JsonBody(body): JsonBody<LoginBody>,
) -> Result<Response> {
    let email = required(&body.email, "email")?;
    let password = required(&body.password, "password")?;
    let (member, session) = sign_in(
        state.store.as_ref(),
        &state.sign_in_gate(peer),
        email,
        password,
        state.session_terms(),
    )
    .await?;
    signed_in_response(&state, start, member, session).await
}

async fn logout(
    State(state): State<AppState>,
    start: RequestStart,
    headers: HeaderMap,
) -> Result<Response> {
    if let Some(session) = presented_session(&state, &headers).await? {
        state.store.delete_session(session).await?;
    }
    let response = respond(StatusCode::OK, start, json!({"signed_out": true}));
    Ok(with_session_cookie(response, &state, None))
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
    PathParam((ws, key)): PathParam<(String, String)>,
) -> Result<Response> {
    let (_, id) = change_key(&state, who, &ws, &key, KeyAction::Revoke).await?;
    key_after(&state, start, id).await
}

async fn reactivate_key(
    State(state): State<AppState>,
    start: RequestStart,
    who: SignedIn,
    PathParam((ws, key)): PathParam<(String, String)>,
) -> Result<Response> {
    let (_, id) = change_key(&state, who, &ws, &key, KeyAction::Reactivate).await?;
    key_after(&state, start, id).await
}

async fn delete_key(
    State(state): State<AppState>,
    start: RequestStart,
    who: SignedIn,
    PathParam((ws, key)): PathParam<(String, String)>,
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

fn member_gone(raw: &str) -> ApiError {
    ApiError::NotFound(format!("member {raw} not found in this workspace"))
}

/// The member of the workspace `raw` names.
async fn member_in(state: &AppState, at: &InWorkspace, raw: &str) -> Result<(Member, MemberRole)> {
    let not_found = || member_gone(raw);
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
    PathParam((ws, member)): PathParam<(String, String)>,
) -> Result<Response> {
    let at = InWorkspace::resolve(&state, who.member, &ws).await?;
    at.require_manager("remove members")?;
    let (target, role) = member_in(&state, &at, &member).await?;
    if role == MemberRole::Owner {
        return Err(ApiError::Permission(
            "the owner cannot be removed; transfer ownership first".into(),
        ));
    }
    if !at.role.may_manage(role) {
        at.require_owner("remove an admin")?;
    }
    if !state
        .store
        .remove_member(at.workspace, &target, &at.actor())
        .await?
    {
        return Err(member_gone(&member));
    }
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
    PathParam((ws, member)): PathParam<(String, String)>,
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
    } else if !state
        .store
        .set_role(at.workspace, &target, role, &at.actor())
        .await?
    {
        return Err(member_gone(&member));
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
    if role == MemberRole::Owner {
        return Err(ApiError::invalid(
            "role",
            "invite as admin or member; ownership is transferred, not invited",
        ));
    }
    if !at.role.may_manage(role) {
        at.require_owner("invite admins")?;
    }
    let token = SecretToken::generate();
    let expires_at = state
        .clock
        .now()
        .plus(time::Duration::days(INVITATION_DAYS));
    let invitation = state
        .store
        .create_invitation(at.workspace, token.hash(), role, &at.actor(), expires_at)
        .await?;
    let url = format!("{}/invite/{}", base_url(&state, &headers), token.expose());
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
    PathParam((ws, id)): PathParam<(String, String)>,
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
        .open_invitation(SecretToken::presented(&token).hash(), state.clock.now())
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

/// Joins the invitation's workspace: as the signed-in member, or with an email and password
/// (signing in to an existing account, or creating one).
async fn accept_invitation(
    State(state): State<AppState>,
    start: RequestStart,
    headers: HeaderMap,
    Peer(peer): Peer,
    PathParam(token): PathParam,
    JsonBodyOrDefault(body): JsonBodyOrDefault<LoginBody>,
) -> Result<Response> {
    let invitation = SecretToken::presented(&token);
    let gone = || ApiError::NotFound("this invitation is unknown, used or expired".into());
    state
        .store
        .open_invitation(invitation.hash(), state.clock.now())
        .await?
        .ok_or_else(gone)?;
    let (member, session) = match SignedIn::from_headers(&state, &headers).await? {
        Some(who) => (who.member, None),
        None => {
            let email_raw = required(&body.email, "email")?;
            let password = required(&body.password, "password")?;
            let (member, session) = sign_in_or_up(
                state.store.as_ref(),
                &state.sign_in_gate(peer),
                email_raw,
                password,
                state.session_terms(),
            )
            .await?;
            (member, Some(session))
        }
    };
    let (workspace, role) = state
        .store
        .accept_invitation(invitation.hash(), &member, state.clock.now())
        .await?
        .ok_or_else(gone)?;
    match session {
        Some(session) => signed_in_response(&state, start, member, session).await,
        None => Ok(respond(
            StatusCode::OK,
            start,
            json!({"workspace_id": workspace, "role": role}),
        )),
    }
}
