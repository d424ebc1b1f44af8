//! Transcripts: upload (and the legacy upload), list with search and filters, get.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::json;

use super::access::{load_project, not_accessible, parse_project_id};
use super::schema::{ErrorBody, LegacyUploadBody, PageQuery, TranscriptFilterQuery};
use crate::auth::Principal;
use crate::error::{ApiError, Result};
use crate::http::{
    Envelope, JsonBody, ListEnvelope, PathParam, QueryParams, Reader, RequestStart, Writer,
    parse_filter, respond, respond_list,
};
use crate::model::transcript::{
    InsertOutcome, NewTranscript, StoredTurn, TranscriptDetail, TranscriptSummary, UploadBody,
};
use crate::model::{ProjectId, Timestamp, TranscriptId, WorkspaceId};
use crate::service::ingest;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects/{projectId}/transcripts", get(list).post(upload))
        .route("/transcripts/{transcriptId}", get(show))
        .route("/halfpipe/transcripts", post(upload_legacy))
}

/// The upload response's `data`, in camelCase as existing clients parse it.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct Uploaded {
    id: TranscriptId,
    project_id: ProjectId,
    workspace_id: WorkspaceId,
    name: String,
    #[schema(required = true)]
    model_name: Option<String>,
    #[schema(required = true)]
    language: Option<String>,
    #[schema(required = true)]
    source_system: Option<String>,
    #[schema(required = true)]
    external_id: Option<String>,
    #[schema(required = true)]
    external_user_id: Option<String>,
    #[schema(required = true)]
    source_timestamp: Option<Timestamp>,
    turn_count: i64,
    user_turn_count: i64,
    assistant_turn_count: i64,
    total_token_count: i64,
    user_token_count: i64,
    assistant_token_count: i64,
    created_at: Timestamp,
    /// The masked hint of the API key that uploaded it.
    #[schema(example = "sk-bigspin-api03-AbCd…WxYz")]
    created_by: String,
}

impl From<TranscriptSummary> for Uploaded {
    fn from(t: TranscriptSummary) -> Self {
        Self {
            id: t.id,
            project_id: t.project_id,
            workspace_id: t.workspace_id,
            name: t.name,
            model_name: t.model_name,
            language: t.language,
            source_system: t.source_system,
            external_id: t.external_id,
            external_user_id: t.external_user_id,
            source_timestamp: t.source_timestamp,
            turn_count: t.stats.turn_count,
            user_turn_count: t.stats.user_turn_count,
            assistant_turn_count: t.stats.assistant_turn_count,
            total_token_count: t.stats.total_token_count,
            user_token_count: t.stats.user_token_count,
            assistant_token_count: t.stats.assistant_token_count,
            created_at: t.created_at,
            created_by: t.created_by,
        }
    }
}

/// The upload response (camelCase `data`, as existing clients parse it).
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct UploadEnvelope {
    /// Always `true`.
    success: bool,
    data: Uploaded,
    /// Milliseconds the server spent on the request.
    processing_time_ms: u64,
}

/// Upload a transcript
///
/// Stores the transcript with all its turns, or nothing. Needs `projects-write` (or the
/// legacy `halfpipe-transcripts-write`). Analysis runs later, in the background.
#[utoipa::path(
    post,
    path = "/projects/{projectId}/transcripts",
    operation_id = "uploadTranscript",
    tag = "transcripts",
    security(("bearerAuth" = [])),
    params(("projectId" = ProjectId, Path, description = "The project to upload into.")),
    request_body = UploadBody,
    responses(
        (status = 201, description = "Stored.", body = UploadEnvelope),
        (status = 200, description = "A transcript with this `externalId` and an identical \
            body was already stored: a safe retry; nothing new is stored.", body = UploadEnvelope),
        (status = 400, description = "A field is invalid (named in `param`, e.g. \
            `turns[3].role`), `projectId` is malformed, or the body is not a JSON object.",
            body = ErrorBody),
        (status = 404, description = "No such project.", body = ErrorBody),
        (status = 409, description = "A different transcript with this `externalId` already \
            exists in the project; `details.transcript_id` names it (`conflict_error`).",
            body = ErrorBody),
        (status = 413, description = "The body is larger than the server's limit \
            (`request_too_large`).", body = ErrorBody),
        (status = 415, description = "The body is not JSON (`Content-Type` other than \
            `application/json`).", body = ErrorBody),
    ),
)]
async fn upload(
    State(state): State<AppState>,
    Writer(who): Writer,
    start: RequestStart,
    PathParam(project_id): PathParam,
    JsonBody(body): JsonBody<UploadBody>,
) -> Result<Response> {
    let project_id = parse_project_id(&project_id)?;
    let transcript = body.validate()?;
    let project = load_project(&state, &who, project_id).await?;
    store_upload(&state, &who, start, project.id, transcript).await
}

