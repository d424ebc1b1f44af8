//! Every SQL statement of both backends, run through sqlx's `Any` driver so that one
//! implementation serves SQLite and PostgreSQL alike. Where the dialects differ (transaction
//! start, full-text search, change notices) both variants sit side by side, chosen by
//! [`Dialect`]; the schemas live in `migrations/sqlite` and `migrations/postgres`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::value::RawValue;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, AssertSqlSafe, Executor, Row, SqlSafeStr};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::error::{Result, StoreError};
use super::{
    Actor, Dialect, KeyAction, KeyAuthRecord, KeyChange, NewProject, Store, is_unique_violation,
};
use crate::config::DatabaseConfig;
use crate::model::transcript::{
    InsertOutcome, Role, StoredTurn, TranscriptDetail, TranscriptFilter, TranscriptInsert,
    TranscriptStats, TranscriptSummary, search_document,
};
use crate::model::{
    ApiKeyRecord, AuditEntry, DomainPack, KeyId, KeyStatus, NewApiKey, Page, Project, ProjectId,
    Timestamp, TranscriptId, Workspace, WorkspaceId,
};
use crate::model::{KeyHash, PermissionSet};

/// The migrations of each dialect, embedded in the binary. Versions are kept in lockstep.
const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "core",
        include_str!("../../migrations/sqlite/0001_core.sql"),
    ),
    (
        2,
        "members",
        include_str!("../../migrations/sqlite/0002_members.sql"),
    ),
];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "core",
        include_str!("../../migrations/postgres/0001_core.sql"),
    ),
    (
        2,
        "members",
        include_str!("../../migrations/postgres/0002_members.sql"),
    ),
];

/// The advisory lock under which PostgreSQL nodes bootstrap an empty database, one at a time.
const BOOTSTRAP_LOCK: i64 = 0x6861_6c66_7069_7065; // "halfpipe"

/// The channel on which PostgreSQL nodes announce key changes to each other.
pub const KEY_CHANGES_CHANNEL: &str = "halfpipe_key_changes";

pub struct SqlStore {
    pub(super) dialect: Dialect,
    /// For the PostgreSQL change listener, which needs a connection of its own.
    url: String,
    /// Queries. On SQLite, read-only connections beside the one writer.
    pub(super) read: AnyPool,
    /// Transactions and writes. On SQLite, a single connection: SQLite has one writer anyway,
    /// and queuing here rather than in SQLite's busy handler keeps latency fair.
    pub(super) write: AnyPool,
}

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

impl SqlStore {
    /// Connects to (creating, for SQLite) and migrates the database `config` names.
    pub async fn open(config: &DatabaseConfig, dialect: Dialect) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let url = config.database_url.as_str();
        let store = match dialect {
            Dialect::Sqlite => {
                let in_memory = url.contains(":memory:") || url.contains("mode=memory");
                // A local file does not drop idle connections, and sqlx pings every connection
                // as it returns to the pool anyway; testing it again before each use would
                // only add a round trip to its worker thread to every query.
                let write = AnyPoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .test_before_acquire(false)
                    .acquire_timeout(config.connect_timeout())
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                // busy_timeout first: switching to WAL waits for the
                                // lock of another process opening the same file.
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
                    AnyPoolOptions::new()
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
                Self {
                    dialect,
                    url: url.to_string(),
                    read,
                    write,
                }
            }
            Dialect::Postgres => {
                let timeout_ms = config.statement_timeout_ms;
                let pool = AnyPoolOptions::new()
                    .max_connections(config.pool_size.max(1))
                    .acquire_timeout(config.connect_timeout())
                    .after_connect(move |conn, _| {
                        Box::pin(async move {
                            let set = format!("set statement_timeout = {timeout_ms}");
                            conn.execute(AssertSqlSafe(set)).await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?;
                Self {
                    dialect,
                    url: url.to_string(),
                    read: pool.clone(),
                    write: pool,
                }
            }
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), sqlx::Error> {
        let sources = match self.dialect {
            Dialect::Sqlite => SQLITE_MIGRATIONS,
            Dialect::Postgres => POSTGRES_MIGRATIONS,
        };
        let migrations = sources
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*description),
                    MigrationType::Simple,
                    AssertSqlSafe(*sql).into_sql_str(),
                    false,
                )
            })
            .collect();
        let migrator = Migrator::with_migrations(migrations);
        // SQLite has no migration lock: a process starting beside this one (another node, the
        // CLI) may apply a migration between our reading what is applied and our applying it.
        // Reading again then finds it applied.
        let mut attempt = 1;
        loop {
            match migrator.run(&self.write).await {
                Err(_) if self.dialect == Dialect::Sqlite && attempt < 5 => {
                    tokio::time::sleep(std::time::Duration::from_millis(50 * attempt)).await;
                    attempt += 1;
                }
                done => return done.map_err(|e| sqlx::Error::Migrate(Box::new(e))),
            }
        }
    }

    /// A write transaction: SQLite takes its write lock up front, so that a transaction that
    /// reads before it writes cannot fail half-way on a lock held by another process.
    pub(super) async fn begin(&self) -> Result<Tx> {
        let statement = match self.dialect {
            Dialect::Sqlite => "begin immediate",
            Dialect::Postgres => "begin",
        };
        Ok(self.write.begin_with(statement).await?)
    }
}

