//! Storage behind one trait. Every method on workspace data takes the `WorkspaceId` first, so
//! tenancy is in the signature. Two backends implement it, each on sqlx's native driver:
//! `sqlite/` (the embedded default) and `postgres/`; all SQL for a backend lives in that
//! backend's folder, and what both share (row structs, conversions, dynamic-SQL builders) in
//! `shared`.

mod error;
mod members;
mod postgres;
mod shared;
mod sqlite;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

pub use error::{StoreError, is_unavailable};
pub use members::MemberStore;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use crate::config::DatabaseConfig;
use crate::model::{KeyHash, PermissionSet};
use error::Result;

use crate::model::transcript::{
    InsertOutcome, TranscriptDetail, TranscriptFilter, TranscriptInsert, TranscriptSummary,
};
use crate::model::{
    ApiKeyRecord, AuditEntry, DomainPack, KeyId, KeyStatus, NewApiKey, Page, Project, ProjectId,
    Timestamp, TranscriptId, Workspace, WorkspaceId,
};

/// What authentication needs to know about a key, looked up by the hash of its plaintext.
#[derive(Debug, Clone)]
pub struct KeyAuthRecord {
    pub id: KeyId,
    pub workspace_id: WorkspaceId,
    pub permissions: PermissionSet,
    pub status: KeyStatus,
    pub expires_at: Option<Timestamp>,
    pub hint: String,
}

/// A key change that other nodes' caches must see: the key's hash and the change's sequence.
#[derive(Debug, Clone, Copy)]
pub struct KeyChange {
    pub seq: i64,
    pub hash: KeyHash,
}

/// A queued analysis job a worker has taken (SPEC §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnalysisJob {
    pub workspace_id: WorkspaceId,
    pub transcript_id: TranscriptId,
    /// Attempts so far, this one included.
    pub attempts: i64,
}

/// A job still in the queue: waiting, or given up on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedAnalysis {
    pub transcript_id: TranscriptId,
    /// `queued` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// What analysis found in one transcript, as it is stored.
#[derive(Debug, Clone, Copy)]
pub struct AnalysisResult<'a> {
    pub annotations: &'a BTreeMap<String, String>,
    /// Signal names by turn index; turns without signals are absent.
    pub turn_signals: &'a BTreeMap<i64, Vec<String>>,
    /// The analyzer version that produced them.
    pub version: &'a str,
}

/// A transcript's stored analysis: the version that produced it and its per-turn signals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredAnalysis {
    pub version: Option<String>,
    pub analyzed_at: Option<Timestamp>,
    pub turn_signals: BTreeMap<i64, Vec<String>>,
}

/// Who made a change, for the audit log.
#[derive(Debug, Clone)]
pub struct Actor(pub String);

/// A new project.
#[derive(Debug, Clone)]
pub struct NewProject {
    pub name: String,
    pub domain_pack: DomainPack,
}

/// A key state change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAction {
    Revoke,
    Reactivate,
    Delete,
}

impl KeyAction {
    pub fn audit_name(self) -> &'static str {
        match self {
            KeyAction::Revoke => "api_key.revoked",
            KeyAction::Reactivate => "api_key.reactivated",
            KeyAction::Delete => "api_key.deleted",
        }
    }
}

