//! What the pages show: askama templates (in `templates/`, escaped by askama) and the view
//! models they read, built from store types. Formatting for people (relative times, role
//! labels, JSON pretty-printing) lives here so that templates stay simple.

use std::collections::BTreeMap;

use askama::Template;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::assets::Assets;
use crate::model::transcript::{Role, StoredTurn, TranscriptDetail, TranscriptSummary};
use crate::model::{
    ApiKeyRecord, AuditEntry, Invitation, MemberId, MemberRole, Membership, Project, Timestamp,
    WorkspaceMember,
};

/// An instant as a person reads it ("3 minutes ago"), with the exact time for a tooltip.
#[derive(Debug, Clone)]
pub struct When {
    pub iso: String,
    pub text: String,
}

impl When {
    pub fn at(at: Timestamp, now: Timestamp) -> Self {
        Self {
            iso: at.to_rfc3339(),
            text: relative(at, now),
        }
    }
}

/// "just now", "5 minutes ago", "in 3 days".
pub fn relative(at: Timestamp, now: Timestamp) -> String {
    let diff = now.unix_millis() - at.unix_millis();
    let secs = diff.unsigned_abs() / 1000;
    if secs < 45 {
        return if diff < 0 {
            "in a few seconds"
        } else {
            "just now"
        }
        .into();
    }
    let minutes = (secs + 30) / 60;
    let hours = (secs + 1800) / 3600;
    let days = (secs + 43_200) / 86_400;
    let (n, unit) = if minutes < 60 {
        (minutes.max(1), "minute")
    } else if hours < 24 {
        (hours, "hour")
    } else if days < 30 {
        (days, "day")
    } else if days < 365 {
        (days / 30, "month")
    } else {
        (days / 365, "year")
    };
    let plural = if n == 1 { "" } else { "s" };
    if diff < 0 {
        format!("in {n} {unit}{plural}")
    } else {
        format!("{n} {unit}{plural} ago")
    }
}

/// The frame around every workspace page: who is signed in, where, and with which rights.
#[derive(Debug, Clone)]
pub struct Shell {
    pub email: String,
    pub workspace_id: String,
    pub workspace_name: String,
    pub role: &'static str,
    pub can_manage: bool,
    pub is_owner: bool,
    pub workspaces: Vec<WorkspaceChoice>,
    /// The section the page belongs to: `projects`, `settings/api-keys`, `members`,
    /// `audit-log`. The navigation marks it, and the workspace switcher keeps it.
    pub section: &'static str,
}

impl Shell {
    /// The frame of a page in `here`, one of the viewer's `memberships`.
    pub fn new(
        email: &str,
        here: &Membership,
        memberships: &[Membership],
        section: &'static str,
    ) -> Self {
        let (workspace, role) = (here.workspace_id, here.role);
        Self {
            email: email.to_string(),
            workspace_id: workspace.to_string(),
            workspace_name: here.workspace_name.clone(),
            role: role.as_str(),
            can_manage: role.can_manage(),
            is_owner: role == MemberRole::Owner,
            workspaces: memberships
                .iter()
                .map(|m| WorkspaceChoice {
                    id: m.workspace_id.to_string(),
                    name: m.workspace_name.clone(),
                    selected: m.workspace_id == workspace,
                })
                .collect(),
            section,
        }
    }

    /// `/w/{id}` + `rest`.
    pub fn url(&self, rest: &str) -> String {
        format!("/w/{}{rest}", self.workspace_id)
    }

    pub fn is(&self, section: &str) -> bool {
        self.section == section
    }
}

#[derive(Debug, Clone)]
pub struct WorkspaceChoice {
    pub id: String,
    pub name: String,
    pub selected: bool,
}

/// Previous / next links of a paged list.
#[derive(Debug, Clone, Default)]
pub struct Pager {
    pub page: u32,
    pub pages: u32,
    pub total: i64,
    pub first: i64,
    pub last: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `link(p)` is the URL of page `p`.
    pub fn new(
        page: u32,
        limit: u32,
        total: i64,
        shown: usize,
        link: impl Fn(u32) -> String,
    ) -> Self {
        let pages = ((total.max(0) + i64::from(limit) - 1) / i64::from(limit)).max(1) as u32;
        let first = i64::from(page - 1) * i64::from(limit) + 1;
        Self {
            page,
            pages,
            total,
            first: if shown == 0 { 0 } else { first },
            last: first + shown as i64 - 1,
            prev: (page > 1).then(|| link(page - 1)),
            next: (i64::from(page) * i64::from(limit) < total).then(|| link(page + 1)),
        }
    }

