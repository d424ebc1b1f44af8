//! A project's report as analysis writes it and every surface reads it: the ranked insights of
//! SPEC §1.3 (the API schema, the dashboard and the analyzer share these types).
//!
//! Reading is lenient: a report written by an older or newer analyzer still renders, with
//! missing fields at their defaults and values it does not know read as the mildest.

use serde::{Deserialize, Deserializer, Serialize};

use super::TranscriptId;

/// One ranked insight of a project's report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Insight {
    /// 1 is the most important: ranked by severity, then frequency.
    #[schema(minimum = 1)]
    pub rank: u32,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub severity: Severity,
    /// How many transcripts show it.
    pub flagged_count: u64,
    pub quotes: Vec<InsightQuote>,
    pub why_it_matters: WhyItMatters,
    pub category_breakdown: Vec<CategoryCount>,
    /// The transcripts that show it.
    #[serde(deserialize_with = "valid_ids")]
    pub transcript_ids: Vec<TranscriptId>,
}

/// How much an insight matters.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    High,
    Medium,
    #[default]
    Low,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

impl<'de> Deserialize<'de> for Severity {
    /// An unknown severity reads as `low`.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Option::<String>::deserialize(deserializer)?.unwrap_or_default();
        Ok(match text.as_str() {
            "critical" => Severity::Critical,
            "high" => Severity::High,
            "medium" => Severity::Medium,
            _ => Severity::Low,
        })
    }
}

/// A quote from a transcript that shows an insight.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct InsightQuote {
    pub text: String,
    /// The transcript quoted.
    #[serde(deserialize_with = "valid_id")]
    #[schema(value_type = TranscriptId, required = true)]
    pub transcript_id: Option<TranscriptId>,
    /// Who said it (the turn's role).
    pub speaker: String,
}

/// Why an insight matters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct WhyItMatters {
    pub user_impact: String,
    pub action_to_take: String,
}

/// How many of an insight's transcripts fall in one category.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CategoryCount {
    pub category: String,
    pub count: u64,
}

/// A transcript id, or `None` where the stored value is not one.
fn valid_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<TranscriptId>, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?;
    Ok(text.and_then(|t| t.parse().ok()))
}

/// The stored values that are transcript ids.
fn valid_ids<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<TranscriptId>, D::Error> {
    let texts = Option::<Vec<String>>::deserialize(deserializer)?.unwrap_or_default();
    Ok(texts.iter().filter_map(|t| t.parse().ok()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_from_another_analyzer_version_still_reads() {
        let read: Vec<Insight> = serde_json::from_str(
            r#"[{"title": "T", "severity": "odd", "quotes": [{"text": "q", "transcript_id": "t-1"}],
                 "transcript_ids": ["t-1"], "new_field": 1}]"#,
        )
        .unwrap();
        assert_eq!(read[0].title, "T");
        assert_eq!(
            read[0].severity,
            Severity::Low,
            "unknown severities read as low"
        );
        assert_eq!(read[0].quotes[0].transcript_id, None, "not a transcript id");
        assert!(read[0].transcript_ids.is_empty());
    }

    #[test]
    fn severities_rank_critical_first() {
        let mut all = [
            Severity::Low,
            Severity::Critical,
            Severity::Medium,
            Severity::High,
        ];
        all.sort();
        assert_eq!(
            all.map(Severity::as_str),
            ["critical", "high", "medium", "low"]
        );
    }
}
