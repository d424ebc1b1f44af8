//! The projects list and a project's page: its executive summary and insights.

use askama::Template;
use serde_json::Value;

use super::{Assets, Pager, Shell, When};
use crate::model::report::Insight;
use crate::model::{Project, Timestamp};

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
    let stored: Vec<Insight> = serde_json::from_str(insights).unwrap_or_default();
    stored
        .into_iter()
        .enumerate()
        .map(|(i, insight)| {
            let severity = insight.severity.as_str().to_string();
            let why = insight.why_it_matters;
            InsightView {
                rank: if insight.rank == 0 {
                    i as u32 + 1
                } else {
                    insight.rank
                },
                title: insight.title,
                description: insight.description,
                severity,
                flagged_count: insight.flagged_count,
                tags: insight.tags,
                quotes: insight
                    .quotes
                    .into_iter()
                    .map(|q| QuoteView {
                        text: q.text,
                        speaker: q.speaker,
                        url: q
                            .transcript_id
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
