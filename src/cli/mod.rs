//! The `halfpipe` command line: `serve`, `migrate`, and the admin subcommands.

mod keys;
mod members;
mod serve;
mod workspaces;

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use serde::Serialize;
use tracing_subscriber::EnvFilter;

use crate::config::{DatabaseConfig, ServerConfig};
use crate::error::ApiError;
use crate::model::WorkspaceId;
use crate::store::{self, Store};

#[derive(Debug, Parser)]
#[command(
    name = "halfpipe",
    version,
    about = "Self-hosted server for the Bigspin public API"
)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseConfig,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the server (creates and migrates the database; bootstraps an empty one).
    Serve(ServerConfig),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage workspaces.
    #[command(subcommand)]
    Workspaces(workspaces::WorkspacesCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Manage dashboard members.
    #[command(subcommand)]
    Members(members::MembersCommand),
}

/// Logs go to stderr, so that `--json` output on stdout stays one clean value.
pub fn init_tracing() {
    let filter = EnvFilter::try_from_env("HALFPIPE_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sqlx_core::pool=error,tower_http=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

pub async fn run(cli: Cli) -> ExitCode {
    let db = &cli.database;
    let result = match cli.command {
        Command::Serve(config) => serve::run(db, config).await,
        Command::Migrate => open(db).await.map(|_| {
            eprintln!(
                "database is up to date: {}",
                store::redact_url(&db.database_url)
            );
        }),
        Command::Workspaces(cmd) => {
            let creates = cmd.creates_a_workspace();
            async { cmd.run(open_for_admin(db, creates).await?).await }.await
        }
        Command::Members(cmd) => async { cmd.run(open_for_admin(db, false).await?).await }.await,
        Command::Keys(cmd) => async { cmd.run(open_for_admin(db, false).await?).await }.await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if e.json {
                println!("{}", e.error.body());
            }
            eprintln!("error: {}", e.error);
            ExitCode::FAILURE
        }
    }
}

/// A failed command; with `--json` it is also printed as a JSON error on stdout.
#[derive(Debug)]
pub struct CliError {
    error: ApiError,
    json: bool,
}

impl From<ApiError> for CliError {
    fn from(error: ApiError) -> Self {
        Self { error, json: false }
    }
}

trait JsonContext<T> {
    /// Marks the error to be printed as JSON when `json` is set.
    fn json(self, json: bool) -> Result<T, CliError>;
}

impl<T, E: Into<ApiError>> JsonContext<T> for Result<T, E> {
    fn json(self, json: bool) -> Result<T, CliError> {
        self.map_err(|error| CliError {
            error: error.into(),
            json,
        })
    }
}

async fn open(db: &DatabaseConfig) -> Result<Arc<dyn Store>, CliError> {
    store::connect(db)
        .await
        .map_err(|message| {
            ApiError::Overloaded(format!(
                "cannot open the database {}: {message}",
                store::redact_url(&db.database_url)
            ))
        })
        .map_err(CliError::from)
}

/// Opens the database for an admin command and, on stderr, says so when it is probably not the
/// one the user meant: a SQLite file that did not exist (and has just been created, empty), or
/// a database with no workspace yet — the usual sign of running the CLI from another folder
/// than the server's, or without its `--database-url`. `creating` silences the second note for
/// `workspaces create`, which is what fills an empty database.
async fn open_for_admin(db: &DatabaseConfig, creating: bool) -> Result<Arc<dyn Store>, CliError> {
    let url = store::redact_url(&db.database_url);
    let new_file = sqlite_file(&db.database_url).filter(|path| !path.exists());
    let store = open(db).await?;
    if let Some(path) = new_file {
        let shown = std::fs::canonicalize(&path).unwrap_or(path);
        eprintln!(
            "note: {url} did not exist, so a new, empty database was created at {}; \
             point the CLI at your server's database with --database-url or \
             HALFPIPE_DATABASE_URL",
            shown.display()
        );
    } else if !creating
        && store
            .list_workspaces()
            .await
            .map_err(ApiError::from)?
            .is_empty()
    {
        eprintln!(
            "note: the database {url} has no workspace yet: `halfpipe serve` sets up an empty \
             one, or pass the server's database with --database-url or HALFPIPE_DATABASE_URL"
        );
    }
    Ok(store)
}

/// The file a `sqlite:` URL names, if it names one (not an in-memory database).
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:" && !url.contains("mode=memory"))
        .then(|| std::path::PathBuf::from(path))
}

/// Prints `value` as one JSON value (with `--json`) or as `text`.
fn print<T: Serialize>(json: bool, value: &T, text: impl FnOnce() -> String) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(value).expect("output serializes")
        );
    } else {
        println!("{}", text());
    }
}

/// The workspace a command acts on: the one named, or the only one there is.
async fn resolve_workspace(
    store: &dyn Store,
    given: Option<&str>,
) -> Result<WorkspaceId, ApiError> {
    match given {
        Some(raw) => {
            let id: WorkspaceId = raw.trim().parse().map_err(|_| {
                ApiError::invalid(
                    "workspace",
                    format!("--workspace must be a workspace id, got {raw:?}"),
                )
            })?;
            store
                .get_workspace(id)
                .await?
                .map(|w| w.id)
                .ok_or_else(|| ApiError::NotFound(format!("workspace {id} not found")))
        }
        None => {
            let all = store.list_workspaces().await?;
            match all.as_slice() {
                [only] => Ok(only.id),
                [] => Err(ApiError::NotFound(
                    "there is no workspace yet: create one with `halfpipe workspaces create --name …`".into(),
                )),
                _ => Err(ApiError::invalid(
                    "workspace",
                    "there are several workspaces: choose one with --workspace (see `halfpipe workspaces list`)",
                )),
            }
        }
    }
}