    pub fn is_needed(&self) -> bool {
        self.prev.is_some() || self.next.is_some()
    }
}

// ------------------------------------------------------------------------------------------
// Pages outside a workspace.

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub assets: Assets,
    pub email: String,
    pub next: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "no_workspace.html")]
pub struct NoWorkspacePage {
    pub assets: Assets,
    pub email: String,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub assets: Assets,
    pub status: u16,
    pub title: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "invite.html")]
pub struct InvitePage {
    pub assets: Assets,
    pub token: String,
    pub workspace_id: String,
    pub workspace_name: String,
    pub role: &'static str,
    pub expires: When,
    /// The signed-in member's email, if someone is signed in.
    pub signed_in_as: Option<String>,
    pub already_member: bool,
}

// ------------------------------------------------------------------------------------------
// Projects.

/// A project as a row or a header.
#[derive(Debug, Clone)]
pub struct ProjectView {
    pub id: String,
    pub name: String,
    pub url: String,
    pub transcripts_url: String,
    pub domain_pack: &'static str,
    pub transcript_count: i64,
    pub latest: Option<When>,
    pub created: When,
    pub updated: When,
}

impl ProjectView {
    pub fn new(shell: &Shell, project: &Project, now: Timestamp) -> Self {
        let url = shell.url(&format!("/projects/{}", project.id));
        Self {
            id: project.id.to_string(),
            name: project.name.clone(),
            transcripts_url: format!("{url}/transcripts"),
            url,
            domain_pack: project.domain_pack.as_str(),
            transcript_count: project.transcript_count,
            latest: project.latest_transcript_at.map(|t| When::at(t, now)),
            created: When::at(project.created_at, now),
            updated: When::at(project.updated_at, now),
        }
    }
}

#[derive(Template)]
#[template(path = "projects.html")]
pub struct ProjectsPage {
    pub assets: Assets,
    pub shell: Shell,
    pub projects: Vec<ProjectView>,
    pub pager: Pager,
    /// `http://host` of this server, for the curl examples.
    pub base_url: String,
}

/// One titled part of an executive summary.
#[derive(Debug, Clone)]
pub struct SummarySection {
    pub title: String,
    pub paragraphs: Vec<String>,
    pub items: Vec<String>,
}

/// Turns an executive summary (any JSON; by convention an object of overview, patterns,
/// issues, trends) into titled sections of text.
pub fn summary_sections(summary: &Value) -> Vec<SummarySection> {
    match summary {
        Value::Object(fields) => {
            // The conventional parts first, in reading order; anything else after them.
            const ORDER: [&str; 4] = ["overview", "patterns", "issues", "trends"];
            let rank = |key: &str| ORDER.iter().position(|k| *k == key).unwrap_or(ORDER.len());
            let mut fields: Vec<_> = fields.iter().filter(|(_, v)| !v.is_null()).collect();
            fields.sort_by_key(|(key, _)| rank(key));
            fields
                .into_iter()
                .map(|(key, value)| {
                    let mut section = SummarySection {
                        title: humanize(key),
                        paragraphs: Vec::new(),
                        items: Vec::new(),
                    };
                    match value {
                        Value::Array(items) => section.items = items.iter().map(plain).collect(),
                        Value::Object(inner) => {
                            section.items = inner
                                .iter()
                                .map(|(k, v)| format!("{}: {}", humanize(k), plain(v)))
                                .collect();
                        }
                        other => section.paragraphs.push(plain(other)),
                    }
                    section
                })
                .collect()
        }
        Value::Null => Vec::new(),
        other => vec![SummarySection {
            title: "Overview".into(),
            paragraphs: vec![plain(other)],
            items: Vec::new(),
        }],
    }
}

/// A JSON value as one line of text: strings as they are, objects as `key: value; …`.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(", "),
        Value::Object(fields) => {
            // A titled item reads best as "title — description".
            let text = |k: &str| fields.get(k).and_then(Value::as_str);
            match (text("title").or(text("name")), text("description")) {
                (Some(title), Some(description)) => format!("{title} — {description}"),
                _ => fields
                    .iter()
                    .map(|(k, v)| format!("{}: {}", humanize(k), plain(v)))
                    .collect::<Vec<_>>()
                    .join("; "),
            }
        }
        other => other.to_string(),
    }
}

