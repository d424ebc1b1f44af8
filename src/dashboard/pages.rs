//! The dashboard's server-rendered pages. Pages read through `state.store` directly; changes
//! are made by `assets/app.js` calling the management API (`/api/v1`) with `fetch`, so every
//! rule is enforced in one place. Page errors render HTML; signed-out visitors are sent to
//! `/login?next=<path>`.
//!
//! Stable hooks for browser tests (ids unless written as a class or attribute):
//!
//! * Sign-in (`/login`): `#login-form`, `#email`, `#password`, `#sign-in`, error `#login-error`.
//! * Every workspace page: `#workspace-switcher` (a `<select>` of workspaces, value = id) with
//!   `#workspace-switch-button`; `#signed-in-as`, `#my-role`; `#sign-out`; navigation
//!   `#nav-projects`, `#nav-api-keys`, `#nav-members`, `#nav-audit-log`; the shared
//!   `#confirm-dialog` (admins only) with `#confirm-message`, `#confirm-yes`, `#confirm-no`;
//!   the `aria-live` region `#flash`; pagers `#pager-prev`, `#pager-next`, `#list-count`.
//! * Projects: `#projects-table`, rows `tr[data-project-id]`, links `a.project-link`; empty
//!   state `#projects-empty`. Project: `#project-name`, `#project-transcript-count`,
//!   `#project-transcripts-link`, `#executive-summary` (or `#no-report`), `#insights` with
//!   `article.insight[data-rank]`.
//! * Transcripts: form `#transcript-filters` with inputs `#filter-q`, `#filter-model_name`,
//!   `#filter-language`, `#filter-source_system`, `#filter-annotation`, `#filter-date_from`,
//!   `#filter-date_to`, `#apply-filters`, `#clear-filters`, error `#filter-error`; table
//!   `#transcripts-table`, rows `tr[data-transcript-id]`, links `a.transcript-link`; empty
//!   state `#transcripts-empty`.
//! * Conversation: `#transcript-name`, `#turns` of `li.turn.turn-{user|assistant|system|tool|
//!   human-agent}[data-role][data-index]` (id `turn-N`), inside each `.role-label`,
//!   `.turn-content`, `.tool-call` / `.tool-result` with `.tool-name` and `.tool-body`;
//!   `#annotations` with `.annotation[data-key]` (or `#no-annotations`).
//! * API keys: `#create-key-button`; `dialog#create-key-dialog` with `#key-name`,
//!   `#key-description`, checkboxes `input[name=permission]` (ids `#permission-<name>`),
//!   `#key-expires-at`, `#create-key-submit`, `#create-key-cancel`, `#create-key-error`; after
//!   creation `#new-key-value`, `#copy-key-button`, `#copy-status`, `#key-created-message`,
//!   `#new-key-done`. Table `#api-keys-table`, rows `tr[data-key-id][data-status]` with buttons
//!   `.revoke-key`, `.reactivate-key`, `.delete-key` (delete opens `#confirm-dialog`).
//!   Members without admin rights get none of these controls, and `#read-only-note`.
//! * Members: `#members-table`, rows `tr[data-member-id][data-role]` with `select.member-role`
//!   and `.change-role`, `.transfer-ownership`, `.remove-member`; `#invite-form` with
//!   `#invite-role`, `#invite-button`, then `#invite-link`, `#copy-invite-button`,
//!   `#invite-status`; `#invitations-table` rows `tr[data-invitation-id]` with
//!   `.withdraw-invitation`.
//! * Audit log: `#audit-log-table`, rows `tr.audit-entry[data-action]`.
//! * Invitation (`/invite/{token}`): `#invite-workspace`, `#invitation-role`, `#accept-invite-form`,
//!   `#invite-email`, `#invite-password`, `#accept-invite`, `#accept-error`.
//! * Error pages: `#error-page[data-status]`, `#error-title`, `#error-message`.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, OriginalUri, Path, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, LOCATION, REFERRER_POLICY, RETRY_AFTER,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;

