//! Transcripts: the validated upload input, and what the store gives back.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::ValidationError;
use super::{ProjectId, Timestamp, TranscriptId, WorkspaceId};

/// Most turns one transcript may have.
pub const MAX_TURNS: usize = 1000;
/// Largest turn content, in bytes of UTF-8 (1 MiB).
pub const MAX_CONTENT_BYTES: usize = 1024 * 1024;

/// Who spoke a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Assistant,
    System,
    Tool,
    HumanAgent,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::User,
        Role::Assistant,
        Role::System,
        Role::Tool,
        Role::HumanAgent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::System => "system",
            Role::Tool => "tool",
            Role::HumanAgent => "human_agent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The upload body as sent; every field optional so that validation, not serde, names what is
/// missing. Unknown fields are ignored.
///
/// The `#[schema]` attributes document the rules [`UploadBody::validate`] enforces.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(
    description = "A transcript to upload. Text fields are trimmed, and a blank optional \
    field counts as absent; lengths are in characters after trimming. Unknown fields are ignored.",
    example = json!({
        "name": "Refund request",
        "externalId": "conv-1234",
        "modelName": "gpt-4o",
        "language": "en",
        "sourceTimestamp": "2026-03-15T10:30:00Z",
        "metadata": {"channel": "chat"},
        "turns": [
            {"role": "user", "content": "I want a refund."},
            {"role": "assistant", "content": "Let me check your order.",
             "toolCalls": [{"name": "lookup_order", "args": {"orderId": "A-1"}}]}
        ]
    })
)]
pub struct UploadBody {
    /// 1 to 500 characters after trimming.
    #[schema(value_type = String, required = true, min_length = 1, pattern = r"^[^\x00]*[^\x00\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00]*$", max_length = 500)]
    pub name: Option<String>,
    #[schema(value_type = Vec<TurnBody>, required = true, min_items = 1, max_items = 1000)]
    pub turns: Option<Vec<TurnBody>>,
    #[schema(max_length = 100, example = "gpt-4o")]
    pub model_name: Option<String>,
    /// The client's id of the conversation, unique within the project: re-sending the same
    /// `externalId` with an identical body returns the stored transcript (200), with a different
    /// body a 409 `conflict_error`.
    #[schema(max_length = 255)]
    pub external_id: Option<String>,
    /// The client's id of the end user; trimmed like every text field.
    #[schema(max_length = 255)]
    pub external_user_id: Option<String>,
    /// A language tag such as `en` or `en-US` (blank: absent).
    #[schema(
        max_length = 35,
        pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*([A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*)?[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$",
        example = "en"
    )]
    pub language: Option<String>,
    #[schema(max_length = 100, example = "zendesk")]
    pub source_system: Option<String>,
    /// When the conversation happened (RFC 3339, any offset; in years 0000–9999 in UTC). A
    /// blank string counts as absent.
    #[schema(schema_with = source_timestamp_schema)]
    pub source_timestamp: Option<String>,
    /// Any JSON object, kept exactly as sent (key order and all).
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Box<RawValue>>,
    /// Only read by the legacy endpoint.
    #[schema(ignore)]
    pub project_id: Option<String>,
}

fn source_timestamp_schema() -> utoipa::openapi::schema::Schema {
    super::instant_or_blank_schema(false, true)
}

fn created_at_schema() -> utoipa::openapi::schema::Schema {
    super::instant_or_blank_schema(false, true)
}

/// One turn of an uploaded transcript.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TurnBody {
    #[schema(value_type = Role, required = true)]
    pub role: Option<String>,
    /// May be empty; at most 1 MiB (1,048,576 bytes) of UTF-8.
    #[schema(value_type = String, required = true, max_length = 1048576)]
    pub content: Option<String>,
    #[schema(value_type = Option<Vec<ToolCall>>)]
    pub tool_calls: Option<Vec<ToolCallBody>>,
    pub tool_results: Option<Vec<ToolResult>>,
    /// Any JSON object, kept exactly as sent.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Box<RawValue>>,
    /// When the turn was said (RFC 3339, any offset; in years 0000–9999 in UTC). A blank
    /// string counts as absent.
    #[schema(schema_with = created_at_schema)]
    pub created_at: Option<String>,
}

