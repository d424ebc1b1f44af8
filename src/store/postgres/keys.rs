//! Workspaces, API keys, the key change log with its NOTIFY announcements and listener, and
//! the audit log, on PostgreSQL.

use std::sync::Arc;

use sqlx::AssertSqlSafe;
use tokio::sync::Notify;

use super::{PostgresStore, Tx};
use crate::model::{
    ApiKeyRecord, AuditEntry, KeyHash, KeyId, KeyStatus, NewApiKey, Timestamp, Workspace,
    WorkspaceId,
};
use crate::store::error::{Result, StoreError};
use crate::store::shared::{
    AUDIT_COLUMNS, AuditRow, FIND_KEY_BY_HASH, KEY_COLUMNS, KeyAuthRow, KeyChangeRow, KeyRow,
    Target, WORKSPACE_COLUMNS, WorkspaceRow,
};
use crate::store::{Actor, KeyAction, KeyAuthRecord, KeyChange, is_unique_violation};

/// The advisory lock under which nodes bootstrap an empty database, one at a time.
const BOOTSTRAP_LOCK: i64 = 0x6861_6c66_7069_7065; // "halfpipe"

/// The channel on which nodes announce key changes to each other.
pub(super) const KEY_CHANGES_CHANNEL: &str = "halfpipe_key_changes";

const INSERT_WORKSPACE: &str = "insert into workspaces (id, name, created_at) values ($1, $2, $3)";

fn new_workspace(name: &str) -> Workspace {
    Workspace {
        id: WorkspaceId::new(),
        name: name.to_string(),
        created_at: Timestamp::now(),
    }
}

pub(super) async fn create_workspace(store: &PostgresStore, name: &str) -> Result<Workspace> {
    let ws = new_workspace(name);
    sqlx::query(INSERT_WORKSPACE)
        .bind(ws.id)
        .bind(&ws.name)
        .bind(ws.created_at)
        .execute(&store.pool)
        .await?;
    Ok(ws)
}

pub(super) async fn create_first_workspace(
    store: &PostgresStore,
    name: &str,
) -> Result<Option<Workspace>> {
    // Nodes take turns on an advisory lock held until the transaction ends.
    let mut tx = store.begin().await?;
    sqlx::query("select pg_advisory_xact_lock($1)")
        .bind(BOOTSTRAP_LOCK)
        .execute(&mut *tx)
        .await?;
    let existing = sqlx::query("select 1 from workspaces limit 1")
        .fetch_optional(&mut *tx)
        .await?;
    if existing.is_some() {
        return Ok(None);
    }
    let ws = new_workspace(name);
    sqlx::query(INSERT_WORKSPACE)
        .bind(ws.id)
        .bind(&ws.name)
        .bind(ws.created_at)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(ws))
}

pub(super) async fn list_workspaces(store: &PostgresStore) -> Result<Vec<Workspace>> {
    let sql = format!("select {WORKSPACE_COLUMNS} from workspaces order by created_at, id");
    let rows: Vec<WorkspaceRow> = sqlx::query_as(AssertSqlSafe(sql))
        .fetch_all(&store.pool)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub(super) async fn get_workspace(
    store: &PostgresStore,
    id: WorkspaceId,
) -> Result<Option<Workspace>> {
    let sql = format!("select {WORKSPACE_COLUMNS} from workspaces where id = $1");
    let row: Option<WorkspaceRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&store.pool)
        .await?;
    Ok(row.map(Into::into))
}