pub(super) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::corrupt(what, value)
}

pub(super) fn ts(row: &AnyRow, col: &str) -> Result<Timestamp> {
    let text: String = row.try_get(col)?;
    Timestamp::parse_rfc3339(&text).ok_or_else(|| corrupt(col, &text))
}

pub(super) fn opt_ts(row: &AnyRow, col: &str) -> Result<Option<Timestamp>> {
    let text: Option<String> = row.try_get(col)?;
    text.map(|t| Timestamp::parse_rfc3339(&t).ok_or_else(|| corrupt(col, &t)))
        .transpose()
}

fn opt_json(row: &AnyRow, col: &str) -> Result<Option<Box<RawValue>>> {
    let text: Option<String> = row.try_get(col)?;
    text.map(|t| RawValue::from_string(t).map_err(|e| corrupt(col, &e.to_string())))
        .transpose()
}

pub(super) fn uuid_col<T: FromStr>(row: &AnyRow, col: &str) -> Result<T> {
    let text: String = row.try_get(col)?;
    text.parse().map_err(|_| corrupt(col, &text))
}

fn project_id_col(row: &AnyRow, col: &str) -> Result<ProjectId> {
    let text: String = row.try_get(col)?;
    ProjectId::parse(&text).ok_or_else(|| corrupt(col, &text))
}

pub(super) fn hash_col(row: &AnyRow, col: &str) -> Result<KeyHash> {
    let bytes: Vec<u8> = row.try_get(col)?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| corrupt(col, "not 32 bytes"))?;
    Ok(KeyHash(bytes))
}

fn opt_string(value: &Option<Timestamp>) -> Option<String> {
    value.map(|t| t.to_rfc3339())
}

fn json_text<T: serde::Serialize>(value: &Option<T>) -> Option<String> {
    value
        .as_ref()
        .map(|v| serde_json::to_string(v).expect("JSON serializes"))
}

const WORKSPACE_COLUMNS: &str = "id, name, created_at";

fn workspace(row: &AnyRow) -> Result<Workspace> {
    Ok(Workspace {
        id: uuid_col(row, "id")?,
        name: row.try_get("name")?,
        created_at: ts(row, "created_at")?,
    })
}

const KEY_COLUMNS: &str = "id, workspace_id, name, description, permissions, hint, status, \
     legacy, created_at, created_by, last_used_at, expires_at";

fn key_status(row: &AnyRow) -> Result<KeyStatus> {
    let status: String = row.try_get("status")?;
    KeyStatus::parse(&status).ok_or_else(|| corrupt("status", &status))
}