use super::assets::{self, Assets};
use super::form::{encode_component, parse_form, safe_next};
use super::views::*;
use crate::auth::AuthError;
use crate::auth::ratelimit::RateLimitScope;
use crate::auth::session::SecretToken;
use crate::error::ApiError;
use crate::http::session::{
    InWorkspace, SignedIn, base_url, presented_session, with_session_cookie,
};
use crate::http::{Peer, QueryParams, parse_filter};
use crate::model::{Page, ProjectId, Timestamp, TranscriptId, WorkspaceId};
use crate::service::ServiceError;
use crate::service::members::sign_in;
use crate::state::AppState;

/// Every page route, and the assets.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/switch", get(switch_workspace))
        .route("/invite/{token}", get(invitation))
        .route("/w/{workspaceId}", get(workspace_home))
        .route("/w/{workspaceId}/projects", get(projects))
        .route("/w/{workspaceId}/projects/{projectId}", get(project))
        .route(
            "/w/{workspaceId}/projects/{projectId}/transcripts",
            get(transcripts),
        )
        .route(
            "/w/{workspaceId}/transcripts/{transcriptId}",
            get(transcript),
        )
        .route("/w/{workspaceId}/settings", get(settings))
        .route("/w/{workspaceId}/settings/api-keys", get(api_keys))
        .route("/w/{workspaceId}/members", get(members))
        .route("/w/{workspaceId}/audit-log", get(audit_log))
        .route("/w/{workspaceId}/{*rest}", get(unknown_page))
        .layer(middleware::map_response(page_headers))
        .merge(assets::router())
}

/// Scripts and styles come only from this origin (no inline code), and no other site may
/// frame a page.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Headers every page carries. Pages show private data, so they are not cached unless a
/// handler says otherwise.
async fn page_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers
        .entry(CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    headers
        .entry(REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("same-origin"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    response
}

/// The dashboard's 404 page, for a browser that asked for an address nothing serves.
pub async fn not_found_page() -> Response {
    let missing = ApiError::NotFound("there is no page at this address".into());
    page_headers(PageError::Failed(missing).into_response()).await
}

// ------------------------------------------------------------------------------------------
// Errors, extractors, responses.

/// Why a page cannot be shown: sign in first, or an error rendered as an HTML page.
#[derive(Debug)]
pub enum PageError {
    /// Not signed in: go to the sign-in page, then back to this path.
    SignIn(String),
    Failed(ApiError),
}

impl From<ApiError> for PageError {
    fn from(err: ApiError) -> Self {
        PageError::Failed(err)
    }
}

impl From<crate::store::StoreError> for PageError {
    fn from(err: crate::store::StoreError) -> Self {
        PageError::Failed(err.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let err = match self {
            PageError::SignIn(next) => {
                return see_other(&format!("/login?next={}", encode_component(&next)));
            }
            PageError::Failed(ApiError::Authentication(_)) => return see_other("/login"),
            PageError::Failed(err) => err,
        };
        let (title, message) = match &err {
            ApiError::NotFound(m) => ("Not found", m.clone()),
            ApiError::Permission(m) => ("No access", m.clone()),
            ApiError::Validation { message, .. } => ("Bad request", message.clone()),
            ApiError::RateLimited(_) => ("Too many requests", err.to_string()),
            ApiError::Overloaded(cause) => {
                crate::error::log_unavailable(cause, "page unavailable");
                (
                    "Unavailable",
                    "The database cannot be reached right now. Try again in a moment.".into(),
                )
            }
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "page failed");
                (
                    "Something went wrong",
                    "The server could not show this page. The cause is in its log.".into(),
                )
            }
            other => ("Error", other.to_string()),
        };
        render(
            err.status(),
            &ErrorPage {
                assets: Assets::get(),
                status: err.status().as_u16(),
                title: title.into(),
                message: sentence(&message),
            },
        )
    }
}

/// An API-style message ("project x not found") as a sentence for a page.
fn sentence(message: &str) -> String {
    let mut chars = message.trim().chars();
    let mut text: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !text.ends_with(['.', '!', '?']) {
        text.push('.');
    }
    text
}

type PageResult<T = Response> = Result<T, PageError>;

/// A signed-in member viewing a page; anyone else is sent to sign in.
pub struct Viewer(pub SignedIn);

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> PageResult<Self> {
        if let Some(who) = SignedIn::from_headers(state, &parts.headers).await? {
            return Ok(Viewer(who));
        }
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map_or(&parts.uri, |original| &original.0);
        let next = uri.path_and_query().map_or("/", |pq| pq.as_str());
        Err(PageError::SignIn(next.to_string()))
    }
}