pub(super) async fn create_key(
    store: &PostgresStore,
    key: NewApiKey,
    actor: &Actor,
) -> Result<ApiKeyRecord> {
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
    let hash = KeyHash(key.hash);
    let mut tx = store.begin().await?;
    let inserted = sqlx::query(
        "insert into api_keys (workspace_id, id, name, description, key_hash, hint, \
         permissions, status, legacy, created_at, created_by, expires_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(record.workspace_id)
    .bind(record.id)
    .bind(&record.name)
    .bind(&record.description)
    .bind(hash)
    .bind(&record.hint)
    .bind(record.permissions)
    .bind(record.status)
    .bind(record.legacy)
    .bind(record.created_at)
    .bind(&record.created_by)
    .bind(record.expires_at)
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
    record_change(&mut tx, record.workspace_id, hash).await?;
    let action = if record.legacy {
        "api_key.imported"
    } else {
        "api_key.created"
    };
    audit(
        &mut tx,
        record.workspace_id,
        actor,
        action,
        Target::Key(record.id),
    )
    .await?;
    tx.commit().await?;
    Ok(record)
}

pub(super) async fn list_keys(store: &PostgresStore, ws: WorkspaceId) -> Result<Vec<ApiKeyRecord>> {
    let sql = format!(
        "select {KEY_COLUMNS} from api_keys where workspace_id = $1 \
         order by created_at desc, id desc"
    );
    let rows: Vec<KeyRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(ws)
        .fetch_all(&store.pool)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub(super) async fn get_key(store: &PostgresStore, id: KeyId) -> Result<Option<ApiKeyRecord>> {
    let sql = format!("select {KEY_COLUMNS} from api_keys where id = $1");
    let row: Option<KeyRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&store.pool)
        .await?;
    Ok(row.map(Into::into))
}

pub(super) async fn change_key(
    store: &PostgresStore,
    ws: WorkspaceId,
    id: KeyId,
    action: KeyAction,
    actor: &Actor,
) -> Result<Option<KeyHash>> {
    let mut tx = store.begin().await?;
    let hash: Option<KeyHash> =
        sqlx::query_scalar("select key_hash from api_keys where workspace_id = $1 and id = $2")
            .bind(ws)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(hash) = hash else { return Ok(None) };
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
        .bind(ws)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    record_change(&mut tx, ws, hash).await?;
    audit(&mut tx, ws, actor, action.audit_name(), Target::Key(id)).await?;
    tx.commit().await?;
    Ok(Some(hash))
}

pub(super) async fn find_key_by_hash(
    store: &PostgresStore,
    hash: KeyHash,
) -> Result<Option<KeyAuthRecord>> {
    let row: Option<KeyAuthRow> = sqlx::query_as(FIND_KEY_BY_HASH)
        .bind(hash)
        .fetch_optional(&store.pool)
        .await?;
    Ok(row.map(Into::into))
}

pub(super) async fn touch_keys(store: &PostgresStore, used: &[(KeyId, Timestamp)]) -> Result<()> {
    if used.is_empty() {
        return Ok(());
    }
    let mut tx = store.begin().await?;
    for (id, at) in used {
        // Forward only, compared as timestamptz.
        sqlx::query(
            "update api_keys set last_used_at = $2 \
             where id = $1 and (last_used_at is null or last_used_at < $2)",
        )
        .bind(id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn latest_key_change(store: &PostgresStore) -> Result<i64> {
    let seq: Option<i64> = sqlx::query_scalar("select max(seq) from api_key_changes")
        .fetch_one(&store.pool)
        .await?;
    Ok(seq.unwrap_or(0))
}

pub(super) async fn key_changes_since(store: &PostgresStore, seq: i64) -> Result<Vec<KeyChange>> {
    let rows: Vec<KeyChangeRow> = sqlx::query_as(
        "select seq, key_hash from api_key_changes where seq > $1 order by seq limit 1000",
    )
    .bind(seq)
    .fetch_all(&store.pool)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub(super) async fn prune_key_changes(store: &PostgresStore, before: Timestamp) -> Result<()> {
    sqlx::query("delete from api_key_changes where changed_at < $1")
        .bind(before)
        .execute(&store.pool)
        .await?;
    Ok(())
}

pub(super) async fn audit_log(
    store: &PostgresStore,
    ws: WorkspaceId,
    limit: u32,
) -> Result<Vec<AuditEntry>> {
    let sql = format!(
        "select {AUDIT_COLUMNS} from audit_log where workspace_id = $1 \
         order by created_at desc, id desc limit $2"
    );
    let rows: Vec<AuditRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(ws)
        .bind(i64::from(limit))
        .fetch_all(&store.pool)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Logs a key change for every node's cache and wakes the other nodes (the notice is
/// delivered when the transaction commits).
async fn record_change(tx: &mut Tx, ws: WorkspaceId, hash: KeyHash) -> Result<()> {
    sqlx::query(
        "insert into api_key_changes (workspace_id, key_hash, changed_at) values ($1, $2, $3)",
    )
    .bind(ws)
    .bind(hash)
    .bind(Timestamp::now())
    .execute(&mut **tx)
    .await?;
    sqlx::query("select pg_notify($1, '')")
        .bind(KEY_CHANGES_CHANNEL)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// LISTENs for key-change notices and wakes `wake` on each, reconnecting after any failure.
/// Each (re)connection also wakes it, since notices sent while disconnected are lost.
pub(super) async fn listen(url: String, wake: Arc<Notify>) {
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

/// Writes one audit-log row, inside the transaction of the change it records.
pub(super) async fn audit(
    tx: &mut Tx,
    ws: WorkspaceId,
    actor: &Actor,
    action: &str,
    target: Target<'_>,
) -> Result<()> {
    let (key_id, other) = target.columns();
    sqlx::query(
        "insert into audit_log (workspace_id, id, actor, action, key_id, target, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(ws)
    .bind(uuid::Uuid::now_v7())
    .bind(&actor.0)
    .bind(action)
    .bind(key_id)
    .bind(other)
    .bind(Timestamp::now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
