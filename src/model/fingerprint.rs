//! The fingerprint of an upload: SHA-256 of a canonical JSON form, which decides whether a
//! re-upload with the same `externalId` is a retry (same fingerprint) or a conflict.

use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use super::Timestamp;
use super::transcript::{NewTranscript, Role};

impl NewTranscript {
    /// SHA-256 of the canonical JSON form, for replay detection: client JSON parsed (object
    /// keys sorted, whitespace dropped), so that the same content sent again is a retry however
    /// it is spaced or ordered. The form is the one stored fingerprints were made with, so it
    /// must not change (the test `fingerprint_is_stable_across_versions` pins it).
    pub fn fingerprint(&self) -> [u8; 32] {
        let canonical = serde_json::to_vec(&Canonical::of(self)).expect("a transcript serializes");
        Sha256::digest(&canonical).into()
    }
}

/// The canonical form of a [`NewTranscript`]: its fields in order, client JSON as `Value`.
#[derive(Serialize)]
struct Canonical<'a> {
    name: &'a str,
    model_name: &'a Option<String>,
    external_id: &'a Option<String>,
    external_user_id: &'a Option<String>,
    language: &'a Option<String>,
    source_system: &'a Option<String>,
    source_timestamp: Option<Timestamp>,
    metadata: Option<Value>,
    turns: Vec<CanonicalTurn<'a>>,
}

#[derive(Serialize)]
struct CanonicalTurn<'a> {
    role: Role,
    content: &'a str,
    tool_calls: Option<Vec<CanonicalTool<'a>>>,
    tool_results: Option<Vec<CanonicalResult<'a>>>,
    metadata: Option<Value>,
    created_at: Option<Timestamp>,
}

#[derive(Serialize)]
struct CanonicalTool<'a> {
    name: &'a str,
    args: Value,
}

#[derive(Serialize)]
struct CanonicalResult<'a> {
    name: &'a str,
    result: Value,
}

/// Client JSON as a `Value`; it was parsed once already, so it parses again.
fn value(raw: &RawValue) -> Value {
    serde_json::from_str(raw.get()).expect("JSON that parsed once parses again")
}

impl<'a> Canonical<'a> {
    fn of(t: &'a NewTranscript) -> Self {
        Self {
            name: &t.name,
            model_name: &t.model_name,
            external_id: &t.external_id,
            external_user_id: &t.external_user_id,
            language: &t.language,
            source_system: &t.source_system,
            source_timestamp: t.source_timestamp,
            metadata: t.metadata.as_deref().map(value),
            turns: t
                .turns
                .iter()
                .map(|turn| CanonicalTurn {
                    role: turn.role,
                    content: &turn.content,
                    tool_calls: turn.tool_calls.as_ref().map(|calls| {
                        calls
                            .iter()
                            .map(|c| CanonicalTool {
                                name: &c.name,
                                args: value(&c.args),
                            })
                            .collect()
                    }),
                    tool_results: turn.tool_results.as_ref().map(|results| {
                        results
                            .iter()
                            .map(|r| CanonicalResult {
                                name: &r.name,
                                result: r.result.as_deref().map_or(Value::Null, value),
                            })
                            .collect()
                    }),
                    metadata: turn.metadata.as_deref().map(value),
                    created_at: turn.created_at,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::transcript::UploadBody;

    #[test]
    fn fingerprint_is_stable_across_versions() {
        // The fingerprint of this body before client JSON was kept as sent: stored
        // fingerprints must still recognise a retry.
        let body = r#"{"name":"chat","externalId":"e-1","metadata":{"b":1,"a":{"y":2,"x":1}},"sourceTimestamp":"2026-03-15T10:30:00Z","turns":[{"role":"user","content":"hi","metadata":{"z":1,"k":2},"createdAt":"2026-03-15T10:30:00Z"},{"role":"assistant","content":"","toolCalls":[{"name":"lookup","args":{"q":"x","a":1}}],"toolResults":[{"name":"lookup","result":{"ok":true,"b":[1,2]}},{"name":"none"}]}]}"#;
        let transcript = serde_json::from_str::<UploadBody>(body)
            .unwrap()
            .validate()
            .unwrap();
        assert_eq!(
            hex::encode(transcript.fingerprint()),
            "cb3350f986b2f845c2f4f312b57b182681dd4abd01363261cc59462e290abe7c"
        );
    }
}
