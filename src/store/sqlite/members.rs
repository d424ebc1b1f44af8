//! Members, memberships, sessions, invitations and shared settings on SQLite: the
//! dashboard's data.

use async_trait::async_trait;
use sqlx::AssertSqlSafe;

use super::keys::audit;
use super::{SqliteStore, Tx};
use crate::model::{
    Invitation, Member, MemberId, MemberRole, Membership, Timestamp, TokenHash, WorkspaceId,
    WorkspaceMember,
};
use crate::store::error::{Result, StoreError};
use crate::store::shared::{
    INVITATION_COLUMNS, InvitationRow, MEMBER_COLUMNS, MemberRow, MemberWithHashRow, MembershipRow,
    OpenInvitationRow, Target, WorkspaceMemberRow, membership_conflict,
};
use crate::store::{Actor, MemberStore, is_unique_violation};

#[async_trait]
impl MemberStore for SqliteStore {
    async fn create_member(&self, email: &str, password_hash: &str) -> Result<Member> {
        let member = Member {
            id: MemberId::new(),
            email: email.to_string(),
            created_at: Timestamp::now(),
        };
        let inserted = sqlx::query(
            "insert into members (id, email, password_hash, created_at) values ($1, $2, $3, $4)",
        )
        .bind(member.id)
        .bind(&member.email)
        .bind(password_hash)
        .bind(member.created_at)
        .execute(&self.write)
        .await;
        match inserted {
            Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(
                "a member with this email already exists".into(),
            )),
            other => {
                other?;
                Ok(member)
            }
        }
    }

    async fn member_by_email(&self, email: &str) -> Result<Option<(Member, String)>> {
        let sql = format!("select {MEMBER_COLUMNS}, password_hash from members where email = $1");
        let row: Option<MemberWithHashRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(email)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn get_member(&self, id: MemberId) -> Result<Option<Member>> {
        let sql = format!("select {MEMBER_COLUMNS} from members where id = $1");
        let row: Option<MemberRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn add_membership(
        &self,
        ws: WorkspaceId,
        member: &Member,
        role: MemberRole,
        actor: &Actor,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_membership(&mut tx, ws, member, role).await?;
        audit(
            &mut tx,
            ws,
            actor,
            "member.added",
            Target::Other(&member.email),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn memberships(&self, member: MemberId) -> Result<Vec<Membership>> {
        let rows: Vec<MembershipRow> = sqlx::query_as(
            "select m.workspace_id, w.name, m.role from memberships m \
             join workspaces w on w.id = m.workspace_id \
             where m.member_id = $1 order by w.name, w.id",
        )
        .bind(member)
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn role_of(&self, ws: WorkspaceId, member: MemberId) -> Result<Option<MemberRole>> {
        Ok(sqlx::query_scalar(
            "select role from memberships where workspace_id = $1 and member_id = $2",
        )
        .bind(ws)
        .bind(member)
        .fetch_optional(&self.read)
        .await?)
    }

    async fn list_members(&self, ws: WorkspaceId) -> Result<Vec<WorkspaceMember>> {
        let rows: Vec<WorkspaceMemberRow> = sqlx::query_as(
            "select p.id, p.email, p.created_at, m.role, m.created_at as joined_at \
             from memberships m join members p on p.id = m.member_id \
             where m.workspace_id = $1 order by m.created_at, p.email",
        )
        .bind(ws)
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn set_role(
        &self,
        ws: WorkspaceId,
        member: &Member,
        new_role: MemberRole,
        actor: &Actor,
    ) -> Result<bool> {
        if new_role == MemberRole::Owner {
            return Err(StoreError::from(crate::model::ValidationError::new(
                "role",
                "use the ownership transfer to make someone the owner",
            )));
        }
        let mut tx = self.begin().await?;
        let updated = sqlx::query(
            "update memberships set role = $3 \
             where workspace_id = $1 and member_id = $2 and role <> 'owner'",
        )
        .bind(ws)
        .bind(member.id)
        .bind(new_role.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        let action = format!("member.role_changed:{}", new_role.as_str());
        audit(&mut tx, ws, actor, &action, Target::Other(&member.email)).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn transfer_ownership(
        &self,
        ws: WorkspaceId,
        from: MemberId,
        to: &Member,
        actor: &Actor,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let demoted = sqlx::query(
            "update memberships set role = 'admin' \
             where workspace_id = $1 and member_id = $2 and role = 'owner'",
        )
        .bind(ws)
        .bind(from)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if demoted == 0 {
            return Err(StoreError::Forbidden(
                "only the workspace's owner can transfer ownership".into(),
            ));
        }
        let promoted = sqlx::query(
            "update memberships set role = 'owner' where workspace_id = $1 and member_id = $2",
        )
        .bind(ws)
        .bind(to.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if promoted == 0 {
            return Err(StoreError::NotFound(
                "the new owner is not a member of this workspace".into(),
            ));
        }
        audit(
            &mut tx,
            ws,
            actor,
            "ownership.transferred",
            Target::Other(&to.email),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_member(&self, ws: WorkspaceId, member: &Member, actor: &Actor) -> Result<bool> {
        let mut tx = self.begin().await?;
        let removed = sqlx::query(
            "delete from memberships where workspace_id = $1 and member_id = $2 \
             and role <> 'owner'",
        )
        .bind(ws)
        .bind(member.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if removed == 0 {
            return Ok(false);
        }
        audit(
            &mut tx,
            ws,
            actor,
            "member.removed",
            Target::Other(&member.email),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn create_session(
        &self,
        token_hash: TokenHash,
        member: MemberId,
        expires_at: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "insert into sessions (token_hash, member_id, created_at, expires_at) \
             values ($1, $2, $3, $4)",
        )
        .bind(&token_hash.0[..])
        .bind(member)
        .bind(Timestamp::now())
        .bind(expires_at)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn prune_sessions(&self, now: Timestamp) -> Result<()> {
        sqlx::query("delete from sessions where expires_at < $1")
            .bind(now)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn session_member(
        &self,
        token_hash: TokenHash,
        now: Timestamp,
    ) -> Result<Option<Member>> {
        let row: Option<MemberRow> = sqlx::query_as(
            "select m.id, m.email, m.created_at from sessions s \
             join members m on m.id = s.member_id \
             where s.token_hash = $1 and s.expires_at > $2",
        )
        .bind(&token_hash.0[..])
        .bind(now)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(Into::into))
    }

    async fn delete_session(&self, token_hash: TokenHash) -> Result<()> {
        sqlx::query("delete from sessions where token_hash = $1")
            .bind(&token_hash.0[..])
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn create_invitation(
        &self,
        ws: WorkspaceId,
        token_hash: TokenHash,
        invited_role: MemberRole,
        actor: &Actor,
        expires_at: Timestamp,
    ) -> Result<Invitation> {
        if invited_role == MemberRole::Owner {
            return Err(StoreError::from(crate::model::ValidationError::new(
                "role",
                "invitations are for admins and members; transfer ownership instead",
            )));
        }
        let invitation = Invitation {
            id: uuid::Uuid::now_v7().to_string(),
            workspace_id: ws,
            role: invited_role,
            created_by: actor.0.clone(),
            created_at: Timestamp::now(),
            expires_at,
            accepted_at: None,
            accepted_by: None,
        };
        let mut tx = self.begin().await?;
        sqlx::query(
            "insert into invitations (workspace_id, id, token_hash, role, created_by, \
             created_at, expires_at) values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(ws)
        .bind(&invitation.id)
        .bind(&token_hash.0[..])
        .bind(invited_role.as_str())
        .bind(&invitation.created_by)
        .bind(invitation.created_at)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        audit(
            &mut tx,
            ws,
            actor,
            "invitation.created",
            Target::Other(&invitation.id),
        )
        .await?;
        tx.commit().await?;
        Ok(invitation)
    }

    async fn list_invitations(&self, ws: WorkspaceId) -> Result<Vec<Invitation>> {
        let sql = format!(
            "select {INVITATION_COLUMNS} from invitations where workspace_id = $1 \
             order by created_at desc, id desc"
        );
        let rows: Vec<InvitationRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(ws)
            .fetch_all(&self.read)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn delete_invitation(&self, ws: WorkspaceId, id: &str, actor: &Actor) -> Result<bool> {
        let mut tx = self.begin().await?;
        let deleted = sqlx::query(
            "delete from invitations where workspace_id = $1 and id = $2 and accepted_at is null",
        )
        .bind(ws)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if deleted == 0 {
            return Ok(false);
        }
        audit(&mut tx, ws, actor, "invitation.revoked", Target::Other(id)).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn open_invitation(
        &self,
        token_hash: TokenHash,
        now: Timestamp,
    ) -> Result<Option<(Invitation, String)>> {
        let sql = format!(
            "select {INVITATION_COLUMNS}, (select name from workspaces w \
             where w.id = invitations.workspace_id) as workspace_name from invitations \
             where token_hash = $1 and accepted_at is null and expires_at > $2"
        );
        let row: Option<OpenInvitationRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(&token_hash.0[..])
            .bind(now)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn accept_invitation(
        &self,
        token_hash: TokenHash,
        member: &Member,
        now: Timestamp,
    ) -> Result<Option<(WorkspaceId, MemberRole)>> {
        let mut tx = self.begin().await?;
        let sql = format!(
            "select {INVITATION_COLUMNS} from invitations \
             where token_hash = $1 and accepted_at is null and expires_at > $2"
        );
        let row: Option<InvitationRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(&token_hash.0[..])
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let invited = Invitation::from(row);
        let used = sqlx::query(
            "update invitations set accepted_at = $3, accepted_by = $4 \
             where workspace_id = $1 and id = $2 and accepted_at is null",
        )
        .bind(invited.workspace_id)
        .bind(&invited.id)
        .bind(now)
        .bind(&member.email)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if used == 0 {
            return Ok(None);
        }
        insert_membership(&mut tx, invited.workspace_id, member, invited.role).await?;
        let actor = Actor(member.email.clone());
        audit(
            &mut tx,
            invited.workspace_id,
            &actor,
            "invitation.accepted",
            Target::Other(&invited.id),
        )
        .await?;
        tx.commit().await?;
        Ok(Some((invited.workspace_id, invited.role)))
    }

    async fn setting_or_init(&self, key: &str, initial: &str) -> Result<String> {
        sqlx::query(
            "insert into settings (key, value) values ($1, $2) on conflict (key) do nothing",
        )
        .bind(key)
        .bind(initial)
        .execute(&self.write)
        .await?;
        let value: String = sqlx::query_scalar("select value from settings where key = $1")
            .bind(key)
            .fetch_one(&self.write)
            .await?;
        Ok(value)
    }
}

async fn insert_membership(
    tx: &mut Tx,
    ws: WorkspaceId,
    member: &Member,
    role: MemberRole,
) -> Result<()> {
    let inserted = sqlx::query(
        "insert into memberships (workspace_id, member_id, role, created_at) \
         values ($1, $2, $3, $4)",
    )
    .bind(ws)
    .bind(member.id)
    .bind(role.as_str())
    .bind(Timestamp::now())
    .execute(&mut **tx)
    .await;
    match inserted {
        Err(e) if is_unique_violation(&e) => {
            Err(StoreError::Conflict(membership_conflict(role).into()))
        }
        other => {
            other?;
            Ok(())
        }
    }
}