/// Path parameters of a page; ones that do not decode name no page (404).
pub struct PagePath<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for PagePath<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> PageResult<Self> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| PagePath(value))
            .map_err(|_| ApiError::NotFound("there is no such page".into()).into())
    }
}

/// A page's query string; a malformed one is a 400 page.
pub struct PageQuery(pub QueryParams);

impl FromRequestParts<AppState> for PageQuery {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> PageResult<Self> {
        Ok(PageQuery(
            QueryParams::from_request_parts(parts, state).await?,
        ))
    }
}

/// A rendered template with `status`.
fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot render a page");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal server error").into_response()
        }
    }
}

fn ok(page: &impl Template) -> PageResult {
    Ok(render(StatusCode::OK, page))
}

/// 303 See Other to `to`.
fn see_other(to: &str) -> Response {
    let location = HeaderValue::from_str(to).unwrap_or(HeaderValue::from_static("/"));
    (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response()
}

/// A signed-in member inside one workspace, with the page frame.
struct Ctx {
    at: InWorkspace,
    shell: Shell,
    now: Timestamp,
}

/// Resolves the workspace a page names: 404 page if it does not exist, 403 page if the viewer
/// is not a member.
async fn enter(
    state: &AppState,
    viewer: Viewer,
    raw: &str,
    section: &'static str,
) -> PageResult<Ctx> {
    let member = viewer.0.member;
    let workspace = InWorkspace::parse(raw)?;
    // One read gives both the role here and the switcher's list.
    let memberships = state.store.memberships(member.id).await?;
    let Some(here) = memberships.iter().find(|m| m.workspace_id == workspace) else {
        return Err(InWorkspace::not_in(state, workspace).await.into());
    };
    let shell = Shell::new(&member.email, here, &memberships, section);
    let at = InWorkspace {
        member,
        workspace,
        role: here.role,
    };
    Ok(Ctx {
        at,
        shell,
        now: state.clock.now(),
    })
}

// ------------------------------------------------------------------------------------------
// Signing in and out.

/// `/`: the first workspace's projects, or the sign-in page.
async fn home(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    let Some(who) = SignedIn::from_headers(&state, &headers).await? else {
        return Ok(see_other("/login"));
    };
    let memberships = state.store.memberships(who.member.id).await?;
    match memberships.first() {
        Some(first) => Ok(see_other(&format!("/w/{}/projects", first.workspace_id))),
        None => ok(&NoWorkspacePage {
            assets: Assets::get(),
            email: who.member.email,
        }),
    }
}

async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageQuery(query): PageQuery,
) -> PageResult {
    let next = safe_next(query.get("next"));
    if SignedIn::from_headers(&state, &headers).await?.is_some() {
        return Ok(see_other(&next));
    }
    ok(&LoginPage {
        assets: Assets::get(),
        email: String::new(),
        next,
        error: None,
    })
}

/// The sign-in form's post: the same checks and throttle as `POST /api/v1/auth/login`; on
/// success the session cookie and a redirect to `next`.
async fn login(State(state): State<AppState>, Peer(peer): Peer, body: Bytes) -> PageResult {
    let form = parse_form(&body);
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let (email, password) = (field("email").trim(), field("password"));
    let next = safe_next(form.get("next").map(String::as_str));
    let again = |status: StatusCode, error: String| {
        render(
            status,
            &LoginPage {
                assets: Assets::get(),
                email: email.to_string(),
                next: next.clone(),
                error: Some(error),
            },
        )
    };
    if email.is_empty() || password.is_empty() {
        return Ok(again(
            StatusCode::BAD_REQUEST,
            "Enter your email and your password.".into(),
        ));
    }
    let signed_in = sign_in(
        state.store.as_ref(),
        &state.sign_in_gate(peer),
        email,
        password,
        state.session_terms(),
    )
    .await;
    match signed_in {
        Ok((_, session)) => Ok(with_session_cookie(
            see_other(&next),
            &state,
            Some(&session),
        )),
        Err(ServiceError::Auth(AuthError::WrongCredentials)) => Ok(again(
            StatusCode::UNAUTHORIZED,
            "Wrong email or password.".into(),
        )),
        Err(ServiceError::Auth(AuthError::Throttled(info))) => {
            let whose = match info.scope {
                RateLimitScope::SignInAddress => "sign-in attempts from your address",
                _ => "failed sign-ins for this email",
            };
            let mut response = again(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "Too many {whose}. Wait {} seconds, then try again.",
                    info.retry_after_secs
                ),
            );
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(info.retry_after_secs));
            Ok(response)
        }
        Err(ServiceError::Auth(AuthError::Busy { retry_secs })) => {
            let mut response = again(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "Too many people are signing in right now. Wait {retry_secs} seconds, then \
                     try again."
                ),
            );
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_secs));
            Ok(response)
        }
        Err(other) => Err(ApiError::from(other).into()),
    }
}

