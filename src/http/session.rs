//! Who is signed in: the session cookie or a management JWT → a member, and the member's
//! role in the workspace a route names; the session cookie itself; this server's base URL.

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, COOKIE, HOST, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;

use crate::auth::bearer_token;
use crate::auth::session::{SESSION_COOKIE, SecretToken, decode_jwt};
use crate::error::{ApiError, Result};
use crate::model::{Member, MemberRole, TokenHash, WorkspaceId};
use crate::service::members::NewSession;
use crate::state::AppState;

/// A signed-in member, by session cookie or `Authorization: Bearer <JWT>`.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub member: Member,
    /// SHA-256 of the session token, to end the session on sign-out.
    pub session: TokenHash,
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

const SIGN_IN: &str = "sign in first: POST /api/v1/auth/login, then send the session cookie or \
     the returned token as `Authorization: Bearer <token>`";

/// The session a request presents — the one its JWT names, else its cookie's — as the
/// SHA-256 of the session token; `None` without credentials or with an invalid JWT.
pub async fn presented_session(state: &AppState, headers: &HeaderMap) -> Result<Option<TokenHash>> {
    if let Some(token) = headers.get(AUTHORIZATION).and_then(bearer_token) {
        let now = state.clock.now().unix_millis() / 1000;
        let Some(claims) = decode_jwt(state.jwt_secret().await?, token, now) else {
            return Ok(None);
        };
        let mut hash = [0u8; 32];
        return Ok(hex::decode_to_slice(&claims.sid, &mut hash)
            .is_ok()
            .then_some(TokenHash(hash)));
    }
    Ok(session_cookie(headers).map(|token| token.hash()))
}

impl SignedIn {
    /// The member behind a request's credentials; `None` without (valid) credentials.
    pub async fn from_headers(state: &AppState, headers: &HeaderMap) -> Result<Option<Self>> {
        let Some(session) = presented_session(state, headers).await? else {
            return Ok(None);
        };
        let member = state
            .store
            .session_member(session, state.clock.now())
            .await?;
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
        let workspace = Self::parse(raw)?;
        match state.store.role_of(workspace, member.id).await? {
            Some(role) => Ok(Self {
                member,
                workspace,
                role,
            }),
            None => Err(Self::not_in(state, workspace).await),
        }
    }

    /// A workspace id from a path: 404 if it is not one.
    pub fn parse(raw: &str) -> Result<WorkspaceId> {
        raw.trim()
            .parse()
            .map_err(|_| ApiError::NotFound(format!("workspace {raw} not found")))
    }

    /// Why a member cannot act in `workspace`: 403 if it exists, 404 if it does not.
    pub async fn not_in(state: &AppState, workspace: WorkspaceId) -> ApiError {
        match state.store.get_workspace(workspace).await {
            Ok(Some(_)) => ApiError::Permission("you are not a member of this workspace".into()),
            Ok(None) => ApiError::NotFound(format!("workspace {workspace} not found")),
            Err(e) => e.into(),
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
}

/// Sets the session cookie for `session` (or, with `None`, clears it) and `no-store`.
pub fn with_session_cookie(
    mut response: Response,
    state: &AppState,
    session: Option<&NewSession>,
) -> Response {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let (value, max_age) = match session {
        Some(session) => (session.token.expose(), state.config.session_ttl_secs),
        None => ("", 0),
    };
    let cookie = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    );
    let headers = response.headers_mut();
    headers.insert(
        SET_COOKIE,
        HeaderValue::from_str(&cookie).expect("cookie is ASCII"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `http(s)://host` of this server as the browser reached it, for copy-paste examples and
/// invitation links.
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or(&state.config.listen);
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}