#[async_trait]
pub trait Store: MemberStore + Send + Sync + 'static {
    /// Whether the database answers.
    async fn ping(&self) -> Result<()>;

    // Workspaces.
    async fn create_workspace(&self, name: &str) -> Result<Workspace>;
    /// Creates a workspace only if there is none yet (`None` otherwise), atomically across
    /// processes: nodes starting together on an empty database bootstrap one workspace.
    async fn create_first_workspace(&self, name: &str) -> Result<Option<Workspace>>;
    async fn list_workspaces(&self) -> Result<Vec<Workspace>>;
    async fn get_workspace(&self, id: WorkspaceId) -> Result<Option<Workspace>>;

    // API keys. Each change writes its audit row and its change notice in one transaction.
    async fn create_key(&self, key: NewApiKey, actor: &Actor) -> Result<ApiKeyRecord>;
    async fn list_keys(&self, ws: WorkspaceId) -> Result<Vec<ApiKeyRecord>>;
    /// The key with this id, in any workspace (the CLI addresses keys by id alone).
    async fn get_key(&self, id: KeyId) -> Result<Option<ApiKeyRecord>>;
    /// Applies `action` to the key; `None` if no key has this id in `ws`.
    async fn change_key(
        &self,
        ws: WorkspaceId,
        id: KeyId,
        action: KeyAction,
        actor: &Actor,
    ) -> Result<Option<KeyHash>>;
    /// Looks a key up by hash, across workspaces: this is how a request finds its workspace.
    async fn find_key_by_hash(&self, hash: KeyHash) -> Result<Option<KeyAuthRecord>>;
    /// Moves each key's `last_used_at` forward (never back).
    async fn touch_keys(&self, used: &[(KeyId, Timestamp)]) -> Result<()>;
    /// The newest change sequence number (0 if none).
    async fn latest_key_change(&self) -> Result<i64>;
    /// Changes after `seq`, oldest first.
    async fn key_changes_since(&self, seq: i64) -> Result<Vec<KeyChange>>;
    /// Forgets changes logged before `before` (every node has long seen them).
    async fn prune_key_changes(&self, before: Timestamp) -> Result<()>;
    /// Wakes `wake` whenever another node announces a key change, for as long as the returned
    /// task runs; `None` where the backend has no announcements (polling alone then applies).
    fn listen_for_key_changes(&self, wake: Arc<Notify>) -> Option<JoinHandle<()>>;
    async fn audit_log(&self, ws: WorkspaceId, limit: u32) -> Result<Vec<AuditEntry>>;

    // Projects.
    async fn create_project(&self, ws: WorkspaceId, project: NewProject) -> Result<Project>;
    async fn list_projects(&self, ws: WorkspaceId, page: Page) -> Result<(Vec<Project>, i64)>;
    async fn get_project(&self, ws: WorkspaceId, id: ProjectId) -> Result<Option<Project>>;
    /// A project with its executive summary (JSON text) if a report exists, in one query.
    async fn get_project_with_summary(
        &self,
        ws: WorkspaceId,
        id: ProjectId,
    ) -> Result<Option<(Project, Option<String>)>>;
    /// The workspace's "Default" project, created on first use.
    async fn default_project(&self, ws: WorkspaceId) -> Result<Project>;
    /// The workspace owning a project, if it exists anywhere (to tell 403 from 404).
    async fn project_owner(&self, id: ProjectId) -> Result<Option<WorkspaceId>>;
    /// A project with its report, if one exists: (executive summary, insights), both JSON
    /// text, in one query.
    async fn get_project_with_report(
        &self,
        ws: WorkspaceId,
        id: ProjectId,
    ) -> Result<Option<(Project, Option<(String, String)>)>>;

    // Transcripts.
    /// Stores a transcript and all its turns atomically, or finds the earlier upload with the
    /// same `externalId`.
    async fn insert_transcript(
        &self,
        ws: WorkspaceId,
        insert: TranscriptInsert,
    ) -> Result<InsertOutcome>;
    async fn list_transcripts(
        &self,
        ws: WorkspaceId,
        project: ProjectId,
        filter: &TranscriptFilter,
        page: Page,
    ) -> Result<(Vec<TranscriptSummary>, i64)>;
    async fn get_transcript(
        &self,
        ws: WorkspaceId,
        id: TranscriptId,
    ) -> Result<Option<TranscriptDetail>>;
    /// The workspace owning a transcript, if it exists anywhere.
    async fn transcript_owner(&self, id: TranscriptId) -> Result<Option<WorkspaceId>>;

    // Analysis results.
    /// Replaces a transcript's annotations.
    async fn set_annotations(
        &self,
        ws: WorkspaceId,
        id: TranscriptId,
        annotations: &BTreeMap<String, String>,
    ) -> Result<()>;
    /// A transcript's analyzer version and per-turn signals (empty before analysis).
    async fn get_analysis(&self, ws: WorkspaceId, id: TranscriptId) -> Result<StoredAnalysis>;

    // The analysis queue (SPEC §6.1); `insert_transcript` queues each new transcript.
    /// Takes up to `limit` due jobs, in any workspace, and holds them for `lease` (a job whose
    /// worker dies is due again after it); each counts as one more attempt. Several nodes may
    /// claim at once: none gets a job another holds.
    async fn claim_analysis_jobs(
        &self,
        now: Timestamp,
        limit: u32,
        lease: time::Duration,
    ) -> Result<Vec<AnalysisJob>>;
    /// Stores a job's results (annotations, signals, version) and removes the job, in one
    /// transaction.
    async fn complete_analysis(
        &self,
        ws: WorkspaceId,
        id: TranscriptId,
        result: AnalysisResult<'_>,
        now: Timestamp,
    ) -> Result<()>;
    /// Records a failed attempt: due again at `retry_at`, or, with `None`, given up on as
    /// `failed` with its reason (kept, never retried).
    async fn fail_analysis(
        &self,
        ws: WorkspaceId,
        id: TranscriptId,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<()>;
    /// Queues every transcript whose results are missing or come from another analyzer
    /// version than `version` and that has no job yet; returns how many it queued.
    async fn enqueue_outdated_analysis(&self, version: &str, now: Timestamp) -> Result<u64>;
    /// The workspace's jobs still in the queue, oldest first.
    async fn analysis_queue(&self, ws: WorkspaceId) -> Result<Vec<QueuedAnalysis>>;

    /// Replaces a project's report: executive summary and insights, both JSON text.
    async fn put_report(
        &self,
        ws: WorkspaceId,
        id: ProjectId,
        executive_summary: &str,
        insights: &str,
    ) -> Result<()>;
}

