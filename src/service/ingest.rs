//! Ingest: the one path that prepares a validated transcript (token counts, fingerprint,
//! statistics) and stores it. Both upload endpoints use it, and so will import and analysis.

use crate::model::transcript::{InsertOutcome, NewTranscript, TranscriptInsert, TranscriptStats};
use crate::model::{ProjectId, Timestamp, TranscriptId, WorkspaceId};
use crate::service::{ServiceError, tokens};
use crate::store::Store;

/// Where a transcript goes, and who is recorded as having sent it.
#[derive(Debug, Clone)]
pub struct Target {
    pub workspace: WorkspaceId,
    pub project: ProjectId,
    /// The key's hint for API uploads.
    pub created_by: String,
}

/// Content size above which tokenizing moves off the async workers.
const INLINE_TOKENIZE_BYTES: usize = 64 * 1024;

/// Prepares `transcript` and stores it atomically into `target`, or finds the earlier upload
/// with the same `externalId`: a replay if the body is identical, else a conflict.
pub async fn store(
    store: &dyn Store,
    target: Target,
    transcript: NewTranscript,
) -> Result<InsertOutcome, ServiceError> {
    let size: usize = transcript.turns.iter().map(|t| t.content.len()).sum();
    // Large content, or the first upload (which builds the tokenizer), runs off the async
    // workers.
    let prepared = if size > INLINE_TOKENIZE_BYTES || !tokens::is_ready() {
        tokio::task::spawn_blocking(move || prepare(target, transcript))
            .await
            .map_err(|e| ServiceError::Internal(format!("tokenizing failed: {e}")))?
    } else {
        prepare(target, transcript)
    };
    let workspace = prepared.1;
    Ok(store.insert_transcript(workspace, prepared.0).await?)
}

/// Token counts, fingerprint and statistics of `transcript`, ready to insert.
fn prepare(target: Target, transcript: NewTranscript) -> (TranscriptInsert, WorkspaceId) {
    let token_counts: Vec<i64> = transcript
        .turns
        .iter()
        .map(|t| tokens::count(&t.content))
        .collect();
    let fingerprint = transcript.fingerprint();
    let insert = TranscriptInsert {
        id: TranscriptId::new(),
        project_id: target.project,
        stats: TranscriptStats::compute(&transcript.turns, &token_counts),
        transcript,
        token_counts,
        fingerprint,
        created_by: target.created_by,
        created_at: Timestamp::now(),
    };
    (insert, target.workspace)
}
