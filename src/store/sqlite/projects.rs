//! Projects, transcripts with their turns and full-text documents (FTS5), annotations and
//! reports, on SQLite.

use std::collections::BTreeMap;

use serde_json::value::RawValue;
use sqlx::AssertSqlSafe;

use super::SqliteStore;
use crate::model::transcript::{
    InsertOutcome, TranscriptDetail, TranscriptFilter, TranscriptInsert, TranscriptSummary,
    search_document,
};
use crate::model::{DomainPack, Page, Project, ProjectId, Timestamp, TranscriptId, WorkspaceId};
use crate::store::error::{Result, StoreError};
use crate::store::shared::{
    EarlierUploadRow, FilterBind, PROJECT_COLUMNS, ProjectReportRow, ProjectRow, ProjectSummaryRow,
    TRANSCRIPT_COLUMNS, TURN_COLUMNS, TURNS_PER_INSERT, TranscriptRow, TurnRow, numbered_rows,
    transcript_filter_sql,
};
use crate::store::{Dialect, NewProject, is_unique_violation};

/// The full-text clause of a transcript filter (`rowid` of the index = `transcripts.seq`).
const SEARCH: &str =
    " and t.seq in (select rowid from transcripts_fts where transcripts_fts match ?)";

/// JSON as the text SQLite stores.
fn json_text<T: serde::Serialize>(value: &Option<T>) -> Option<String> {
    value
        .as_ref()
        .map(|v| serde_json::to_string(v).expect("JSON serializes"))
}

