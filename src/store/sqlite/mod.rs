//! The SQLite backend, on sqlx's native driver: one file in WAL mode, one writer connection
//! (SQLite has one writer anyway, and queuing here rather than in SQLite's busy handler keeps
//! latency fair) beside a pool of read-only connections. Write transactions start with `begin
//! immediate`. The schema (`migrations/sqlite`) keeps text ids, RFC 3339 text timestamps, 0/1
//! integers and JSON as text; see `types` for how the model's types map onto it. Every SQL
//! statement of this backend lives in this folder: `keys` (workspaces, keys, their change log
//! and the audit log), `projects` (projects, transcripts, analysis results), `members`.

mod analysis;
mod keys;
mod members;
mod projects;
mod types;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use sqlx::sqlite::{SqlitePool, SqlitePoolOptions};
use sqlx::{Executor, Sqlite};
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

/// The migrations, embedded in the binary (versions in lockstep with PostgreSQL's).
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

pub struct SqliteStore {
    /// Queries: read-only connections beside the one writer.
    read: SqlitePool,
    /// Transactions and writes: a single connection.
    write: SqlitePool,
}

type Tx = sqlx::Transaction<'static, Sqlite>;

/// `sqlite://path` → the same with `mode=…` set, keeping other parameters.
fn sqlite_url(url: &str, mode: &str) -> String {
    if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode={mode}")
    } else {
        format!("{url}?mode={mode}")
    }
}

impl SqliteStore {
    /// Opens (creating it if missing) and migrates the database file `config` names.
    pub async fn open(config: &DatabaseConfig) -> Result<Self, sqlx::Error> {
        let url = config.database_url.as_str();
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        // A local file does not drop idle connections, and sqlx pings every connection as it
        // returns to the pool anyway; testing it again before each use would only add a round
        // trip to its worker thread to every query.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .test_before_acquire(false)
            .acquire_timeout(config.connect_timeout())
            .after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute(
                        // busy_timeout first: switching to WAL waits for the lock of another
                        // process opening the same file.
                        "pragma busy_timeout = 10000; pragma journal_mode = wal; \
                         pragma synchronous = normal; pragma foreign_keys = on;",
                    )
                    .await?;
                    Ok(())
                })
            })
            .connect(&sqlite_url(url, "rwc"))
            .await?;
        let read = if in_memory {
            write.clone()
        } else {
            SqlitePoolOptions::new()
                .max_connections(config.pool_size.clamp(1, 8))
                .test_before_acquire(false)
                .acquire_timeout(config.connect_timeout())
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute("pragma busy_timeout = 10000;").await?;
                        Ok(())
                    })
                })
                .connect_lazy(&sqlite_url(url, "ro"))?
        };
        let store = Self { read, write };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), sqlx::Error> {
        // SQLite has no migration lock: a process starting beside this one (another node, the
        // CLI) may apply a migration between our reading what is applied and our applying it.
        // Reading again then finds it applied.
        let mut attempt = 1;
        loop {
            match MIGRATOR.run(&self.write).await {
                Err(_) if attempt < 5 => {
                    tokio::time::sleep(std::time::Duration::from_millis(50 * attempt)).await;
                    attempt += 1;
                }
                done => return done.map_err(|e| sqlx::Error::Migrate(Box::new(e))),
            }
        }
    }

    /// A write transaction that takes SQLite's write lock up front, so that a transaction that
    /// reads before it writes cannot fail half-way on a lock held by another process.
    async fn begin(&self) -> Result<Tx> {
        Ok(self.write.begin_with("begin immediate").await?)
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<()> {
        sqlx::query("select 1").execute(&self.read).await?;
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

    fn listen_for_key_changes(&self, _wake: Arc<Notify>) -> Option<JoinHandle<()>> {
        // SQLite has no announcements; nodes on one file poll the change log.
        None
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