/// Ends the session (in the database and in the browser) and returns to the sign-in page.
async fn logout(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    if let Some(session) = presented_session(&state, &headers).await? {
        state.store.delete_session(session).await?;
    }
    Ok(with_session_cookie(see_other("/login"), &state, None))
}

/// The sections the workspace switcher can keep when it changes workspace.
const SECTIONS: [&str; 4] = ["projects", "settings/api-keys", "members", "audit-log"];

/// The workspace switcher's form: the same section in the chosen workspace.
async fn switch_workspace(_: Viewer, PageQuery(query): PageQuery) -> PageResult {
    let workspace: WorkspaceId = query
        .get("workspace")
        .and_then(|w| w.parse().ok())
        .ok_or_else(|| ApiError::NotFound("choose a workspace to switch to".into()))?;
    let section = query
        .get("section")
        .and_then(|s| SECTIONS.into_iter().find(|known| *known == s))
        .unwrap_or("projects");
    Ok(see_other(&format!("/w/{workspace}/{section}")))
}

/// An invitation link: who invites to what, and a way to accept (through the API).
async fn invitation(
    State(state): State<AppState>,
    headers: HeaderMap,
    PagePath(token): PagePath<String>,
) -> PageResult {
    let (invited, workspace_name) = state
        .store
        .open_invitation(SecretToken::presented(&token).hash(), state.clock.now())
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(
                "This invitation link is unknown, already used or expired. Ask an admin of the \
                 workspace for a new one."
                    .into(),
            )
        })?;
    let who = SignedIn::from_headers(&state, &headers).await?;
    let already_member = match &who {
        Some(who) => state
            .store
            .role_of(invited.workspace_id, who.member.id)
            .await?
            .is_some(),
        None => false,
    };
    let mut response = render(
        StatusCode::OK,
        &InvitePage {
            assets: Assets::get(),
            token,
            workspace_id: invited.workspace_id.to_string(),
            workspace_name,
            role: invited.role.as_str(),
            expires: When::at(invited.expires_at, state.clock.now()),
            signed_in_as: who.map(|w| w.member.email),
            already_member,
        },
    );
    // The token is in this page's URL: never send it to another site.
    response
        .headers_mut()
        .insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(response)
}

// ------------------------------------------------------------------------------------------
// Workspace pages.

async fn workspace_home(
    viewer: Viewer,
    PagePath(ws): PagePath<String>,
    State(state): State<AppState>,
) -> PageResult {
    let ctx = enter(&state, viewer, &ws, "projects").await?;
    Ok(see_other(&ctx.shell.url("/projects")))
}

async fn settings(
    viewer: Viewer,
    PagePath(ws): PagePath<String>,
    State(state): State<AppState>,
) -> PageResult {
    let ctx = enter(&state, viewer, &ws, "settings/api-keys").await?;
    Ok(see_other(&ctx.shell.url("/settings/api-keys")))
}

async fn unknown_page(
    viewer: Viewer,
    PagePath((ws, _)): PagePath<(String, String)>,
    State(state): State<AppState>,
) -> PageResult {
    enter(&state, viewer, &ws, "projects").await?;
    Err(ApiError::NotFound("there is no such page in this workspace".into()).into())
}

