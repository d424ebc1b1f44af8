//! `halfpipe keys create|list|revoke|reactivate|delete|import-legacy`.

use std::io::Read;
use std::sync::Arc;

use clap::{ArgGroup, Subcommand};
use serde_json::json;

use super::{CliError, JsonContext, print, resolve_workspace};
use crate::error::{ApiError, Result};
use crate::model::{ApiKeyRecord, KeyId};
use crate::service::keys::{KeyRequest, LegacySecret, create_key, import_legacy_key};
use crate::store::{Actor, KeyAction, Store};

/// Who the audit log names for changes made here.
const CLI: &str = "cli";

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create an API key; its plaintext is printed this once.
    Create {
        /// Workspace id (optional when there is only one workspace).
        #[arg(long)]
        workspace: Option<String>,
        /// A descriptive name, 3–100 characters.
        #[arg(long)]
        name: String,
        /// Optional description, up to 1000 characters.
        #[arg(long)]
        description: Option<String>,
        /// A permission (repeatable): projects-read, projects-write,
        /// halfpipe-transcripts-write. None means full access.
        #[arg(long = "permission")]
        permissions: Vec<String>,
        /// Expiry time, RFC 3339.
        #[arg(long)]
        expires_at: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List a workspace's keys (never their secrets).
    List {
        #[arg(long)]
        workspace: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Suspend a key; it stops working at once.
    Revoke {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Make a revoked key work again.
    Reactivate {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete a key permanently.
    Delete {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Register an existing sk-prism-api03- key by its plaintext or its SHA-256.
    #[command(group(ArgGroup::new("secret").required(true).args(["key", "sha256"])))]
    ImportLegacy {
        #[arg(long)]
        workspace: Option<String>,
        #[arg(long)]
        name: String,
        /// The legacy key's plaintext, or `-` to read it from stdin.
        #[arg(long)]
        key: Option<String>,
        /// The SHA-256 of the legacy key, in hex.
        #[arg(long)]
        sha256: Option<String>,
        #[arg(long = "permission")]
        permissions: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

impl KeysCommand {
    pub async fn run(self, store: Arc<dyn Store>) -> Result<(), CliError> {
        let store = store.as_ref();
        let actor = Actor(CLI.into());
        match self {
            KeysCommand::Create {
                workspace,
                name,
                description,
                permissions,
                expires_at,
                json,
            } => {
                let created = async {
                    let ws = resolve_workspace(store, workspace.as_deref()).await?;
                    let request = KeyRequest {
                        name: Some(name),
                        description,
                        permissions,
                        expires_at,
                    }
                    .validate()?;
                    Ok::<_, ApiError>(create_key(store, ws, request, CLI, &actor).await?)
                }
                .await
                .json(json)?;
                print(json, &created, || {
                    format!(
                        "created API key {} ({})\n\n  {}\n\nThis is the only time the key is shown: store it now.",
                        created.record.name,
                        created.record.id,
                        created.key.expose()
                    )
                });
            }
            KeysCommand::List { workspace, json } => {
                let keys = async {
                    let ws = resolve_workspace(store, workspace.as_deref()).await?;
                    Ok::<_, ApiError>(store.list_keys(ws).await?)
                }
                .await
                .json(json)?;
                print(json, &keys, || {
                    keys.iter().map(describe).collect::<Vec<_>>().join("\n")
                });
            }
            KeysCommand::Revoke { id, json } => {
                let key = change(store, &id, KeyAction::Revoke, &actor)
                    .await
                    .json(json)?;
                print(json, &key, || format!("revoked {}", describe(&key)));
            }
            KeysCommand::Reactivate { id, json } => {
                let key = change(store, &id, KeyAction::Reactivate, &actor)
                    .await
                    .json(json)?;
                print(json, &key, || format!("reactivated {}", describe(&key)));
            }
            KeysCommand::Delete { id, json } => {
                let key = change(store, &id, KeyAction::Delete, &actor)
                    .await
                    .json(json)?;
                let out = json!({"id": key.id, "workspace_id": key.workspace_id, "deleted": true});
                print(json, &out, || format!("deleted {} permanently", key.id));
            }
            KeysCommand::ImportLegacy {
                workspace,
                name,
                key,
                sha256,
                permissions,
                json,
            } => {
                let imported = async {
                    let ws = resolve_workspace(store, workspace.as_deref()).await?;
                    let request = KeyRequest {
                        name: Some(name),
                        permissions,
                        ..Default::default()
                    }
                    .validate()?;
                    let secret = match (key, sha256) {
                        (Some(key), _) if key == "-" => {
                            let mut text = String::new();
                            std::io::stdin().read_to_string(&mut text).map_err(|e| {
                                ApiError::invalid(
                                    "key",
                                    format!("cannot read the key from stdin: {e}"),
                                )
                            })?;
                            LegacySecret::from_plaintext(&text)?
                        }
                        (Some(key), _) => LegacySecret::from_plaintext(&key)?,
                        (None, Some(hex)) => LegacySecret::from_sha256(&hex)?,
                        (None, None) => {
                            return Err(ApiError::invalid("key", "give --key or --sha256"));
                        }
                    };
                    Ok::<_, ApiError>(
                        import_legacy_key(store, ws, request, secret, CLI, &actor).await?,
                    )
                }
                .await
                .json(json)?;
                print(json, &imported, || {
                    format!("imported legacy key {}", describe(&imported))
                });
            }
        }
        Ok(())
    }
}

/// Applies `action` to the key with id `raw`, returning the key as it was before a delete or
/// as it is after a revoke or reactivate.
async fn change(
    store: &dyn Store,
    raw: &str,
    action: KeyAction,
    actor: &Actor,
) -> Result<ApiKeyRecord> {
    let not_found = || ApiError::NotFound(format!("API key {raw} not found"));
    let id: KeyId = raw.trim().parse().map_err(|_| not_found())?;
    let key = store.get_key(id).await?.ok_or_else(not_found)?;
    store
        .change_key(key.workspace_id, id, action, actor)
        .await?
        .ok_or_else(not_found)?;
    if action == KeyAction::Delete {
        return Ok(key);
    }
    store.get_key(id).await?.ok_or_else(not_found)
}

fn describe(key: &ApiKeyRecord) -> String {
    let permissions = if key.permissions.is_unrestricted() {
        "full access".to_string()
    } else {
        key.permissions.to_db()
    };
    let last_used = key
        .last_used_at
        .map_or_else(|| "never used".to_string(), |t| format!("last used {t}"));
    format!(
        "{}  {}  {}  {:?}  {}  {}",
        key.id,
        key.hint,
        key.status.as_str(),
        key.name,
        permissions,
        last_used
    )
}