/// A tool call as sent; [`TurnBody::validate`] makes it a [`ToolCall`].
#[derive(Debug, Deserialize)]
pub struct ToolCallBody {
    pub name: String,
    pub args: Option<Box<RawValue>>,
}

/// A tool call made in a turn: the tool's name and its arguments, a JSON object kept exactly
/// as sent. A JSON string that holds an object (the way OpenAI sends `arguments`) is read as
/// that object.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ToolCall {
    pub name: String,
    #[schema(value_type = Object)]
    pub args: Box<RawValue>,
}

/// What a tool returned: the tool's name and its result (any JSON, kept exactly as sent;
/// `null` when absent).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ToolResult {
    pub name: String,
    #[serde(default)]
    #[schema(value_type = Value)]
    pub result: Option<Box<RawValue>>,
}

/// A validated transcript, ready to store; client JSON (metadata, tool arguments and results)
/// is held as the text that was sent. [`NewTranscript::fingerprint`] decides whether a
/// re-upload with the same `externalId` is a retry.
#[derive(Debug, Clone)]
pub struct NewTranscript {
    pub name: String,
    pub model_name: Option<String>,
    pub external_id: Option<String>,
    pub external_user_id: Option<String>,
    pub language: Option<String>,
    pub source_system: Option<String>,
    pub source_timestamp: Option<Timestamp>,
    pub metadata: Option<Box<RawValue>>,
    pub turns: Vec<NewTurn>,
}

#[derive(Debug, Clone)]
pub struct NewTurn {
    pub role: Role,
    pub content: String,
    pub tool_calls: Option<Vec<ToolCall>>,
    pub tool_results: Option<Vec<ToolResult>>,
    pub metadata: Option<Box<RawValue>>,
    pub created_at: Option<Timestamp>,
}

/// Turn counts and token counts derived from the turns (tokens of `o200k_base`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TranscriptStats {
    pub turn_count: i64,
    pub user_turn_count: i64,
    pub assistant_turn_count: i64,
    pub total_token_count: i64,
    pub user_token_count: i64,
    pub assistant_token_count: i64,
}

impl TranscriptStats {
    /// Sums per-turn token counts (`token_counts[i]` belongs to `turns[i]`).
    pub fn compute(turns: &[NewTurn], token_counts: &[i64]) -> Self {
        let mut stats = Self {
            turn_count: turns.len() as i64,
            ..Self::default()
        };
        for (turn, &tokens) in turns.iter().zip(token_counts) {
            stats.total_token_count += tokens;
            match turn.role {
                Role::User => {
                    stats.user_turn_count += 1;
                    stats.user_token_count += tokens;
                }
                Role::Assistant => {
                    stats.assistant_turn_count += 1;
                    stats.assistant_token_count += tokens;
                }
                _ => {}
            }
        }
        stats
    }
}

/// What an upload hands to the store: the transcript, its derived numbers, and who sent it.
#[derive(Debug, Clone)]
pub struct TranscriptInsert {
    pub id: TranscriptId,
    pub project_id: ProjectId,
    pub transcript: NewTranscript,
    pub token_counts: Vec<i64>,
    pub stats: TranscriptStats,
    pub fingerprint: [u8; 32],
    pub created_by: String,
    pub created_at: Timestamp,
}

/// A stored transcript without its turns: a list item.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TranscriptSummary {
    pub id: TranscriptId,
    pub project_id: ProjectId,
    #[serde(skip)]
    pub workspace_id: WorkspaceId,
    pub name: String,
    #[schema(required = true)]
    pub model_name: Option<String>,
    #[schema(required = true)]
    pub language: Option<String>,
    #[schema(required = true)]
    pub source_system: Option<String>,
    #[schema(required = true)]
    pub external_id: Option<String>,
    #[schema(required = true)]
    pub external_user_id: Option<String>,
    #[schema(value_type = Option<Object>, required = true)]
    pub metadata: Option<Box<RawValue>>,
    #[serde(flatten)]
    pub stats: TranscriptStats,
    #[schema(required = true)]
    pub source_timestamp: Option<Timestamp>,
    pub created_at: Timestamp,
    #[serde(skip)]
    pub created_by: String,
}

