//! What both backends share, written once: the row structs every query decodes into (each
//! `FromRow` for any database whose driver can decode its fields — see the `types` module of
//! each backend for the ids and timestamps), their conversions into the model, the encodings
//! that are the same on both (text enums, key hashes), the column lists and filter clauses the
//! two schemas have in common, and the builders of dynamic SQL (numbered parameters,
//! transcript filters, full-text queries). SQL that differs between the backends lives in
//! `sqlite/` and `postgres/`.

use serde_json::value::RawValue;
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, FromRow, Type};

use super::{Dialect, KeyAuthRecord, KeyChange};
use crate::model::transcript::{
    Role, StoredTurn, TranscriptFilter, TranscriptStats, TranscriptSummary,
};
use crate::model::{
    ApiKeyRecord, AuditEntry, DomainPack, Invitation, KeyHash, KeyId, KeyStatus, Member, MemberId,
    MemberRole, Membership, PermissionSet, Project, ProjectId, Timestamp, TranscriptId, Workspace,
    WorkspaceId, WorkspaceMember,
};

// ---------------------------------------------------------------------------------------------
// Encodings that are the same on both backends.

/// Enums stored as their one string each (the model's `as_str`/`parse` table).
macro_rules! text_enum {
    ($($t:ty),* $(,)?) => {$(
        impl<DB: Database> Type<DB> for $t
        where
            str: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: Database> Encode<'q, DB> for $t
        where
            &'q str: Encode<'q, DB>,
        {
            fn encode_by_ref(&self, buf: &mut DB::ArgumentBuffer) -> Result<IsNull, BoxDynError> {
                <&str as Encode<'q, DB>>::encode(self.as_str(), buf)
            }
        }

        impl<'r, DB: Database> Decode<'r, DB> for $t
        where
            &'r str: Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <&str as Decode<'r, DB>>::decode(value)?;
                <$t>::parse(text).ok_or_else(|| {
                    format!("not a {}: {text:?}", stringify!($t)).into()
                })
            }
        }
    )*};
}

text_enum!(KeyStatus, DomainPack, Role, MemberRole);

/// A permission set is stored as its comma-separated names (empty = full access).
impl<DB: Database> Type<DB> for PermissionSet
where
    str: Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <str as Type<DB>>::type_info()
    }
    fn compatible(ty: &DB::TypeInfo) -> bool {
        <str as Type<DB>>::compatible(ty)
    }
}

impl<'q, DB: Database> Encode<'q, DB> for PermissionSet
where
    String: Encode<'q, DB>,
{
    fn encode_by_ref(&self, buf: &mut DB::ArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <String as Encode<'q, DB>>::encode(self.to_db(), buf)
    }
}

impl<'r, DB: Database> Decode<'r, DB> for PermissionSet
where
    &'r str: Decode<'r, DB>,
{
    fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(PermissionSet::from_db(<&str as Decode<'r, DB>>::decode(
            value,
        )?))
    }
}

/// A key hash is stored as its 32 bytes (`blob` / `bytea`).
impl<DB: Database> Type<DB> for KeyHash
where
    [u8]: Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <[u8] as Type<DB>>::type_info()
    }
    fn compatible(ty: &DB::TypeInfo) -> bool {
        <[u8] as Type<DB>>::compatible(ty)
    }
}

impl<'q, DB: Database> Encode<'q, DB> for KeyHash
where
    Vec<u8>: Encode<'q, DB>,
{
    fn encode_by_ref(&self, buf: &mut DB::ArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <Vec<u8> as Encode<'q, DB>>::encode(self.0.to_vec(), buf)
    }
}

impl<'r, DB: Database> Decode<'r, DB> for KeyHash
where
    &'r [u8]: Decode<'r, DB>,
{
    fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
        let bytes = <&[u8] as Decode<'r, DB>>::decode(value)?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| format!("a key hash of {} bytes, not 32", bytes.len()))?;
        Ok(KeyHash(bytes))
    }
}

/// An id the model keeps as text although it is a UUID (audit entries, invitations): text on
/// SQLite, `uuid` on PostgreSQL (see each backend's `types`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TextUuid(pub String);