pub(super) async fn insert_project(
    store: &SqliteStore,
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
    .bind(ws)
    .bind(project.id)
    .bind(&project.name)
    .bind(project.domain_pack)
    .bind(is_default)
    .bind(now)
    .execute(&store.write)
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

pub(super) async fn list_projects(
    store: &SqliteStore,
    ws: WorkspaceId,
    page: Page,
) -> Result<(Vec<Project>, i64)> {
    let sql = format!(
        "select {PROJECT_COLUMNS} from projects p where workspace_id = $1 \
         order by created_at desc, id desc limit $2 offset $3"
    );
    let rows: Vec<ProjectRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(ws)
        .bind(i64::from(page.limit))
        .bind(page.offset())
        .fetch_all(&store.read)
        .await?;
    let total: i64 = sqlx::query_scalar("select count(*) from projects p where workspace_id = $1")
        .bind(ws)
        .fetch_one(&store.read)
        .await?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

pub(super) async fn get_project(
    store: &SqliteStore,
    ws: WorkspaceId,
    id: ProjectId,
) -> Result<Option<Project>> {
    let sql =
        format!("select {PROJECT_COLUMNS} from projects p where workspace_id = $1 and id = $2");
    let row: Option<ProjectRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(ws)
        .bind(id)
        .fetch_optional(&store.read)
        .await?;
    Ok(row.map(Into::into))
}

/// `select` of a project with `report_columns` of its report (null without one).
fn project_with_report_sql(report_columns: &str) -> String {
    format!(
        "select {PROJECT_COLUMNS}, {report_columns} from projects p \
         left join reports r on r.workspace_id = p.workspace_id and r.project_id = p.id \
         where p.workspace_id = $1 and p.id = $2"
    )
}

pub(super) async fn get_project_with_summary(
    store: &SqliteStore,
    ws: WorkspaceId,
    id: ProjectId,
) -> Result<Option<(Project, Option<String>)>> {
    let sql = project_with_report_sql("r.executive_summary");
    let row: Option<ProjectSummaryRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(ws)
        .bind(id)
        .fetch_optional(&store.read)
        .await?;
    Ok(row.map(Into::into))
}

pub(super) async fn get_project_with_report(
    store: &SqliteStore,
    ws: WorkspaceId,
    id: ProjectId,
) -> Result<Option<(Project, Option<(String, String)>)>> {
    let sql = project_with_report_sql("r.executive_summary, r.insights");
    let row: Option<ProjectReportRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(ws)
        .bind(id)
        .fetch_optional(&store.read)
        .await?;
    Ok(row.map(Into::into))
}

pub(super) async fn default_project(store: &SqliteStore, ws: WorkspaceId) -> Result<Project> {
    let sql = format!(
        "select {PROJECT_COLUMNS} from projects p where workspace_id = $1 and is_default = 1"
    );
    let find = || {
        sqlx::query_as::<_, ProjectRow>(AssertSqlSafe(sql.clone()))
            .bind(ws)
            .fetch_optional(&store.read)
    };
    if let Some(row) = find().await? {
        return Ok(row.into());
    }
    let new = NewProject {
        name: "Default".into(),
        domain_pack: DomainPack::General,
    };
    match insert_project(store, ws, new, true).await {
        // Another request created it first.
        Err(StoreError::Conflict(_)) => {
            let row = find()
                .await?
                .ok_or_else(|| StoreError::corrupt("row", "default project vanished"))?;
            Ok(row.into())
        }
        other => other,
    }
}

pub(super) async fn project_owner(
    store: &SqliteStore,
    id: ProjectId,
) -> Result<Option<WorkspaceId>> {
    Ok(
        sqlx::query_scalar("select workspace_id from projects p where id = $1")
            .bind(id)
            .fetch_optional(&store.read)
            .await?,
    )
}

pub(super) async fn insert_transcript(
    store: &SqliteStore,
    ws: WorkspaceId,
    insert: TranscriptInsert,
) -> Result<InsertOutcome> {
    if let Some(earlier) = earlier_upload(store, ws, &insert).await? {
        return Ok(earlier);
    }
    let t = &insert.transcript;
    let mut tx = store.begin().await?;
    let effective_at = t.source_timestamp.unwrap_or(insert.created_at);
    let s = &insert.stats;
    // Client JSON is stored as the text it arrived as.
    let metadata = t.metadata.as_deref().map(RawValue::get);
    let seq: Result<i64, sqlx::Error> = sqlx::query_scalar(
        "insert into transcripts (workspace_id, id, project_id, name, model_name, language, \
         source_system, external_id, external_user_id, source_timestamp, metadata, \
         turn_count, user_turn_count, assistant_turn_count, total_token_count, \
         user_token_count, assistant_token_count, fingerprint, effective_at, created_at, \
         created_by) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
         $15, $16, $17, $18, $19, $20, $21) returning seq",
    )
    .bind(ws)
    .bind(insert.id)
    .bind(insert.project_id)
    .bind(&t.name)
    .bind(&t.model_name)
    .bind(&t.language)
    .bind(&t.source_system)
    .bind(&t.external_id)
    .bind(&t.external_user_id)
    .bind(t.source_timestamp)
    .bind(metadata)
    .bind(s.turn_count)
    .bind(s.user_turn_count)
    .bind(s.assistant_turn_count)
    .bind(s.total_token_count)
    .bind(s.user_token_count)
    .bind(s.assistant_token_count)
    .bind(&insert.fingerprint[..])
    .bind(effective_at)
    .bind(insert.created_at)
    .bind(&insert.created_by)
    .fetch_one(&mut *tx)
    .await;
    let seq = match seq {
        // The same externalId committed by a concurrent upload since the check above.
        Err(e) if is_unique_violation(&e) => {
            drop(tx);
            return earlier_upload(store, ws, &insert)
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
        let sql = format!(
            "insert into turns (workspace_id, transcript_id, idx, role, content, token_count, \
             tool_calls, tool_results, metadata, created_at) values {}",
            numbered_rows(chunk.len(), 10)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (index, (turn, tokens)) in chunk {
            query = query
                .bind(ws)
                .bind(insert.id)
                .bind(*index as i64)
                .bind(turn.role)
                .bind(&turn.content)
                .bind(**tokens)
                .bind(json_text(&turn.tool_calls))
                .bind(json_text(&turn.tool_results))
                .bind(json_text(&turn.metadata))
                .bind(turn.created_at);
        }
        query.execute(&mut *tx).await?;
    }
    let document = search_document(&t.name, t.turns.iter().map(|turn| turn.content.as_str()));
    sqlx::query("insert into transcripts_fts (rowid, document) values ($1, $2)")
        .bind(seq)
        .bind(&document)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "update projects set transcript_count = transcript_count + 1, \
         latest_transcript_at = $3, updated_at = $3 where workspace_id = $1 and id = $2",
    )
    .bind(ws)
    .bind(insert.project_id)
    .bind(insert.created_at)
    .execute(&mut *tx)
    .await?;
    super::analysis::enqueue(&mut tx, ws, insert.id, insert.created_at).await?;
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
        metadata: insert.transcript.metadata,
        stats: insert.stats,
        source_timestamp: insert.transcript.source_timestamp,
        created_at: insert.created_at,
        created_by: insert.created_by,
    }))
}