/// `?page=N` (plus `limit` when it is not the default) appended to `pairs`.
fn page_query(pairs: &[(&str, &str)], page: Page) -> String {
    let mut parts: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode_component(v)))
        .collect();
    if page.limit != 20 {
        parts.push(format!("limit={}", page.limit));
    }
    parts.push(format!("page={}", page.page));
    format!("?{}", parts.join("&"))
}

async fn projects(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    PagePath(ws): PagePath<String>,
    PageQuery(query): PageQuery,
) -> PageResult {
    let ctx = enter(&state, viewer, &ws, "projects").await?;
    let page = query.page()?;
    let (list, total) = state.store.list_projects(ctx.at.workspace, page).await?;
    let projects: Vec<_> = list
        .iter()
        .map(|p| ProjectView::new(&ctx.shell, p, ctx.now))
        .collect();
    let pager = Pager::new(page.page, page.limit, total, projects.len(), |p| {
        page_query(&[], Page { page: p, ..page })
    });
    ok(&ProjectsPage {
        assets: Assets::get(),
        base_url: base_url(&state, &headers),
        shell: ctx.shell,
        projects,
        pager,
    })
}

/// The id of the project a page names: a 404 page unless it has the `hp-{uuid}` shape.
fn project_id(raw: &str) -> PageResult<ProjectId> {
    ProjectId::parse(raw.trim()).ok_or_else(|| project_gone(raw).into())
}

fn project_gone(raw: &str) -> ApiError {
    ApiError::NotFound(format!("project {raw} not found in this workspace"))
}

/// The project a page names, in the page's workspace.
async fn project_in(
    state: &AppState,
    ctx: &Ctx,
    raw: &str,
) -> PageResult<(ProjectId, ProjectView)> {
    let id = project_id(raw)?;
    let project = state
        .store
        .get_project(ctx.at.workspace, id)
        .await?
        .ok_or_else(|| project_gone(raw))?;
    Ok((id, ProjectView::new(&ctx.shell, &project, ctx.now)))
}

async fn project(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    PagePath((ws, id)): PagePath<(String, String)>,
) -> PageResult {
    let ctx = enter(&state, viewer, &ws, "projects").await?;
    let (project, report) = state
        .store
        .get_project_with_report(ctx.at.workspace, project_id(&id)?)
        .await?
        .ok_or_else(|| project_gone(&id))?;
    let project = ProjectView::new(&ctx.shell, &project, ctx.now);
    let (summary, insights) = match &report {
        Some((summary, insights)) => (
            serde_json::from_str(summary)
                .map(|v| summary_sections(&v))
                .unwrap_or_default(),
            insight_views(&ctx.shell, insights),
        ),
        None => (Vec::new(), Vec::new()),
    };
    ok(&ProjectPage {
        assets: Assets::get(),
        base_url: base_url(&state, &headers),
        has_report: report.is_some(),
        shell: ctx.shell,
        project,
        summary,
        insights,
    })
}

async fn transcripts(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    PagePath((ws, id)): PagePath<(String, String)>,
    PageQuery(query): PageQuery,
) -> PageResult {
    let ctx = enter(&state, viewer, &ws, "projects").await?;
    let (project_id, project) = project_in(&state, &ctx, &id).await?;
    let text = |name: &str| query.get(name).unwrap_or_default().to_string();
    let filters = FilterValues {
        q: text("q"),
        model_name: text("model_name"),
        language: text("language"),
        source_system: text("source_system"),
        annotation: text("annotation"),
        date_from: text("date_from"),
        date_to: text("date_to"),
    };
    let mut page = TranscriptsPage {
        assets: Assets::get(),
        base_url: base_url(&state, &headers),
        shell: ctx.shell,
        project,
        filters,
        rows: Vec::new(),
        pager: Pager::default(),
        error: None,
    };
    let parsed = query
        .page()
        .and_then(|p| parse_filter(&query).map(|f| (p, f)));
    let (paging, filter) = match parsed {
        Ok(parsed) => parsed,
        Err(ApiError::Validation { param, message }) => {
            page.error = Some(FieldError {
                field: param.unwrap_or_default(),
                message,
            });
            return Ok(render(StatusCode::BAD_REQUEST, &page));
        }
        Err(other) => return Err(other.into()),
    };
    let (items, total) = state
        .store
        .list_transcripts(ctx.at.workspace, project_id, &filter, paging)
        .await?;
    page.rows = items
        .iter()
        .map(|t| TranscriptRow::new(&page.shell, t, ctx.now))
        .collect();
    let pairs: Vec<_> = page.filters.pairs().collect();
    let base = page.project.transcripts_url.clone();
    page.pager = Pager::new(paging.page, paging.limit, total, page.rows.len(), |p| {
        format!("{base}{}", page_query(&pairs, Page { page: p, ..paging }))
    });
    ok(&page)
}