/// `action_to_take` → "Action to take".
fn humanize(key: &str) -> String {
    let spaced = key.replace(['_', '-'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An insight as stored by analysis; every field is optional so that a report written by an
/// older or newer analyzer still renders.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StoredInsight {
    rank: Option<u32>,
    title: String,
    description: String,
    tags: Vec<String>,
    severity: String,
    flagged_count: Option<u64>,
    quotes: Vec<StoredQuote>,
    why_it_matters: Option<StoredWhy>,
    category_breakdown: Vec<StoredCategory>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StoredQuote {
    text: String,
    transcript_id: Option<String>,
    speaker: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StoredWhy {
    user_impact: String,
    action_to_take: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StoredCategory {
    category: String,
    count: u64,
}

#[derive(Debug, Clone)]
pub struct InsightView {
    pub rank: u32,
    pub title: String,
    pub description: String,
    pub severity: String,
    pub flagged_count: u64,
    pub tags: Vec<String>,
    pub quotes: Vec<QuoteView>,
    pub user_impact: String,
    pub action_to_take: String,
    pub categories: Vec<(String, u64)>,
}

#[derive(Debug, Clone)]
pub struct QuoteView {
    pub text: String,
    pub speaker: String,
    pub url: Option<String>,
}

/// The insights of a stored report (a JSON array), in their stored order.
pub fn insight_views(shell: &Shell, insights: &str) -> Vec<InsightView> {
    let stored: Vec<StoredInsight> = serde_json::from_str(insights).unwrap_or_default();
    stored
        .into_iter()
        .enumerate()
        .map(|(i, insight)| {
            let severity = match insight.severity.as_str() {
                s @ ("critical" | "high" | "medium" | "low") => s.to_string(),
                _ => "low".to_string(),
            };
            let why = insight.why_it_matters.unwrap_or_default();
            InsightView {
                rank: insight.rank.unwrap_or(i as u32 + 1),
                title: insight.title,
                description: insight.description,
                severity,
                flagged_count: insight.flagged_count.unwrap_or_default(),
                tags: insight.tags,
                quotes: insight
                    .quotes
                    .into_iter()
                    .map(|q| QuoteView {
                        text: q.text,
                        speaker: q.speaker,
                        url: q
                            .transcript_id
                            .filter(|id| id.parse::<uuid::Uuid>().is_ok())
                            .map(|id| shell.url(&format!("/transcripts/{id}"))),
                    })
                    .collect(),
                user_impact: why.user_impact,
                action_to_take: why.action_to_take,
                categories: insight
                    .category_breakdown
                    .into_iter()
                    .map(|c| (c.category, c.count))
                    .collect(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "project.html")]
pub struct ProjectPage {
    pub assets: Assets,
    pub shell: Shell,
    pub project: ProjectView,
    pub has_report: bool,
    pub summary: Vec<SummarySection>,
    pub insights: Vec<InsightView>,
    pub base_url: String,
}

// ------------------------------------------------------------------------------------------
// Transcripts.

/// The filter form's values, as the person typed them.
#[derive(Debug, Clone, Default)]
pub struct FilterValues {
    pub q: String,
    pub model_name: String,
    pub language: String,
    pub source_system: String,
    pub annotation: String,
    pub date_from: String,
    pub date_to: String,
}

impl FilterValues {
    pub const NAMES: [&'static str; 7] = [
        "q",
        "model_name",
        "language",
        "source_system",
        "annotation",
        "date_from",
        "date_to",
    ];

    pub fn any(&self) -> bool {
        self.pairs().next().is_some()
    }

    /// The non-empty filters as query pairs.
    pub fn pairs(&self) -> impl Iterator<Item = (&'static str, &str)> {
        Self::NAMES
            .into_iter()
            .zip([
                &self.q,
                &self.model_name,
                &self.language,
                &self.source_system,
                &self.annotation,
                &self.date_from,
                &self.date_to,
            ])
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k, v.as_str()))
    }
}

#[derive(Debug, Clone)]
pub struct TranscriptRow {
    pub id: String,
    pub url: String,
    pub name: String,
    pub model_name: String,
    pub language: String,
    pub source_system: String,
    pub turn_count: i64,
    pub total_token_count: i64,
    pub when: When,
}

impl TranscriptRow {
    pub fn new(shell: &Shell, t: &TranscriptSummary, now: Timestamp) -> Self {
        Self {
            id: t.id.to_string(),
            url: shell.url(&format!("/transcripts/{}", t.id)),
            name: t.name.clone(),
            model_name: t.model_name.clone().unwrap_or_default(),
            language: t.language.clone().unwrap_or_default(),
            source_system: t.source_system.clone().unwrap_or_default(),
            turn_count: t.stats.turn_count,
            total_token_count: t.stats.total_token_count,
            when: When::at(t.source_timestamp.unwrap_or(t.created_at), now),
        }
    }
}

/// A filter the server refused, and why.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "transcripts.html")]
pub struct TranscriptsPage {
    pub assets: Assets,
    pub shell: Shell,
    pub project: ProjectView,
    pub filters: FilterValues,
    pub rows: Vec<TranscriptRow>,
    pub pager: Pager,
    pub error: Option<FieldError>,
    pub base_url: String,
}

impl TranscriptsPage {
    pub fn error_on(&self, field: &str) -> bool {
        self.error.as_ref().is_some_and(|e| e.field == field)
    }
}

/// A tool call or result: the tool's name and its payload, pretty-printed.
#[derive(Debug, Clone)]
pub struct ToolView {
    pub name: String,
    pub body: String,
}

#[derive(Debug, Clone)]
pub struct TurnView {
    pub index: i64,
    pub role: &'static str,
    pub label: &'static str,
    /// `turn-user`, `turn-assistant`, `turn-system`, `turn-tool`, `turn-human-agent`.
    pub class: String,
    pub content: String,
    pub token_count: i64,
    pub tool_calls: Vec<ToolView>,
    pub tool_results: Vec<ToolView>,
    pub metadata: Option<String>,
    pub created: Option<When>,
}

pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::User => "User",
        Role::Assistant => "Assistant",
        Role::System => "System",
        Role::Tool => "Tool",
        Role::HumanAgent => "Human agent",
    }
}

/// Stored JSON (any shape) pretty-printed; `None` when absent, null or empty.
fn pretty(raw: Option<&RawValue>) -> Option<String> {
    let value: Value = serde_json::from_str(raw?.get()).ok()?;
    match &value {
        Value::Null => None,
        Value::Object(m) if m.is_empty() => None,
        _ => serde_json::to_string_pretty(&value).ok(),
    }
}

/// Tool calls (`args`) or results (`result`) as name + readable payload.
fn tools(raw: Option<&RawValue>, payload: &str) -> Vec<ToolView> {
    let Some(Value::Array(items)) = raw.and_then(|r| serde_json::from_str(r.get()).ok()) else {
        return Vec::new();
    };
    items
        .iter()
        .map(|item| {
            let body = match item.get(payload) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => serde_json::to_string_pretty(other).unwrap_or_default(),
            };
            ToolView {
                name: item
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("tool")
                    .to_string(),
                body,
            }
        })
        .collect()
}

impl TurnView {
    pub fn new(turn: &StoredTurn, now: Timestamp) -> Self {
        Self {
            index: turn.index,
            role: turn.role.as_str(),
            label: role_label(turn.role),
            class: format!("turn-{}", turn.role.as_str().replace('_', "-")),
            content: turn.content.clone(),
            token_count: turn.token_count,
            tool_calls: tools(turn.tool_calls.as_deref(), "args"),
            tool_results: tools(turn.tool_results.as_deref(), "result"),
            metadata: pretty(turn.metadata.as_deref()),
            created: turn.created_at.map(|t| When::at(t, now)),
        }
    }
}

#[derive(Template)]
#[template(path = "transcript.html")]
pub struct TranscriptPage {
    pub assets: Assets,
    pub shell: Shell,
    pub id: String,
    pub name: String,
    pub project_name: String,
    pub project_url: String,
    /// Label and value of each known attribute, in display order (empty ones left out).
    pub facts: Vec<(&'static str, String)>,
    pub created: When,
    pub source_time: Option<When>,
    pub annotations: Vec<(String, String)>,
    pub metadata: Option<String>,
    pub turns: Vec<TurnView>,
}

impl TranscriptPage {
    pub fn facts_of(t: &TranscriptDetail) -> Vec<(&'static str, String)> {
        let s = &t.summary;
        let mut facts = Vec::new();
        let mut fact = |label, value: Option<&String>| {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                facts.push((label, v.clone()));
            }
        };
        fact("Model", s.model_name.as_ref());
        fact("Language", s.language.as_ref());
        fact("Source system", s.source_system.as_ref());
        fact("External id", s.external_id.as_ref());
        fact("External user", s.external_user_id.as_ref());
        fact("Uploaded by", Some(&s.created_by));
        let st = &s.stats;
        facts.push((
            "Turns",
            format!(
                "{} ({} user, {} assistant)",
                st.turn_count, st.user_turn_count, st.assistant_turn_count
            ),
        ));
        facts.push((
            "Tokens",
            format!(
                "{} ({} user, {} assistant)",
                st.total_token_count, st.user_token_count, st.assistant_token_count
            ),
        ));
        facts
    }

    pub fn annotations_of(map: &BTreeMap<String, String>) -> Vec<(String, String)> {
        map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    pub fn metadata_of(t: &TranscriptSummary) -> Option<String> {
        pretty(t.metadata.as_deref())
    }
}

// ------------------------------------------------------------------------------------------
// Settings, members, audit log.

#[derive(Debug, Clone)]
pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub hint: String,
    pub active: bool,
    pub expired: bool,
    pub legacy: bool,
    pub permissions: Vec<&'static str>,
    pub created: When,
    pub created_by: String,
    pub last_used: Option<When>,
    pub expires: Option<When>,
}

impl KeyRow {
    pub fn new(key: &ApiKeyRecord, now: Timestamp) -> Self {
        Self {
            id: key.id.to_string(),
            name: key.name.clone(),
            description: key.description.clone().unwrap_or_default(),
            hint: key.hint.clone(),
            active: key.status == crate::model::KeyStatus::Active,
            expired: key.expires_at.is_some_and(|t| t <= now),
            legacy: key.legacy,
            permissions: key.permissions.iter().map(|p| p.as_str()).collect(),
            created: When::at(key.created_at, now),
            created_by: key.created_by.clone(),
            last_used: key.last_used_at.map(|t| When::at(t, now)),
            expires: key.expires_at.map(|t| When::at(t, now)),
        }
    }

    /// `active`, `revoked` or `expired`: what a request with this key would meet.
    pub fn status(&self) -> &'static str {
        match (self.active, self.expired) {
            (false, _) => "revoked",
            (true, true) => "expired",
            (true, false) => "active",
        }
    }
}

/// A permission a new key can be given, with what it allows.
#[derive(Debug, Clone)]
pub struct PermissionChoice {
    pub name: &'static str,
    pub help: &'static str,
}

pub fn permission_choices() -> Vec<PermissionChoice> {
    vec![
        PermissionChoice {
            name: "projects-read",
            help: "List and read projects, transcripts and insights.",
        },
        PermissionChoice {
            name: "projects-write",
            help: "Create projects and upload transcripts (does not include reading).",
        },
        PermissionChoice {
            name: "halfpipe-transcripts-write",
            help: "Legacy: create projects and upload transcripts, for older clients.",
        },
    ]
}

#[derive(Template)]
#[template(path = "api_keys.html")]
pub struct ApiKeysPage {
    pub assets: Assets,
    pub shell: Shell,
    pub keys: Vec<KeyRow>,
    pub permissions: Vec<PermissionChoice>,
    pub base_url: String,
}

#[derive(Debug, Clone)]
pub struct MemberRow {
    pub id: String,
    pub email: String,
    pub role: &'static str,
    pub joined: When,
    pub is_self: bool,
    pub can_change_role: bool,
    pub can_remove: bool,
    pub can_transfer: bool,
}

impl MemberRow {
    /// What the viewer (with `viewer_role`) may do to this member: the same rules the
    /// management API enforces.
    pub fn new(
        m: &WorkspaceMember,
        viewer: MemberId,
        viewer_role: MemberRole,
        now: Timestamp,
    ) -> Self {
        let is_self = m.member.id == viewer;
        let is_owner = viewer_role == MemberRole::Owner;
        let target_is_owner = m.role == MemberRole::Owner;
        Self {
            id: m.member.id.to_string(),
            email: m.member.email.clone(),
            role: m.role.as_str(),
            joined: When::at(m.joined_at, now),
            is_self,
            can_change_role: is_owner && !target_is_owner,
            can_remove: !is_self && viewer_role.may_manage(m.role),
            can_transfer: is_owner && !target_is_owner,
        }
    }
}

#[derive(Debug, Clone)]
pub struct InvitationRow {
    pub id: String,
    pub role: &'static str,
    pub created_by: String,
    pub created: When,
    pub expires: When,
    /// `pending`, `accepted` or `expired`.
    pub state: &'static str,
    pub accepted_by: String,
}

impl InvitationRow {
    pub fn new(i: &Invitation, now: Timestamp) -> Self {
        let state = if i.accepted_at.is_some() {
            "accepted"
        } else if i.expires_at <= now {
            "expired"
        } else {
            "pending"
        };
        Self {
            id: i.id.clone(),
            role: i.role.as_str(),
            created_by: i.created_by.clone(),
            created: When::at(i.created_at, now),
            expires: When::at(i.expires_at, now),
            state,
            accepted_by: i.accepted_by.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "members.html")]
pub struct MembersPage {
    pub assets: Assets,
    pub shell: Shell,
    pub members: Vec<MemberRow>,
    pub invitations: Vec<InvitationRow>,
}

#[derive(Debug, Clone)]
pub struct AuditRow {
    pub when: When,
    pub actor: String,
    pub action: String,
    pub target: String,
}

impl AuditRow {
    /// `key_names` maps key ids to names, for entries about keys that still exist.
    pub fn new(e: &AuditEntry, key_names: &BTreeMap<String, String>, now: Timestamp) -> Self {
        let target = match (&e.key_id, &e.target) {
            (Some(id), _) => {
                let id = id.to_string();
                match key_names.get(&id) {
                    Some(name) => format!("API key “{name}”"),
                    None => format!("API key {id}"),
                }
            }
            (None, Some(target)) => target.clone(),
            (None, None) => String::new(),
        };
        Self {
            when: When::at(e.created_at, now),
            actor: e.actor.clone(),
            action: e.action.clone(),
            target,
        }
    }
}

#[derive(Template)]
#[template(path = "audit_log.html")]
pub struct AuditLogPage {
    pub assets: Assets,
    pub shell: Shell,
    pub entries: Vec<AuditRow>,
    pub limit: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::WorkspaceId;
    use serde_json::json;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = ts("2026-03-15T12:00:00Z");
        let cases = [
            ("2026-03-15T11:59:50Z", "just now"),
            ("2026-03-15T11:59:00Z", "1 minute ago"),
            ("2026-03-15T11:57:00Z", "3 minutes ago"),
            ("2026-03-15T10:00:00Z", "2 hours ago"),
            ("2026-03-14T12:00:00Z", "1 day ago"),
            ("2026-01-14T12:00:00Z", "2 months ago"),
            ("2024-03-15T12:00:00Z", "2 years ago"),
            ("2026-03-18T12:00:00Z", "in 3 days"),
            ("2026-03-15T12:00:10Z", "in a few seconds"),
        ];
        for (at, expected) in cases {
            assert_eq!(relative(ts(at), now), expected, "{at}");
        }
    }

    #[test]
    fn summaries_become_titled_sections() {
        let sections = summary_sections(&json!({
            "top_issues": ["Double charges", {"title": "Slow replies", "description": "Over 5 min"}],
            "overview": "Mostly refunds.",
            "trends": null,
        }));
        assert_eq!(sections.len(), 2);
        assert_eq!(sections[0].title, "Overview", "the overview comes first");
        assert_eq!(sections[0].paragraphs, ["Mostly refunds."]);
        assert_eq!(sections[1].title, "Top issues");
        assert_eq!(
            sections[1].items,
            ["Double charges", "Slow replies — Over 5 min"]
        );
    }

    #[test]
    fn insights_tolerate_missing_fields() {
        let here = Membership {
            workspace_id: WorkspaceId::new(),
            workspace_name: "w".into(),
            role: MemberRole::Member,
        };
        let shell = Shell::new("a@b.c", &here, std::slice::from_ref(&here), "projects");
        let views = insight_views(&shell, r#"[{"title": "T", "severity": "odd"}]"#);
        assert_eq!(views.len(), 1);
        assert_eq!(views[0].rank, 1);
        assert_eq!(views[0].severity, "low");
        assert!(insight_views(&shell, "not json").is_empty());
    }

    #[test]
    fn pager_links_only_where_there_is_more() {
        let link = |p: u32| format!("?page={p}");
        let first = Pager::new(1, 20, 45, 20, link);
        assert_eq!(
            (first.prev.as_deref(), first.next.as_deref()),
            (None, Some("?page=2"))
        );
        assert_eq!((first.first, first.last, first.pages), (1, 20, 3));
        let last = Pager::new(3, 20, 45, 5, link);
        assert_eq!(
            (last.prev.as_deref(), last.next.as_deref()),
            (Some("?page=2"), None)
        );
        assert_eq!((last.first, last.last), (41, 45));
        let empty = Pager::new(1, 20, 0, 0, link);
        assert!(!empty.is_needed());
    }
}
