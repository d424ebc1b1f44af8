//! `halfpipe members create|list`.

use std::io::Read;
use std::sync::Arc;

use clap::Subcommand;
use serde_json::json;

use super::{CliError, JsonContext, print, resolve_workspace};
use crate::auth::password::PasswordWorkers;
use crate::error::{ApiError, Result};
use crate::model::MemberRole;
use crate::model::member::normalize_email;
use crate::service::members::create_member;
use crate::store::{Actor, Store};

#[derive(Debug, Subcommand)]
pub enum MembersCommand {
    /// Add a member to a workspace, creating their account if the email is new.
    Create {
        /// Workspace id (optional when there is only one workspace).
        #[arg(long)]
        workspace: Option<String>,
        #[arg(long)]
        email: String,
        /// owner, admin or member.
        #[arg(long, default_value = "member")]
        role: String,
        /// Read the new account's password from stdin (required for a new email).
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// List a workspace's members and their roles.
    List {
        #[arg(long)]
        workspace: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

impl MembersCommand {
    pub async fn run(self, store: Arc<dyn Store>) -> Result<(), CliError> {
        let store = store.as_ref();
        match self {
            MembersCommand::Create {
                workspace,
                email,
                role,
                password_stdin,
                json,
            } => {
                let out = async {
                    let ws = resolve_workspace(store, workspace.as_deref()).await?;
                    let role = MemberRole::parse(&role).ok_or_else(|| {
                        ApiError::invalid("role", format!("--role must be owner, admin or member, got {role:?}"))
                    })?;
                    let email = normalize_email(&email).ok_or_else(|| {
                        ApiError::invalid("email", "--email must look like name@example.com")
                    })?;
                    if role == MemberRole::Owner
                        && store
                            .list_members(ws)
                            .await?
                            .iter()
                            .any(|m| m.role == MemberRole::Owner)
                    {
                        // Checked before an account is created, so a refused owner leaves nothing.
                        return Err(ApiError::conflict("this workspace already has an owner"));
                    }
                    let member = match store.member_by_email(&email).await? {
                        Some((member, _)) => member,
                        None => {
                            if !password_stdin {
                                return Err(ApiError::invalid(
                                    "password",
                                    "a new member needs a password: pipe it in with --password-stdin",
                                ));
                            }
                            let mut password = String::new();
                            std::io::stdin().read_to_string(&mut password).map_err(|e| {
                                ApiError::invalid("password", format!("cannot read stdin: {e}"))
                            })?;
                            let password = password.trim_end_matches(['\n', '\r']);
                            create_member(store, &one_password_thread(), &email, password).await?
                        }
                    };
                    store
                        .add_membership(ws, &member, role, &Actor("cli".into()))
                        .await?;
                    Ok(json!({
                        "id": member.id,
                        "email": member.email,
                        "workspace_id": ws,
                        "role": role,
                        "created_at": member.created_at,
                    }))
                }
                .await
                .json(json)?;
                print(json, &out, || {
                    format!(
                        "{} is now {} of workspace {}",
                        out["email"], out["role"], out["workspace_id"]
                    )
                });
            }
            MembersCommand::List { workspace, json } => {
                let members = async {
                    let ws = resolve_workspace(store, workspace.as_deref()).await?;
                    Ok::<_, ApiError>(store.list_members(ws).await?)
                }
                .await
                .json(json)?;
                print(json, &members, || {
                    members
                        .iter()
                        .map(|m| {
                            format!("{}  {}  {}", m.member.id, m.member.email, m.role.as_str())
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                });
            }
        }
        Ok(())
    }
}

/// A command hashes one password at a time: one thread, and all the time it needs.
fn one_password_thread() -> PasswordWorkers {
    PasswordWorkers::new(1, std::time::Duration::from_secs(3600))
}

/// Creates the bootstrap owner with a generated password; returns the password.
pub async fn bootstrap_owner(
    store: &dyn Store,
    workspace: crate::model::WorkspaceId,
    email: &str,
) -> Result<String> {
    let password = crate::auth::session::generate_password();
    let member = create_member(store, &one_password_thread(), email, &password).await?;
    store
        .add_membership(
            workspace,
            &member,
            MemberRole::Owner,
            &Actor("bootstrap".into()),
        )
        .await?;
    Ok(password)
}
