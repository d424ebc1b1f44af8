//! Domain types: typed ids, timestamps, and the entities the store returns.

mod clock;
mod error;
mod fingerprint;
mod ids;
pub mod json;
mod key_hash;
pub mod member;
mod permission;
pub mod report;
mod timestamp;
mod token_hash;
pub mod transcript;

pub use clock::Clock;
pub use error::ValidationError;
pub use ids::{KeyId, MemberId, ProjectId, TranscriptId, WorkspaceId};
pub use key_hash::KeyHash;
pub use member::{Invitation, Member, MemberRole, Membership, WorkspaceMember};
pub use permission::{Access, Permission, PermissionSet};
pub use timestamp::{Timestamp, instant_or_blank_schema};
pub use token_hash::TokenHash;

use serde::Serialize;

/// A workspace (organization): the owner of everything else.
#[derive(Debug, Clone, Serialize)]
pub struct Workspace {
    pub id: WorkspaceId,
    pub name: String,
    pub created_at: Timestamp,
}

/// Whether an API key currently works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    Active,
    Revoked,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(KeyStatus::Active),
            "revoked" => Some(KeyStatus::Revoked),
            _ => None,
        }
    }
}

/// An API key as listed: everything but the secret, which is never stored.
#[derive(Debug, Clone, Serialize)]
pub struct ApiKeyRecord {
    pub id: KeyId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub description: Option<String>,
    pub permissions: PermissionSet,
    pub hint: String,
    pub status: KeyStatus,
    pub legacy: bool,
    pub created_at: Timestamp,
    pub created_by: String,
    pub last_used_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
}

/// A key to be stored: its hash, never its plaintext.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub description: Option<String>,
    pub permissions: PermissionSet,
    pub hash: [u8; 32],
    pub hint: String,
    pub legacy: bool,
    pub created_by: String,
    pub expires_at: Option<Timestamp>,
}

/// The taxonomy a project's analysis uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DomainPack {
    General,
    AiCoding,
}

impl DomainPack {
    pub fn as_str(self) -> &'static str {
        match self {
            DomainPack::General => "general",
            DomainPack::AiCoding => "ai_coding",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "general" => Some(DomainPack::General),
            "ai_coding" => Some(DomainPack::AiCoding),
            _ => None,
        }
    }
}

/// A project as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
    pub domain_pack: DomainPack,
    #[schema(minimum = 0)]
    pub transcript_count: i64,
    /// `null` until the first upload.
    #[schema(required = true)]
    pub latest_transcript_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One page request: `page` ≥ 1, `limit` 1–100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: u32,
    pub limit: u32,
}

impl Page {
    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.limit)
    }
}

/// One row of the audit log.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: String,
    pub workspace_id: WorkspaceId,
    pub actor: String,
    pub action: String,
    pub key_id: Option<KeyId>,
    /// What the change acted on when it is not a key: a member's email, an invitation id.
    pub target: Option<String>,
    pub created_at: Timestamp,
}
