//! Use cases shared by the HTTP surfaces and the CLI: key management, members and sign-in,
//! and ingest (the one path by which a transcript is stored).

pub mod ingest;
pub mod keys;
pub mod members;
pub mod tokens;

use crate::auth::AuthError;
use crate::model::ValidationError;
use crate::store::StoreError;

/// Why a use case failed: an input that breaks its rules, a refusal of authentication, or
/// the store's error.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A failure that is nobody's input: a background task that died.
    #[error("{0}")]
    Internal(String),
}
