//! The transcripts list with its filters, and the conversation view.

use std::collections::BTreeMap;

use askama::Template;
use serde_json::Value;
use serde_json::value::RawValue;

use super::{Assets, Pager, ProjectView, Shell, When};
use crate::model::Timestamp;
use crate::model::transcript::{Role, StoredTurn, TranscriptDetail, TranscriptSummary};

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
    /// The analyzer's signals on this turn (taxonomy names), empty before analysis.
    pub signals: Vec<String>,
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
    pub fn new(turn: &StoredTurn, signals: Vec<String>, now: Timestamp) -> Self {
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
            signals,
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