// ---------------------------------------------------------------------------------------------
// Rows, and what they become.

pub(super) const WORKSPACE_COLUMNS: &str = "id, name, created_at";

#[derive(FromRow)]
pub(super) struct WorkspaceRow {
    id: WorkspaceId,
    name: String,
    created_at: Timestamp,
}

impl From<WorkspaceRow> for Workspace {
    fn from(r: WorkspaceRow) -> Self {
        Workspace {
            id: r.id,
            name: r.name,
            created_at: r.created_at,
        }
    }
}

pub(super) const KEY_COLUMNS: &str = "id, workspace_id, name, description, permissions, hint, \
     status, legacy, created_at, created_by, last_used_at, expires_at";

#[derive(FromRow)]
pub(super) struct KeyRow {
    id: KeyId,
    workspace_id: WorkspaceId,
    name: String,
    description: Option<String>,
    permissions: PermissionSet,
    hint: String,
    status: KeyStatus,
    legacy: bool,
    created_at: Timestamp,
    created_by: String,
    last_used_at: Option<Timestamp>,
    expires_at: Option<Timestamp>,
}

impl From<KeyRow> for ApiKeyRecord {
    fn from(r: KeyRow) -> Self {
        ApiKeyRecord {
            id: r.id,
            workspace_id: r.workspace_id,
            name: r.name,
            description: r.description,
            permissions: r.permissions,
            hint: r.hint,
            status: r.status,
            legacy: r.legacy,
            created_at: r.created_at,
            created_by: r.created_by,
            last_used_at: r.last_used_at,
            expires_at: r.expires_at,
        }
    }
}

/// What authentication reads about a key on a cache miss: one constant statement, so the
/// lookup builds no SQL.
pub(super) const FIND_KEY_BY_HASH: &str = "select id, workspace_id, permissions, status, \
     expires_at, hint from api_keys where key_hash = $1";

#[derive(FromRow)]
pub(super) struct KeyAuthRow {
    id: KeyId,
    workspace_id: WorkspaceId,
    permissions: PermissionSet,
    status: KeyStatus,
    expires_at: Option<Timestamp>,
    hint: String,
}

impl From<KeyAuthRow> for KeyAuthRecord {
    fn from(r: KeyAuthRow) -> Self {
        KeyAuthRecord {
            id: r.id,
            workspace_id: r.workspace_id,
            permissions: r.permissions,
            status: r.status,
            expires_at: r.expires_at,
            hint: r.hint,
        }
    }
}

#[derive(FromRow)]
pub(super) struct KeyChangeRow {
    seq: i64,
    key_hash: KeyHash,
}

impl From<KeyChangeRow> for KeyChange {
    fn from(r: KeyChangeRow) -> Self {
        KeyChange {
            seq: r.seq,
            hash: r.key_hash,
        }
    }
}

pub(super) const AUDIT_COLUMNS: &str =
    "id, workspace_id, actor, action, key_id, target, created_at";

#[derive(FromRow)]
pub(super) struct AuditRow {
    id: TextUuid,
    workspace_id: WorkspaceId,
    actor: String,
    action: String,
    key_id: Option<KeyId>,
    target: Option<String>,
    created_at: Timestamp,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        AuditEntry {
            id: r.id.0,
            workspace_id: r.workspace_id,
            actor: r.actor,
            action: r.action,
            key_id: r.key_id,
            target: r.target,
            created_at: r.created_at,
        }
    }
}

/// What an audited change acted on.
pub(super) enum Target<'a> {
    Key(KeyId),
    Other(&'a str),
}

impl Target<'_> {
    /// (`key_id`, `target`) of the audit row.
    pub(super) fn columns(&self) -> (Option<KeyId>, Option<String>) {
        match self {
            Target::Key(id) => (Some(*id), None),
            Target::Other(what) => (None, Some(what.to_string())),
        }
    }
}

pub(super) const PROJECT_COLUMNS: &str = "p.id, p.name, p.domain_pack, p.transcript_count, \
     p.latest_transcript_at, p.created_at, p.updated_at";

