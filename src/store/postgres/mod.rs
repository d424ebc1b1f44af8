//! The PostgreSQL backend, on sqlx's native driver: one pool shared by several nodes, each
//! connection with the configured `statement_timeout`. Key changes are announced with
//! `NOTIFY` and followed by a listener that reconnects by itself; nodes bootstrapping an empty
//! database take turns on an advisory lock. The schema (`migrations/postgres`) has native
//! types since migration 3 — `uuid` ids, `timestamptz`, `boolean`, `jsonb` — see `types` for
//! how the model's types map onto them. Every SQL statement of this backend lives in this
//! folder: `keys` (workspaces, keys, their change log and the audit log), `projects` (projects,
//! transcripts, analysis results), `members`.

mod analysis;
mod keys;
mod members;
mod projects;
mod types;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Executor, Postgres};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::error::Result;
use super::{
    Actor, AnalysisJob, AnalysisResult, KeyAction, KeyAuthRecord, KeyChange, NewProject,
    QueuedAnalysis, Store, StoredAnalysis,
};
use crate::config::DatabaseConfig;
use crate::model::transcript::{
    InsertOutcome, TranscriptDetail, TranscriptFilter, TranscriptInsert, TranscriptSummary,
};
use crate::model::{
    ApiKeyRecord, AuditEntry, KeyHash, KeyId, NewApiKey, Page, Project, ProjectId, Timestamp,
    TranscriptId, Workspace, WorkspaceId,
};

/// The migrations, embedded in the binary (versions in lockstep with SQLite's).
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

pub struct PostgresStore {
    /// For the key-change listener, which needs a connection of its own.
    url: String,
    pool: PgPool,
}

type Tx = sqlx::Transaction<'static, Postgres>;

