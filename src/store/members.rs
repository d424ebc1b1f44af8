//! Members, memberships, sessions, invitations and shared settings: the dashboard's data.
//! The trait is a supertrait of [`super::Store`]; each backend implements it in its own
//! `members` module.

use async_trait::async_trait;

use super::Actor;
use super::error::Result;
use crate::model::{
    Invitation, Member, MemberId, MemberRole, Membership, Timestamp, TokenHash, WorkspaceId,
    WorkspaceMember,
};

#[async_trait]
pub trait MemberStore: Send + Sync {
    /// A new member; 409 if the email is taken.
    async fn create_member(&self, email: &str, password_hash: &str) -> Result<Member>;
    /// The member with this (normalized) email, with their password hash.
    async fn member_by_email(&self, email: &str) -> Result<Option<(Member, String)>>;
    async fn get_member(&self, id: MemberId) -> Result<Option<Member>>;

    /// Adds `member` to `ws` with `role`; 409 if already a member or if `role` is owner and
    /// the workspace has one.
    async fn add_membership(
        &self,
        ws: WorkspaceId,
        member: &Member,
        role: MemberRole,
        actor: &Actor,
    ) -> Result<()>;
    /// The workspaces `member` belongs to, by name.
    async fn memberships(&self, member: MemberId) -> Result<Vec<Membership>>;
    async fn role_of(&self, ws: WorkspaceId, member: MemberId) -> Result<Option<MemberRole>>;
    async fn list_members(&self, ws: WorkspaceId) -> Result<Vec<WorkspaceMember>>;
    /// Changes a non-owner's role to admin or member; false if not a member.
    async fn set_role(
        &self,
        ws: WorkspaceId,
        member: &Member,
        role: MemberRole,
        actor: &Actor,
    ) -> Result<bool>;
    /// Makes `to` the owner and the current owner an admin, in one transaction.
    async fn transfer_ownership(
        &self,
        ws: WorkspaceId,
        from: MemberId,
        to: &Member,
        actor: &Actor,
    ) -> Result<()>;
    /// Removes a non-owner from the workspace; false if not a member.
    async fn remove_member(&self, ws: WorkspaceId, member: &Member, actor: &Actor) -> Result<bool>;

    async fn create_session(
        &self,
        token_hash: TokenHash,
        member: MemberId,
        expires_at: Timestamp,
    ) -> Result<()>;
    /// The member a live session belongs to (expired sessions are not returned).
    async fn session_member(&self, token_hash: TokenHash, now: Timestamp)
    -> Result<Option<Member>>;
    async fn delete_session(&self, token_hash: TokenHash) -> Result<()>;
    /// Forgets sessions that expired before `now` (they no longer authenticate anyway).
    async fn prune_sessions(&self, now: Timestamp) -> Result<()>;

    async fn create_invitation(
        &self,
        ws: WorkspaceId,
        token_hash: TokenHash,
        role: MemberRole,
        actor: &Actor,
        expires_at: Timestamp,
    ) -> Result<Invitation>;
    async fn list_invitations(&self, ws: WorkspaceId) -> Result<Vec<Invitation>>;
    /// Withdraws an unused invitation; false if there is none with this id.
    async fn delete_invitation(&self, ws: WorkspaceId, id: &str, actor: &Actor) -> Result<bool>;
    /// An invitation by token, with its workspace's name, if it is still usable.
    async fn open_invitation(
        &self,
        token_hash: TokenHash,
        now: Timestamp,
    ) -> Result<Option<(Invitation, String)>>;
    /// Uses an invitation: `member` joins with its role. `None` if it is expired, used or
    /// unknown; 409 if `member` already belongs to the workspace.
    async fn accept_invitation(
        &self,
        token_hash: TokenHash,
        member: &Member,
        now: Timestamp,
    ) -> Result<Option<(WorkspaceId, MemberRole)>>;

    /// The setting `key`, set to `initial` first if it has no value yet (every node then
    /// reads the same value).
    async fn setting_or_init(&self, key: &str, initial: &str) -> Result<String>;
}
