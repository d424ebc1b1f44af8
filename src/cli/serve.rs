//! `halfpipe serve`: open the database, bootstrap an empty one, and serve until a signal.

use tokio::net::TcpListener;

use super::CliError;
use super::members::bootstrap_owner;
use crate::app;
use crate::config::{DatabaseConfig, ServerConfig};
use crate::error::{ApiError, Result};
use crate::service::keys::{KeyRequest, create_key};
use crate::state::AppState;
use crate::store::{self, Actor, Store};

pub async fn run(db: &DatabaseConfig, config: ServerConfig) -> Result<(), CliError> {
    // Before anything else, so that a SIGTERM during start-up ends in a graceful shutdown.
    let shutdown = app::shutdown_signal();
    let store = super::open(db).await?;
    let listener = TcpListener::bind(&config.listen)
        .await
        .map_err(|e| ApiError::internal(format!("cannot listen on {}: {e}", config.listen)))?;
    let address = listener
        .local_addr()
        .map_err(|e| ApiError::internal(e.to_string()))?;
    bootstrap(
        store.as_ref(),
        &address.to_string(),
        &config.bootstrap_email,
    )
    .await?;
    tracing::info!(%address, database = %store::redact_url(&db.database_url), "listening");
    let state = AppState::new(store, config);
    app::serve(listener, state, shutdown)
        .await
        .map_err(|e| ApiError::internal(format!("server failed: {e}")))?;
    Ok(())
}

/// On a database with no workspace, creates one with a full-access key and prints the key
/// once, with a `curl` line to try it.
async fn bootstrap(store: &dyn Store, address: &str, owner_email: &str) -> Result<()> {
    let Some(workspace) = store.create_first_workspace("Default Workspace").await? else {
        return Ok(());
    };
    let request = KeyRequest {
        name: Some("Bootstrap key".into()),
        description: Some("Created by the first `halfpipe serve`".into()),
        ..Default::default()
    }
    .validate()?;
    let created = create_key(
        store,
        workspace.id,
        request,
        "bootstrap",
        &Actor("bootstrap".into()),
    )
    .await?;
    let password = bootstrap_owner(store, workspace.id, owner_email).await?;
    let base = address
        .replace("0.0.0.0", "127.0.0.1")
        .replace("[::]", "[::1]");
    // The key and the password appear exactly once, in lines ready to use.
    println!(
        "\nHalfpipe: this database was empty, so it now has a workspace, an owner account and a \
         full-access API key.\n\n\
         \x20 workspace  {} ({})\n\n\
         Sign in to the dashboard at http://{base}/ (shown only this once: store them now):\n\n\
         \x20 email     {owner_email}\n\
         \x20 password  {password}\n\n\
         The API key is shown only this once too. To try it, paste:\n\n\
         \x20 export HALFPIPE_API_KEY={}\n\
         \x20 curl -H \"Authorization: Bearer $HALFPIPE_API_KEY\" http://{base}/public/api/v1/projects\n",
        workspace.name,
        workspace.id,
        created.key.expose()
    );
    Ok(())
}
