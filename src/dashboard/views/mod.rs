//! What the pages show: askama templates (in `templates/`, escaped by askama) and the view
//! models they read, built from store types. Formatting for people (relative times, role
//! labels, JSON pretty-printing) lives here so that templates stay simple.

mod projects;
mod settings;
mod transcripts;

use askama::Template;

pub use super::assets::Assets;
use crate::model::{MemberRole, Membership, Timestamp};
pub use projects::*;
pub use settings::*;
pub use transcripts::*;

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
