//! Members, memberships, sessions, invitations and shared settings: the dashboard's data.
//! The trait is a supertrait of [`super::Store`]; its SQL (identical on both backends) is here.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::Actor;
use super::error::{Result, StoreError};
use super::sql::{SqlStore, Target, audit, corrupt, opt_ts, ts, uuid_col};
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

fn member(row: &AnyRow) -> Result<Member> {
    Ok(Member {
        id: uuid_col(row, "id")?,
        email: row.try_get("email")?,
        created_at: ts(row, "created_at")?,
    })
}

fn role(row: &AnyRow) -> Result<MemberRole> {
    let text: String = row.try_get("role")?;
    MemberRole::parse(&text).ok_or_else(|| corrupt("role", &text))
}

fn invitation(row: &AnyRow) -> Result<Invitation> {
    Ok(Invitation {
        id: row.try_get("id")?,
        workspace_id: uuid_col(row, "workspace_id")?,
        role: role(row)?,
        created_by: row.try_get("created_by")?,
        created_at: ts(row, "created_at")?,
        expires_at: ts(row, "expires_at")?,
        accepted_at: opt_ts(row, "accepted_at")?,
        accepted_by: row.try_get("accepted_by")?,
    })
}

const INVITATION_COLUMNS: &str = "workspace_id, id, role, created_by, created_at, expires_at, \
     accepted_at, accepted_by";

#[async_trait]
impl MemberStore for SqlStore {
    async fn create_member(&self, email: &str, password_hash: &str) -> Result<Member> {
        let member = Member {
            id: MemberId::new(),
            email: email.to_string(),
            created_at: Timestamp::now(),
        };
        let inserted = sqlx::query(
            "insert into members (id, email, password_hash, created_at) values ($1, $2, $3, $4)",
        )
        .bind(member.id.to_string())
        .bind(&member.email)
        .bind(password_hash)
        .bind(member.created_at.to_rfc3339())
        .execute(&self.write)
        .await;
        match inserted {
            Err(e) if super::is_unique_violation(&e) => Err(StoreError::Conflict(
                "a member with this email already exists".into(),
            )),
            other => {
                other?;
                Ok(member)
            }
        }
    }

    async fn member_by_email(&self, email: &str) -> Result<Option<(Member, String)>> {
        let row = sqlx::query(
            "select id, email, created_at, password_hash from members where email = $1",
        )
        .bind(email)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| Ok((member(&r)?, r.try_get("password_hash")?)))
            .transpose()
    }

    async fn get_member(&self, id: MemberId) -> Result<Option<Member>> {
        let row = sqlx::query("select id, email, created_at from members where id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(member).transpose()
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
        let rows = sqlx::query(
            "select m.workspace_id, w.name, m.role from memberships m \
             join workspaces w on w.id = m.workspace_id \
             where m.member_id = $1 order by w.name, w.id",
        )
        .bind(member.to_string())
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Membership {
                    workspace_id: uuid_col(r, "workspace_id")?,
                    workspace_name: r.try_get("name")?,
                    role: role(r)?,
                })
            })
            .collect()
    }

    async fn role_of(&self, ws: WorkspaceId, member: MemberId) -> Result<Option<MemberRole>> {
        let row =
            sqlx::query("select role from memberships where workspace_id = $1 and member_id = $2")
                .bind(ws.to_string())
                .bind(member.to_string())
                .fetch_optional(&self.read)
                .await?;
        row.as_ref().map(role).transpose()
    }

    async fn list_members(&self, ws: WorkspaceId) -> Result<Vec<WorkspaceMember>> {
        let rows = sqlx::query(
            "select p.id, p.email, p.created_at, m.role, m.created_at as joined_at \
             from memberships m join members p on p.id = m.member_id \
             where m.workspace_id = $1 order by m.created_at, p.email",
        )
        .bind(ws.to_string())
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(WorkspaceMember {
                    member: member(r)?,
                    role: role(r)?,
                    joined_at: ts(r, "joined_at")?,
                })
            })
            .collect()
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
        .bind(ws.to_string())
        .bind(member.id.to_string())
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
        .bind(ws.to_string())
        .bind(from.to_string())
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
        .bind(ws.to_string())
        .bind(to.id.to_string())
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
        .bind(ws.to_string())
        .bind(member.id.to_string())
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
        .bind(member.to_string())
        .bind(Timestamp::now().to_rfc3339())
        .bind(expires_at.to_rfc3339())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn prune_sessions(&self, now: Timestamp) -> Result<()> {
        sqlx::query("delete from sessions where expires_at < $1")
            .bind(now.to_rfc3339())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn session_member(
        &self,
        token_hash: TokenHash,
        now: Timestamp,
    ) -> Result<Option<Member>> {
        let row = sqlx::query(
            "select m.id, m.email, m.created_at from sessions s \
             join members m on m.id = s.member_id \
             where s.token_hash = $1 and s.expires_at > $2",
        )
        .bind(&token_hash.0[..])
        .bind(now.to_rfc3339())
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(member).transpose()
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
        .bind(ws.to_string())
        .bind(&invitation.id)
        .bind(&token_hash.0[..])
        .bind(invited_role.as_str())
        .bind(&invitation.created_by)
        .bind(invitation.created_at.to_rfc3339())
        .bind(expires_at.to_rfc3339())
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
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(ws.to_string())
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(invitation).collect()
    }

    async fn delete_invitation(&self, ws: WorkspaceId, id: &str, actor: &Actor) -> Result<bool> {
        let mut tx = self.begin().await?;
        let deleted = sqlx::query(
            "delete from invitations where workspace_id = $1 and id = $2 and accepted_at is null",
        )
        .bind(ws.to_string())
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
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&token_hash.0[..])
            .bind(now.to_rfc3339())
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| Ok((invitation(&r)?, r.try_get("workspace_name")?)))
            .transpose()
    }

    async fn accept_invitation(
        &self,
        token_hash: TokenHash,
        member: &Member,
        now: Timestamp,
    ) -> Result<Option<(WorkspaceId, MemberRole)>> {
        let mut tx = self.begin().await?;
        let now = now.to_rfc3339();
        let sql = format!(
            "select {INVITATION_COLUMNS} from invitations \
             where token_hash = $1 and accepted_at is null and expires_at > $2"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&token_hash.0[..])
            .bind(&now)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let invited = invitation(&row)?;
        let used = sqlx::query(
            "update invitations set accepted_at = $3, accepted_by = $4 \
             where workspace_id = $1 and id = $2 and accepted_at is null",
        )
        .bind(invited.workspace_id.to_string())
        .bind(&invited.id)
        .bind(&now)
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
    tx: &mut super::sql::Tx,
    ws: WorkspaceId,
    member: &Member,
    role: MemberRole,
) -> Result<()> {
    let inserted = sqlx::query(
        "insert into memberships (workspace_id, member_id, role, created_at) \
         values ($1, $2, $3, $4)",
    )
    .bind(ws.to_string())
    .bind(member.id.to_string())
    .bind(role.as_str())
    .bind(Timestamp::now().to_rfc3339())
    .execute(&mut **tx)
    .await;
    match inserted {
        Err(e) if super::is_unique_violation(&e) => Err(StoreError::Conflict(
            if role == MemberRole::Owner {
                "this workspace already has an owner"
            } else {
                "already a member of this workspace"
            }
            .into(),
        )),
        other => {
            other?;
            Ok(())
        }
    }
}
