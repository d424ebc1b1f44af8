//! Workspace settings: API keys, members and invitations, the audit log.

use std::collections::BTreeMap;

use askama::Template;

use super::{Assets, Shell, When};
use crate::model::{
    ApiKeyRecord, AuditEntry, Invitation, MemberId, MemberRole, Timestamp, WorkspaceMember,
};

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
