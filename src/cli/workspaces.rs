//! `halfpipe workspaces create|list`.

use std::sync::Arc;

use clap::Subcommand;

use super::{CliError, JsonContext, print};
use crate::model::transcript::required_name;
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum WorkspacesCommand {
    /// Create a workspace.
    Create {
        /// The workspace's name (1–200 characters).
        #[arg(long)]
        name: String,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// List workspaces.
    List {
        /// Print one JSON array.
        #[arg(long)]
        json: bool,
    },
}

impl WorkspacesCommand {
    /// Whether the command fills a database (so an empty one is expected).
    pub fn creates_a_workspace(&self) -> bool {
        matches!(self, WorkspacesCommand::Create { .. })
    }

    pub async fn run(self, store: Arc<dyn Store>) -> Result<(), CliError> {
        match self {
            WorkspacesCommand::Create { name, json } => {
                let created = async {
                    let name = required_name(Some(name), "name", 200)?;
                    Ok::<_, crate::error::ApiError>(store.create_workspace(&name).await?)
                }
                .await
                .json(json)?;
                print(json, &created, || {
                    format!("created workspace {} ({})", created.name, created.id)
                });
            }
            WorkspacesCommand::List { json } => {
                let all = store.list_workspaces().await.json(json)?;
                print(json, &all, || {
                    all.iter()
                        .map(|w| format!("{}  {}  created {}", w.id, w.name, w.created_at))
                        .collect::<Vec<_>>()
                        .join("\n")
                });
            }
        }
        Ok(())
    }
}