impl PostgresStore {
    /// Connects to and migrates the database `config` names.
    pub async fn open(config: &DatabaseConfig) -> Result<Self, sqlx::Error> {
        let timeout_ms = config.statement_timeout_ms;
        let pool = PgPoolOptions::new()
            .max_connections(config.pool_size.max(1))
            .acquire_timeout(config.connect_timeout())
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    let set = format!("set statement_timeout = {timeout_ms}");
                    conn.execute(AssertSqlSafe(set)).await?;
                    Ok(())
                })
            })
            .connect(&config.database_url)
            .await?;
        // The migrator holds PostgreSQL's advisory lock while it runs, so nodes starting
        // together apply each migration once.
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| sqlx::Error::Migrate(Box::new(e)))?;
        Ok(Self {
            url: config.database_url.clone(),
            pool,
        })
    }

    async fn begin(&self) -> Result<Tx> {
        Ok(self.pool.begin().await?)
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn ping(&self) -> Result<()> {
        sqlx::query("select 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn create_workspace(&self, name: &str) -> Result<Workspace> {
        keys::create_workspace(self, name).await
    }

    async fn create_first_workspace(&self, name: &str) -> Result<Option<Workspace>> {
        keys::create_first_workspace(self, name).await
    }

    async fn list_workspaces(&self) -> Result<Vec<Workspace>> {
        keys::list_workspaces(self).await
    }

    async fn get_workspace(&self, id: WorkspaceId) -> Result<Option<Workspace>> {
        keys::get_workspace(self, id).await
    }

    async fn create_key(&self, key: NewApiKey, actor: &Actor) -> Result<ApiKeyRecord> {
        keys::create_key(self, key, actor).await
    }

    async fn list_keys(&self, ws: WorkspaceId) -> Result<Vec<ApiKeyRecord>> {
        keys::list_keys(self, ws).await
    }

    async fn get_key(&self, id: KeyId) -> Result<Option<ApiKeyRecord>> {
        keys::get_key(self, id).await
    }

    async fn change_key(
        &self,
        ws: WorkspaceId,
        id: KeyId,
        action: KeyAction,
        actor: &Actor,
    ) -> Result<Option<KeyHash>> {
        keys::change_key(self, ws, id, action, actor).await
    }

    async fn find_key_by_hash(&self, hash: KeyHash) -> Result<Option<KeyAuthRecord>> {
        keys::find_key_by_hash(self, hash).await
    }

    async fn touch_keys(&self, used: &[(KeyId, Timestamp)]) -> Result<()> {
        keys::touch_keys(self, used).await
    }

    async fn latest_key_change(&self) -> Result<i64> {
        keys::latest_key_change(self).await
    }

    async fn key_changes_since(&self, seq: i64) -> Result<Vec<KeyChange>> {
        keys::key_changes_since(self, seq).await
    }

    async fn prune_key_changes(&self, before: Timestamp) -> Result<()> {
        keys::prune_key_changes(self, before).await
    }

    fn listen_for_key_changes(&self, wake: Arc<Notify>) -> Option<JoinHandle<()>> {
        Some(tokio::spawn(keys::listen(self.url.clone(), wake)))
    }

    async fn audit_log(&self, ws: WorkspaceId, limit: u32) -> Result<Vec<AuditEntry>> {
        keys::audit_log(self, ws, limit).await
    }

    async fn create_project(&self, ws: WorkspaceId, project: NewProject) -> Result<Project> {
        projects::insert_project(self, ws, project, false).await
    }

    async fn list_projects(&self, ws: WorkspaceId, page: Page) -> Result<(Vec<Project>, i64)> {
        projects::list_projects(self, ws, page).await
    }

    async fn get_project(&self, ws: WorkspaceId, id: ProjectId) -> Result<Option<Project>> {
        projects::get_project(self, ws, id).await
    }

    async fn get_project_with_summary(
        &self,
        ws: WorkspaceId,
        id: ProjectId,
    ) -> Result<Option<(Project, Option<String>)>> {
        projects::get_project_with_summary(self, ws, id).await
    }

    async fn default_project(&self, ws: WorkspaceId) -> Result<Project> {
        projects::default_project(self, ws).await
    }

    async fn project_owner(&self, id: ProjectId) -> Result<Option<WorkspaceId>> {
        projects::project_owner(self, id).await
    }

    async fn get_project_with_report(
        &self,
        ws: WorkspaceId,
        id: ProjectId,
    ) -> Result<Option<(Project, Option<(String, String)>)>> {
        projects::get_project_with_report(self, ws, id).await
    }

    async fn insert_transcript(
        &self,
        ws: WorkspaceId,
        insert: TranscriptInsert,
    ) -> Result<InsertOutcome> {
        projects::insert_transcript(self, ws, insert).await
    }

    async fn list_transcripts(
        &self,
        ws: WorkspaceId,
        project: ProjectId,
        filter: &TranscriptFilter,
        page: Page,
    ) -> Result<(Vec<TranscriptSummary>, i64)> {
        projects::list_transcripts(self, ws, project, filter, page).await
    }

    async fn get_transcript(
        &self,
        ws: WorkspaceId,
        id: TranscriptId,
    ) -> Result<Option<TranscriptDetail>> {
        projects::get_transcript(self, ws, id).await
    }

    async fn transcript_owner(&self, id: TranscriptId) -> Result<Option<WorkspaceId>> {
        projects::transcript_owner(self, id).await
    }

    async fn set_annotations(
        &self,
        ws: WorkspaceId,
        id: TranscriptId,
        annotations: &BTreeMap<String, String>,
    ) -> Result<()> {
        projects::set_annotations(self, ws, id, annotations).await
    }

    async fn get_analysis(&self, ws: WorkspaceId, id: TranscriptId) -> Result<StoredAnalysis> {
        analysis::get(self, ws, id).await
    }

    async fn claim_analysis_jobs(
        &self,
        now: Timestamp,
        limit: u32,
        lease: time::Duration,
    ) -> Result<Vec<AnalysisJob>> {
        analysis::claim(self, now, limit, lease).await
    }

    async fn complete_analysis(
        &self,
        ws: WorkspaceId,
        id: TranscriptId,
        result: AnalysisResult<'_>,
        now: Timestamp,
    ) -> Result<()> {
        analysis::complete(self, ws, id, result, now).await
    }

    async fn fail_analysis(
        &self,
        ws: WorkspaceId,
        id: TranscriptId,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<()> {
        analysis::fail(self, ws, id, error, retry_at).await
    }

    async fn enqueue_outdated_analysis(&self, version: &str, now: Timestamp) -> Result<u64> {
        analysis::enqueue_outdated(self, version, now).await
    }

    async fn analysis_queue(&self, ws: WorkspaceId) -> Result<Vec<QueuedAnalysis>> {
        analysis::queue(self, ws).await
    }

    async fn put_report(
        &self,
        ws: WorkspaceId,
        id: ProjectId,
        executive_summary: &str,
        insights: &str,
    ) -> Result<()> {
        projects::put_report(self, ws, id, executive_summary, insights).await
    }
}
