//! Projects: create, list, get (with the executive summary), insights.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::access::{missing_project, parse_project_id};
use super::schema::{ErrorBody, PageQuery};
use crate::error::{ApiError, Result};
use crate::http::{
    Envelope, JsonBody, ListEnvelope, PathParam, QueryParams, Reader, RequestStart, Writer,
    respond, respond_list,
};
use crate::model::report::Insight;
use crate::model::transcript::required_name;
use crate::model::{DomainPack, Project, ProjectId};
use crate::state::AppState;
use crate::store::NewProject;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects", get(list).post(create))
        .route("/projects/{projectId}", get(show))
        .route("/projects/{projectId}/insights", get(insights))
}

/// `POST /projects` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(description = "A project to create. Unknown fields are ignored.")]
pub struct CreateProjectBody {
    /// 1 to 500 characters after trimming.
    #[schema(value_type = String, required = true, min_length = 1, pattern = r"^[^\x00]*[^\x00\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00]*$", max_length = 500, example = "Support bot")]
    pub name: Option<String>,
    /// The taxonomy the project's analysis uses; `general` when absent or `null`.
    #[schema(value_type = Option<DomainPack>)]
    pub domain_pack: Option<String>,
}

impl CreateProjectBody {
    fn validate(self) -> Result<NewProject> {
        let name = required_name(self.name, "name", 500)?;
        let domain_pack = match self.domain_pack.as_deref().map(str::trim) {
            None => DomainPack::General,
            Some(pack) => DomainPack::parse(pack).ok_or_else(|| {
                ApiError::invalid(
                    "domainPack",
                    format!("domainPack must be general or ai_coding, got {pack:?}"),
                )
            })?,
        };
        Ok(NewProject { name, domain_pack })
    }
}

/// A project with its executive summary (`null` until analysis has run).
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ProjectDetail {
    #[serde(flatten)]
    project: Project,
    /// The report's executive summary (overview, patterns, issues, trends) once analysis has
    /// run, else `null`.
    #[schema(value_type = Option<Object>, required = true)]
    executive_summary: Option<Box<RawValue>>,
}

/// Create a project
///
/// Needs `projects-write` (or the legacy `halfpipe-transcripts-write`).
#[utoipa::path(
    post,
    path = "/projects",
    operation_id = "createProject",
    tag = "projects",
    security(("bearerAuth" = [])),
    request_body = CreateProjectBody,
    responses(
        (status = 201, description = "The new project.", body = Envelope<ProjectDetail>),
        (status = 400, description = "`name` or `domainPack` is invalid (named in `param`), or \
            the body is not a JSON object.", body = ErrorBody),
        (status = 413, description = "The body is larger than the server's limit \
            (`request_too_large`).", body = ErrorBody),
        (status = 415, description = "The body is not JSON (`Content-Type` other than \
            `application/json`).", body = ErrorBody),
    ),
)]
async fn create(
    State(state): State<AppState>,
    Writer(who): Writer,
    start: RequestStart,
    JsonBody(body): JsonBody<CreateProjectBody>,
) -> Result<Response> {
    let project = state
        .store
        .create_project(who.workspace_id, body.validate()?)
        .await?;
    let detail = ProjectDetail {
        project,
        executive_summary: None,
    };
    Ok(respond(StatusCode::CREATED, start, detail))
}

/// List projects
///
/// The workspace's projects, newest first. Needs `projects-read`.
#[utoipa::path(
    get,
    path = "/projects",
    operation_id = "listProjects",
    tag = "projects",
    security(("bearerAuth" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of projects.", body = ListEnvelope<Project>),
        (status = 400, description = "`page` or `limit` is out of range or not an integer \
            (named in `param`).", body = ErrorBody),
    ),
)]
async fn list(
    State(state): State<AppState>,
    Reader(who): Reader,
    start: RequestStart,
    query: QueryParams,
) -> Result<Response> {
    let page = query.page()?;
    let (projects, total) = state.store.list_projects(who.workspace_id, page).await?;
    Ok(respond_list(start, projects, page, total))
}

/// Get a project
///
/// The project with its executive summary. Needs `projects-read`.
#[utoipa::path(
    get,
    path = "/projects/{projectId}",
    operation_id = "getProject",
    tag = "projects",
    security(("bearerAuth" = [])),
    params(("projectId" = ProjectId, Path, description = "The project's id.")),
    responses(
        (status = 200, description = "The project.", body = Envelope<ProjectDetail>),
        (status = 400, description = "`projectId` is not `hp-` followed by a UUID.",
            body = ErrorBody),
        (status = 404, description = "No such project.", body = ErrorBody),
    ),
)]
async fn show(
    State(state): State<AppState>,
    Reader(who): Reader,
    start: RequestStart,
    PathParam(id): PathParam,
) -> Result<Response> {
    let id = parse_project_id(&id)?;
    let Some((project, summary)) = state
        .store
        .get_project_with_summary(who.workspace_id, id)
        .await?
    else {
        return Err(missing_project(&state, id).await);
    };
    let executive_summary = summary
        .map(RawValue::from_string)
        .transpose()
        .map_err(|e| ApiError::internal(format!("stored summary is not JSON: {e}")))?;
    Ok(respond(
        StatusCode::OK,
        start,
        ProjectDetail {
            project,
            executive_summary,
        },
    ))
}

/// Get a project's insights
///
/// The ranked insights of the project's report: by severity, then frequency; empty before
/// analysis. Needs `projects-read`.
#[utoipa::path(
    get,
    path = "/projects/{projectId}/insights",
    operation_id = "getProjectInsights",
    tag = "projects",
    security(("bearerAuth" = [])),
    params(("projectId" = ProjectId, Path, description = "The project's id.")),
    responses(
        (status = 200, description = "The insights, most important first.",
            body = Envelope<Vec<Insight>>),
        (status = 400, description = "`projectId` is not `hp-` followed by a UUID.",
            body = ErrorBody),
        (status = 404, description = "No such project.", body = ErrorBody),
    ),
)]
async fn insights(
    State(state): State<AppState>,
    Reader(who): Reader,
    start: RequestStart,
    PathParam(id): PathParam,
) -> Result<Response> {
    let id = parse_project_id(&id)?;
    let Some((_, report)) = state
        .store
        .get_project_with_report(who.workspace_id, id)
        .await?
    else {
        return Err(missing_project(&state, id).await);
    };
    let insights = RawValue::from_string(report.map_or_else(|| "[]".into(), |(_, i)| i))
        .map_err(|e| ApiError::internal(format!("stored insights are not JSON: {e}")))?;
    Ok(respond(StatusCode::OK, start, insights))
}