/// A stored turn.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StoredTurn {
    /// Position in the transcript, from 0.
    #[schema(minimum = 0)]
    pub index: i64,
    pub role: Role,
    pub content: String,
    #[schema(minimum = 0)]
    pub token_count: i64,
    #[schema(value_type = Option<Vec<ToolCall>>, required = true)]
    pub tool_calls: Option<Box<RawValue>>,
    #[schema(value_type = Option<Vec<ToolResult>>, required = true)]
    pub tool_results: Option<Box<RawValue>>,
    #[schema(value_type = Option<Object>, required = true)]
    pub metadata: Option<Box<RawValue>>,
    #[schema(required = true)]
    pub created_at: Option<Timestamp>,
}

/// A transcript with its turns and annotations.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TranscriptDetail {
    #[serde(flatten)]
    pub summary: TranscriptSummary,
    pub turns: Vec<StoredTurn>,
    /// What analysis found, as string keys and values (`{}` before analysis).
    pub annotations: std::collections::BTreeMap<String, String>,
}

/// The result of storing an upload.
#[derive(Debug)]
pub enum InsertOutcome {
    /// A new transcript.
    Created(TranscriptSummary),
    /// The same `externalId` with the same body was already stored: a safe retry.
    Replayed(TranscriptSummary),
    /// The same `externalId` with a different body.
    Conflict(TranscriptId),
}

/// Filters of `GET /projects/{id}/transcripts`.
#[derive(Debug, Clone, Default)]
pub struct TranscriptFilter {
    /// Full-text terms, all of which must match (as prefixes).
    pub terms: Vec<String>,
    pub model_name: Option<String>,
    pub language: Option<String>,
    pub source_system: Option<String>,
    pub annotation_key: Option<String>,
    pub annotation_value: Option<String>,
    /// Inclusive bounds on `source_timestamp`, falling back to `created_at`.
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

/// Most bytes of words one transcript's search document holds: PostgreSQL caps a `tsvector`
/// at 1 MB, and both backends index the same document so that search agrees across them.
pub const MAX_SEARCH_DOCUMENT_BYTES: usize = 400_000;
/// Longer "words" (hashes, base64 blobs) are not indexed.
const MAX_SEARCH_WORD_BYTES: usize = 200;

/// What full-text search indexes for a transcript: the distinct words of its name and turns,
/// lowercased, in order of first appearance, space-separated. Words are runs of letters and
/// digits, split exactly as [`search_terms`] splits a query.
pub fn search_document<'a>(name: &'a str, contents: impl Iterator<Item = &'a str>) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut document = String::new();
    for text in std::iter::once(name).chain(contents) {
        for word in text.split(|c: char| !c.is_alphanumeric()) {
            if word.is_empty() || word.len() > MAX_SEARCH_WORD_BYTES {
                continue;
            }
            let word = word.to_lowercase();
            if document.len() + word.len() + 1 > MAX_SEARCH_DOCUMENT_BYTES {
                return document;
            }
            if !seen.contains(&word) {
                document.push_str(&word);
                document.push(' ');
                seen.insert(word);
            }
        }
    }
    document
}

/// Splits a search string into the words full-text search matches (letters and digits).
pub fn search_terms(q: &str) -> Vec<String> {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .take(16)
        .collect()
}

fn field(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn optional_text(
    value: Option<String>,
    param: &str,
    max_chars: usize,
) -> Result<Option<String>, ValidationError> {
    // Counted as sent, as the schema's maxLength reads: surrounding white space does not buy
    // room beyond the limit.
    trimmed_text(value, param, max_chars, Count::AsSent)
}

/// What a text length limit counts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Count {
    /// The value as the client sent it.
    AsSent,
    /// The value after trimming surrounding white space (names, SPEC §1.3).
    Trimmed,
}

