//! The analysis queue and analysis results on PostgreSQL. Nodes claim due jobs with `for
//! update skip locked` in the statement that also leases them, so several nodes share the
//! queue and none takes a job another holds.

use super::{PostgresStore, Tx};
use crate::model::{Timestamp, TranscriptId, WorkspaceId};
use crate::store::error::Result;
use crate::store::shared::parse_turn_signals;
use crate::store::{AnalysisJob, AnalysisResult, QueuedAnalysis, StoredAnalysis};

/// Queues a new transcript, inside its upload's transaction.
pub(super) async fn enqueue(
    tx: &mut Tx,
    ws: WorkspaceId,
    id: TranscriptId,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "insert into analysis_jobs (workspace_id, transcript_id, next_attempt_at, created_at) \
         values ($1, $2, $3, $3) on conflict do nothing",
    )
    .bind(ws)
    .bind(id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(super) async fn claim(
    store: &PostgresStore,
    now: Timestamp,
    limit: u32,
    lease: time::Duration,
) -> Result<Vec<AnalysisJob>> {
    let rows: Vec<(WorkspaceId, TranscriptId, i64)> = sqlx::query_as(
        "with due as (select workspace_id, transcript_id from analysis_jobs \
           where state = 'queued' and next_attempt_at <= $2 \
           order by next_attempt_at, created_at limit $3 for update skip locked) \
         update analysis_jobs j set attempts = j.attempts + 1, next_attempt_at = $1 \
         from due where j.workspace_id = due.workspace_id \
           and j.transcript_id = due.transcript_id \
         returning j.workspace_id, j.transcript_id, j.attempts",
    )
    .bind(now.plus(lease))
    .bind(now)
    .bind(i64::from(limit))
    .fetch_all(&store.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(workspace_id, transcript_id, attempts)| AnalysisJob {
            workspace_id,
            transcript_id,
            attempts,
        })
        .collect())
}

pub(super) async fn complete(
    store: &PostgresStore,
    ws: WorkspaceId,
    id: TranscriptId,
    result: AnalysisResult<'_>,
    now: Timestamp,
) -> Result<()> {
    let mut tx = store.begin().await?;
    for table in ["annotations", "turn_signals"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "delete from {table} where workspace_id = $1 and transcript_id = $2"
        )))
        .bind(ws)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    for (key, value) in result.annotations {
        sqlx::query(
            "insert into annotations (workspace_id, transcript_id, key, value) \
             values ($1, $2, $3, $4)",
        )
        .bind(ws)
        .bind(id)
        .bind(key)
        .bind(value)
        .execute(&mut *tx)
        .await?;
    }
    for (index, signals) in result.turn_signals {
        sqlx::query(
            "insert into turn_signals (workspace_id, transcript_id, idx, signals) \
             values ($1, $2, $3, $4::jsonb)",
        )
        .bind(ws)
        .bind(id)
        .bind(index)
        .bind(serde_json::to_string(signals).expect("names serialize"))
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "update transcripts set analyzed_at = $3, analyzer_version = $4 \
         where workspace_id = $1 and id = $2",
    )
    .bind(ws)
    .bind(id)
    .bind(now)
    .bind(result.version)
    .execute(&mut *tx)
    .await?;
    sqlx::query("delete from analysis_jobs where workspace_id = $1 and transcript_id = $2")
        .bind(ws)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn fail(
    store: &PostgresStore,
    ws: WorkspaceId,
    id: TranscriptId,
    error: &str,
    retry_at: Option<Timestamp>,
) -> Result<()> {
    let query = match retry_at {
        Some(at) => sqlx::query(
            "update analysis_jobs set last_error = $3, next_attempt_at = $4 \
             where workspace_id = $1 and transcript_id = $2",
        )
        .bind(ws)
        .bind(id)
        .bind(error)
        .bind(at),
        None => sqlx::query(
            "update analysis_jobs set last_error = $3, state = 'failed' \
             where workspace_id = $1 and transcript_id = $2",
        )
        .bind(ws)
        .bind(id)
        .bind(error),
    };
    query.execute(&store.pool).await?;
    Ok(())
}

pub(super) async fn enqueue_outdated(
    store: &PostgresStore,
    version: &str,
    now: Timestamp,
) -> Result<u64> {
    let done = sqlx::query(
        "insert into analysis_jobs (workspace_id, transcript_id, next_attempt_at, created_at) \
         select t.workspace_id, t.id, $2, $2 from transcripts t \
         where (t.analyzer_version is null or t.analyzer_version <> $1) \
         and not exists (select 1 from analysis_jobs j \
           where j.workspace_id = t.workspace_id and j.transcript_id = t.id) \
         on conflict do nothing",
    )
    .bind(version)
    .bind(now)
    .execute(&store.pool)
    .await?;
    Ok(done.rows_affected())
}

pub(super) async fn queue(store: &PostgresStore, ws: WorkspaceId) -> Result<Vec<QueuedAnalysis>> {
    let rows: Vec<(TranscriptId, String, i64, Option<String>)> = sqlx::query_as(
        "select transcript_id, state, attempts, last_error from analysis_jobs \
         where workspace_id = $1 order by created_at, transcript_id",
    )
    .bind(ws)
    .fetch_all(&store.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(transcript_id, state, attempts, last_error)| QueuedAnalysis {
                transcript_id,
                state,
                attempts,
                last_error,
            },
        )
        .collect())
}

pub(super) async fn get(
    store: &PostgresStore,
    ws: WorkspaceId,
    id: TranscriptId,
) -> Result<StoredAnalysis> {
    let row: Option<(Option<String>, Option<Timestamp>)> = sqlx::query_as(
        "select analyzer_version, analyzed_at from transcripts \
         where workspace_id = $1 and id = $2",
    )
    .bind(ws)
    .bind(id)
    .fetch_optional(&store.pool)
    .await?;
    let Some((version, analyzed_at)) = row else {
        return Ok(StoredAnalysis::default());
    };
    let signals: Vec<(i64, String)> = sqlx::query_as(
        "select idx, signals::text from turn_signals where workspace_id = $1 and transcript_id = $2",
    )
    .bind(ws)
    .bind(id)
    .fetch_all(&store.pool)
    .await?;
    let turn_signals = parse_turn_signals(signals)?;
    Ok(StoredAnalysis {
        version,
        analyzed_at,
        turn_signals,
    })
}
