//! Who is signed in: the session cookie or a management JWT → a member, and the member's
//! role in the workspace a route names.

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};

use crate::app::AppState;
use crate::auth::session::{SESSION_COOKIE, SecretToken, decode_jwt};
use crate::error::{ApiError, Result};
use crate::model::{Member, MemberId, MemberRole, Timestamp, WorkspaceId};

/// A signed-in member, by session cookie or `Authorization: Bearer <JWT>`.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub member: Member,
    /// SHA-256 of the session token, to end the session on sign-out.
    pub session: [u8; 32],
}

/// The session token in a `Cookie` header, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<SecretToken> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| SecretToken::presented(value))
}

fn bearer(value: &HeaderValue) -> Option<&str> {
    let (scheme, token) = value.to_str().ok()?.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

const SIGN_IN: &str = "sign in first: POST /api/v1/auth/login, then send the session cookie or \
     the returned token as `Authorization: Bearer <token>`";

impl SignedIn {
    /// The member behind a request's credentials; `None` without (valid) credentials.
    pub async fn from_headers(state: &AppState, headers: &HeaderMap) -> Result<Option<Self>> {
        let session = if let Some(token) = headers.get(AUTHORIZATION).and_then(bearer) {
            let secret = state.jwt_secret().await?;
            let now = Timestamp::now().unix_millis() / 1000;
            let Some(claims) = decode_jwt(&secret, token, now) else {
                return Ok(None);
            };
            let mut hash = [0u8; 32];
            if hex::decode_to_slice(&claims.sid, &mut hash).is_err() {
                return Ok(None);
            }
            hash
        } else if let Some(token) = session_cookie(headers) {
            token.hash()
        } else {
            return Ok(None);
        };
        let Some(member_id) = state.store.session_member(session).await? else {
            return Ok(None);
        };
        let member = state.store.get_member(member_id).await?;
        Ok(member.map(|member| SignedIn { member, session }))
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        SignedIn::from_headers(state, &parts.headers)
            .await?
            .ok_or_else(|| ApiError::Authentication(SIGN_IN.into()))
    }
}

/// A signed-in member acting in one workspace, with their role there.
#[derive(Debug, Clone)]
pub struct InWorkspace {
    pub member: Member,
    pub workspace: WorkspaceId,
    pub role: MemberRole,
}

impl InWorkspace {
    /// The member's role in the workspace `raw` names: 404 if there is no such workspace, 403
    /// if they are not in it.
    pub async fn resolve(state: &AppState, member: Member, raw: &str) -> Result<Self> {
        let not_found = || ApiError::NotFound(format!("workspace {raw} not found"));
        let workspace: WorkspaceId = raw.trim().parse().map_err(|_| not_found())?;
        match state.store.role_of(workspace, member.id).await? {
            Some(role) => Ok(Self {
                member,
                workspace,
                role,
            }),
            None => match state.store.get_workspace(workspace).await? {
                Some(_) => Err(ApiError::Permission(
                    "you are not a member of this workspace".into(),
                )),
                None => Err(not_found()),
            },
        }
    }

    /// 403 unless the member is an admin or the owner.
    pub fn require_manager(&self, what: &str) -> Result<()> {
        if self.role.can_manage() {
            Ok(())
        } else {
            Err(ApiError::Permission(format!(
                "only admins and the owner can {what}; your role here is {}",
                self.role.as_str()
            )))
        }
    }

    /// 403 unless the member is the owner.
    pub fn require_owner(&self, what: &str) -> Result<()> {
        if self.role == MemberRole::Owner {
            Ok(())
        } else {
            Err(ApiError::Permission(format!(
                "only the workspace's owner can {what}"
            )))
        }
    }

    pub fn actor(&self) -> crate::store::Actor {
        crate::store::Actor(self.member.email.clone())
    }

    pub fn member_id(&self) -> MemberId {
        self.member.id
    }
}