/// `value` trimmed (`None` if blank), refused with a 400 naming `param` if it holds NUL or is
/// longer than `max_chars` as `count` measures it.
fn trimmed_text(
    value: Option<String>,
    param: &str,
    max_chars: usize,
    count: Count,
) -> Result<Option<String>, ValidationError> {
    let Some(value) = value else { return Ok(None) };
    ValidationError::reject_nul(&value, param)?;
    let trimmed = value.trim();
    let measured = if count == Count::AsSent {
        value.as_str()
    } else {
        trimmed
    };
    if measured.chars().count() > max_chars {
        return Err(ValidationError::new(
            param,
            format!("{param} must be at most {max_chars} characters"),
        ));
    }
    Ok((!trimmed.is_empty()).then(|| trimmed.to_string()))
}

/// A name: required, 1–`max` characters after trimming.
pub fn required_name(
    value: Option<String>,
    param: &str,
    max: usize,
) -> Result<String, ValidationError> {
    match trimmed_text(value, param, max, Count::Trimmed)? {
        Some(name) => Ok(name),
        None => Err(ValidationError::new(
            param,
            format!("{param} is required: a string of 1 to {max} characters"),
        )),
    }
}

fn optional_timestamp(
    value: Option<String>,
    param: &str,
) -> Result<Option<Timestamp>, ValidationError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => Timestamp::parse_rfc3339(s).map(Some).ok_or_else(|| {
            ValidationError::new(
                param,
                format!(
                    "{param} must be an RFC 3339 timestamp {}, e.g. 2026-03-15T10:30:00.000Z",
                    Timestamp::RANGE
                ),
            )
        }),
    }
}

/// Client JSON that must be an object (`null` reads as absent), kept as sent.
fn optional_object(
    value: Option<Box<RawValue>>,
    param: &str,
) -> Result<Option<Box<RawValue>>, ValidationError> {
    match value {
        None => Ok(None),
        Some(raw) if raw.get().starts_with('{') => Ok(Some(raw)),
        Some(_) => Err(ValidationError::new(
            param,
            format!("{param} must be a JSON object"),
        )),
    }
}

/// A tool call's `args`: a JSON object, or a JSON string holding one (as OpenAI sends
/// `arguments`), which is read as that object.
fn tool_args(value: Option<Box<RawValue>>, param: &str) -> Result<Box<RawValue>, ValidationError> {
    let expected = || {
        ValidationError::new(
            param,
            format!("{param} must be a JSON object, or a string holding one"),
        )
    };
    let raw = value.ok_or_else(expected)?;
    if raw.get().starts_with('{') {
        return Ok(raw);
    }
    let text: String = serde_json::from_str(raw.get()).map_err(|_| expected())?;
    let inner: Box<RawValue> = serde_json::from_str(&text).map_err(|_| expected())?;
    if !inner.get().starts_with('{') {
        return Err(expected());
    }
    if let Some(duplicate) = super::json::duplicate_key(inner.get().as_bytes(), param) {
        return Err(ValidationError::new(
            &duplicate,
            format!("{duplicate} is given twice: each key of an object may appear once"),
        ));
    }
    Ok(inner)
}

/// A BCP 47-shaped language tag: `en`, `en-US`, `zh-Hant-TW`.
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=8).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