async fn transcript(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath((ws, id)): PagePath<(String, String)>,
) -> PageResult {
    let ctx = enter(&state, viewer, &ws, "projects").await?;
    let not_found = || ApiError::NotFound(format!("transcript {id} not found in this workspace"));
    let transcript_id: TranscriptId = id.trim().parse().map_err(|_| not_found())?;
    let detail = state
        .store
        .get_transcript(ctx.at.workspace, transcript_id)
        .await?
        .ok_or_else(not_found)?;
    let summary = &detail.summary;
    let project_name = state
        .store
        .get_project(ctx.at.workspace, summary.project_id)
        .await?
        .map_or_else(|| summary.project_id.to_string(), |p| p.name);
    let mut signals = state
        .store
        .get_analysis(ctx.at.workspace, transcript_id)
        .await?
        .turn_signals;
    ok(&TranscriptPage {
        assets: Assets::get(),
        id: summary.id.to_string(),
        name: summary.name.clone(),
        project_url: ctx.shell.url(&format!("/projects/{}", summary.project_id)),
        project_name,
        facts: TranscriptPage::facts_of(&detail),
        created: When::at(summary.created_at, ctx.now),
        source_time: summary.source_timestamp.map(|t| When::at(t, ctx.now)),
        annotations: TranscriptPage::annotations_of(&detail.annotations),
        metadata: TranscriptPage::metadata_of(summary),
        turns: detail
            .turns
            .iter()
            .map(|t| TurnView::new(t, signals.remove(&t.index).unwrap_or_default(), ctx.now))
            .collect(),
        shell: ctx.shell,
    })
}

async fn api_keys(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    PagePath(ws): PagePath<String>,
) -> PageResult {
    let ctx = enter(&state, viewer, &ws, "settings/api-keys").await?;
    let keys = state.store.list_keys(ctx.at.workspace).await?;
    ok(&ApiKeysPage {
        assets: Assets::get(),
        base_url: base_url(&state, &headers),
        keys: keys.iter().map(|k| KeyRow::new(k, ctx.now)).collect(),
        permissions: permission_choices(),
        shell: ctx.shell,
    })
}

async fn members(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(ws): PagePath<String>,
) -> PageResult {
    let ctx = enter(&state, viewer, &ws, "members").await?;
    let people = state.store.list_members(ctx.at.workspace).await?;
    let invitations = if ctx.at.role.can_manage() {
        state.store.list_invitations(ctx.at.workspace).await?
    } else {
        Vec::new()
    };
    ok(&MembersPage {
        assets: Assets::get(),
        members: people
            .iter()
            .map(|m| MemberRow::new(m, ctx.at.member.id, ctx.at.role, ctx.now))
            .collect(),
        invitations: invitations
            .iter()
            .map(|i| InvitationRow::new(i, ctx.now))
            .collect(),
        shell: ctx.shell,
    })
}

/// How many audit entries the page shows.
const AUDIT_ENTRIES: u32 = 100;

async fn audit_log(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(ws): PagePath<String>,
) -> PageResult {
    let ctx = enter(&state, viewer, &ws, "audit-log").await?;
    let entries = state
        .store
        .audit_log(ctx.at.workspace, AUDIT_ENTRIES)
        .await?;
    let key_names = state
        .store
        .list_keys(ctx.at.workspace)
        .await?
        .into_iter()
        .map(|k| (k.id.to_string(), k.name))
        .collect();
    ok(&AuditLogPage {
        assets: Assets::get(),
        entries: entries
            .iter()
            .map(|e| AuditRow::new(e, &key_names, ctx.now))
            .collect(),
        limit: AUDIT_ENTRIES,
        shell: ctx.shell,
    })
}