fn api_key(row: &AnyRow) -> Result<ApiKeyRecord> {
    Ok(ApiKeyRecord {
        id: uuid_col(row, "id")?,
        workspace_id: uuid_col(row, "workspace_id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        permissions: PermissionSet::from_db(row.try_get("permissions")?),
        hint: row.try_get("hint")?,
        status: key_status(row)?,
        legacy: row.try_get::<i64, _>("legacy")? != 0,
        created_at: ts(row, "created_at")?,
        created_by: row.try_get("created_by")?,
        last_used_at: opt_ts(row, "last_used_at")?,
        expires_at: opt_ts(row, "expires_at")?,
    })
}

const PROJECT_COLUMNS: &str = "p.id, p.name, p.domain_pack, p.transcript_count, \
     p.latest_transcript_at, p.created_at, p.updated_at";

fn project(row: &AnyRow) -> Result<Project> {
    let pack: String = row.try_get("domain_pack")?;
    Ok(Project {
        id: project_id_col(row, "id")?,
        name: row.try_get("name")?,
        domain_pack: DomainPack::parse(&pack).ok_or_else(|| corrupt("domain_pack", &pack))?,
        transcript_count: row.try_get("transcript_count")?,
        latest_transcript_at: opt_ts(row, "latest_transcript_at")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

const TRANSCRIPT_COLUMNS: &str = "t.id, t.workspace_id, t.project_id, t.name, t.model_name, \
     t.language, t.source_system, t.external_id, t.external_user_id, t.metadata, t.turn_count, \
     t.user_turn_count, t.assistant_turn_count, t.total_token_count, t.user_token_count, \
     t.assistant_token_count, t.source_timestamp, t.created_at, t.created_by";

fn transcript(row: &AnyRow) -> Result<TranscriptSummary> {
    Ok(TranscriptSummary {
        id: uuid_col(row, "id")?,
        workspace_id: uuid_col(row, "workspace_id")?,
        project_id: project_id_col(row, "project_id")?,
        name: row.try_get("name")?,
        model_name: row.try_get("model_name")?,
        language: row.try_get("language")?,
        source_system: row.try_get("source_system")?,
        external_id: row.try_get("external_id")?,
        external_user_id: row.try_get("external_user_id")?,
        metadata: opt_json(row, "metadata")?,
        stats: TranscriptStats {
            turn_count: row.try_get("turn_count")?,
            user_turn_count: row.try_get("user_turn_count")?,
            assistant_turn_count: row.try_get("assistant_turn_count")?,
            total_token_count: row.try_get("total_token_count")?,
            user_token_count: row.try_get("user_token_count")?,
            assistant_token_count: row.try_get("assistant_token_count")?,
        },
        source_timestamp: opt_ts(row, "source_timestamp")?,
        created_at: ts(row, "created_at")?,
        created_by: row.try_get("created_by")?,
    })
}

fn turn(row: &AnyRow) -> Result<StoredTurn> {
    let role: String = row.try_get("role")?;
    Ok(StoredTurn {
        index: row.try_get("idx")?,
        role: Role::parse(&role).ok_or_else(|| corrupt("role", &role))?,
        content: row.try_get("content")?,
        token_count: row.try_get("token_count")?,
        tool_calls: opt_json(row, "tool_calls")?,
        tool_results: opt_json(row, "tool_results")?,
        metadata: opt_json(row, "metadata")?,
        created_at: opt_ts(row, "created_at")?,
    })
}

/// Turns inserted by one statement (10 parameters each, well under both backends' limits).
const TURNS_PER_INSERT: usize = 100;

/// `insert into turns … values (…), (…)` for `rows` turns, numbering parameters in order.
fn insert_turns_sql(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|row| {
            let params: Vec<String> = (1..=10).map(|col| format!("${}", row * 10 + col)).collect();
            format!("({})", params.join(", "))
        })
        .collect();
    format!(
        "insert into turns (workspace_id, transcript_id, idx, role, content, token_count, \
         tool_calls, tool_results, metadata, created_at) values {}",
        values.join(", ")
    )
}

/// The full-text query for `terms` in `dialect`: every term must match, each as a prefix.
fn fts_query(dialect: Dialect, terms: &[String]) -> String {
    // Terms hold only letters and digits (see `search_terms`), so they need no escaping.
    match dialect {
        Dialect::Sqlite => terms
            .iter()
            .map(|t| format!("\"{t}\"*"))
            .collect::<Vec<_>>()
            .join(" "),
        Dialect::Postgres => terms
            .iter()
            .map(|t| format!("{t}:*"))
            .collect::<Vec<_>>()
            .join(" & "),
    }
}

/// `where` clauses and their text binds for a transcript list, after workspace and project.
fn transcript_filter_sql(dialect: Dialect, filter: &TranscriptFilter) -> (String, Vec<String>) {
    let mut sql = String::new();
    let mut binds = Vec::new();
    let mut add = |sql: &mut String, clause: &str, value: String| {
        binds.push(value);
        sql.push_str(&clause.replace('?', &format!("${}", binds.len() + 2)));
    };
    if let Some(v) = &filter.model_name {
        add(&mut sql, " and t.model_name = ?", v.clone());
    }
    if let Some(v) = &filter.language {
        add(&mut sql, " and lower(t.language) = lower(?)", v.clone());
    }
    if let Some(v) = &filter.source_system {
        add(&mut sql, " and t.source_system = ?", v.clone());
    }
    if !filter.terms.is_empty() {
        let clause = match dialect {
            Dialect::Sqlite => {
                " and t.seq in (select rowid from transcripts_fts where transcripts_fts match ?)"
            }
            Dialect::Postgres => {
                " and exists (select 1 from transcript_search s \
                 where s.workspace_id = t.workspace_id and s.transcript_id = t.id \
                 and s.document @@ to_tsquery('simple', ?))"
            }
        };
        add(&mut sql, clause, fts_query(dialect, &filter.terms));
    }
    if let Some(key) = &filter.annotation_key {
        add(
            &mut sql,
            " and exists (select 1 from annotations a where a.workspace_id = t.workspace_id \
             and a.transcript_id = t.id and a.key = ?",
            key.clone(),
        );
        if let Some(value) = &filter.annotation_value {
            add(&mut sql, " and a.value = ?", value.clone());
        }
        sql.push(')');
    }
    if let Some(from) = filter.from {
        add(&mut sql, " and t.effective_at >= ?", from.to_rfc3339());
    }
    if let Some(to) = filter.to {
        add(&mut sql, " and t.effective_at <= ?", to.to_rfc3339());
    }
    (sql, binds)
}

#[async_trait]
impl Store for SqlStore {
    async fn ping(&self) -> Result<()> {
        sqlx::query("select 1").execute(&self.read).await?;
        Ok(())
    }

    async fn create_workspace(&self, name: &str) -> Result<Workspace> {
        let ws = Workspace {
            id: WorkspaceId::new(),
            name: name.to_string(),
            created_at: Timestamp::now(),
        };
        sqlx::query("insert into workspaces (id, name, created_at) values ($1, $2, $3)")
            .bind(ws.id.to_string())
            .bind(&ws.name)
            .bind(ws.created_at.to_rfc3339())
            .execute(&self.write)
            .await?;
        Ok(ws)
    }

    async fn create_first_workspace(&self, name: &str) -> Result<Option<Workspace>> {
        // SQLite's `begin immediate` already makes writers take turns; PostgreSQL nodes take
        // turns on an advisory lock held until the transaction ends.
        let mut tx = self.begin().await?;
        if self.dialect == Dialect::Postgres {
            sqlx::query("select pg_advisory_xact_lock($1)")
                .bind(BOOTSTRAP_LOCK)
                .execute(&mut *tx)
                .await?;
        }
        let existing = sqlx::query("select id from workspaces limit 1")
            .fetch_optional(&mut *tx)
            .await?;
        if existing.is_some() {
            return Ok(None);
        }
        let ws = Workspace {
            id: WorkspaceId::new(),
            name: name.to_string(),
            created_at: Timestamp::now(),
        };
        sqlx::query("insert into workspaces (id, name, created_at) values ($1, $2, $3)")
            .bind(ws.id.to_string())
            .bind(&ws.name)
            .bind(ws.created_at.to_rfc3339())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(ws))
    }

    async fn list_workspaces(&self) -> Result<Vec<Workspace>> {
        let sql = format!("select {WORKSPACE_COLUMNS} from workspaces order by created_at, id");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(workspace).collect()
    }

    async fn get_workspace(&self, id: WorkspaceId) -> Result<Option<Workspace>> {
        let sql = format!("select {WORKSPACE_COLUMNS} from workspaces where id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(workspace).transpose()
    }

    async fn create_key(&self, key: NewApiKey, actor: &Actor) -> Result<ApiKeyRecord> {
        let record = ApiKeyRecord {
            id: KeyId::new(),
            workspace_id: key.workspace_id,
            name: key.name,
            description: key.description,
            permissions: key.permissions,
            hint: key.hint,
            status: KeyStatus::Active,
            legacy: key.legacy,
            created_at: Timestamp::now(),
            created_by: key.created_by,
            last_used_at: None,
            expires_at: key.expires_at,
        };
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(
            "insert into api_keys (workspace_id, id, name, description, key_hash, hint, \
             permissions, status, legacy, created_at, created_by, expires_at) \
             values ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9, $10, $11)",
        )
        .bind(record.workspace_id.to_string())
        .bind(record.id.to_string())
        .bind(&record.name)
        .bind(&record.description)
        .bind(&key.hash[..])
        .bind(&record.hint)
        .bind(record.permissions.to_db())
        .bind(i64::from(record.legacy))
        .bind(record.created_at.to_rfc3339())
        .bind(&record.created_by)
        .bind(opt_string(&record.expires_at))
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict(
                    "this API key is already registered".into(),
                ));
            }
            other => other?,
        };
        record_change(
            self.dialect,
            &mut tx,
            record.workspace_id,
            KeyHash(key.hash),
        )
        .await?;
        audit(
            &mut tx,
            record.workspace_id,
            actor,
            if record.legacy {
                "api_key.imported"
            } else {
                "api_key.created"
            },
            Target::Key(record.id),
        )
        .await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn list_keys(&self, ws: WorkspaceId) -> Result<Vec<ApiKeyRecord>> {
        let sql = format!(
            "select {KEY_COLUMNS} from api_keys where workspace_id = $1 \
             order by created_at desc, id desc"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(ws.to_string())
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(api_key).collect()
    }

    async fn get_key(&self, id: KeyId) -> Result<Option<ApiKeyRecord>> {
        let sql = format!("select {KEY_COLUMNS} from api_keys where id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(api_key).transpose()
    }

    async fn change_key(
        &self,
        ws: WorkspaceId,
        id: KeyId,
        action: KeyAction,
        actor: &Actor,
    ) -> Result<Option<KeyHash>> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("select key_hash from api_keys where workspace_id = $1 and id = $2")
            .bind(ws.to_string())
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let hash = hash_col(&row, "key_hash")?;
        let statement = match action {
            KeyAction::Revoke => {
                "update api_keys set status = 'revoked' where workspace_id = $1 and id = $2"
            }
            KeyAction::Reactivate => {
                "update api_keys set status = 'active' where workspace_id = $1 and id = $2"
            }
            KeyAction::Delete => "delete from api_keys where workspace_id = $1 and id = $2",
        };
        sqlx::query(statement)
            .bind(ws.to_string())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        record_change(self.dialect, &mut tx, ws, hash).await?;
        audit(&mut tx, ws, actor, action.audit_name(), Target::Key(id)).await?;
        tx.commit().await?;
        Ok(Some(hash))
    }

    async fn find_key_by_hash(&self, hash: KeyHash) -> Result<Option<KeyAuthRecord>> {
        let row = sqlx::query(
            "select id, workspace_id, permissions, status, expires_at, hint \
             from api_keys where key_hash = $1",
        )
        .bind(&hash.0[..])
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(KeyAuthRecord {
            id: uuid_col(&row, "id")?,
            workspace_id: uuid_col(&row, "workspace_id")?,
            permissions: PermissionSet::from_db(row.try_get("permissions")?),
            status: key_status(&row)?,
            expires_at: opt_ts(&row, "expires_at")?,
            hint: row.try_get("hint")?,
        }))
    }

    async fn touch_keys(&self, used: &[(KeyId, Timestamp)]) -> Result<()> {
        if used.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for (id, at) in used {
            sqlx::query(
                "update api_keys set last_used_at = $2 \
                 where id = $1 and (last_used_at is null or last_used_at < $2)",
            )
            .bind(id.to_string())
            .bind(at.to_rfc3339())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn latest_key_change(&self) -> Result<i64> {
        let seq: Option<i64> = sqlx::query_scalar("select max(seq) from api_key_changes")
            .fetch_one(&self.read)
            .await?;
        Ok(seq.unwrap_or(0))
    }

    async fn key_changes_since(&self, seq: i64) -> Result<Vec<KeyChange>> {
        let rows = sqlx::query(
            "select seq, key_hash from api_key_changes where seq > $1 order by seq limit 1000",
        )
        .bind(seq)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(KeyChange {
                    seq: row.try_get("seq")?,
                    hash: hash_col(row, "key_hash")?,
                })
            })
            .collect()
    }

    async fn prune_key_changes(&self, before: Timestamp) -> Result<()> {
        sqlx::query("delete from api_key_changes where changed_at < $1")
            .bind(before.to_rfc3339())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    fn listen_for_key_changes(&self, wake: Arc<Notify>) -> Option<JoinHandle<()>> {
        match self.dialect {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some(tokio::spawn(listen(self.url.clone(), wake))),
        }
    }

    async fn audit_log(&self, ws: WorkspaceId, limit: u32) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "select id, workspace_id, actor, action, key_id, target, created_at from audit_log \
             where workspace_id = $1 order by created_at desc, id desc limit $2",
        )
        .bind(ws.to_string())
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                let key_id: Option<String> = row.try_get("key_id")?;
                Ok(AuditEntry {
                    id: row.try_get("id")?,
                    workspace_id: uuid_col(row, "workspace_id")?,
                    actor: row.try_get("actor")?,
                    action: row.try_get("action")?,
                    key_id: key_id.and_then(|k| k.parse().ok()),
                    target: row.try_get("target")?,
                    created_at: ts(row, "created_at")?,
                })
            })
            .collect()
    }

    async fn create_project(&self, ws: WorkspaceId, new: NewProject) -> Result<Project> {
        insert_project(&self.write, ws, new, false).await
    }

    async fn list_projects(&self, ws: WorkspaceId, page: Page) -> Result<(Vec<Project>, i64)> {
        let sql = format!(
            "select {PROJECT_COLUMNS} from projects p where workspace_id = $1 \
             order by created_at desc, id desc limit $2 offset $3"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(ws.to_string())
            .bind(i64::from(page.limit))
            .bind(page.offset())
            .fetch_all(&self.read)
            .await?;
        let total: i64 =
            sqlx::query_scalar("select count(*) from projects p where workspace_id = $1")
                .bind(ws.to_string())
                .fetch_one(&self.read)
                .await?;
        Ok((rows.iter().map(project).collect::<Result<_>>()?, total))
    }

    async fn get_project(&self, ws: WorkspaceId, id: ProjectId) -> Result<Option<Project>> {
        let sql =
            format!("select {PROJECT_COLUMNS} from projects p where workspace_id = $1 and id = $2");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(ws.to_string())
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(project).transpose()
    }

    async fn get_project_with_summary(
        &self,
        ws: WorkspaceId,
        id: ProjectId,
    ) -> Result<Option<(Project, Option<String>)>> {
        let row = self
            .project_with_report(ws, id, "r.executive_summary")
            .await?;
        row.map(|r| Ok((project(&r)?, r.try_get("executive_summary")?)))
            .transpose()
    }

    async fn get_project_with_report(
        &self,
        ws: WorkspaceId,
        id: ProjectId,
    ) -> Result<Option<(Project, Option<(String, String)>)>> {
        let row = self
            .project_with_report(ws, id, "r.executive_summary, r.insights")
            .await?;
        row.map(|r| {
            let summary: Option<String> = r.try_get("executive_summary")?;
            let insights: Option<String> = r.try_get("insights")?;
            Ok((project(&r)?, summary.zip(insights)))
        })
        .transpose()
    }

    async fn default_project(&self, ws: WorkspaceId) -> Result<Project> {
        let sql = format!(
            "select {PROJECT_COLUMNS} from projects p where workspace_id = $1 and is_default = 1"
        );
        let find = || {
            sqlx::query(AssertSqlSafe(sql.clone()))
                .bind(ws.to_string())
                .fetch_optional(&self.read)
        };
        if let Some(row) = find().await? {
            return project(&row);
        }
        let new = NewProject {
            name: "Default".into(),
            domain_pack: DomainPack::General,
        };
        match insert_project(&self.write, ws, new, true).await {
            // Another request created it first.
            Err(StoreError::Conflict(_)) => {
                let row = find()
                    .await?
                    .ok_or_else(|| StoreError::corrupt("row", "default project vanished"))?;
                project(&row)
            }
            other => other,
        }
    }

    async fn project_owner(&self, id: ProjectId) -> Result<Option<WorkspaceId>> {
        let row = sqlx::query("select workspace_id from projects p where id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| uuid_col(&r, "workspace_id")).transpose()
    }

    async fn insert_transcript(
        &self,
        ws: WorkspaceId,
        insert: TranscriptInsert,
    ) -> Result<InsertOutcome> {
        if let Some(earlier) = self.earlier_upload(ws, &insert).await? {
            return Ok(earlier);
        }
        let t = &insert.transcript;
        let mut tx = self.begin().await?;
        let created_at = insert.created_at.to_rfc3339();
        let effective_at = t
            .source_timestamp
            .map(|s| s.to_rfc3339())
            .unwrap_or_else(|| created_at.clone());
        let s = &insert.stats;
        let seq: Result<i64, sqlx::Error> = sqlx::query_scalar(
            "insert into transcripts (workspace_id, id, project_id, name, model_name, language, \
             source_system, external_id, external_user_id, source_timestamp, metadata, \
             turn_count, user_turn_count, assistant_turn_count, total_token_count, \
             user_token_count, assistant_token_count, fingerprint, effective_at, created_at, \
             created_by) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
             $15, $16, $17, $18, $19, $20, $21) returning seq",
        )
        .bind(ws.to_string())
        .bind(insert.id.to_string())
        .bind(insert.project_id.to_string())
        .bind(&t.name)
        .bind(&t.model_name)
        .bind(&t.language)
        .bind(&t.source_system)
        .bind(&t.external_id)
        .bind(&t.external_user_id)
        .bind(opt_string(&t.source_timestamp))
        .bind(json_text(&t.metadata))
        .bind(s.turn_count)
        .bind(s.user_turn_count)
        .bind(s.assistant_turn_count)
        .bind(s.total_token_count)
        .bind(s.user_token_count)
        .bind(s.assistant_token_count)
        .bind(&insert.fingerprint[..])
        .bind(&effective_at)
        .bind(&created_at)
        .bind(&insert.created_by)
        .fetch_one(&mut *tx)
        .await;
        let seq = match seq {
            // The same externalId committed by a concurrent upload since the check above.
            Err(e) if is_unique_violation(&e) => {
                drop(tx);
                return self
                    .earlier_upload(ws, &insert)
                    .await?
                    .ok_or_else(|| StoreError::corrupt("row", "conflicting upload vanished"));
            }
            other => other?,
        };
        // Several turns per statement: one round trip for up to TURNS_PER_INSERT turns.
        let turns: Vec<_> = t
            .turns
            .iter()
            .zip(&insert.token_counts)
            .enumerate()
            .collect();
        for chunk in turns.chunks(TURNS_PER_INSERT) {
            let mut query = sqlx::query(AssertSqlSafe(insert_turns_sql(chunk.len())));
            for (index, (turn, tokens)) in chunk {
                query = query
                    .bind(ws.to_string())
                    .bind(insert.id.to_string())
                    .bind(*index as i64)
                    .bind(turn.role.as_str())
                    .bind(&turn.content)
                    .bind(**tokens)
                    .bind(json_text(&turn.tool_calls))
                    .bind(json_text(&turn.tool_results))
                    .bind(json_text(&turn.metadata))
                    .bind(opt_string(&turn.created_at));
            }
            query.execute(&mut *tx).await?;
        }
        let document = search_document(&t.name, t.turns.iter().map(|turn| turn.content.as_str()));
        let index = match self.dialect {
            Dialect::Sqlite => {
                sqlx::query("insert into transcripts_fts (rowid, document) values ($1, $2)")
                    .bind(seq)
                    .bind(&document)
            }
            Dialect::Postgres => sqlx::query(
                "insert into transcript_search (workspace_id, transcript_id, document) \
                 values ($1, $2, strip(to_tsvector('simple', $3)))",
            )
            .bind(ws.to_string())
            .bind(insert.id.to_string())
            .bind(&document),
        };
        index.execute(&mut *tx).await?;
        sqlx::query(
            "update projects set transcript_count = transcript_count + 1, \
             latest_transcript_at = $3, updated_at = $3 where workspace_id = $1 and id = $2",
        )
        .bind(ws.to_string())
        .bind(insert.project_id.to_string())
        .bind(&created_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(InsertOutcome::Created(TranscriptSummary {
            id: insert.id,
            project_id: insert.project_id,
            workspace_id: ws,
            name: insert.transcript.name,
            model_name: insert.transcript.model_name,
            language: insert.transcript.language,
            source_system: insert.transcript.source_system,
            external_id: insert.transcript.external_id,
            external_user_id: insert.transcript.external_user_id,
            metadata: json_text(&insert.transcript.metadata)
                .map(|m| RawValue::from_string(m).expect("serialized JSON is valid")),
            stats: insert.stats,
            source_timestamp: insert.transcript.source_timestamp,
            created_at: insert.created_at,
            created_by: insert.created_by,
        }))
    }

    async fn list_transcripts(
        &self,
        ws: WorkspaceId,
        project: ProjectId,
        filter: &TranscriptFilter,
        page: Page,
    ) -> Result<(Vec<TranscriptSummary>, i64)> {
        let (clauses, binds) = transcript_filter_sql(self.dialect, filter);
        let condition = format!("t.workspace_id = $1 and t.project_id = $2{clauses}");
        let n = binds.len() + 2;
        let list_sql = format!(
            "select {TRANSCRIPT_COLUMNS} from transcripts t where {condition} \
             order by t.created_at desc, t.id desc limit ${} offset ${}",
            n + 1,
            n + 2
        );
        let mut list = sqlx::query(AssertSqlSafe(list_sql))
            .bind(ws.to_string())
            .bind(project.to_string());
        for b in &binds {
            list = list.bind(b.clone());
        }
        let rows = list
            .bind(i64::from(page.limit))
            .bind(page.offset())
            .fetch_all(&self.read)
            .await?;
        let count_sql = format!("select count(*) from transcripts t where {condition}");
        let mut count = sqlx::query_scalar(AssertSqlSafe(count_sql))
            .bind(ws.to_string())
            .bind(project.to_string());
        for b in &binds {
            count = count.bind(b.clone());
        }
        let total: i64 = count.fetch_one(&self.read).await?;
        Ok((rows.iter().map(transcript).collect::<Result<_>>()?, total))
    }

    async fn get_transcript(
        &self,
        ws: WorkspaceId,
        id: TranscriptId,
    ) -> Result<Option<TranscriptDetail>> {
        let Some(summary) = self.get_summary(ws, id).await? else {
            return Ok(None);
        };
        let turns = sqlx::query(
            "select idx, role, content, token_count, tool_calls, tool_results, metadata, \
             created_at from turns where workspace_id = $1 and transcript_id = $2 order by idx",
        )
        .bind(ws.to_string())
        .bind(id.to_string())
        .fetch_all(&self.read)
        .await?;
        let annotations = sqlx::query(
            "select key, value from annotations where workspace_id = $1 and transcript_id = $2",
        )
        .bind(ws.to_string())
        .bind(id.to_string())
        .fetch_all(&self.read)
        .await?;
        Ok(Some(TranscriptDetail {
            summary,
            turns: turns.iter().map(turn).collect::<Result<_>>()?,
            annotations: annotations
                .iter()
                .map(|r| Ok((r.try_get("key")?, r.try_get("value")?)))
                .collect::<Result<_>>()?,
        }))
    }

    async fn transcript_owner(&self, id: TranscriptId) -> Result<Option<WorkspaceId>> {
        let row = sqlx::query("select workspace_id from transcripts where id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| uuid_col(&r, "workspace_id")).transpose()
    }

    async fn set_annotations(
        &self,
        ws: WorkspaceId,
        id: TranscriptId,
        annotations: &BTreeMap<String, String>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("delete from annotations where workspace_id = $1 and transcript_id = $2")
            .bind(ws.to_string())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        for (key, value) in annotations {
            sqlx::query(
                "insert into annotations (workspace_id, transcript_id, key, value) \
                 values ($1, $2, $3, $4)",
            )
            .bind(ws.to_string())
            .bind(id.to_string())
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn put_report(
        &self,
        ws: WorkspaceId,
        id: ProjectId,
        executive_summary: &str,
        insights: &str,
    ) -> Result<()> {
        sqlx::query(
            "insert into reports (workspace_id, project_id, executive_summary, insights, \
             created_at) values ($1, $2, $3, $4, $5) on conflict (workspace_id, project_id) do \
             update set executive_summary = excluded.executive_summary, \
             insights = excluded.insights, created_at = excluded.created_at",
        )
        .bind(ws.to_string())
        .bind(id.to_string())
        .bind(executive_summary)
        .bind(insights)
        .bind(Timestamp::now().to_rfc3339())
        .execute(&self.write)
        .await?;
        Ok(())
    }
}

impl SqlStore {
    /// A project's row with `report_columns` of its report (null without one), in one query.
    async fn project_with_report(
        &self,
        ws: WorkspaceId,
        id: ProjectId,
        report_columns: &str,
    ) -> Result<Option<AnyRow>> {
        let sql = format!(
            "select {PROJECT_COLUMNS}, {report_columns} from projects p \
             left join reports r on r.workspace_id = p.workspace_id and r.project_id = p.id \
             where p.workspace_id = $1 and p.id = $2"
        );
        Ok(sqlx::query(AssertSqlSafe(sql))
            .bind(ws.to_string())
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?)
    }

    /// The outcome of an upload whose `externalId` was stored before: a replay if the body is
    /// the same, else a conflict. `None` without an `externalId` or an earlier upload.
    async fn earlier_upload(
        &self,
        ws: WorkspaceId,
        insert: &TranscriptInsert,
    ) -> Result<Option<InsertOutcome>> {
        let Some(external_id) = &insert.transcript.external_id else {
            return Ok(None);
        };
        let row = sqlx::query(
            "select id, fingerprint from transcripts \
             where workspace_id = $1 and project_id = $2 and external_id = $3",
        )
        .bind(ws.to_string())
        .bind(insert.project_id.to_string())
        .bind(external_id)
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let id: TranscriptId = uuid_col(&row, "id")?;
        let fingerprint: Vec<u8> = row.try_get("fingerprint")?;
        if fingerprint != insert.fingerprint {
            return Ok(Some(InsertOutcome::Conflict(id)));
        }
        let existing = self
            .get_summary(ws, id)
            .await?
            .ok_or_else(|| StoreError::corrupt("row", "replayed transcript vanished"))?;
        Ok(Some(InsertOutcome::Replayed(existing)))
    }

    async fn get_summary(
        &self,
        ws: WorkspaceId,
        id: TranscriptId,
    ) -> Result<Option<TranscriptSummary>> {
        let sql = format!(
            "select {TRANSCRIPT_COLUMNS} from transcripts t where t.workspace_id = $1 and t.id = $2"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(ws.to_string())
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(transcript).transpose()
    }
}

async fn insert_project(
    pool: &AnyPool,
    ws: WorkspaceId,
    new: NewProject,
    is_default: bool,
) -> Result<Project> {
    let now = Timestamp::now();
    let project = Project {
        id: ProjectId::new(),
        name: new.name,
        domain_pack: new.domain_pack,
        transcript_count: 0,
        latest_transcript_at: None,
        created_at: now,
        updated_at: now,
    };
    let inserted = sqlx::query(
        "insert into projects (workspace_id, id, name, domain_pack, is_default, created_at, \
         updated_at) values ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(ws.to_string())
    .bind(project.id.to_string())
    .bind(&project.name)
    .bind(project.domain_pack.as_str())
    .bind(i64::from(is_default))
    .bind(now.to_rfc3339())
    .execute(pool)
    .await;
    match inserted {
        Err(e) if is_unique_violation(&e) => {
            Err(StoreError::Conflict("project already exists".into()))
        }
        other => {
            other?;
            Ok(project)
        }
    }
}

pub(super) type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// LISTENs for key-change notices and wakes `wake` on each, reconnecting after any failure.
/// Each (re)connection also wakes it, since notices sent while disconnected are lost.
async fn listen(url: String, wake: Arc<Notify>) {
    // Set while the database stays away, so that an outage is logged once, not every retry.
    let mut failing = false;
    loop {
        let mut subscribed = false;
        let session = async {
            let mut listener = sqlx::postgres::PgListener::connect(&url).await?;
            listener.listen(KEY_CHANGES_CHANNEL).await?;
            subscribed = true;
            if failing {
                tracing::info!("listening for key changes again");
            }
            wake.notify_one();
            loop {
                listener.recv().await?;
                wake.notify_one();
            }
            #[allow(unreachable_code)]
            Ok::<(), sqlx::Error>(())
        };
        if let Err(e) = session.await
            && (subscribed || !failing)
        {
            tracing::warn!(error = %e, "lost the key-change listener; polling meanwhile");
        }
        failing = true;
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

/// Logs a key change for every node's cache; on PostgreSQL also wakes the other nodes (the
/// notice is delivered when the transaction commits).
async fn record_change(
    dialect: Dialect,
    tx: &mut Tx,
    ws: WorkspaceId,
    hash: KeyHash,
) -> Result<()> {
    sqlx::query(
        "insert into api_key_changes (workspace_id, key_hash, changed_at) values ($1, $2, $3)",
    )
    .bind(ws.to_string())
    .bind(&hash.0[..])
    .bind(Timestamp::now().to_rfc3339())
    .execute(&mut **tx)
    .await?;
    if dialect == Dialect::Postgres {
        sqlx::query("select pg_notify($1, '')")
            .bind(KEY_CHANGES_CHANNEL)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// What an audited change acted on.
pub(super) enum Target<'a> {
    Key(KeyId),
    Other(&'a str),
}

/// Writes one audit-log row, inside the transaction of the change it records.
pub(super) async fn audit(
    tx: &mut Tx,
    ws: WorkspaceId,
    actor: &Actor,
    action: &str,
    target: Target<'_>,
) -> Result<()> {
    let (key_id, other) = match target {
        Target::Key(id) => (Some(id.to_string()), None),
        Target::Other(what) => (None, Some(what.to_string())),
    };
    sqlx::query(
        "insert into audit_log (workspace_id, id, actor, action, key_id, target, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(ws.to_string())
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(&actor.0)
    .bind(action)
    .bind(key_id)
    .bind(other)
    .bind(Timestamp::now().to_rfc3339())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turn_inserts_number_their_parameters_in_order() {
        let sql = insert_turns_sql(2);
        assert!(sql.ends_with(
            "values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10), \
             ($11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
        ));
    }

    #[test]
    fn fts_query_requires_every_term_as_prefix() {
        assert_eq!(
            fts_query(Dialect::Sqlite, &["refund".into(), "card".into()]),
            "\"refund\"* \"card\"*"
        );
        assert_eq!(
            fts_query(Dialect::Postgres, &["refund".into(), "card".into()]),
            "refund:* & card:*"
        );
    }

    #[test]
    fn filter_binds_are_numbered_after_workspace_and_project() {
        let filter = TranscriptFilter {
            model_name: Some("gpt".into()),
            annotation_key: Some("sentiment".into()),
            annotation_value: Some("negative".into()),
            ..Default::default()
        };
        let (sql, binds) = transcript_filter_sql(Dialect::Sqlite, &filter);
        assert!(sql.contains("t.model_name = $3"), "{sql}");
        assert!(sql.contains("a.key = $4"), "{sql}");
        assert!(sql.contains("a.value = $5)"), "{sql}");
        assert_eq!(binds, vec!["gpt", "sentiment", "negative"]);
    }
}