impl UploadBody {
    /// Validates every rule of SPEC §1.4; the error names the first offending field.
    pub fn validate(self) -> Result<NewTranscript, ValidationError> {
        let name = required_name(self.name, "name", 500)?;
        let turns = match self.turns {
            None => {
                return Err(ValidationError::new(
                    "turns",
                    "turns is required: an array of 1 to 1000 turns",
                ));
            }
            Some(turns) if turns.is_empty() || turns.len() > MAX_TURNS => {
                return Err(ValidationError::new(
                    "turns",
                    format!(
                        "turns must contain between 1 and {MAX_TURNS} turns, got {}",
                        turns.len()
                    ),
                ));
            }
            Some(turns) => turns,
        };
        let model_name = optional_text(self.model_name, "modelName", 100)?;
        let external_id = optional_text(self.external_id, "externalId", 255)?;
        let external_user_id = optional_text(self.external_user_id, "externalUserId", 255)?;
        let language = optional_text(self.language, "language", 35)?;
        if let Some(tag) = &language
            && !is_language_tag(tag)
        {
            return Err(ValidationError::new(
                "language",
                "language must be a language tag such as en or en-US",
            ));
        }
        let source_system = optional_text(self.source_system, "sourceSystem", 100)?;
        let source_timestamp = optional_timestamp(self.source_timestamp, "sourceTimestamp")?;
        let metadata = optional_object(self.metadata, "metadata")?;
        let turns = turns
            .into_iter()
            .enumerate()
            .map(|(i, turn)| turn.validate(&format!("turns[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(NewTranscript {
            name,
            model_name,
            external_id,
            external_user_id,
            language,
            source_system,
            source_timestamp,
            metadata,
            turns,
        })
    }
}

impl TurnBody {
    fn validate(self, path: &str) -> Result<NewTurn, ValidationError> {
        let role_param = field(path, "role");
        let expected = "one of user, assistant, system, tool, human_agent";
        let role = match self.role {
            None => {
                return Err(ValidationError::new(
                    &role_param,
                    format!("{role_param} is required: {expected}"),
                ));
            }
            Some(role) => Role::parse(&role).ok_or_else(|| {
                ValidationError::new(
                    &role_param,
                    format!("{role_param} must be {expected}, got {role:?}"),
                )
            })?,
        };
        let content_param = field(path, "content");
        let content = self.content.ok_or_else(|| {
            ValidationError::new(
                &content_param,
                format!("{content_param} is required: a string (it may be empty)"),
            )
        })?;
        ValidationError::reject_nul(&content, &content_param)?;
        if content.len() > MAX_CONTENT_BYTES {
            return Err(ValidationError::new(
                &content_param,
                format!("{content_param} must be at most {MAX_CONTENT_BYTES} bytes of UTF-8"),
            ));
        }
        let tool_calls = self
            .tool_calls
            .map(|calls| {
                calls
                    .into_iter()
                    .enumerate()
                    .map(|(j, call)| {
                        let at = format!("{path}.toolCalls[{j}]");
                        ValidationError::reject_nul(&call.name, &format!("{at}.name"))?;
                        Ok(ToolCall {
                            name: call.name,
                            args: tool_args(call.args, &format!("{at}.args"))?,
                        })
                    })
                    .collect::<Result<Vec<_>, ValidationError>>()
            })
            .transpose()?;
        if let Some(results) = &self.tool_results {
            for (j, result) in results.iter().enumerate() {
                ValidationError::reject_nul(
                    &result.name,
                    &format!("{path}.toolResults[{j}].name"),
                )?;
            }
        }
        Ok(NewTurn {
            role,
            content,
            tool_calls,
            tool_results: self.tool_results,
            metadata: optional_object(self.metadata, &field(path, "metadata"))?,
            created_at: optional_timestamp(self.created_at, &field(path, "createdAt"))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn parse(body: Value) -> Result<NewTranscript, ValidationError> {
        serde_json::from_value::<UploadBody>(body)
            .unwrap()
            .validate()
    }

    fn param_of(body: Value) -> String {
        match parse(body) {
            Err(ValidationError { param, .. }) => param.unwrap_or_default(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn valid() -> Value {
        json!({"name": "chat", "turns": [{"role": "user", "content": "hi"}]})
    }

    #[test]
    fn each_rule_names_its_field() {
        let long = |n| "x".repeat(n);
        let cases: Vec<(&str, Value, &str)> = vec![
            (
                "missing name",
                json!({"turns": [{"role": "user", "content": ""}]}),
                "name",
            ),
            (
                "blank name",
                json!({"name": "  ", "turns": [{"role": "user", "content": ""}]}),
                "name",
            ),
            (
                "long name",
                json!({"name": long(501), "turns": [{"role": "user", "content": ""}]}),
                "name",
            ),
            ("missing turns", json!({"name": "a"}), "turns"),
            ("empty turns", json!({"name": "a", "turns": []}), "turns"),
            (
                "bad role",
                json!({"name": "a", "turns": [{"role": "user", "content": ""}, {"role": "bot", "content": ""}]}),
                "turns[1].role",
            ),
            (
                "missing content",
                json!({"name": "a", "turns": [{"role": "user"}]}),
                "turns[0].content",
            ),
            (
                "long model",
                json!({"name": "a", "modelName": long(101), "turns": [{"role": "user", "content": ""}]}),
                "modelName",
            ),
            (
                "bad language",
                json!({"name": "a", "language": "english!", "turns": [{"role": "user", "content": ""}]}),
                "language",
            ),
            (
                "bad timestamp",
                json!({"name": "a", "sourceTimestamp": "yesterday", "turns": [{"role": "user", "content": ""}]}),
                "sourceTimestamp",
            ),
            (
                "metadata array",
                json!({"name": "a", "metadata": [1], "turns": [{"role": "user", "content": ""}]}),
                "metadata",
            ),
            (
                "turn createdAt",
                json!({"name": "a", "turns": [{"role": "user", "content": "", "createdAt": "x"}]}),
                "turns[0].createdAt",
            ),
        ];
        for (case, body, param) in cases {
            assert_eq!(param_of(body), param, "{case}");
        }
    }

    #[test]
    fn turn_limit_is_1000() {
        let turn = json!({"role": "user", "content": "x"});
        let ok = json!({"name": "a", "turns": vec![turn.clone(); 1000]});
        assert!(parse(ok).is_ok());
        let too_many = json!({"name": "a", "turns": vec![turn; 1001]});
        assert_eq!(param_of(too_many), "turns");
    }

    #[test]
    fn content_limit_is_one_mebibyte() {
        let at = json!({"name": "a", "turns": [{"role": "user", "content": "x".repeat(MAX_CONTENT_BYTES)}]});
        assert!(parse(at).is_ok());
        let over = json!({"name": "a", "turns": [{"role": "user", "content": "x".repeat(MAX_CONTENT_BYTES + 1)}]});
        assert_eq!(param_of(over), "turns[0].content");
    }

    #[test]
    fn fingerprint_ignores_key_order_and_unknown_fields() {
        let a = parse(json!({"name": "chat", "extra": 1, "metadata": {"a": 1, "b": 2}, "turns": [{"role": "user", "content": "hi"}]})).unwrap();
        let b = parse(json!({"turns": [{"content": "hi", "role": "user"}], "metadata": {"b": 2, "a": 1}, "name": "chat"})).unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        let c = parse(valid()).unwrap();
        assert_ne!(a.fingerprint(), c.fingerprint());
    }

    #[test]
    fn client_json_is_kept_as_sent_and_args_may_be_a_string_holding_an_object() {
        let body = r#"{"name": "n", "metadata": {"b": 1, "a": 2}, "turns": [{"role": "tool",
            "content": "", "toolCalls": [{"name": "f", "args": {"z": 1, "a": 2}},
            {"name": "g", "args": "{\"z\": 1, \"a\": 2}"}]}]}"#;
        let t = serde_json::from_str::<UploadBody>(body)
            .unwrap()
            .validate()
            .unwrap();
        assert_eq!(t.metadata.unwrap().get(), r#"{"b": 1, "a": 2}"#);
        let calls = t.turns[0].tool_calls.as_ref().unwrap();
        assert_eq!(calls[0].args.get(), r#"{"z": 1, "a": 2}"#);
        assert_eq!(calls[1].args.get(), r#"{"z": 1, "a": 2}"#);
    }

    #[test]
    fn language_tags() {
        for ok in ["en", "en-US", "zh-Hant-TW", "pt-BR"] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in ["e", "english language", "en_US", "en--US", "-en"] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }

    #[test]
    fn search_document_holds_each_word_once() {
        let doc = search_document(
            "Refund chat",
            ["I want a REFUND, now!", "ok: refund-2"].into_iter(),
        );
        assert_eq!(doc, "refund chat i want a now ok 2 ");
    }

    #[test]
    fn search_document_is_bounded() {
        let words: String = (0..200_000).map(|i| format!("w{i} ")).collect();
        let doc = search_document("n", std::iter::once(words.as_str()));
        assert!(doc.len() <= MAX_SEARCH_DOCUMENT_BYTES);
        assert!(doc.starts_with("n w0 w1 "));
    }

    #[test]
    fn search_terms_are_words() {
        assert_eq!(search_terms("Refund, please!"), vec!["refund", "please"]);
        assert!(search_terms("  ** ").is_empty());
    }
}
