//! What a store call can fail with: a rule its transaction enforces, or the database itself.

use crate::model::ValidationError;

/// An error of the storage layer. Rules that must hold across concurrent writers (a unique
/// name, one owner per workspace) are checked inside the transaction and reported as
/// [`StoreError::Conflict`], [`StoreError::Invalid`], [`StoreError::Forbidden`] or
/// [`StoreError::NotFound`]; everything else is the database's.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The change collides with what is stored (a unique value already taken).
    #[error("{0}")]
    Conflict(String),
    /// The change breaks a rule on one of its inputs.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The change is not allowed in the current state.
    #[error("{0}")]
    Forbidden(String),
    /// Something the change refers to does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The database cannot be reached right now, or is too busy to answer in time.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// The database refused a statement: a bug, or a schema out of step.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// A stored value that the application cannot read back.
    #[error("stored {what} is not valid: {value}")]
    Corrupt { what: String, value: String },
}

impl StoreError {
    pub(crate) fn corrupt(what: &str, value: impl std::fmt::Debug) -> Self {
        StoreError::Corrupt {
            what: what.to_string(),
            value: format!("{value:?}"),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if is_unavailable(&err) {
            StoreError::Unavailable(err)
        } else {
            StoreError::Database(err)
        }
    }
}

/// Whether a database error means "the database cannot be reached right now" rather than a bug.
/// A statement that ran past the statement timeout (PostgreSQL 57014) counts: the database is
/// too busy to answer in time.
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    matches!(
        err,
        sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed
    ) || matches!(err, sqlx::Error::Database(db) if db.code().is_some_and(|c| c == "5" || c == "517" || c.starts_with("08") || c == "57014" || c == "57P01" || c == "57P03"))
}

/// `Result` with [`StoreError`] as the default error.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
