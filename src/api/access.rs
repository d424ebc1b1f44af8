//! Lookups every resource of the public API shares: path ids, and telling 403 from 404.

use crate::auth::Principal;
use crate::error::{ApiError, Result};
use crate::model::{Project, ProjectId, WorkspaceId};
use crate::state::AppState;

/// Parses the `projectId` path parameter.
pub(super) fn parse_project_id(raw: &str) -> Result<ProjectId> {
    ProjectId::parse(raw).ok_or_else(|| {
        ApiError::invalid(
            "projectId",
            format!("projectId must be hp- followed by a UUID, got {raw:?}"),
        )
    })
}

/// The project `id` if the caller's workspace owns it: 403 if another workspace does, 404 if
/// none does.
pub(super) async fn load_project(
    state: &AppState,
    who: &Principal,
    id: ProjectId,
) -> Result<Project> {
    match state.store.get_project(who.workspace_id, id).await? {
        Some(project) => Ok(project),
        None => Err(missing_project(state, id).await),
    }
}

/// Why a project is not the caller's: 403 if another workspace owns it, 404 if none does.
pub(super) async fn missing_project(state: &AppState, id: ProjectId) -> ApiError {
    match state.store.project_owner(id).await {
        Ok(owner) => not_accessible(owner, "project", &id),
        Err(e) => e.into(),
    }
}

/// Why a resource the caller asked for is not theirs: 403 if `owner` (another workspace) has
/// it, 404 if nothing with this id exists anywhere.
pub(super) fn not_accessible(
    owner: Option<WorkspaceId>,
    what: &str,
    id: &dyn std::fmt::Display,
) -> ApiError {
    match owner {
        Some(_) => ApiError::Permission(format!(
            "this API key's workspace does not have access to this {what}"
        )),
        None => ApiError::NotFound(format!("{what} {id} not found")),
    }
}