/// `POST /halfpipe/transcripts`: the body may name a `projectId`; without one the transcript
/// goes to the workspace's "Default" project.
#[utoipa::path(
    post,
    path = "/halfpipe/transcripts",
    operation_id = "uploadTranscriptLegacy",
    tag = "transcripts",
    summary = "Upload a transcript (legacy)",
    description = "The upload of the official CLI: the same body plus an optional `projectId`; \
        without one the transcript goes into the workspace's \"Default\" project, created on \
        first use. Needs `projects-write` (or the legacy `halfpipe-transcripts-write`).",
    security(("bearerAuth" = [])),
    request_body = LegacyUploadBody,
    responses(
        (status = 201, description = "Stored.", body = UploadEnvelope),
        (status = 200, description = "A transcript with this `externalId` and an identical \
            body was already stored: a safe retry; nothing new is stored.", body = UploadEnvelope),
        (status = 400, description = "A field is invalid (named in `param`, e.g. `projectId` \
            or `turns[3].role`), or the body is not a JSON object.", body = ErrorBody),
        (status = 404, description = "No such project.", body = ErrorBody),
        (status = 409, description = "A different transcript with this `externalId` already \
            exists in the project; `details.transcript_id` names it (`conflict_error`).",
            body = ErrorBody),
        (status = 413, description = "The body is larger than the server's limit \
            (`request_too_large`).", body = ErrorBody),
        (status = 415, description = "The body is not JSON (`Content-Type` other than \
            `application/json`).", body = ErrorBody),
    ),
)]
async fn upload_legacy(
    State(state): State<AppState>,
    Writer(who): Writer,
    start: RequestStart,
    JsonBody(mut body): JsonBody<UploadBody>,
) -> Result<Response> {
    let project_id = body
        .project_id
        .take()
        .filter(|id| !id.trim().is_empty())
        .map(|id| parse_project_id(id.trim()))
        .transpose()?;
    let transcript = body.validate()?;
    let project = match project_id {
        Some(id) => load_project(&state, &who, id).await?,
        None => state.store.default_project(who.workspace_id).await?,
    };
    store_upload(&state, &who, start, project.id, transcript).await
}

async fn store_upload(
    state: &AppState,
    who: &Principal,
    start: RequestStart,
    project_id: ProjectId,
    transcript: NewTranscript,
) -> Result<Response> {
    let target = ingest::Target {
        workspace: who.workspace_id,
        project: project_id,
        created_by: who.hint.to_string(),
    };
    let (status, stored) = match ingest::store(state.store.as_ref(), target, transcript).await? {
        InsertOutcome::Created(t) => {
            state.analysis.wake();
            (StatusCode::CREATED, t)
        }
        InsertOutcome::Replayed(t) => (StatusCode::OK, t),
        InsertOutcome::Conflict(existing) => {
            return Err(ApiError::Conflict {
                message: "a different transcript with this externalId already exists in this \
                          project"
                    .into(),
                details: json!({ "transcript_id": existing }),
            });
        }
    };
    let body = UploadEnvelope {
        success: true,
        data: stored.into(),
        processing_time_ms: start.elapsed_ms(),
    };
    Ok((status, axum::Json(body)).into_response())
}

