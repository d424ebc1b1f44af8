//! Members: people who sign in to the dashboard, their roles, and invitations.

use serde::{Deserialize, Serialize};

use super::{MemberId, Timestamp, WorkspaceId};

/// A person with a dashboard account. The password hash never leaves the store layer.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub id: MemberId,
    pub email: String,
    pub created_at: Timestamp,
}

/// What a member may do in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberRole {
    /// Sees everything, manages nothing.
    Member,
    /// Manages keys, members and settings.
    Admin,
    /// One per workspace: an admin who can also grant admin and owner and transfer ownership.
    Owner,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Owner => "owner",
            MemberRole::Admin => "admin",
            MemberRole::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "owner" => Some(MemberRole::Owner),
            "admin" => Some(MemberRole::Admin),
            "member" => Some(MemberRole::Member),
            _ => None,
        }
    }

    /// Admins and the owner manage keys, members and invitations.
    pub fn can_manage(self) -> bool {
        self >= MemberRole::Admin
    }

    /// Whether someone with this role may invite or remove a member with role `target`: a
    /// member by any manager, an admin only by the owner, the owner by nobody.
    pub fn may_manage(self, target: MemberRole) -> bool {
        match target {
            MemberRole::Owner => false,
            MemberRole::Admin => self == MemberRole::Owner,
            MemberRole::Member => self.can_manage(),
        }
    }
}

/// A member as a workspace lists it.
#[derive(Debug, Clone, Serialize)]
pub struct WorkspaceMember {
    #[serde(flatten)]
    pub member: Member,
    pub role: MemberRole,
    pub joined_at: Timestamp,
}

/// A workspace as one of a member's.
#[derive(Debug, Clone, Serialize)]
pub struct Membership {
    pub workspace_id: WorkspaceId,
    pub workspace_name: String,
    pub role: MemberRole,
}

/// An invitation link (its token is shown once, at creation; only its hash is stored).
#[derive(Debug, Clone, Serialize)]
pub struct Invitation {
    pub id: String,
    pub workspace_id: WorkspaceId,
    pub role: MemberRole,
    pub created_by: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub accepted_at: Option<Timestamp>,
    pub accepted_by: Option<String>,
}

/// Normalizes an email address for storage and lookup: trimmed, lower-case; `None` unless it
/// looks like `local@domain`.
pub fn normalize_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let valid = !local.is_empty()
        && !domain.is_empty()
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.matches('@').count() == 1;
    valid.then_some(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_by_power() {
        assert!(MemberRole::Owner.can_manage());
        assert!(MemberRole::Admin.can_manage());
        assert!(!MemberRole::Member.can_manage());
        assert_eq!(MemberRole::parse("admin"), Some(MemberRole::Admin));
        assert_eq!(MemberRole::parse("root"), None);
    }

    #[test]
    fn who_may_manage_whom() {
        use MemberRole::*;
        let cases = [
            (Owner, Owner, false),
            (Owner, Admin, true),
            (Owner, Member, true),
            (Admin, Owner, false),
            (Admin, Admin, false),
            (Admin, Member, true),
            (Member, Member, false),
        ];
        for (actor, target, expected) in cases {
            assert_eq!(
                actor.may_manage(target),
                expected,
                "{actor:?} on {target:?}"
            );
        }
    }

    #[test]
    fn emails_are_normalized() {
        assert_eq!(
            normalize_email("  Ada@Example.COM "),
            Some("ada@example.com".into())
        );
        for bad in [
            "",
            "ada",
            "@x.com",
            "ada@",
            "a b@x.com",
            "a@@x.com",
            "ada@.com",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad:?}");
        }
    }
}