#[derive(FromRow)]
pub(super) struct ProjectRow {
    id: ProjectId,
    name: String,
    domain_pack: DomainPack,
    transcript_count: i64,
    latest_transcript_at: Option<Timestamp>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<ProjectRow> for Project {
    fn from(r: ProjectRow) -> Self {
        Project {
            id: r.id,
            name: r.name,
            domain_pack: r.domain_pack,
            transcript_count: r.transcript_count,
            latest_transcript_at: r.latest_transcript_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A project with its report's columns (null without a report).
#[derive(FromRow)]
pub(super) struct ProjectSummaryRow {
    #[sqlx(flatten)]
    project: ProjectRow,
    executive_summary: Option<Box<RawValue>>,
}

impl From<ProjectSummaryRow> for (Project, Option<String>) {
    fn from(r: ProjectSummaryRow) -> Self {
        (r.project.into(), r.executive_summary.map(json_string))
    }
}

#[derive(FromRow)]
pub(super) struct ProjectReportRow {
    #[sqlx(flatten)]
    project: ProjectRow,
    executive_summary: Option<Box<RawValue>>,
    insights: Option<Box<RawValue>>,
}

impl From<ProjectReportRow> for (Project, Option<(String, String)>) {
    fn from(r: ProjectReportRow) -> Self {
        let report = r
            .executive_summary
            .zip(r.insights)
            .map(|(summary, insights)| (json_string(summary), json_string(insights)));
        (r.project.into(), report)
    }
}

fn json_string(raw: Box<RawValue>) -> String {
    String::from(Box::<str>::from(raw))
}

pub(super) const TRANSCRIPT_COLUMNS: &str = "t.id, t.workspace_id, t.project_id, t.name, \
     t.model_name, t.language, t.source_system, t.external_id, t.external_user_id, t.metadata, \
     t.turn_count, t.user_turn_count, t.assistant_turn_count, t.total_token_count, \
     t.user_token_count, t.assistant_token_count, t.source_timestamp, t.created_at, t.created_by";

#[derive(FromRow)]
pub(super) struct TranscriptRow {
    id: TranscriptId,
    workspace_id: WorkspaceId,
    project_id: ProjectId,
    name: String,
    model_name: Option<String>,
    language: Option<String>,
    source_system: Option<String>,
    external_id: Option<String>,
    external_user_id: Option<String>,
    metadata: Option<Box<RawValue>>,
    turn_count: i64,
    user_turn_count: i64,
    assistant_turn_count: i64,
    total_token_count: i64,
    user_token_count: i64,
    assistant_token_count: i64,
    source_timestamp: Option<Timestamp>,
    created_at: Timestamp,
    created_by: String,
}

impl From<TranscriptRow> for TranscriptSummary {
    fn from(r: TranscriptRow) -> Self {
        TranscriptSummary {
            id: r.id,
            workspace_id: r.workspace_id,
            project_id: r.project_id,
            name: r.name,
            model_name: r.model_name,
            language: r.language,
            source_system: r.source_system,
            external_id: r.external_id,
            external_user_id: r.external_user_id,
            metadata: r.metadata,
            stats: TranscriptStats {
                turn_count: r.turn_count,
                user_turn_count: r.user_turn_count,
                assistant_turn_count: r.assistant_turn_count,
                total_token_count: r.total_token_count,
                user_token_count: r.user_token_count,
                assistant_token_count: r.assistant_token_count,
            },
            source_timestamp: r.source_timestamp,
            created_at: r.created_at,
            created_by: r.created_by,
        }
    }
}

/// An earlier upload with the same `externalId`: its id and body fingerprint.
#[derive(FromRow)]
pub(super) struct EarlierUploadRow {
    pub id: TranscriptId,
    pub fingerprint: Vec<u8>,
}

pub(super) const TURN_COLUMNS: &str =
    "idx, role, content, token_count, tool_calls, tool_results, metadata, created_at";

#[derive(FromRow)]
pub(super) struct TurnRow {
    idx: i64,
    role: Role,
    content: String,
    token_count: i64,
    tool_calls: Option<Box<RawValue>>,
    tool_results: Option<Box<RawValue>>,
    metadata: Option<Box<RawValue>>,
    created_at: Option<Timestamp>,
}

impl From<TurnRow> for StoredTurn {
    fn from(r: TurnRow) -> Self {
        StoredTurn {
            index: r.idx,
            role: r.role,
            content: r.content,
            token_count: r.token_count,
            tool_calls: r.tool_calls,
            tool_results: r.tool_results,
            metadata: r.metadata,
            created_at: r.created_at,
        }
    }
}

pub(super) const MEMBER_COLUMNS: &str = "id, email, created_at";

#[derive(FromRow)]
pub(super) struct MemberRow {
    id: MemberId,
    email: String,
    created_at: Timestamp,
}

impl From<MemberRow> for Member {
    fn from(r: MemberRow) -> Self {
        Member {
            id: r.id,
            email: r.email,
            created_at: r.created_at,
        }
    }
}

#[derive(FromRow)]
pub(super) struct MemberWithHashRow {
    #[sqlx(flatten)]
    member: MemberRow,
    password_hash: String,
}

impl From<MemberWithHashRow> for (Member, String) {
    fn from(r: MemberWithHashRow) -> Self {
        (r.member.into(), r.password_hash)
    }
}

#[derive(FromRow)]
pub(super) struct MembershipRow {
    workspace_id: WorkspaceId,
    name: String,
    role: MemberRole,
}

impl From<MembershipRow> for Membership {
    fn from(r: MembershipRow) -> Self {
        Membership {
            workspace_id: r.workspace_id,
            workspace_name: r.name,
            role: r.role,
        }
    }
}

#[derive(FromRow)]
pub(super) struct WorkspaceMemberRow {
    #[sqlx(flatten)]
    member: MemberRow,
    role: MemberRole,
    joined_at: Timestamp,
}

impl From<WorkspaceMemberRow> for WorkspaceMember {
    fn from(r: WorkspaceMemberRow) -> Self {
        WorkspaceMember {
            member: r.member.into(),
            role: r.role,
            joined_at: r.joined_at,
        }
    }
}

pub(super) const INVITATION_COLUMNS: &str = "workspace_id, id, role, created_by, created_at, \
     expires_at, accepted_at, accepted_by";

#[derive(FromRow)]
pub(super) struct InvitationRow {
    id: TextUuid,
    workspace_id: WorkspaceId,
    role: MemberRole,
    created_by: String,
    created_at: Timestamp,
    expires_at: Timestamp,
    accepted_at: Option<Timestamp>,
    accepted_by: Option<String>,
}

impl From<InvitationRow> for Invitation {
    fn from(r: InvitationRow) -> Self {
        Invitation {
            id: r.id.0,
            workspace_id: r.workspace_id,
            role: r.role,
            created_by: r.created_by,
            created_at: r.created_at,
            expires_at: r.expires_at,
            accepted_at: r.accepted_at,
            accepted_by: r.accepted_by,
        }
    }
}

#[derive(FromRow)]
pub(super) struct OpenInvitationRow {
    #[sqlx(flatten)]
    invitation: InvitationRow,
    workspace_name: String,
}

impl From<OpenInvitationRow> for (Invitation, String) {
    fn from(r: OpenInvitationRow) -> Self {
        (r.invitation.into(), r.workspace_name)
    }
}

/// The conflict message of a second owner or a second membership.
pub(super) fn membership_conflict(role: MemberRole) -> &'static str {
    if role == MemberRole::Owner {
        "this workspace already has an owner"
    } else {
        "already a member of this workspace"
    }
}

// ---------------------------------------------------------------------------------------------
// Dynamic SQL.

/// Turns inserted by one statement (10 parameters each, well under both backends' limits).
pub(super) const TURNS_PER_INSERT: usize = 100;

/// `($1, …, $cols), ($cols+1, …)` for `rows` rows of `cols` parameters, numbered in order.
pub(super) fn numbered_rows(rows: usize, cols: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|row| {
            let params: Vec<String> = (1..=cols)
                .map(|col| format!("${}", row * cols + col))
                .collect();
            format!("({})", params.join(", "))
        })
        .collect();
    values.join(", ")
}

/// The full-text query for `terms` in `dialect`'s syntax: every term must match, each as a
/// prefix.
pub(super) fn fts_query(dialect: Dialect, terms: &[String]) -> String {
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

/// A value bound by a transcript filter: text, or a timestamp (which each backend encodes in
/// its own column type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum FilterBind {
    Text(String),
    Time(Timestamp),
}

/// `where` clauses and their binds for a transcript list, after workspace and project (`$1`,
/// `$2`). `search` is the backend's full-text clause, with `?` for the query `fts_query`
/// builds for `dialect`.
pub(super) fn transcript_filter_sql(
    dialect: Dialect,
    search: &str,
    filter: &TranscriptFilter,
) -> (String, Vec<FilterBind>) {
    let mut sql = String::new();
    let mut binds = Vec::new();
    let mut add = |sql: &mut String, clause: &str, value: FilterBind| {
        binds.push(value);
        sql.push_str(&clause.replace('?', &format!("${}", binds.len() + 2)));
    };
    let text = |v: &String| FilterBind::Text(v.clone());
    if let Some(v) = &filter.model_name {
        add(&mut sql, " and t.model_name = ?", text(v));
    }
    if let Some(v) = &filter.language {
        add(&mut sql, " and lower(t.language) = lower(?)", text(v));
    }
    if let Some(v) = &filter.source_system {
        add(&mut sql, " and t.source_system = ?", text(v));
    }
    if !filter.terms.is_empty() {
        let query = fts_query(dialect, &filter.terms);
        add(&mut sql, search, FilterBind::Text(query));
    }
    if let Some(key) = &filter.annotation_key {
        add(
            &mut sql,
            " and exists (select 1 from annotations a where a.workspace_id = t.workspace_id \
             and a.transcript_id = t.id and a.key = ?",
            text(key),
        );
        if let Some(value) = &filter.annotation_value {
            add(&mut sql, " and a.value = ?", text(value));
        }
        sql.push(')');
    }
    if let Some(from) = filter.from {
        add(&mut sql, " and t.effective_at >= ?", FilterBind::Time(from));
    }
    if let Some(to) = filter.to {
        add(&mut sql, " and t.effective_at <= ?", FilterBind::Time(to));
    }
    (sql, binds)
}

/// Stored per-turn signals (a JSON array of names per turn index) read back.
pub(super) fn parse_turn_signals(
    rows: Vec<(i64, String)>,
) -> Result<std::collections::BTreeMap<i64, Vec<String>>, super::StoreError> {
    rows.into_iter()
        .map(|(index, names)| {
            serde_json::from_str(&names)
                .map(|names| (index, names))
                .map_err(|e| super::StoreError::corrupt("turn_signals", e))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_number_their_parameters_in_order() {
        assert_eq!(
            numbered_rows(2, 3),
            "($1, $2, $3), ($4, $5, $6)",
            "row 2 continues after row 1"
        );
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
        let from = Timestamp::parse_rfc3339("2026-03-15T00:00:00Z").unwrap();
        let filter = TranscriptFilter {
            model_name: Some("gpt".into()),
            annotation_key: Some("sentiment".into()),
            annotation_value: Some("negative".into()),
            from: Some(from),
            ..Default::default()
        };
        let (sql, binds) = transcript_filter_sql(Dialect::Sqlite, " and s = ?", &filter);
        assert!(sql.contains("t.model_name = $3"), "{sql}");
        assert!(sql.contains("a.key = $4"), "{sql}");
        assert!(sql.contains("a.value = $5)"), "{sql}");
        assert!(sql.contains("t.effective_at >= $6"), "{sql}");
        assert_eq!(
            binds,
            vec![
                FilterBind::Text("gpt".into()),
                FilterBind::Text("sentiment".into()),
                FilterBind::Text("negative".into()),
                FilterBind::Time(from),
            ]
        );
    }
}
