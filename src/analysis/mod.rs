//! The built-in analyzer (SPEC §6): per-transcript annotations and per-turn signals, computed
//! locally and deterministically. `worker` runs it over the analysis queue.
//!
//! (Placeholder surface on the queue branch: the detectors replace `analyze`'s body.)

pub mod worker;

use std::collections::BTreeMap;

use crate::model::DomainPack;
use crate::model::transcript::TranscriptDetail;

/// The version recorded with every result; a new version re-analyzes in the background.
pub const VERSION: &str = "rules-1";

/// What the analyzer found in one transcript.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Analysis {
    /// The transcript's annotations (SPEC §6.2): key → value.
    pub annotations: BTreeMap<String, String>,
    /// Per-turn signals (taxonomy names), by turn index; turns without signals are absent.
    pub turn_signals: BTreeMap<i64, Vec<String>>,
}

/// Analyzes one transcript; pure and deterministic (no I/O, no clock, no randomness).
pub fn analyze(transcript: &TranscriptDetail, pack: DomainPack) -> Analysis {
    let _ = pack;
    let mut turn_signals = BTreeMap::new();
    if let Some(first) = transcript.turns.first() {
        turn_signals.insert(first.index, vec!["analyzed".to_string()]);
    }
    Analysis {
        annotations: BTreeMap::from([("analyzed".to_string(), "true".to_string())]),
        turn_signals,
    }
}