/// List and search transcripts
///
/// The project's transcripts, newest first (by `created_at`), without their turns. Needs
/// `projects-read`.
#[utoipa::path(
    get,
    path = "/projects/{projectId}/transcripts",
    operation_id = "listTranscripts",
    tag = "transcripts",
    security(("bearerAuth" = [])),
    params(
        ("projectId" = ProjectId, Path, description = "The project's id."),
        PageQuery,
        TranscriptFilterQuery,
    ),
    responses(
        (status = 200, description = "A page of transcripts.",
            body = ListEnvelope<TranscriptSummary>),
        (status = 400, description = "A query parameter (named in `param`) or `projectId` is \
            malformed.", body = ErrorBody),
        (status = 404, description = "No such project.", body = ErrorBody),
    ),
)]
async fn list(
    State(state): State<AppState>,
    Reader(who): Reader,
    start: RequestStart,
    PathParam(project_id): PathParam,
    query: QueryParams,
) -> Result<Response> {
    let project_id = parse_project_id(&project_id)?;
    let page = query.page()?;
    let filter = parse_filter(&query)?;
    let (items, total) = state
        .store
        .list_transcripts(who.workspace_id, project_id, &filter, page)
        .await?;
    // Listed transcripts prove the project is the caller's; only an empty answer needs the
    // project looked up, to tell an empty project from another workspace's (403) or none (404).
    if total == 0 {
        load_project(&state, &who, project_id).await?;
    }
    Ok(respond_list(start, items, page, total))
}

/// Get a transcript
///
/// The transcript with its turns and annotations. Needs `projects-read`.
#[utoipa::path(
    get,
    path = "/transcripts/{transcriptId}",
    operation_id = "getTranscript",
    tag = "transcripts",
    security(("bearerAuth" = [])),
    params(("transcriptId" = TranscriptId, Path, description = "The transcript's id.")),
    responses(
        (status = 200, description = "The transcript.", body = Envelope<TranscriptView>),
        (status = 404, description = "No such transcript (also for an id that is not a UUID).",
            body = ErrorBody),
    ),
)]
async fn show(
    State(state): State<AppState>,
    Reader(who): Reader,
    start: RequestStart,
    PathParam(id): PathParam,
) -> Result<Response> {
    // Transcript ids are UUIDs; anything else names nothing that exists.
    let transcript_id: TranscriptId = id
        .parse()
        .map_err(|_| not_accessible(None, "transcript", &id))?;
    if let Some(detail) = state
        .store
        .get_transcript(who.workspace_id, transcript_id)
        .await?
    {
        let mut analysis = state
            .store
            .get_analysis(who.workspace_id, transcript_id)
            .await?;
        let view = TranscriptView::new(detail, &mut analysis.turn_signals);
        return Ok(respond(StatusCode::OK, start, view));
    }
    let owner = state.store.transcript_owner(transcript_id).await?;
    Err(not_accessible(owner, "transcript", &id))
}

/// A transcript with its turns, each with its signals, and its annotations.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = TranscriptDetail)]
struct TranscriptView {
    #[serde(flatten)]
    summary: TranscriptSummary,
    turns: Vec<TurnView>,
    /// What analysis found, as string keys and values (`{}` before analysis).
    annotations: std::collections::BTreeMap<String, String>,
}

/// A stored turn with the signals analysis found in it.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Turn)]
struct TurnView {
    #[serde(flatten)]
    turn: StoredTurn,
    /// The taxonomy's signals found in this turn (SPEC §6.2); `[]` before analysis.
    signals: Vec<String>,
}

impl TranscriptView {
    fn new(
        detail: TranscriptDetail,
        signals: &mut std::collections::BTreeMap<i64, Vec<String>>,
    ) -> Self {
        let turns = detail
            .turns
            .into_iter()
            .map(|turn| TurnView {
                signals: signals.remove(&turn.index).unwrap_or_default(),
                turn,
            })
            .collect();
        Self {
            summary: detail.summary,
            turns,
            annotations: detail.annotations,
        }
    }
}