/// The SQL dialect of a database URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn of(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Dialect::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Dialect::Postgres)
        } else {
            None
        }
    }
}

/// Opens (and migrates) the store `config` names: `sqlite://…` (created if missing) or
/// `postgres://…`.
pub async fn connect(config: &DatabaseConfig) -> Result<Arc<dyn Store>, String> {
    let url = &config.database_url;
    let dialect = Dialect::of(url).ok_or_else(|| {
        "unsupported database URL scheme: expected sqlite://path or postgres://…".to_string()
    })?;
    let opened: Result<Arc<dyn Store>, sqlx::Error> = match dialect {
        Dialect::Sqlite => SqliteStore::open(config).await.map(|s| Arc::new(s) as _),
        Dialect::Postgres => PostgresStore::open(config).await.map(|s| Arc::new(s) as _),
    };
    match opened {
        Ok(store) => Ok(store),
        Err(sqlx::Error::PoolTimedOut) => Err(why_no_connection(config, dialect).await),
        Err(e) => Err(describe(&e)),
    }
}

/// Why no connection could be made within the connect timeout. The pool says only that it
/// timed out (it retries a refused connection until then), so one direct attempt finds the
/// cause: refused, unknown host, no answer.
async fn why_no_connection(config: &DatabaseConfig, dialect: Dialect) -> String {
    let cause = match dialect {
        Dialect::Sqlite => try_connect::<sqlx::SqliteConnection>(config).await,
        Dialect::Postgres => try_connect::<sqlx::PgConnection>(config).await,
    };
    format!(
        "no connection within {} ms: {cause}",
        config.connect_timeout().as_millis()
    )
}

/// What one direct connection attempt within the connect timeout finds.
async fn try_connect<C: sqlx::Connection>(config: &DatabaseConfig) -> String {
    let attempt = C::connect(&config.database_url);
    match tokio::time::timeout(config.connect_timeout(), attempt).await {
        Ok(Err(e)) => describe(&e),
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            "the server answered too slowly".to_string()
        }
        Err(_) => "the server did not answer".to_string(),
    }
}

/// A database error for a person: the server's own message, without sqlx's wrapping.
fn describe(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Database(db) => db.message().to_string(),
        other => other.to_string(),
    }
}

pub use crate::config::redact_url;

/// Whether a database error is a unique-constraint violation.
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(
            redact_url("postgres://user:secret@host/db"),
            "postgres://user:***@host/db"
        );
        assert_eq!(redact_url("sqlite://halfpipe.db"), "sqlite://halfpipe.db");
    }
}