pub(super) async fn list_transcripts(
    store: &SqliteStore,
    ws: WorkspaceId,
    project: ProjectId,
    filter: &TranscriptFilter,
    page: Page,
) -> Result<(Vec<TranscriptSummary>, i64)> {
    let (clauses, binds) = transcript_filter_sql(Dialect::Sqlite, SEARCH, filter);
    let condition = format!("t.workspace_id = $1 and t.project_id = $2{clauses}");
    let n = binds.len() + 2;
    let list_sql = format!(
        "select {TRANSCRIPT_COLUMNS} from transcripts t where {condition} \
         order by t.created_at desc, t.id desc limit ${} offset ${}",
        n + 1,
        n + 2
    );
    let mut list = sqlx::query_as::<_, TranscriptRow>(AssertSqlSafe(list_sql))
        .bind(ws)
        .bind(project);
    for b in &binds {
        list = match b {
            FilterBind::Text(text) => list.bind(text.clone()),
            FilterBind::Time(at) => list.bind(*at),
        };
    }
    let rows = list
        .bind(i64::from(page.limit))
        .bind(page.offset())
        .fetch_all(&store.read)
        .await?;
    let count_sql = format!("select count(*) from transcripts t where {condition}");
    let mut count = sqlx::query_scalar(AssertSqlSafe(count_sql))
        .bind(ws)
        .bind(project);
    for b in &binds {
        count = match b {
            FilterBind::Text(text) => count.bind(text.clone()),
            FilterBind::Time(at) => count.bind(*at),
        };
    }
    let total: i64 = count.fetch_one(&store.read).await?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

pub(super) async fn get_transcript(
    store: &SqliteStore,
    ws: WorkspaceId,
    id: TranscriptId,
) -> Result<Option<TranscriptDetail>> {
    let Some(summary) = get_summary(store, ws, id).await? else {
        return Ok(None);
    };
    let sql = format!(
        "select {TURN_COLUMNS} from turns where workspace_id = $1 and transcript_id = $2 \
         order by idx"
    );
    let turns: Vec<TurnRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(ws)
        .bind(id)
        .fetch_all(&store.read)
        .await?;
    let annotations: Vec<(String, String)> = sqlx::query_as(
        "select key, value from annotations where workspace_id = $1 and transcript_id = $2",
    )
    .bind(ws)
    .bind(id)
    .fetch_all(&store.read)
    .await?;
    Ok(Some(TranscriptDetail {
        summary,
        turns: turns.into_iter().map(Into::into).collect(),
        annotations: annotations.into_iter().collect(),
    }))
}

pub(super) async fn transcript_owner(
    store: &SqliteStore,
    id: TranscriptId,
) -> Result<Option<WorkspaceId>> {
    Ok(
        sqlx::query_scalar("select workspace_id from transcripts where id = $1")
            .bind(id)
            .fetch_optional(&store.read)
            .await?,
    )
}

pub(super) async fn set_annotations(
    store: &SqliteStore,
    ws: WorkspaceId,
    id: TranscriptId,
    annotations: &BTreeMap<String, String>,
) -> Result<()> {
    let mut tx = store.begin().await?;
    sqlx::query("delete from annotations where workspace_id = $1 and transcript_id = $2")
        .bind(ws)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for (key, value) in annotations {
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
    tx.commit().await?;
    Ok(())
}

pub(super) async fn put_report(
    store: &SqliteStore,
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
    .bind(ws)
    .bind(id)
    .bind(executive_summary)
    .bind(insights)
    .bind(Timestamp::now())
    .execute(&store.write)
    .await?;
    Ok(())
}

/// The outcome of an upload whose `externalId` was stored before: a replay if the body is the
/// same, else a conflict. `None` without an `externalId` or an earlier upload.
async fn earlier_upload(
    store: &SqliteStore,
    ws: WorkspaceId,
    insert: &TranscriptInsert,
) -> Result<Option<InsertOutcome>> {
    let Some(external_id) = &insert.transcript.external_id else {
        return Ok(None);
    };
    let row: Option<EarlierUploadRow> = sqlx::query_as(
        "select id, fingerprint from transcripts \
         where workspace_id = $1 and project_id = $2 and external_id = $3",
    )
    .bind(ws)
    .bind(insert.project_id)
    .bind(external_id)
    .fetch_optional(&store.read)
    .await?;
    let Some(row) = row else { return Ok(None) };
    if row.fingerprint != insert.fingerprint {
        return Ok(Some(InsertOutcome::Conflict(row.id)));
    }
    let existing = get_summary(store, ws, row.id)
        .await?
        .ok_or_else(|| StoreError::corrupt("row", "replayed transcript vanished"))?;
    Ok(Some(InsertOutcome::Replayed(existing)))
}

async fn get_summary(
    store: &SqliteStore,
    ws: WorkspaceId,
    id: TranscriptId,
) -> Result<Option<TranscriptSummary>> {
    let sql = format!(
        "select {TRANSCRIPT_COLUMNS} from transcripts t where t.workspace_id = $1 and t.id = $2"
    );
    let row: Option<TranscriptRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(ws)
        .bind(id)
        .fetch_optional(&store.read)
        .await?;
    Ok(row.map(Into::into))
}
